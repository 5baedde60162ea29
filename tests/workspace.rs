//! The local workspace against the real slack-morphism client and Socket Mode listener,
//! plus contract tests: every frame and payload the workspace sends parses with
//! slack-morphism's types. Everything runs on 127.0.0.1.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use escalator::workspace::{
    EnvelopeKind, Fault, FaultRule, SlackWorkspace, TokenKind, ViewStatus, WorkspaceChannel,
    WorkspaceError, WorkspaceOptions, WorkspaceSetup, WorkspaceUser,
};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tokio_tungstenite::tungstenite::Message;

type Connector = SlackClientHyperHttpsConnector;

const BOT_TOKEN: &str = "xoxb-local_test";
const APP_TOKEN: &str = "xapp-local-test";
const ALICE: &str = "U0ALICE";
const BOB: &str = "U0BOB";
const INCIDENTS: &str = "C0INCIDENTS";
const SECRET: &str = "C0SECRET";

fn setup(options: WorkspaceOptions) -> WorkspaceSetup {
    WorkspaceSetup::new("T0LOCAL", "U0BOT", "A0APP")
        .with_tokens(BOT_TOKEN, APP_TOKEN)
        .with_user(WorkspaceUser::new(
            ALICE,
            "alice",
            "Alice Martin",
            "Europe/Paris",
        ))
        .with_user(WorkspaceUser::new(
            BOB,
            "bob",
            "Bob Stone",
            "America/New_York",
        ))
        .with_channel(WorkspaceChannel::new(INCIDENTS, "incidents"))
        .with_channel(WorkspaceChannel::without_bot(SECRET, "secret"))
        .with_options(options)
}

async fn start(options: WorkspaceOptions) -> SlackWorkspace {
    SlackWorkspace::start(setup(options))
        .await
        .expect("workspace starts")
}

fn quick_options() -> WorkspaceOptions {
    WorkspaceOptions {
        redelivery_timeout: Some(Duration::from_millis(300)),
        disconnect_grace: Duration::from_millis(200),
        ack_wait: Duration::from_secs(5),
        ..WorkspaceOptions::default()
    }
}

/// The client as the bot builds it: `https_or_http` connector, local API base URL.
fn client(workspace: &SlackWorkspace) -> Arc<SlackClient<Connector>> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    let connector = SlackClientHyperConnector::with_connector(https)
        .with_slack_api_url(&workspace.api_base_url());
    Arc::new(SlackClient::new(connector))
}

fn bot_token() -> SlackApiToken {
    SlackApiToken::new(SlackApiTokenValue::new(BOT_TOKEN.into()))
}

fn text_content(text: &str) -> SlackMessageContent {
    SlackMessageContent::new().with_text(text.into())
}

fn button_message() -> SlackMessageContent {
    serde_json::from_value(json!({
        "text": "SEV2: checkout is failing",
        "blocks": [
            {"type": "section", "block_id": "summary",
             "text": {"type": "mrkdwn", "text": "*SEV2* checkout is failing"}},
            {"type": "actions", "block_id": "incident-actions", "elements": [
                {"type": "button", "action_id": "ack", "value": "incident-1",
                 "text": {"type": "plain_text", "text": "Acknowledge"}}
            ]}
        ]
    }))
    .unwrap()
}

fn fix_note_view() -> SlackView {
    serde_json::from_value(json!({
        "type": "modal",
        "callback_id": "fix-note",
        "private_metadata": "incident-1",
        "title": {"type": "plain_text", "text": "Fix note"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {"type": "input", "block_id": "summary", "label": {"type": "plain_text", "text": "Summary"},
             "element": {"type": "plain_text_input", "action_id": "text"}},
            {"type": "input", "block_id": "severity", "label": {"type": "plain_text", "text": "Severity"},
             "element": {"type": "static_select", "action_id": "pick", "options": [
                 {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                 {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"}
             ]}},
            {"type": "input", "block_id": "links", "optional": true,
             "label": {"type": "plain_text", "text": "Links"},
             "element": {"type": "plain_text_input", "action_id": "text"}}
        ]
    }))
    .unwrap()
}

// ---- Web API with the real client ----

#[tokio::test]
async fn client_posts_replies_opens_a_dm_and_reads_users() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let token = bot_token();
    let session = client.open_session(&token);

    let auth = session.auth_test().await.unwrap();
    assert_eq!(auth.user_id.0, "U0BOT");
    assert_eq!(auth.team_id.0, "T0LOCAL");

    let posted = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            INCIDENTS.into(),
            text_content("Incident opened by <@U0ALICE>"),
        ))
        .await
        .unwrap();
    assert_eq!(posted.channel.0, INCIDENTS);
    let reply = session
        .chat_post_message(
            &SlackApiChatPostMessageRequest::new(INCIDENTS.into(), text_content("Paging bob"))
                .with_thread_ts(posted.ts.clone()),
        )
        .await
        .unwrap();
    assert!(reply.ts.0 > posted.ts.0, "timestamps increase");
    assert_eq!(reply.message.origin.thread_ts, Some(posted.ts.clone()));

    assert_eq!(workspace.messages(INCIDENTS).len(), 1);
    let thread = workspace.thread(INCIDENTS, &posted.ts.0);
    assert_eq!(thread.len(), 2);
    assert_eq!(thread[1].text, "Paging bob");

    let opened = session
        .conversations_open(&SlackApiConversationsOpenRequest::new().with_users(vec![BOB.into()]))
        .await
        .unwrap();
    assert!(opened.channel.id.0.starts_with('D'));
    let again = session
        .conversations_open_full(
            &SlackApiConversationsOpenRequest::new().with_users(vec![BOB.into()]),
        )
        .await
        .unwrap();
    assert_eq!(again.channel.id, opened.channel.id, "one DM per user");
    assert_eq!(again.already_open, Some(true));
    session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            opened.channel.id.clone(),
            text_content("You are paged for SEV2"),
        ))
        .await
        .unwrap();
    assert_eq!(workspace.dms(BOB)[0].text, "You are paged for SEV2");

    let bob = session
        .users_info(&SlackApiUsersInfoRequest::new(BOB.into()))
        .await
        .unwrap();
    assert_eq!(bob.user.tz.as_deref(), Some("America/New_York"));
    assert!(matches!(bob.user.tz_offset, Some(-18000) | Some(-14400)));
    assert_eq!(bob.user.real_name.as_deref(), Some("Bob Stone"));

    let link = session
        .chat_get_permalink(&SlackApiChatGetPermalinkRequest::new(
            INCIDENTS.into(),
            posted.ts.clone(),
        ))
        .await
        .unwrap();
    assert!(link.permalink.as_str().starts_with(&workspace.base_url()));

    let calls = workspace.calls();
    assert!(calls
        .iter()
        .all(|c| c.token_kind == TokenKind::Bot && c.status == 200));
    let post = &workspace.calls_to("chat.postMessage")[1];
    assert_eq!(post.param("thread_ts"), Some(posted.ts.0.as_str()));
}

