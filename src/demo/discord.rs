//! `escalator demo --platform discord`: the same script as the Slack demo, on a local
//! Discord-compatible server.
//!
//! The config is the Slack demo's, rewritten for Discord: a `[discord]` table pointing at
//! the local server, the team's Discord channels (the knowledge channel is a forum), and
//! Discord accounts for the people.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::json;

use crate::bot::Secrets;
use crate::workspace::discord::{DiscordSetup, DiscordUser, DiscordWorkspace, Emoji, Posted};

use super::{
    done_or_stalled, narrate, play, quoted, set_up, write_files, DemoError, PEOPLE_TOML,
    SEVERITIES_TOML, STEP_TIMEOUT,
};

const GUILD: &str = "1000000000000000001";
const APPLICATION: &str = "1100000000000000001";
const BOT: &str = "1000000000000000999";
const TOKEN: &str = "discord-demo-bot-token";
const PAYMENTS: &str = "1000000000000000010";
const INCIDENTS: &str = "1000000000000000011";
const KNOWLEDGE: &str = "1000000000000000012";

/// The demo's people: Slack id in the embedded config, Discord id and name here.
const PEOPLE: &[(&str, &str, &str)] = &[
    ("U01MINJI", "1000000000000000100", "minji"),
    ("U01ALICE", "1000000000000000101", "alice"),
    ("U01BOB", "1000000000000000102", "bob"),
    ("U01CAROL", "1000000000000000103", "carol"),
    ("U01DAVE", "1000000000000000104", "dave"),
];

fn discord_id(name: &str) -> &'static str {
    PEOPLE
        .iter()
        .find(|(_, _, known)| *known == name)
        .map(|(_, id, _)| *id)
        .unwrap_or(BOT)
}

fn setup() -> DiscordSetup {
    let user = |id: &str, name: &str| DiscordUser {
        id: id.to_owned(),
        name: name.to_owned(),
    };
    DiscordSetup {
        guild: GUILD.to_owned(),
        bot: user(BOT, "escalator"),
        application: APPLICATION.to_owned(),
        token: TOKEN.to_owned(),
        users: PEOPLE.iter().map(|(_, id, name)| user(id, name)).collect(),
        channels: vec![
            (PAYMENTS.to_owned(), "payments".to_owned(), 0),
            (INCIDENTS.to_owned(), "incidents".to_owned(), 0),
            (KNOWLEDGE.to_owned(), "knowledge".to_owned(), 15),
        ],
    }
}

fn write_config(dir: &Path, base_url: &str, data_dir: &Path) -> Result<(), DemoError> {
    let settings = format!(
        "[discord]\napi_base_url = {}\ntoken_env = \"ESCALATOR_DEMO_DISCORD_TOKEN\"\n\
         application_id = \"{APPLICATION}\"\nguild_id = \"{GUILD}\"\n\n\
         [http]\nlisten = \"127.0.0.1:0\"\n\n\
         [storage]\ndata_dir = {}\ncache_mb = 16\n\n\
         [policy]\nadmins = [\"carol\"]\ndefault_locale = \"en\"\n\
         ack_emoji = [\"eyes\", \"white_check_mark\"]\nresolve_emoji = [\"heavy_check_mark\"]\n\
         fix_note_reminder_every = \"20s\"\ncriteria_review_every = \"90d\"\n",
        quoted(base_url),
        quoted(&data_dir.to_string_lossy()),
    );
    let teams = format!(
        "[[team]]\nid = \"payments\"\nname = \"Payments\"\n\n[team.discord]\n\
         channels = [\"{PAYMENTS}\"]\nincident_channel = \"{INCIDENTS}\"\n\
         knowledge_channel = \"{KNOWLEDGE}\"\n"
    );
    let mut people = PEOPLE_TOML.to_owned();
    for (slack, discord, _) in PEOPLE {
        people = people.replace(
            &format!("slack = \"{slack}\""),
            &format!("discord = \"{discord}\""),
        );
    }
    write_files(
        dir,
        &[
            ("escalator.toml", &settings),
            ("teams.toml", &teams),
            ("people.toml", &people),
            ("severities.toml", SEVERITIES_TOML),
        ],
    )
}

async fn wait(
    workspace: &DiscordWorkspace,
    what: &'static str,
    check: impl Fn(&DiscordWorkspace) -> bool,
) -> Result<(), DemoError> {
    done_or_stalled(workspace.wait_until(STEP_TIMEOUT, check).await, what)
}

