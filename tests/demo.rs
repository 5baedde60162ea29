//! `escalator demo` runs the whole flow against the built-in workspace and exits 0.

use std::process::Command;

#[test]
fn the_demo_plays_one_incident_from_report_to_fix_note() {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["demo", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "/escalate sev1 Card payments fail with 502 at checkout",
        "INC-1 still needs an owner (reminder 1)",
        "you're paged as their deputy",
        "@bob has taken over INC-1",
        "@bob resolved INC-1",
        "Could you write a short fix note",
        "#knowledge escalator: Fix note for INC-1 · SEV1 Critical: Checkout returned 502",
        "Checkout returned 502 after a gateway config change",
        "INC-1 is closed, fix note captured.",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }

    // --data keeps the data for the data commands.
    let listed = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["incidents", "list", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{table}");
    assert!(
        table.contains("INC-1") && table.contains("closed"),
        "{table}"
    );
}
