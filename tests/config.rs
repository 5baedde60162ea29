//! Loading and validating config folders: the shipped example, and one broken config per
//! rule from `tests/fixtures/configs/`.
//!
//! Each broken case holds only the files that differ from `base/`; the test copies `base/`
//! and then the case into a temporary folder, so the errors name that folder's files.

use std::path::Path;
use std::time::Duration;

use escalator::config::describe::{describe_path, describe_policy};
use escalator::config::{Config, ConfigErrors, SlackMode, WebhookSource};
use escalator::engine::policy::{Means, PositionHold, Target};
use escalator::engine::{PersonId, Platform, PositionId, SeverityId, TeamId};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/configs");

fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Loads `base/` overlaid with `case`; returns the errors with the folder left out.
fn errors_of(case: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    copy_files(&Path::new(FIXTURES).join("base"), dir.path());
    copy_files(&Path::new(FIXTURES).join(case), dir.path());
    let errors: ConfigErrors = Config::load(dir.path()).expect_err("the case must be rejected");
    let prefix = format!("{}/", dir.path().display());
    errors
        .iter()
        .map(|error| error.to_string().replace(&prefix, ""))
        .collect()
}

fn example() -> Config {
    Config::load(concat!(env!("CARGO_MANIFEST_DIR"), "/bot-config")).unwrap()
}

#[test]
fn the_example_config_loads_with_its_defaults_filled_in() {
    let config = example();
    let slack = config.settings.slack.as_ref().unwrap();
    assert_eq!(slack.mode, SlackMode::Socket);
    assert_eq!(slack.api_base_url, escalator::config::SLACK_API_BASE_URL);
    assert_eq!(slack.command, "/escalate");
    assert!(config.settings.discord.is_none());
    assert_eq!(config.settings.storage.data_dir, config.dir.join("data"));
    assert_eq!(config.settings.storage.cache_mb, 32);
    assert_eq!(
        config.settings.storage.snapshot_every,
        Duration::from_secs(3600)
    );
    assert_eq!(config.settings.storage.snapshots_kept, 24);
    assert_eq!(config.settings.http.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(
        config.settings.webhooks.get("pager"),
        Some(&WebhookSource::Env("ESCALATOR_PAGER_URL".to_owned()))
    );

    let policy = &config.policy;
    assert_eq!(policy.teams.len(), 2);
    assert_eq!(policy.people.len(), 6);
    let ids: Vec<&str> = policy.severities.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["sev1", "sev2", "sev3", "sev4"]);
    assert_eq!(
        policy.fix_note_reminder_every,
        Duration::from_secs(4 * 3600)
    );
    assert_eq!(
        policy.criteria_review_every,
        Duration::from_secs(90 * 86_400)
    );
    assert_eq!(policy.ack_emoji, ["eyes", "white_check_mark"]);

    let minji = &policy.people[&PersonId::from("minji")];
    assert_eq!(minji.locale.as_deref(), Some("ko"));
    assert_eq!(minji.timezone, chrono_tz::Asia::Seoul);
    assert_eq!(minji.deputy, Some(PersonId::from("erik")));
    assert_eq!(
        minji.accounts.get(&Platform::Slack).map(String::as_str),
        Some("U05MINJI")
    );
    assert_eq!(
        policy.people[&PersonId::from("dave")].positions,
        [PositionHold {
            team: None,
            position: PositionId::from("cto"),
        }]
    );

    let payments = policy
        .path(&SeverityId::from("sev1"), &TeamId::from("payments"))
        .unwrap();
    let first = &payments.steps[0];
    assert_eq!(
        first.target,
        Target::Position(PositionId::from("team-lead"))
    );
    assert_eq!(
        first.means,
        [
            Means::Thread,
            Means::Direct,
            Means::Webhook("pager".to_owned())
        ]
    );
    assert_eq!(
        (first.ack_within, first.repages, first.repage_every),
        (Duration::from_secs(300), 2, Duration::from_secs(120))
    );
}

#[test]
fn url_env_webhooks_join_the_policy_once_resolved() {
    let mut config = example();
    assert!(config.policy.webhooks.is_empty());

    let errors = config.resolve_webhooks(|_| None).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "escalator.toml: webhooks.pager.url_env: the environment variable `ESCALATOR_PAGER_URL` is not set"
    );

    config
        .resolve_webhooks(|name| {
            (name == "ESCALATOR_PAGER_URL").then(|| "http://127.0.0.1:9/p".to_owned())
        })
        .unwrap();
    assert_eq!(config.policy.webhooks["pager"].url, "http://127.0.0.1:9/p");
}

