//! Storage faults end to end: the real `escalator` binary against the local Slack
//! workspace, its data folder damaged between runs or its file writes failing while it
//! runs.
//!
//! Full disks are made with the file size limit (`RLIMIT_FSIZE`), lowered on the running
//! bot with `prlimit` and raised again: sled's writes then really fail, with EFBIG as they
//! would with ENOSPC, and the bot ignores SIGXFSZ as it is set up here, so the failure
//! reaches it as an error. Its log goes through a pipe, which the limit does not cover.

mod support;

use std::io::Read as _;
use std::os::unix::fs::FileExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use escalator::workspace::SlackWorkspace;
use support::*;

/// No re-pages within a test's time: only what the test does is sent.
const CALM: Timing = Timing::no_repage(600);

/// Waits until the bot's log holds `text`; fails with the log otherwise.
async fn wait_for_log(bot: &BotProcess, text: &str) {
    for _ in 0..200 {
        if bot.log_text().contains(text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the log never said {text:?}:\n{}", bot.log_text());
}

/// The ephemeral answer to a slash command, as the workspace received it.
async fn command(workspace: &SlackWorkspace, text: &str) -> String {
    let ack = workspace
        .slash_command(REPORTER, PAYMENTS, text)
        .await
        .expect("the command is acknowledged");
    ack.payload
        .map(|payload| payload.to_string())
        .unwrap_or_default()
}

fn roots(workspace: &SlackWorkspace) -> Vec<String> {
    workspace
        .messages(INCIDENTS)
        .into_iter()
        .filter(|message| message.is_bot && message.thread_ts.is_none())
        .map(|message| message.text)
        .collect()
}

fn carol_dms(workspace: &SlackWorkspace) -> String {
    workspace
        .dms(CAROL)
        .into_iter()
        .map(|message| message.text)
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// Overwrites the start of sled's log, as a bad block or a stray write would.
fn garble(data: &Path) {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(data.join("db"))
        .unwrap();
    file.write_all_at(&[0x5a; 4096], 0).unwrap();
}

async fn start(workspace: &SlackWorkspace, config: &Path, log: &Path) -> BotProcess {
    let bot = spawn_bot(config, log);
    wait_for_log(&bot, "escalator running").await;
    assert!(workspace.wait_for_connections(1, PATIENCE).await);
    bot
}

/// Opens an incident and waits for its root message; returns the reply.
async fn open(workspace: &SlackWorkspace, summary: &str) -> String {
    let reply = command(workspace, &format!("sev1 {summary}")).await;
    expect(workspace, "the root message", |ws| {
        roots(ws).iter().any(|root| root.contains(summary))
    })
    .await;
    reply
}

#[tokio::test]
async fn a_damaged_store_is_replaced_by_the_newest_snapshot_and_admins_are_told() {
    let workspace = workspace(no_redelivery()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = socket_config(&workspace, dir.path(), CALM);
    let data = dir.path().join("data");

    // INC-1, then a clean stop: the snapshot taken at stop holds it.
    let mut bot = start(&workspace, &config, &dir.path().join("first.log")).await;
    let reply = open(&workspace, "Card payments fail at checkout").await;
    assert!(reply.contains("INC-1"), "{reply}");
    assert!(bot.terminate().await.success());

    // INC-2 after every snapshot, then a crash.
    let mut bot = start(&workspace, &config, &dir.path().join("second.log")).await;
    let reply = open(&workspace, "Refunds are stuck").await;
    assert!(reply.contains("INC-2"), "{reply}");
    bot.kill();
    garble(&data);

    let bot = start(&workspace, &config, &dir.path().join("third.log")).await;
    expect(&workspace, "the admin alert", |ws| {
        carol_dms(ws).contains("restored the newest snapshot")
    })
    .await;
    let alert = carol_dms(&workspace);
    assert!(alert.contains("did not run on it"), "{alert}");
    assert!(alert.contains("may be lost"), "{alert}");
    assert!(
        alert.contains("between"),
        "the window has both ends: {alert}"
    );
    assert!(alert.contains("store.corrupt-"), "{alert}");

    // The damaged files are kept; the bot runs on the snapshot's incidents.
    let kept: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().contains("store.corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].join("db").is_file());
    let status = command(&workspace, "status INC-1").await;
    assert!(status.contains("INC-1 · SEV1 Critical is Open"), "{status}");
    let status = command(&workspace, "status INC-2").await;
    assert!(status.contains("no incident INC-2"), "{status}");

    // A new incident does not take the lost incident's number.
    let reply = open(&workspace, "Invoices are not sent").await;
    assert!(reply.contains("INC-3"), "{reply}");
    assert!(!bot.log_text().contains(BOT_TOKEN));
}

#[tokio::test]
async fn the_first_snapshot_is_written_after_start_and_a_restart_keeps_the_schedule() {
    let workspace = workspace(no_redelivery()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = socket_config(&workspace, dir.path(), CALM);
    let data = dir.path().join("data");
    let snapshots = || escalator::store::snapshot::list(&data).unwrap().len();

    // A new store has no snapshot; the running bot writes one without being stopped.
    let mut bot = start(&workspace, &config, &dir.path().join("first.log")).await;
    for _ in 0..100 {
        if snapshots() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(snapshots(), 1, "{}", bot.log_text());
    assert!(bot.terminate().await.success());
    let after_stop = snapshots();
    assert_eq!(after_stop, 2, "one more at the clean stop");

    // The newest is minutes old, not an hour: a start adds none, even after the store
    // watcher's first rounds.
    let mut bot = start(&workspace, &config, &dir.path().join("second.log")).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(snapshots(), after_stop, "{}", bot.log_text());
    assert!(bot.terminate().await.success());
}

#[tokio::test]
async fn without_a_snapshot_the_bot_refuses_and_says_what_to_do() {
    let workspace = workspace(no_redelivery()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = socket_config(&workspace, dir.path(), CALM);
    let data = dir.path().join("data");

    let mut bot = start(&workspace, &config, &dir.path().join("first.log")).await;
    open(&workspace, "Card payments fail at checkout").await;
    assert!(bot.terminate().await.success());
    std::fs::remove_dir_all(data.join("snapshots")).unwrap();
    garble(&data);

    // Waited for without blocking: a bot that wrongly runs must fail the test, not hang it.
    let mut bot = spawn_bot(&config, &dir.path().join("second.log"));
    let mut status = None;
    for _ in 0..200 {
        status = bot.child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stderr = bot.log_text();
    assert_eq!(status.and_then(|status| status.code()), Some(1), "{stderr}");
    let message = stderr
        .lines()
        .find(|line| line.starts_with("error:"))
        .unwrap_or_default();
    assert!(message.contains(&data.display().to_string()), "{stderr}");
    assert!(message.contains("damaged"), "{message}");
    assert!(message.contains("no snapshot"), "{message}");
    assert!(message.contains("escalator snapshots restore"), "{message}");
    assert!(data.join("db").is_file(), "the store is left in place");
}

/// The bot with SIGXFSZ ignored (so a file size limit fails writes instead of killing
/// it) and its log copied through a pipe.
fn spawn_limitable_bot(config: &Path, log: &Path) -> BotProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_escalator"));
    command
        .args(["run", "--config"])
        .arg(config)
        .env("TEST_SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("TEST_SLACK_APP_TOKEN", APP_TOKEN)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: only `signal`, which is async-signal-safe, runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("escalator starts");
    let mut pipe = child.stderr.take().unwrap();
    let mut file = std::fs::File::create(log).unwrap();
    std::thread::spawn(move || {
        let mut buffer = [0; 8192];
        while let Ok(read) = pipe.read(&mut buffer) {
            if read == 0 || std::io::Write::write_all(&mut file, &buffer[..read]).is_err() {
                break;
            }
        }
    });
    BotProcess {
        child,
        log: log.to_owned(),
    }
}

/// Sets the file size limit of process `pid`: what a full disk does to its writes.
fn limit_file_size(pid: u32, bytes: libc::rlim_t) {
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: `prlimit` on a child of this process, with a valid limit and no old-limit
    // pointer.
    let result = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_FSIZE,
            &limit,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(
        result,
        0,
        "prlimit failed: {}",
        std::io::Error::last_os_error()
    );
}

async fn get(addr: &str, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn until_get(addr: &str, path: &str, check: impl Fn(u16, &str) -> bool) -> String {
    let mut last = (0, String::new());
    for _ in 0..200 {
        last = get(addr, path).await;
        if check(last.0, &last.1) {
            return last.1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{path} never answered as expected; last: {} {}",
        last.0, last.1
    );
}

#[tokio::test]
async fn on_a_full_disk_new_incidents_are_refused_plainly_and_taken_again_after() {
    let workspace = workspace(no_redelivery()).await;
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let config = write_config(dir.path(), &workspace.api_base_url(), "socket", &addr, CALM);
    let data = dir.path().join("data");

    let mut bot = spawn_limitable_bot(&config, &dir.path().join("bot.log"));
    wait_for_log(&bot, "escalator running").await;
    assert!(workspace.wait_for_connections(1, PATIENCE).await);
    let reply = open(&workspace, "Card payments fail at checkout").await;
    assert!(reply.contains("INC-1"), "{reply}");
    until_get(&addr, "/readyz", |status, _| status == 200).await;

    // The disk fills up: no file of the bot's may grow.
    limit_file_size(bot.child.id(), 0);
    let refused = command(&workspace, "sev1 Refunds are stuck during the outage").await;
    assert!(refused.contains("was NOT opened"), "{refused}");
    assert!(refused.contains("no one was paged"), "{refused}");
    assert!(
        !refused.contains("INC-2"),
        "no number is claimed: {refused}"
    );

    expect(&workspace, "the admins' alert", |ws| {
        carol_dms(ws).contains("cannot write to its data folder")
    })
    .await;
    let ready = until_get(&addr, "/readyz", |status, _| status == 503).await;
    assert!(ready.contains("cannot be written"), "{ready}");
    until_get(&addr, "/metrics", |_, text| {
        text.contains("\nescalator_store_writable 0\n")
            && text.contains("\nescalator_requests_not_stored_total 1\n")
    })
    .await;

    // What exists is still served.
    let status = command(&workspace, "status INC-1").await;
    assert!(status.contains("INC-1 · SEV1 Critical is Open"), "{status}");

    // Space returns: the bot takes writes again by itself.
    limit_file_size(bot.child.id(), libc::RLIM_INFINITY);
    expect(&workspace, "the all-clear", |ws| {
        carol_dms(ws).contains("can write to its data folder again")
    })
    .await;
    until_get(&addr, "/readyz", |status, _| status == 200).await;
    until_get(&addr, "/metrics", |_, text| {
        text.contains("\nescalator_store_writable 1\n")
    })
    .await;
    let reply = open(&workspace, "Invoices are not sent").await;
    assert!(reply.contains("INC-2"), "{reply}");

    // Nothing was claimed that was not stored: the refused incident is nowhere.
    assert!(bot.terminate().await.success());
    assert!(
        !roots(&workspace)
            .iter()
            .any(|root| root.contains("Refunds are stuck")),
        "{:?}",
        roots(&workspace)
    );
    let listed = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["incidents", "list", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&listed.stdout);
    assert!(
        list.contains("Card payments fail") && list.contains("Invoices are not sent"),
        "{list}"
    );
    assert!(!list.contains("Refunds are stuck"), "{list}");
}
