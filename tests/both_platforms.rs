//! Slack and Discord configured at once: one `escalator` process on one store serves
//! both, and each incident stays on the platform it was raised on.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use escalator::workspace::discord::{DiscordSetup, DiscordUser, DiscordWorkspace};
use escalator::workspace::WorkspaceOptions;
use serde_json::json;
use support::*;

const GUILD: &str = "1000000000000000001";
const APPLICATION: &str = "1100000000000000001";
const DISCORD_BOT: &str = "1000000000000000999";
const DISCORD_REPORTER: &str = "1000000000000000100";
const DISCORD_ALICE: &str = "1000000000000000101";
const DISCORD_PAYMENTS: &str = "1000000000000000010";
const DISCORD_INCIDENTS: &str = "1000000000000000011";
const DISCORD_KNOWLEDGE: &str = "1000000000000000012";
const DISCORD_TOKEN: &str = "discord-test-bot-token-0123456789";

fn write_config(dir: &std::path::Path, slack_url: &str, discord_url: &str) -> std::path::PathBuf {
    let config = dir.join("bot-config");
    std::fs::create_dir_all(&config).unwrap();
    let files = [
        (
            "escalator.toml",
            format!(
                r#"[slack]
mode = "socket"
api_base_url = "{slack_url}"
bot_token_env = "TEST_SLACK_BOT_TOKEN"
app_token_env = "TEST_SLACK_APP_TOKEN"

[discord]
api_base_url = "{discord_url}"
token_env = "TEST_DISCORD_TOKEN"
application_id = "{APPLICATION}"
guild_id = "{GUILD}"

[http]
listen = "127.0.0.1:0"

[storage]
data_dir = "{data}"
cache_mb = 8

[policy]
admins = ["alice"]
default_locale = "en"
ack_emoji = ["eyes"]
resolve_emoji = ["white_check_mark"]
fix_note_reminder_every = "1h"
criteria_review_every = "90d"
"#,
                data = dir.join("data").display()
            ),
        ),
        (
            "teams.toml",
            format!(
                r#"[[team]]
id = "payments"
name = "Payments"

[team.slack]
channels = ["{PAYMENTS}"]
incident_channel = "{INCIDENTS}"
knowledge_channel = "{KNOWLEDGE}"

[team.discord]
channels = ["{DISCORD_PAYMENTS}"]
incident_channel = "{DISCORD_INCIDENTS}"
knowledge_channel = "{DISCORD_KNOWLEDGE}"
"#
            ),
        ),
        (
            "people.toml",
            format!(
                r#"[[person]]
id = "alice"
name = "Alice Kim"
slack = "{ALICE}"
discord = "{DISCORD_ALICE}"
positions = ["payments/team-lead"]
"#
            ),
        ),
        (
            "severities.toml",
            r#"[[severity]]
id = "sev2"
name = "Major"
criteria = ["A feature is broken for many"]
counter_examples = ["A typo"]

[[severity.path]]
steps = [
  { position = "team-lead", means = ["thread", "dm"], ack_within = "60s" },
]
"#
            .to_owned(),
        ),
    ];
    for (name, text) in files {
        std::fs::write(config.join(name), text).unwrap();
    }
    config
}

#[tokio::test]
async fn one_process_serves_both_and_incidents_stay_on_their_platform() {
    let slack = workspace(WorkspaceOptions {
        redelivery_timeout: None,
        ..WorkspaceOptions::default()
    })
    .await;
    let user = |id: &str, name: &str| DiscordUser {
        id: id.into(),
        name: name.into(),
    };
    let discord = DiscordWorkspace::start(DiscordSetup {
        guild: GUILD.into(),
        bot: user(DISCORD_BOT, "escalator"),
        application: APPLICATION.into(),
        token: DISCORD_TOKEN.into(),
        users: vec![user(DISCORD_REPORTER, "rita"), user(DISCORD_ALICE, "alice")],
        channels: vec![
            (DISCORD_PAYMENTS.into(), "payments".into(), 0),
            (DISCORD_INCIDENTS.into(), "incidents".into(), 0),
            (DISCORD_KNOWLEDGE.into(), "knowledge".into(), 0),
        ],
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &slack.api_base_url(), &discord.base_url());
    let log = dir.path().join("bot.log");
    let child = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["run", "--config"])
        .arg(&config)
        .env("TEST_SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("TEST_SLACK_APP_TOKEN", APP_TOKEN)
        .env("TEST_DISCORD_TOKEN", DISCORD_TOKEN)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut bot = BotProcess { child, log };
    assert!(
        slack.wait_for_connections(1, PATIENCE).await,
        "{}",
        bot.log_text()
    );
    assert!(
        discord.wait_until(PATIENCE, |ws| ws.is_connected()).await,
        "{}",
        bot.log_text()
    );

    // INC-1 on Slack.
    slack
        .slash_command(REPORTER, PAYMENTS, "sev2 Exports are empty")
        .await
        .unwrap();
    expect(&slack, "the Slack root", |ws| root(ws).is_some()).await;

    // INC-2 on Discord, from the same store.
    discord.slash(
        DISCORD_REPORTER,
        DISCORD_PAYMENTS,
        "open",
        json!([{"name": "severity", "type": 3, "value": "sev2"}, {"name": "summary", "type": 3, "value": "Refunds are stuck"}]),
    );
    assert!(
        discord
            .wait_until(PATIENCE, |ws| !ws.messages_in(DISCORD_INCIDENTS).is_empty())
            .await,
        "{}",
        bot.log_text()
    );
    let discord_root = discord.messages_in(DISCORD_INCIDENTS)[0]
        .text()
        .trim()
        .to_owned();
    assert!(discord_root.starts_with("INC-2 · "), "{discord_root}");
    assert!(discord_root.contains("Refunds are stuck"), "{discord_root}");

    // Each platform saw only its own incident.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let slack_text: String = slack
        .messages(INCIDENTS)
        .iter()
        .map(|m| m.text.clone())
        .collect();
    assert!(slack_text.contains("INC-1"), "{slack_text}");
    assert!(!slack_text.contains("INC-2"), "{slack_text}");
    let discord_text: String = discord.messages().iter().map(|m| m.text()).collect();
    assert!(!discord_text.contains("INC-1"), "{discord_text}");

    assert!(bot.terminate().await.success(), "{}", bot.log_text());
}
