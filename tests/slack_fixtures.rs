//! Real Slack payloads (`tests/fixtures/slack/`) parsed with slack-morphism's own types,
//! so the shapes the local workspace imitates are known to be what the bot's library
//! accepts, and the published signing example checks out.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use slack_morphism::api::{
    SlackApiChatPostMessageResponse, SlackApiConversationsOpenResponse, SlackApiUsersInfoResponse,
};
use slack_morphism::events::{
    SlackCommandEvent, SlackEventCallbackBody, SlackInteractionEvent, SlackMessageEventType,
    SlackPushEvent, SlackPushEventCallback,
};
use slack_morphism::signature_verifier::{
    SlackEventSignatureVerifier, SlackEventSignatureVerifierError,
};
use slack_morphism::{
    SlackBasicChannelInfo, SlackChannelInfo, SlackEnvelopeMessage, SlackReactionsItem,
    SlackSigningSecret,
};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/slack")
}

fn fixture(name: &str) -> String {
    let path = fixtures_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn push_event(name: &str) -> SlackEventCallbackBody {
    match serde_json::from_str::<SlackPushEvent>(&fixture(name)) {
        Ok(SlackPushEvent::EventCallback(callback)) => callback.event,
        other => panic!("{name}: expected an event_callback, got {other:?}"),
    }
}

/// Every fixture file this test file checks; `every_fixture_is_checked` keeps it complete.
const CHECKED: &[&str] = &[
    "README.md",
    "commands/slash_command_bolt_python.txt",
    "commands/slash_command_docs_signed.txt",
    "events/app_mention.json",
    "events/message_bot_message_profile.json",
    "events/message_bot_message_subtype.json",
    "events/message_changed.json",
    "events/message_changed_by_bot.json",
    "events/message_channel.json",
    "events/message_thread_broadcast.json",
    "events/message_thread_reply.json",
    "events/reaction_added.json",
    "events/reaction_added_by_bot_self.json",
    "events/reaction_removed.json",
    "events/url_verification.json",
    "interactive/block_actions_button.form.txt",
    "interactive/block_actions_button.json",
    "interactive/view_submission.form.txt",
    "interactive/view_submission.json",
    "signature/slack_signature_vector.json",
    "socket_mode/disconnect.json",
    "socket_mode/events_api_app_mention_envelope.json",
    "socket_mode/events_api_message_envelope.json",
    "socket_mode/events_api_message_envelope_retry_timeout.json",
    "socket_mode/hello.json",
    "socket_mode/interactive_block_actions_view_envelope_large.json",
    "socket_mode/interactive_shortcut_envelope.json",
    "socket_mode/slash_commands_envelope.json",
    "web_api/chat.postMessage.error_channel_not_found.json",
    "web_api/chat.postMessage.error_not_in_channel.json",
    "web_api/chat.postMessage.error_too_many_attachments.json",
    "web_api/chat.postMessage.ok.json",
    "web_api/conversations.open.error_channel_not_found.json",
    "web_api/conversations.open.ok.json",
    "web_api/conversations.open.ok_already_open.json",
    "web_api/ratelimited_429.http.txt",
    "web_api/users.info.ok.json",
];

fn files_under(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, root, out);
        } else {
            let relative = path.strip_prefix(root).unwrap();
            out.insert(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn every_fixture_is_checked() {
    let root = fixtures_dir();
    let mut found = BTreeSet::new();
    files_under(&root, &root, &mut found);
    let checked: BTreeSet<String> = CHECKED.iter().map(|s| s.to_string()).collect();
    assert_eq!(found, checked, "add new fixtures to CHECKED and test them");
}

#[test]
fn message_events_parse() {
    let cases = [
        ("events/message_channel.json", None, false),
        ("events/message_thread_reply.json", None, true),
        (
            "events/message_thread_broadcast.json",
            Some(SlackMessageEventType::ThreadBroadcast),
            true,
        ),
        (
            "events/message_bot_message_subtype.json",
            Some(SlackMessageEventType::BotMessage),
            false,
        ),
        ("events/message_bot_message_profile.json", None, false),
        (
            "events/message_changed.json",
            Some(SlackMessageEventType::MessageChanged),
            false,
        ),
        (
            "events/message_changed_by_bot.json",
            Some(SlackMessageEventType::MessageChanged),
            false,
        ),
    ];
    for (name, subtype, is_threaded) in cases {
        let SlackEventCallbackBody::Message(message) = push_event(name) else {
            panic!("{name}: not a message event");
        };
        assert_eq!(message.subtype, subtype, "{name}");
        assert_eq!(message.origin.thread_ts.is_some(), is_threaded, "{name}");
    }
}

#[test]
fn edited_message_events_carry_old_and_new_text() {
    let SlackEventCallbackBody::Message(message) = push_event("events/message_changed_by_bot.json")
    else {
        panic!("not a message event");
    };
    let new = message
        .message
        .expect("message_changed has the new message");
    assert_eq!(
        new.content.and_then(|c| c.text).as_deref(),
        Some("edited message")
    );
    assert!(new.sender.bot_id.is_some());
    assert!(message.previous_message.is_some());
}

#[test]
fn app_mention_and_reaction_events_parse() {
    let SlackEventCallbackBody::AppMention(mention) = push_event("events/app_mention.json") else {
        panic!("not an app_mention");
    };
    assert_eq!(mention.user.0, "U222");

    for name in [
        "events/reaction_added.json",
        "events/reaction_added_by_bot_self.json",
    ] {
        let SlackEventCallbackBody::ReactionAdded(reaction) = push_event(name) else {
            panic!("{name}: not a reaction_added");
        };
        assert!(reaction.item_user.is_some(), "{name}");
        let SlackReactionsItem::Message(item) = reaction.item else {
            panic!("{name}: reaction not on a message");
        };
        assert!(item.origin.channel.is_some(), "{name}");
    }
    let SlackEventCallbackBody::ReactionRemoved(removed) =
        push_event("events/reaction_removed.json")
    else {
        panic!("not a reaction_removed");
    };
    assert_eq!(removed.reaction.0, "thumbsup");
}

#[test]
fn url_verification_parses() {
    let event: SlackPushEvent =
        serde_json::from_str(&fixture("events/url_verification.json")).unwrap();
    let SlackPushEvent::UrlVerification(verification) = event else {
        panic!("not a url_verification");
    };
    assert!(verification.challenge.starts_with("3eZbrw1a"));
}

/// slack-morphism 2.31.1 keeps `SlackSocketModeEvent` and its envelope types out of
/// reach from outside the crate (`models::socket_mode` is shadowed by the top-level
/// `socket_mode` module), so frames are checked here in two parts: the envelope fields
/// the listener reads, and the payload with the public type the listener hands to the
/// bot's callbacks. `tests/workspace.rs` runs the real listener on the workspace's frames.
fn check_socket_frame(name: &str, frame: &Value) -> &'static str {
    let kind = frame["type"].as_str().unwrap_or_default();
    if matches!(kind, "events_api" | "interactive" | "slash_commands") {
        assert!(frame["envelope_id"].is_string(), "{name}: envelope_id");
        assert!(
            frame["accepts_response_payload"].is_boolean(),
            "{name}: accepts_response_payload"
        );
    }
    let payload = frame["payload"].clone();
    match kind {
        "hello" => {
            assert!(frame["connection_info"]["app_id"].is_string(), "{name}");
            assert!(frame["num_connections"].is_u64(), "{name}");
            assert!(frame["debug_info"]["host"].is_string(), "{name}");
            "hello"
        }
        "disconnect" => {
            assert!(frame["reason"].is_string(), "{name}");
            assert!(frame["debug_info"]["host"].is_string(), "{name}");
            "disconnect"
        }
        "events_api" => {
            serde_json::from_value::<SlackPushEventCallback>(payload)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            "events_api"
        }
        "interactive" => {
            serde_json::from_value::<SlackInteractionEvent>(payload)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            "interactive"
        }
        "slash_commands" => {
            serde_json::from_value::<SlackCommandEvent>(payload)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            "slash_commands"
        }
        other => panic!("{name}: unknown frame type {other}"),
    }
}

#[test]
fn socket_mode_frames_parse() {
    for (name, expected) in [
        ("socket_mode/hello.json", "hello"),
        ("socket_mode/disconnect.json", "disconnect"),
        (
            "socket_mode/events_api_app_mention_envelope.json",
            "events_api",
        ),
        ("socket_mode/events_api_message_envelope.json", "events_api"),
        (
            "socket_mode/events_api_message_envelope_retry_timeout.json",
            "events_api",
        ),
        (
            "socket_mode/interactive_block_actions_view_envelope_large.json",
            "interactive",
        ),
        (
            "socket_mode/interactive_shortcut_envelope.json",
            "interactive",
        ),
        ("socket_mode/slash_commands_envelope.json", "slash_commands"),
    ] {
        let frame: Value = serde_json::from_str(&fixture(name)).unwrap();
        assert_eq!(check_socket_frame(name, &frame), expected, "{name}");
    }
}

#[test]
fn retry_fields_are_extra_to_slack_morphism() {
    // slack-morphism does not model `retry_attempt` / `retry_reason`; a retried envelope
    // parses like the first delivery and the bot sees it again with the same event id.
    let frame: Value = serde_json::from_str(&fixture(
        "socket_mode/events_api_message_envelope_retry_timeout.json",
    ))
    .unwrap();
    assert_eq!(frame["retry_attempt"], 1);
    assert_eq!(frame["retry_reason"], "timeout");
    let callback: SlackPushEventCallback =
        serde_json::from_value(frame["payload"].clone()).unwrap();
    assert_eq!(callback.event_id.0, "Ev111");
}

/// Form fields as slack-morphism's axum extractors read them (`form_urlencoded`).
fn form_fields(body: &str) -> serde_json::Map<String, Value> {
    url::form_urlencoded::parse(body.trim_end().as_bytes())
        .into_owned()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

#[test]
fn interactions_parse_from_json_and_from_forms() {
    for (json_name, form_name) in [
        (
            "interactive/block_actions_button.json",
            "interactive/block_actions_button.form.txt",
        ),
        (
            "interactive/view_submission.json",
            "interactive/view_submission.form.txt",
        ),
    ] {
        let from_json: SlackInteractionEvent = serde_json::from_str(&fixture(json_name))
            .unwrap_or_else(|e| panic!("{json_name}: {e}"));
        // The extractor reads the `payload` field and parses it as JSON.
        let fields = form_fields(&fixture(form_name));
        let payload = fields["payload"].as_str().unwrap();
        let from_form: SlackInteractionEvent =
            serde_json::from_str(payload).unwrap_or_else(|e| panic!("{form_name}: {e}"));
        assert_eq!(from_json, from_form, "{form_name} and {json_name} differ");
        match from_json {
            SlackInteractionEvent::BlockActions(actions) => {
                let action = &actions.actions.unwrap()[0];
                assert_eq!(action.value.as_deref(), Some("click_me_123"));
                assert!(actions.response_url.is_some());
            }
            SlackInteractionEvent::ViewSubmission(submission) => {
                let state = submission.view.state_params.state.unwrap();
                let value = &state.values[&"hspI".into()][&"maBWU".into()];
                assert_eq!(value.value.as_deref(), Some("test"));
            }
            other => panic!("{json_name}: unexpected {other:?}"),
        }
    }
}

#[test]
fn slash_command_forms_parse() {
    for (name, command, text) in [
        (
            "commands/slash_command_bolt_python.txt",
            "/hello-world",
            Some("Hi"),
        ),
        (
            "commands/slash_command_docs_signed.txt",
            "/webhook-collect",
            Some(""),
        ),
    ] {
        // The axum extractor is not reachable from outside slack-morphism; its fields are
        // the struct's, so the form is read into the struct directly.
        let event: SlackCommandEvent =
            serde_json::from_value(Value::Object(form_fields(&fixture(name))))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.command.0, command, "{name}");
        assert_eq!(event.text.as_deref(), text, "{name}");
    }
}

#[test]
fn web_api_answers_parse() {
    let posted: SlackApiChatPostMessageResponse =
        serde_json::from_str(&fixture("web_api/chat.postMessage.ok.json")).unwrap();
    assert_eq!(posted.ts.0, "1503435956.000247");

    let opened: SlackApiConversationsOpenResponse<SlackBasicChannelInfo> =
        serde_json::from_str(&fixture("web_api/conversations.open.ok.json")).unwrap();
    assert_eq!(opened.channel.id.0, "D069C7QFK");

    let again: SlackApiConversationsOpenResponse<SlackChannelInfo> =
        serde_json::from_str(&fixture("web_api/conversations.open.ok_already_open.json")).unwrap();
    assert_eq!(again.already_open, Some(true));
    assert_eq!(again.channel.flags.is_im, Some(true));

    let user: SlackApiUsersInfoResponse =
        serde_json::from_str(&fixture("web_api/users.info.ok.json")).unwrap();
    assert_eq!(user.user.id.0, "U023BECGF");
    assert_eq!(user.user.flags.is_admin, Some(true));
    // The documented example has no time zone; the workspace adds `tz`, `tz_label` and
    // `tz_offset` as Slack does for real users.
    assert_eq!(user.user.tz, None);
}

#[test]
fn web_api_errors_parse_as_envelopes() {
    for (name, code) in [
        (
            "web_api/chat.postMessage.error_channel_not_found.json",
            "channel_not_found",
        ),
        (
            "web_api/chat.postMessage.error_not_in_channel.json",
            "not_in_channel",
        ),
        (
            "web_api/chat.postMessage.error_too_many_attachments.json",
            "too_many_attachments",
        ),
        (
            "web_api/conversations.open.error_channel_not_found.json",
            "channel_not_found",
        ),
    ] {
        let envelope: SlackEnvelopeMessage = serde_json::from_str(&fixture(name)).unwrap();
        assert!(!envelope.ok, "{name}");
        assert_eq!(envelope.error.as_deref(), Some(code), "{name}");
    }
}

#[test]
fn rate_limited_answer_has_retry_after_and_error() {
    // The capture keeps HTTP's CRLF line ends.
    let raw = fixture("web_api/ratelimited_429.http.txt").replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").expect("headers, blank line, body");
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("HTTP/1.1 429 Too Many Requests"));
    let retry_after = lines
        .filter_map(|l| l.split_once(": "))
        .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
        .map(|(_, v)| v.trim().parse::<u64>().unwrap());
    assert_eq!(retry_after, Some(1));
    let envelope: SlackEnvelopeMessage = serde_json::from_str(body.trim()).unwrap();
    assert_eq!(envelope.error.as_deref(), Some("ratelimited"));
}

