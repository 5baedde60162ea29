//! Cards: a title, a summary, labelled fields, a hint and buttons, with a plain-text
//! fallback for notifications and clients that show no rich layout.
//!
//! The incident's root card is the message everyone looks at: it is posted when the
//! incident opens and edited in place whenever its state changes.

use super::action::{Action, ActionKind};
use super::markup::Markup;
use super::words::Words;
use crate::engine::policy::Policy;
use crate::engine::{Incident, Phase, State};

/// A platform-neutral rich message. Every text is already marked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// The heading, e.g. `INC-7 · SEV1 Critical`.
    pub title: String,
    /// The main text.
    pub summary: String,
    /// Labelled facts, in display order.
    pub fields: Vec<Field>,
    /// A closing line, such as how to take the incident over.
    pub hint: Option<String>,
    /// The buttons, in display order.
    pub buttons: Vec<Button>,
    /// The whole card as one line of text, for notifications.
    pub fallback: String,
}

/// One labelled fact on a card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The label, plain text.
    pub label: String,
    /// The value, marked up.
    pub value: String,
}

/// A button on a card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    /// The label, plain text.
    pub label: String,
    /// What pressing it does.
    pub action: Action,
    /// How prominent it is.
    pub style: ButtonStyle,
}

/// How prominent a button is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ButtonStyle {
    /// The action most readers should take.
    Primary,
    /// Any other action.
    Plain,
}

impl Field {
    pub(crate) fn new(label: String, value: String) -> Self {
        Self { label, value }
    }
}

/// The incident's root card in `locale`.
pub fn root_card(incident: &Incident, policy: &Policy, locale: &str, markup: &dyn Markup) -> Card {
    let words = Words::new(policy, locale, markup);
    let title = words.title(incident);
    let summary = words.summary(incident);
    let fallback = words.t(
        "card-fallback",
        &[
            ("title", title.clone().into()),
            ("summary", summary.clone().into()),
            ("state", words.state(incident.state).into()),
        ],
    );
    Card {
        title,
        summary,
        fields: root_fields(&words, incident),
        hint: Some(root_hint(&words, incident)),
        buttons: buttons(&words, incident),
        fallback,
    }
}

fn root_fields(words: &Words<'_>, incident: &Incident) -> Vec<Field> {
    let field = |key: &str, value: String| Field::new(words.t(key, &[]), value);
    let assignee = match &incident.assignee {
        Some(person) => words.person(person),
        None => words.t("card-assignee-none", &[]),
    };

    let mut fields = vec![
        field("card-field-severity", words.severity(&incident.severity)),
        field("card-field-state", words.state(incident.state)),
        field("card-field-reporter", words.user(&incident.reporter)),
    ];
    if let Some(step) = step_text(words, incident) {
        fields.push(field("card-field-step", step));
    }
    fields.push(field("card-field-assignee", assignee));
    fields.push(field(
        "card-field-opened",
        words.markup.time(incident.opened_at),
    ));
    fields
}

/// Where paging stands, while the incident is open: the step and who it pages, or the
/// whole channel once the path is spent.
fn step_text(words: &Words<'_>, incident: &Incident) -> Option<String> {
    if incident.state != State::Open {
        return None;
    }
    let cursor = &incident.cursor;
    let key = match cursor.phase {
        Phase::WholeChannel { .. } => return Some(words.t("card-step-everyone", &[])),
        Phase::Holders { .. } => "card-step-holders",
        Phase::Deputies => "card-step-deputies",
    };

    let path = words.policy.path(&incident.severity, &incident.team)?;
    let step = path.steps.get(cursor.step)?;
    let people = words.list(cursor.step_paged.iter().map(|id| words.person(id)));
    Some(words.t(
        key,
        &[
            ("step", (cursor.step + 1).into()),
            ("steps", path.steps.len().into()),
            (
                "target",
                words.markup.escape(&step.target.to_string()).into(),
            ),
            ("people", people.into()),
        ],
    ))
}

fn root_hint(words: &Words<'_>, incident: &Incident) -> String {
    match incident.state {
        State::Open => {
            let thanks = words.t(
                "card-thanks",
                &[("reporter", words.user(&incident.reporter).into())],
            );
            format!("{thanks} {}", words.how_to_ack())
        }
        State::Acknowledged => {
            let owner = incident
                .assignee
                .as_ref()
                .map(|person| words.t("card-owner", &[("owner", words.person(person).into())]));
            let how = match words.first_emoji(&words.policy.resolve_emoji) {
                Some(emoji) => words.t("card-how-to-resolve", &[("emoji", emoji.into())]),
                None => words.t("card-how-to-resolve-button", &[]),
            };
            owner.map_or(how.clone(), |owner| format!("{owner} {how}"))
        }
        State::Resolved => words.t("card-resolved", &[]),
        State::Closed => words.t("card-closed", &[]),
        State::Cancelled => words.t("card-cancelled", &[]),
    }
}

/// The buttons that make sense in the incident's state: Acknowledge while open, Resolve
/// until resolved, Post fix until closed. A cancelled incident has none.
pub(crate) fn buttons(words: &Words<'_>, incident: &Incident) -> Vec<Button> {
    let state = incident.state;
    let wanted = [
        (ActionKind::Acknowledge, state == State::Open),
        (ActionKind::Resolve, state.is_active()),
        (
            ActionKind::PostFix,
            state.is_active() || state == State::Resolved,
        ),
    ];
    let primary = match state {
        State::Open => ActionKind::Acknowledge,
        State::Acknowledged => ActionKind::Resolve,
        _ => ActionKind::PostFix,
    };
    wanted
        .into_iter()
        .filter(|(_, shown)| *shown)
        .map(|(kind, _)| button(words, kind, incident, kind == primary))
        .collect()
}

pub(crate) fn button(
    words: &Words<'_>,
    kind: ActionKind,
    incident: &Incident,
    is_primary: bool,
) -> Button {
    let key = match kind {
        ActionKind::Acknowledge => "button-acknowledge",
        ActionKind::Resolve => "button-resolve",
        ActionKind::PostFix => "button-post-fix",
        ActionKind::EditFix => "fix-note-edit-button",
    };
    Button {
        label: words.t(key, &[]),
        action: Action {
            kind,
            incident: incident.id,
        },
        style: if is_primary {
            ButtonStyle::Primary
        } else {
            ButtonStyle::Plain
        },
    }
}
