//! Pages: reaching one person by thread mention, direct message, channel mention or
//! webhook, and paging the whole channel once the path is spent.
//!
//! Every page says why this person is asked (first page, reminder, deputy, stand-in) and,
//! while nobody owns the incident, how to take it over.

use serde_json::json;

use super::card::{self, Button, ButtonStyle, Card, Field};
use super::markup::{Markup, PlainMarkup};
use super::words::Words;
use super::{Action, ActionKind, Body, LocalePicker, Message, Target};
use crate::engine::policy::{Means, Policy};
use crate::engine::{Effect, Incident, IncidentId, PageReason, PersonId, State};
use crate::ports::{Delivery, MessageRef};

/// One `Effect::Page`, borrowed.
pub(super) struct Page<'e> {
    pub person: &'e PersonId,
    pub means: &'e Means,
    pub reason: &'e PageReason,
    pub step: usize,
}

/// The message for one page. Thread and channel mentions are read by the team; direct
/// messages and webhooks by the person paged, in their locale.
pub(super) fn render_page(
    incident: &Incident,
    policy: &Policy,
    page: &Page<'_>,
    locales: &dyn LocalePicker,
    markup: &dyn Markup,
) -> Message {
    let team = Some(&incident.team);
    let locale = match page.means {
        Means::Thread | Means::Channel => locales.pick(policy, None, team),
        Means::Direct | Means::Webhook(_) => locales.pick(policy, Some(page.person), team),
    };
    let words = Words::new(policy, &locale, markup);

    let (target, body) = match page.means {
        Means::Thread => (
            Target::Thread,
            Body::Text(thread_text(&words, incident, page)),
        ),
        Means::Channel => (
            Target::Channel,
            Body::Text(channel_text(&words, incident, page)),
        ),
        Means::Direct => (
            Target::Person(page.person.clone()),
            Body::Card(direct_card(&words, incident, page)),
        ),
        Means::Webhook(name) => (
            Target::Webhook(name.clone()),
            Body::Json(webhook_body(policy, &locale, incident, page)),
        ),
    };
    Message {
        target,
        locale,
        body,
    }
}

/// Why `page.person` is paged, addressed to them.
pub(crate) fn reason_text(words: &Words<'_>, incident: &Incident, page: &Page<'_>) -> String {
    let id = incident.id.to_string();
    match page.reason {
        PageReason::First => words.t(
            "page-first",
            &[("incident", id.into()), ("step", (page.step + 1).into())],
        ),
        PageReason::Repage { n } => words.t(
            "page-repage",
            &[("incident", id.into()), ("n", (*n).into())],
        ),
        PageReason::Deputy { of } => words.t(
            "page-deputy",
            &[("incident", id.into()), ("of", words.person(of).into())],
        ),
        PageReason::StandIn { of } => words.t(
            "page-stand-in",
            &[("incident", id.into()), ("of", words.person(of).into())],
        ),
        PageReason::SeverityChanged => words.t(
            "page-severity-changed",
            &[
                ("incident", id.into()),
                ("severity", words.severity(&incident.severity).into()),
            ],
        ),
        PageReason::Reassigned => words.t("page-reassigned", &[("incident", id.into())]),
    }
}

/// The reason, followed by how to take the incident over while nobody owns it.
fn reason_and_how(words: &Words<'_>, incident: &Incident, page: &Page<'_>) -> String {
    let reason = reason_text(words, incident, page);
    if incident.state == State::Open {
        format!("{reason} {}", words.how_to_ack())
    } else {
        reason
    }
}

fn thread_text(words: &Words<'_>, incident: &Incident, page: &Page<'_>) -> String {
    words.t(
        "page-thread",
        &[
            ("person", words.person(page.person).into()),
            ("text", reason_and_how(words, incident, page).into()),
        ],
    )
}

fn channel_text(words: &Words<'_>, incident: &Incident, page: &Page<'_>) -> String {
    words.t(
        "page-channel-person",
        &[
            ("everyone", words.markup.everyone().into()),
            ("person", words.person(page.person).into()),
            ("incident", incident.id.to_string().into()),
            ("title", words.title(incident).into()),
            ("summary", words.summary(incident).into()),
        ],
    )
}

fn direct_card(words: &Words<'_>, incident: &Incident, page: &Page<'_>) -> Card {
    let title = words.title(incident);
    let summary = words.summary(incident);
    let fallback = words.t(
        "page-direct-fallback",
        &[
            ("reason", reason_text(words, incident, page).into()),
            ("title", title.clone().into()),
            ("summary", summary.clone().into()),
        ],
    );
    Card {
        title: words.t("page-direct-title", &[("title", title.into())]),
        summary,
        fields: vec![Field::new(
            words.t("card-field-reporter", &[]),
            words.user(&incident.reporter),
        )],
        hint: Some(reason_and_how(words, incident, page)),
        buttons: card::buttons(words, incident),
        fallback,
    }
}

