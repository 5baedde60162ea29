//! End to end on Slack: editing a fix note (its author and admins only, re-indexed, the
//! knowledge-channel post updated in place) and closing a resolved incident with
//! nothing to note, which stops the reminders and is counted in the statistics.

mod support;

use std::process::Command;
use std::time::Duration;

use escalator::workspace::{SlackWorkspace, WorkspaceOptions};
use support::*;

async fn started(reminder_every: &str) -> (SlackWorkspace, tempfile::TempDir, BotProcess) {
    let workspace = workspace(WorkspaceOptions {
        send_app_mentions: true,
        ..no_redelivery()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    // Nobody is re-paged while these tests run.
    let config = socket_config(&workspace, dir.path(), Timing::no_repage(600));
    edit_settings(
        &config,
        "fix_note_reminder_every = \"1h\"",
        &format!("fix_note_reminder_every = \"{reminder_every}\""),
    );
    let bot = spawn_connected(&workspace, &config, &dir.path().join("bot.log")).await;
    (workspace, dir, bot)
}

/// What `/escalate TEXT` answered `user` at once.
async fn command(workspace: &SlackWorkspace, user: &str, text: &str) -> String {
    let ack = workspace.slash_command(user, PAYMENTS, text).await.unwrap();
    ack.payload.map(|p| p.to_string()).unwrap_or_default()
}

/// Opens INC-1 and resolves it as the reporter.
async fn resolved_incident(workspace: &SlackWorkspace) {
    let opened = command(workspace, REPORTER, "sev1 Checkout 502 at the gateway").await;
    assert!(opened.contains("INC-1"), "{opened}");
    expect(workspace, "the root message", |ws| root(ws).is_some()).await;
    let resolved = command(workspace, REPORTER, "resolve INC-1").await;
    assert!(resolved.contains("resolved"), "{resolved}");
    expect(workspace, "the fix-note request", |ws| {
        thread_count(ws, "Could you write a short fix note") == 1
    })
    .await;
}

/// Submits the newest view opened for `user` with `fix` as what fixed it.
async fn submit_note(workspace: &SlackWorkspace, user: &str, cause: &str, fix: &str) {
    let view = workspace
        .views()
        .into_iter()
        .rev()
        .find(|view| view.user == user)
        .expect("a form is open");
    workspace
        .submit_view(
            user,
            &view.id,
            &[
                ("summary", "summary", "Checkout 502 at the gateway"),
                ("cause", "cause", cause),
                ("fix", "fix", fix),
                (
                    "prevention",
                    "prevention",
                    "Smoke-test checkout after changes",
                ),
                ("links", "links", ""),
            ],
        )
        .await
        .unwrap();
}

/// What a search answers.
async fn search(workspace: &SlackWorkspace, query: &str) -> String {
    command(workspace, GUEST, &format!("kb {query}")).await
}

#[tokio::test]
async fn the_author_and_admins_edit_a_fix_note_in_place_and_others_are_refused() {
    let (workspace, dir, mut bot) = started("1h").await;
    resolved_incident(&workspace).await;

    // Alice writes the note through the Post fix button.
    let root_ts = root(&workspace).unwrap().ts;
    workspace
        .click_button(ALICE, INCIDENTS, &root_ts, "fix:1", None)
        .await
        .unwrap();
    expect(&workspace, "the fix-note form", |ws| ws.views().len() == 1).await;
    submit_note(
        &workspace,
        ALICE,
        "The provider's certificate expired",
        "Renewed the expired certificate",
    )
    .await;
    expect(&workspace, "the note in #knowledge", |ws| {
        ws.messages(KNOWLEDGE).len() == 1
    })
    .await;
    let post = workspace.messages(KNOWLEDGE)[0].clone();
    let blocks = post.blocks.clone().unwrap().to_string();
    assert!(blocks.contains("fixedit:1"), "no Edit button: {blocks}");
    assert!(search(&workspace, "expired certificate")
        .await
        .contains("INC-1"));

    // Bob is neither the author nor an admin: a refusal only he sees, and no form.
    let refused = command(&workspace, BOB, "kb edit INC-1").await;
    assert!(
        refused.contains("Only the note's author and admins can edit"),
        "{refused}"
    );
    workspace
        .click_button(BOB, KNOWLEDGE, &post.ts, "fixedit:1", None)
        .await
        .unwrap();
    expect(&workspace, "Bob's refusal for the button", |ws| {
        ephemeral_texts(ws, BOB)
            .iter()
            .any(|text| text.contains("Only the note's author and admins can edit"))
    })
    .await;
    // Post fix (on the request in the thread), once there is a note, is an edit too:
    // Bob is refused there as well.
    let ask = thread(&workspace)
        .into_iter()
        .find(|m| m.text.contains("Could you write a short fix note"))
        .unwrap();
    let refusals = |ws: &SlackWorkspace| {
        ephemeral_texts(ws, BOB)
            .iter()
            .filter(|text| text.contains("Only the note's author and admins can edit"))
            .count()
    };
    let before = refusals(&workspace);
    workspace
        .click_button(BOB, INCIDENTS, &ask.ts, "fix:1", None)
        .await
        .unwrap();
    // At least one more: under load a slow first answer can make the workspace deliver
    // a click again, and each delivery is answered.
    expect(&workspace, "Bob's refusal for Post fix", |ws| {
        refusals(ws) > before
    })
    .await;
    assert_eq!(workspace.views().len(), 1, "a form opened for Bob");

    // Alice edits from the command: the form opens filled with her note.
    let opened = command(&workspace, ALICE, "kb edit INC-1").await;
    assert!(!opened.contains("Only"), "{opened}");
    expect(&workspace, "the edit form", |ws| ws.views().len() == 2).await;
    let form = workspace.views()[1].view.to_string();
    assert!(form.contains("Edit the fix note"), "{form}");
    assert!(
        form.contains("\"initial_value\":\"Renewed the expired certificate\""),
        "{form}"
    );
    submit_note(
        &workspace,
        ALICE,
        "A signing key was rotated without telling the provider",
        "Rolled the signing key back",
    )
    .await;
    expect(&workspace, "the post edited in place", |ws| {
        ws.messages(KNOWLEDGE).first().is_some_and(|m| m.edits == 1)
    })
    .await;
    assert_eq!(workspace.messages(KNOWLEDGE).len(), 1, "a second post");
    let edited = workspace.messages(KNOWLEDGE)[0]
        .blocks
        .clone()
        .unwrap()
        .to_string();
    assert!(edited.contains("Rolled the signing key back"), "{edited}");
    assert!(
        !edited.contains("Renewed the expired certificate"),
        "{edited}"
    );
    assert!(edited.contains("Last edited by <@UALICE>"), "{edited}");
    expect(&workspace, "the edit in the thread", |ws| {
        thread_count(ws, "<@UALICE> edited the fix note of INC-1") == 1
    })
    .await;

    // The search follows the edit: the new words find it, the removed ones do not.
    assert!(search(&workspace, "signing key rolled")
        .await
        .contains("INC-1"));
    let stale = search(&workspace, "expired certificate").await;
    assert!(stale.contains("No fix notes match"), "{stale}");

    // A mention cannot open a form; Alice is told how to edit instead of hearing nothing.
    workspace
        .post_message(ALICE, INCIDENTS, "<@UBOT> kb edit", Some(&root_ts))
        .await
        .unwrap();
    expect(&workspace, "the pointer to the command", |ws| {
        ephemeral_texts(ws, ALICE)
            .iter()
            .any(|text| text.contains("can't open a form from a mention"))
    })
    .await;

    // A skip after the note is refused: the knowledge is captured already.
    let late_skip = command(&workspace, ALICE, "kb skip INC-1 nothing to add").await;
    assert!(late_skip.contains("already captured"), "{late_skip}");

    // Carol is an admin: the Edit button on the post opens the form for her.
    workspace
        .click_button(CAROL, KNOWLEDGE, &post.ts, "fixedit:1", None)
        .await
        .unwrap();
    expect(&workspace, "Carol's edit form", |ws| ws.views().len() == 3).await;
    submit_note(
        &workspace,
        CAROL,
        "A signing key was rotated without telling the provider",
        "Rolled the signing key back and told the provider",
    )
    .await;
    expect(&workspace, "the second edit", |ws| {
        ws.messages(KNOWLEDGE).first().is_some_and(|m| m.edits == 2)
    })
    .await;
    let edited = workspace.messages(KNOWLEDGE)[0]
        .blocks
        .clone()
        .unwrap()
        .to_string();
    assert!(edited.contains("Last edited by <@UCAROL>"), "{edited}");
    // The author stays Alice.
    assert!(edited.contains("<@UALICE>"), "{edited}");

    // The store keeps every earlier version with who replaced it.
    assert!(bot.terminate().await.success());
    let export = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["incidents", "show", "--data"])
        .arg(dir.path().join("data"))
        .arg("INC-1")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&export.stdout).to_string();
    assert!(export.status.success(), "{shown}");
    assert!(shown.contains("fix note edited by UALICE"), "{shown}");
    assert!(shown.contains("fix note edited by UCAROL"), "{shown}");
}

