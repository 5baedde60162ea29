//! `escalator demo`: the real bot against a local Slack-compatible workspace, with
//! scripted people and short timeouts, printing the conversation as it unfolds.
//!
//! The demo writes its own `bot-config/` (embedded in the binary) to a temporary folder,
//! points Slack's API base URL at the workspace on 127.0.0.1, and starts the bot exactly
//! as `escalator run` does. Then the script plays one incident from report to fix note:
//! Minji escalates, Alice (the team lead) does not answer, the bot re-pages her and then
//! pages her deputy Bob, Bob takes it over with a reaction, resolves it with the button,
//! writes the fix note in the form, and Minji finds the note with a search.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tokio::sync::watch;

use crate::bot::{Bot, Secrets};
use crate::config::{Config, SlackSecrets};
use crate::engine::{IncidentId, State};
use crate::ports::SystemClock;
use crate::workspace::{SlackWorkspace, WorkspaceChannel, WorkspaceSetup, WorkspaceUser};

pub mod discord;

const ESCALATOR_TOML: &str = include_str!("bot-config/escalator.toml");
const TEAMS_TOML: &str = include_str!("bot-config/teams.toml");
pub(crate) const PEOPLE_TOML: &str = include_str!("bot-config/people.toml");
pub(crate) const SEVERITIES_TOML: &str = include_str!("bot-config/severities.toml");

const BOT: &str = "U01ESCBOT";
const MINJI: &str = "U01MINJI";
const ALICE: &str = "U01ALICE";
const BOB: &str = "U01BOB";
const PAYMENTS: &str = "C01PAYMENTS";
const INCIDENTS: &str = "C01INCIDENTS";
const KNOWLEDGE: &str = "C01KNOWLEDGE";

/// How long the script waits for any one thing before it gives up.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Writing the demo's files failed.
    #[error("could not write the demo config to {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The data folder given has no absolute form (the current folder is gone).
    #[error("could not resolve the data folder {path}: {source}")]
    DataFolder {
        /// The folder as given.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The embedded config did not load (a bug in the release).
    #[error("the demo config does not load: {0}")]
    Config(String),
    /// The workspace did not start.
    #[error("the local workspace did not start: {0}")]
    Workspace(String),
    /// The bot did not start.
    #[error(transparent)]
    Bot(#[from] crate::bot::BotError),
    /// Something expected did not happen in time.
    #[error("the demo stopped: {0} did not happen within {STEP_TIMEOUT:?}")]
    Stalled(&'static str),
}

fn workspace_setup() -> WorkspaceSetup {
    WorkspaceSetup::new("T01DEMO", BOT, "A01DEMO")
        .with_user(WorkspaceUser::new(
            MINJI,
            "minji",
            "Minji Park",
            "Asia/Seoul",
        ))
        .with_user(WorkspaceUser::new(
            ALICE,
            "alice",
            "Alice Kim",
            "Europe/Berlin",
        ))
        .with_user(WorkspaceUser::new(BOB, "bob", "Bob Lee", "Europe/Berlin"))
        .with_user(WorkspaceUser::new(
            "U01CAROL",
            "carol",
            "Carol Diaz",
            "America/New_York",
        ))
        .with_user(WorkspaceUser::new(
            "U01DAVE",
            "dave",
            "Dave Okafor",
            "America/New_York",
        ))
        .with_channel(WorkspaceChannel::new(PAYMENTS, "payments"))
        .with_channel(WorkspaceChannel::new(INCIDENTS, "incidents"))
        .with_channel(WorkspaceChannel::new(KNOWLEDGE, "knowledge"))
        .with_tokens("xoxb-demo_bot_token", "xapp-demo-app-token")
}

/// Writes the embedded config into `dir`, pointed at `api_base_url` and `data_dir`.
fn write_config(dir: &Path, api_base_url: &str, data_dir: &Path) -> Result<(), DemoError> {
    let settings = ESCALATOR_TOML
        .replace(
            "api_base_url = \"http://127.0.0.1:0/api\"",
            &format!("api_base_url = {}", quoted(api_base_url)),
        )
        .replace(
            "data_dir = \"data\"",
            &format!("data_dir = {}", quoted(&data_dir.to_string_lossy())),
        );
    write_files(
        dir,
        &[
            ("escalator.toml", &settings),
            ("teams.toml", TEAMS_TOML),
            ("people.toml", PEOPLE_TOML),
            ("severities.toml", SEVERITIES_TOML),
        ],
    )
}

/// `text` as a TOML string, quoted and escaped.
pub(crate) fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Creates `dir` and writes each `(name, text)` file in it.
pub(crate) fn write_files(dir: &Path, files: &[(&str, &str)]) -> Result<(), DemoError> {
    std::fs::create_dir_all(dir).map_err(|source| DemoError::Write {
        path: dir.to_owned(),
        source,
    })?;
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| DemoError::Write { path, source })?;
    }
    Ok(())
}

