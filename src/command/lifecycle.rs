//! Commands that act on one incident and take nothing else: `ack`, `resolve`, `cancel`,
//! `status`, `follow`, and the planned `why`.
//!
//! ```text
//! ack      [incident]
//! resolve  [incident]
//! cancel   [incident]
//! status   [incident]
//! follow   [incident]
//! why      [incident]
//! ```
//!
//! They share one grammar, so they share this module. An incident is written `INC-42`,
//! `inc-42`, `#42` or `42`; without one, the caller uses the incident of the thread the
//! command was typed in. Any other word is an error, and so is anything after the id.

use crate::engine::IncidentId;

use super::error::{ParseError, ParseErrorKind};
use super::token::Tokens;
use super::Verb;

/// Parses what follows one of these verbs, giving the incident it names, if any.
pub(crate) fn parse(verb: Verb, mut args: Tokens<'_>) -> Result<Option<IncidentId>, ParseError> {
    let Some(word) = args.take() else {
        return Ok(None);
    };
    let Some(incident) = word.incident() else {
        let kind = ParseErrorKind::NotAnIncident {
            verb,
            text: word.text.to_owned(),
        };
        return Err(ParseError::new(kind, word.position));
    };

    args.finish(verb)?;
    Ok(Some(incident))
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Command};
    use super::*;

    #[test]
    fn each_verb_takes_an_optional_incident() {
        type Build = fn(Option<IncidentId>) -> Command;
        let commands: [(&str, Build); 6] = [
            ("ack", |incident| Command::Ack { incident }),
            ("resolve", |incident| Command::Resolve { incident }),
            ("cancel", |incident| Command::Cancel { incident }),
            ("status", |incident| Command::Status { incident }),
            ("follow", |incident| Command::Follow { incident }),
            ("why", |incident| Command::Why { incident }),
        ];
        for (verb, command) in commands {
            for (args, expected) in [
                ("", None),
                (" INC-42", Some(42)),
                ("\u{a0}inc-42 ", Some(42)),
                (" #7", Some(7)),
                ("\t7", Some(7)),
            ] {
                let text = format!("{verb}{args}");
                let expected = Ok(command(expected.map(IncidentId)));
                assert_eq!(parse(&text, &[]), expected, "{text:?}");
            }
        }
    }

    #[test]
    fn anything_but_one_incident_id_is_an_error() {
        let cases = [
            (
                "ack now",
                ParseErrorKind::NotAnIncident {
                    verb: Verb::Ack,
                    text: "now".to_owned(),
                },
                4,
            ),
            (
                "resolve +1",
                ParseErrorKind::NotAnIncident {
                    verb: Verb::Resolve,
                    text: "+1".to_owned(),
                },
                8,
            ),
            (
                "status INC-0",
                ParseErrorKind::NotAnIncident {
                    verb: Verb::Status,
                    text: "INC-0".to_owned(),
                },
                7,
            ),
            (
                "cancel INC-3 false alarm",
                ParseErrorKind::TrailingInput {
                    verb: Verb::Cancel,
                    text: "false alarm".to_owned(),
                },
                13,
            ),
        ];
        for (text, kind, position) in cases {
            assert_eq!(
                parse(text, &[]),
                Err(ParseError::new(kind, position)),
                "{text:?}"
            );
        }
    }
}
