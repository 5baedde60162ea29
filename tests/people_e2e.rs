//! End to end on Slack for the people side of the bot: absences, `why`, criteria,
//! statistics and admin commands, through the real binary and the local workspace.

mod support;

use escalator::workspace::SlackWorkspace;
use support::*;

const SLOW: Timing = Timing::no_repage(600);

async fn started(timing: Timing) -> (SlackWorkspace, tempfile::TempDir, BotProcess) {
    started_with(no_redelivery(), timing).await
}

/// The private reply to a slash command.
async fn ask(workspace: &SlackWorkspace, user: &str, text: &str) -> String {
    let ack = workspace.slash_command(user, PAYMENTS, text).await.unwrap();
    let payload = ack.payload.unwrap_or_default();
    match payload.get("text").and_then(|text| text.as_str()) {
        Some(text) => text.to_owned(),
        None => payload.to_string(),
    }
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

#[tokio::test]
async fn statistics_in_chat_and_from_the_data_folder_count_what_happened() {
    let (workspace, dir, mut bot) = started(SLOW).await;

    ask(&workspace, REPORTER, "sev1 Checkout fails").await;
    expect(&workspace, "the first page", |ws| ws.dms(ALICE).len() == 1).await;
    let acked = ask(&workspace, ALICE, "ack INC-1").await;
    assert!(acked.contains("is yours now"), "{acked}");
    let resolved = ask(&workspace, ALICE, "resolve INC-1").await;
    assert!(resolved.contains("is resolved"), "{resolved}");
    ask(&workspace, REPORTER, "sev2 Search is slow").await;

    let stats = ask(&workspace, CAROL, "stats").await;
    assert!(
        stats.contains("Where escalations stall, in the last 30days"),
        "{stats}"
    );
    assert!(stats.contains("*SEV1 Critical* 1 incident\n"), "{stats}");
    assert!(
        stats.contains("Time to acknowledge: median none, p90 none. Time to resolve: median none."),
        "{stats}"
    );
    assert!(
        stats.contains("Acknowledged at the first step: 100%. Deputy fallbacks: 0."),
        "{stats}"
    );
    assert!(
        stats.contains("Fix notes: 0 captured, 0 closed with nothing to note, 1 missing."),
        "{stats}"
    );
    assert!(
        stats.contains("Timeouts per step: none. Per person: none."),
        "{stats}"
    );
    let other_team = ask(&workspace, CAROL, "stats 7d platform").await;
    assert!(
        other_team.contains("No incidents were opened"),
        "{other_team}"
    );
    let unknown = ask(&workspace, CAROL, "stats nowhere").await;
    assert!(
        unknown.contains("no team named nowhere. The teams are: payments, platform."),
        "{unknown}"
    );

    assert!(bot.terminate().await.success());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["stats", "--format", "csv", "--data"])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let csv = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "severity,count,acknowledged,ack_median,ack_p90,resolve_median,first_step_percent,\
         deputy_fallbacks,timeouts_per_step,timeouts_per_person,fix_notes_captured,fix_notes_skipped,\
         fix_notes_missing"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    let sev1: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(sev1[..3], ["sev1", "1", "1"]);
    assert_eq!(sev1[6..], ["100", "0", "-", "-", "0", "0", "1"]);
    assert_eq!(lines[2], "sev2,1,0,,,,-,0,-,-,0,0,0");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["stats", "--format", "json", "--team", "platform", "--data"])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json, serde_json::json!({ "severities": [] }));

    // The chart is a PNG of the documented size, with or without a font on the machine.
    let chart = dir.path().join("ack.png");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["stats", "--format", "csv", "--chart"])
        .arg(&chart)
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let png = std::fs::read(&chart).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(
        png[16..24],
        [0, 0, 0x03, 0xe8, 0, 0, 0x02, 0x58],
        "1000 × 600"
    );
}