/// A temporary folder with the config that `write` puts in its `bot-config`, and the data
/// folder: `data`, or `data` in the temporary folder. Prints where the demo runs.
pub(crate) fn set_up(
    data: Option<PathBuf>,
    place: &str,
    write: impl FnOnce(&Path, &Path) -> Result<(), DemoError>,
) -> Result<(tempfile::TempDir, Config), DemoError> {
    let scratch = tempfile::tempdir().map_err(|source| DemoError::Write {
        path: std::env::temp_dir(),
        source,
    })?;
    // The config is written in the temporary folder, where a relative path would be
    // read from: a folder given relative to where the demo runs is made absolute first.
    let data_dir = match data {
        Some(dir) => std::path::absolute(&dir)
            .map_err(|source| DemoError::DataFolder { path: dir, source })?,
        None => scratch.path().join("data"),
    };
    let config_dir = scratch.path().join("bot-config");
    write(&config_dir, &data_dir)?;
    let config =
        Config::load(&config_dir).map_err(|errors| DemoError::Config(errors.to_string()))?;
    println!("Escalator demo: {place}");
    println!("Data folder: {}", data_dir.display());
    Ok((scratch, config))
}

/// Starts the bot, plays `script` for the incident it will open next, stops the bot and
/// the `feed`, and prints how the incident ended.
pub(crate) async fn play<S, F>(
    config: Config,
    secrets: Secrets,
    started: Instant,
    feed: tokio::task::JoinHandle<()>,
    script: S,
) -> Result<(), DemoError>
where
    S: FnOnce(IncidentId) -> F,
    F: std::future::Future<Output = Result<(), DemoError>>,
{
    let bot = Bot::start(config, secrets, Arc::new(SystemClock)).await?;
    let escalator = Arc::clone(bot.escalator());
    let (stop, mut stopped) = watch::channel(false);
    let running = tokio::spawn(bot.run(async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    }));

    // With --data pointing at an earlier demo's folder, this run's incident is not INC-1.
    let id = escalator
        .store()
        .upcoming_incident_id()
        .unwrap_or(IncidentId(1));
    let result = script(id).await;
    let incident = escalator.store().incident(id).ok().flatten();
    let _ = stop.send(true);
    let _ = running.await;
    feed.abort();
    result?;

    if let Some(incident) = incident {
        let closed = incident.state == State::Closed;
        println!();
        println!(
            "Done in {:.1}s: {} is {}, fix note {}.",
            started.elapsed().as_secs_f64(),
            incident.id,
            incident.state,
            if closed { "captured" } else { "missing" }
        );
    }
    Ok(())
}

/// `Ok` when `done`, else the demo stalled on `what`.
pub(crate) fn done_or_stalled(done: bool, what: &'static str) -> Result<(), DemoError> {
    if done {
        Ok(())
    } else {
        Err(DemoError::Stalled(what))
    }
}

/// Prints the workspace's conversation with the time since the demo started.
fn print_feed(workspace: &SlackWorkspace, started: Instant) -> tokio::task::JoinHandle<()> {
    let mut events = workspace.events();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => println!("[{:>5.1}s] {event}", started.elapsed().as_secs_f64()),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    println!("({missed} workspace events not shown)");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    })
}

pub(crate) fn narrate(started: Instant, text: &str) {
    println!("[{:>5.1}s] ▶ {text}", started.elapsed().as_secs_f64());
}

async fn wait(
    workspace: &SlackWorkspace,
    what: &'static str,
    check: impl Fn(&SlackWorkspace) -> bool,
) -> Result<(), DemoError> {
    done_or_stalled(workspace.wait_until(STEP_TIMEOUT, check).await, what)
}

/// Runs the demo; `data` keeps the bot's data there instead of in a temporary folder.
pub async fn run(data: Option<PathBuf>) -> Result<(), DemoError> {
    let started = Instant::now();
    let workspace = SlackWorkspace::start(workspace_setup())
        .await
        .map_err(|error| DemoError::Workspace(error.to_string()))?;
    let place = format!("a local Slack workspace on {}", workspace.base_url());
    let (_scratch, config) = set_up(data, &place, |config_dir, data_dir| {
        write_config(config_dir, &workspace.api_base_url(), data_dir)
    })?;
    let feed = print_feed(&workspace, started);
    let secrets = Secrets {
        slack: Some(SlackSecrets {
            bot_token: SecretString::from("xoxb-demo_bot_token"),
            app_token: Some(SecretString::from("xapp-demo-app-token")),
            signing_secret: None,
        }),
        discord: None,
    };
    let workspace = &workspace;
    play(config, secrets, started, feed, move |id| async move {
        wait(workspace, "the bot connecting", |ws| {
            ws.connection_count() > 0
        })
        .await?;
        script(workspace, started, id).await
    })
    .await
}