#[tokio::test]
async fn client_sees_slack_errors() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let token = bot_token();
    let session = client.open_session(&token);
    let post =
        |channel: &str| SlackApiChatPostMessageRequest::new(channel.into(), text_content("hello"));

    let api_error = |result: Result<SlackApiChatPostMessageResponse, SlackClientError>| match result
    {
        Err(SlackClientError::ApiError(e)) => e.code,
        other => panic!("expected an API error, got {other:?}"),
    };
    assert_eq!(
        api_error(session.chat_post_message(&post("C0NOPE")).await),
        "channel_not_found"
    );
    assert_eq!(
        api_error(session.chat_post_message(&post(SECRET)).await),
        "not_in_channel"
    );

    let unknown_user = session
        .users_info(&SlackApiUsersInfoRequest::new("U0NOBODY".into()))
        .await;
    assert!(
        matches!(unknown_user, Err(SlackClientError::ApiError(e)) if e.code == "user_not_found")
    );

    let wrong_token = SlackApiToken::new(SlackApiTokenValue::new("xoxb-wrong".into()));
    let denied = client.open_session(&wrong_token).auth_test().await;
    assert!(matches!(denied, Err(SlackClientError::ApiError(e)) if e.code == "invalid_auth"));

    let http = reqwest::Client::new();
    let bare = |method: &str| format!("{}/{method}", workspace.api_base_url());
    let no_auth: Value = http
        .post(bare("auth.test"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(no_auth, json!({"ok": false, "error": "not_authed"}));
    let unknown = http
        .get(bare("pins.list"))
        .bearer_auth(BOT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 200);
    assert!(unknown.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(unknown["error"], "unknown_method");

    // Form bodies work too, with `token` in the form.
    let form: Value = http
        .post(bare("chat.postMessage"))
        .form(&[
            ("token", BOT_TOKEN),
            ("channel", INCIDENTS),
            ("text", "from a form"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["ok"], true, "{form}");
    assert_eq!(workspace.messages(INCIDENTS)[0].text, "from a form");
}

#[tokio::test]
async fn views_open_with_a_trigger_and_update() {
    let workspace = start(quick_options()).await;
    let session_client = client(&workspace);
    let token = bot_token();
    let session = session_client.open_session(&token);

    let command = workspace
        .slash_command_payload(ALICE, INCIDENTS, "")
        .unwrap();
    let trigger = command.payload["trigger_id"].as_str().unwrap().to_string();
    let opened = session
        .views_open(&SlackApiViewsOpenRequest::new(
            trigger.clone().into(),
            fix_note_view(),
        ))
        .await
        .unwrap();
    let view_id = opened.view.state_params.id.clone();
    assert_eq!(opened.view.state_params.team_id.0, "T0LOCAL");
    let SlackView::Modal(modal) = &opened.view.view else {
        panic!("not a modal");
    };
    assert_eq!(
        modal.callback_id.as_ref().map(|c| c.0.as_str()),
        Some("fix-note")
    );

    let reused = session
        .views_open(&SlackApiViewsOpenRequest::new(
            trigger.into(),
            fix_note_view(),
        ))
        .await;
    assert!(matches!(reused, Err(SlackClientError::ApiError(e)) if e.code == "invalid_arguments"));

    let updated = session
        .views_update(
            &SlackApiViewsUpdateRequest::new(fix_note_view())
                .with_view_id(view_id.clone())
                .with_hash(opened.view.state_params.hash.clone()),
        )
        .await
        .unwrap();
    assert_ne!(
        updated.view.state_params.hash,
        opened.view.state_params.hash
    );
    let stale = session
        .views_update(
            &SlackApiViewsUpdateRequest::new(fix_note_view())
                .with_view_id(view_id.clone())
                .with_hash(opened.view.state_params.hash.clone()),
        )
        .await;
    assert!(matches!(stale, Err(SlackClientError::ApiError(e)) if e.code == "hash_conflict"));

    let views = workspace.views();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].user, ALICE);
    assert_eq!(views[0].updates, 1);
}

#[tokio::test]
async fn rate_limit_fault_is_a_rate_limit_error() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let token = bot_token();
    let session = client.open_session(&token);
    let post = SlackApiChatPostMessageRequest::new(INCIDENTS.into(), text_content("hi"));

    workspace.fail_next(
        "chat.postMessage",
        Fault::RateLimited {
            retry_after_secs: 7,
        },
    );
    match session.chat_post_message(&post).await {
        Err(SlackClientError::RateLimitError(e)) => {
            assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
            assert_eq!(e.code.as_deref(), Some("ratelimited"));
        }
        other => panic!("expected a rate limit error, got {other:?}"),
    }
    session
        .chat_post_message(&post)
        .await
        .expect("only the next call fails");

    workspace.inject(FaultRule::new("chat.postMessage", Fault::Status(500)).for_channel("C0OTHER"));
    workspace
        .inject(FaultRule::new("chat.postMessage", Fault::Error("fatal_error".into())).times(2));
    for _ in 0..2 {
        let result = session.chat_post_message(&post).await;
        assert!(matches!(result, Err(SlackClientError::ApiError(e)) if e.code == "fatal_error"));
    }
    session.chat_post_message(&post).await.unwrap();
    workspace.clear_faults();

    workspace.fail_next("users.info", Fault::Status(503));
    let unavailable = session
        .users_info(&SlackApiUsersInfoRequest::new(ALICE.into()))
        .await;
    assert!(matches!(unavailable, Err(SlackClientError::HttpError(e)) if e.status_code == 503));

    workspace.fail_next("auth.test", Fault::Delay(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    session.auth_test().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));

    let statuses: Vec<u16> = workspace.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [429, 200, 200, 200, 200, 503, 200]);
}

