//! Bad input through the real decoding and handler entry points: the saved Slack and
//! Discord payloads, mutated (fields dropped, wrong types, huge and Korean strings), are
//! decoded with slack-morphism's and serenity's types and handed to the same inbound
//! handlers the bot runs, answering through local Slack and Discord workspaces.
//!
//! Nothing may panic; every reply a user is shown must be a clear message (not empty,
//! no unfilled placeholder) within the platform's length limits. The fuzz target in
//! `fuzz/` runs the same decoders without a time limit.

mod support;

use std::path::Path;
use std::sync::Arc;

use escalator::adapters::discord::inbound::DiscordInbound;
use escalator::adapters::discord::rest::Rest;
use escalator::adapters::respond::Responder;
use escalator::adapters::slack::inbound::SlackInbound;
use escalator::engine::Platform;
use escalator::workspace::discord::{DiscordSetup, DiscordUser, DiscordWorkspace};
use escalator::workspace::SlackWorkspace;
use proptest::prelude::*;
use proptest::sample::Index;
use secrecy::SecretString;
use serde_json::{json, Value};
use slack_morphism::prelude::*;
use support::*;

const DISCORD_BOT: &str = "1000000000000000999";
const DISCORD_TOKEN: &str = "discord-test-bot-token-0123456789";

/// Both workspaces, and the inbound handlers of both platforms on one store.
struct Harness {
    runtime: tokio::runtime::Runtime,
    slack_ws: SlackWorkspace,
    discord_ws: DiscordWorkspace,
    slack: Arc<SlackInbound>,
    discord: Arc<DiscordInbound>,
    _dir: tempfile::TempDir,
}

