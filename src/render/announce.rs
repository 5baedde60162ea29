//! Timeline lines: one sentence per event, posted in the incident thread and sent to
//! followers by direct message.
//!
//! Two rules shape these sentences. Responsibility moves: an acknowledgement says who owns
//! the incident now. No blame: reporters are thanked when someone takes over and when an
//! incident is cancelled, and nothing suggests an escalation was unnecessary.

use super::markup::Markup;
use super::words::Words;
use super::{Body, LocalePicker, Message, Target};
use crate::engine::policy::{Means, Policy};
use crate::engine::{Event, Incident, PageReason, PersonId, SeverityId, SkipReason, UserRef};

/// The thread line for `event` on `incident`, in `locale`.
pub fn event_text(
    event: &Event,
    incident: &Incident,
    policy: &Policy,
    locale: &str,
    markup: &dyn Markup,
) -> String {
    let words = Words::new(policy, locale, markup);
    let by_on_incident = |key: &str, by: &UserRef| {
        let args = [
            ("by", words.user(by).into()),
            ("incident", incident.id.to_string().into()),
        ];
        words.t(key, &args)
    };
    match event {
        Event::Opened { reporter, .. } => words.t(
            "announce-opened",
            &[
                ("incident", incident.id.to_string().into()),
                ("reporter", words.user(reporter).into()),
            ],
        ),
        Event::Paged {
            person,
            means,
            reason,
            step,
        } => paged_text(&words, person, means, reason, *step),
        Event::Skipped {
            person,
            deputy,
            reason,
        } => skipped_text(&words, person, deputy.as_ref(), reason),
        Event::Climbed { step } => words.t("announce-climbed", &[("step", (step + 1).into())]),
        Event::ChannelPaged { round } => {
            words.t("announce-channel-paged", &[("round", (*round).into())])
        }
        Event::Acknowledged { by } => acknowledged_text(&words, incident, by),
        Event::Reassigned { from, to, by } => {
            reassigned_text(&words, incident, from.as_ref(), to, by)
        }
        Event::SeverityChanged { from, to, by } => {
            severity_changed_text(&words, incident, from, to, by)
        }
        Event::StatusUpdate { by, text } => words.t(
            "announce-status-update",
            &[
                ("by", words.user(by).into()),
                ("text", markup.escape(text).into()),
            ],
        ),
        Event::Followed { by } => by_on_incident("announce-followed", by),
        Event::Resolved { by } => by_on_incident("announce-resolved", by),
        Event::FixNoteAdded { by } => by_on_incident("announce-fix-note-added", by),
        Event::FixNoteSkipped { by, reason } => words.t(
            "announce-fix-note-skipped",
            &[
                ("by", words.user(by).into()),
                ("incident", incident.id.to_string().into()),
                ("reason", markup.escape(reason).into()),
            ],
        ),
        Event::FixNoteEdited { by } => by_on_incident("announce-fix-note-edited", by),
        Event::FixNoteRequested { reminder } => {
            fix_note_requested_text(&words, incident, *reminder)
        }
        Event::Cancelled { by } => cancelled_text(&words, incident, by),
    }
}

fn severity_changed_text(
    words: &Words<'_>,
    incident: &Incident,
    from: &SeverityId,
    to: &SeverityId,
    by: &UserRef,
) -> String {
    words.t(
        "announce-severity-changed",
        &[
            ("by", words.user(by).into()),
            ("incident", incident.id.to_string().into()),
            ("from", words.severity(from).into()),
            ("to", words.severity(to).into()),
        ],
    )
}

fn fix_note_requested_text(words: &Words<'_>, incident: &Incident, reminder: u32) -> String {
    let incident_id = ("incident", incident.id.to_string().into());
    if reminder == 0 {
        return words.t("announce-fix-note-requested", &[incident_id]);
    }
    words.t(
        "announce-fix-note-reminded",
        &[incident_id, ("n", reminder.into())],
    )
}

fn means_text(words: &Words<'_>, means: &[Means]) -> String {
    words.list(means.iter().map(|single| match single {
        Means::Thread => words.t("means-thread", &[]),
        Means::Direct => words.t("means-direct", &[]),
        Means::Channel => words.t("means-channel", &[]),
        Means::Webhook(name) => words.t(
            "means-webhook",
            &[("name", words.markup.escape(name).into())],
        ),
    }))
}

