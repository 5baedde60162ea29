//! Platform faults on Slack, injected by the local workspace while the real binary runs:
//! 5xx answers, a Slack that stops answering, dropped and refreshed Socket Mode
//! connections, and a person who cannot get direct messages. In every case no page is
//! lost, and failures that last are reported to the admins in plain words.

mod support;

use std::time::Duration;

use escalator::workspace::{Fault, FaultRule};
use support::*;

/// Longer than the bot's delivery deadline (20 s) plus a retry.
const LONG_PATIENCE: Duration = Duration::from_secs(45);

/// One step, no re-page within the test: every page seen is the first.
const SLOW: Timing = Timing::no_repage(120);

async fn started(
    timing: Timing,
) -> (
    escalator::workspace::SlackWorkspace,
    tempfile::TempDir,
    BotProcess,
) {
    started_with(no_redelivery(), timing).await
}

fn answered_with(
    workspace: &escalator::workspace::SlackWorkspace,
    method: &str,
    status: u16,
) -> usize {
    workspace
        .calls_to(method)
        .iter()
        .filter(|call| call.status == status)
        .count()
}

#[tokio::test]
async fn pages_refused_with_5xx_are_delivered_once_slack_answers_again() {
    let (workspace, _dir, _bot) = started(SLOW).await;
    workspace.inject(FaultRule::new("chat.postMessage", Fault::Status(503)).times(2));

    report_checkout_down(&workspace).await;
    // The DM page and the root message go in separate lanes, in either order.
    expect(&workspace, "the DM page and the root message", |ws| {
        ws.dms(ALICE).len() == 1 && root(ws).is_some()
    })
    .await;
    assert_eq!(answered_with(&workspace, "chat.postMessage", 503), 2);
    // Two failures in a row are a blip, not something to bother admins with.
    assert!(workspace.dms(CAROL).is_empty());
}

#[tokio::test]
async fn a_lasting_5xx_is_reported_to_admins_and_the_page_follows_when_it_ends() {
    let (workspace, _dir, bot) = started(SLOW).await;
    workspace.inject(
        FaultRule::new("chat.postMessage", Fault::Status(502))
            .always()
            .for_channel(INCIDENTS),
    );

    report_checkout_down(&workspace).await;
    let alert = first_admin_alert(&workspace).await;
    assert!(alert.contains("INC-1"), "{alert}");
    assert!(alert.contains("keeps failing"), "{alert}");
    assert!(alert.contains("nothing is lost"), "{alert}");

    // The incident's messages wait in order behind the failing one, and go out once
    // Slack answers again.
    workspace.clear_faults();
    assert!(
        workspace
            .wait_until(LONG_PATIENCE, |ws| root(ws).is_some()
                && ws.dms(ALICE).len() == 1)
            .await,
        "the page never followed; log:\n{}",
        bot.log_text()
    );
    assert_eq!(workspace.dms(CAROL).len(), 1, "the admins were told once");
}

#[tokio::test]
async fn a_slack_that_stops_answering_is_given_up_on_and_the_page_retried() {
    let (workspace, _dir, bot) = started(SLOW).await;
    // The first direct-message channel request for Alice hangs far longer than any
    // test waits; without a deadline the dispatcher would wait with it.
    workspace.inject(
        FaultRule::new("conversations.open", Fault::Delay(Duration::from_secs(600)))
            .for_user(ALICE),
    );

    report_checkout_down(&workspace).await;
    assert!(
        workspace
            .wait_until(LONG_PATIENCE, |ws| !ws.dms(ALICE).is_empty())
            .await,
        "the page never arrived; log:\n{}",
        bot.log_text()
    );
    assert!(bot.log_text().contains("chat call timed out"));
}

