//! `escalator kb search|export` against a data folder, through the real binary.

mod knowledge_support;

use std::path::Path;
use std::process::{Command, Output};

use escalator::store::Store;
use knowledge_support::*;

const NOTES: &[Note] = &[
    Note {
        id: 3,
        team: "payments",
        summary: "결제 승인이 계속 실패합니다",
        title: "카드 결제 승인 실패",
        cause: "PG사 인증 키가 교체되었는데 설정에 반영되지 않았습니다",
        fix: "새 인증 키를 배포했습니다",
        prevention: "",
    },
    Note {
        id: 5,
        team: "platform",
        summary: "Order webhooks failed after the deploy",
        title: "Webhook deliveries failed with 401",
        cause: "The signing secret was rotated in one region only",
        fix: "Rotated the secret everywhere",
        prevention: "Rotate secrets with the runbook script",
    },
];

fn escalator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

async fn data_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    commit_all(&store, NOTES).await;
    dir
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[tokio::test]
async fn search_prints_the_best_notes_as_a_table() {
    let dir = data_folder().await;

    let output = escalator(&["kb", "search", "--data", path(dir.path()), "결제가"]);

    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("ID     SEVERITY  TEAM      DATE        SCORE"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("INC-3  sev2      payments  2024-05-04  "),
        "{stdout}"
    );
    assert!(lines[1].ends_with("  카드 결제 승인 실패"), "{stdout}");

    let output = escalator(&[
        "kb",
        "search",
        "--data",
        path(dir.path()),
        "failing",
        "webhook",
    ]);
    let stdout = text(&output.stdout);
    assert!(
        stdout.lines().nth(1).unwrap().starts_with("INC-5 "),
        "{stdout}"
    );

    let output = escalator(&["kb", "search", "--data", path(dir.path()), "kafka"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "No fix notes match “kafka” yet.\n");
}

#[tokio::test]
async fn export_writes_markdown_and_json() {
    let dir = data_folder().await;

    let output = escalator(&[
        "kb",
        "export",
        "--data",
        path(dir.path()),
        "--format",
        "markdown",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let markdown = text(&output.stdout);
    assert!(
        markdown.starts_with(
            "## INC-3 · 카드 결제 승인 실패\n\n\
             - Incident: 결제 승인이 계속 실패합니다\n\
             - Severity: sev2\n\
             - Team: payments\n\
             - Written on: 2024-05-04\n\n\
             ### Why it happened\n\n\
             PG사 인증 키가 교체되었는데 설정에 반영되지 않았습니다\n\n\
             ### What fixed it\n\n\
             새 인증 키를 배포했습니다\n\n\
             ### How to prevent it\n\n\
             Not given\n\n\
             ## INC-5 · Webhook deliveries failed with 401\n"
        ),
        "{markdown}"
    );

    let output = escalator(&[
        "kb",
        "export",
        "--data",
        path(dir.path()),
        "--format",
        "markdown",
        "--locale",
        "ko",
    ]);
    assert!(
        text(&output.stdout).contains("### 원인"),
        "{}",
        text(&output.stdout)
    );

    let output = escalator(&[
        "kb",
        "export",
        "--data",
        path(dir.path()),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let notes = json.as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["incident"], "INC-3");
    assert_eq!(notes[1]["summary"], "Webhook deliveries failed with 401");
    assert_eq!(notes[1]["team"], "platform");
    assert_eq!(notes[1]["fix"], "Rotated the secret everywhere");
}

#[tokio::test]
async fn a_folder_in_use_or_without_data_is_refused() {
    let dir = data_folder().await;
    let held: Store = open_store(dir.path());

    let output = escalator(&["kb", "search", "--data", path(dir.path()), "결제"]);

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: another escalator is using {}\n",
            dir.path().display()
        )
    );
    drop(held);

    let empty = tempfile::tempdir().unwrap();
    let output = escalator(&[
        "kb",
        "export",
        "--data",
        path(empty.path()),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: there is no escalator data in {}\n",
            empty.path().display()
        )
    );
    assert!(!empty.path().join("db").exists());
}

#[tokio::test]
async fn bad_arguments_of_the_data_commands_are_named_plainly() {
    let dir = data_folder().await;
    let missing = dir.path().join("typo");
    let cases: [(&[&str], i32, String); 3] = [
        (
            &[
                "kb",
                "export",
                "--data",
                path(dir.path()),
                "--format",
                "markdown",
                "--locale",
                "fr",
            ],
            1,
            "error: there are no messages in `fr`; use one of: en, ko\n".to_owned(),
        ),
        (
            &["snapshots", "list", "--data", path(&missing)],
            1,
            format!(
                "error: there is no escalator data in {}\n",
                missing.display()
            ),
        ),
        (
            &["stats", "--data", path(dir.path()), "--since", "banana"],
            2,
            "error: invalid value 'banana' for '--since <PERIOD>': write a period as a number \
             and a unit, e.g. 30d, 12h or 90m\n"
                .to_owned(),
        ),
    ];
    for (args, code, message) in cases {
        let output = escalator(args);
        assert_eq!(output.status.code(), Some(code), "{args:?}");
        assert!(
            text(&output.stderr).starts_with(&message),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}