fn harness() -> Harness {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (slack_ws, discord_ws, slack, discord) = runtime.block_on(async {
        let slack_ws = workspace(Default::default()).await;
        let discord_ws = DiscordWorkspace::start(DiscordSetup {
            guild: "1000000000000000001".into(),
            bot: DiscordUser {
                id: DISCORD_BOT.into(),
                name: "escalator".into(),
            },
            application: "1100000000000000001".into(),
            token: DISCORD_TOKEN.into(),
            users: Vec::new(),
            channels: vec![("645027906669510667".into(), "general".into(), 0)],
        })
        .await
        .unwrap();
        let escalator = runtime_in_process(&slack_ws, dir.path());
        let slack = slack_inbound(Arc::clone(&escalator), &slack_ws);
        let rest = Arc::new(Rest::new(
            &discord_ws.base_url(),
            SecretString::from(DISCORD_TOKEN),
            0,
        ));
        let discord = Arc::new(DiscordInbound::new(
            Responder::new(escalator, Platform::Discord),
            rest,
            DISCORD_BOT.to_owned(),
        ));
        (slack_ws, discord_ws, slack, discord)
    });
    Harness {
        runtime,
        slack_ws,
        discord_ws,
        slack,
        discord,
        _dir: dir,
    }
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// A value of another type, or a string no form expects.
#[derive(Clone, Debug)]
enum Replacement {
    Null,
    Number,
    Bool,
    Array,
    Object,
    Empty,
    Huge,
    Korean,
}

impl Replacement {
    fn value(&self) -> Value {
        match self {
            Replacement::Null => Value::Null,
            Replacement::Number => json!(-1.5e300),
            Replacement::Bool => json!(true),
            Replacement::Array => json!([1, "two", null]),
            Replacement::Object => json!({"unexpected": {"deeply": [true]}}),
            Replacement::Empty => json!(""),
            Replacement::Huge => json!("x".repeat(100_000)),
            Replacement::Korean => json!("결제가 안 돼요 🔥 ".repeat(2_000)),
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Remove(Index),
    Replace(Index, Replacement),
}

fn replacement() -> impl Strategy<Value = Replacement> {
    prop_oneof![
        Just(Replacement::Null),
        Just(Replacement::Number),
        Just(Replacement::Bool),
        Just(Replacement::Array),
        Just(Replacement::Object),
        Just(Replacement::Empty),
        Just(Replacement::Huge),
        Just(Replacement::Korean),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        any::<Index>().prop_map(Mutation::Remove),
        (any::<Index>(), replacement()).prop_map(|(at, with)| Mutation::Replace(at, with)),
    ];
    prop::collection::vec(one, 1..4)
}

/// JSON pointers of every value under the root.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(key, child)| (key.replace('~', "~0").replace('/', "~1"), child))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, child)| (i.to_string(), child))
            .collect(),
        _ => return,
    };
    for (key, child) in children {
        let pointer = format!("{at}/{key}");
        out.push(pointer.clone());
        pointers(child, pointer, out);
    }
}

fn remove(value: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < items.len() {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

fn mutate(mut value: Value, mutations: &[Mutation]) -> Value {
    for mutation in mutations {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        if all.is_empty() {
            return value;
        }
        match mutation {
            Mutation::Remove(at) => remove(&mut value, &all[at.index(all.len())]),
            Mutation::Replace(at, with) => {
                if let Some(slot) = value.pointer_mut(&all[at.index(all.len())]) {
                    *slot = with.value();
                }
            }
        }
    }
    value
}

/// A reply text a user is shown: not empty, no unfilled placeholder. What the user typed
/// may come back quoted, so a placeholder-like piece of `typed` is not counted.
fn assert_clear(text: &str, typed: &str, context: &str) {
    assert!(!text.trim().is_empty(), "an empty reply to {context}");
    for placeholder in placeholders(text) {
        assert!(
            typed.contains(placeholder),
            "a placeholder left in the reply to {context}: {text}"
        );
    }
}

/// The pieces of `text` shaped like a Fluent variable the formatter could not fill,
/// `{$name}` or `{ $name }`.
fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices('{') {
        let rest = &text[start + 1..];
        let Some(end) = rest.find('}') else {
            continue;
        };
        let inner = rest[..end].trim();
        let Some(name) = inner.strip_prefix('$') else {
            continue;
        };
        let is_identifier = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if is_identifier {
            found.push(&text[start..start + 1 + end + 1]);
        }
    }
    found
}

#[test]
fn braces_typed_in_a_slash_command_are_quoted_back_as_typed() {
    let harness = harness();
    for text in ["{$", "{$summary}", "sev1 {$summary} went { $team }"] {
        let fields = slack_command_fields(text, 7);
        slack_command(&harness, &serde_urlencoded::to_string(&fields).unwrap());
    }
}

#[test]
fn a_placeholder_is_told_from_typed_braces() {
    assert_eq!(
        placeholders("Hi {$name}, and { $team }!"),
        ["{$name}", "{ $team }"]
    );
    assert!(placeholders("“{$” is not a command").is_empty());
    assert!(placeholders("{$1} {$} {name} {$a b}").is_empty());
}

/// Discord's limits on every body the bot sent: 2,000 characters of content.
fn assert_within_discord_limits(workspace: &DiscordWorkspace) {
    for call in workspace.calls() {
        if let Some(content) = call.body["content"].as_str() {
            assert!(content.chars().count() <= 2_000, "{}", call.path);
        }
        if let Some(content) = call.body["data"]["content"].as_str() {
            assert!(content.chars().count() <= 2_000, "{}", call.path);
        }
    }
}

/// Slack event and interaction payloads the bot receives.
const SLACK_JSON: &[&str] = &[
    "slack/events/reaction_added.json",
    "slack/events/reaction_removed.json",
    "slack/events/app_mention.json",
    "slack/events/message_thread_reply.json",
    "slack/interactive/block_actions_button.json",
    "slack/interactive/view_submission.json",
];

/// Runs a Slack JSON payload through the decoder and handler it would meet; true when
/// it decoded and reached the handler.
fn slack_json(harness: &Harness, value: Value) -> bool {
    if value.get("event").is_some() || value["type"] == "event_callback" {
        let Ok(SlackPushEvent::EventCallback(callback)) =
            serde_json::from_value::<SlackPushEvent>(value)
        else {
            return false;
        };
        harness.runtime.block_on(harness.slack.push(callback));
        return true;
    }
    let Ok(event) = serde_json::from_value::<SlackInteractionEvent>(value) else {
        return false;
    };
    harness.runtime.block_on(harness.slack.interaction(event));
    true
}

/// Runs a slash command form body through the decoder and handler; the reply must be
/// clear unless a form was opened instead.
fn slack_command(harness: &Harness, body: &str) {
    let Ok(event) = serde_urlencoded::from_str::<SlackCommandEvent>(body) else {
        return;
    };
    let views_before = harness.slack_ws.views().len();
    let response = harness.runtime.block_on(harness.slack.command(event));
    match response.content.text {
        Some(text) => assert_clear(&text, &typed_text(body), body),
        None => assert!(
            harness.slack_ws.views().len() > views_before,
            "no reply and no form for {body}"
        ),
    }
}

/// The `text` field of a slash command form body: what the user typed.
fn typed_text(body: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .find_map(|(name, value)| (name == "text").then_some(value))
        .unwrap_or_default()
}

/// The slash command fixture with our channel, user and a fresh trigger, as fields.
fn slack_command_fields(text: &str, case: u64) -> Vec<(String, String)> {
    let body = fixture("slack/commands/slash_command_docs_signed.txt");
    let mut fields: Vec<(String, String)> = serde_urlencoded::from_str(body.trim()).unwrap();
    for (name, value) in fields.iter_mut() {
        match name.as_str() {
            "channel_id" => *value = PAYMENTS.into(),
            "user_id" => *value = REPORTER.into(),
            "command" => *value = "/escalate".into(),
            "text" => *value = text.into(),
            "trigger_id" => *value = format!("{case}.1.{case:x}"),
            "response_url" => *value = "http://127.0.0.1:9/commands/1".into(),
            _ => {}
        }
    }
    fields
}

/// Discord payloads: the captured slash command with the fields serenity requires, a
/// button click, and reaction dispatches.
fn discord_payloads(case: u64) -> Vec<Value> {
    let made = (chrono::Utc::now().timestamp_millis() - 1_420_070_400_000) as u64;
    let id = ((made << 22) | (case & 0x3f_ffff)).to_string();
    let mut slash = fixture_json("discord/interactions/application_command_slash.json");
    slash["id"] = id.clone().into();
    slash["application_id"] = "1100000000000000001".into();
    slash["member"]["flags"] = 0.into();
    slash["version"] = 1.into();
    slash["entitlements"] = json!([]);
    slash["attachment_size_limit"] = 26_214_400.into();
    slash["data"] = json!({"id": "1", "name": "escalate", "type": 1, "options": [
        {"name": "open", "type": 1, "options": [
            {"name": "severity", "type": 3, "value": "sev1"},
            {"name": "summary", "type": 3, "value": "checkout fails"}]}]});
    let mut button = slash.clone();
    button["type"] = 3.into();
    button["data"] = json!({"custom_id": "ack:1", "component_type": 2});
    button["message"] = json!({"id": "1", "channel_id": "645027906669510667",
        "author": {"id": DISCORD_BOT, "username": "escalator", "discriminator": "0", "avatar": null},
        "content": "", "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0});
    let mut reaction =
        fixture_json("discord/gateway/message_reaction_add_custom_emoji.json")["d"].clone();
    reaction["burst"] = false.into();
    reaction["type"] = 0.into();
    let mut removal =
        fixture_json("discord/gateway/message_reaction_remove_custom_emoji_no_guild.json")["d"]
            .clone();
    removal["burst"] = false.into();
    removal["type"] = 0.into();
    vec![slash, button, reaction, removal]
}

/// Runs a Discord payload through serenity's types and the inbound handlers; true when
/// it decoded and reached a handler.
fn discord_payload(harness: &Harness, value: Value) -> bool {
    let typed = value.to_string();
    if value.get("emoji").is_some() || value.get("message_id").is_some() {
        let Ok(reaction) = serde_json::from_value::<serenity::all::Reaction>(value) else {
            return false;
        };
        harness.runtime.block_on(harness.discord.reaction(reaction));
        return true;
    }
    let Ok(interaction) = serde_json::from_value::<serenity::all::Interaction>(value) else {
        return false;
    };
    let token = match &interaction {
        serenity::all::Interaction::Command(command) => Some(command.token.clone()),
        _ => None,
    };
    let calls_before = harness.discord_ws.calls().len();
    harness
        .runtime
        .block_on(harness.discord.interaction(interaction));
    // A command is answered by editing the deferred response, or by a message in the
    // channel; when the payload names no channel or token Discord would accept, there is
    // nowhere to answer, and only the absence of a panic is checked.
    if token.is_some() {
        let answers: Vec<_> = harness.discord_ws.calls()[calls_before..]
            .iter()
            .filter(|call| {
                (call.method == "PATCH" && call.path.ends_with("/messages/@original"))
                    || (call.method == "POST" && call.path.ends_with("/messages"))
            })
            .cloned()
            .collect();
        for answer in answers {
            let content = answer.body["content"].as_str().unwrap_or_default();
            assert_clear(content, &typed, "a Discord command");
        }
    }
    true
}

/// An avatar hash of 34 bytes with a two-byte char in it, as the fuzz target first found
/// it: serenity's image hash decoder panicked on it instead of refusing the payload.
#[test]
fn a_non_ascii_avatar_hash_is_refused_not_a_panic() {
    use escalator::adapters::discord::interactions::decode;

    let [slash, _, reaction, _] = <[Value; 4]>::try_from(discord_payloads(1)).unwrap();
    let odd_hash = "a_d\u{2d9}fa99b3eeaa7dd43acca82f5692432";
    assert_eq!(odd_hash.len(), 34);
    let mut odd = slash.clone();
    odd["member"]["user"]["avatar"] = odd_hash.into();
    assert!(decode::<serenity::all::Interaction>(odd).is_err());

    let mut odd = reaction;
    odd["member"]["user"]["avatar"] = "\u{e9}".repeat(16).into();
    assert!(decode::<serenity::all::Reaction>(odd).is_err());

    // A name that is not ASCII, of a hash's length, is not a hash and still decodes.
    let mut named = slash;
    named["member"]["user"]["global_name"] = "김민지김민지김민지김ab".into();
    let decoded = decode::<serenity::all::Interaction>(named);
    assert!(decoded.is_ok(), "{decoded:?}");
}

#[test]
fn often_missing_fields_never_crash_a_handler() {
    let harness = harness();
    // Each named field dropped from each payload that has it, and emptied or retyped.
    let fields = [
        "user",
        "member",
        "item_user",
        "reaction",
        "emoji",
        "name",
        "user_id",
    ];
    let mut payloads: Vec<Value> = SLACK_JSON.iter().map(|name| fixture_json(name)).collect();
    payloads.extend(discord_payloads(1));
    let mut handled = (0, 0);
    for (n, payload) in payloads.into_iter().enumerate() {
        let mut all = Vec::new();
        pointers(&payload, String::new(), &mut all);
        for pointer in all
            .iter()
            .filter(|p| fields.iter().any(|f| p.ends_with(&format!("/{f}"))))
        {
            let mut without = payload.clone();
            remove(&mut without, pointer);
            let mut nulled = payload.clone();
            *nulled.pointer_mut(pointer).unwrap() = Value::Null;
            for value in [without, nulled] {
                if n < SLACK_JSON.len() {
                    handled.0 += usize::from(slack_json(&harness, value));
                } else {
                    handled.1 += usize::from(discord_payload(&harness, value));
                }
            }
        }
    }
    // Some of these are still valid payloads (serenity and slack-morphism treat the
    // field as optional) and reached the handlers; the rest were refused by the decoders.
    assert!(handled.0 > 0 && handled.1 > 0, "{handled:?}");
    assert_within_slack_limits(&harness.slack_ws);
    assert_within_discord_limits(&harness.discord_ws);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn mutated_slack_payloads_never_panic(which in 0..SLACK_JSON.len(), changes in mutations()) {
        thread_local!(static HARNESS: Harness = harness());
        let value = mutate(fixture_json(SLACK_JSON[which]), &changes);
        HARNESS.with(|harness| {
            let _ = slack_json(harness, value);
            assert_within_slack_limits(&harness.slack_ws);
        });
    }

    #[test]
    fn mutated_slash_commands_are_answered_clearly(
        text in prop_oneof![
            Just(String::new()),
            Just("sev1 ".to_owned() + &"결제 API가 500을 반환해요 🔥 ".repeat(400)),
            Just("sev9 nothing".to_owned()),
            Just("resolve INC-99999999999999999999999".to_owned()),
            Just("{$".to_owned()),
            Just("sev1 {$summary} went { $team }".to_owned()),
            "[ -~가-힣]{0,200}",
        ],
        drop in proptest::option::of(0usize..12),
        case in any::<u64>(),
    ) {
        thread_local!(static HARNESS: Harness = harness());
        let mut fields = slack_command_fields(&text, case);
        if let Some(at) = drop {
            if at < fields.len() {
                fields.remove(at);
            }
        }
        let body = serde_urlencoded::to_string(&fields).unwrap();
        HARNESS.with(|harness| {
            slack_command(harness, &body);
            assert_within_slack_limits(&harness.slack_ws);
        });
    }

    #[test]
    fn mutated_discord_payloads_never_panic(which in 0usize..4, changes in mutations(), case in 2u64..0x3f_ffff) {
        thread_local!(static HARNESS: Harness = harness());
        let value = mutate(discord_payloads(case).swap_remove(which), &changes);
        HARNESS.with(|harness| {
            let _ = discord_payload(harness, value);
            assert_within_discord_limits(&harness.discord_ws);
        });
    }
}