#[test]
fn paths_are_described_in_plain_words() {
    let config = example();
    assert_eq!(
        describe_path(
            &config.policy,
            &SeverityId::from("sev1"),
            &TeamId::from("payments")
        )
        .unwrap(),
        "team-lead [Alice Schmidt] (thread, dm, webhook:pager; ack 5m, re-page 2x every 2m) \
         -> deputy [Bob Lee] (ack 5m) \
         -> head-of-eng [Carol Diaz] (thread, dm, webhook:pager; ack 10m) \
         -> cto [Dave Okafor] (thread, dm, webhook:pager; ack 15m); then whole channel every 15m"
    );
    let lines = describe_policy(&config.policy);
    assert_eq!(lines.len(), 8);
    assert_eq!(
        lines[7],
        "sev4 / platform: team-lead [Minji Park] (thread; ack 1d) -> deputy [Erik Johansson] (ack 1d); \
         then whole channel every 1d"
    );
}

#[test]
fn the_base_fixture_is_valid() {
    Config::load(Path::new(FIXTURES).join("base")).unwrap();
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    copy_files(&Path::new(FIXTURES).join("base"), dir.path());
    std::fs::remove_file(dir.path().join("teams.toml")).unwrap();
    let errors = Config::load(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1);
    let error = &errors.0[0];
    assert_eq!(error.file, dir.path().join("teams.toml"));
    assert!(error.location.is_none());
    assert!(
        error.message.starts_with("cannot read the file: "),
        "{}",
        error.message
    );
}

#[test]
fn toml_syntax_errors_point_at_the_place() {
    assert_eq!(
        errors_of("syntax-error"),
        ["severities.toml:2:11: invalid basic string"]
    );
}

#[test]
fn unknown_keys_are_errors_named_by_their_path() {
    assert_eq!(
        errors_of("unknown-key"),
        ["people.toml:12:1: person[dep].deputee: unknown field `deputee`, expected one of `id`, \
          `name`, `slack`, `discord`, `positions`, `deputy`, `locale`, `timezone`"]
    );
    assert_eq!(
        errors_of("unknown-step-key"),
        [
            "severities.toml:8:68: severity[sev1].path[default].steps[0].repeat: unknown field \
          `repeat`, expected one of `position`, `person`, `means`, `ack_within`, `repages`, \
          `repage_every`"
        ]
    );
}

#[test]
fn unknown_teams_people_positions_and_webhooks_are_all_reported() {
    assert_eq!(
        errors_of("unknown-references"),
        [
            "people.toml:5:36: person[lead].positions[1]: no team `billing` in teams.toml",
            "people.toml:12:10: person[dep].deputy: no person `nobody` in this file",
            "severities.toml:7:8: severity[sev1].path[billing].team: no team `billing` in teams.toml",
            "severities.toml:12:48: severity[sev1].path[default].steps[0].means[1]: no webhook `sms` \
             in [webhooks] of escalator.toml",
            "severities.toml:13:14: severity[sev1].path[default].steps[1].person: no person `zoe` in \
             people.toml",
            "severities.toml:14:16: severity[sev1].path[default].steps[2].position: no one holds \
             position `team-laed` in team `payments`",
            "severities.toml:14:16: severity[sev1].path[default].steps[2].position: no one holds \
             position `team-laed` in team `platform`",
        ]
    );
}

#[test]
fn a_config_without_severities_or_teams_is_refused() {
    assert_eq!(
        errors_of("no-severities"),
        [
            "severities.toml:1:1: severity: no severity is defined: add a [[severity]] with its \
          criteria and path, so that /escalate can open an incident"
        ]
    );
    let errors = errors_of("no-teams");
    let no_team = "teams.toml:1:1: team: no team is defined: add a [[team]] with its \
                   channels, so that an incident reported there has a team to page";
    assert!(errors.iter().any(|error| error == no_team), "{errors:#?}");
}

#[test]
fn a_position_nobody_holds_in_a_team_the_path_serves_is_an_error() {
    assert_eq!(
        errors_of("empty-position"),
        [
            "severities.toml:8:16: severity[sev1].path[default].steps[0].position: no one holds \
          position `team-lead` in team `platform`"
        ]
    );
}

#[test]
fn duplicate_teams_people_severities_and_paths_are_errors() {
    assert_eq!(
        errors_of("duplicate-ids"),
        [
            "people.toml:20:6: person[lead].id: a person `lead` is already defined",
            "severities.toml:14:8: severity[sev1].path[payments]: a path for team `payments` is \
             already defined",
            "severities.toml:18:6: severity[sev1].id: a severity `sev1` is already defined",
            "teams.toml:16:6: team[payments].id: a team `payments` is already defined",
        ]
    );
}

#[test]
fn deputy_cycles_are_errors_including_self_deputies() {
    assert_eq!(
        errors_of("deputy-cycles"),
        [
            "people.toml:6:10: person[lead].deputy: deputies go round in a circle: lead -> dep -> \
             plat -> lead",
            "people.toml:26:10: person[boss].deputy: a person cannot be their own deputy",
        ]
    );
}

