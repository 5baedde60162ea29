//! Splits command text into words and hands them to the command parsers.
//!
//! Words are separated by any Unicode whitespace: spaces, tabs, line breaks, and the
//! non-breaking spaces (U+00A0) that chat clients insert when text is pasted. An
//! angle-bracket form (see [`super::markup`]) is one word even when its label holds
//! spaces, as in `<https://x.example|the dashboard>`. Positions count chars, not bytes,
//! so an error can point into Korean or emoji text.

use crate::engine::IncidentId;

use super::error::{ParseError, ParseErrorKind};
use super::markup::{markup_at, Markup};
use super::Verb;

/// One word of the command text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// The word as typed.
    pub text: &'a str,
    /// Byte offset of its first char.
    pub start: usize,
    /// Char offset of its first char.
    pub position: usize,
    /// Char offset just past its last char.
    pub end: usize,
}

impl Token<'_> {
    /// The incident this word names, in any spelling `IncidentId::from_str` accepts.
    pub fn incident(&self) -> Option<IncidentId> {
        self.text.parse().ok()
    }

    /// The angle-bracket form this word consists of, if it is exactly one.
    pub fn markup(&self) -> Option<Markup> {
        markup_at(self.text, 0)
            .filter(|(_, end)| *end == self.text.len())
            .map(|(markup, _)| markup)
    }
}

/// The words of one command, consumed front to back by a command parser.
#[derive(Clone)]
pub(crate) struct Tokens<'a> {
    /// The whole command text.
    text: &'a str,
    /// Its words, in order.
    tokens: Vec<Token<'a>>,
    /// Index of the next word to hand out.
    next: usize,
}

impl<'a> Tokens<'a> {
    /// Splits `text` into words.
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            tokens: split(text),
            next: 0,
        }
    }

    /// The next word, without consuming it.
    pub fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.next).copied()
    }

    /// Consumes the next word.
    pub fn take(&mut self) -> Option<Token<'a>> {
        let token = self.peek()?;
        self.next += 1;
        Some(token)
    }

    /// How many words are left.
    pub fn remaining(&self) -> usize {
        self.tokens.len() - self.next
    }

    /// Consumes a leading incident id if more words follow it, for commands written
    /// `verb [incident] <word>`: a lone word is always the required one.
    pub fn take_incident_before_more(&mut self) -> Option<IncidentId> {
        let incident = self
            .peek()
            .filter(|_| self.remaining() >= 2)
            .and_then(|word| word.incident())?;
        self.next += 1;
        Some(incident)
    }

    /// Consumes everything left as one stretch of text, verbatim from the next word to
    /// the end of the last, or `None` when nothing is left.
    pub fn rest(&mut self) -> Option<Token<'a>> {
        let first = self.peek()?;
        let last = self.tokens.last().copied()?;
        self.next = self.tokens.len();
        Some(Token {
            text: self.text[first.start..].trim_end(),
            end: last.end,
            ..first
        })
    }

    /// Char offset just past the last word consumed: where a missing argument belongs.
    pub fn end(&self) -> usize {
        self.next
            .checked_sub(1)
            .and_then(|last| self.tokens.get(last))
            .map_or(0, |token| token.end)
    }

    /// Fails with `TrailingInput` when words are left after a complete `verb` command.
    pub fn finish(mut self, verb: Verb) -> Result<(), ParseError> {
        match self.rest() {
            None => Ok(()),
            Some(rest) => Err(ParseError::new(
                ParseErrorKind::TrailingInput {
                    verb,
                    text: rest.text.to_owned(),
                },
                rest.position,
            )),
        }
    }
}

/// Splits text at Unicode whitespace, keeping each angle-bracket form whole.
fn split(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut at = 0;
    let mut position = 0;

    while let Some(first) = text[at..].chars().next() {
        if first.is_whitespace() {
            at += first.len_utf8();
            position += 1;
            continue;
        }

        let (start, token_position) = (at, position);
        while let Some(ch) = text[at..].chars().next().filter(|c| !c.is_whitespace()) {
            let form_end = (ch == '<').then(|| markup_at(text, at)).flatten();
            let next = form_end.map_or(at + ch.len_utf8(), |(_, end)| end);
            position += text[at..next].chars().count();
            at = next;
        }
        tokens.push(Token {
            text: &text[start..at],
            start,
            position: token_position,
            end: position,
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(&str, usize, usize)> {
        split(text)
            .into_iter()
            .map(|t| (t.text, t.position, t.end))
            .collect()
    }

    #[test]
    fn splits_at_any_unicode_whitespace_and_keeps_forms_whole() {
        type Word<'a> = (&'a str, usize, usize);
        let cases: [(&str, Vec<Word>); 7] = [
            ("", vec![]),
            (" \t\u{a0} ", vec![]),
            ("ack  INC-4", vec![("ack", 0, 3), ("INC-4", 5, 10)]),
            (
                "sev1\u{a0}결제\tAPI",
                vec![("sev1", 0, 4), ("결제", 5, 7), ("API", 8, 11)],
            ),
            (
                "x <https://a.example|the board> y",
                vec![
                    ("x", 0, 1),
                    ("<https://a.example|the board>", 2, 31),
                    ("y", 32, 33),
                ],
            ),
            ("a<@U1|b c>d e", vec![("a<@U1|b c>d", 0, 11), ("e", 12, 13)]),
            ("< b >", vec![("<", 0, 1), ("b", 2, 3), (">", 4, 5)]),
        ];
        for (text, expected) in cases {
            assert_eq!(words(text), expected, "{text:?}");
        }
    }

    #[test]
    fn rest_is_verbatim_and_end_points_after_the_last_word_taken() {
        let mut tokens = Tokens::new("update  INC-4 \u{a0}db  down\t ");
        assert_eq!(tokens.end(), 0);
        tokens.take();
        tokens.take();
        assert_eq!(tokens.end(), 13);

        let rest = tokens.rest().map(|t| (t.text, t.position, t.end));
        assert_eq!(rest, Some(("db  down", 15, 23)));
        assert_eq!(tokens.rest(), None);
    }
}