#[tokio::test]
async fn posting_faster_than_the_channel_limit_is_refused() {
    let workspace = start(WorkspaceOptions {
        post_rate_limit_per_channel: Some(2),
        ..quick_options()
    })
    .await;
    let client = client(&workspace);
    let token = bot_token();
    let session = client.open_session(&token);
    let post = SlackApiChatPostMessageRequest::new(INCIDENTS.into(), text_content("page"));
    session.chat_post_message(&post).await.unwrap();
    session.chat_post_message(&post).await.unwrap();
    let third = session.chat_post_message(&post).await;
    assert!(
        matches!(third, Err(SlackClientError::RateLimitError(e)) if e.retry_after == Some(Duration::from_secs(1)))
    );
    assert_eq!(workspace.messages(INCIDENTS).len(), 2);
}

// ---- Socket Mode with the real listener ----

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
    response_urls: Mutex<Vec<String>>,
    push_failures_left: AtomicU32,
}

async fn recorder(states: &SlackClientEventsUserState) -> Arc<Recorder> {
    let states = states.read().await;
    states
        .get_user_state::<Arc<Recorder>>()
        .expect("recorder installed")
        .clone()
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackClient<Connector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let recorder = recorder(&states).await;
    recorder
        .seen
        .lock()
        .unwrap()
        .push(format!("command {}", event.command.0));
    recorder
        .response_urls
        .lock()
        .unwrap()
        .push(event.response_url.0.to_string());
    Ok(SlackCommandEventResponse::new(text_content(
        "Escalation opened",
    )))
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackClient<Connector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let recorder = recorder(&states).await;
    let failing = recorder
        .push_failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let kind = match &event.event {
        SlackEventCallbackBody::ReactionAdded(r) => format!("reaction_added {}", r.reaction.0),
        SlackEventCallbackBody::ReactionRemoved(r) => format!("reaction_removed {}", r.reaction.0),
        SlackEventCallbackBody::Message(m) => format!(
            "message {:?}",
            m.content.as_ref().and_then(|c| c.text.clone())
        ),
        other => format!("other {other:?}"),
    };
    recorder
        .seen
        .lock()
        .unwrap()
        .push(format!("{kind} {}", event.event_id.0));
    if failing {
        return Err("engine busy".into());
    }
    Ok(())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackClient<Connector>>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let recorder = recorder(&states).await;
    match event {
        SlackInteractionEvent::BlockActions(actions) => {
            let action = &actions.actions.unwrap_or_default()[0];
            recorder
                .seen
                .lock()
                .unwrap()
                .push(format!("click {}", action.action_id.0));
            Ok(SlackInteractionResponse::Empty)
        }
        SlackInteractionEvent::ViewSubmission(submission) => {
            recorder.seen.lock().unwrap().push("submission".into());
            let values = submission.view.state_params.state.unwrap().values;
            let summary = values[&"summary".into()][&"text".into()].value.clone();
            if summary.as_deref() == Some("too short") {
                let errors = [("summary".to_string(), "Say what fixed it".to_string())].into();
                return Ok(SlackViewSubmissionResponse::Errors(
                    SlackViewSubmissionErrorsResponse::new(errors),
                )
                .into());
            }
            Ok(SlackInteractionResponse::Empty)
        }
        other => Err(format!("unexpected {other:?}").into()),
    }
}

async fn start_listener(
    client: Arc<SlackClient<Connector>>,
    recorder: Arc<Recorder>,
) -> SlackClientSocketModeListener<Connector> {
    let environment =
        Arc::new(SlackClientEventsListenerEnvironment::new(client).with_user_state(recorder));
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_push_events(on_push)
        .with_interaction_events(on_interaction);
    let config = SlackClientSocketModeConfig::new()
        .with_max_connections_count(1)
        .with_reconnect_timeout_in_seconds(1);
    let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
    let app_token = SlackApiToken::new(SlackApiTokenValue::new(APP_TOKEN.into()));
    listener.listen_for(&app_token).await.unwrap();
    listener.start().await;
    listener
}

