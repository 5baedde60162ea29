//! The few platform-specific pieces of a message: mentions, emphasis, links, escaping.
//!
//! Rendering builds every sentence from the catalog and asks a `Markup` only for these
//! pieces, so an adapter supplies one small implementation and nothing else. Catalog text
//! never needs escaping; user-written text (summaries, updates, fix notes) always goes
//! through `escape` before it reaches a message.

use crate::engine::policy::Person;
use crate::engine::{Timestamp, UserRef};

/// How one platform marks up mentions, emphasis, links and user text.
pub trait Markup: Send + Sync {
    /// A configured person: a mention when they have an account on this platform, their
    /// escaped name otherwise. Slack: `<@U123>`.
    fn person(&self, person: &Person) -> String;

    /// A chat user who may not be a configured person. Slack: `<@U123>`.
    fn user(&self, user: &UserRef) -> String;

    /// A mention that notifies everyone in the channel. Slack: `<!channel>`.
    fn everyone(&self) -> String;

    /// Emphasised text; `text` is already marked up.
    fn bold(&self, text: &str) -> String;

    /// A link to `url` reading `label`; both are raw text.
    fn link(&self, url: &str, label: &str) -> String;

    /// User-written text made safe to include. Slack escapes `&`, `<` and `>`.
    fn escape(&self, text: &str) -> String;

    /// A reaction emoji named as in the policy, e.g. `eyes`. Slack: `:eyes:`.
    fn emoji(&self, name: &str) -> String;

    /// A point in time, shown to readers in any time zone.
    fn time(&self, at: Timestamp) -> String;

    /// A link to a channel by its id. Slack: `<#C123>`.
    fn channel(&self, id: &str) -> String {
        format!("#{id}")
    }

    /// Text shown verbatim in a fenced block (Slack and Discord both read the fences).
    /// A fence inside the text would end the block early, so its backticks are swapped
    /// for look-alikes.
    fn code_block(&self, text: &str) -> String {
        format!("```\n{}\n```", text.trim_end().replace("```", "ˋˋˋ"))
    }
}

/// Markup for plain text: names instead of mentions, no emphasis, nothing escaped. Used by
/// the command line, webhook texts and tests.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlainMarkup;

impl Markup for PlainMarkup {
    fn person(&self, person: &Person) -> String {
        person.name.clone()
    }

    fn user(&self, user: &UserRef) -> String {
        format!("@{}", user.id)
    }

    fn everyone(&self) -> String {
        "@channel".to_owned()
    }

    fn bold(&self, text: &str) -> String {
        text.to_owned()
    }

    fn link(&self, url: &str, label: &str) -> String {
        if url == label {
            url.to_owned()
        } else {
            format!("{label} ({url})")
        }
    }

    fn escape(&self, text: &str) -> String {
        text.to_owned()
    }

    fn emoji(&self, name: &str) -> String {
        format!(":{name}:")
    }

    fn time(&self, at: Timestamp) -> String {
        // Minutes are precise enough for people; seconds only add noise.
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn plain_markup_shows_times_in_utc_to_the_minute() {
        let at = chrono::Utc.with_ymd_and_hms(2024, 5, 2, 9, 30, 59).unwrap();

        assert_eq!(PlainMarkup.time(at), "2024-05-02 09:30 UTC");
    }

    #[test]
    fn plain_markup_links_show_the_address_once() {
        assert_eq!(
            PlainMarkup.link("https://x.test/a", "https://x.test/a"),
            "https://x.test/a"
        );
        assert_eq!(
            PlainMarkup.link("https://x.test/a", "runbook"),
            "runbook (https://x.test/a)"
        );
    }
}