/// The JSON a webhook page sends: the facts for machines and one plain, link-free text
/// for the phone, SMS or mail gateway to pass on.
fn webhook_body(
    policy: &Policy,
    locale: &str,
    incident: &Incident,
    page: &Page<'_>,
) -> serde_json::Value {
    let words = Words::new(policy, locale, &PlainMarkup);
    let text = words.t(
        "page-webhook",
        &[
            ("title", words.title(incident).into()),
            ("summary", words.summary(incident).into()),
            ("reason", reason_text(&words, incident, page).into()),
        ],
    );
    let (reason, of) = match page.reason {
        PageReason::First => ("first", None),
        PageReason::Repage { .. } => ("repage", None),
        PageReason::Deputy { of } => ("deputy", Some(of)),
        PageReason::StandIn { of } => ("stand_in", Some(of)),
        PageReason::SeverityChanged => ("severity_changed", None),
        PageReason::Reassigned => ("reassigned", None),
    };
    json!({
        "incident": incident.id.to_string(),
        "incident_number": incident.id.0,
        "team": incident.team,
        "severity": incident.severity,
        "severity_label": words.severity(&incident.severity),
        "summary": incident.summary,
        "state": incident.state,
        "person": page.person,
        "person_name": words.person(page.person),
        "reason": reason,
        "stands_in_for": of,
        "step": page.step + 1,
        "locale": locale,
        "text": text,
    })
}

/// The whole-channel page once every step is spent.
pub(super) fn channel_page_text(
    incident: &Incident,
    policy: &Policy,
    round: u32,
    locale: &str,
    markup: &dyn Markup,
) -> String {
    let words = Words::new(policy, locale, markup);
    words.t(
        "page-channel",
        &[
            ("everyone", markup.everyone().into()),
            ("incident", incident.id.to_string().into()),
            ("round", round.into()),
            ("title", words.title(incident).into()),
            ("summary", words.summary(incident).into()),
        ],
    )
}

/// Several pages by direct message to one person, as one message: an opening line, then
/// one item per incident, each with its own Acknowledge button.
#[derive(Clone, Debug, PartialEq)]
pub struct Digest {
    /// Who is paged.
    pub person: PersonId,
    /// The reader's locale.
    pub locale: String,
    /// The opening line: how many incidents, and that each button acts on its own one.
    pub heading: String,
    /// One per incident, in the order of the deliveries.
    pub items: Vec<DigestItem>,
    /// The whole digest as text, for notifications and clients without buttons.
    pub fallback: String,
}

/// One incident of a digest.
#[derive(Clone, Debug, PartialEq)]
pub struct DigestItem {
    /// The incident.
    pub incident: IncidentId,
    /// Its title, summary, why the person is paged and, when known, a link to its thread.
    pub text: String,
    /// Acknowledge, acting on this incident only.
    pub button: Button,
}

/// The digest of `deliveries`, pages by direct message to one person; `None` when the
/// first is not one. `thread_link` marks up a link to an incident's thread from its
/// root message and a label, when the platform can.
pub fn render_digest(
    deliveries: &[Delivery],
    locales: &dyn LocalePicker,
    markup: &dyn Markup,
    thread_link: &dyn Fn(&MessageRef, &str) -> Option<String>,
) -> Option<Digest> {
    let first = deliveries.first()?;
    let Effect::Page {
        person,
        means: Means::Direct,
        ..
    } = &first.effect
    else {
        return None;
    };
    let policy = first.policy.as_ref();
    let locale = locales.pick(policy, Some(person), Some(&first.incident.team));
    let words = Words::new(policy, &locale, markup);

    let items: Vec<DigestItem> = deliveries
        .iter()
        .filter_map(|delivery| digest_item(&words, delivery, thread_link))
        .collect();
    let count = items.len();
    let heading = words.t("page-digest-heading", &[("count", count.into())]);
    let incidents = words.list(items.iter().map(|item| item.incident.to_string()));
    let fallback = words.t(
        "page-digest-fallback",
        &[("count", count.into()), ("incidents", incidents.into())],
    );
    Some(Digest {
        person: person.clone(),
        locale: locale.clone(),
        heading,
        items,
        fallback,
    })
}

fn digest_item(
    words: &Words<'_>,
    delivery: &Delivery,
    thread_link: &dyn Fn(&MessageRef, &str) -> Option<String>,
) -> Option<DigestItem> {
    let Effect::Page {
        person,
        means,
        reason,
        step,
    } = &delivery.effect
    else {
        return None;
    };
    let incident = &delivery.incident;
    let page = Page {
        person,
        means,
        reason,
        step: *step,
    };
    let mut text = words.t(
        "page-digest-item",
        &[
            ("title", words.markup.bold(&words.title(incident)).into()),
            ("summary", words.summary(incident).into()),
            ("reason", reason_text(words, incident, &page).into()),
        ],
    );
    let label = words.t("page-digest-thread", &[]);
    if let Some(link) = delivery
        .root
        .as_ref()
        .and_then(|root| thread_link(root, &label))
    {
        text.push_str(&format!(" · {link}"));
    }
    Some(DigestItem {
        incident: incident.id,
        text,
        button: Button {
            label: words.t("button-acknowledge", &[]),
            action: Action {
                kind: ActionKind::Acknowledge,
                incident: incident.id,
            },
            style: ButtonStyle::Primary,
        },
    })
}