#[tokio::test]
async fn listener_receives_a_command_and_a_reaction_and_acks() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let recorder = Arc::new(Recorder::default());
    let listener = start_listener(client.clone(), recorder.clone()).await;
    assert!(
        workspace
            .wait_for_connections(1, Duration::from_secs(5))
            .await
    );
    assert_eq!(
        workspace.calls_to("apps.connections.open")[0].token_kind,
        TokenKind::App
    );

    let ack = workspace
        .slash_command(ALICE, INCIDENTS, "sev2 checkout is failing")
        .await
        .unwrap();
    assert_eq!(ack.kind, Some(EnvelopeKind::SlashCommand));
    assert_eq!(ack.payload.as_ref().unwrap()["text"], "Escalation opened");
    assert!(
        ack.elapsed < Duration::from_secs(3),
        "acked within Slack's deadline"
    );
    let shown = workspace.ephemerals(ALICE);
    assert_eq!(shown[0].text, "Escalation opened");
    assert_eq!(shown[0].source, "ack");

    // The bot answers through the command's response_url: privately by default (what
    // slack-morphism's request can express), in the channel with `response_type`.
    let response_url = recorder.response_urls.lock().unwrap()[0].clone();
    assert!(response_url.starts_with(&workspace.base_url()));
    client
        .respond_to_event(
            &SlackResponseUrl::new(response_url.parse().unwrap()),
            &SlackApiPostWebhookMessageRequest::new(text_content("Only you see this")),
        )
        .await
        .unwrap();
    assert_eq!(workspace.ephemerals(ALICE)[1].text, "Only you see this");
    let in_channel = reqwest::Client::new()
        .post(&response_url)
        .json(&json!({"response_type": "in_channel", "text": "SEV2 opened, paging bob"}))
        .send()
        .await
        .unwrap();
    assert_eq!(in_channel.status(), 200);
    assert_eq!(workspace.responses().len(), 2);
    assert!(workspace.responses()[0].is_ephemeral);
    assert_eq!(
        workspace.messages(INCIDENTS)[0].text,
        "SEV2 opened, paging bob"
    );

    let token = bot_token();
    let session = client.open_session(&token);
    let posted = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            INCIDENTS.into(),
            button_message(),
        ))
        .await
        .unwrap();
    let ack = workspace
        .react(BOB, INCIDENTS, &posted.ts.0, "eyes")
        .await
        .unwrap();
    assert_eq!(ack.kind, Some(EnvelopeKind::EventsApi));
    let event_id = ack.event_id.clone().unwrap();
    assert!(event_id.starts_with("Ev"));
    assert_eq!(ack.payload, None, "events get a bare ack");
    workspace
        .unreact(BOB, INCIDENTS, &posted.ts.0, "eyes")
        .await
        .unwrap();

    let click = workspace
        .click_button(BOB, INCIDENTS, &posted.ts.0, "ack", None)
        .await
        .unwrap();
    assert_eq!(click.kind, Some(EnvelopeKind::Interactive));

    let message = workspace
        .post_message(BOB, INCIDENTS, "on it", Some(&posted.ts.0))
        .await
        .unwrap();
    assert_eq!(workspace.thread(INCIDENTS, &posted.ts.0)[1].ts, message.ts);

    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen[0], "command /escalate");
    assert_eq!(seen[1], format!("reaction_added eyes {event_id}"));
    assert!(seen[2].starts_with("reaction_removed eyes"));
    assert_eq!(seen[3], "click ack");
    assert!(seen[4].starts_with("message Some(\"on it\")"), "{seen:?}");
    assert_eq!(workspace.acks().len(), 5);
    listener.shutdown().await;
}

#[tokio::test]
async fn unacked_envelope_is_redelivered_with_retry_attempt() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let recorder = Arc::new(Recorder::default());
    recorder.push_failures_left.store(1, Ordering::SeqCst);
    let listener = start_listener(client.clone(), recorder.clone()).await;
    assert!(
        workspace
            .wait_for_connections(1, Duration::from_secs(5))
            .await
    );

    let token = bot_token();
    let session = client.open_session(&token);
    let posted = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            INCIDENTS.into(),
            text_content("x"),
        ))
        .await
        .unwrap();
    // The first delivery fails in the callback, so the listener does not ack it.
    let ack = workspace
        .react(ALICE, INCIDENTS, &posted.ts.0, "white_check_mark")
        .await
        .unwrap();
    assert_eq!(ack.retry_attempt, 1);
    assert!(ack.elapsed >= Duration::from_millis(300));
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], seen[1], "same event id on the retry");

    // A redelivery on demand is acked again.
    let again = workspace.redeliver(&ack.envelope_id).await.unwrap();
    assert_eq!(again.retry_attempt, 2);
    assert_eq!(recorder.seen.lock().unwrap().len(), 3);
    listener.shutdown().await;
}