fn paged_text(
    words: &Words<'_>,
    person: &PersonId,
    means: &[Means],
    reason: &PageReason,
    step: usize,
) -> String {
    let mut args = vec![
        ("person", words.person(person).into()),
        ("means", means_text(words, means).into()),
        ("step", (step + 1).into()),
    ];
    let key = match reason {
        PageReason::First => "announce-paged-first",
        PageReason::Repage { n } => {
            args.push(("n", (*n).into()));
            "announce-paged-repage"
        }
        PageReason::Deputy { of } => {
            args.push(("of", words.person(of).into()));
            "announce-paged-deputy"
        }
        PageReason::StandIn { of } => {
            args.push(("of", words.person(of).into()));
            "announce-paged-stand-in"
        }
        PageReason::SeverityChanged => "announce-paged-severity-changed",
        PageReason::Reassigned => "announce-paged-reassigned",
    };
    words.t(key, &args)
}

fn skipped_text(
    words: &Words<'_>,
    person: &PersonId,
    deputy: Option<&PersonId>,
    reason: &SkipReason,
) -> String {
    let person = ("person", words.person(person).into());
    match (reason, deputy) {
        (SkipReason::AlreadyPaged, _) => words.t("announce-skipped-already", &[person]),
        (SkipReason::Absent { until }, Some(deputy)) => words.t(
            "announce-skipped-absent",
            &[
                person,
                ("until", words.markup.time(*until).into()),
                ("deputy", words.person(deputy).into()),
            ],
        ),
        (SkipReason::Absent { until }, None) => words.t(
            "announce-skipped-absent-alone",
            &[person, ("until", words.markup.time(*until).into())],
        ),
    }
}

/// Whether the configured person `person` is the one who raised `incident`.
fn is_reporter(words: &Words<'_>, incident: &Incident, person: &PersonId) -> bool {
    let reporter = &incident.reporter;
    words
        .policy
        .people
        .get(person)
        .and_then(|p| p.accounts.get(&reporter.platform))
        .is_some_and(|account| *account == reporter.id)
}

/// The hand-over of responsibility, thanking the reporter unless they took it themselves.
fn acknowledged_text(words: &Words<'_>, incident: &Incident, by: &PersonId) -> String {
    let owner = ("owner", words.person(by).into());
    let incident_id = ("incident", incident.id.to_string().into());
    if is_reporter(words, incident, by) {
        return words.t("announce-acknowledged-by-reporter", &[owner, incident_id]);
    }
    let reporter = ("reporter", words.user(&incident.reporter).into());
    words.t("announce-acknowledged", &[owner, incident_id, reporter])
}

fn reassigned_text(
    words: &Words<'_>,
    incident: &Incident,
    from: Option<&PersonId>,
    to: &PersonId,
    by: &UserRef,
) -> String {
    let mut args = vec![
        ("by", words.user(by).into()),
        ("incident", incident.id.to_string().into()),
        ("to", words.person(to).into()),
    ];
    match from {
        Some(from) => {
            args.push(("from", words.person(from).into()));
            words.t("announce-reassigned-from", &args)
        }
        None => words.t("announce-reassigned", &args),
    }
}

/// A cancellation, always with thanks for raising it.
fn cancelled_text(words: &Words<'_>, incident: &Incident, by: &UserRef) -> String {
    let mut args = vec![
        ("by", words.user(by).into()),
        ("incident", incident.id.to_string().into()),
    ];
    if *by == incident.reporter {
        return words.t("announce-cancelled-by-reporter", &args);
    }
    args.push(("reporter", words.user(&incident.reporter).into()));
    words.t("announce-cancelled", &args)
}

/// Who caused `event`, when it names a chat user.
fn actor(event: &Event) -> Option<&UserRef> {
    match event {
        Event::Reassigned { by, .. }
        | Event::SeverityChanged { by, .. }
        | Event::StatusUpdate { by, .. }
        | Event::Followed { by }
        | Event::Resolved { by }
        | Event::FixNoteAdded { by }
        | Event::FixNoteSkipped { by, .. }
        | Event::FixNoteEdited { by }
        | Event::Cancelled { by } => Some(by),
        _ => None,
    }
}

/// One direct message per follower, each in the follower's locale. The follower who
/// caused the event already knows and gets none.
pub(super) fn render_follower_updates(
    incident: &Incident,
    policy: &Policy,
    event: &Event,
    locales: &dyn LocalePicker,
    markup: &dyn Markup,
) -> Vec<Message> {
    incident
        .followers
        .iter()
        .filter(|follower| actor(event) != Some(*follower))
        .map(|follower| {
            let person = policy.person_by_account(follower.platform, &follower.id);
            let locale = locales.pick(policy, person.map(|p| &p.id), Some(&incident.team));
            let words = Words::new(policy, &locale, markup);
            let text = words.t(
                "follower-update",
                &[
                    ("title", words.title(incident).into()),
                    (
                        "text",
                        event_text(event, incident, policy, &locale, markup).into(),
                    ),
                ],
            );
            Message {
                target: Target::User(follower.clone()),
                locale,
                body: Body::Text(text),
            }
        })
        .collect()
}
