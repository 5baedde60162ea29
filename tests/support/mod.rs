//! Shared helpers for end-to-end tests: a local Slack workspace with scripted people, a
//! config folder pointing at it, and the real `escalator` binary run against both.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use escalator::adapters::respond::Responder;
use escalator::adapters::slack::client::{connect, Token};
use escalator::adapters::slack::inbound::SlackInbound;
use escalator::config::Config;
use escalator::engine::Platform;
use escalator::ports::SystemClock;
use escalator::runtime::Escalator;
use escalator::store::{Store, StoreOptions};
use escalator::workspace::{
    ChannelMessage, SlackWorkspace, WorkspaceChannel, WorkspaceOptions, WorkspaceSetup,
    WorkspaceUser,
};
use secrecy::SecretString;
use serde_json::Value;

pub const BOT: &str = "UBOT";
pub const REPORTER: &str = "UREPORTER";
pub const ALICE: &str = "UALICE";
pub const BOB: &str = "UBOB";
pub const CAROL: &str = "UCAROL";
pub const GUEST: &str = "UGUEST";
pub const FRANK: &str = "UFRANK";
pub const PAYMENTS: &str = "CPAYMENTS";
pub const INCIDENTS: &str = "CINCIDENTS";
pub const KNOWLEDGE: &str = "CKNOWLEDGE";
// A made-up token, long enough to be found in a log if it ever leaked there.
pub const BOT_TOKEN: &str = "xoxb-test_bot_token_0123456789";
pub const APP_TOKEN: &str = "xapp-test-app-token-0123456789";
pub const SIGNING_SECRET: &str = "test-signing-secret-0123456789";

/// How long a test waits for something the bot should do.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The workspace: a reporter, Alice (team lead, deputy Bob), Bob, Carol (head of
/// engineering), Frank (on another team) and a guest who is not in the policy.
pub async fn workspace(options: WorkspaceOptions) -> SlackWorkspace {
    let setup = WorkspaceSetup::new("TTEST", BOT, "ATEST")
        .with_user(WorkspaceUser::new(
            REPORTER,
            "rita",
            "Rita Reporter",
            "Europe/Berlin",
        ))
        .with_user(WorkspaceUser::new(
            ALICE,
            "alice",
            "Alice Kim",
            "Europe/Berlin",
        ))
        .with_user(WorkspaceUser::new(BOB, "bob", "Bob Lee", "Europe/Berlin"))
        .with_user(WorkspaceUser::new(
            CAROL,
            "carol",
            "Carol Diaz",
            "America/New_York",
        ))
        .with_user(WorkspaceUser::new(FRANK, "frank", "Frank Ng", "Asia/Seoul"))
        .with_user(WorkspaceUser::new(GUEST, "guest", "Guest User", "UTC"))
        .with_channel(WorkspaceChannel::new(PAYMENTS, "payments"))
        .with_channel(WorkspaceChannel::new(INCIDENTS, "incidents"))
        .with_channel(WorkspaceChannel::new(KNOWLEDGE, "knowledge"))
        .with_channel(WorkspaceChannel::new("CPLATFORM", "platform"))
        .with_channel(WorkspaceChannel::new("CPLATINC", "platform-incidents"))
        .with_tokens(BOT_TOKEN, APP_TOKEN)
        .with_options(options);
    SlackWorkspace::start(setup)
        .await
        .expect("workspace starts")
}

/// Timings of the sev1 path's first step.
#[derive(Clone, Copy)]
pub struct Timing {
    pub ack_seconds: u64,
    pub repages: u32,
    pub repage_seconds: u64,
}

impl Timing {
    pub const QUICK: Timing = Timing {
        ack_seconds: 3,
        repages: 1,
        repage_seconds: 1,
    };

    /// One step that waits `ack_seconds` for an acknowledgement and never re-pages.
    pub const fn no_repage(ack_seconds: u64) -> Timing {
        Timing {
            ack_seconds,
            repages: 0,
            repage_seconds: 0,
        }
    }
}

/// A workspace that never redelivers an event by itself: the bot sees exactly what the
/// test sends.
pub fn no_redelivery() -> WorkspaceOptions {
    WorkspaceOptions {
        redelivery_timeout: None,
        ..WorkspaceOptions::default()
    }
}