#[tokio::test]
async fn disconnect_makes_the_listener_reconnect() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let listener = start_listener(client.clone(), Arc::new(Recorder::default())).await;
    assert!(
        workspace
            .wait_for_connections(1, Duration::from_secs(5))
            .await
    );

    assert_eq!(workspace.disconnect(), 1);
    let reconnected = workspace
        .wait_until(Duration::from_secs(10), |w| {
            w.calls_to("apps.connections.open").len() == 2 && w.connection_count() == 1
        })
        .await;
    assert!(
        reconnected,
        "calls: {:?}",
        workspace.calls_to("apps.connections.open").len()
    );
    assert!(
        workspace
            .wait_for_connections(1, Duration::from_secs(5))
            .await
    );
    let ack = workspace
        .slash_command(ALICE, INCIDENTS, "help")
        .await
        .unwrap();
    assert_eq!(ack.payload.unwrap()["text"], "Escalation opened");
    listener.shutdown().await;
}

#[tokio::test]
async fn modal_submission_round_trip() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let recorder = Arc::new(Recorder::default());
    let listener = start_listener(client.clone(), recorder.clone()).await;
    assert!(
        workspace
            .wait_for_connections(1, Duration::from_secs(5))
            .await
    );

    let command = workspace
        .slash_command_payload(ALICE, INCIDENTS, "resolve")
        .unwrap();
    let trigger = command.payload["trigger_id"].as_str().unwrap().to_string();
    let token = bot_token();
    let session = client.open_session(&token);
    let opened = session
        .views_open(&SlackApiViewsOpenRequest::new(
            trigger.into(),
            fix_note_view(),
        ))
        .await
        .unwrap();
    let view_id = opened.view.state_params.id.0.clone();

    let missing = workspace
        .submit_view(ALICE, &view_id, &[("summary", "text", "x")])
        .await;
    assert!(matches!(
        missing,
        Err(WorkspaceError::MissingRequiredInput { .. })
    ));

    let refused = workspace
        .submit_view(
            ALICE,
            &view_id,
            &[
                ("summary", "text", "too short"),
                ("severity", "pick", "sev2"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        refused.payload.as_ref().unwrap()["response_action"],
        "errors"
    );
    let view = &workspace.views()[0];
    assert_eq!(view.status, ViewStatus::Open);
    assert_eq!(
        view.errors.as_ref().unwrap()["summary"],
        "Say what fixed it"
    );

    workspace
        .submit_view(
            ALICE,
            &view_id,
            &[
                ("summary", "text", "restarted the pool"),
                ("severity", "pick", "sev2"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(workspace.views()[0].status, ViewStatus::Closed);
    assert_eq!(recorder.seen.lock().unwrap().len(), 2);
    listener.shutdown().await;
}

// ---- HTTP Events API mode ----

async fn handle_command(
    axum::Extension(event): axum::Extension<SlackCommandEvent>,
) -> axum::Json<Value> {
    axum::Json(
        json!({"text": format!("got {} {}", event.command.0, event.text.unwrap_or_default())}),
    )
}

#[tokio::test]
async fn signed_requests_verify_with_slack_morphism() {
    let workspace = start(quick_options()).await;
    let signing_secret = "local-signing-secret";

    let environment = Arc::new(SlackClientEventsListenerEnvironment::new(client(
        &workspace,
    )));
    let listener = SlackEventsAxumListener::new(environment);
    let app = axum::Router::new().route(
        "/slack/commands",
        axum::routing::post(handle_command).layer(
            listener
                .events_layer(&SlackSigningSecret::new(signing_secret.into()))
                .with_event_extractor(SlackEventsExtractors::command_event()),
        ),
    );
    let bot = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slack/commands", bot.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(bot, app).await.unwrap() });

    let command = workspace
        .slash_command_payload(ALICE, INCIDENTS, "sev1 db down")
        .unwrap();
    let answer = workspace
        .send_signed_payload(&url, signing_secret, &command)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("got /escalate sev1 db down"),
        "{}",
        answer.body
    );

    let (body, content_type) = command.http_body();
    let stale_time = chrono::Utc::now().timestamp() - 301;
    let stale = workspace
        .send_signed_at(&url, signing_secret, &body, content_type, stale_time)
        .await
        .unwrap();
    assert!(stale.status >= 400, "an old timestamp is refused");
    let forged = workspace
        .send_signed(&url, "another-secret", &body, content_type)
        .await
        .unwrap();
    assert!(forged.status >= 400, "a wrong secret is refused");

    let outside = workspace
        .send_signed("http://192.0.2.1/x", signing_secret, "", content_type)
        .await;
    assert!(matches!(outside, Err(WorkspaceError::NotLoopback(_))));
    server.abort();
}

// ---- sinks and feed ----

#[tokio::test]
async fn webhook_sink_records_and_can_fail() {
    let workspace = start(quick_options()).await;
    let mut feed = workspace.events();
    let http = reqwest::Client::new();
    let url = workspace.hook_url("pager");
    let page = json!({"to": "+15550100", "text": "SEV1 db down"});

    workspace.fail_next("hooks/pager", Fault::Status(502));
    assert_eq!(
        http.post(&url).json(&page).send().await.unwrap().status(),
        502
    );
    assert_eq!(
        http.post(&url).json(&page).send().await.unwrap().status(),
        200
    );

    let hits = workspace.webhook_hits("pager");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].body, page);
    let event = feed.recv().await.unwrap();
    assert!(
        event.to_string().contains("webhook pager called"),
        "{event}"
    );
}

#[tokio::test]
async fn feed_reads_like_the_conversation() {
    let workspace = start(quick_options()).await;
    let mut feed = workspace.events();
    let session_client = client(&workspace);
    let token = bot_token();
    let session = session_client.open_session(&token);
    session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            INCIDENTS.into(),
            text_content("<@U0BOB> you are paged"),
        ))
        .await
        .unwrap();
    session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            BOB.into(),
            text_content("Please ack"),
        ))
        .await
        .unwrap();
    let lines: Vec<String> = vec![
        feed.recv().await.unwrap().kind.to_string(),
        feed.recv().await.unwrap().kind.to_string(),
    ];
    assert_eq!(
        lines,
        [
            "#incidents escalator: @bob you are paged",
            "DM escalator → bob: Please ack"
        ]
    );
}

