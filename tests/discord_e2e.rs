//! End to end on Discord: the real `escalator` binary against the local Discord
//! workspace, over the gateway and REST under /api/v10, as it would run against Discord.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::Method;
use escalator::workspace::discord::{DiscordSetup, DiscordUser, DiscordWorkspace, Emoji, Posted};
use serde_json::json;

const GUILD: &str = "1000000000000000001";
const APPLICATION: &str = "1100000000000000001";
const BOT: &str = "1000000000000000999";
const REPORTER: &str = "1000000000000000100";
const ALICE: &str = "1000000000000000101";
const BOB: &str = "1000000000000000102";
const CAROL: &str = "1000000000000000103";
const GUEST: &str = "1000000000000000104";
const PAYMENTS: &str = "1000000000000000010";
const INCIDENTS: &str = "1000000000000000011";
const KNOWLEDGE: &str = "1000000000000000012";
/// A plain text channel used as the knowledge channel instead of the forum.
const KNOWLEDGE_TEXT: &str = "1000000000000000013";
const TOKEN: &str = "discord-test-bot-token-0123456789";
/// A custom emoji the policy accepts as an acknowledgement; Discord may send it nameless.
const CUSTOM_ACK: &str = "1500000000000000001";

const PATIENCE: Duration = Duration::from_secs(25);

fn user(id: &str, name: &str) -> DiscordUser {
    DiscordUser {
        id: id.into(),
        name: name.into(),
    }
}

async fn workspace() -> DiscordWorkspace {
    DiscordWorkspace::start(DiscordSetup {
        guild: GUILD.into(),
        bot: user(BOT, "escalator"),
        application: APPLICATION.into(),
        token: TOKEN.into(),
        users: vec![
            user(REPORTER, "rita"),
            user(ALICE, "alice"),
            user(BOB, "bob"),
            user(CAROL, "carol"),
            user(GUEST, "guest"),
        ],
        channels: vec![
            (PAYMENTS.into(), "payments".into(), 0),
            (INCIDENTS.into(), "incidents".into(), 0),
            (KNOWLEDGE.into(), "knowledge".into(), 15),
            (KNOWLEDGE_TEXT.into(), "knowledge-text".into(), 0),
        ],
    })
    .await
    .expect("workspace starts")
}

fn write_config(
    dir: &Path,
    base_url: &str,
    incident_channel: &str,
    knowledge_channel: &str,
) -> PathBuf {
    let config = dir.join("bot-config");
    std::fs::create_dir_all(&config).unwrap();
    let settings = format!(
        r#"[discord]
api_base_url = "{base_url}"
token_env = "TEST_DISCORD_TOKEN"
application_id = "{APPLICATION}"
guild_id = "{GUILD}"

[http]
listen = "127.0.0.1:0"

[storage]
data_dir = "{data}"
cache_mb = 8

[policy]
admins = ["carol"]
default_locale = "en"
ack_emoji = ["eyes", "{CUSTOM_ACK}"]
resolve_emoji = ["white_check_mark"]
fix_note_reminder_every = "1h"
criteria_review_every = "90d"
"#,
        data = dir.join("data").display()
    );
    std::fs::write(config.join("escalator.toml"), settings).unwrap();
    std::fs::write(
        config.join("teams.toml"),
        format!(
            r#"[[team]]
id = "payments"
name = "Payments"

[team.discord]
channels = ["{PAYMENTS}"]
incident_channel = "{incident_channel}"
knowledge_channel = "{knowledge_channel}"
"#
        ),
    )
    .unwrap();
    std::fs::write(
        config.join("people.toml"),
        format!(
            r#"[[person]]
id = "alice"
name = "Alice Kim"
discord = "{ALICE}"
positions = ["payments/team-lead"]
deputy = "bob"

[[person]]
id = "bob"
name = "Bob Lee"
discord = "{BOB}"
positions = ["payments/engineer"]

[[person]]
id = "carol"
name = "Carol Diaz"
discord = "{CAROL}"
positions = ["head-of-eng"]
"#
        ),
    )
    .unwrap();
    std::fs::write(
        config.join("severities.toml"),
        r#"[[severity]]
id = "sev1"
name = "Critical"
criteria = ["Customers cannot pay"]
counter_examples = ["One card declined"]

[[severity.path]]
steps = [
  { position = "team-lead", means = ["thread", "dm"], ack_within = "3s", repages = 1, repage_every = "1s" },
  { position = "head-of-eng", means = ["dm"], ack_within = "30s" },
]
"#,
    )
    .unwrap();
    config
}

struct Bot {
    child: Child,
    log: PathBuf,
}

impl Bot {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn started(incident_channel: &str) -> (DiscordWorkspace, tempfile::TempDir, Bot) {
    started_with(incident_channel, KNOWLEDGE).await
}

async fn started_with(
    incident_channel: &str,
    knowledge_channel: &str,
) -> (DiscordWorkspace, tempfile::TempDir, Bot) {
    let workspace = workspace().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &workspace.base_url(),
        incident_channel,
        knowledge_channel,
    );
    let bot = spawn(&workspace, &config, dir.path().join("bot.log")).await;
    (workspace, dir, bot)
}

/// Runs the bot on `config` and waits until it is connected and its commands are set.
async fn spawn(workspace: &DiscordWorkspace, config: &Path, log: PathBuf) -> Bot {
    let child = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["run", "--config"])
        .arg(config)
        .env("TEST_DISCORD_TOKEN", TOKEN)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("escalator starts");
    let bot = Bot { child, log };
    let connected = workspace
        .wait_until(PATIENCE, |ws| {
            ws.is_connected() && !ws.commands().is_empty()
        })
        .await;
    assert!(
        connected,
        "the bot never connected; log:\n{}",
        bot.log_text()
    );
    bot
}

async fn expect(
    workspace: &DiscordWorkspace,
    bot: &Bot,
    what: &str,
    check: impl Fn(&DiscordWorkspace) -> bool,
) {
    assert!(
        workspace.wait_until(PATIENCE, check).await,
        "timed out waiting for {what}; log:\n{}",
        bot.log_text()
    );
}

fn root(ws: &DiscordWorkspace) -> Option<Posted> {
    ws.messages_in(INCIDENTS).into_iter().next()
}

/// Messages in the incident's thread (whose id is the root's).
fn thread(ws: &DiscordWorkspace) -> Vec<Posted> {
    root(ws)
        .map(|root| ws.messages_in(&root.id))
        .unwrap_or_default()
}