/// A config folder for the workspace in `dir`, data in `dir/data`.
pub fn write_config(
    dir: &Path,
    api_base_url: &str,
    mode: &str,
    listen: &str,
    timing: Timing,
) -> PathBuf {
    let config = dir.join("bot-config");
    std::fs::create_dir_all(&config).unwrap();
    let data = dir.join("data");
    let settings = format!(
        r#"[slack]
mode = "{mode}"
api_base_url = "{api_base_url}"
bot_token_env = "TEST_SLACK_BOT_TOKEN"
app_token_env = "TEST_SLACK_APP_TOKEN"
signing_secret_env = "TEST_SLACK_SIGNING_SECRET"

[http]
listen = "{listen}"

[storage]
data_dir = "{data}"
cache_mb = 8

[policy]
admins = ["carol"]
default_locale = "en"
ack_emoji = ["eyes"]
resolve_emoji = ["white_check_mark"]
fix_note_reminder_every = "1h"
criteria_review_every = "90d"
"#,
        data = data.display()
    );
    std::fs::write(config.join("escalator.toml"), settings).unwrap();
    std::fs::write(
        config.join("teams.toml"),
        r#"[[team]]
id = "payments"
name = "Payments"

[team.slack]
channels = ["CPAYMENTS"]
incident_channel = "CINCIDENTS"
knowledge_channel = "CKNOWLEDGE"

[[team]]
id = "platform"
name = "Platform"

[team.slack]
channels = ["CPLATFORM"]
incident_channel = "CPLATINC"
knowledge_channel = "CKNOWLEDGE2"
"#,
    )
    .unwrap();
    std::fs::write(
        config.join("people.toml"),
        r#"[[person]]
id = "alice"
name = "Alice Kim"
slack = "UALICE"
positions = ["payments/team-lead"]
deputy = "bob"

[[person]]
id = "bob"
name = "Bob Lee"
slack = "UBOB"
positions = ["payments/engineer"]

[[person]]
id = "carol"
name = "Carol Diaz"
slack = "UCAROL"
positions = ["head-of-eng"]

[[person]]
id = "frank"
name = "Frank Ng"
slack = "UFRANK"
positions = ["platform/team-lead"]
locale = "ko"
"#,
    )
    .unwrap();
    let severities = format!(
        r#"[[severity]]
id = "sev1"
name = "Critical"
criteria = ["Customers cannot pay"]
counter_examples = ["One card declined"]

[[severity.path]]
steps = [
  {{ position = "team-lead", means = ["thread", "dm"], ack_within = "{ack}s"{repeat} }},
  {{ position = "head-of-eng", means = ["dm"], ack_within = "30s" }},
]

[[severity]]
id = "sev2"
name = "Major"
criteria = ["A feature is broken for many"]
counter_examples = ["A typo"]

[[severity.path]]
steps = [
  {{ position = "team-lead", means = ["thread"], ack_within = "60s" }},
]
"#,
        ack = timing.ack_seconds,
        repeat = if timing.repages > 0 {
            format!(
                ", repages = {}, repage_every = \"{}s\"",
                timing.repages, timing.repage_seconds
            )
        } else {
            String::new()
        },
    );
    std::fs::write(config.join("severities.toml"), severities).unwrap();
    config
}

/// A Socket Mode config for `workspace` in `dir`, its ops server on any free port.
pub fn socket_config(workspace: &SlackWorkspace, dir: &Path, timing: Timing) -> PathBuf {
    write_config(
        dir,
        &workspace.api_base_url(),
        "socket",
        "127.0.0.1:0",
        timing,
    )
}

/// The runtime on a Socket Mode config for `workspace` in `dir`, run in this process
/// rather than as the binary: for tests that call the inbound handlers themselves.
pub fn runtime_in_process(workspace: &SlackWorkspace, dir: &Path) -> Arc<Escalator> {
    let config = Config::load(socket_config(workspace, dir, Timing::QUICK)).unwrap();
    let store = Store::open(
        &dir.join("data"),
        StoreOptions {
            cache_bytes: 8 << 20,
        },
    )
    .unwrap();
    Escalator::new(store, Arc::new(config.policy), Arc::new(SystemClock))
}

/// The Slack handlers of the bot on `escalator`, calling `workspace`'s Web API.
pub fn slack_inbound(escalator: Arc<Escalator>, workspace: &SlackWorkspace) -> Arc<SlackInbound> {
    Arc::new(SlackInbound::new(
        Responder::new(escalator, Platform::Slack),
        connect(&workspace.api_base_url()),
        Token::new(SecretString::from(BOT_TOKEN)),
        BOT.to_owned(),
    ))
}