#[tokio::test]
async fn admins_see_and_change_the_live_policy_and_others_are_refused() {
    let (workspace, dir, mut bot) = started(SLOW).await;

    // Bob is no admin: refused, and the policy is unchanged.
    let refused = ask(&workspace, BOB, "admin deputy alice <@UCAROL>").await;
    assert_eq!(
        refused,
        "Only admins can do that, and nothing was changed. The admins are <@UCAROL>."
    );
    assert!(ask(&workspace, BOB, "admin show")
        .await
        .starts_with("Only admins"));
    let shown = ask(&workspace, CAROL, "admin show").await;
    for part in [
        "*The live escalation policy*",
        "Admins: <@UCAROL>",
        "<@UALICE>: deputy <@UBOB>",
        "<@UBOB>: deputy none",
        "SEV1 Critical for team payments:",
        "Step 1: team-lead by thread, dm, acknowledge within 10m, re-paged 0 times.",
        "Step 2: head-of-eng by dm, acknowledge within 30s, re-paged 0 times.",
    ] {
        assert!(shown.contains(part), "{part} missing in {shown}");
    }
    assert_eq!(
        ask(&workspace, CAROL, "admin audit").await,
        "No changes are recorded yet."
    );

    // Carol becomes Alice's deputy; a circle back to Alice is refused.
    let changed = ask(&workspace, CAROL, "admin deputy alice <@UCAROL>").await;
    assert_eq!(
        changed,
        "<@UALICE>'s deputy is now <@UCAROL>. The change is live and in the audit log."
    );
    let circle = ask(&workspace, CAROL, "admin deputy carol alice").await;
    assert!(circle.contains("go round in a circle"), "{circle}");
    let audit = ask(&workspace, CAROL, "admin audit 5").await;
    let lines: Vec<&str> = audit.lines().collect();
    assert_eq!(lines.len(), 2, "{audit}");
    // The sequence number depends on when the review schedule started, which the list
    // leaves out.
    assert!(lines[1].contains(". <!date^"), "{audit}");
    assert!(
        lines[1].ends_with(
            "carol policy-change: {\"change\":\"set-deputy\",\"deputy\":\"bob\",\"person\":\"alice\"} → \
             {\"change\":\"set-deputy\",\"deputy\":\"carol\",\"person\":\"alice\"}"
        ),
        "{audit}"
    );

    // The live policy routes by it: Alice away, Carol stands in.
    ask(&workspace, CAROL, "away alice until 2099-01-01").await;
    ask(&workspace, REPORTER, "sev1 Refunds fail").await;
    expect(&workspace, "the stand-in page", |ws| {
        thread_count(ws, "<@UCAROL> stands in") == 1
    })
    .await;
    assert!(workspace.dms(BOB).is_empty());

    // Admins and reaction emoji change too; an emoji meaning both is refused.
    let overlap = ask(&workspace, CAROL, "admin emoji ack white_check_mark").await;
    assert_eq!(
        overlap,
        "“white_check_mark” would both acknowledge and resolve, so nothing was changed."
    );
    let emoji = ask(&workspace, CAROL, "admin emoji ack :raised_hands:").await;
    assert!(
        emoji.starts_with("Reacting with :raised_hands: now acknowledges."),
        "{emoji}"
    );
    let root_message = root(&workspace).unwrap();
    workspace
        .react(CAROL, INCIDENTS, &root_message.ts, "raised_hands")
        .await
        .unwrap();
    expect(&workspace, "the hand-over by the new emoji", |ws| {
        thread_count(ws, "<@UCAROL> has taken over INC-1") == 1
    })
    .await;
    let admins = ask(&workspace, CAROL, "admin admins add <@UALICE>").await;
    assert!(
        admins.starts_with("The admins are now <@UALICE>, <@UCAROL>."),
        "{admins}"
    );
    assert!(ask(&workspace, ALICE, "admin show")
        .await
        .contains("Admins: <@UALICE>, <@UCAROL>"));
    let last = ask(&workspace, ALICE, "admin admins remove alice").await;
    assert!(last.starts_with("The admins are now <@UCAROL>."), "{last}");

    let holders = ask(&workspace, CAROL, "admin holder payments team-lead <@UBOB>").await;
    assert!(
        holders.starts_with("<@UBOB> now hold team-lead in payments."),
        "{holders}"
    );
    let nobody = ask(&workspace, CAROL, "admin holder nowhere team-lead <@UBOB>").await;
    assert!(
        nobody.starts_with("There's no team named nowhere."),
        "{nobody}"
    );

    // After a restart the changes are still live.
    assert!(bot.terminate().await.success());
    let config = dir.path().join("bot-config");
    let restarted = spawn_bot(&config, &dir.path().join("bot2.log"));
    let started = std::time::Instant::now();
    let mut shown = String::new();
    while started.elapsed() < PATIENCE && !shown.contains("live escalation policy") {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        shown = ask(&workspace, CAROL, "admin show").await;
    }
    assert!(
        shown.contains("<@UALICE>: deputy <@UCAROL>") && shown.contains("Admins: <@UCAROL>\n"),
        "{shown}\n{}",
        restarted.log_text()
    );
}