fn thread_count(ws: &DiscordWorkspace, text: &str) -> usize {
    thread(ws)
        .iter()
        .filter(|m| m.text().contains(text))
        .count()
}

fn dms(ws: &DiscordWorkspace, user: &str) -> Vec<Posted> {
    ws.dm_channel(user)
        .map(|channel| ws.messages_in(&channel))
        .unwrap_or_default()
}

/// How many POSTs the bot sent to `path`.
fn posts_to(ws: &DiscordWorkspace, path: &str) -> usize {
    ws.calls()
        .iter()
        .filter(|call| call.method == "POST" && call.path == path)
        .count()
}

/// The reply shown for `interaction`: its deferred response, edited.
fn edited_reply(ws: &DiscordWorkspace, interaction_token_of: &str) -> Option<String> {
    ws.calls()
        .into_iter()
        .find(|call| {
            call.method == "PATCH"
                && call.path.contains(interaction_token_of)
                && call.path.ends_with("/messages/@original")
        })
        .map(|call| call.body["content"].as_str().unwrap_or_default().to_owned())
}

/// The first interaction response to `interaction`: its path and body.
fn callback(ws: &DiscordWorkspace, interaction: &str) -> Option<(String, serde_json::Value)> {
    ws.calls()
        .into_iter()
        .find(|call| {
            call.path
                .starts_with(&format!("/interactions/{interaction}/"))
        })
        .map(|call| (call.path, call.body))
}

fn callback_type(ws: &DiscordWorkspace, interaction: &str) -> Option<u64> {
    callback(ws, interaction).and_then(|(_, body)| body["type"].as_u64())
}

fn token_of(ws: &DiscordWorkspace, interaction: &str) -> Option<String> {
    callback(ws, interaction).and_then(|(path, _)| path.split('/').nth(3).map(str::to_owned))
}

async fn reply_to(ws: &DiscordWorkspace, bot: &Bot, interaction: &str) -> String {
    expect(ws, bot, "the deferred response", |ws| {
        token_of(ws, interaction).is_some()
    })
    .await;
    let token = token_of(ws, interaction).unwrap();
    expect(ws, bot, "the edited response", |ws| {
        edited_reply(ws, &token).is_some()
    })
    .await;
    edited_reply(ws, &token).unwrap()
}

/// Reacts until `check` holds. A message shows a moment before the bot has recorded it
/// as the incident's, so a reaction in that moment is not linked yet; like a person, the
/// test reacts again.
async fn react_until(
    ws: &DiscordWorkspace,
    bot: &Bot,
    user: &str,
    message: &Posted,
    emoji: &Emoji,
    check: impl Fn(&DiscordWorkspace) -> bool + Copy,
) {
    for _ in 0..10 {
        ws.react(user, message, emoji);
        if ws.wait_until(Duration::from_secs(2), check).await {
            return;
        }
    }
    panic!("the reaction had no effect; log:\n{}", bot.log_text());
}

fn open(ws: &DiscordWorkspace, summary: &str) -> String {
    ws.slash(
        REPORTER,
        PAYMENTS,
        "open",
        json!([{"name": "severity", "type": 3, "value": "sev1"}, {"name": "summary", "type": 3, "value": summary}]),
    )
}

/// Opens an incident, waits for the reply and the root message, and returns the root.
async fn opened(ws: &DiscordWorkspace, bot: &Bot, summary: &str) -> Posted {
    let interaction = open(ws, summary);
    reply_to(ws, bot, &interaction).await;
    expect(ws, bot, "the root message", |ws| root(ws).is_some()).await;
    root(ws).unwrap()
}

/// Opens an incident and checks the reply names INC-1.
async fn opens_the_first_incident(ws: &DiscordWorkspace, bot: &Bot, summary: &str) {
    let interaction = open(ws, summary);
    let reply = reply_to(ws, bot, &interaction).await;
    assert!(reply.contains("INC-1"), "{reply}");
}

/// `user` presses Resolve on the root message and gets the reply.
async fn resolve_by_button(ws: &DiscordWorkspace, bot: &Bot, user: &str, root_message: &Posted) {
    let resolve = ws.click(user, root_message, "resolve:1");
    reply_to(ws, bot, &resolve).await;
}

/// Waits for a direct message to the admin Carol that holds every one of `texts`.
async fn expect_admin_alert(ws: &DiscordWorkspace, bot: &Bot, texts: &[&str]) {
    expect(ws, bot, "the admin alert", |ws| {
        dms(ws, CAROL)
            .iter()
            .any(|m| texts.iter().all(|text| m.text().contains(text)))
    })
    .await;
}

/// Waits for the bot to resume its session, and checks it did not identify again.
async fn expect_resumed(ws: &DiscordWorkspace, bot: &Bot) {
    expect(ws, bot, "a RESUME", |ws| {
        !ws.sessions().1.is_empty() && ws.is_connected()
    })
    .await;
    assert_eq!(
        ws.sessions().0,
        1,
        "the bot identified again instead of resuming"
    );
}

