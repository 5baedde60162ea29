//! How fix-note text becomes search terms, for Korean and English alike, with no
//! dictionary.
//!
//! Latin words and numbers are lowercased and stemmed with the English Snowball stemmer
//! that tantivy ships (so `failing` and `failed` both become `fail`); a short list of
//! function words is dropped. Hangul (and other CJK scripts) has no spaces between a word
//! and its particles, so a run of syllables is cut into overlapping character pairs
//! after a common particle or verb ending is taken off its end: `결제가` gives `결제`,
//! `인증서가` gives `인증`, `증서`. Pairs need no dictionary and match across spacing
//! mistakes. Mixed text such as `TLS 인증서 만료` gives both kinds of terms.

use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer};

/// The name the analyzer is registered under in the index.
pub const ANALYZER: &str = "escalator_note";

/// Bump when the terms this module produces change, so that old indexes are rebuilt.
pub const ANALYZER_VERSION: u32 = 1;

/// English words too common to say anything about a note.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
];

/// Particles and verb endings taken off the end of a Hangul run, longest first.
const HANGUL_ENDINGS: &[&str] = &[
    "되었습니다",
    "하였습니다",
    "했습니다",
    "합니다",
    "됩니다",
    "입니다",
    "습니다",
    "에서는",
    "으로",
    "에서",
    "에는",
    "까지",
    "부터",
    "처럼",
    "보다",
    "하고",
    "해서",
    "하여",
    "했다",
    "한다",
    "되어",
    "됨",
    "함",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "의",
    "도",
    "로",
    "와",
    "과",
    "만",
];

/// The analyzer for note fields and queries: terms, then English stemming.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(NoteTokenizer)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The search terms of `text`, in order, with repeats.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while let Some(token) = stream.next() {
        terms.push(token.text.clone());
    }
    terms
}

/// Whether `c` belongs to a script written without spaces between words and particles.
fn is_bigram_script(c: char) -> bool {
    matches!(c,
        '\u{AC00}'..='\u{D7A3}'     // Hangul syllables
        | '\u{1100}'..='\u{11FF}'   // Hangul jamo
        | '\u{3130}'..='\u{318F}'   // Hangul compatibility jamo
        | '\u{3040}'..='\u{30FF}'   // Hiragana and Katakana
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
    )
}

/// Cuts text into lowercase words and CJK character pairs.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoteTokenizer;

/// The terms of one text, computed up front (notes are short).
pub struct NoteTokens {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for NoteTokenizer {
    type TokenStream<'a> = NoteTokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NoteTokens {
        NoteTokens {
            tokens: cut(text),
            next: 0,
        }
    }
}

impl TokenStream for NoteTokens {
    fn advance(&mut self) -> bool {
        if self.next >= self.tokens.len() {
            return false;
        }
        self.next += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// A run of characters of one kind: its byte range and whether it is CJK.
struct Run {
    start: usize,
    end: usize,
    is_cjk: bool,
    /// Whether a Latin word or number touches it on the left, as in `API가`.
    is_glued: bool,
}

fn cut(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for run in runs(text) {
        let piece = &text[run.start..run.end];
        if run.is_cjk {
            push_pairs(&mut tokens, piece, run.start, run.is_glued);
        } else {
            push_word(&mut tokens, piece, run.start);
        }
    }
    tokens
}

fn runs(text: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut current: Option<Run> = None;
    for (at, c) in text.char_indices() {
        let kind = if is_bigram_script(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (&mut current, kind) {
            (Some(run), Some(is_cjk)) if run.is_cjk == is_cjk => run.end = at + c.len_utf8(),
            (_, kind) => {
                let previous = current.take();
                let is_glued = previous.as_ref().is_some_and(|run| !run.is_cjk);
                runs.extend(previous);
                current = kind.map(|is_cjk| Run {
                    start: at,
                    end: at + c.len_utf8(),
                    is_cjk,
                    is_glued: is_glued && is_cjk,
                });
            }
        }
    }
    runs.extend(current);
    runs
}

fn push_token(tokens: &mut Vec<Token>, text: String, from: usize, to: usize) {
    let position = tokens.len();
    tokens.push(Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    });
}

fn push_word(tokens: &mut Vec<Token>, word: &str, start: usize) {
    let lower = word.to_lowercase();
    if STOP_WORDS.contains(&lower.as_str()) {
        return;
    }
    push_token(tokens, lower, start, start + word.len());
}

/// Pairs of a CJK run after its ending is taken off; a lone syllable stays a term unless
/// it is glued to a Latin word, where it is almost always a particle (`DB가`).
fn push_pairs(tokens: &mut Vec<Token>, run: &str, start: usize, is_glued: bool) {
    let stem = strip_ending(run);
    let chars: Vec<(usize, char)> = stem.char_indices().collect();
    match chars.len() {
        0 => {}
        1 if is_glued => {}
        1 => push_token(tokens, stem.to_owned(), start, start + stem.len()),
        _ => {
            for pair in chars.windows(2) {
                let (from, first) = pair[0];
                let (at, second) = pair[1];
                let to = at + second.len_utf8();
                push_token(tokens, format!("{first}{second}"), start + from, start + to);
            }
        }
    }
}

/// `run` without one trailing particle or ending, when at least two syllables remain.
fn strip_ending(run: &str) -> &str {
    let length = run.chars().count();
    if length < 3 {
        return run;
    }
    for ending in HANGUL_ENDINGS {
        if let Some(stem) = run.strip_suffix(ending) {
            if stem.chars().count() >= 2 {
                return stem;
            }
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_of_english_korean_and_mixed_text() {
        let cases: &[(&str, &[&str])] = &[
            ("Payments FAILING, retries", &["payment", "fail", "retri"]),
            ("the deploy failed", &["deploy", "fail"]),
            ("결제가 실패", &["결제", "실패"]),
            ("결제 실패했습니다", &["결제", "실패"]),
            ("인증서가 만료되어", &["인증", "증서", "만료"]),
            ("TLS 인증서", &["tls", "인증", "증서"]),
            ("API가 느림", &["api", "느림"]),
            ("a 값", &["값"]),
            ("데이터베이스", &["데이", "이터", "터베", "베이", "이스"]),
            ("v2.3 배포로", &["v2", "3", "배포"]),
            ("", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(terms(text), *expected, "{text}");
        }
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "DB 결제가";
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut spans = Vec::new();
        while let Some(token) = stream.next() {
            spans.push(&text[token.offset_from..token.offset_to]);
        }
        assert_eq!(spans, vec!["DB", "결제"]);
    }
}
