//! The HTTP listener of the real binary: `/healthz`, `/readyz` and `/metrics`, scraped while
//! the bot runs against the local workspace, and Slack's HTTP mode on the same listener.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use escalator::workspace::{Fault, FaultRule, SlackWorkspace, WorkspaceOptions};
use support::*;

/// Pages are not repeated within a test: the first step waits a minute for an ack.
const SLOW: Timing = Timing {
    ack_seconds: 60,
    repages: 0,
    repage_seconds: 0,
};

/// The real binary with JSON logs, so that the test can read the listener's address.
fn spawn_json_bot(config: &Path, log: &Path) -> BotProcess {
    let log_file = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["--log-format", "json", "run", "--config"])
        .arg(config)
        .env("TEST_SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("TEST_SLACK_APP_TOKEN", APP_TOKEN)
        .env("TEST_SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("RUST_LOG", "escalator=debug")
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .expect("escalator starts");
    BotProcess {
        child,
        log: log.to_owned(),
    }
}

/// The JSON log lines written so far.
fn log_lines(bot: &BotProcess) -> Vec<serde_json::Value> {
    bot.log_text()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every log line is JSON"))
        .collect()
}

/// The address the bot logged for its HTTP listener.
async fn listen_addr(bot: &BotProcess) -> String {
    for _ in 0..200 {
        let found = log_lines(bot)
            .into_iter()
            .find(|line| line["fields"]["message"] == "http listening");
        if let Some(line) = found {
            return line["fields"]["addr"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the bot never logged its HTTP address; log:\n{}",
        bot.log_text()
    );
}

async fn get(addr: &str, path: &str) -> (u16, String, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

/// Scrapes until `check` holds for the metrics text; fails with the last scrape.
async fn metrics_until(addr: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    for _ in 0..200 {
        text = get(addr, "/metrics").await.2;
        if check(&text) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}; last scrape:\n{text}");
}

async fn readyz_until(addr: &str, status: u16) -> String {
    let mut last = (0, String::new(), String::new());
    for _ in 0..200 {
        last = get(addr, "/readyz").await;
        if last.0 == status {
            return last.2;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "/readyz never answered {status}; last: {} {}",
        last.0, last.2
    );
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|candidate| candidate == line)
}

async fn started(
    mode: &str,
    timing: Timing,
) -> (SlackWorkspace, tempfile::TempDir, BotProcess, String) {
    let workspace = workspace(WorkspaceOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &workspace.api_base_url(),
        mode,
        "127.0.0.1:0",
        timing,
    );
    let bot = spawn_json_bot(&config, &dir.path().join("bot.log"));
    let addr = listen_addr(&bot).await;
    (workspace, dir, bot, addr)
}

#[tokio::test]
async fn health_readiness_and_metrics_follow_an_incident() {
    let (workspace, _dir, bot, addr) = started("socket", SLOW).await;
    assert!(workspace.wait_for_connections(1, PATIENCE).await);

    assert_eq!(
        get(&addr, "/healthz").await,
        (
            200,
            "text/plain; charset=utf-8".to_owned(),
            "ok\n".to_owned()
        )
    );
    assert_eq!(readyz_until(&addr, 200).await, "ready\n");
    let (status, content_type, text) = get(&addr, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    for line in [
        "escalator_outbox_depth 0",
        "escalator_dedupe_hits_total 0",
        "escalator_time_to_acknowledge_seconds_count 0",
        "escalator_platform_connected{platform=\"slack\"} 1",
    ] {
        assert!(has_line(&text, line), "{line} missing:\n{text}");
    }
    assert!(!text.contains("escalator_incidents{"), "{text}");

    // The root message is rate limited once; the rest goes through.
    workspace.inject(FaultRule::new(
        "chat.postMessage",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
    ));
    workspace
        .slash_command(REPORTER, PAYMENTS, "sev1 Card payments fail")
        .await
        .unwrap();
    expect(&workspace, "the first page", |ws| ws.dms(ALICE).len() == 1).await;
    metrics_until(&addr, "the open incident", |text| {
        has_line(
            text,
            "escalator_incidents{state=\"open\",severity=\"sev1\"} 1",
        )
    })
    .await;

    // Alice acknowledges on her DM page; the same event delivered twice counts once.
    let page = workspace.dms(ALICE).last().cloned().unwrap();
    let receipt = workspace
        .react(ALICE, &page.channel, &page.ts, "eyes")
        .await
        .unwrap();
    expect(&workspace, "the hand-over", |ws| {
        thread_count(ws, "has taken over INC-1") == 1
    })
    .await;
    workspace.redeliver(&receipt.envelope_id).await.unwrap();

    let text = metrics_until(&addr, "the acknowledgement and an empty outbox", |text| {
        has_line(text, "escalator_dedupe_hits_total 1")
            && has_line(text, "escalator_outbox_depth 0")
    })
    .await;
    for line in [
        "escalator_incidents{state=\"open\",severity=\"sev1\"} 0",
        "escalator_incidents{state=\"acknowledged\",severity=\"sev1\"} 1",
        "escalator_pages_sent_total{platform=\"slack\",means=\"thread\"} 1",
        "escalator_pages_sent_total{platform=\"slack\",means=\"dm\"} 1",
        "escalator_time_to_acknowledge_seconds_count 1",
        "escalator_time_to_acknowledge_seconds_bucket{le=\"+Inf\"} 1",
        "escalator_time_to_acknowledge_seconds_bucket{le=\"30\"} 1",
        "escalator_platform_api_errors_total{platform=\"slack\",kind=\"rate_limited\"} 1",
        "escalator_rate_limit_waits_total{platform=\"slack\"} 1",
        "escalator_rate_limit_wait_seconds_total{platform=\"slack\"} 1",
        "escalator_outbox_oldest_age_seconds 0",
    ] {
        assert!(has_line(&text, line), "{line} missing:\n{text}");
    }

    // Every log line is JSON; decisions carry their inbound event's span.
    let lines = log_lines(&bot);
    let span_of = |message: &str| {
        lines
            .iter()
            .find(|line| line["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no `{message}` line"))["span"]
            .clone()
    };
    let opened = span_of("incident opened");
    assert_eq!(opened["platform"], "slack");
    assert_eq!(opened["workspace"], "TTEST");
    assert_eq!(opened["channel"], PAYMENTS);
    assert!(
        opened["event_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{opened}"
    );
    let acknowledged = span_of("incident state changed");
    assert_eq!(acknowledged["platform"], "slack");
    assert_eq!(acknowledged["channel"], page.channel.as_str());
    assert_eq!(
        acknowledged["event_id"].as_str(),
        receipt.event_id.as_deref()
    );
    assert!(!bot.log_text().contains(BOT_TOKEN));
    drop(bot);
}

#[tokio::test]
async fn readiness_fails_while_slack_fails_and_recovers_after() {
    let (workspace, _dir, bot, addr) = started("socket", SLOW).await;
    assert!(workspace.wait_for_connections(1, PATIENCE).await);
    readyz_until(&addr, 200).await;

    workspace.inject(FaultRule::new("chat.postMessage", Fault::Status(500)).always());
    workspace
        .slash_command(REPORTER, PAYMENTS, "sev2 Search is slow")
        .await
        .unwrap();
    assert_eq!(
        readyz_until(&addr, 503).await,
        "a chat platform is not connected\n"
    );
    assert_eq!(get(&addr, "/healthz").await.0, 200);
    let text = metrics_until(&addr, "the three waiting effects", |text| {
        has_line(text, "escalator_outbox_depth 3")
    })
    .await;
    assert!(
        has_line(&text, "escalator_platform_connected{platform=\"slack\"} 0"),
        "{text}"
    );
    assert!(
        text.lines().any(|line| line.starts_with(
            "escalator_platform_api_errors_total{platform=\"slack\",kind=\"transient\"}"
        )),
        "{text}"
    );

    workspace.clear_faults();
    assert_eq!(readyz_until(&addr, 200).await, "ready\n");
    drop(bot);
}

#[tokio::test]
async fn slack_http_mode_shares_the_listener_with_health() {
    let (workspace, _dir, bot, addr) = started("http", SLOW).await;
    assert_eq!(readyz_until(&addr, 200).await, "ready\n");

    let outbound = workspace
        .slash_command_payload(REPORTER, PAYMENTS, "help")
        .unwrap();
    let response = workspace
        .send_signed_payload(
            &format!("http://{addr}/slack/commands"),
            SIGNING_SECRET,
            &outbound,
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{}", bot.log_text());
    assert!(response.body.contains("/escalate"), "{}", response.body);

    // Unsigned requests to Slack's routes are refused; health needs no signature.
    let unsigned = reqwest::Client::new()
        .post(format!("http://{addr}/slack/commands"))
        .body("command=%2Fescalate")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    assert_eq!(get(&addr, "/healthz").await.0, 200);
}

#[tokio::test]
async fn failed_calls_the_adapter_makes_itself_count_as_platform_api_errors() {
    let (workspace, _dir, bot, addr) = started("socket", SLOW).await;
    assert!(workspace.wait_for_connections(1, PATIENCE).await);
    readyz_until(&addr, 200).await;

    // An acknowledge reaction on someone's message makes the adapter look up the
    // message's thread; the lookup fails, outside the outbox.
    workspace.inject(FaultRule::new(
        "conversations.replies",
        Fault::Error("internal_error".to_owned()),
    ));
    let posted = workspace
        .post_message(REPORTER, PAYMENTS, "is checkout down for you too?", None)
        .await
        .unwrap();
    workspace
        .react(ALICE, PAYMENTS, &posted.ts, "eyes")
        .await
        .unwrap();
    metrics_until(&addr, "the failed thread lookup", |text| {
        has_line(
            text,
            "escalator_platform_api_errors_total{platform=\"slack\",kind=\"transient\"} 1",
        )
    })
    .await;
    assert_eq!(workspace.calls_to("conversations.replies").len(), 1);

    // A failed reply is no reason to report the platform unreachable.
    assert_eq!(readyz_until(&addr, 200).await, "ready\n");
    drop(bot);
}
