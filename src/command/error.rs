//! Why command text did not parse, as data for message catalogs and as a short reply.
//!
//! Each [`ParseErrorKind`] carries what a translated message needs (the verb, the word
//! at fault, a suggestion) and has a stable [`ParseErrorKind::code`] for message ids and
//! logs. Its `Display` is the English reply. Text the user typed is echoed inside
//! backticks with `<`, `>` and backticks removed, so the reply is valid Slack and Discord
//! markup and never turns into a mention.

use std::fmt;

use crate::engine::SeverityId;

use super::Verb;

/// Command text that did not parse, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// Char offset into the original text where the problem starts; for a missing
    /// argument, just past the last word read. Always at most the text's char count.
    pub position: usize,
}

impl ParseError {
    /// An error of `kind` at char offset `position`.
    pub(crate) fn new(kind: ParseErrorKind, position: usize) -> Self {
        Self { kind, position }
    }

    /// `verb` lacks its `expected` argument, which belongs at char offset `position`.
    pub(crate) fn missing(verb: Verb, expected: Expected, position: usize) -> Self {
        Self::new(ParseErrorKind::MissingArgument { verb, expected }, position)
    }
}

/// What is wrong with command text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The first word is neither a command nor a configured severity.
    UnknownVerb {
        /// The word as typed.
        verb: String,
        /// The closest command or severity, if one is close enough.
        suggestion: Option<String>,
    },
    /// A severity with nothing after it.
    MissingSummary {
        /// The severity that was given.
        severity: SeverityId,
    },
    /// A command without a required argument.
    MissingArgument {
        /// The command.
        verb: Verb,
        /// What it needs.
        expected: Expected,
    },
    /// A word where only an incident id may stand.
    NotAnIncident {
        /// The command.
        verb: Verb,
        /// The word as typed.
        text: String,
    },
    /// A word where a severity must stand, matching none that is configured.
    UnknownSeverity {
        /// The word as typed.
        text: String,
        /// The closest configured severity, if one is close enough.
        suggestion: Option<SeverityId>,
    },
    /// A mention of something other than a person (a channel, a link, a group, `@here`)
    /// where a person must stand.
    NotAUser {
        /// The word as typed.
        text: String,
    },
    /// A word where a date, or a date and time, must stand.
    NotADateTime {
        /// The word as typed.
        text: String,
    },
    /// Words after a complete command.
    TrailingInput {
        /// The command.
        verb: Verb,
        /// Everything after the complete command, as typed.
        text: String,
    },
}

/// The kind of argument a command is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expected {
    /// Free text, e.g. an update.
    Text,
    /// A person.
    User,
    /// A severity.
    Severity,
    /// Search words.
    Query,
    /// A date, or a date and time.
    DateTime,
    /// Why, e.g. why there is nothing to note.
    Reason,
}

impl Expected {
    /// A lowercase name, for message arguments and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Text => "text",
            Expected::User => "user",
            Expected::Severity => "severity",
            Expected::Query => "query",
            Expected::DateTime => "datetime",
            Expected::Reason => "reason",
        }
    }
}

impl ParseErrorKind {
    /// A stable kebab-case name for this kind, e.g. `unknown-verb`.
    pub fn code(&self) -> &'static str {
        match self {
            ParseErrorKind::UnknownVerb { .. } => "unknown-verb",
            ParseErrorKind::MissingSummary { .. } => "missing-summary",
            ParseErrorKind::MissingArgument { .. } => "missing-argument",
            ParseErrorKind::NotAnIncident { .. } => "not-an-incident",
            ParseErrorKind::UnknownSeverity { .. } => "unknown-severity",
            ParseErrorKind::NotAUser { .. } => "not-a-user",
            ParseErrorKind::NotADateTime { .. } => "not-a-date-time",
            ParseErrorKind::TrailingInput { .. } => "trailing-input",
        }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::UnknownVerb {
                verb,
                suggestion: Some(suggestion),
            } => write!(
                f,
                "{} is not a command or severity. Did you mean {}?",
                quote(verb),
                quote(suggestion)
            ),
            ParseErrorKind::UnknownVerb {
                verb,
                suggestion: None,
            } => write!(
                f,
                "{} is not a command or severity. Start with a severity and a summary, \
                 or see `/escalate help`.",
                quote(verb)
            ),
            ParseErrorKind::MissingSummary { severity } => write!(
                f,
                "Add a one-line summary after the severity, \
                 e.g. `/escalate {severity} checkout fails for every customer`."
            ),
            ParseErrorKind::MissingArgument { verb, expected } => write!(
                f,
                "{} needs {}: `/escalate {}`.",
                quote(verb.as_str()),
                expected.describe(),
                verb.usage()
            ),
            ParseErrorKind::NotAnIncident { text, .. } => write!(
                f,
                "{} is not an incident id; incident ids look like `INC-42`.",
                quote(text)
            ),
            ParseErrorKind::UnknownSeverity {
                text,
                suggestion: Some(suggestion),
            } => write!(
                f,
                "{} is not a configured severity. Did you mean {}?",
                quote(text),
                quote(suggestion.as_str())
            ),
            ParseErrorKind::UnknownSeverity {
                text,
                suggestion: None,
            } => write!(
                f,
                "{} is not a configured severity; `/escalate help` lists them.",
                quote(text)
            ),
            ParseErrorKind::NotAUser { text } => write!(
                f,
                "{} is not a person; mention one, e.g. `/escalate reassign @dana`.",
                quote(text)
            ),
            ParseErrorKind::NotADateTime { text } => write!(
                f,
                "{} is not a date; write `2026-12-24` or `2026-12-24T09:00`.",
                quote(text)
            ),
            ParseErrorKind::TrailingInput { verb, text } => write!(
                f,
                "Unexpected {} at the end; use `/escalate {}`.",
                quote(text),
                verb.usage()
            ),
        }
    }
}

