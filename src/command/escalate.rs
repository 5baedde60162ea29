//! Opening an incident from one line.
//!
//! ```text
//! <severity> <summary…>
//! ```
//!
//! The severity is a configured id in any ASCII case (`sev1`, `SEV1`), or a bare number
//! `1` meaning `sev1` when that is configured. The summary is required and may hold any
//! text: mentions, links, emoji, Korean, line breaks. It is kept exactly as sent apart
//! from trimming, so nothing the reporter wrote is lost; [`super::display_text`] makes
//! it readable. An empty command opens the modal instead (see [`super::parse`]).

use crate::engine::SeverityId;

use super::error::{ParseError, ParseErrorKind};
use super::token::Tokens;
use super::Command;

/// Parses what follows the severity word.
pub(crate) fn parse(severity: SeverityId, mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let Some(summary) = args.rest() else {
        let position = args.end();
        return Err(ParseError::new(
            ParseErrorKind::MissingSummary { severity },
            position,
        ));
    };

    Ok(Command::Escalate {
        severity,
        summary: summary.text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn escalate(severity: &str, summary: &str) -> Result<Command, ParseError> {
        Ok(Command::Escalate {
            severity: severity.into(),
            summary: summary.to_owned(),
        })
    }

    fn missing(severity: &str, position: usize) -> Result<Command, ParseError> {
        let kind = ParseErrorKind::MissingSummary {
            severity: severity.into(),
        };
        Err(ParseError::new(kind, position))
    }

    #[test]
    fn severity_then_summary() {
        let mention_and_link = "<@U0123ABC|dana> sees <https://x.example/?a=1&amp;b=2|errors>";
        let cases = [
            ("sev1 db down", escalate("sev1", "db down")),
            ("SEV1 db down", escalate("sev1", "db down")),
            ("sev2 db down", escalate("SEV2", "db down")),
            ("1 db down", escalate("sev1", "db down")),
            ("2 db down", escalate("SEV2", "db down")),
            ("  sev1\t\tdb   down \u{a0} ", escalate("sev1", "db   down")),
            ("sev1 help", escalate("sev1", "help")),
            ("sev1 ack INC-4", escalate("sev1", "ack INC-4")),
            (
                "sev1 line one\nline two",
                escalate("sev1", "line one\nline two"),
            ),
            (
                &format!("sev1 {mention_and_link}"),
                escalate("sev1", mention_and_link),
            ),
            ("sev1", missing("sev1", 4)),
            ("  SEV2 \u{a0}\t", missing("SEV2", 6)),
            ("1", missing("sev1", 1)),
        ];
        let severities = ["sev1", "SEV2"].map(SeverityId::from);
        for (text, expected) in cases {
            assert_eq!(parse(text, &severities), expected, "{text:?}");
        }
    }
}
