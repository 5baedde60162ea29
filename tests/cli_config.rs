//! `escalator check-config` and `escalator simulate`, run as the real binary.
//!
//! The simulated timelines below are worked out by hand from `bot-config/`: payments'
//! sev1 path pages the team lead (Alice, Europe/Berlin) with re-pages at 2m and 4m and a
//! 5m deadline, then her deputy Bob (Europe/London) for 5m, then the head of engineering
//! (Carol, America/New_York) for 10m, then the CTO (Dave, America/Los_Angeles) for 15m,
//! then the whole channel every 15m.

use std::path::Path;
use std::process::{Command, Output};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bot-config");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/configs");

fn escalator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(args)
        .output()
        .expect("the escalator binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn simulate(extra: &[&str]) -> Output {
    let mut args = vec!["simulate", "--config", EXAMPLE];
    args.extend_from_slice(extra);
    escalator(&args)
}

fn lines_of(output: &Output) -> Vec<String> {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        text(&output.stderr)
    );
    text(&output.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn check_config_prints_every_path_and_exits_0() {
    let output = escalator(&["check-config", "--config", EXAMPLE]);
    let lines = lines_of(&output);
    assert_eq!(lines.len(), 9);
    assert_eq!(
        lines[0],
        "sev1 / payments: team-lead [Alice Schmidt] (thread, dm, webhook:pager; ack 5m, re-page 2x \
         every 2m) -> deputy [Bob Lee] (ack 5m) -> head-of-eng [Carol Diaz] (thread, dm, \
         webhook:pager; ack 10m) -> cto [Dave Okafor] (thread, dm, webhook:pager; ack 15m); then \
         whole channel every 15m"
    );
    assert_eq!(
        lines[8],
        format!("{EXAMPLE}: ok (2 teams, 6 people, 4 severities)")
    );
}

#[test]
fn check_config_prints_every_error_with_its_place_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    for case in ["base", "bad-people"] {
        for entry in std::fs::read_dir(Path::new(FIXTURES).join(case)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let dir_text = dir.path().display().to_string();
    let output = escalator(&["check-config", "--config", &dir_text]);

    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = text(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 6, "{stderr}");
    assert_eq!(
        lines[0],
        format!(
            "{dir_text}/escalator.toml:4:19: policy.admins[1]: no person `root` in people.toml"
        )
    );
    assert_eq!(
        lines[3],
        format!(
            "{dir_text}/people.toml:7:12: person[lead].timezone: unknown time zone `Asia/Soul`; use \
             an IANA name such as \"Europe/Berlin\""
        )
    );
    assert_eq!(lines[5], "the config has 5 problems");
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        &[][..],
        &["check-config", "--confg", EXAMPLE][..],
        &["simulate", "--config", EXAMPLE][..],
        &[
            "simulate",
            "--config",
            EXAMPLE,
            "--severity",
            "sev1",
            "--ack",
            "bob",
        ][..],
        &[
            "simulate",
            "--config",
            EXAMPLE,
            "--severity",
            "sev1",
            "--at",
            "yesterday",
        ][..],
        &[
            "simulate",
            "--config",
            EXAMPLE,
            "--severity",
            "sev1",
            "--until",
            "0s",
        ][..],
    ] {
        let output = escalator(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
    assert_eq!(escalator(&["--help"]).status.code(), Some(0));
}

#[test]
fn simulate_refuses_unknown_names_with_exit_2() {
    for (args, message) in [
        (&["--severity", "sev9"][..], "simulate: there is no severity `sev9`"),
        (&["--severity", "sev1"][..], "simulate: there are several teams; choose one with --team (payments, platform)"),
        (&["--severity", "sev1", "--team", "billing"][..], "simulate: there is no team `billing`"),
        (&["--severity", "sev1", "--team", "payments", "--ack", "zoe@5m"][..], "simulate: there is no person `zoe`"),
        (&["--severity", "sev1", "--team", "payments", "--absent", "zoe"][..], "simulate: there is no person `zoe`"),
        (
            &["--severity", "sev1", "--team", "payments", "--absent", "alice@2026-03-29T02:30.."][..],
            "simulate: 2026-03-29 02:30:00 does not exist in Europe/Berlin: the clocks skip it for \
             daylight saving time",
        ),
    ] {
        let output = simulate(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&output.stderr).trim_end(), message);
    }
}

#[test]
fn an_unanswered_sev1_climbs_the_path_while_berlin_changes_to_summer_time() {
    // Berlin moves from CET to CEST at 01:00 UTC, London from GMT to BST: Alice's second
    // re-page shows 03:01 CEST two minutes after 01:59 CET.
    let output = simulate(&[
        "--severity",
        "sev1",
        "--team",
        "payments",
        "--at",
        "2026-03-29T00:57:00Z",
    ]);
    assert_eq!(
        lines_of(&output),
        [
            "+0m  2026-03-29T00:57:00Z  open sev1 for team payments",
            "+0m  2026-03-29T00:57:00Z  page alice (team-lead) by thread, dm, webhook:pager — 01:57 CET",
            "+2m  2026-03-29T00:59:00Z  page alice (team-lead, re-page 1) by thread, dm, webhook:pager — 01:59 CET",
            "+4m  2026-03-29T01:01:00Z  page alice (team-lead, re-page 2) by thread, dm, webhook:pager — 03:01 CEST",
            "+5m  2026-03-29T01:02:00Z  page bob (deputy of alice) by thread, dm, webhook:pager — 02:02 BST",
            "+10m  2026-03-29T01:07:00Z  climb to step 2: head-of-eng",
            "+10m  2026-03-29T01:07:00Z  page carol (head-of-eng) by thread, dm, webhook:pager — 21:07 EDT",
            "+20m  2026-03-29T01:17:00Z  climb to step 3: cto",
            "+20m  2026-03-29T01:17:00Z  page dave (cto) by thread, dm, webhook:pager — 18:17 PDT",
            "+35m  2026-03-29T01:32:00Z  page the whole incident channel (round 1)",
            "+50m  2026-03-29T01:47:00Z  page the whole incident channel (round 2)",
            "+1h5m  2026-03-29T02:02:00Z  page the whole incident channel (round 3)",
            "+1h5m  2026-03-29T02:02:00Z  end of simulation after 3 whole-channel pages; nobody acknowledged (the bot would go on paging the channel)",
        ]
    );
}

#[test]
fn an_absent_team_lead_is_replaced_by_her_deputy_who_acknowledges() {
    // 09:00..18:00 in Berlin (CET, UTC+1) is 08:00..17:00 UTC.
    let output = simulate(&[
        "--severity",
        "sev1",
        "--team",
        "payments",
        "--at",
        "2026-03-02T09:00:00Z",
        "--absent",
        "alice@2026-03-02T09:00..2026-03-02T18:00",
        "--ack",
        "bob@3m",
    ]);
    assert_eq!(
        lines_of(&output),
        [
            "+0m  2026-03-02T09:00:00Z  open sev1 for team payments",
            "+0m  2026-03-02T09:00:00Z  skip alice: absent until 2026-03-02T17:00:00Z; deputy bob stands in",
            "+0m  2026-03-02T09:00:00Z  page bob (standing in for alice) by thread, dm, webhook:pager — 09:00 GMT",
            "+2m  2026-03-02T09:02:00Z  page bob (team-lead, re-page 1) by thread, dm, webhook:pager — 09:02 GMT",
            "+3m  2026-03-02T09:03:00Z  ack by bob",
        ]
    );
}

#[test]
fn a_sev2_on_the_platform_team_stops_at_the_horizon() {
    // Minji is in Seoul (KST, UTC+9), Erik in Stockholm (CET), Carol in New York, still on
    // EST before 8 March.
    let output = simulate(&[
        "--severity",
        "sev2",
        "--team",
        "platform",
        "--at",
        "2026-03-02T09:00:00Z",
        "--until",
        "30m",
    ]);
    assert_eq!(
        lines_of(&output),
        [
            "+0m  2026-03-02T09:00:00Z  open sev2 for team platform",
            "+0m  2026-03-02T09:00:00Z  page minji (team-lead) by thread, dm — 18:00 KST",
            "+10m  2026-03-02T09:10:00Z  page minji (team-lead, re-page 1) by thread, dm — 18:10 KST",
            "+15m  2026-03-02T09:15:00Z  page erik (deputy of minji) by thread, dm — 10:15 CET",
            "+30m  2026-03-02T09:30:00Z  climb to step 2: head-of-eng",
            "+30m  2026-03-02T09:30:00Z  page carol (head-of-eng) by thread, dm — 04:30 EST",
            "+30m  2026-03-02T09:30:00Z  end of the simulated time; nobody acknowledged",
        ]
    );
}

#[test]
fn an_ack_from_someone_off_the_path_is_refused_and_paging_goes_on() {
    let output = simulate(&[
        "--severity",
        "sev4",
        "--team",
        "payments",
        "--at",
        "2026-03-02T09:00:00Z",
        "--ack",
        "minji@1h",
        "--until",
        "2h",
    ]);
    assert_eq!(
        lines_of(&output),
        [
            "+0m  2026-03-02T09:00:00Z  open sev4 for team payments",
            "+0m  2026-03-02T09:00:00Z  page alice (team-lead) by thread — 10:00 CET",
            "+1h  2026-03-02T10:00:00Z  ack by minji refused: only people on this incident's path, \
             their deputies or admins can acknowledge",
            "+2h  2026-03-02T11:00:00Z  end of the simulated time; nobody acknowledged",
        ]
    );
}

#[test]
fn simulate_prints_json_with_stable_field_names() {
    let output = simulate(&[
        "--severity",
        "sev4",
        "--team",
        "platform",
        "--at",
        "2026-03-02T09:00:00Z",
        "--ack",
        "minji@90s",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {
                "elapsed": "+0m",
                "elapsed_seconds": 0,
                "at": "2026-03-02T09:00:00Z",
                "kind": "open",
                "severity": "sev4",
                "team": "platform"
            },
            {
                "elapsed": "+0m",
                "elapsed_seconds": 0,
                "at": "2026-03-02T09:00:00Z",
                "kind": "page",
                "person": "minji",
                "step": 1,
                "role": "team-lead",
                "reason": "first",
                "repage": null,
                "of": null,
                "means": ["thread"],
                "local_time": "18:00",
                "zone": "KST",
                "timezone": "Asia/Seoul"
            },
            {
                "elapsed": "+1m30s",
                "elapsed_seconds": 90,
                "at": "2026-03-02T09:01:30Z",
                "kind": "ack",
                "person": "minji"
            }
        ])
    );
}

#[test]
fn exporting_the_policy_of_a_config_no_bot_has_run_with_says_what_to_do() {
    // A copy of the example without its data folder, which a bot run from the checkout
    // may have made.
    let config = tempfile::tempdir().unwrap();
    for file in [
        "escalator.toml",
        "teams.toml",
        "people.toml",
        "severities.toml",
    ] {
        std::fs::copy(Path::new(EXAMPLE).join(file), config.path().join(file)).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let output = escalator(&[
        "config",
        "export",
        "--config",
        config.path().to_str().unwrap(),
        "--out",
        out.path().join("live").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: there is no escalator data in "),
        "{stderr}"
    );
    assert!(
        stderr.contains("name that folder with --data DIR")
            && stderr.contains("the files themselves are the live policy"),
        "{stderr}"
    );
}
