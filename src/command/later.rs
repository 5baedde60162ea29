//! Commands planned for later releases, parsed now so their words are taken.
//!
//! ```text
//! kb <query…>        Kb { query }         search the fix notes
//! criteria           Criteria             every severity's criteria
//! admin [args…]      Later { Admin, .. }  change the live policy
//! ```
//!
//! `kb` and `criteria` have settled grammars and get their own variants (as does `why`,
//! which shares [`super::lifecycle`]'s grammar). `admin` keeps its
//! argument text verbatim, trimmed, until their grammars are designed; then each moves to
//! a module of its own.

use super::error::{Expected, ParseError};
use super::token::Tokens;
use super::{Command, Verb};

/// A planned command whose arguments are kept as raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LaterVerb {
    /// `admin`
    Admin,
}

impl LaterVerb {
    /// The command word.
    pub fn as_str(self) -> &'static str {
        match self {
            LaterVerb::Admin => "admin",
        }
    }
}

/// Parses what follows `kb`.
pub(crate) fn parse_kb(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let Some(query) = args.rest() else {
        return Err(ParseError::missing(Verb::Kb, Expected::Query, args.end()));
    };
    Ok(Command::Kb {
        query: query.text.to_owned(),
    })
}

/// Parses what follows `criteria`.
pub(crate) fn parse_criteria(args: Tokens<'_>) -> Result<Command, ParseError> {
    args.finish(Verb::Criteria)?;
    Ok(Command::Criteria)
}

/// Keeps what follows `admin`.
pub(crate) fn parse_raw(verb: LaterVerb, mut args: Tokens<'_>) -> Command {
    let args = args
        .rest()
        .map(|rest| rest.text.to_owned())
        .unwrap_or_default();
    Command::Later { verb, args }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, ParseErrorKind};
    use super::*;

    #[test]
    fn planned_commands() {
        let later = |verb, args: &str| {
            Ok(Command::Later {
                verb,
                args: args.to_owned(),
            })
        };
        for (text, expected) in [
            (
                "kb 결제 500 에러",
                Ok(Command::Kb {
                    query: "결제 500 에러".to_owned(),
                }),
            ),
            (
                "KB  redis\u{a0}timeout ",
                Ok(Command::Kb {
                    query: "redis\u{a0}timeout".to_owned(),
                }),
            ),
            (
                "kb \t",
                Err(ParseError::new(
                    ParseErrorKind::MissingArgument {
                        verb: Verb::Kb,
                        expected: Expected::Query,
                    },
                    2,
                )),
            ),
            ("criteria", Ok(Command::Criteria)),
            (
                "criteria sev1",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Criteria,
                        text: "sev1".to_owned(),
                    },
                    9,
                )),
            ),
            (
                "Admin severity add sev5",
                later(LaterVerb::Admin, "severity add sev5"),
            ),
        ] {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
