//! End to end on Slack: the real `escalator` binary against the local workspace, over
//! Socket Mode and the Web API, exactly as it would run against Slack.

mod support;

use std::time::{Duration, Instant};

use escalator::workspace::{Fault, FaultRule, WorkspaceOptions};
use support::*;

async fn started(
    timing: Timing,
) -> (
    escalator::workspace::SlackWorkspace,
    tempfile::TempDir,
    BotProcess,
) {
    started_with(no_redelivery(), timing).await
}

#[tokio::test]
async fn the_whole_flow_from_escalation_to_fix_note() {
    let (workspace, _dir, bot) = started(Timing::QUICK).await;

    let ack = workspace
        .slash_command(
            REPORTER,
            PAYMENTS,
            "sev1 Card payments fail with 502 at checkout",
        )
        .await
        .unwrap();
    let reply = ack
        .payload
        .expect("the command is answered in its ack")
        .to_string();
    assert!(reply.contains("INC-1"), "{reply}");
    assert!(reply.contains("Thank you for escalating"), "{reply}");

    // The root message in the incident channel, with the three buttons.
    expect(&workspace, "the root message", |ws| root(ws).is_some()).await;
    let root_message = root(&workspace).unwrap();
    let blocks = root_message.blocks.clone().unwrap().to_string();
    for action in ["ack:1", "resolve:1", "fix:1"] {
        assert!(blocks.contains(action), "{action} missing in {blocks}");
    }

    // Alice is paged in the thread and by DM, then re-paged, then her deputy Bob.
    expect(&workspace, "the first page", |ws| ws.dms(ALICE).len() == 1).await;
    expect(&workspace, "the thread page", |ws| {
        thread_count(ws, "<@UALICE>") >= 1
    })
    .await;
    expect(&workspace, "the re-page", |ws| ws.dms(ALICE).len() == 2).await;
    expect(&workspace, "the deputy page", |ws| ws.dms(BOB).len() == 1).await;

    // Someone not on the path reacts: nothing happens.
    workspace
        .react(FRANK, INCIDENTS, &root_message.ts, "eyes")
        .await
        .unwrap();
    workspace
        .react(GUEST, INCIDENTS, &root_message.ts, "eyes")
        .await
        .unwrap();

    // Bob takes it over by reacting on his DM page.
    let page = workspace.dms(BOB).last().cloned().unwrap();
    workspace
        .react(BOB, &page.channel, &page.ts, "eyes")
        .await
        .unwrap();
    expect(&workspace, "the hand-over", |ws| {
        thread_count(ws, "has taken over INC-1") == 1
    })
    .await;
    assert!(thread(&workspace)
        .iter()
        .any(|m| m.text.contains("<@UBOB> has taken over")));
    assert_eq!(thread_count(&workspace, "<@UFRANK> has taken over"), 0);

    // A status update from the reporter reaches the thread.
    workspace
        .slash_command(REPORTER, PAYMENTS, "update INC-1 rollback is running")
        .await
        .unwrap();
    expect(&workspace, "the update", |ws| {
        thread_count(ws, "rollback is running") == 1
    })
    .await;

    // Resolve with the button, then the fix note through the form.
    workspace
        .click_button(BOB, INCIDENTS, &root_message.ts, "resolve:1", None)
        .await
        .unwrap();
    expect(&workspace, "the fix-note request", |ws| {
        thread_count(ws, "fix note") >= 1
    })
    .await;
    workspace
        .click_button(BOB, INCIDENTS, &root_message.ts, "fix:1", None)
        .await
        .unwrap();
    expect(&workspace, "the fix-note form", |ws| !ws.views().is_empty()).await;
    let view = workspace.views().last().cloned().unwrap();
    workspace
        .submit_view(
            BOB,
            &view.id,
            &[
                (
                    "summary",
                    "summary",
                    "Checkout 502 after a gateway config change",
                ),
                (
                    "cause",
                    "cause",
                    "A TLS setting rejected the provider's certificate",
                ),
                ("fix", "fix", "Rolled the gateway config back"),
                (
                    "prevention",
                    "prevention",
                    "Smoke-test checkout before config changes",
                ),
                ("links", "links", "https://wiki.example/runbooks/gateway"),
            ],
        )
        .await
        .unwrap();
    expect(&workspace, "the fix note in #knowledge", |ws| {
        !ws.messages(KNOWLEDGE).is_empty()
    })
    .await;
    let note = workspace.messages(KNOWLEDGE)[0]
        .blocks
        .clone()
        .unwrap()
        .to_string();
    assert!(note.contains("Rolled the gateway config back"), "{note}");

    // The root message ends closed; the note is searchable.
    expect(&workspace, "the closed root", |ws| {
        root(ws).is_some_and(|m| m.text.contains("Closed"))
    })
    .await;
    let search = workspace
        .slash_command(GUEST, PAYMENTS, "kb gateway certificate")
        .await
        .unwrap();
    let found = search.payload.unwrap().to_string();
    assert!(found.contains("INC-1"), "{found}");
    assert!(found.contains("thread in <#CINCIDENTS>"), "{found}");

    // The first incident opened with no past fixes to show; the next similar one shows
    // this note in its thread.
    assert_eq!(thread_count(&workspace, "may help"), 0);
    workspace
        .slash_command(
            REPORTER,
            PAYMENTS,
            "sev2 Checkout 502 from the gateway again",
        )
        .await
        .unwrap();
    expect(&workspace, "the related fix under INC-2", |ws| {
        incident_thread(ws, "INC-2")
            .iter()
            .any(|m| m.text.contains("A past fix that may help:"))
    })
    .await;
    let related = incident_thread(&workspace, "INC-2")
        .into_iter()
        .find(|m| m.text.contains("may help"))
        .unwrap();
    assert!(
        related.text.contains("INC-1 · SEV1 Critical · payments · "),
        "{}",
        related.text
    );
    assert!(
        related
            .text
            .contains("Checkout 502 after a gateway config change (thread in <#CINCIDENTS>)"),
        "{}",
        related.text
    );

    // Exactly one re-page and one deputy page went out, never more.
    assert_eq!(workspace.dms(ALICE).len(), 2);
    assert_eq!(
        workspace
            .dms(BOB)
            .iter()
            .filter(|m| m.text.contains("paged"))
            .count(),
        1
    );
    drop(bot);
}