#[tokio::test]
async fn the_whole_flow_from_escalation_to_fix_note() {
    let (ws, _dir, bot) = started(INCIDENTS).await;

    // Only guilds and reactions: no privileged message-content intent.
    assert_eq!(ws.intents(), Some(1 | (1 << 10) | (1 << 13)));
    let command = ws.commands()[0].clone();
    assert_eq!(command["name"], "escalate");
    let subcommands: Vec<&str> = command["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        subcommands,
        [
            "open", "ack", "resolve", "cancel", "status", "follow", "update", "reassign",
            "severity", "skip", "why", "criteria", "kb", "away", "stats", "help"
        ]
    );
    let choice = command["options"][0]["options"][0]["choices"][0]["name"]
        .as_str()
        .unwrap();
    assert!(choice.contains("Customers cannot pay"), "{choice}");

    let interaction = open(&ws, "Card payments fail with 502 at checkout");
    let reply = reply_to(&ws, &bot, &interaction).await;
    assert_eq!(callback_type(&ws, &interaction), Some(5));
    assert!(reply.contains("INC-1"), "{reply}");
    assert!(reply.contains("Thank you for escalating"), "{reply}");

    // The root card in the incident channel with three buttons, and a thread from it.
    expect(&ws, &bot, "the root message", |ws| root(ws).is_some()).await;
    let root_message = root(&ws).unwrap();
    assert_eq!(root_message.button_ids(), ["ack:1", "resolve:1", "fix:1"]);
    let thread_path = format!("/channels/{INCIDENTS}/messages/{}/threads", root_message.id);
    expect(&ws, &bot, "the thread", |ws| posts_to(ws, &thread_path) > 0).await;

    // Alice is paged in the thread and by DM, re-paged, then her deputy Bob.
    expect(&ws, &bot, "the first page", |ws| dms(ws, ALICE).len() == 1).await;
    expect(&ws, &bot, "the thread page", |ws| {
        thread_count(ws, &format!("<@{ALICE}>")) >= 1
    })
    .await;
    expect(&ws, &bot, "the re-page", |ws| dms(ws, ALICE).len() == 2).await;
    expect(&ws, &bot, "the deputy page", |ws| dms(ws, BOB).len() == 1).await;

    // A guest reacts: nothing happens. Bob takes it over by reacting on his DM page.
    ws.react(GUEST, &root_message, &Emoji::Unicode("👀".into()));
    let page = dms(&ws, BOB).last().cloned().unwrap();
    react_until(&ws, &bot, BOB, &page, &Emoji::Unicode("👀".into()), |ws| {
        thread_count(ws, "has taken over INC-1") == 1
    })
    .await;
    assert_eq!(thread_count(&ws, &format!("<@{BOB}> has taken over")), 1);
    assert_eq!(thread_count(&ws, &format!("<@{GUEST}> has taken over")), 0);

    // A status update from the reporter reaches the thread.
    let update = ws.slash(
        REPORTER,
        PAYMENTS,
        "update",
        json!([{"name": "text", "type": 3, "value": "rollback is running"}, {"name": "incident", "type": 4, "value": 1}]),
    );
    reply_to(&ws, &bot, &update).await;
    expect(&ws, &bot, "the update", |ws| {
        thread_count(ws, "rollback is running") == 1
    })
    .await;

    // Resolve with the button, then the fix note through the modal.
    let root_message = root(&ws).unwrap();
    let resolve = ws.click(BOB, &root_message, "resolve:1");
    let resolved = reply_to(&ws, &bot, &resolve).await;
    assert!(resolved.contains("INC-1"), "{resolved}");
    let fix = ws.click(BOB, &root_message, "fix:1");
    expect(&ws, &bot, "the fix-note modal", |ws| {
        callback_type(ws, &fix) == Some(9)
    })
    .await;
    let modal = callback_body(&ws, &fix).unwrap();
    assert_eq!(modal["data"]["custom_id"], "fix-note:1");
    let submit = ws.submit(
        BOB,
        INCIDENTS,
        "fix-note:1",
        &[
            ("summary", "Checkout 502 after a gateway config change"),
            ("cause", "A TLS setting rejected the provider's certificate"),
            ("fix", "Rolled the setting back"),
            ("prevention", "Config changes go through staging first"),
            ("links", ""),
        ],
    );
    reply_to(&ws, &bot, &submit).await;

    // The knowledge channel is a forum: one post for the note.
    expect(&ws, &bot, "the fix note in the forum", |ws| {
        ws.messages_in(KNOWLEDGE)
            .iter()
            .any(|m| m.text().contains("Rolled the setting back"))
    })
    .await;
    let forum_posts = posts_to(&ws, &format!("/channels/{KNOWLEDGE}/threads"));
    assert_eq!(forum_posts, 1);

    let log = bot.log_text();
    assert!(!log.contains(TOKEN), "the token leaked into the log");
}

#[tokio::test]
async fn a_reconnect_resumes_the_session_and_events_still_arrive() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let (identifies, resumes) = ws.sessions();
    assert_eq!((identifies, resumes.len()), (1, 0));

    ws.reconnect();
    expect_resumed(&ws, &bot).await;
    assert_eq!(ws.sessions().1.len(), 1);

    opens_the_first_incident(&ws, &bot, "Payments queue stuck after the reconnect").await;
}

#[tokio::test]
async fn a_removal_without_member_is_harmless_and_a_nameless_custom_emoji_acknowledges() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let root_message = opened(&ws, &bot, "Refunds fail").await;

    // Taking back a reaction (no member in the event) changes nothing.
    ws.unreact(ALICE, &root_message, &Emoji::Unicode("👀".into()));
    // A deleted custom emoji arrives without a name; it is matched by its id.
    let nameless = Emoji::Custom {
        id: CUSTOM_ACK.into(),
        name: None,
    };
    react_until(&ws, &bot, ALICE, &root_message, &nameless, |ws| {
        thread_count(ws, &format!("<@{ALICE}> has taken over INC-1")) == 1
    })
    .await;
    assert!(
        ws.is_connected(),
        "the gateway dropped; log:\n{}",
        bot.log_text()
    );
}

#[tokio::test]
async fn an_expired_interaction_is_answered_in_the_channel() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let made = chrono::Utc::now() - chrono::TimeDelta::minutes(20);
    let interaction = ws.slash_made_at(REPORTER, PAYMENTS, "help", json!([]), Some(made));
    expect(&ws, &bot, "the reply in the channel", |ws| {
        ws.messages_in(PAYMENTS)
            .iter()
            .any(|m| m.text().starts_with(&format!("<@{REPORTER}>")))
    })
    .await;
    assert_eq!(
        callback_type(&ws, &interaction),
        None,
        "the expired token was used"
    );
    assert!(!ws
        .calls()
        .iter()
        .any(|call| call.path.starts_with("/webhooks/")));
}

#[tokio::test]
async fn a_429_is_waited_out_for_its_retry_after() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let path = format!("/channels/{INCIDENTS}/messages");
    ws.fail_next(
        Method::POST,
        &path,
        429,
        json!({"message": "You are being rate limited.", "retry_after": 0.4, "global": false}),
    );
    opened(&ws, &bot, "Slow checkout").await;
    let posts = posts_to(&ws, &path);
    assert_eq!(posts, 2, "one refused post and one retry");
    assert!(bot.log_text().contains("rate limited; waiting"));
}

