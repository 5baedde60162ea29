//! `/escalate why`: what an open incident will page next, when, by which step of its
//! path, and who was passed over so far and why.
//!
//! The next page is not guessed: the engine is asked what it would decide when the
//! incident's timer comes due, with today's policy and absences. The engine is pure, so
//! asking changes nothing.

use fluent_bundle::FluentValue;

use crate::adapters::respond::{failed, Reply};
use crate::engine::Timestamp;
use crate::engine::{apply, Ctx, Event, Incident, IncidentId, Intent, State, TimerKind};
use crate::render::{self, Markup, Words};
use crate::runtime::Escalator;

/// The explanation of one incident's paging.
#[derive(Clone, Debug, PartialEq)]
pub struct Why {
    /// The incident as it stands.
    pub incident: Box<Incident>,
    /// When the next page goes out, if one will.
    pub next_at: Option<Timestamp>,
    /// What will happen then unless someone acknowledges first.
    pub upcoming: Vec<Event>,
    /// Everyone passed over so far, with the reason.
    pub skipped: Vec<Event>,
}

/// Explains incident `id`.
pub(crate) fn explain(escalator: &Escalator, id: IncidentId) -> Reply {
    let store = escalator.store();
    let incident = match store.incident(id) {
        Ok(Some(incident)) => incident,
        Ok(None) => return Reply::UnknownIncident(id),
        Err(error) => return failed("read the incident", &error),
    };
    let timeline = match store.timeline(id) {
        Ok(timeline) => timeline,
        Err(error) => return failed("read the timeline", &error),
    };
    let absences = match store.absences() {
        Ok(absences) => absences,
        Err(error) => return failed("read the absences", &error),
    };
    let skipped = timeline
        .into_iter()
        .map(|entry| entry.event)
        .filter(|event| matches!(event, Event::Skipped { .. }))
        .collect();

    let policy = escalator.policy();
    let due = incident
        .timer
        .filter(|timer| timer.kind == TimerKind::Escalation && incident.state == State::Open)
        .map(|timer| timer.due);
    let upcoming = due
        .and_then(|due| {
            let ctx = Ctx {
                policy: &policy,
                absences: &absences,
                now: due,
            };
            apply(ctx, &incident, Intent::TimerDue).ok()
        })
        .map(|outcome| {
            outcome
                .timeline
                .into_iter()
                .map(|entry| entry.event)
                .filter(is_paging)
                .collect()
        })
        .unwrap_or_default();

    Reply::Why(Why {
        incident: Box::new(incident),
        next_at: due,
        upcoming,
        skipped,
    })
}

fn is_paging(event: &Event) -> bool {
    matches!(
        event,
        Event::Paged { .. }
            | Event::Skipped { .. }
            | Event::Climbed { .. }
            | Event::ChannelPaged { .. }
    )
}

/// The words of a `why` reply.
pub(crate) fn why_text(words: &Words<'_>, why: &Why, markup: &dyn Markup) -> String {
    let incident = &why.incident;
    let id = ("incident", FluentValue::from(incident.id.to_string()));
    let mut lines = vec![markup.bold(&words.t("why-title", std::slice::from_ref(&id)))];

    let path = words.policy.path(&incident.severity, &incident.team);
    if incident.state == State::Open {
        match path.and_then(|path| path.steps.get(incident.cursor.step).map(|s| (path, s))) {
            Some((path, step)) => lines.push(
                words.t(
                    "why-step",
                    &[
                        ("step", (incident.cursor.step + 1).into()),
                        ("steps", path.steps.len().into()),
                        ("target", markup.escape(&step.target.to_string()).into()),
                        (
                            "ack",
                            humantime::format_duration(step.ack_within)
                                .to_string()
                                .into(),
                        ),
                    ],
                ),
            ),
            None => lines.push(words.t("why-channel-step", &[])),
        }
    }

    let event_line = |event: &Event| {
        let text = render::event_text(event, incident, words.policy, words.locale, markup);
        format!("• {text}")
    };
    match why.next_at {
        Some(at) if !why.upcoming.is_empty() => {
            lines.push(words.t("why-next", &[("date", markup.time(at).into())]));
            lines.extend(why.upcoming.iter().map(event_line));
        }
        _ => lines.push(words.t(
            "why-next-none",
            &[id, ("state", words.state(incident.state).into())],
        )),
    }

    if why.skipped.is_empty() {
        lines.push(words.t("why-skipped-none", &[]));
    } else {
        lines.push(words.t("why-skipped", &[]));
        lines.extend(why.skipped.iter().map(event_line));
    }
    lines.join("\n")
}
