//! Handing an incident to someone else.
//!
//! ```text
//! reassign [incident] <user>
//! ```
//!
//! The user is a platform mention (`<@U0123ABC>`, `<@U0123ABC|dana>`, `<@123…>`,
//! `<@!123…>`), or a plain `@dana` or `dana` that the caller resolves against the
//! configured people; a plain word is never taken as a platform id, and an incident id
//! is never taken as a name. With a single word, that word is the user, unless it is an
//! incident id, in which case the user is missing; with two, the first is the incident.
//! Mentions of channels, roles, groups, `@here` and links are not people and are refused.

use super::error::{Expected, ParseError, ParseErrorKind};
use super::markup::{Markup, UserMention};
use super::token::{Token, Tokens};
use super::{Command, Verb};

/// Who a command names as a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserArg {
    /// A platform mention; its id is the platform's user id.
    Mention(UserMention),
    /// A name typed as text, without its leading `@`; resolve it against the configured
    /// people, never use it as a platform id.
    Name(String),
}

/// Parses what follows `reassign`.
pub(crate) fn parse(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let incident = args.take_incident_before_more();
    let missing = |position| ParseError::missing(Verb::Reassign, Expected::User, position);

    let Some(word) = args.take() else {
        return Err(missing(args.end()));
    };
    // A lone incident id means the user was left out; an id is never a name.
    if incident.is_none() && word.incident().is_some() {
        return Err(missing(word.end));
    }

    let user = user_arg(word)?;
    args.finish(Verb::Reassign)?;
    Ok(Command::Reassign { incident, user })
}

/// Reads one word as a person.
pub(crate) fn user_arg(word: Token<'_>) -> Result<UserArg, ParseError> {
    let not_a_user = || {
        let kind = ParseErrorKind::NotAUser {
            text: word.text.to_owned(),
        };
        ParseError::new(kind, word.position)
    };

    match word.markup() {
        Some(Markup::User(mention)) => Ok(UserArg::Mention(mention)),
        Some(_) => Err(not_a_user()),
        None => {
            // A word that still holds `<` or `>` is a mangled mention, and one that reads
            // as an incident id is not a name; guessing a person from either would only
            // produce a confusing "nobody called …" later.
            let name = word.text.strip_prefix('@').unwrap_or(word.text);
            if name.is_empty() || name.contains(['<', '>']) || word.incident().is_some() {
                return Err(not_a_user());
            }
            Ok(UserArg::Name(name.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::engine::IncidentId;

    fn mention(
        incident: Option<u64>,
        id: &str,
        label: Option<&str>,
    ) -> Result<Command, ParseError> {
        let user = UserArg::Mention(UserMention {
            id: id.to_owned(),
            label: label.map(str::to_owned),
        });
        let incident = incident.map(IncidentId);
        Ok(Command::Reassign { incident, user })
    }

    fn name(incident: Option<u64>, name: &str) -> Result<Command, ParseError> {
        let user = UserArg::Name(name.to_owned());
        let incident = incident.map(IncidentId);
        Ok(Command::Reassign { incident, user })
    }

    fn error(kind: ParseErrorKind, position: usize) -> Result<Command, ParseError> {
        Err(ParseError::new(kind, position))
    }

    #[test]
    fn optional_incident_then_one_user() {
        let missing = ParseErrorKind::MissingArgument {
            verb: Verb::Reassign,
            expected: Expected::User,
        };
        let not_a_user = |text: &str| ParseErrorKind::NotAUser {
            text: text.to_owned(),
        };
        for (text, expected) in [
            ("reassign <@U0123ABC>", mention(None, "U0123ABC", None)),
            (
                "reassign INC-4 <@U0123ABC|dana>",
                mention(Some(4), "U0123ABC", Some("dana")),
            ),
            (
                "reassign <@U0123ABC|dana kim>",
                mention(None, "U0123ABC", Some("dana kim")),
            ),
            (
                "reassign #4 <@123456789012345678>",
                mention(Some(4), "123456789012345678", None),
            ),
            (
                "reassign <@!123456789012345678>",
                mention(None, "123456789012345678", None),
            ),
            ("reassign @dana", name(None, "dana")),
            ("reassign 4\u{a0}dana", name(Some(4), "dana")),
            ("reassign 김민지", name(None, "김민지")),
            ("reassign", error(missing.clone(), 8)),
            ("reassign INC-4", error(missing.clone(), 14)),
            ("reassign 4", error(missing.clone(), 10)),
            ("reassign @", error(not_a_user("@"), 9)),
            ("reassign INC-4 INC-5", error(not_a_user("INC-5"), 15)),
            (
                "reassign <#C0123|ops>",
                error(not_a_user("<#C0123|ops>"), 9),
            ),
            ("reassign <!here>", error(not_a_user("<!here>"), 9)),
            (
                "reassign <!subteam^S1|@db>",
                error(not_a_user("<!subteam^S1|@db>"), 9),
            ),
            ("reassign <@&42>", error(not_a_user("<@&42>"), 9)),
            ("reassign <@U1>,", error(not_a_user("<@U1>,"), 9)),
            (
                "reassign <https://x.example>",
                error(not_a_user("<https://x.example>"), 9),
            ),
            (
                "reassign dana please",
                error(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Reassign,
                        text: "please".to_owned(),
                    },
                    14,
                ),
            ),
        ] {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
