//! Marking someone away, listing and cancelling absences.
//!
//! ```text
//! away [user] [from <when>] until <when> [reason…]   Away(Set)     mark absent
//! away list [user]                                   Away(List)    show absences
//! away cancel [user]                                 Away(Cancel)  remove them all
//! <when> = YYYY-MM-DD | YYYY-MM-DDTHH:MM | YYYY-MM-DD HH:MM
//! ```
//!
//! Times are the local time of the person who is away; the caller converts them with
//! that person's time zone. A date alone means the start of that day after `from` and
//! the end of that day after `until`, so `until 2026-12-24` includes the 24th. Without
//! `from` the absence starts now. `list` and `cancel` are keywords, never names; the
//! user is optional everywhere and means the caller when left out.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::error::{Expected, ParseError, ParseErrorKind};
use super::reassign::user_arg;
use super::token::{Token, Tokens};
use super::{Command, UserArg, Verb};

/// What `away` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Away {
    /// Mark the person away.
    Set {
        /// Who; the caller when `None`.
        user: Option<UserArg>,
        /// From when, local time; now when `None`.
        from: Option<NaiveDateTime>,
        /// Until when (exclusive), local time.
        until: NaiveDateTime,
        /// Why, verbatim.
        reason: Option<String>,
    },
    /// Show the person's absences.
    List {
        /// Who; the caller when `None`.
        user: Option<UserArg>,
    },
    /// Remove all of the person's absences.
    Cancel {
        /// Who; the caller when `None`.
        user: Option<UserArg>,
    },
}

/// Parses what follows `away`.
pub(crate) fn parse(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let keyword = args.peek().map(|word| word.text.to_ascii_lowercase());
    match keyword.as_deref() {
        Some("list") | Some("cancel") => {
            let is_list = keyword.as_deref() == Some("list");
            args.take();
            let user = args.take().map(user_arg).transpose()?;
            args.finish(Verb::Away)?;
            let away = if is_list {
                Away::List { user }
            } else {
                Away::Cancel { user }
            };
            Ok(Command::Away(away))
        }
        _ => parse_set(args),
    }
}

fn parse_set(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let missing = |position| ParseError::missing(Verb::Away, Expected::DateTime, position);
    let user = match args.peek() {
        Some(word) if !is_keyword(&word, "from") && !is_keyword(&word, "until") => {
            args.take();
            Some(user_arg(word)?)
        }
        _ => None,
    };

    let mut from = None;
    if args.peek().is_some_and(|word| is_keyword(&word, "from")) {
        args.take();
        from = Some(when(&mut args, false)?);
    }
    let Some(word) = args.take() else {
        return Err(missing(args.end()));
    };
    if !is_keyword(&word, "until") {
        let kind = ParseErrorKind::TrailingInput {
            verb: Verb::Away,
            text: word.text.to_owned(),
        };
        return Err(ParseError::new(kind, word.position));
    }
    let until = when(&mut args, true)?;
    let reason = args.rest().map(|rest| rest.text.to_owned());
    Ok(Command::Away(Away::Set {
        user,
        from,
        until,
        reason,
    }))
}

fn is_keyword(word: &Token<'_>, keyword: &str) -> bool {
    word.text.eq_ignore_ascii_case(keyword)
}

/// Reads a date with an optional time; a date alone is the start of the day, or the
/// start of the next one when `is_end`.
fn when(args: &mut Tokens<'_>, is_end: bool) -> Result<NaiveDateTime, ParseError> {
    let Some(word) = args.take() else {
        return Err(ParseError::missing(
            Verb::Away,
            Expected::DateTime,
            args.end(),
        ));
    };
    let not_a_date = || {
        let kind = ParseErrorKind::NotADateTime {
            text: word.text.to_owned(),
        };
        ParseError::new(kind, word.position)
    };

    if let Some((date, time)) = word.text.split_once(['T', 't']) {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| not_a_date())?;
        let time = clock_time(time).ok_or_else(not_a_date)?;
        return Ok(date.and_time(time));
    }
    let date = NaiveDate::parse_from_str(word.text, "%Y-%m-%d").map_err(|_| not_a_date())?;
    if let Some(time) = args.peek().and_then(|next| clock_time(next.text)) {
        args.take();
        return Ok(date.and_time(time));
    }
    let day = if is_end {
        date.succ_opt().ok_or_else(not_a_date)?
    } else {
        date
    };
    Ok(day.and_time(NaiveTime::MIN))
}

fn clock_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

#[cfg(test)]
mod tests {
    use super::super::{parse, UserMention};
    use super::*;

    fn at(date: &str, time: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M").unwrap()
    }

    fn set(
        user: Option<UserArg>,
        from: Option<NaiveDateTime>,
        until: NaiveDateTime,
        reason: Option<&str>,
    ) -> Result<Command, ParseError> {
        Ok(Command::Away(Away::Set {
            user,
            from,
            until,
            reason: reason.map(str::to_owned),
        }))
    }

    #[test]
    fn away_grammar() {
        let alice = || {
            Some(UserArg::Mention(UserMention {
                id: "UALICE".to_owned(),
                label: None,
            }))
        };
        let cases = [
            (
                "away until 2026-12-24",
                set(None, None, at("2026-12-25", "00:00"), None),
            ),
            (
                "away <@UALICE> from 2026-12-20 until 2026-12-24T13:30 family visit",
                set(
                    alice(),
                    Some(at("2026-12-20", "00:00")),
                    at("2026-12-24", "13:30"),
                    Some("family visit"),
                ),
            ),
            (
                "AWAY bob FROM 2026-03-29 01:30 Until 2026-03-29 04:00",
                set(
                    Some(UserArg::Name("bob".to_owned())),
                    Some(at("2026-03-29", "01:30")),
                    at("2026-03-29", "04:00"),
                    None,
                ),
            ),
            ("away list", Ok(Command::Away(Away::List { user: None }))),
            (
                "away cancel @bob",
                Ok(Command::Away(Away::Cancel {
                    user: Some(UserArg::Name("bob".to_owned())),
                })),
            ),
            (
                "away",
                Err(ParseError::missing(Verb::Away, Expected::DateTime, 4)),
            ),
            (
                "away from 2026-12-20",
                Err(ParseError::missing(Verb::Away, Expected::DateTime, 20)),
            ),
            (
                "away until friday",
                Err(ParseError::new(
                    ParseErrorKind::NotADateTime {
                        text: "friday".to_owned(),
                    },
                    11,
                )),
            ),
            (
                "away until 2026-02-30",
                Err(ParseError::new(
                    ParseErrorKind::NotADateTime {
                        text: "2026-02-30".to_owned(),
                    },
                    11,
                )),
            ),
            (
                "away bob tomorrow",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Away,
                        text: "tomorrow".to_owned(),
                    },
                    9,
                )),
            ),
            (
                "away list bob extra",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Away,
                        text: "extra".to_owned(),
                    },
                    14,
                )),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