async fn script(
    workspace: &SlackWorkspace,
    started: Instant,
    id: IncidentId,
) -> Result<(), DemoError> {
    let resolve = format!("resolve:{}", id.0);
    let post_fix = format!("fix:{}", id.0);
    let fail = |what: &'static str| move |_| DemoError::Stalled(what);

    narrate(
        started,
        "Minji (payments engineer) escalates from #payments",
    );
    workspace
        .slash_command(
            MINJI,
            PAYMENTS,
            "sev1 Card payments fail with 502 at checkout",
        )
        .await
        .map_err(fail("the slash command"))?;
    wait(workspace, "the page to Alice", |ws| {
        !ws.dms(ALICE).is_empty()
    })
    .await?;

    narrate(
        started,
        "Alice, the team lead, is in a meeting and does not answer",
    );
    wait(workspace, "the re-page to Alice", |ws| {
        ws.dms(ALICE).len() >= 2
    })
    .await?;
    wait(workspace, "the page to Alice's deputy Bob", |ws| {
        !ws.dms(BOB).is_empty()
    })
    .await?;

    narrate(started, "Bob reacts with :eyes: on the page he got");
    let page = workspace
        .dms(BOB)
        .last()
        .cloned()
        .ok_or(DemoError::Stalled("Bob's page"))?;
    workspace
        .react(BOB, &page.channel, &page.ts, "eyes")
        .await
        .map_err(fail("Bob's reaction"))?;
    let root = root_ts(workspace).ok_or(DemoError::Stalled("the incident's root message"))?;
    wait(workspace, "the hand-over to Bob", |ws| {
        thread_mentions(ws, &root, BOB)
    })
    .await?;
    pause().await;

    narrate(started, "Bob rolls the gateway back and presses Resolve");
    workspace
        .click_button(BOB, INCIDENTS, &root, &resolve, None)
        .await
        .map_err(fail("the Resolve button"))?;
    wait(workspace, "the request for a fix note", |ws| {
        ws.thread(INCIDENTS, &root)
            .iter()
            .any(|m| m.ts != root && has_button(m, &post_fix))
    })
    .await?;
    pause().await;

    narrate(started, "Bob presses Post fix and fills in the form");
    workspace
        .click_button(BOB, INCIDENTS, &root, &post_fix, None)
        .await
        .map_err(fail("the Post fix button"))?;
    wait(workspace, "the fix-note form", |ws| !ws.views().is_empty()).await?;
    let view = workspace
        .views()
        .last()
        .cloned()
        .ok_or(DemoError::Stalled("the form"))?;
    let values = [
        (
            "summary",
            "summary",
            "Checkout returned 502 after a gateway config change",
        ),
        (
            "cause",
            "cause",
            "A new TLS setting on the payment gateway rejected the provider's certificate",
        ),
        (
            "fix",
            "fix",
            "Rolled the gateway config back to the previous version",
        ),
        (
            "prevention",
            "prevention",
            "Run the checkout smoke test before gateway config changes go live",
        ),
        ("links", "links", ""),
    ];
    workspace
        .submit_view(BOB, &view.id, &values)
        .await
        .map_err(fail("the fix-note form"))?;
    wait(workspace, "the fix note in #knowledge", |ws| {
        !ws.messages(KNOWLEDGE).is_empty()
    })
    .await?;
    pause().await;

    narrate(started, "Later, Minji searches the knowledge base");
    workspace
        .slash_command(MINJI, PAYMENTS, "kb checkout 502")
        .await
        .map_err(fail("the search"))?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

/// A short breath between scenes, so each scene's messages print before the next begins.
async fn pause() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

fn root_ts(workspace: &SlackWorkspace) -> Option<String> {
    workspace
        .messages(INCIDENTS)
        .into_iter()
        .find(|message| message.is_bot && message.thread_ts.is_none())
        .map(|message| message.ts)
}

fn thread_mentions(workspace: &SlackWorkspace, root: &str, name: &str) -> bool {
    workspace.thread(INCIDENTS, root).iter().any(|message| {
        message.ts != root && message.text.contains(name) && message.text.contains("taken over")
    })
}

fn has_button(message: &crate::workspace::ChannelMessage, action: &str) -> bool {
    message
        .blocks
        .as_ref()
        .is_some_and(|blocks| blocks.to_string().contains(action))
}