#[tokio::test]
async fn nothing_to_note_with_a_reason_closes_the_loop_and_is_counted() {
    let (workspace, dir, mut bot) = started("2s").await;
    resolved_incident(&workspace).await;
    // Reminders follow the configured cadence while neither a note nor a reason exists.
    expect(&workspace, "a reminder", |ws| {
        thread_count(ws, "a friendly reminder") >= 1
    })
    .await;

    // A reason is required, and only people who may resolve it may skip the note.
    let no_reason = command(&workspace, REPORTER, "kb skip INC-1").await;
    assert!(no_reason.contains("needs a reason"), "{no_reason}");
    let guest = command(&workspace, GUEST, "kb skip INC-1 duplicate").await;
    assert!(guest.contains("not in the escalation policy"), "{guest}");

    let skipped = command(
        &workspace,
        REPORTER,
        "kb skip INC-1 duplicate of an earlier report",
    )
    .await;
    assert!(skipped.contains("closed with nothing to note"), "{skipped}");
    expect(&workspace, "the reason in the thread", |ws| {
        thread_count(
            ws,
            "closed INC-1 without a fix note, because: duplicate of an earlier report",
        ) == 1
    })
    .await;
    expect(&workspace, "the closed root", |ws| {
        root(ws).is_some_and(|m| m.text.contains("Closed"))
    })
    .await;

    // No reminder follows: wait past two reminder periods, then count again.
    let reminders = thread_count(&workspace, "a friendly reminder");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(thread_count(&workspace, "a friendly reminder"), reminders);
    let again = command(&workspace, REPORTER, "kb skip INC-1 again").await;
    assert!(again.contains("already captured"), "{again}");

    // Statistics count the skip apart from notes and missing notes, with its reason.
    let stats = command(&workspace, CAROL, "stats").await;
    assert!(
        stats.contains("Fix notes: 0 captured, 1 closed with nothing to note, 0 missing."),
        "{stats}"
    );
    assert!(
        stats.contains("Nothing to note: INC-1 (duplicate of an earlier report)"),
        "{stats}"
    );

    assert!(bot.terminate().await.success());
    let output = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["stats", "--format", "json", "--data"])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let sev1 = &json["severities"][0];
    assert_eq!(sev1["fix_notes_captured"], 0);
    assert_eq!(sev1["fix_notes_skipped"], 1);
    assert_eq!(sev1["fix_notes_missing"], 0);
    assert_eq!(
        sev1["skip_reasons"][0]["reason"],
        "duplicate of an earlier report"
    );
    let table = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["stats", "--data"])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout).to_string();
    assert!(
        table.contains("INC-1 (sev1): duplicate of an earlier report"),
        "{table}"
    );
}