// ---- contract: raw frames parse with slack-morphism's types ----

type RawSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn raw_socket(workspace: &SlackWorkspace) -> (RawSocket, Value) {
    let opened: Value = reqwest::Client::new()
        .post(format!(
            "{}/apps.connections.open",
            workspace.api_base_url()
        ))
        .bearer_auth(APP_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = opened["url"].as_str().unwrap();
    assert!(url.starts_with("ws://127.0.0.1:"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let hello = next_json(&mut socket).await;
    (socket, hello)
}

async fn next_json(socket: &mut RawSocket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("socket open")
            .expect("frame readable");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

/// Checks a frame as slack-morphism's listener reads it (see `tests/slack_fixtures.rs`
/// for why the envelope type itself cannot be named from outside the crate).
fn assert_frame_parses(frame: &Value) -> String {
    let kind = frame["type"].as_str().unwrap().to_string();
    let payload = frame["payload"].clone();
    match kind.as_str() {
        "hello" => {
            assert!(frame["connection_info"]["app_id"].is_string());
            assert!(frame["num_connections"].is_u64());
            assert!(frame["debug_info"]["host"].is_string());
        }
        "disconnect" => {
            assert!(frame["reason"].is_string());
            assert!(frame["debug_info"]["host"].is_string());
        }
        "events_api" => {
            let callback: SlackPushEvent = serde_json::from_value(payload).unwrap();
            let SlackPushEvent::EventCallback(callback) = callback else {
                panic!("not an event_callback");
            };
            assert!(
                !matches!(callback.event, SlackEventCallbackBody::Unknown(_)),
                "event not recognised: {frame}"
            );
        }
        "interactive" => {
            serde_json::from_value::<SlackInteractionEvent>(payload).unwrap();
        }
        "slash_commands" => {
            serde_json::from_value::<SlackCommandEvent>(payload).unwrap();
        }
        other => panic!("unknown frame type {other}"),
    }
    if kind != "hello" && kind != "disconnect" {
        assert!(frame["envelope_id"].is_string());
        assert!(frame["accepts_response_payload"].is_boolean());
    }
    kind
}

#[tokio::test]
async fn every_frame_sent_parses_with_slack_morphism_types() {
    let workspace = start(WorkspaceOptions {
        send_app_mentions: true,
        redelivery_timeout: None,
        ..quick_options()
    })
    .await;
    let (mut socket, hello) = raw_socket(&workspace).await;
    assert_eq!(assert_frame_parses(&hello), "hello");
    assert_eq!(hello["connection_info"]["app_id"], "A0APP");

    let client = client(&workspace);
    let token = bot_token();
    let session = client.open_session(&token);
    let posted = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            INCIDENTS.into(),
            button_message(),
        ))
        .await
        .unwrap();
    let opened_view = {
        let command = workspace
            .slash_command_payload(ALICE, INCIDENTS, "")
            .unwrap();
        let trigger = command.payload["trigger_id"].as_str().unwrap().to_string();
        session
            .views_open(&SlackApiViewsOpenRequest::new(
                trigger.into(),
                fix_note_view(),
            ))
            .await
            .unwrap()
    };
    let (ts, message, mention) = workspace
        .message_payload(ALICE, INCIDENTS, "<@U0BOT> status?", None)
        .unwrap();
    let outbound = vec![
        workspace
            .slash_command_payload(ALICE, INCIDENTS, "sev1 db down")
            .unwrap(),
        workspace
            .reaction_payload(BOB, INCIDENTS, &posted.ts.0, "eyes", true)
            .unwrap(),
        workspace
            .reaction_payload(BOB, INCIDENTS, &posted.ts.0, "eyes", false)
            .unwrap(),
        message,
        mention.expect("the bot is mentioned"),
        workspace
            .message_payload(BOB, INCIDENTS, "reply", Some(&ts))
            .unwrap()
            .1,
        workspace
            .message_payload(BOB, BOB, "in my DM", None)
            .unwrap()
            .1,
        workspace
            .button_payload(BOB, INCIDENTS, &posted.ts.0, "ack", None)
            .unwrap(),
        workspace
            .view_submission_payload(
                ALICE,
                &opened_view.view.state_params.id.0,
                &[
                    ("summary", "text", "pool exhausted"),
                    ("severity", "pick", "sev1"),
                ],
            )
            .unwrap(),
    ];
    for item in outbound {
        let kind = item.kind;
        let envelope_id = workspace.send(item);
        let frame = next_json(&mut socket).await;
        assert_eq!(assert_frame_parses(&frame), kind.wire_type());
        assert_eq!(frame["envelope_id"], envelope_id.as_str());
        if kind == EnvelopeKind::EventsApi {
            assert_eq!(frame["retry_attempt"], 0);
            assert_eq!(frame["retry_reason"], "");
        }
        let ack = json!({"envelope_id": envelope_id});
        socket
            .send(Message::Text(ack.to_string().into()))
            .await
            .unwrap();
        let receipt = workspace
            .wait_for_ack(&envelope_id, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(receipt.kind, Some(kind));
    }

    // A redelivery keeps the envelope and event ids and says why.
    let reaction = workspace
        .reaction_payload(ALICE, INCIDENTS, &posted.ts.0, "fire", true)
        .unwrap();
    let envelope_id = workspace.send(reaction);
    let first = next_json(&mut socket).await;
    let redelivery = {
        let workspace = &workspace;
        let envelope_id = envelope_id.clone();
        async move { workspace.redeliver(&envelope_id).await }
    };
    let (second, receipt) = tokio::join!(
        async {
            let frame = next_json(&mut socket).await;
            let ack = json!({"envelope_id": frame["envelope_id"]});
            socket
                .send(Message::Text(ack.to_string().into()))
                .await
                .unwrap();
            frame
        },
        redelivery
    );
    assert_eq!(second["envelope_id"], first["envelope_id"]);
    assert_eq!(second["payload"]["event_id"], first["payload"]["event_id"]);
    assert_eq!(second["retry_attempt"], 1);
    assert_eq!(second["retry_reason"], "timeout");
    assert_eq!(receipt.unwrap().retry_attempt, 1);

    // Pings are answered.
    socket
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Some(Ok(Message::Pong(body))) = socket.next().await {
                return body;
            }
        }
    })
    .await
    .expect("a pong");
    assert_eq!(&pong[..], b"are you there");

    assert_eq!(workspace.disconnect(), 1);
    let frame = next_json(&mut socket).await;
    assert_eq!(assert_frame_parses(&frame), "disconnect");
}