/// Changes `from` to `to` in the config's `escalator.toml`.
pub fn edit_settings(config: &Path, from: &str, to: &str) {
    let settings = config.join("escalator.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    assert!(text.contains(from), "{from:?} is not in the settings");
    std::fs::write(&settings, text.replace(from, to)).unwrap();
}

/// The bot on `config`, logging to `log`, once it has connected to `workspace`.
pub async fn spawn_connected(workspace: &SlackWorkspace, config: &Path, log: &Path) -> BotProcess {
    let bot = spawn_bot(config, log);
    assert!(
        workspace.wait_for_connections(1, PATIENCE).await,
        "the bot never connected; log:\n{}",
        bot.log_text()
    );
    bot
}

/// A workspace with `options` and the bot connected to it over Socket Mode, its config
/// in `bot-config` and its log in `bot.log` in the returned folder.
pub async fn started_with(
    options: WorkspaceOptions,
    timing: Timing,
) -> (SlackWorkspace, tempfile::TempDir, BotProcess) {
    let workspace = workspace(options).await;
    let dir = tempfile::tempdir().unwrap();
    let config = socket_config(&workspace, dir.path(), timing);
    let bot = spawn_connected(&workspace, &config, &dir.path().join("bot.log")).await;
    (workspace, dir, bot)
}

/// A free port on 127.0.0.1 for the bot's HTTP listener.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real binary, `escalator run`, with the test tokens in its environment.
pub struct BotProcess {
    pub child: Child,
    pub log: PathBuf,
}

pub fn spawn_bot(config: &Path, log: &Path) -> BotProcess {
    let log_file = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["run", "--config"])
        .arg(config)
        .env("TEST_SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("TEST_SLACK_APP_TOKEN", APP_TOKEN)
        .env("TEST_SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .expect("escalator starts");
    BotProcess {
        child,
        log: log.to_owned(),
    }
}

impl BotProcess {
    /// Kills the bot without warning, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the bot to stop (SIGTERM) and waits for it; fails the test if it does not
    /// stop within ten seconds.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        // Waiting asynchronously keeps the workspace (on this test's runtime) answering
        // the bot's last calls while it shuts down.
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.kill();
        panic!("the bot did not stop on SIGTERM; log:\n{}", self.log_text());
    }

    pub fn log_text(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for `check`, failing the test with `what` when it does not hold in time.
pub async fn expect(
    workspace: &SlackWorkspace,
    what: &str,
    check: impl Fn(&SlackWorkspace) -> bool,
) {
    assert!(
        workspace.wait_until(PATIENCE, check).await,
        "timed out waiting for {what}"
    );
}

/// The reporter escalates "sev1 Checkout is down" from #payments.
pub async fn report_checkout_down(workspace: &SlackWorkspace) {
    workspace
        .slash_command(REPORTER, PAYMENTS, "sev1 Checkout is down")
        .await
        .unwrap();
}

/// Waits for a direct message to the admin Carol and returns the first one's text.
pub async fn first_admin_alert(workspace: &SlackWorkspace) -> String {
    expect(workspace, "the admin's alert", |ws| {
        !ws.dms(CAROL).is_empty()
    })
    .await;
    workspace.dms(CAROL)[0].text.clone()
}

/// The incident's root message in the incident channel.
pub fn root(workspace: &SlackWorkspace) -> Option<ChannelMessage> {
    workspace
        .messages(INCIDENTS)
        .into_iter()
        .find(|message| message.is_bot && message.thread_ts.is_none())
}

/// The thread under the root message.
pub fn thread(workspace: &SlackWorkspace) -> Vec<ChannelMessage> {
    match root(workspace) {
        Some(root) => workspace
            .thread(INCIDENTS, &root.ts)
            .into_iter()
            .filter(|message| message.ts != root.ts)
            .collect(),
        None => Vec::new(),
    }
}

/// How many thread messages contain `text`.
pub fn thread_count(workspace: &SlackWorkspace, text: &str) -> usize {
    thread(workspace)
        .iter()
        .filter(|m| m.text.contains(text))
        .count()
}

/// The ephemeral texts `user` has seen.
pub fn ephemeral_texts(workspace: &SlackWorkspace, user: &str) -> Vec<String> {
    workspace
        .ephemerals(user)
        .into_iter()
        .map(|m| m.text)
        .collect()
}

/// Slack's limits on every message the bot sent: 40,000 characters of text, 50 blocks,
/// 3,000 per section text, 150 per header, 75 per button label.
pub fn assert_within_slack_limits(workspace: &SlackWorkspace) {
    let chars = |value: &Value| value.as_str().map_or(0, |text| text.chars().count());
    for call in workspace.calls() {
        if !call.method.starts_with("chat.") {
            continue;
        }
        assert!(chars(&call.params["text"]) <= 40_000, "{}", call.method);
        let blocks = match &call.params["blocks"] {
            Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            other => other.clone(),
        };
        let blocks = blocks.as_array().cloned().unwrap_or_default();
        assert!(blocks.len() <= 50, "{} blocks", blocks.len());
        for block in &blocks {
            let limit = if block["type"] == "header" {
                150
            } else {
                3_000
            };
            assert!(chars(&block["text"]["text"]) <= limit, "{block}");
            for element in block["elements"].as_array().into_iter().flatten() {
                let limit = if element["type"] == "button" {
                    75
                } else {
                    3_000
                };
                assert!(chars(&element["text"]["text"]) <= limit, "{element}");
            }
        }
    }
}