fn dms(workspace: &DiscordWorkspace, user: &str) -> Vec<Posted> {
    workspace
        .dm_channel(user)
        .map(|channel| workspace.messages_in(&channel))
        .unwrap_or_default()
}

fn root(workspace: &DiscordWorkspace) -> Option<Posted> {
    workspace.messages_in(INCIDENTS).into_iter().next()
}

/// Runs the Discord demo; `data` keeps the bot's data there.
pub async fn run(data: Option<PathBuf>) -> Result<(), DemoError> {
    let started = Instant::now();
    let workspace = DiscordWorkspace::start(setup())
        .await
        .map_err(|error| DemoError::Workspace(error.to_string()))?;
    let place = format!("a local Discord server on {}", workspace.base_url());
    let (_scratch, config) = set_up(data, &place, |config_dir, data_dir| {
        write_config(config_dir, &workspace.base_url(), data_dir)
    })?;
    let mut events = workspace.events();
    let feed = tokio::spawn(async move {
        while let Ok(line) = events.recv().await {
            println!("[{:>5.1}s] {line}", started.elapsed().as_secs_f64());
        }
    });
    let secrets = Secrets {
        slack: None,
        discord: Some(SecretString::from(TOKEN)),
    };
    // The script names incident 1's buttons: the demo runs on fresh data.
    let workspace = &workspace;
    play(config, secrets, started, feed, move |_| {
        script(workspace, started)
    })
    .await
}

async fn script(workspace: &DiscordWorkspace, started: Instant) -> Result<(), DemoError> {
    let (minji, alice, bob) = (discord_id("minji"), discord_id("alice"), discord_id("bob"));
    narrate(
        started,
        "Minji (payments engineer) escalates from #payments",
    );
    workspace.slash(
        minji,
        PAYMENTS,
        "open",
        json!([
            {"name": "severity", "type": 3, "value": "sev1"},
            {"name": "summary", "type": 3, "value": "Card payments fail with 502 at checkout"},
        ]),
    );
    wait(workspace, "the page to Alice", |ws| {
        !dms(ws, alice).is_empty()
    })
    .await?;

    narrate(
        started,
        "Alice, the team lead, is in a meeting and does not answer",
    );
    wait(workspace, "the re-page to Alice", |ws| {
        dms(ws, alice).len() >= 2
    })
    .await?;
    wait(workspace, "the page to Alice's deputy Bob", |ws| {
        !dms(ws, bob).is_empty()
    })
    .await?;

    narrate(started, "Bob reacts with 👀 on the page he got");
    let page = dms(workspace, bob)
        .last()
        .cloned()
        .ok_or(DemoError::Stalled("Bob's page"))?;
    let root = root(workspace).ok_or(DemoError::Stalled("the incident's root message"))?;
    let thread = root.id.clone();
    let is_taken = |ws: &DiscordWorkspace| {
        ws.messages_in(&thread)
            .iter()
            .any(|m| m.text().contains(&format!("<@{bob}> has taken over")))
    };
    // The page shows a moment before the bot has recorded it as the incident's; a
    // reaction in that moment is not linked yet, so Bob reacts again, as a person would.
    for _ in 0..10 {
        workspace.react(bob, &page, &Emoji::Unicode("👀".to_owned()));
        if workspace.wait_until(Duration::from_secs(2), is_taken).await {
            break;
        }
    }
    wait(workspace, "the hand-over to Bob", is_taken).await?;

    narrate(started, "Bob rolls the gateway back and presses Resolve");
    workspace.click(bob, &root, "resolve:1");
    wait(workspace, "the request for a fix note", |ws| {
        ws.messages_in(&thread)
            .iter()
            .any(|m| m.button_ids().iter().any(|id| id == "fix:1"))
    })
    .await?;

    narrate(started, "Bob presses Post fix and fills in the form");
    workspace.click(bob, &root, "fix:1");
    tokio::time::sleep(Duration::from_millis(300)).await;
    workspace.submit(
        bob,
        INCIDENTS,
        "fix-note:1",
        &[
            (
                "summary",
                "Checkout returned 502 after a gateway config change",
            ),
            (
                "cause",
                "A new TLS setting on the payment gateway rejected the provider's certificate",
            ),
            (
                "fix",
                "Rolled the gateway config back to the previous version",
            ),
            (
                "prevention",
                "Run the checkout smoke test before gateway config changes go live",
            ),
            ("links", ""),
        ],
    );
    wait(workspace, "the fix note in the knowledge forum", |ws| {
        !ws.messages_in(KNOWLEDGE).is_empty()
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}