#[tokio::test]
async fn an_unknown_incident_channel_is_reported_to_the_admins() {
    let (ws, _dir, bot) = started("1000000000000000077").await;
    let interaction = open(&ws, "Nobody can log in");
    reply_to(&ws, &bot, &interaction).await;
    // Discord shows `unknown\_channel` as `unknown_channel`: user markup is escaped.
    expect_admin_alert(&ws, &bot, &["the platform answered unknown\\_channel"]).await;
}

#[tokio::test]
async fn a_command_in_the_thread_acts_on_its_incident_and_a_refused_token_falls_back() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let interaction = open(&ws, "Invoices are not sent");
    reply_to(&ws, &bot, &interaction).await;
    expect(&ws, &bot, "the thread", |ws| {
        ws.calls()
            .iter()
            .any(|call| call.path.ends_with("/threads"))
    })
    .await;
    let thread_id = root(&ws).unwrap().id;

    // `/escalate ack` typed in the incident's thread, without a number.
    let ack = ws.slash(ALICE, &thread_id, "ack", json!([]));
    let reply = reply_to(&ws, &bot, &ack).await;
    assert!(reply.contains("INC-1"), "{reply}");
    expect(&ws, &bot, "the hand-over", |ws| {
        thread_count(ws, &format!("<@{ALICE}> has taken over INC-1")) == 1
    })
    .await;

    // Discord refuses the edit (the token is no longer valid): the reply goes to the
    // channel instead, mentioning the user.
    ws.fail_next(
        Method::PATCH,
        "/messages/@original",
        401,
        json!({"message": "Invalid Webhook Token", "code": 50027}),
    );
    ws.slash(
        REPORTER,
        PAYMENTS,
        "status",
        json!([{"name": "incident", "type": 4, "value": 1}]),
    );
    expect(&ws, &bot, "the reply in the channel", |ws| {
        ws.messages_in(PAYMENTS)
            .iter()
            .any(|m| m.text().starts_with(&format!("<@{REPORTER}>")) && m.text().contains("INC-1"))
    })
    .await;
}

#[tokio::test]
async fn missing_access_is_reported_to_the_admins_in_plain_words() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    // The first direct message (Alice's page) is refused with 50001 Missing Access.
    ws.fail_next(
        Method::POST,
        "/users/@me/channels",
        403,
        json!({"message": "Missing Access", "code": 50001}),
    );
    let interaction = open(&ws, "Payouts are late");
    reply_to(&ws, &bot, &interaction).await;
    expect_admin_alert(&ws, &bot, &["the platform answered missing\\_access"]).await;
}

#[tokio::test]
async fn acknowledge_pressed_on_a_direct_message_page_hands_the_incident_over() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let interaction = open(&ws, "Checkout is slow");
    reply_to(&ws, &bot, &interaction).await;
    expect(&ws, &bot, "the DM page", |ws| !dms(ws, ALICE).is_empty()).await;
    let page = dms(&ws, ALICE)[0].clone();
    assert_eq!(page.button_ids(), ["ack:1", "resolve:1", "fix:1"]);

    // In a direct message Discord sends `user` and no member or guild.
    let click = ws.click(ALICE, &page, "ack:1");
    let reply = reply_to(&ws, &bot, &click).await;
    assert!(reply.contains("INC-1"), "{reply}");
    expect(&ws, &bot, "the hand-over", |ws| {
        thread_count(ws, &format!("<@{ALICE}> has taken over INC-1")) == 1
    })
    .await;
}

#[tokio::test]
async fn a_text_knowledge_channel_gets_the_fix_note_as_a_message() {
    let (ws, _dir, bot) = started_with(INCIDENTS, KNOWLEDGE_TEXT).await;
    let root_message = opened(&ws, &bot, "Receipts are blank").await;
    resolve_by_button(&ws, &bot, ALICE, &root_message).await;
    let submit = ws.submit(
        ALICE,
        INCIDENTS,
        "fix-note:1",
        &[
            ("summary", "Receipts rendered blank"),
            ("cause", "A template variable was renamed"),
            ("fix", "Restored the variable name"),
            ("prevention", "A receipt snapshot test"),
            ("links", "https://runbooks.example/receipts"),
        ],
    );
    reply_to(&ws, &bot, &submit).await;
    expect(&ws, &bot, "the fix note as a message", |ws| {
        ws.messages_in(KNOWLEDGE_TEXT)
            .iter()
            .any(|m| m.text().contains("Restored the variable name"))
    })
    .await;
    assert!(!ws
        .calls()
        .iter()
        .any(|call| call.path == format!("/channels/{KNOWLEDGE_TEXT}/threads")));
}

/// The body of the first interaction response to `interaction`.
fn callback_body(ws: &DiscordWorkspace, interaction: &str) -> Option<serde_json::Value> {
    callback(ws, interaction).map(|(_, body)| body)
}

#[tokio::test]
async fn the_edit_button_on_a_forum_post_edits_the_note_in_place_for_its_author_only() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let root_message = opened(&ws, &bot, "Receipts are blank").await;
    resolve_by_button(&ws, &bot, ALICE, &root_message).await;
    let fields = |fix: &'static str| {
        [
            ("summary", "Receipts rendered blank"),
            ("cause", "A template variable was renamed"),
            ("fix", fix),
            ("prevention", "A receipt snapshot test"),
            ("links", ""),
        ]
    };
    let submit = ws.submit(
        ALICE,
        INCIDENTS,
        "fix-note:1",
        &fields("Restored the variable name"),
    );
    reply_to(&ws, &bot, &submit).await;
    expect(&ws, &bot, "the forum post", |ws| {
        ws.messages_in(KNOWLEDGE)
            .iter()
            .any(|m| m.text().contains("Restored the variable name"))
    })
    .await;
    let post = ws.messages_in(KNOWLEDGE)[0].clone();
    assert!(post.button_ids().contains(&"fixedit:1".to_owned()));

    // Bob did not write it and is no admin: only he sees why, and no form opens.
    let refused = ws.click(BOB, &post, "fixedit:1");
    expect(&ws, &bot, "Bob's refusal", |ws| {
        callback_body(ws, &refused).is_some()
    })
    .await;
    let body = callback_body(&ws, &refused).unwrap();
    assert_eq!(body["type"], 4, "{body}");
    assert_eq!(body["data"]["flags"], 64, "{body}");
    let text = body["data"]["content"].as_str().unwrap_or_default();
    assert!(text.contains("Only the note's author and admins"), "{text}");

    // Alice gets the form filled with her note, and saving edits the post in place.
    let edit = ws.click(ALICE, &post, "fixedit:1");
    expect(&ws, &bot, "the edit modal", |ws| {
        callback_type(ws, &edit) == Some(9)
    })
    .await;
    let modal = callback_body(&ws, &edit).unwrap().to_string();
    assert!(
        modal.contains("\"value\":\"Restored the variable name\""),
        "{modal}"
    );
    let submit = ws.submit(
        ALICE,
        KNOWLEDGE,
        "fix-note:1",
        &fields("Renamed the variable back and added an alias"),
    );
    let saved = reply_to(&ws, &bot, &submit).await;
    assert!(saved.contains("updated"), "{saved}");
    expect(&ws, &bot, "the post edited", |ws| {
        ws.messages_in(KNOWLEDGE)
            .iter()
            .any(|m| m.text().contains("added an alias"))
    })
    .await;
    let posts = ws.messages_in(KNOWLEDGE);
    assert_eq!(posts.len(), 1, "a second post");
    assert!(!posts[0].text().contains("Restored the variable name"));
    let new_threads = posts_to(&ws, &format!("/channels/{KNOWLEDGE}/threads"));
    assert_eq!(new_threads, 1);
    expect(&ws, &bot, "the edit in the thread", |ws| {
        thread_count(ws, "edited the fix note of INC-1") == 1
    })
    .await;
}

