//! The list of commands and severities.
//!
//! ```text
//! help
//! ```
//!
//! Nothing may follow `help`; the reply already lists every command.

use super::error::ParseError;
use super::token::Tokens;
use super::{Command, Verb};

/// Parses what follows `help`.
pub(crate) fn parse(args: Tokens<'_>) -> Result<Command, ParseError> {
    args.finish(Verb::Help)?;
    Ok(Command::Help)
}

#[cfg(test)]
mod tests {
    use super::super::{parse, ParseErrorKind};
    use super::*;

    #[test]
    fn help_takes_nothing() {
        let trailing = |text: &str, position| {
            Err(ParseError::new(
                ParseErrorKind::TrailingInput {
                    verb: Verb::Help,
                    text: text.to_owned(),
                },
                position,
            ))
        };
        for (text, expected) in [
            ("help", Ok(Command::Help)),
            ("HELP \u{a0}", Ok(Command::Help)),
            ("help me please", trailing("me please", 5)),
            ("help\u{3000}ack", trailing("ack", 5)),
        ] {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
