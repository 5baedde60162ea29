//! Posting a status update to an incident and its followers.
//!
//! ```text
//! update [incident] <text…>
//! ```
//!
//! The text is required and kept as sent apart from trimming. Here, unlike elsewhere,
//! only the spelled-out forms `INC-42`, `inc-42` and `#42` name an incident: updates
//! often start with a count (`update 3 more shops affected`), and reading that `3` as
//! INC-3 would post the update to the wrong incident without anyone noticing.

use super::error::{Expected, ParseError};
use super::token::Tokens;
use super::{Command, Verb};

/// Parses what follows `update`.
pub(crate) fn parse(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let is_spelled_out = |text: &str| !text.starts_with(|c: char| c.is_ascii_digit());
    let incident = args
        .peek()
        .filter(|word| is_spelled_out(word.text))
        .and_then(|word| word.incident());
    if incident.is_some() {
        args.take();
    }

    let Some(text) = args.rest() else {
        return Err(ParseError::missing(
            Verb::Update,
            Expected::Text,
            args.end(),
        ));
    };

    Ok(Command::Update {
        incident,
        text: text.text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{parse, ParseErrorKind};
    use super::*;
    use crate::engine::IncidentId;

    fn update(incident: Option<u64>, text: &str) -> Result<Command, ParseError> {
        Ok(Command::Update {
            incident: incident.map(IncidentId),
            text: text.to_owned(),
        })
    }

    fn missing(position: usize) -> Result<Command, ParseError> {
        let kind = ParseErrorKind::MissingArgument {
            verb: Verb::Update,
            expected: Expected::Text,
        };
        Err(ParseError::new(kind, position))
    }

    #[test]
    fn optional_incident_then_text() {
        for (text, expected) in [
            ("update rollback done", update(None, "rollback done")),
            (
                "UPDATE INC-4 rollback  done ",
                update(Some(4), "rollback  done"),
            ),
            ("update inc-4 rollback", update(Some(4), "rollback")),
            ("update #4 rollback", update(Some(4), "rollback")),
            (
                "update 3 more shops affected",
                update(None, "3 more shops affected"),
            ),
            ("update +1 still failing", update(None, "+1 still failing")),
            ("update INC-0 rollback", update(None, "INC-0 rollback")),
            (
                "update #4\u{a0}결제 복구 완료 🎉",
                update(Some(4), "결제 복구 완료 🎉"),
            ),
            ("update", missing(6)),
            ("update \u{a0} ", missing(6)),
            ("update INC-4", missing(12)),
            ("update 42", update(None, "42")),
        ] {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