#[tokio::test]
async fn the_skip_subcommand_closes_a_resolved_incident_with_its_reason() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let skip = ws.commands()[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|option| option["name"] == "skip")
        .cloned()
        .expect("a skip subcommand");
    assert_eq!(skip["options"][0]["name"], "reason");
    assert_eq!(skip["options"][0]["required"], true);

    let root_message = opened(&ws, &bot, "Receipts are blank").await;
    resolve_by_button(&ws, &bot, ALICE, &root_message).await;
    let skipped = ws.slash(
        ALICE,
        PAYMENTS,
        "skip",
        json!([{"name": "reason", "type": 3, "value": "duplicate of an earlier report"}, {"name": "incident", "type": 4, "value": 1}]),
    );
    let reply = reply_to(&ws, &bot, &skipped).await;
    assert!(reply.contains("closed with nothing to note"), "{reply}");
    expect(&ws, &bot, "the reason in the thread", |ws| {
        thread_count(
            ws,
            "without a fix note, because: duplicate of an earlier report",
        ) == 1
    })
    .await;
}

#[tokio::test]
async fn an_interaction_delivered_twice_acts_once_and_withdraws_the_second_response() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let interaction = open(&ws, "Coupons fail");
    reply_to(&ws, &bot, &interaction).await;
    // The reply comes once the incident is stored; its first message follows from the
    // outbox.
    expect(&ws, &bot, "the root message", |ws| root(ws).is_some()).await;

    assert!(ws.deliver_again(&interaction));
    expect(&ws, &bot, "the withdrawn second response", |ws| {
        ws.calls()
            .iter()
            .any(|call| call.method == "DELETE" && call.path.ends_with("/messages/@original"))
    })
    .await;
    let opened = posts_to(&ws, &format!("/channels/{INCIDENTS}/messages"));
    assert_eq!(opened, 1, "the retried command opened a second incident");
}

#[tokio::test]
async fn a_root_posted_just_before_a_kill_is_returned_by_its_nonce_not_posted_again() {
    let workspace = workspace().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &workspace.base_url(), INCIDENTS, KNOWLEDGE);
    let mut bot = spawn(&workspace, &config, dir.path().join("first.log")).await;

    // Discord takes the root message at once but answers late; the bot dies meanwhile.
    workspace.answer_late(
        Method::POST,
        &format!("/channels/{INCIDENTS}/messages"),
        Duration::from_secs(60),
    );
    open(&workspace, "Refunds are stuck");
    expect(&workspace, &bot, "the root message", |ws| {
        root(ws).is_some()
    })
    .await;
    let _ = bot.child.kill();
    let _ = bot.child.wait();
    expect(&workspace, &bot, "the gateway connection to close", |ws| {
        !ws.is_connected()
    })
    .await;

    let bot = spawn(&workspace, &config, dir.path().join("second.log")).await;
    expect(&workspace, &bot, "Alice's page", |ws| {
        !dms(ws, ALICE).is_empty()
    })
    .await;
    // The thread page goes in the incident channel's lane, after the root's second send.
    expect(&workspace, &bot, "paging to go on in the thread", |ws| {
        thread_count(ws, "<@1000000000000000101>") >= 1
    })
    .await;
    let roots = workspace.messages_in(INCIDENTS);
    assert_eq!(roots.len(), 1, "one root message; log:\n{}", bot.log_text());
    let resent = posts_to(&workspace, &format!("/channels/{INCIDENTS}/messages"));
    assert_eq!(
        resent, 2,
        "the restarted bot sent the root again, with its nonce"
    );
}

/// Alice's first pages for incident `n`, alone or in a digest.
fn first_pages_of(ws: &DiscordWorkspace, n: u64) -> usize {
    dms(ws, ALICE)
        .iter()
        .filter(|m| m.text().contains(&format!("paged for INC-{n}, step 1")))
        .count()
}

