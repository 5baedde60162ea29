//! The help text: the no-blame rule first, then each severity with what it is and what it
//! is not, then the commands and reactions.
//!
//! Criteria are the heart of escalation: anyone hesitating should find in seconds whether
//! their problem qualifies, and the first line tells them to escalate when unsure.

use super::markup::Markup;
use super::words::Words;
use crate::config::describe::format_duration;
use crate::engine::policy::{Path, Policy, Severity, Target};

/// The commands in the order the help lists them; each has `help-usage-NAME` and
/// `help-command-NAME` in the catalog.
/// They follow the grammar in `command`; verbs whose grammar is not settled yet are left
/// out, so help never offers something that only answers "not yet".
const COMMANDS: &[&str] = &[
    "form", "open", "help", "ack", "resolve", "cancel", "status", "follow", "update", "reassign",
    "severity", "why", "criteria", "kb", "away", "stats", "admin",
];

/// The help text in `locale`.
pub fn help_text(policy: &Policy, locale: &str, markup: &dyn Markup) -> String {
    let words = Words::new(policy, locale, markup);
    let heading = |key: &str| markup.bold(&words.t(key, &[]));

    let mut sections = vec![format!(
        "{}\n{}",
        heading("help-title"),
        words.t("help-no-blame", &[])
    )];
    let severities: Vec<String> = policy
        .severities
        .iter()
        .map(|severity| severity_section(&words, severity))
        .collect();
    if !severities.is_empty() {
        sections.push(format!(
            "{}\n{}",
            heading("help-severities"),
            severities.join("\n\n")
        ));
    }
    sections.push(commands_section(&words));
    sections.join("\n\n")
}

/// The criteria of every severity, with what does not qualify, in `locale`: what
/// `/escalate criteria` shows anyone, and what admins are asked to review.
pub fn criteria_text(policy: &Policy, locale: &str, markup: &dyn Markup) -> String {
    let words = Words::new(policy, locale, markup);
    let mut sections = vec![format!(
        "{}\n{}",
        markup.bold(&words.t("criteria-title", &[])),
        words.t("help-no-blame", &[])
    )];
    sections.extend(
        policy
            .severities
            .iter()
            .map(|severity| severity_section(&words, severity)),
    );
    sections.join("\n\n")
}

fn severity_section(words: &Words<'_>, severity: &Severity) -> String {
    let mut lines = vec![words.markup.bold(&words.severity(&severity.id))];
    let mut bullets = |key: &str, items: &[String]| {
        if items.is_empty() {
            return;
        }
        lines.push(words.t(key, &[]));
        lines.extend(
            items
                .iter()
                .map(|item| format!("• {}", words.markup.escape(item))),
        );
    };
    bullets("help-criteria", &severity.criteria);
    bullets("help-counter-examples", &severity.counter_examples);
    if let Some(path) = &severity.default_path {
        lines.push(words.t("help-path", &[("steps", path_text(words, path).into())]));
    }
    for (team, path) in &severity.team_paths {
        let name = words
            .policy
            .teams
            .get(team)
            .map_or_else(|| team.to_string(), |team| team.name.clone());
        lines.push(words.t(
            "help-team-path",
            &[
                ("team", words.markup.escape(&name).into()),
                ("steps", path_text(words, path).into()),
            ],
        ));
    }
    lines.join("\n")
}

/// A step's target as plain text: the position, or the person's name (never a mention,
/// so reading the help pings nobody).
fn target_name(words: &Words<'_>, target: &Target) -> String {
    let name = match target {
        Target::Position(position) => position.to_string(),
        Target::Person(person) => words
            .policy
            .people
            .get(person)
            .map_or_else(|| person.to_string(), |person| person.name.clone()),
    };
    words.markup.escape(&name)
}

/// The steps of a path in order, each with its acknowledgement deadline.
fn path_text(words: &Words<'_>, path: &Path) -> String {
    let steps: Vec<String> = path
        .steps
        .iter()
        .map(|step| {
            words.t(
                "help-path-step",
                &[
                    ("target", target_name(words, &step.target).into()),
                    ("ack", format_duration(step.ack_within).into()),
                ],
            )
        })
        .collect();
    steps.join(" → ")
}

fn commands_section(words: &Words<'_>) -> String {
    let mut lines = vec![words.markup.bold(&words.t("help-commands", &[]))];
    lines.extend(COMMANDS.iter().map(|name| {
        let usage = words.t(&format!("help-usage-{name}"), &[]);
        let what = words.t(&format!("help-command-{name}"), &[]);
        format!("{usage} — {what}")
    }));
    lines.push(words.t("help-thread-note", &[]));

    let policy = words.policy;
    let ack = words.first_emoji(&policy.ack_emoji);
    let resolve = words.first_emoji(&policy.resolve_emoji);
    if let (Some(ack), Some(resolve)) = (ack, resolve) {
        lines.push(String::new());
        lines.push(words.t(
            "help-reactions",
            &[("ack", ack.into()), ("resolve", resolve.into())],
        ));
    }
    lines.join("\n")
}
