//! Searching the fix notes and showing the criteria.
//!
//! ```text
//! kb <query…>        Kb { query }         search the fix notes
//! criteria           Criteria             every severity's criteria
//! ```
//!
//! `why` shares [`super::lifecycle`]'s grammar; `stats`, `away` and `admin` have modules
//! of their own.

use super::error::{Expected, ParseError};
use super::token::Tokens;
use super::{Command, Verb};

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

#[cfg(test)]
mod tests {
    use super::super::{parse, ParseErrorKind};
    use super::*;

    #[test]
    fn planned_commands() {
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
        ] {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