#[test]
fn published_signature_example_verifies() {
    let vector: serde_json::Value =
        serde_json::from_str(&fixture("signature/slack_signature_vector.json")).unwrap();
    let secret = vector["signing_secret"].as_str().unwrap();
    let timestamp = vector["x_slack_request_timestamp"].as_str().unwrap();
    let body = vector["body"].as_str().unwrap();
    let expected = vector["expected_x_slack_signature"].as_str().unwrap();
    assert_eq!(
        body,
        fixture("commands/slash_command_docs_signed.txt").trim_end()
    );

    // The workspace signs exactly as Slack does.
    let signed = escalator::workspace::sign(secret, timestamp.parse().unwrap(), body);
    assert_eq!(signed, expected);

    // slack-morphism checks the timestamp against the wall clock (its
    // `verify_at_time` is private), so the 2018 example fails on age, never on the
    // signature: a correct HMAC reaches the timestamp check, a wrong one does not.
    let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret::new(secret.into()));
    let result = verifier.verify(expected, body, timestamp);
    assert!(
        matches!(
            result,
            Err(SlackEventSignatureVerifierError::IncorrectOrExpiredTimestampError(_))
        ),
        "{result:?}"
    );
    let tampered = verifier.verify(expected, &body.replace("roadrunner", "coyote"), timestamp);
    assert!(
        matches!(
            tampered,
            Err(SlackEventSignatureVerifierError::WrongSignatureError(_))
        ),
        "{tampered:?}"
    );

    // Signed with a current timestamp, the same body verifies.
    let now = chrono::Utc::now().timestamp();
    let fresh = escalator::workspace::sign(secret, now, body);
    verifier.verify(&fresh, body, &now.to_string()).unwrap();
}