/// The thread of the incident whose root message mentions `incident`.
fn incident_thread(
    workspace: &escalator::workspace::SlackWorkspace,
    incident: &str,
) -> Vec<escalator::workspace::ChannelMessage> {
    let Some(root) = workspace
        .messages(INCIDENTS)
        .into_iter()
        .find(|m| m.is_bot && m.thread_ts.is_none() && m.text.contains(incident))
    else {
        return Vec::new();
    };
    workspace
        .thread(INCIDENTS, &root.ts)
        .into_iter()
        .filter(|m| m.ts != root.ts)
        .collect()
}

#[tokio::test]
async fn a_retried_event_is_processed_once() {
    let (workspace, _dir, _bot) = started(Timing::no_repage(60)).await;
    report_checkout_down(&workspace).await;
    expect(&workspace, "the root message", |ws| root(ws).is_some()).await;
    let root_message = root(&workspace).unwrap();

    let receipt = workspace
        .react(ALICE, INCIDENTS, &root_message.ts, "eyes")
        .await
        .unwrap();
    let again = workspace.redeliver(&receipt.envelope_id).await.unwrap();
    assert_eq!(
        again.retry_attempt, 1,
        "the retry was acknowledged, not dropped"
    );
    expect(&workspace, "the hand-over", |ws| {
        thread_count(ws, "has taken over INC-1") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(thread_count(&workspace, "has taken over INC-1"), 1);
}

#[tokio::test]
async fn a_rate_limited_page_is_retried_after_the_wait_and_sent_once() {
    let (workspace, _dir, _bot) = started(Timing::no_repage(60)).await;
    let dm_channel_posts = FaultRule::new(
        "chat.postMessage",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
    )
    .times(1);
    workspace.inject(dm_channel_posts);
    let started = Instant::now();
    report_checkout_down(&workspace).await;
    // The root message and the DM page go out at once, in their own lanes; whichever
    // is first gets the 429, and waits the second it asks for.
    expect(&workspace, "the DM page and the root message", |ws| {
        ws.dms(ALICE).len() == 1 && root(ws).is_some()
    })
    .await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the Retry-After wait was honoured"
    );
    let limited = workspace
        .calls_to("chat.postMessage")
        .iter()
        .filter(|call| call.status == 429)
        .count();
    assert_eq!(limited, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(workspace.dms(ALICE).len(), 1);
    assert!(root(&workspace).is_some());
}

#[tokio::test]
async fn after_a_crash_the_pending_repage_fires_once_on_restart() {
    let timing = Timing {
        ack_seconds: 6,
        repages: 1,
        repage_seconds: 3,
    };
    let workspace = workspace(no_redelivery()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = socket_config(&workspace, dir.path(), timing);
    let mut bot = spawn_connected(&workspace, &config, &dir.path().join("first.log")).await;

    report_checkout_down(&workspace).await;
    expect(&workspace, "the first page", |ws| ws.dms(ALICE).len() == 1).await;
    let paged_at = Instant::now();
    // Give the bot a moment to record the delivery: a crash between sending a message
    // and recording it sends that message again on restart (at-least-once delivery).
    tokio::time::sleep(Duration::from_millis(500)).await;
    bot.kill();

    // The re-page was due 3 s after the page; the bot is down until after that.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        workspace.dms(ALICE).len(),
        1,
        "nobody paged while the bot was down"
    );
    let _restarted = spawn_bot(&config, &dir.path().join("second.log"));
    expect(&workspace, "the overdue re-page", |ws| {
        ws.dms(ALICE).len() == 2
    })
    .await;
    let repaged_after = paged_at.elapsed();

    // It fired once, on restart, and the deputy followed on the original schedule.
    assert!(repaged_after >= Duration::from_secs(4));
    expect(&workspace, "the deputy page", |ws| ws.dms(BOB).len() == 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        workspace.dms(ALICE).len(),
        2,
        "the re-page was sent exactly once"
    );
}

#[tokio::test]
async fn mistakes_get_helpful_private_replies() {
    let (workspace, _dir, _bot) = started(Timing::QUICK).await;
    let cases = [
        ("sev9 broken", "is not a command or a severity"),
        ("sev1", "add a one-line summary"),
        ("ack", "Which incident"),
        ("reassign INC-1 @nobody", "couldn't find"),
        ("status INC-99", "no incident INC-99"),
    ];
    for (text, expected) in cases {
        let ack = workspace
            .slash_command(REPORTER, PAYMENTS, text)
            .await
            .unwrap();
        let reply = ack.payload.map(|p| p.to_string()).unwrap_or_default();
        assert!(reply.contains(expected), "{text:?} got {reply}");
    }
    assert!(
        root(&workspace).is_none(),
        "no incident was opened by mistake"
    );
}

#[tokio::test]
async fn a_second_bot_on_the_same_data_is_refused() {
    let (workspace, dir, _bot) = started(Timing::QUICK).await;
    let config = dir.path().join("bot-config");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["run", "--config"])
        .arg(&config)
        .env("TEST_SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("TEST_SLACK_APP_TOKEN", APP_TOKEN)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("another escalator is using"), "{stderr}");
    drop(workspace);
}

#[tokio::test]
async fn a_missing_token_is_named_and_exits_2() {
    let workspace = workspace(no_redelivery()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = socket_config(&workspace, dir.path(), Timing::QUICK);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["run", "--config"])
        .arg(&config)
        .env_remove("TEST_SLACK_BOT_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("TEST_SLACK_BOT_TOKEN"));
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let (workspace, _dir, mut bot) = started(Timing::QUICK).await;
    report_checkout_down(&workspace).await;
    expect(&workspace, "the first page", |ws| ws.dms(ALICE).len() == 1).await;
    let status = bot.terminate().await;
    assert!(
        status.success(),
        "the bot stops cleanly on SIGTERM: {status:?}"
    );
    let log = bot.log_text();
    assert!(
        log.contains("incident opened"),
        "the log is captured at debug: {log}"
    );
    for secret in [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET] {
        assert!(!log.contains(secret), "{secret} leaked into the log");
    }
}

async fn wait_for_listener(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bot never listened on port {port}");
}

#[tokio::test]
async fn the_http_events_api_checks_signatures_and_handles_events() {
    let workspace = workspace(no_redelivery()).await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let config = write_config(
        dir.path(),
        &workspace.api_base_url(),
        "http",
        &listen,
        Timing::QUICK,
    );
    let _bot = spawn_bot(&config, &dir.path().join("bot.log"));
    wait_for_listener(port).await;
    let base = format!("http://{listen}");

    // Slack checks the URL with a challenge when the app is configured.
    let challenge = r#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let answer = workspace
        .send_signed(
            &format!("{base}/slack/events"),
            SIGNING_SECRET,
            challenge,
            "application/json",
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer
        .body
        .contains("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));

    // A signed slash command opens an incident and answers at once.
    let command = workspace
        .slash_command_payload(REPORTER, PAYMENTS, "sev1 Checkout is down")
        .unwrap();
    let reply = workspace
        .send_signed_payload(&format!("{base}/slack/commands"), SIGNING_SECRET, &command)
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("INC-1"), "{}", reply.body);
    expect(&workspace, "the root message", |ws| root(ws).is_some()).await;

    // A signed reaction event acknowledges it.
    let root_ts = root(&workspace).unwrap().ts;
    let reaction = workspace
        .reaction_payload(ALICE, INCIDENTS, &root_ts, "eyes", true)
        .unwrap();
    let (body, content_type) = reaction.http_body();
    let events = format!("{base}/slack/events");
    let accepted = workspace
        .send_signed_at(
            &events,
            SIGNING_SECRET,
            &body,
            content_type,
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap();
    assert_eq!(accepted.status, 200);
    expect(&workspace, "the hand-over", |ws| {
        thread_count(ws, "has taken over INC-1") == 1
    })
    .await;

    // Forged, stale and replayed requests are refused.
    let forged = workspace
        .send_signed(&events, "not-the-secret", &body, content_type)
        .await
        .unwrap();
    assert_eq!(forged.status, 401);
    let stale_at = chrono::Utc::now().timestamp() - 301;
    let stale = workspace
        .send_signed_at(&events, SIGNING_SECRET, &body, content_type, stale_at)
        .await
        .unwrap();
    assert_eq!(stale.status, 401);
    let at = chrono::Utc::now().timestamp();
    let once = r#"{"token":"t","challenge":"replay-check","type":"url_verification"}"#;
    let first = workspace
        .send_signed_at(&events, SIGNING_SECRET, once, "application/json", at)
        .await
        .unwrap();
    let replayed = workspace
        .send_signed_at(&events, SIGNING_SECRET, once, "application/json", at)
        .await
        .unwrap();
    assert_eq!((first.status, replayed.status), (200, 401));
    let unsigned = reqwest::Client::new()
        .post(&events)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
}

#[tokio::test]
async fn escalate_alone_opens_the_form_with_the_criteria() {
    let (workspace, _dir, _bot) = started(Timing::QUICK).await;
    workspace
        .slash_command(REPORTER, PAYMENTS, "")
        .await
        .unwrap();
    expect(&workspace, "the escalation form", |ws| {
        !ws.views().is_empty()
    })
    .await;
    let view = workspace.views().last().cloned().unwrap();
    let shown = view.view.to_string();
    assert!(
        shown.contains("Customers cannot pay"),
        "criteria shown: {shown}"
    );
    assert!(
        shown.contains("One card declined"),
        "counter-examples shown: {shown}"
    );

    workspace
        .submit_view(
            REPORTER,
            &view.id,
            &[
                ("severity", "severity", "sev2"),
                ("summary", "summary", "Refunds are stuck"),
            ],
        )
        .await
        .unwrap();
    expect(&workspace, "the incident from the form", |ws| {
        root(ws).is_some_and(|m| m.text.contains("Refunds are stuck"))
    })
    .await;
    expect(&workspace, "the private confirmation", |ws| {
        ephemeral_texts(ws, REPORTER)
            .iter()
            .any(|t| t.contains("INC-1"))
    })
    .await;
}

#[tokio::test]
async fn help_shows_criteria_and_the_no_blame_rule() {
    let (workspace, _dir, _bot) = started(Timing::QUICK).await;
    let ack = workspace
        .slash_command(GUEST, PAYMENTS, "help")
        .await
        .unwrap();
    let help = ack.payload.unwrap().to_string();
    assert!(help.contains("Nobody will be blamed"), "{help}");
    assert!(help.contains("Customers cannot pay"), "{help}");
}

#[tokio::test]
async fn a_lasting_platform_error_is_reported_to_admins_in_plain_words() {
    let workspace = workspace(no_redelivery()).await;
    workspace.inject(
        FaultRule::new("chat.postMessage", Fault::Error("not_in_channel".into()))
            .always()
            .for_channel(INCIDENTS),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = socket_config(&workspace, dir.path(), Timing::QUICK);
    let _bot = spawn_connected(&workspace, &config, &dir.path().join("bot.log")).await;

    report_checkout_down(&workspace).await;
    let alert = first_admin_alert(&workspace).await;
    assert!(alert.contains("INC-1"), "{alert}");
    assert!(alert.contains("not_in_channel"), "{alert}");
    // Paging goes on by direct message even though the channel refuses the bot.
    expect(&workspace, "the DM page", |ws| ws.dms(ALICE).len() == 1).await;
}

#[tokio::test]
async fn a_mention_in_the_thread_acts_on_its_incident_and_a_reaction_resolves() {
    let options = WorkspaceOptions {
        send_app_mentions: true,
        ..no_redelivery()
    };
    let (workspace, _dir, _bot) = started_with(options, Timing::no_repage(60)).await;

    report_checkout_down(&workspace).await;
    expect(&workspace, "the root message", |ws| root(ws).is_some()).await;
    let root_ts = root(&workspace).unwrap().ts;

    // "@escalator ack" typed in the incident's thread needs no incident id.
    workspace
        .post_message(CAROL, INCIDENTS, "<@UBOT> ack", Some(&root_ts))
        .await
        .unwrap();
    expect(&workspace, "the hand-over to Carol", |ws| {
        thread_count(ws, "<@UCAROL> has taken over INC-1") == 1
    })
    .await;

    // The resolve reaction on someone's own reply in the thread resolves it.
    let reply = workspace
        .post_message(
            REPORTER,
            INCIDENTS,
            "rollback done, checkout works again",
            Some(&root_ts),
        )
        .await
        .unwrap();
    workspace
        .react(CAROL, INCIDENTS, &reply.ts, "white_check_mark")
        .await
        .unwrap();
    expect(&workspace, "the resolution", |ws| {
        thread_count(ws, "resolved INC-1") == 1
    })
    .await;
    assert!(!workspace.calls_to("conversations.replies").is_empty());

    // A mention outside any incident thread asks which incident is meant.
    workspace
        .post_message(CAROL, PAYMENTS, "<@UBOT> status", None)
        .await
        .unwrap();
    expect(&workspace, "the question", |ws| {
        ephemeral_texts(ws, CAROL)
            .iter()
            .any(|t| t.contains("Which incident"))
    })
    .await;
}

#[tokio::test]
async fn a_very_long_summary_is_kept_and_cut_to_slacks_limits_in_messages() {
    let (workspace, _dir, _bot) = started(Timing::QUICK).await;
    let summary = "결제 API가 500을 반환해요 🔥 ".repeat(300);
    let ack = workspace
        .slash_command(REPORTER, PAYMENTS, &format!("sev1 {summary}"))
        .await
        .unwrap();
    assert!(ack.payload.unwrap().to_string().contains("INC-1"));
    expect(&workspace, "the root message", |ws| root(ws).is_some()).await;
    let blocks = root(&workspace).unwrap().blocks.unwrap();
    for block in blocks.as_array().unwrap() {
        if let Some(text) = block["text"]["text"].as_str() {
            assert!(
                text.chars().count() <= 3000,
                "a block of {} chars",
                text.chars().count()
            );
        }
    }
    expect(&workspace, "the DM page", |ws| ws.dms(ALICE).len() == 1).await;
}

#[tokio::test]
async fn a_second_acknowledge_click_is_told_who_owns_the_incident() {
    let (workspace, _dir, _bot) = started(Timing::no_repage(60)).await;
    report_checkout_down(&workspace).await;
    expect(&workspace, "the DM page", |ws| ws.dms(ALICE).len() == 1).await;
    let page = workspace.dms(ALICE)[0].clone();

    // The page's button stays on the direct message after it is used.
    workspace
        .click_button(ALICE, &page.channel, &page.ts, "ack:1", None)
        .await
        .unwrap();
    expect(&workspace, "the hand-over", |ws| {
        thread_count(ws, "has taken over INC-1") == 1
    })
    .await;
    workspace
        .click_button(ALICE, &page.channel, &page.ts, "ack:1", None)
        .await
        .unwrap();
    expect(&workspace, "the private answer", |ws| {
        ephemeral_texts(ws, ALICE)
            .iter()
            .any(|t| t.contains("already taken this incident over"))
    })
    .await;
    assert_eq!(thread_count(&workspace, "has taken over INC-1"), 1);
}

/// The incident numbers whose Acknowledge buttons a message carries.
fn ack_buttons(message: &escalator::workspace::ChannelMessage) -> Vec<u64> {
    let blocks = message.blocks.clone().unwrap_or_default().to_string();
    blocks
        .split("\"action_id\":\"ack:")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn queued_pages_to_one_person_arrive_as_one_digest_whose_buttons_ack_one_incident_each() {
    let options = WorkspaceOptions {
        post_rate_limit_per_channel: Some(1),
        ..no_redelivery()
    };
    let workspace = workspace(options).await;
    let dir = tempfile::tempdir().unwrap();
    let timing = Timing {
        ack_seconds: 120,
        repages: 0,
        repage_seconds: 0,
    };
    let config = write_config(
        dir.path(),
        &workspace.api_base_url(),
        "socket",
        "127.0.0.1:0",
        timing,
    );
    let bot = spawn_bot(&config, &dir.path().join("bot.log"));
    assert!(workspace.wait_for_connections(1, PATIENCE).await);

    // Five incidents at once: Alice's direct messages allow one message a second, so
    // the pages queued behind the first go together.
    let commands = (1..=5).map(|n| {
        let workspace = &workspace;
        async move {
            workspace
                .slash_command(REPORTER, PAYMENTS, &format!("sev1 Storm {n}"))
                .await
                .unwrap()
        }
    });
    futures::future::join_all(commands).await;
    let paged = |ws: &escalator::workspace::SlackWorkspace| {
        let texts: Vec<String> = ws.dms(ALICE).into_iter().map(|m| m.text).collect();
        (1..=5).all(|n| texts.iter().any(|t| t.contains(&format!("INC-{n}"))))
    };
    expect(&workspace, "a page for every incident", paged).await;
    let dms = workspace.dms(ALICE);
    assert!(dms.len() < 5, "{} direct messages for 5 pages", dms.len());
    let digest = dms
        .iter()
        .find(|m| ack_buttons(m).len() >= 2)
        .cloned()
        .unwrap_or_else(|| panic!("no digest among {dms:?}\nlog:\n{}", bot.log_text()));
    let incidents = ack_buttons(&digest);
    let buttons: usize = dms.iter().map(|m| ack_buttons(m).len()).sum();
    assert_eq!(buttons, 5, "one button per incident: {dms:?}");
    for n in &incidents {
        assert!(digest.text.contains(&format!("INC-{n}")), "{}", digest.text);
    }
    assert_within_slack_limits(&workspace);

    // A reaction cannot say which incident it means: it is answered, privately.
    workspace
        .react(ALICE, &digest.channel, &digest.ts, "eyes")
        .await
        .unwrap();
    expect(&workspace, "the answer to the reaction", |ws| {
        ephemeral_texts(ws, ALICE)
            .iter()
            .any(|t| t.contains("several incidents"))
    })
    .await;

    // Each button takes over its own incident, and only that one: every later click on
    // another incident of the digest still finds it open.
    for n in &incidents {
        workspace
            .click_button(
                ALICE,
                &digest.channel,
                &digest.ts,
                &format!("ack:{n}"),
                None,
            )
            .await
            .unwrap();
        expect(&workspace, "the hand-over", |ws| {
            ephemeral_texts(ws, ALICE)
                .iter()
                .any(|t| t.contains(&format!("INC-{n} is yours now")))
        })
        .await;
    }
    let taken = ephemeral_texts(&workspace, ALICE)
        .iter()
        .filter(|t| t.contains("is yours now"))
        .count();
    assert_eq!(taken, incidents.len());
    assert!(!ephemeral_texts(&workspace, ALICE)
        .iter()
        .any(|t| t.contains("already taken")));
}