/// A digest is posted and Discord answers late; the bot dies with another page queued
/// behind it. The restarted bot sends the digest again with the same pages, so its nonce
/// returns the message posted before, and the queued page goes on its own.
#[tokio::test]
async fn a_digest_posted_just_before_a_kill_is_returned_by_its_nonce_not_posted_again() {
    let workspace = workspace().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &workspace.base_url(), INCIDENTS, KNOWLEDGE);
    // Nobody is paged again while the test runs.
    std::fs::write(
        config.join("severities.toml"),
        r#"[[severity]]
id = "sev1"
name = "Critical"
criteria = ["Customers cannot pay"]

[[severity.path]]
steps = [{ position = "team-lead", means = ["dm"], ack_within = "30m" }]
"#,
    )
    .unwrap();
    let mut bot = spawn(&workspace, &config, dir.path().join("first.log")).await;
    let opening = open(&workspace, "Storm 1");
    reply_to(&workspace, &bot, &opening).await;
    expect(&workspace, &bot, "the first page", |ws| {
        first_pages_of(ws, 1) == 1
    })
    .await;
    let channel = workspace.dm_channel(ALICE).expect("the DM is open");
    let alice_dm = format!("/channels/{channel}/messages");

    // The second page is answered after five seconds, while two more pages queue behind
    // it; they go as one digest, which Discord takes at once but answers late.
    workspace.answer_late(Method::POST, &alice_dm, Duration::from_secs(5));
    workspace.answer_late(Method::POST, &alice_dm, Duration::from_secs(60));
    for n in 2..=4 {
        let opening = open(&workspace, &format!("Storm {n}"));
        reply_to(&workspace, &bot, &opening).await;
    }
    expect(&workspace, &bot, "the digest", |ws| {
        dms(ws, ALICE).iter().any(|m| {
            m.button_ids().len() >= 2
                && m.text().contains("paged for INC-3, step 1")
                && m.text().contains("paged for INC-4, step 1")
        })
    })
    .await;
    let opening = open(&workspace, "Storm 5");
    reply_to(&workspace, &bot, &opening).await;
    let _ = bot.child.kill();
    let _ = bot.child.wait();
    expect(&workspace, &bot, "the gateway connection to close", |ws| {
        !ws.is_connected()
    })
    .await;

    let bot = spawn(&workspace, &config, dir.path().join("second.log")).await;
    expect(&workspace, &bot, "the page queued before the kill", |ws| {
        first_pages_of(ws, 5) == 1
    })
    .await;
    for n in 1..=5 {
        assert_eq!(
            first_pages_of(&workspace, n),
            1,
            "INC-{n}: Alice got her first page once; log:\n{}",
            bot.log_text()
        );
    }
}

// ---- HTTP interactions mode ----

/// The bot with `discord.public_key` set to `key`'s public half and its HTTP listener on
/// a known port; returns that port too.
async fn started_over_http(
    key: &ed25519_dalek::SigningKey,
) -> (DiscordWorkspace, tempfile::TempDir, Bot, u16) {
    let workspace = workspace().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &workspace.base_url(), INCIDENTS, KNOWLEDGE);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = std::fs::read_to_string(config.join("escalator.toml"))
        .unwrap()
        .replace(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"127.0.0.1:{port}\""),
        )
        .replace(
            &format!("guild_id = \"{GUILD}\"\n"),
            &format!(
                "guild_id = \"{GUILD}\"\npublic_key = \"{}\"\n",
                hex::encode(key.verifying_key().to_bytes())
            ),
        );
    std::fs::write(config.join("escalator.toml"), settings).unwrap();
    let bot = spawn(&workspace, &config, dir.path().join("bot.log")).await;
    (workspace, dir, bot, port)
}

/// The captured slash command fixture, made an `/escalate open` by the reporter in
/// #payments, with the fields serenity requires and a fresh id.
fn signed_slash_fixture(summary: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/discord/interactions/application_command_slash.json");
    let mut slash: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let made = (chrono::Utc::now().timestamp_millis() - 1_420_070_400_000) as u64;
    slash["id"] = ((made << 22) | 7).to_string().into();
    slash["application_id"] = APPLICATION.into();
    slash["guild_id"] = GUILD.into();
    slash["channel_id"] = PAYMENTS.into();
    slash["member"]["user"]["id"] = REPORTER.into();
    slash["member"]["flags"] = 0.into();
    slash["version"] = 1.into();
    slash["entitlements"] = json!([]);
    slash["attachment_size_limit"] = 26_214_400.into();
    slash["data"] = json!({
        "id": APPLICATION, "name": "escalate", "type": 1,
        "options": [{"name": "open", "type": 1, "options": [
            {"name": "severity", "type": 3, "value": "sev1"},
            {"name": "summary", "type": 3, "value": summary},
        ]}],
    });
    slash
}

/// Posts `body` to the bot's interactions endpoint with `signature` and `timestamp`
/// headers (each left out when `None`).
async fn post_interaction(
    port: u16,
    body: &[u8],
    signature: Option<String>,
    timestamp: Option<String>,
) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/discord/interactions"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-signature-ed25519", signature);
    }
    if let Some(timestamp) = timestamp {
        request = request.header("x-signature-timestamp", timestamp);
    }
    let response = request.send().await.expect("the endpoint answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn sign(key: &ed25519_dalek::SigningKey, timestamp: &str, body: &[u8]) -> String {
    use ed25519_dalek::Signer;
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    hex::encode(key.sign(&message).to_bytes())
}

