//! End to end on Slack for the people side of the bot: absences, `why`, criteria,
//! statistics and admin commands, through the real binary and the local workspace.

mod support;

use escalator::workspace::{SlackWorkspace, WorkspaceOptions};
use support::*;

const SLOW: Timing = Timing {
    ack_seconds: 600,
    repages: 0,
    repage_seconds: 0,
};

async fn started(timing: Timing) -> (SlackWorkspace, tempfile::TempDir, BotProcess) {
    let options = WorkspaceOptions {
        redelivery_timeout: None,
        ..WorkspaceOptions::default()
    };
    let workspace = workspace(options).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &workspace.api_base_url(),
        "socket",
        "127.0.0.1:0",
        timing,
    );
    let bot = spawn_bot(&config, &dir.path().join("bot.log"));
    assert!(
        workspace.wait_for_connections(1, PATIENCE).await,
        "the bot never connected; log:\n{}",
        bot.log_text()
    );
    (workspace, dir, bot)
}

/// The private reply to a slash command.
async fn ask(workspace: &SlackWorkspace, user: &str, text: &str) -> String {
    let ack = workspace.slash_command(user, PAYMENTS, text).await.unwrap();
    ack.payload
        .map(|payload| payload.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_absent_team_lead_is_skipped_to_the_deputy_and_the_thread_says_why() {
    let (workspace, _dir, bot) = started(SLOW).await;

    // Bob is no admin: he cannot mark Alice away, and nothing is stored.
    let refused = ask(
        &workspace,
        BOB,
        "away <@UALICE> from 2020-01-01 until 2099-12-31",
    )
    .await;
    assert!(refused.contains("Only admins"), "{refused}");
    let listed = ask(&workspace, ALICE, "away list").await;
    assert!(listed.contains("has no absences planned"), "{listed}");

    // Carol, an admin, marks Alice away; Alice sees it in her own list.
    let set = ask(
        &workspace,
        CAROL,
        "away <@UALICE> from 2020-01-01 until 2099-12-31T18:00 parental leave",
    )
    .await;
    assert!(set.contains("<@UALICE> is away from"), "{set}");
    let listed = ask(&workspace, ALICE, "away list").await;
    assert!(listed.contains("parental leave"), "{listed}");
    assert!(listed.contains("2099"), "{listed}");

    // A bad date is named.
    let bad = ask(&workspace, ALICE, "away until friday").await;
    assert!(bad.contains("“friday” is not a date"), "{bad}");

    // The incident skips Alice: Bob is paged and the thread says why.
    ask(&workspace, REPORTER, "sev1 Checkout fails for everyone").await;
    expect(&workspace, "the deputy page", |ws| ws.dms(BOB).len() == 1).await;
    expect(&workspace, "the reason in the thread", |ws| {
        thread_count(ws, "<@UALICE> is away until") == 1
    })
    .await;
    assert_eq!(thread_count(&workspace, "<@UBOB> stands in"), 1);
    assert!(workspace.dms(ALICE).is_empty());

    // `why` tells the step, the next page and who was passed over.
    let why = ask(&workspace, REPORTER, "why INC-1").await;
    for part in [
        "It is on step 1 of 2: team-lead, who has 10m to acknowledge.",
        "Next, at <!date^",
        "Paging moves up to step 2 of the path.",
        "Paged <@UCAROL> by direct message (step 2).",
        "Passed over so far:",
        "<@UALICE> is away until",
    ] {
        assert!(why.contains(part), "{part} missing in {why}");
    }

    // Alice cancels her absence herself.
    let cancelled = ask(&workspace, ALICE, "away cancel").await;
    assert!(cancelled.contains("absence is cancelled"), "{cancelled}");
    let listed = ask(&workspace, ALICE, "away list").await;
    assert!(listed.contains("has no absences planned"), "{listed}");
    drop(bot);
}

#[tokio::test]
async fn criteria_show_what_counts_and_what_does_not_to_anyone() {
    let (workspace, _dir, bot) = started(SLOW).await;

    let criteria = ask(&workspace, GUEST, "criteria").await;
    for part in [
        "What counts as an incident",
        "Customers cannot pay",
        "One card declined",
        "A feature is broken for many",
    ] {
        assert!(criteria.contains(part), "{part} missing in {criteria}");
    }
    assert!(!criteria.contains("/escalate ack"), "{criteria}");

    let why = ask(&workspace, GUEST, "why INC-9").await;
    assert!(why.contains("no incident INC-9"), "{why}");
    drop(bot);
}
