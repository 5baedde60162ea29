//! Searching the fix notes and showing the criteria.
//!
//! ```text
//! kb <query…>        Kb { query }         search the fix notes
//! kb edit [incident]  KbEdit { incident }  edit the incident's fix note
//! kb skip [incident] <reason…>
//!                     KbSkip { incident, reason }  nothing to note, and why
//! criteria           Criteria             every severity's criteria
//! ```
//!
//! `why` shares [`super::lifecycle`]'s grammar; `stats`, `away` and `admin` have modules
//! of their own.

use super::error::{Expected, ParseError};
use super::token::Tokens;
use super::{Command, Verb};

/// Parses what follows `kb`.
///
/// `kb edit` is an edit only when nothing but an incident id follows it, so a search
/// such as `kb edit distance` still searches. `kb skip` always means skipping; as with
/// `update`, only the spelled-out forms `INC-42` and `#42` name the incident, since a
/// reason may start with a number.
pub(crate) fn parse_kb(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let first = args.peek().map(|word| word.text.to_ascii_lowercase());
    match first.as_deref() {
        Some("edit") => {
            let mut edit = args.clone();
            edit.take();
            let incident = edit.peek().and_then(|word| word.incident());
            if incident.is_some() {
                edit.take();
            }
            if edit.remaining() == 0 {
                return Ok(Command::KbEdit { incident });
            }
        }
        Some("skip") => {
            args.take();
            let is_spelled_out = |text: &str| !text.starts_with(|c: char| c.is_ascii_digit());
            let incident = args
                .peek()
                .filter(|word| is_spelled_out(word.text))
                .and_then(|word| word.incident());
            if incident.is_some() {
                args.take();
            }
            let Some(reason) = args.rest() else {
                return Err(ParseError::missing(Verb::Kb, Expected::Reason, args.end()));
            };
            return Ok(Command::KbSkip {
                incident,
                reason: reason.text.to_owned(),
            });
        }
        _ => {}
    }
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
    use crate::engine::IncidentId;

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
            (
                "kb edit INC-4",
                Ok(Command::KbEdit {
                    incident: Some(IncidentId(4)),
                }),
            ),
            (
                "KB Edit 4",
                Ok(Command::KbEdit {
                    incident: Some(IncidentId(4)),
                }),
            ),
            ("kb edit", Ok(Command::KbEdit { incident: None })),
            (
                "kb edit distance bug",
                Ok(Command::Kb {
                    query: "edit distance bug".to_owned(),
                }),
            ),
            (
                "kb skip INC-4 duplicate of INC-3",
                Ok(Command::KbSkip {
                    incident: Some(IncidentId(4)),
                    reason: "duplicate of INC-3".to_owned(),
                }),
            ),
            (
                "kb skip 3 retries fixed it by themselves",
                Ok(Command::KbSkip {
                    incident: None,
                    reason: "3 retries fixed it by themselves".to_owned(),
                }),
            ),
            (
                "kb skip 중복 신고",
                Ok(Command::KbSkip {
                    incident: None,
                    reason: "중복 신고".to_owned(),
                }),
            ),
            (
                "kb skip #4",
                Err(ParseError::new(
                    ParseErrorKind::MissingArgument {
                        verb: Verb::Kb,
                        expected: Expected::Reason,
                    },
                    10,
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