#[tokio::test]
async fn http_interactions_are_verified_answered_and_handled_like_gateway_ones() {
    let key = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    let (ws, _dir, bot, port) = started_over_http(&key).await;
    let now = chrono::Utc::now().timestamp().to_string();

    // Discord's PING, from the captured example, is answered with a PONG.
    let ping = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/discord/interactions/ping_discord_interactions_js.json"),
    )
    .unwrap();
    let (status, pong) = post_interaction(
        port,
        &ping,
        Some(sign(&key, &now, &ping)),
        Some(now.clone()),
    )
    .await;
    assert_eq!((status, pong.as_str()), (200, r#"{"type":1}"#));

    // Forged, unsigned, stale and replayed requests are refused before anything runs.
    let body = serde_json::to_vec(&signed_slash_fixture("Checkout rejects every card")).unwrap();
    let stranger = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    let stale = (chrono::Utc::now().timestamp() - 301).to_string();
    let refused = [
        (Some(sign(&stranger, &now, &body)), Some(now.clone())),
        (None, Some(now.clone())),
        (Some(sign(&key, &now, &body)), None),
        (Some(sign(&key, &now, b"{}")), Some(now.clone())),
        (Some(sign(&key, &stale, &body)), Some(stale.clone())),
        (Some("not hex".to_owned()), Some(now.clone())),
    ];
    for (signature, timestamp) in refused {
        let (status, _) = post_interaction(port, &body, signature.clone(), timestamp).await;
        assert_eq!(status, 401, "{signature:?}");
    }
    assert!(root(&ws).is_none(), "a refused request opened an incident");

    // The real command: the HTTP answer is the deferred response, and the rest goes the
    // gateway's way: the incident opens, the reply edits the deferred response.
    let signature = sign(&key, &now, &body);
    let (status, answer) =
        post_interaction(port, &body, Some(signature.clone()), Some(now.clone())).await;
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["type"], 5, "{answer}");
    expect(&ws, &bot, "the root message", |ws| root(ws).is_some()).await;
    expect(&ws, &bot, "the edited reply", |ws| {
        edited_reply(ws, "A_UNIQUE_TOKEN").is_some_and(|reply| reply.contains("INC-1"))
    })
    .await;
    assert!(
        !ws.calls()
            .iter()
            .any(|call| call.path.starts_with("/interactions/")),
        "the first response went over REST as well as in the HTTP answer"
    );

    // The same signed request again is a replay.
    let (status, _) = post_interaction(port, &body, Some(signature), Some(now.clone())).await;
    assert_eq!(status, 401);
    assert_eq!(ws.messages_in(INCIDENTS).len(), 1);

    // A button whose first response is a form: the modal is the HTTP answer.
    let mut click = signed_slash_fixture("unused");
    let made = (chrono::Utc::now().timestamp_millis() - 1_420_070_400_000) as u64;
    click["id"] = ((made << 22) | 8).to_string().into();
    click["token"] = "A_SECOND_TOKEN".into();
    click["type"] = 3.into();
    click["data"] = json!({"custom_id": "fix:1", "component_type": 2});
    click["message"] = json!({"id": root(&ws).unwrap().id, "channel_id": INCIDENTS,
        "author": {"id": BOT, "username": "escalator", "discriminator": "0", "avatar": null},
        "content": "", "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0});
    let body = serde_json::to_vec(&click).unwrap();
    let (status, answer) =
        post_interaction(port, &body, Some(sign(&key, &now, &body)), Some(now)).await;
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["type"], 9, "{answer}");
    assert_eq!(answer["data"]["custom_id"], "fix-note:1", "{answer}");
}

// ---- platform faults ----

#[tokio::test]
async fn an_invalid_session_makes_the_bot_identify_again_and_events_still_arrive() {
    let (ws, _dir, bot) = started(INCIDENTS).await;

    ws.invalidate_session(false);
    expect(&ws, &bot, "a second IDENTIFY", |ws| {
        ws.sessions().0 == 2 && ws.is_connected()
    })
    .await;

    opens_the_first_incident(&ws, &bot, "Payments queue stuck after the new session").await;
}

#[tokio::test]
async fn a_resumable_invalid_session_is_resumed_and_events_still_arrive() {
    let (ws, _dir, bot) = started(INCIDENTS).await;

    ws.invalidate_session(true);
    expect_resumed(&ws, &bot).await;

    opens_the_first_incident(&ws, &bot, "Payments queue stuck after the invalid session").await;
}

#[tokio::test]
async fn a_person_discord_will_not_let_the_bot_dm_is_reported_and_the_deputy_is_paged() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    ws.fail_dms_to(
        ALICE,
        403,
        json!({"message": "Cannot send messages to this user", "code": 50007}),
    );

    let interaction = open(&ws, "Refunds are stuck");
    reply_to(&ws, &bot, &interaction).await;
    expect_admin_alert(&ws, &bot, &["cannot\\_message\\_user", "INC-1"]).await;
    expect(&ws, &bot, "the deputy's page", |ws| {
        !dms(ws, BOB).is_empty()
    })
    .await;
    assert!(dms(&ws, ALICE).is_empty());
}

#[tokio::test]
async fn a_lasting_5xx_is_reported_to_admins_and_the_root_follows_when_it_ends() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let path = format!("/channels/{INCIDENTS}/messages");
    for _ in 0..5 {
        ws.fail_next(Method::POST, &path, 502, json!({"message": "Bad Gateway"}));
    }

    let interaction = open(&ws, "Card terminals offline");
    reply_to(&ws, &bot, &interaction).await;
    expect_admin_alert(&ws, &bot, &["keeps failing", "INC-1"]).await;
    assert!(
        ws.wait_until(Duration::from_secs(60), |ws| root(ws).is_some())
            .await,
        "the root message never followed; log:\n{}",
        bot.log_text()
    );
    let refused = posts_to(&ws, &path);
    assert_eq!(refused, 6, "five refusals, then the post");
    assert_eq!(ws.messages_in(INCIDENTS).len(), 1);
}

// ---- oversized input ----

/// Discord's limits on every message body the bot sent: 2,000 characters of content;
/// embeds with a title of 256, a description of 4,096, fields of 256 and 1,024, a footer
/// of 2,048 and 6,000 characters in all.
fn assert_within_discord_limits(ws: &DiscordWorkspace) {
    let chars = |value: &serde_json::Value| value.as_str().map_or(0, |text| text.chars().count());
    for call in ws.calls() {
        let body = if call.body["data"].is_object() {
            &call.body["data"]
        } else {
            &call.body
        };
        assert!(
            chars(&body["content"]) <= 2_000,
            "{} {}",
            call.method,
            call.path
        );
        for embed in body["embeds"].as_array().into_iter().flatten() {
            let mut total = chars(&embed["title"]) + chars(&embed["description"]);
            assert!(chars(&embed["title"]) <= 256);
            assert!(chars(&embed["description"]) <= 4_096);
            assert!(chars(&embed["footer"]["text"]) <= 2_048);
            total += chars(&embed["footer"]["text"]);
            for field in embed["fields"].as_array().into_iter().flatten() {
                assert!(chars(&field["name"]) <= 256 && chars(&field["value"]) <= 1_024);
                total += chars(&field["name"]) + chars(&field["value"]);
            }
            assert!(
                total <= 6_000,
                "an embed of {total} characters in {}",
                call.path
            );
        }
    }
}

#[tokio::test]
async fn every_message_about_a_huge_korean_summary_stays_within_discords_limits() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    // Discord's client stops at the option's max_length, but the API does not promise it.
    let summary = "결제 승인 API가 간헐적으로 502를 반환하고 재시도도 실패해요 🔥 ".repeat(250);
    let interaction = open(&ws, &summary);
    let reply = reply_to(&ws, &bot, &interaction).await;
    assert!(reply.contains("INC-1"), "{reply}");
    expect(&ws, &bot, "the deputy's page", |ws| {
        !dms(ws, BOB).is_empty()
    })
    .await;
    let root = root(&ws).expect("the root message");
    assert!(root.text().contains("결제 승인"), "{}", root.text());
    assert_within_discord_limits(&ws);
}

#[tokio::test]
async fn a_dropped_gateway_connection_is_resumed_and_events_sent_meanwhile_arrive() {
    let (ws, _dir, bot) = started(INCIDENTS).await;

    ws.drop_connection();
    // Sent while the bot has no connection: Discord keeps it for the resumed session.
    let interaction = open(&ws, "Payments queue stuck during the outage");
    expect_resumed(&ws, &bot).await;
    let reply = reply_to(&ws, &bot, &interaction).await;
    assert!(reply.contains("INC-1"), "{reply}");
}

