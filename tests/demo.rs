//! `escalator demo` runs the whole flow against the built-in workspace (Slack, or
//! Discord with `--platform discord`) and exits 0.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// What `escalator demo ARGS` printed; fails the test unless it exits 0.
fn demo(args: &[&OsStr]) -> String {
    demo_in(Path::new("."), args)
}

/// What `escalator demo ARGS` run in the folder `cwd` printed; fails the test unless it
/// exits 0.
fn demo_in(cwd: &Path, args: &[&OsStr]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .current_dir(cwd)
        .arg("demo")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_demo_plays_one_incident_from_report_to_fix_note() {
    let data = tempfile::tempdir().unwrap();
    let stdout = demo(&["--data".as_ref(), data.path().as_os_str()]);
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
    assert_closed_incident_in(data.path());
}

/// `escalator incidents list --data DATA` shows INC-1 closed.
fn assert_closed_incident_in(data: &Path) {
    let listed = Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(["incidents", "list", "--data"])
        .arg(data)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success(),
        "{table}{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(
        table.contains("INC-1") && table.contains("closed"),
        "{table}"
    );
}

#[test]
fn the_discord_demo_plays_the_whole_flow() {
    // A relative --data is a folder under the one the demo is run in.
    let cwd = tempfile::tempdir().unwrap();
    let stdout = demo_in(
        cwd.path(),
        &[
            "--platform".as_ref(),
            "discord".as_ref(),
            "--data".as_ref(),
            "kept".as_ref(),
        ],
    );
    for line in [
        "a local Discord server on http://127.0.0.1:",
        "bot → forum post in #knowledge: Fix note: INC-1",
        "INC-1 is closed, fix note captured.",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    assert_closed_incident_in(&cwd.path().join("kept"));
}
