//! Platform-neutral rendering: engine effects and events become messages.
//!
//! The engine speaks in effects and events, never in sentences. This module turns them
//! into `Message`s (where to post, in which locale, and a text, a card or a webhook body)
//! using the catalogs in `i18n`. Adapters only map a `Message` onto their platform's API
//! and supply a `Markup` for mentions, emphasis, links and escaping; they make no wording
//! decisions. `PlainMarkup` renders for the command line and tests.
//!
//! Locales: messages in the incident thread and channels use the team's locale; a direct
//! message or a webhook page uses its recipient's (see `i18n::pick_locale`).

mod action;
mod announce;
mod card;
mod fix_note;
mod help;
mod markup;
mod page;
mod related;
mod reply;
mod words;

use crate::engine::policy::Policy;
use crate::engine::{Effect, PersonId, TeamId, UserRef};
use crate::i18n;
use crate::ports::Delivery;

pub use action::{Action, ActionKind, NotAnAction};
pub use announce::event_text;
pub use card::{root_card, Button, ButtonStyle, Card, Field};
pub use fix_note::{fix_note_edit_form, fix_note_form, FixNoteForm, FormField};
pub use help::{criteria_text, help_text};
pub use markup::{Markup, PlainMarkup};
pub use page::{render_digest, Digest, DigestItem};
pub use related::{fix_line, related_text, FixLine};
pub use reply::{alert_text, rejection_reply};
pub use words::Words;

/// Where a message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The incident's root message in the team's incident channel: posted for
    /// `PostRoot`, edited in place for `RefreshRoot`.
    Root,
    /// A reply in the incident thread.
    Thread,
    /// A reply in the incident thread that is also shown in the incident channel, so
    /// that everyone in the channel sees it (Slack: `reply_broadcast`).
    Channel,
    /// A direct message to a configured person.
    Person(PersonId),
    /// A direct message to a chat user, who may not be a configured person.
    User(UserRef),
    /// The team's knowledge channel.
    Knowledge,
    /// The named outgoing webhook of `Policy::webhooks`.
    Webhook(String),
}

/// What a message carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// Marked-up text.
    Text(String),
    /// A rich message with buttons.
    Card(Card),
    /// A JSON document to send as is; its `text` field is a plain, link-free sentence.
    Json(serde_json::Value),
}

impl Body {
    /// The message as text: the text itself, a card's fallback, a webhook's `text`.
    pub fn plain_text(&self) -> String {
        match self {
            Body::Text(text) => text.clone(),
            Body::Card(card) => card.fallback.clone(),
            Body::Json(json) => json["text"].as_str().unwrap_or_default().to_owned(),
        }
    }
}

/// One message to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Where it goes.
    pub target: Target,
    /// The locale it was written in.
    pub locale: String,
    /// What it says.
    pub body: Body,
}

/// Everything one effect sends, in order. Empty when there is nothing to say (an
/// incident with no followers, a fix note that is not there).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    /// The messages.
    pub messages: Vec<Message>,
}

/// Chooses the locale of a message from its reader: a person, a team, or both.
pub trait LocalePicker {
    /// The locale for `person` (when the message is addressed to one) in `team`.
    fn pick(&self, policy: &Policy, person: Option<&PersonId>, team: Option<&TeamId>) -> String;
}

/// The policy's own choice: the person's locale, else the team's, else the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyLocale;

impl LocalePicker for PolicyLocale {
    fn pick(&self, policy: &Policy, person: Option<&PersonId>, team: Option<&TeamId>) -> String {
        i18n::pick_locale(policy, person, team).to_owned()
    }
}

impl<F> LocalePicker for F
where
    F: Fn(&Policy, Option<&PersonId>, Option<&TeamId>) -> String,
{
    fn pick(&self, policy: &Policy, person: Option<&PersonId>, team: Option<&TeamId>) -> String {
        self(policy, person, team)
    }
}

/// What `delivery`'s effect says, to whom, in which locale.
pub fn render_effect(
    delivery: &Delivery,
    locales: &dyn LocalePicker,
    markup: &dyn Markup,
) -> Rendered {
    let incident = &delivery.incident;
    let policy = delivery.policy.as_ref();
    let team_locale = locales.pick(policy, None, Some(&incident.team));
    let locale = team_locale.as_str();
    let to_team = |target: Target, body: Body| {
        vec![Message {
            target,
            locale: team_locale.clone(),
            body,
        }]
    };

    let messages = match &delivery.effect {
        Effect::PostRoot | Effect::RefreshRoot => to_team(
            Target::Root,
            Body::Card(root_card(incident, policy, locale, markup)),
        ),
        Effect::Page {
            person,
            means,
            reason,
            step,
        } => {
            let page = page::Page {
                person,
                means,
                reason,
                step: *step,
            };
            vec![page::render_page(incident, policy, &page, locales, markup)]
        }
        Effect::PageChannel { round } => to_team(
            Target::Channel,
            Body::Text(page::channel_page_text(
                incident, policy, *round, locale, markup,
            )),
        ),
        Effect::Announce { event } => to_team(
            Target::Thread,
            Body::Text(event_text(event, incident, policy, locale, markup)),
        ),
        Effect::NotifyFollowers { event } => {
            announce::render_follower_updates(incident, policy, event, locales, markup)
        }
        Effect::AskForFixNote { reminder } => to_team(
            Target::Thread,
            Body::Card(fix_note::ask_card(
                incident, policy, *reminder, locale, markup,
            )),
        ),
        Effect::PublishFixNote => fix_note::note_card(incident, policy, locale, markup)
            .map(|card| to_team(Target::Knowledge, Body::Card(card)))
            .unwrap_or_default(),
        Effect::ShowRelatedFixes { fixes } => to_team(
            Target::Thread,
            Body::Text(related_text(
                fixes,
                policy,
                incident.platform,
                locale,
                markup,
            )),
        ),
    };
    Rendered { messages }
}
