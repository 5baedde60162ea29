//! Admin commands: the live policy, shown and changed in chat.
//!
//! ```text
//! admin show                          Admin(Show)       the live policy
//! admin audit [n]                     Admin(Audit)      the latest n changes (10)
//! admin deputy <person> <user|none>   Admin(Deputy)     set or clear a deputy
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
