//! Statistics on where escalations stall.
//!
//! ```text
//! stats [<period>] [<team>]
//! <period> = <N>h | <N>d | <N>w | all        default 30d
//! ```
//!
//! The period and the team may come in either order; a word that is not a period is the
//! team id, which the caller checks against the configured teams.

use std::time::Duration;

use super::error::ParseError;
use super::token::Tokens;
use super::{Command, Verb};

/// The period used when none is given.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(30 * 24 * 3600);

/// Parses what follows `stats`.
pub(crate) fn parse(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let mut since = Some(DEFAULT_PERIOD);
    let mut team = None;
    let mut has_period = false;
    while let Some(word) = args.peek() {
        match period(word.text) {
            Some(value) if !has_period => {
                since = value;
                has_period = true;
            }
            _ if team.is_none() => team = Some(word.text.to_owned()),
            _ => break,
        }
        args.take();
    }
    args.finish(Verb::Stats)?;
    Ok(Command::Stats { since, team })
}

/// `Some(None)` for `all`, `Some(Some(d))` for a length like `30d`.
fn period(word: &str) -> Option<Option<Duration>> {
    if word.eq_ignore_ascii_case("all") {
        return Some(None);
    }
    let unit = word.chars().last()?.to_ascii_lowercase();
    let count: u64 = word[..word.len() - unit.len_utf8()].parse().ok()?;
    let hours = match unit {
        'h' => 1,
        'd' => 24,
        'w' => 24 * 7,
        _ => return None,
    };
    (count > 0).then(|| Some(Duration::from_secs(count * hours * 3600)))
}

#[cfg(test)]
mod tests {
    use super::super::{parse, ParseErrorKind};
    use super::*;

    fn stats(days: Option<u64>, team: Option<&str>) -> Result<Command, ParseError> {
        Ok(Command::Stats {
            since: days.map(|days| Duration::from_secs(days * 24 * 3600)),
            team: team.map(str::to_owned),
        })
    }

    #[test]
    fn stats_grammar() {
        for (text, expected) in [
            ("stats", stats(Some(30), None)),
            ("stats 7d", stats(Some(7), None)),
            ("stats 2W payments", stats(Some(14), Some("payments"))),
            ("stats payments all", stats(None, Some("payments"))),
            ("stats 48h", stats(Some(2), None)),
            ("stats 0d", stats(Some(30), Some("0d"))),
            (
                "stats 7d payments extra",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Stats,
                        text: "extra".to_owned(),
                    },
                    18,
                )),
            ),
        ] {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
