//! The recurring words of every message: people's names, severity labels, incident
//! titles, lists, and the catalog lookup itself, bound to one policy, locale and markup.

use fluent_bundle::FluentValue;

use super::markup::Markup;
use crate::engine::policy::Policy;
use crate::engine::{Incident, PersonId, SeverityId, State, UserRef};
use crate::i18n;

/// What every rendering function needs to put words together.
#[derive(Clone, Copy)]
pub struct Words<'a> {
    /// The live policy, for names and severities.
    pub policy: &'a Policy,
    /// The reader's locale.
    pub locale: &'a str,
    /// The platform's markup.
    pub markup: &'a dyn Markup,
}

impl<'a> Words<'a> {
    pub fn new(policy: &'a Policy, locale: &'a str, markup: &'a dyn Markup) -> Self {
        Self {
            policy,
            locale,
            markup,
        }
    }

    /// Message `key` in this locale.
    pub fn t(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        i18n::text(self.locale, key, args)
    }

    /// A configured person, mentioned when possible; an unknown id is shown as is.
    pub fn person(&self, id: &PersonId) -> String {
        match self.policy.people.get(id) {
            Some(person) => self.markup.person(person),
            None => self.markup.escape(id.as_str()),
        }
    }

    /// A chat user, through their configured person when there is one.
    pub fn user(&self, user: &UserRef) -> String {
        match self.policy.person_by_account(user.platform, &user.id) {
            Some(person) => self.markup.person(person),
            None => self.markup.user(user),
        }
    }

    /// A severity as people read it, e.g. `SEV1 Critical`.
    pub fn severity(&self, id: &SeverityId) -> String {
        let code = id.as_str().to_uppercase();
        let name = self
            .policy
            .severity(id)
            .map(|severity| severity.name.trim())
            .filter(|name| !name.is_empty() && !name.eq_ignore_ascii_case(id.as_str()));
        let label = match name {
            Some(name) => format!("{code} {name}"),
            None => code,
        };
        self.markup.escape(&label)
    }

    /// The incident's title, e.g. `INC-7 · SEV1 Critical`.
    pub fn title(&self, incident: &Incident) -> String {
        self.t(
            "incident-title",
            &[
                ("incident", incident.id.to_string().into()),
                ("severity", self.severity(&incident.severity).into()),
            ],
        )
    }

    /// The state as a short phrase.
    pub fn state(&self, state: State) -> String {
        self.t(&format!("state-{}", state.as_str()), &[])
    }

    /// Items joined the way the locale lists things.
    pub fn list(&self, items: impl IntoIterator<Item = String>) -> String {
        let separator = self.t("list-separator", &[]);
        items.into_iter().collect::<Vec<_>>().join(&separator)
    }

    /// The first configured emoji of a kind, marked up.
    pub fn first_emoji(&self, names: &[String]) -> Option<String> {
        names.first().map(|name| self.markup.emoji(name))
    }

    /// The incident's summary, escaped.
    pub fn summary(&self, incident: &Incident) -> String {
        self.markup.escape(&incident.summary)
    }

    /// How to take an incident over: the button and, when configured, the ack emoji.
    pub fn how_to_ack(&self) -> String {
        match self.first_emoji(&self.policy.ack_emoji) {
            Some(emoji) => self.t("how-to-ack", &[("emoji", emoji.into())]),
            None => self.t("how-to-ack-button", &[]),
        }
    }
}
