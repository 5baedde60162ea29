//! Changing an incident's severity, and reading a severity word anywhere.
//!
//! ```text
//! severity [incident] <severity>
//! ```
//!
//! A severity word is a configured id in any ASCII case, or a bare number `N` meaning
//! `sevN` when that is configured; the result is always spelled as configured. With a
//! single word, that word is the severity (so `severity 2` means sev2, not INC-2); with
//! two, the first is the incident.

use crate::engine::SeverityId;

use super::error::{closest, Expected, ParseError, ParseErrorKind};
use super::token::Tokens;
use super::{Command, Verb};

/// The configured severity a word names, if any.
pub(crate) fn find(word: &str, known: &[SeverityId]) -> Option<SeverityId> {
    let named = |id: &str| {
        known
            .iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(id))
            .cloned()
    };
    let is_number = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
    named(word).or_else(|| {
        is_number
            .then(|| format!("sev{word}"))
            .and_then(|id| named(&id))
    })
}

/// Parses what follows `severity`.
pub(crate) fn parse(mut args: Tokens<'_>, known: &[SeverityId]) -> Result<Command, ParseError> {
    let incident = args.take_incident_before_more();
    let missing = |position| ParseError::missing(Verb::Severity, Expected::Severity, position);

    let Some(word) = args.take() else {
        return Err(missing(args.end()));
    };
    let Some(severity) = find(word.text, known) else {
        // A lone incident id means the severity itself was left out.
        if incident.is_none() && word.incident().is_some() {
            return Err(missing(word.end));
        }
        let kind = ParseErrorKind::UnknownSeverity {
            text: word.text.to_owned(),
            suggestion: closest(word.text, known.iter().map(SeverityId::as_str)).map(Into::into),
        };
        return Err(ParseError::new(kind, word.position));
    };

    args.finish(Verb::Severity)?;
    Ok(Command::Severity { incident, severity })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::engine::IncidentId;

    fn severities() -> [SeverityId; 3] {
        ["sev1", "SEV2", "minor"].map(SeverityId::from)
    }

    #[test]
    fn severity_words_match_as_configured() {
        for (word, expected) in [
            ("sev1", Some("sev1")),
            ("SeV1", Some("sev1")),
            ("sev2", Some("SEV2")),
            ("2", Some("SEV2")),
            ("MINOR", Some("minor")),
            ("3", None),
            ("02", None),
            ("sev", None),
            ("", None),
        ] {
            let expected = expected.map(SeverityId::from);
            assert_eq!(find(word, &severities()), expected, "{word:?}");
        }
    }

    #[test]
    fn optional_incident_then_one_severity() {
        let change = |incident: Option<u64>, severity: &str| {
            Ok(Command::Severity {
                incident: incident.map(IncidentId),
                severity: severity.into(),
            })
        };
        let unknown = |text: &str, suggestion: Option<&str>, position| {
            let kind = ParseErrorKind::UnknownSeverity {
                text: text.to_owned(),
                suggestion: suggestion.map(SeverityId::from),
            };
            Err(ParseError::new(kind, position))
        };
        let missing = |position| {
            let kind = ParseErrorKind::MissingArgument {
                verb: Verb::Severity,
                expected: Expected::Severity,
            };
            Err(ParseError::new(kind, position))
        };
        let trailing = |text: &str, position| {
            let kind = ParseErrorKind::TrailingInput {
                verb: Verb::Severity,
                text: text.to_owned(),
            };
            Err(ParseError::new(kind, position))
        };
        for (text, expected) in [
            ("severity sev1", change(None, "sev1")),
            ("severity 2", change(None, "SEV2")),
            ("severity INC-2 1", change(Some(2), "sev1")),
            ("severity 2 1", change(Some(2), "sev1")),
            ("severity #7\u{a0}minor", change(Some(7), "minor")),
            ("severity", missing(8)),
            ("severity sev9", unknown("sev9", Some("sev1"), 9)),
            ("severity INC-2 critical", unknown("critical", None, 15)),
            ("severity INC-2", missing(14)),
            ("severity sev1 now", trailing("now", 14)),
            ("severity INC-2 sev1 now", trailing("now", 20)),
        ] {
            assert_eq!(parse(text, &severities()), expected, "{text:?}");
        }
    }
}
