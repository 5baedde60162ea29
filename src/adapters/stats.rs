//! `/escalate stats [period] [team]`: the figures of [`crate::stats`] in chat.

use std::time::Duration;

use fluent_bundle::FluentValue;

use crate::adapters::respond::{failed, Reply};
use crate::engine::TeamId;
use crate::render::Words;
use crate::runtime::Escalator;
use crate::stats::{compute_stored, Filter, SeverityStats, Stats};

/// The figures for one period and team.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsReply {
    /// How far back; `None` for all time.
    pub since: Option<Duration>,
    /// The team, if one was asked for.
    pub team: Option<TeamId>,
    /// The figures.
    pub stats: Stats,
}

/// Computes the figures asked for.
pub(crate) fn handle(
    escalator: &Escalator,
    since: Option<Duration>,
    team: Option<String>,
) -> Reply {
    let policy = escalator.policy();
    let team = match team {
        Some(word) => match policy
            .teams
            .keys()
            .find(|id| id.as_str().eq_ignore_ascii_case(&word))
        {
            Some(id) => Some(id.clone()),
            None => return Reply::UnknownTeam(word),
        },
        None => None,
    };
    let now = escalator.now();
    let filter = Filter {
        since: since.and_then(|period| chrono::Duration::from_std(period).ok().map(|p| now - p)),
        team: team.clone(),
    };
    match compute_stored(escalator.store(), &filter) {
        Ok(stats) => Reply::Stats(StatsReply { since, team, stats }),
        Err(error) => failed("read the incidents for statistics", &error),
    }
}

/// The words of a statistics reply.
pub(crate) fn stats_text(words: &Words<'_>, reply: &StatsReply) -> String {
    let period = match reply.since {
        Some(since) => words.t(
            "stats-period",
            &[("what", humantime::format_duration(since).to_string().into())],
        ),
        None => words.t("stats-period-all", &[]),
    };
    let mut lines = vec![words
        .markup
        .bold(&words.t("stats-title", &[("what", period.into())]))];
    if let Some(team) = &reply.team {
        lines.push(words.t(
            "stats-team",
            &[("team", words.markup.escape(team.as_str()).into())],
        ));
    }
    if reply.stats.severities.is_empty() {
        lines.push(words.t("stats-none", &[]));
    }
    for severity in &reply.stats.severities {
        lines.push(String::new());
        lines.extend(severity_lines(words, severity));
    }
    lines.join("\n")
}

fn severity_lines(words: &Words<'_>, stats: &SeverityStats) -> Vec<String> {
    let nothing = || words.t("stats-nothing", &[]);
    let duration = |seconds: Option<u64>| -> FluentValue<'static> {
        seconds
            .map_or_else(nothing, |s| {
                humantime::format_duration(Duration::from_secs(s)).to_string()
            })
            .into()
    };
    let pairs = |items: Vec<String>| -> FluentValue<'static> {
        if items.is_empty() {
            nothing().into()
        } else {
            items.join(", ").into()
        }
    };
    let steps = stats
        .timeouts_per_step
        .iter()
        .map(|(step, count)| format!("{step}: {count}"))
        .collect();
    let people = stats
        .timeouts_per_person
        .iter()
        .map(|(person, count)| format!("{}: {count}", words.person(person)))
        .collect();
    let share = stats
        .first_step_percent()
        .map_or_else(nothing, |percent| format!("{percent}%"));

    let mut lines = vec![
        format!(
            "{} {}",
            words.markup.bold(&words.severity(&stats.severity)),
            words.t("stats-count", &[("count", stats.count.into())])
        ),
        words.t(
            "stats-ack",
            &[
                ("ack", duration(stats.ack_median_seconds)),
                ("what", duration(stats.ack_p90_seconds)),
                ("resolve", duration(stats.resolve_median_seconds)),
            ],
        ),
        words.t(
            "stats-first-step",
            &[("what", share.into()), ("n", stats.deputy_fallbacks.into())],
        ),
        words.t(
            "stats-timeouts",
            &[("steps", pairs(steps)), ("people", pairs(people))],
        ),
        words.t(
            "stats-fix-notes",
            &[
                ("n", stats.fix_notes_captured.into()),
                ("skipped", stats.fix_notes_skipped.into()),
                ("count", stats.fix_notes_missing.into()),
            ],
        ),
    ];
    if !stats.skip_reasons.is_empty() {
        let reasons: Vec<String> = stats
            .skip_reasons
            .iter()
            .map(|skip| format!("{} ({})", skip.incident, words.markup.escape(&skip.reason)))
            .collect();
        lines.push(words.t("stats-skip-reasons", &[("what", pairs(reasons))]));
    }
    lines
}