/// Waits until the bot has opened more connections than `opened` and one is live.
async fn reconnected(
    workspace: &escalator::workspace::SlackWorkspace,
    bot: &BotProcess,
    opened: usize,
) {
    assert!(
        workspace
            .wait_until(PATIENCE, |ws| ws.calls_to("apps.connections.open").len()
                > opened)
            .await,
        "the bot did not ask for a new connection; log:\n{}",
        bot.log_text()
    );
    assert!(
        workspace.wait_for_connections(1, PATIENCE).await,
        "the bot did not reconnect; log:\n{}",
        bot.log_text()
    );
}

/// A new incident is answered in the command's ack and Alice gets its DM page.
async fn a_new_incident_is_taken_and_paged(workspace: &escalator::workspace::SlackWorkspace) {
    let ack = workspace
        .slash_command(REPORTER, PAYMENTS, "sev1 Checkout is down")
        .await
        .unwrap();
    assert!(ack.payload.unwrap().to_string().contains("INC-1"));
    expect(workspace, "the DM page", |ws| ws.dms(ALICE).len() == 1).await;
}

#[tokio::test]
async fn a_dropped_socket_is_reopened_and_commands_still_work() {
    let (workspace, _dir, bot) = started(SLOW).await;
    let opened = workspace.calls_to("apps.connections.open").len();
    assert!(workspace.drop_connections() >= 1);
    reconnected(&workspace, &bot, opened).await;

    a_new_incident_is_taken_and_paged(&workspace).await;
}

#[tokio::test]
async fn disconnect_frames_of_either_reason_are_followed_by_a_new_connection() {
    let (workspace, _dir, bot) = started(SLOW).await;
    for reason in ["warning", "refresh_requested"] {
        let opened = workspace.calls_to("apps.connections.open").len();
        assert!(workspace.disconnect_with(reason) >= 1);
        reconnected(&workspace, &bot, opened).await;
    }

    a_new_incident_is_taken_and_paged(&workspace).await;
}

#[tokio::test]
async fn a_person_who_cannot_get_dms_is_reported_and_the_deputy_is_still_paged() {
    let (workspace, _dir, bot) = started(Timing::QUICK).await;
    workspace.inject(
        FaultRule::new("conversations.open", Fault::Error("user_disabled".into()))
            .always()
            .for_user(ALICE),
    );

    report_checkout_down(&workspace).await;
    expect(&workspace, "the admin's alert", |ws| {
        ws.dms(CAROL)
            .iter()
            .any(|m| m.text.contains("user_disabled"))
    })
    .await;
    let alert = workspace.dms(CAROL)[0].text.clone();
    assert!(alert.contains("INC-1"), "{alert}");
    assert!(
        workspace
            .wait_until(PATIENCE, |ws| ws.dms(BOB).len() == 1)
            .await,
        "the deputy was not paged; log:\n{}",
        bot.log_text()
    );
    assert!(
        thread_count(&workspace, "<@UALICE>") >= 1,
        "the thread still names Alice"
    );
}

#[tokio::test]
async fn every_message_about_a_huge_korean_summary_stays_within_slacks_limits() {
    let (workspace, _dir, bot) = started(Timing::QUICK).await;
    let summary = "결제 승인 API가 간헐적으로 502를 반환하고 재시도도 실패해요 🔥 ".repeat(250);
    let ack = workspace
        .slash_command(REPORTER, PAYMENTS, &format!("sev1 {summary}"))
        .await
        .unwrap();
    assert!(ack.payload.unwrap().to_string().contains("INC-1"));
    // Root, thread pages, direct-message pages, the re-page and the deputy's page.
    assert!(
        workspace
            .wait_until(PATIENCE, |ws| ws.dms(BOB).len() == 1)
            .await,
        "log:\n{}",
        bot.log_text()
    );
    let before = thread(&workspace).len();
    workspace
        .slash_command(ALICE, PAYMENTS, &format!("update INC-1 {summary}"))
        .await
        .unwrap();
    expect(&workspace, "the update in the thread", |ws| {
        thread(ws).len() > before
    })
    .await;
    assert_within_slack_limits(&workspace);
}