/// Every message shown for the interaction with `token`: the edited response, then the
/// private follow-ups, in order.
fn replies_with_token(ws: &DiscordWorkspace, token: &str) -> Vec<String> {
    ws.calls()
        .into_iter()
        .filter(|call| {
            call.path.contains(token)
                && ((call.method == "PATCH" && call.path.ends_with("/messages/@original"))
                    || (call.method == "POST" && call.path.ends_with(token)))
        })
        .map(|call| call.body["content"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn people_and_admin_commands_work_on_discord_and_a_long_export_comes_in_parts() {
    // Criteria as long as a real company's make the exported policy longer than one
    // Discord message.
    let ws = workspace().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &ws.base_url(), INCIDENTS, KNOWLEDGE);
    let severities = config.join("severities.toml");
    let long_criteria: Vec<String> = (1..=30)
        .map(|n| format!("\"Customers in region {n} cannot pay by card, transfer or wallet\""))
        .collect();
    let text = std::fs::read_to_string(&severities).unwrap().replace(
        r#"criteria = ["Customers cannot pay"]"#,
        &format!(
            r#"criteria = ["Customers cannot pay", {}]"#,
            long_criteria.join(", ")
        ),
    );
    std::fs::write(&severities, text).unwrap();
    let bot = spawn(&ws, &config, dir.path().join("bot.log")).await;

    // `/escalate` has the people's commands; `/escalate-admin` is shown only to members
    // who may manage the server.
    let commands = ws.commands();
    let names: Vec<&str> = commands[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|option| option["name"].as_str())
        .collect();
    for verb in ["why", "criteria", "kb", "away", "stats"] {
        assert!(names.contains(&verb), "{verb} missing from {names:?}");
    }
    let admin = commands
        .iter()
        .find(|command| command["name"] == "escalate-admin")
        .expect("the admin command is registered");
    assert_eq!(admin["default_member_permissions"], "32");

    // Anyone can read the criteria.
    let criteria = ws.slash(REPORTER, PAYMENTS, "criteria", json!([]));
    let text = reply_to(&ws, &bot, &criteria).await;
    assert!(text.contains("Customers cannot pay"), "{text}");

    // Someone who is not an admin is refused, and nothing changes.
    let refused = ws.slash_admin(BOB, PAYMENTS, "admins add bob");
    let text = reply_to(&ws, &bot, &refused).await;
    assert!(text.contains("Only admins can do that"), "{text}");
    let shown = ws.slash_admin(CAROL, PAYMENTS, "show");
    let text = reply_to(&ws, &bot, &shown).await;
    assert!(
        !text.contains("bob") || !text.contains("Admins: carol, bob"),
        "{text}"
    );

    // An admin's export is longer than one Discord message: it comes in several, each
    // within the limit and each with whole code blocks, and together they hold every file.
    let export = ws.slash_admin(CAROL, PAYMENTS, "export");
    let first = reply_to(&ws, &bot, &export).await;
    let token = token_of(&ws, &export).unwrap();
    let started_at = std::time::Instant::now();
    let parts = loop {
        let parts = replies_with_token(&ws, &token);
        assert!(
            started_at.elapsed() < PATIENCE,
            "the export never arrived whole: {parts:#?}"
        );
        let joined = parts.join("\n");
        // The last step of the last file ends the export.
        if joined.contains(r#"ack_within = "30s""#) {
            break parts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(parts[0], first);
    assert!(parts.len() > 1, "{parts:#?}");
    let joined = parts.join("\n");
    assert!(joined.chars().count() > 2000);
    for file in [
        "escalator.toml",
        "people.toml",
        "severities.toml",
        "teams.toml",
    ] {
        assert!(joined.contains(file), "{file} missing");
    }
    for part in &parts {
        assert!(part.chars().count() <= 2000, "{part}");
        let fences = part.lines().filter(|line| line.starts_with("```")).count();
        assert_eq!(fences % 2, 0, "{part}");
    }
}

#[tokio::test]
async fn pages_queued_for_one_person_arrive_as_one_digest_with_a_button_per_incident() {
    let (ws, _dir, bot) = started(INCIDENTS).await;
    let interaction = open(&ws, "Storm 1");
    reply_to(&ws, &bot, &interaction).await;
    expect(&ws, &bot, "the first DM page", |ws| {
        !dms(ws, ALICE).is_empty()
    })
    .await;
    let channel = ws.dm_channel(ALICE).expect("the DM is open");

    // Alice's next direct message is held back for a second and a half; the pages
    // queued meanwhile go together.
    ws.fail_next(
        Method::POST,
        &format!("/channels/{channel}/messages"),
        429,
        json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false}),
    );
    for n in 2..=5 {
        open(&ws, &format!("Storm {n}"));
    }
    let is_digest = |m: &Posted| {
        let ids = m.button_ids();
        ids.len() >= 2 && ids.iter().all(|id| id.starts_with("ack:"))
    };
    expect(&ws, &bot, "a digest", |ws| {
        dms(ws, ALICE).iter().any(is_digest)
    })
    .await;
    let digest = dms(&ws, ALICE).into_iter().find(is_digest).unwrap();
    let ids = digest.button_ids();
    for id in &ids {
        let incident = id.replace("ack:", "INC-");
        assert!(digest.text().contains(&incident), "{}", digest.text());
    }
    let mut distinct = ids.clone();
    distinct.dedup();
    assert_eq!(distinct, ids, "one button per incident");

    // A reaction cannot say which incident it means: it is answered in the DM.
    ws.react(ALICE, &digest, &Emoji::Unicode("👀".into()));
    expect(&ws, &bot, "the answer to the reaction", |ws| {
        dms(ws, ALICE)
            .iter()
            .any(|m| m.text().contains("several incidents"))
    })
    .await;

    // Each button takes over its own incident only: the next one is still open.
    for id in ids.iter().take(2) {
        let click = ws.click(ALICE, &digest, id);
        let reply = reply_to(&ws, &bot, &click).await;
        let incident = id.replace("ack:", "INC-");
        assert!(
            reply.contains(&format!("{incident} is yours now")),
            "{reply}"
        );
    }
}
