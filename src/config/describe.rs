//! Paths in plain words, for `check-config` and for help in chat.
//!
//! A path reads as its steps in order, each with the people it reaches today, how they
//! are paged and how long they have; a silent step's deputies follow it, and the
//! whole-channel repeat that ends every path comes last.

use std::time::Duration;

use crate::engine::policy::{Path, Policy, Step, Target};
use crate::engine::routing::{route_deputies, Presence};
use crate::engine::{PersonId, SeverityId, TeamId};

/// A duration the way the config files write it: `90s` as `1m 30s`, `5400s` as `1h 30m`,
/// whole days as `90d`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds == 0 {
        return match duration.subsec_millis() {
            0 => "0s".to_owned(),
            millis => format!("{millis}ms"),
        };
    }
    let parts = [
        (seconds / 86_400, "d"),
        (seconds % 86_400 / 3600, "h"),
        (seconds % 3600 / 60, "m"),
        (seconds % 60, "s"),
    ];
    parts
        .iter()
        .filter(|(value, _)| *value > 0)
        .map(|(value, unit)| format!("{value}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The path `severity` climbs in `team`, in plain words, e.g.
/// `team-lead [Alice Schmidt] (thread, dm; ack 5m, re-page 2x every 2m) -> deputy [Bob Lee]
/// (ack 5m) -> cto [Dave Okafor] (dm; ack 15m); then whole channel every 15m`.
/// `None` when the severity or its path for the team does not exist.
pub fn describe_path(policy: &Policy, severity: &SeverityId, team: &TeamId) -> Option<String> {
    let path = policy.path(severity, team)?;
    Some(describe_steps(policy, path, team))
}

/// Every severity and team, one line each: `sev1 / payments: ...`, severities in policy
/// order and teams by id.
pub fn describe_policy(policy: &Policy) -> Vec<String> {
    let mut lines = Vec::new();
    for severity in &policy.severities {
        for team in policy.teams.keys() {
            let description =
                describe_path(policy, &severity.id, team).unwrap_or_else(|| "no path".to_owned());
            lines.push(format!("{} / {team}: {description}", severity.id));
        }
    }
    lines
}

fn describe_steps(policy: &Policy, path: &Path, team: &TeamId) -> String {
    let nobody_away = Presence::new(&[], chrono::DateTime::UNIX_EPOCH);
    let mut hops = Vec::new();
    for step in &path.steps {
        let people = policy.step_people(team, step);
        hops.push(format!(
            "{} [{}] ({}; {})",
            step_label(step),
            names(policy, &people),
            step.means
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            timing(step)
        ));

        let deputies: Vec<PersonId> = route_deputies(policy, &nobody_away, &people)
            .recipients
            .into_iter()
            .map(|recipient| recipient.person)
            .collect();
        if !deputies.is_empty() {
            hops.push(format!(
                "deputy [{}] (ack {})",
                names(policy, &deputies),
                format_duration(step.ack_within)
            ));
        }
    }
    let final_interval = path
        .steps
        .last()
        .map_or(Duration::from_secs(15 * 60), Step::final_interval);
    format!(
        "{}; then whole channel every {}",
        hops.join(" -> "),
        format_duration(final_interval)
    )
}

fn step_label(step: &Step) -> String {
    match &step.target {
        Target::Position(position) => position.to_string(),
        Target::Person(person) => person.to_string(),
    }
}

fn names(policy: &Policy, people: &[PersonId]) -> String {
    if people.is_empty() {
        return "nobody".to_owned();
    }
    people
        .iter()
        .map(|id| {
            policy
                .people
                .get(id)
                .map_or(id.as_str(), |person| person.name.as_str())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn timing(step: &Step) -> String {
    let ack = format!("ack {}", format_duration(step.ack_within));
    let offsets = step.repage_offsets().count();
    if offsets == 0 {
        return ack;
    }
    format!(
        "{ack}, re-page {offsets}x every {}",
        format_duration(step.repage_every)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_config() {
        for (seconds, expected) in [
            (0, "0s"),
            (45, "45s"),
            (90, "1m 30s"),
            (300, "5m"),
            (5400, "1h 30m"),
            (86_400, "1d"),
            (90 * 86_400, "90d"),
            (86_400 + 7200 + 5, "1d 2h 5s"),
        ] {
            assert_eq!(
                format_duration(Duration::from_secs(seconds)),
                expected,
                "{seconds}s"
            );
        }
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
    }
}