impl Expected {
    /// The argument in words, for the English reply.
    fn describe(self) -> &'static str {
        match self {
            Expected::Text => "some text",
            Expected::User => "a person",
            Expected::Severity => "a severity",
            Expected::Query => "something to search for",
            Expected::DateTime => "a date like 2026-12-24 or 2026-12-24T09:00",
            Expected::Reason => "a reason, such as \"duplicate of INC-3\"",
        }
    }
}

/// Longest stretch of user text echoed back, in chars.
const QUOTE_LIMIT: usize = 40;

/// Echoes user text as inline code that cannot break out of it or mention anyone.
fn quote(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '`'))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let mut shown: String = cleaned.chars().take(QUOTE_LIMIT).collect();
    if cleaned.chars().nth(QUOTE_LIMIT).is_some() {
        shown.push('…');
    }
    format!("`{shown}`")
}

/// The candidate closest to `word` by edit distance (an adjacent swap counts as one
/// edit), ignoring ASCII case; `None` when nothing is close enough to be a typo.
pub(crate) fn closest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let word: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut best: Option<(usize, &str)> = None;

    for candidate in candidates {
        let lowered: Vec<char> = candidate.chars().map(|c| c.to_ascii_lowercase()).collect();
        let allowed = if lowered.len() <= 4 { 1 } else { 2 };
        if word.len().abs_diff(lowered.len()) > allowed {
            continue;
        }
        let distance = edit_distance(&word, &lowered);
        let is_better = best.is_none_or(|(best_distance, _)| distance < best_distance);
        if distance <= allowed && distance < word.len() && is_better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
/// adjacent chars.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    // Rows of the classic dynamic programme; only the last two are needed for swaps.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();

    for i in 1..=a.len() {
        let mut current = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        let distance = |a: &str, b: &str| {
            let a: Vec<char> = a.chars().collect();
            let b: Vec<char> = b.chars().collect();
            edit_distance(&a, &b)
        };
        for (a, b, expected) in [
            ("", "", 0),
            ("ack", "ack", 0),
            ("", "ack", 3),
            ("akc", "ack", 1),
            ("hlep", "help", 1),
            ("resolev", "resolve", 1),
            ("sev", "sev1", 1),
            ("kitten", "sitting", 3),
            ("결제", "결재", 1),
        ] {
            assert_eq!(distance(a, b), expected, "{a} {b}");
        }
    }

    #[test]
    fn closest_suggests_only_likely_typos() {
        let candidates = ["help", "ack", "resolve", "status", "stats", "sev1", "SEV2"];
        for (word, expected) in [
            ("hlep", Some("help")),
            ("ACK", Some("ack")),
            ("akc", Some("ack")),
            ("resolv", Some("resolve")),
            ("statsu", Some("status")),
            ("sev", Some("sev1")),
            ("sev3", Some("sev1")),
            ("sev2", Some("SEV2")),
            ("a", None),
            ("database", None),
            ("결제", None),
        ] {
            assert_eq!(closest(word, candidates), expected, "{word}");
        }
    }

    #[test]
    fn quote_strips_markup_and_shortens() {
        assert_eq!(quote("<!channel>"), "`!channel`");
        assert_eq!(quote("a`b\nc"), "`ab c`");
        assert_eq!(quote(&"가".repeat(41)), format!("`{}…`", "가".repeat(40)));
        assert_eq!(quote(&"가".repeat(40)), format!("`{}`", "가".repeat(40)));
    }
}
