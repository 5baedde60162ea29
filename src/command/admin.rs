//! Admin commands: the live policy, shown and changed in chat.
//!
//! ```text
//! admin show                          Admin(Show)       the live policy
//! admin audit [n]                     Admin(Audit)      the latest n changes (10)
//! admin deputy <person> <user|none>   Admin(Deputy)     set or clear a deputy
//! admin holder <team|all> <position> <user…>   Admin(Holders)   who holds a position
//! admin admins add|remove <user>      Admin(Admins)     add or remove an admin
//! admin emoji ack|resolve <name…>     Admin(Emoji)      replace reaction emoji
//! ```
//!
//! Only admins may run these; the caller checks that before anything else.

use super::error::{Expected, ParseError, ParseErrorKind};
use super::reassign::user_arg;
use super::token::Tokens;
use super::{Command, UserArg, Verb};

/// How many audit records `admin audit` shows by default.
pub const DEFAULT_AUDIT: usize = 10;

/// What `admin` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admin {
    /// Show the live policy.
    Show,
    /// Show the latest audit records.
    Audit {
        /// How many.
        n: usize,
    },
    /// Set or clear a person's deputy.
    Deputy {
        /// Whose deputy.
        person: UserArg,
        /// The new deputy; `None` clears it.
        deputy: Option<UserArg>,
    },
    /// Replace who holds a position in a team, or company-wide with `all`.
    Holders {
        /// The team as typed; `None` for `all`.
        team: Option<String>,
        /// The position as typed.
        position: String,
        /// The new holders.
        users: Vec<UserArg>,
    },
    /// Add or remove an admin.
    Admins {
        /// `true` to add, `false` to remove.
        is_add: bool,
        /// Who.
        user: UserArg,
    },
    /// Replace the emoji that acknowledge or resolve.
    Emoji {
        /// `true` for the acknowledging emoji, `false` for the resolving ones.
        is_ack: bool,
        /// The names, with any colons around them removed.
        names: Vec<String>,
    },
}

/// Parses what follows `admin`.
pub(crate) fn parse(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let Some(word) = args.take() else {
        return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end()));
    };
    let admin = match word.text.to_ascii_lowercase().as_str() {
        "show" => Admin::Show,
        "audit" => {
            let n = match args.peek().map(|word| (word, word.text.parse::<usize>())) {
                Some((_, Ok(n))) if n > 0 => {
                    args.take();
                    n
                }
                _ => DEFAULT_AUDIT,
            };
            Admin::Audit { n }
        }
        "deputy" => {
            let missing = |position| ParseError::missing(Verb::Admin, Expected::User, position);
            let person = user_arg(args.take().ok_or_else(|| missing(args.end()))?)?;
            let Some(word) = args.take() else {
                return Err(missing(args.end()));
            };
            let deputy = if word.text.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(user_arg(word)?)
            };
            Admin::Deputy { person, deputy }
        }
        "holder" => {
            let missing = |position| ParseError::missing(Verb::Admin, Expected::Text, position);
            let team = args.take().ok_or_else(|| missing(args.end()))?;
            let position = args.take().ok_or_else(|| missing(args.end()))?;
            let mut users = Vec::new();
            while let Some(word) = args.take() {
                users.push(user_arg(word)?);
            }
            if users.is_empty() {
                return Err(ParseError::missing(Verb::Admin, Expected::User, args.end()));
            }
            Admin::Holders {
                team: (!team.text.eq_ignore_ascii_case("all")).then(|| team.text.to_owned()),
                position: position.text.to_owned(),
                users,
            }
        }
        "admins" => {
            let is_add = match args.take() {
                Some(word) if word.text.eq_ignore_ascii_case("add") => true,
                Some(word) if word.text.eq_ignore_ascii_case("remove") => false,
                Some(word) => return Err(unexpected(word.text, word.position)),
                None => return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end())),
            };
            let Some(word) = args.take() else {
                return Err(ParseError::missing(Verb::Admin, Expected::User, args.end()));
            };
            Admin::Admins {
                is_add,
                user: user_arg(word)?,
            }
        }
        "emoji" => {
            let is_ack = match args.take() {
                Some(word) if word.text.eq_ignore_ascii_case("ack") => true,
                Some(word) if word.text.eq_ignore_ascii_case("resolve") => false,
                Some(word) => return Err(unexpected(word.text, word.position)),
                None => return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end())),
            };
            let mut names = Vec::new();
            while let Some(word) = args.take() {
                names.push(word.text.trim_matches(':').to_owned());
            }
            if names.is_empty() {
                return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end()));
            }
            Admin::Emoji { is_ack, names }
        }
        _ => {
            let kind = ParseErrorKind::TrailingInput {
                verb: Verb::Admin,
                text: word.text.to_owned(),
            };
            return Err(ParseError::new(kind, word.position));
        }
    };
    args.finish(Verb::Admin)?;
    Ok(Command::Admin(admin))
}

/// A word that is not one of the subcommand's keywords.
fn unexpected(text: &str, position: usize) -> ParseError {
    let kind = ParseErrorKind::TrailingInput {
        verb: Verb::Admin,
        text: text.to_owned(),
    };
    ParseError::new(kind, position)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn admin_grammar() {
        let name = |text: &str| UserArg::Name(text.to_owned());
        for (text, expected) in [
            ("admin show", Ok(Command::Admin(Admin::Show))),
            ("ADMIN audit", Ok(Command::Admin(Admin::Audit { n: 10 }))),
            ("admin audit 3", Ok(Command::Admin(Admin::Audit { n: 3 }))),
            (
                "admin deputy alice @carol",
                Ok(Command::Admin(Admin::Deputy {
                    person: name("alice"),
                    deputy: Some(name("carol")),
                })),
            ),
            (
                "admin deputy alice none",
                Ok(Command::Admin(Admin::Deputy {
                    person: name("alice"),
                    deputy: None,
                })),
            ),
            (
                "admin admins add <@UFRANK>",
                Ok(Command::Admin(Admin::Admins {
                    is_add: true,
                    user: UserArg::Mention(crate::command::UserMention {
                        id: "UFRANK".to_owned(),
                        label: None,
                    }),
                })),
            ),
            (
                "admin emoji resolve :heavy_check_mark: white_check_mark",
                Ok(Command::Admin(Admin::Emoji {
                    is_ack: false,
                    names: vec!["heavy_check_mark".to_owned(), "white_check_mark".to_owned()],
                })),
            ),
            (
                "admin holder payments team-lead bob @carol",
                Ok(Command::Admin(Admin::Holders {
                    team: Some("payments".to_owned()),
                    position: "team-lead".to_owned(),
                    users: vec![name("bob"), name("carol")],
                })),
            ),
            (
                "admin holder all cto",
                Err(ParseError::missing(Verb::Admin, Expected::User, 20)),
            ),
            (
                "admin emoji wave",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Admin,
                        text: "wave".to_owned(),
                    },
                    12,
                )),
            ),
            (
                "admin",
                Err(ParseError::missing(Verb::Admin, Expected::Text, 5)),
            ),
            (
                "admin deputy alice",
                Err(ParseError::missing(Verb::Admin, Expected::User, 18)),
            ),
            (
                "admin severity add",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Admin,
                        text: "severity".to_owned(),
                    },
                    6,
                )),
            ),
            (
                "admin audit 3 more",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Admin,
                        text: "more".to_owned(),
                    },
                    14,
                )),
            ),
        ] {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
