//! The fix note: asking for it after resolution (friendly, with a button, reminders
//! until it exists), the form that captures it, and its publication in the team's
//! knowledge channel.

use super::action::ActionKind;
use super::card::{self, Card, Field};
use super::markup::Markup;
use super::words::Words;
use crate::engine::policy::Policy;
use crate::engine::{FixNote, Incident};
use crate::i18n;

/// The ask (reminder 0) or a reminder to post the fix note, with the Post fix button.
/// It addresses the owner, or the reporter when nobody took the incident over.
pub(super) fn ask_card(
    incident: &Incident,
    policy: &Policy,
    reminder: u32,
    locale: &str,
    markup: &dyn Markup,
) -> Card {
    let words = Words::new(policy, locale, markup);
    let who = match &incident.assignee {
        Some(owner) => words.person(owner),
        None => words.user(&incident.reporter),
    };
    let mut args = vec![
        ("who", who.into()),
        ("incident", incident.id.to_string().into()),
    ];
    let text = if reminder == 0 {
        words.t("fix-note-ask", &args)
    } else {
        args.push(("n", reminder.into()));
        words.t("fix-note-remind", &args)
    };

    Card {
        title: words.t(
            "fix-note-ask-title",
            &[("title", words.title(incident).into())],
        ),
        summary: text.clone(),
        fields: Vec::new(),
        hint: Some(words.t(
            "fix-note-skip-hint",
            &[("incident", incident.id.to_string().into())],
        )),
        buttons: vec![card::button(&words, ActionKind::PostFix, incident, true)],
        fallback: text,
    }
}

/// The fix note as published in the knowledge channel; nothing when the incident has no
/// fix note (the engine only asks to publish one it has).
pub(super) fn note_card(
    incident: &Incident,
    policy: &Policy,
    locale: &str,
    markup: &dyn Markup,
) -> Option<Card> {
    let Some(note) = &incident.fix_note else {
        tracing::warn!(incident_id = %incident.id, "asked to publish a fix note that is missing");
        return None;
    };
    let words = Words::new(policy, locale, markup);
    let title = words.title(incident);
    let fallback = words.t(
        "fix-note-fallback",
        &[
            ("title", title.clone().into()),
            ("what", markup.escape(&note.summary).into()),
        ],
    );
    Some(Card {
        title: words.t("fix-note-title", &[("title", title.into())]),
        summary: words.summary(incident),
        fields: note_fields(&words, incident, note),
        hint: incident.fix_note_history.last().map(|last| {
            words.t(
                "fix-note-edited",
                &[
                    ("by", words.user(&last.edited_by).into()),
                    (
                        "date",
                        last.edited_at
                            .format("%Y-%m-%d %H:%M UTC")
                            .to_string()
                            .into(),
                    ),
                ],
            )
        }),
        buttons: vec![card::button(&words, ActionKind::EditFix, incident, false)],
        fallback,
    })
}

fn note_fields(words: &Words<'_>, incident: &Incident, note: &FixNote) -> Vec<Field> {
    let text = |value: &str| match value.trim() {
        "" => words.t("fix-note-empty", &[]),
        value => words.markup.escape(value),
    };
    let links = match note.links.as_slice() {
        [] => words.t("fix-note-empty", &[]),
        links => links
            .iter()
            .map(|link| words.markup.link(link, link))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let team = words
        .policy
        .teams
        .get(&incident.team)
        .map_or(incident.team.as_str(), |team| team.name.as_str());

    let field = |key: &str, value: String| Field::new(words.t(key, &[]), value);
    vec![
        field("fix-note-summary", text(&note.summary)),
        field("fix-note-cause", text(&note.cause)),
        field("fix-note-fix", text(&note.fix)),
        field("fix-note-prevention", text(&note.prevention)),
        field("fix-note-links", links),
        field("fix-note-incident", incident.id.to_string()),
        field("fix-note-team", words.markup.escape(team)),
        field("fix-note-author", words.user(&note.author)),
    ]
}

/// The labels of the fix-note form, as plain text (forms show no markup).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixNoteForm {
    /// The form's title.
    pub title: String,
    /// The submit button.
    pub submit: String,
    /// What happened.
    pub summary: FormField,
    /// Why it happened.
    pub cause: FormField,
    /// What fixed it.
    pub fix: FormField,
    /// How to prevent it.
    pub prevention: FormField,
    /// Related links, one per line.
    pub links: FormField,
}

/// One input of a form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormField {
    /// The label above the input.
    pub label: String,
    /// The placeholder inside it.
    pub hint: String,
    /// The text the input starts with; empty for a new entry.
    pub value: String,
}

/// The fix-note form in `locale`, filled with `note` to edit it.
pub fn fix_note_edit_form(locale: &str, note: &FixNote) -> FixNoteForm {
    let mut form = fix_note_form(locale);
    form.title = i18n::text(locale, "fix-note-form-edit-title", &[]);
    form.submit = i18n::text(locale, "fix-note-form-save", &[]);
    form.summary.value = note.summary.clone();
    form.cause.value = note.cause.clone();
    form.fix.value = note.fix.clone();
    form.prevention.value = note.prevention.clone();
    form.links.value = note.links.join("\n");
    form
}

/// The fix-note form in `locale`.
pub fn fix_note_form(locale: &str) -> FixNoteForm {
    let t = |key: &str| i18n::text(locale, key, &[]);
    let field = |name: &str| FormField {
        label: t(&format!("fix-note-{name}")),
        hint: t(&format!("fix-note-form-{name}-hint")),
        value: String::new(),
    };
    FixNoteForm {
        title: t("fix-note-form-title"),
        submit: t("fix-note-form-submit"),
        summary: field("summary"),
        cause: field("cause"),
        fix: field("fix"),
        prevention: field("prevention"),
        links: field("links"),
    }
}