#[tokio::test]
async fn envelopes_wait_for_a_connection() {
    let workspace = start(quick_options()).await;
    let outbound = workspace
        .slash_command_payload(ALICE, INCIDENTS, "queued")
        .unwrap();
    let envelope_id = workspace.send(outbound);
    let (mut socket, _hello) = raw_socket(&workspace).await;
    let frame = next_json(&mut socket).await;
    assert_eq!(frame["envelope_id"], envelope_id.as_str());
    assert_eq!(frame["payload"]["text"], "queued");
    assert!(frame["payload"]["response_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/response/", workspace.base_url())));
}

#[tokio::test]
async fn a_late_slash_command_ack_shows_operation_timeout() {
    let workspace = start(WorkspaceOptions {
        ack_deadline: Duration::from_millis(200),
        ..quick_options()
    })
    .await;
    let (_socket, _hello) = raw_socket(&workspace).await;
    let outbound = workspace
        .slash_command_payload(ALICE, INCIDENTS, "")
        .unwrap();
    let envelope_id = workspace.send(outbound);
    let waited = workspace
        .wait_for_ack(&envelope_id, Duration::from_millis(400))
        .await;
    assert!(matches!(
        waited,
        Err(WorkspaceError::NotAcknowledged { .. })
    ));
    let shown = workspace.ephemerals(ALICE);
    assert_eq!(shown.len(), 1);
    assert!(shown[0].text.contains("operation_timeout"));
    assert_eq!(workspace.acks().len(), 0);
}

fn tagged(text: &str, key: &str) -> SlackMessageContent {
    text_content(text).with_metadata(
        SlackMessageMetadata::new("escalator_delivery".into()).with_event_payload(
            std::collections::HashMap::from([("delivery_key".to_owned(), key.to_owned())]),
        ),
    )
}

fn key_of(content: &SlackMessageContent) -> Option<String> {
    let metadata = content.metadata.as_ref()?;
    assert_eq!(metadata.event_type, "escalator_delivery");
    metadata
        .event_payload
        .as_ref()?
        .get("delivery_key")
        .cloned()
}

#[tokio::test]
async fn message_metadata_is_kept_and_returned_only_when_asked_for() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let token = bot_token();
    let session = client.open_session(&token);

    let root = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            INCIDENTS.into(),
            tagged("INC-1 opened", "1-1000/C0INCIDENTS/0"),
        ))
        .await
        .unwrap();
    assert_eq!(
        key_of(&root.message.content).as_deref(),
        Some("1-1000/C0INCIDENTS/0"),
        "the answer to the post carries the metadata"
    );
    session
        .chat_post_message(
            &SlackApiChatPostMessageRequest::new(
                INCIDENTS.into(),
                tagged("Paging alice", "2-1000/C0INCIDENTS/0"),
            )
            .with_thread_ts(root.ts.clone()),
        )
        .await
        .unwrap();

    // History without include_all_metadata leaves metadata out, as Slack does.
    let plain = session
        .conversations_history(
            &SlackApiConversationsHistoryRequest::new().with_channel(INCIDENTS.into()),
        )
        .await
        .unwrap();
    assert_eq!(plain.messages.len(), 1);
    assert_eq!(plain.messages[0].content.metadata, None);

    let history = session
        .conversations_history(
            &SlackApiConversationsHistoryRequest::new()
                .with_channel(INCIDENTS.into())
                .with_include_all_metadata(true),
        )
        .await
        .unwrap();
    assert_eq!(
        key_of(&history.messages[0].content).as_deref(),
        Some("1-1000/C0INCIDENTS/0")
    );

    // A later `oldest` leaves the message out.
    let later = session
        .conversations_history(
            &SlackApiConversationsHistoryRequest::new()
                .with_channel(INCIDENTS.into())
                .with_oldest(root.ts.clone())
                .with_include_all_metadata(true),
        )
        .await
        .unwrap();
    assert!(later.messages.is_empty(), "oldest is exclusive");

    // slack-morphism's replies request has no include_all_metadata; the bot passes it
    // through the session's own GET, as here.
    let params: Vec<(&str, Option<String>)> = vec![
        ("channel", Some(INCIDENTS.to_owned())),
        ("ts", Some(root.ts.0.clone())),
        ("include_all_metadata", Some("true".to_owned())),
    ];
    let replies: SlackApiConversationsRepliesResponse = session
        .http_session_api
        .http_get("conversations.replies", &params, None)
        .await
        .unwrap();
    let keys: Vec<Option<String>> = replies
        .messages
        .iter()
        .map(|message| key_of(&message.content))
        .collect();
    assert_eq!(
        keys,
        vec![
            Some("1-1000/C0INCIDENTS/0".to_owned()),
            Some("2-1000/C0INCIDENTS/0".to_owned())
        ]
    );
    let without = session
        .conversations_replies(&SlackApiConversationsRepliesRequest::new(
            INCIDENTS.into(),
            root.ts.clone(),
        ))
        .await
        .unwrap();
    assert!(without
        .messages
        .iter()
        .all(|m| m.content.metadata.is_none()));
}