#[tokio::test]
async fn admins_are_asked_to_review_the_criteria_on_a_short_period() {
    let workspace = workspace(no_redelivery()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = socket_config(&workspace, dir.path(), SLOW);
    edit_settings(
        &config,
        "criteria_review_every = \"90d\"",
        "criteria_review_every = \"2s\"",
    );
    let mut bot = spawn_connected(&workspace, &config, &dir.path().join("bot.log")).await;

    expect(&workspace, "the review reminder", |ws| {
        ws.dms(CAROL)
            .iter()
            .any(|m| m.text.contains("Time to review the escalation criteria"))
    })
    .await;
    let reminder = workspace
        .dms(CAROL)
        .into_iter()
        .find(|m| m.text.contains("Time to review"))
        .unwrap()
        .text;
    for part in [
        "Customers cannot pay",
        "One card declined",
        "Where escalations stall",
        "No incidents were opened in this period.",
    ] {
        assert!(reminder.contains(part), "{part} missing in {reminder}");
    }
    assert!(workspace.dms(ALICE).is_empty());
    assert!(workspace.dms(BOB).is_empty());

    // The reminder carries Confirm and Edit buttons.
    let message = workspace
        .dms(CAROL)
        .into_iter()
        .find(|m| m.text.contains("Time to review"))
        .unwrap();
    let blocks = message.blocks.clone().unwrap_or_default().to_string();
    assert!(
        blocks.contains("\"review:confirm\"") && blocks.contains("\"review:edit\""),
        "{blocks}"
    );
    workspace
        .click_button(CAROL, &message.channel, &message.ts, "review:edit", None)
        .await
        .unwrap();
    expect(&workspace, "how to change the criteria", |ws| {
        ephemeral_texts(ws, CAROL)
            .iter()
            .any(|text| text.contains("bot-config/severities.toml"))
    })
    .await;
    workspace
        .click_button(CAROL, &message.channel, &message.ts, "review:confirm", None)
        .await
        .unwrap();
    expect(&workspace, "the confirmation", |ws| {
        ephemeral_texts(ws, CAROL)
            .iter()
            .any(|text| text.starts_with("Thank you: the criteria are confirmed"))
    })
    .await;
    // A review after the confirmation is due one period after it, not after the last
    // reminder: the confirmation restarts the clock.
    expect(&workspace, "the next reminder", |ws| {
        ws.dms(CAROL)
            .iter()
            .filter(|m| m.text.contains("Time to review"))
            .count()
            >= 2
    })
    .await;
    assert!(bot.terminate().await.success());
    let store = escalator::store::Store::open_existing(
        &dir.path().join("data"),
        escalator::store::StoreOptions {
            cache_bytes: 1 << 20,
        },
    )
    .unwrap();
    let audit = store.audit(usize::MAX).unwrap();
    let confirmed = audit
        .iter()
        .position(|(_, record)| record.action == "criteria-review-confirmed")
        .expect("the confirmation is audited");
    assert_eq!(audit[confirmed].1.actor, "carol");
    let next = audit[confirmed..]
        .iter()
        .find(|(_, record)| record.action == "criteria-review-sent")
        .expect("a reminder after the confirmation");
    assert!(
        next.1.at - audit[confirmed].1.at >= chrono::TimeDelta::seconds(2),
        "{audit:?}"
    );
}

/// `admin show` and `admin export` as Carol sees them.
async fn live_policy(workspace: &SlackWorkspace) -> (String, String) {
    (
        ask(workspace, CAROL, "admin show").await,
        ask(workspace, CAROL, "admin export").await,
    )
}

#[tokio::test]
async fn admins_change_steps_reload_and_export_a_policy_that_round_trips() {
    let (workspace, dir, mut bot) = started(SLOW).await;
    let (shown_at_start, _) = live_policy(&workspace).await;

    // Bob is no admin: refused, and the policy is unchanged.
    let refused = ask(&workspace, BOB, "admin step add sev1 default 1 @bob").await;
    assert!(refused.starts_with("Only admins"), "{refused}");
    assert!(ask(&workspace, BOB, "admin reload")
        .await
        .starts_with("Only admins"));
    assert!(ask(&workspace, BOB, "admin export")
        .await
        .starts_with("Only admins"));
    assert_eq!(live_policy(&workspace).await.0, shown_at_start);

    let added = ask(
        &workspace,
        CAROL,
        "admin step add sev1 default 2 @bob means dm ack 3m",
    )
    .await;
    assert!(
        added.starts_with("SEV1 Critical for the default path now climbs:"),
        "{added}"
    );
    assert!(
        added.contains(
            "Step 2: bob by dm, acknowledge within 3m, re-paged 0 times.\nStep 3: head-of-eng"
        ),
        "{added}"
    );
    let retimed = ask(
        &workspace,
        CAROL,
        "admin step set sev1 default 1 repages 2 every 1m",
    )
    .await;
    assert!(
        retimed
            .contains("Step 1: team-lead by thread, dm, acknowledge within 10m, re-paged 2 times."),
        "{retimed}"
    );
    // Checked as check-config checks the file: re-pages must fit in the deadline.
    let too_many = ask(
        &workspace,
        CAROL,
        "admin step set sev1 default 1 repages 20",
    )
    .await;
    assert!(
        too_many.starts_with("The config checks refuse that, so nothing was changed:"),
        "{too_many}"
    );
    assert!(
        too_many.contains("severity[sev1].path[default].steps[0]"),
        "{too_many}"
    );
    let moved = ask(&workspace, CAROL, "admin step move sev1 default 3 1").await;
    assert!(moved.contains("Step 1: head-of-eng by dm"), "{moved}");
    let removed = ask(&workspace, CAROL, "admin step remove sev1 default 1").await;
    assert!(removed.contains("Step 1: team-lead"), "{removed}");
    let no_path = ask(&workspace, CAROL, "admin step remove sev1 payments 1").await;
    assert!(
        no_path.contains("has no path of its own for payments"),
        "{no_path}"
    );
    let no_step = ask(&workspace, CAROL, "admin step remove sev2 default 4").await;
    assert_eq!(no_step, "That path has no step 4, so nothing was changed.");

    // Changes sent at once all land: each waits for the one before.
    let (one, two, three, four) = tokio::join!(
        ask(&workspace, CAROL, "admin admins add <@UALICE>"),
        ask(&workspace, CAROL, "admin admins add <@UBOB>"),
        ask(&workspace, CAROL, "admin deputy bob carol"),
        ask(&workspace, CAROL, "admin step set sev2 default 1 ack 90s"),
    );
    for reply in [&one, &two, &three, &four] {
        assert!(reply.contains("The change is live"), "{reply}");
    }
    let (shown, exported) = live_policy(&workspace).await;
    for part in [
        "Admins: <@UALICE>, <@UBOB>, <@UCAROL>",
        "<@UBOB>: deputy <@UCAROL>",
        "Step 1: team-lead by thread, acknowledge within 1m 30s, re-paged 0 times.",
        "Step 2: bob by dm, acknowledge within 3m, re-paged 0 times.",
    ] {
        assert!(shown.contains(part), "{part} missing in {shown}");
    }
    assert!(exported.contains("*severities.toml*\n```\n"), "{exported}");
    assert!(exported.contains("person = \"bob\""), "{exported}");

    // On the stopped bot the same policy is exported as files that pass check-config.
    assert!(bot.terminate().await.success());
    let export = dir.path().join("export");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["config", "export", "--config"])
        .arg(dir.path().join("bot-config"))
        .arg("--out")
        .arg(&export)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["check-config", "--config"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");

    // The bot runs on the export; a reload makes the files alone the live policy, and
    // it is the policy the chat changes had made.
    let restarted = spawn_bot(&export, &dir.path().join("bot2.log"));
    let started = std::time::Instant::now();
    while started.elapsed() < PATIENCE
        && !ask(&workspace, CAROL, "admin show")
            .await
            .contains("live escalation policy")
    {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let reloaded = ask(&workspace, CAROL, "admin reload").await;
    assert!(
        reloaded.starts_with("The live policy is now bot-config/"),
        "{reloaded}\n{}",
        restarted.log_text()
    );
    assert_eq!(
        live_policy(&workspace).await,
        (shown.clone(), exported.clone())
    );

    // A broken file is reported with its line, and nothing changes.
    let people = export.join("people.toml");
    let good = std::fs::read_to_string(&people).unwrap();
    std::fs::write(
        &people,
        good.replace("deputy = \"carol\"", "deputy = \"nobody\""),
    )
    .unwrap();
    let failed = ask(&workspace, CAROL, "admin reload").await;
    assert!(
        failed.starts_with("bot-config/ has problems, so the live policy was not changed:"),
        "{failed}"
    );
    assert!(
        failed.contains("people.toml:") && failed.contains("nobody"),
        "{failed}"
    );
    assert_eq!(live_policy(&workspace).await.0, shown);

    // Fixed on disk (Bob without a deputy) and reloaded: the files are live, and the
    // audit names the file that changed.
    std::fs::write(&people, good.replace("deputy = \"carol\"\n", "")).unwrap();
    let reloaded = ask(&workspace, CAROL, "admin reload").await;
    assert!(reloaded.starts_with("The live policy is now"), "{reloaded}");
    assert!(ask(&workspace, CAROL, "admin show")
        .await
        .contains("<@UBOB>: deputy none"));
    let audit = ask(&workspace, CAROL, "admin audit 1").await;
    assert!(
        audit.contains("policy-reload: [people.toml] → [people.toml]"),
        "{audit}"
    );
    drop(restarted);
}