#[test]
fn zero_unparsable_unreachable_and_incomplete_timings_are_errors() {
    assert_eq!(
        errors_of("bad-timing"),
        [
            "escalator.toml:5:27: policy.fix_note_reminder_every: the duration must be longer than zero",
            "severities.toml:8:62: severity[sev1].path[default].steps[0].ack_within: the duration \
             must be longer than zero",
            "severities.toml:9:52: severity[sev1].path[default].steps[1].ack_within: `5 minutes \
             later` is not a duration (expected number at 10); write e.g. \"90s\", \"5m\", \"1h 30m\"",
            "severities.toml:19:78: severity[sev2].path[default].steps[0].repages: unreachable: \
             re-page 3 would go out 6m after the first page, at or after the ack deadline of 5m; \
             lower `repages` or `repage_every`",
            "severities.toml:20:69: severity[sev2].path[default].steps[1].repage_every: repages = 2 \
             needs `repage_every`, the time between re-pages",
        ]
    );
}

#[test]
fn a_step_paging_the_same_people_as_an_earlier_one_is_never_reached() {
    assert_eq!(
        errors_of("same-people"),
        [
            "severities.toml:10:3: severity[sev1].path[payments].steps[1]: never reached in team \
          `payments`: severity[sev1].path[payments].steps[0] already pages exactly the same people \
          (lead)"
        ]
    );
}

#[test]
fn empty_paths_and_teams_without_a_path_are_errors() {
    assert_eq!(
        errors_of("uncovered-team"),
        [
            "severities.toml:2:6: severity[sev1].path: no path covers team `platform`: add a default \
             path (one without `team`) or one with team = \"platform\"",
            "severities.toml:16:9: severity[sev2].path[default].steps: a path needs at least one step",
        ]
    );
}

#[test]
fn admins_locales_time_zones_and_accounts_are_checked() {
    assert_eq!(
        errors_of("bad-people"),
        [
            "escalator.toml:4:19: policy.admins[1]: no person `root` in people.toml",
            "escalator.toml:5:18: policy.default_locale: unknown locale `de`; known locales: en, ko",
            "people.toml:6:10: person[lead].locale: unknown locale `kr`; known locales: en, ko",
            "people.toml:7:12: person[lead].timezone: unknown time zone `Asia/Soul`; use an IANA \
             name such as \"Europe/Berlin\"",
            "people.toml:17:6: person[boss]: is paged by severity[sev1].path[default].steps[1] but \
             has no account on a configured platform (slack); add e.g. `slack = \"...\"`",
        ]
    );
}

#[test]
fn a_severity_spelled_like_a_command_is_an_error() {
    assert_eq!(
        errors_of("verb-severity"),
        [
            "severities.toml:13:6: severity[status].id: `status` is a command word of /escalate; \
          choose another severity id"
        ]
    );
}

#[test]
fn the_http_listener_address_is_checked_and_the_old_slack_key_points_to_it() {
    assert_eq!(
        errors_of("bad-http"),
        [
            "escalator.toml:4:15: slack.http_listen: moved: write the address as `listen` in \
             the [http] table, which Slack's HTTP mode shares with /healthz and /metrics",
            "escalator.toml:7:10: http.listen: `localhost` is not an address such as \
             \"127.0.0.1:8080\"",
        ]
    );
}

#[test]
fn the_shutdown_grace_defaults_to_ten_seconds_and_must_be_a_duration() {
    assert_eq!(example().settings.shutdown.grace, Duration::from_secs(10));

    let dir = tempfile::tempdir().unwrap();
    copy_files(&Path::new(FIXTURES).join("base"), dir.path());
    let settings = dir.path().join("escalator.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, format!("{text}\n[shutdown]\ngrace = \"90s\"\n")).unwrap();
    let config = Config::load(dir.path()).unwrap();
    assert_eq!(config.settings.shutdown.grace, Duration::from_secs(90));

    let errors = errors_of("bad-shutdown");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("escalator.toml:5:9: shutdown.grace: `soon` is not a duration"),
        "{errors:?}"
    );
}

#[test]
fn storage_sizes_and_the_snapshot_schedule_are_checked() {
    let errors = errors_of("bad-storage");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(
        errors[0],
        "escalator.toml:5:12: storage.cache_mb: must be at least 1"
    );
    assert!(
        errors[1].starts_with("escalator.toml:6:18: storage.snapshot_every: "),
        "{errors:?}"
    );
    assert_eq!(
        errors[2],
        "escalator.toml:7:18: storage.snapshots_kept: must be between 1 and 10000"
    );
}

#[test]
fn a_discord_public_key_that_is_not_one_is_named_with_its_place() {
    let errors = errors_of("bad-discord-key");
    assert!(
        errors.contains(
            &"escalator.toml:6:14: discord.public_key: `MTA0NjY2.not-a-key` is not a public key: \
              Discord shows it as 64 hexadecimal digits"
                .to_owned()
        ),
        "{errors:#?}"
    );
}