#[tokio::test]
async fn metadata_with_an_empty_event_type_is_refused() {
    let workspace = start(quick_options()).await;
    let client = client(&workspace);
    let token = bot_token();
    let session = client.open_session(&token);

    let request = serde_json::from_value::<SlackApiChatPostMessageRequest>(json!({
        "channel": INCIDENTS,
        "text": "hello",
        "metadata": {"event_type": "", "event_payload": {"delivery_key": "k"}},
    }))
    .unwrap();
    let error = session.chat_post_message(&request).await.unwrap_err();
    match error {
        SlackClientError::ApiError(api) => assert_eq!(api.code, "invalid_metadata_format"),
        other => panic!("unexpected error: {other:?}"),
    }
    assert!(workspace.messages(INCIDENTS).is_empty());
}

mod discord_nonce {
    //! The local Discord server's `enforce_nonce`, with serenity's request builder and
    //! message type on the wire.

    use escalator::workspace::discord::{DiscordSetup, DiscordUser, DiscordWorkspace};
    use serde_json::{json, Value};
    use serenity::all::{CreateMessage, Message, Nonce};

    const CHANNEL: &str = "1000000000000000011";
    const OTHER: &str = "1000000000000000012";

    async fn server() -> DiscordWorkspace {
        let user = |id: &str, name: &str| DiscordUser {
            id: id.into(),
            name: name.into(),
        };
        DiscordWorkspace::start(DiscordSetup {
            guild: "1000000000000000001".into(),
            bot: user("1000000000000000999", "escalator"),
            application: "1100000000000000001".into(),
            token: "discord-test-bot-token".into(),
            users: vec![user("1000000000000000101", "alice")],
            channels: vec![
                (CHANNEL.into(), "incidents".into(), 0),
                (OTHER.into(), "other".into(), 0),
            ],
        })
        .await
        .expect("server starts")
    }

    async fn create(server: &DiscordWorkspace, channel: &str, body: &Value) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!(
                "{}/api/v10/channels/{channel}/messages",
                server.base_url()
            ))
            .header("Authorization", "Bot discord-test-bot-token")
            .json(body)
            .send()
            .await
            .expect("answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    fn builder(content: &str, nonce: &str, enforce: bool) -> Value {
        let message = CreateMessage::new()
            .content(content)
            .nonce(Nonce::String(nonce.to_owned()))
            .enforce_nonce(enforce);
        serde_json::to_value(message).expect("serialises")
    }

    #[tokio::test]
    async fn a_repeated_enforced_nonce_returns_the_first_message() {
        let server = server().await;

        let (status, first) = create(&server, CHANNEL, &builder("page alice", "n-1", true)).await;
        assert_eq!(status, 200);
        let first: Message = serde_json::from_value(first).expect("a serenity Message");
        assert!(
            matches!(&first.nonce, Some(Nonce::String(nonce)) if nonce == "n-1"),
            "the message carries its nonce: {:?}",
            first.nonce
        );

        let (status, again) = create(&server, CHANNEL, &builder("page alice", "n-1", true)).await;
        assert_eq!(status, 200);
        let again: Message = serde_json::from_value(again).expect("a serenity Message");
        assert_eq!(again.id, first.id, "the same message comes back");
        assert_eq!(
            server.messages_in(CHANNEL).len(),
            1,
            "nothing new is posted"
        );

        // Without enforce_nonce a nonce de-duplicates nothing.
        let (_, loose) = create(&server, CHANNEL, &builder("page alice", "n-1", false)).await;
        let loose: Message = serde_json::from_value(loose).expect("a serenity Message");
        assert_ne!(loose.id, first.id);

        let (_, other) = create(&server, CHANNEL, &builder("page bob", "n-2", true)).await;
        let other: Message = serde_json::from_value(other).expect("a serenity Message");
        assert_ne!(other.id, first.id);
        assert_eq!(server.messages_in(CHANNEL).len(), 3);
    }

    #[tokio::test]
    async fn a_nonce_longer_than_25_characters_is_refused() {
        let server = server().await;
        let (status, body) = create(
            &server,
            OTHER,
            &json!({"content": "x", "nonce": "n".repeat(26), "enforce_nonce": true}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["code"], 50035);
        assert!(server.messages_in(OTHER).is_empty());
    }
}
