//! The knowledge base: fix notes of past incidents, searched by their words.
//!
//! Fix notes live on their incidents in the store. This module ranks them against a
//! query with a plain term-overlap score weighted by how rare each term is: English words
//! are lowercased with plural endings removed, and Hangul runs are cut into character
//! bigrams, so `결제가` still finds `결제`. It scans every note on each query, which is
//! fine for a few thousand notes.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{FixNote, Incident, IncidentId, SeverityId, TeamId, Timestamp};

/// A fix note that matched a query.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The incident the note belongs to.
    pub incident: IncidentId,
    /// The note's one-line summary.
    pub title: String,
    /// The incident's severity.
    pub severity: SeverityId,
    /// The incident's team.
    pub team: TeamId,
    /// When the note was written.
    pub written_at: Timestamp,
    /// Relevance; higher is better.
    pub score: f64,
}

/// The best `limit` fix notes for `query`, best first; notes sharing no term are left out.
pub fn search(incidents: &[Incident], query: &str, limit: usize) -> Vec<Hit> {
    let query_terms: BTreeSet<String> = terms(query).into_iter().collect();
    if query_terms.is_empty() {
        return Vec::new();
    }
    let notes: Vec<(&Incident, &FixNote, BTreeSet<String>)> = incidents
        .iter()
        .filter_map(|incident| {
            let note = incident.fix_note.as_ref()?;
            Some((
                incident,
                note,
                terms(&note_text(incident, note)).into_iter().collect(),
            ))
        })
        .collect();

    let mut document_frequency: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, _, words) in &notes {
        for term in query_terms.iter().filter(|term| words.contains(*term)) {
            *document_frequency.entry(term.as_str()).or_default() += 1;
        }
    }
    let total = notes.len() as f64;
    let mut hits: Vec<Hit> = notes
        .iter()
        .filter_map(|(incident, note, words)| {
            let score: f64 = query_terms
                .iter()
                .filter(|term| words.contains(*term))
                .map(|term| {
                    let frequency = document_frequency[term.as_str()] as f64;
                    (1.0 + total / frequency).ln()
                })
                .sum();
            (score > 0.0).then(|| Hit {
                incident: incident.id,
                title: note.summary.clone(),
                severity: incident.severity.clone(),
                team: incident.team.clone(),
                written_at: note.written_at,
                score,
            })
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.incident.cmp(&a.incident))
    });
    hits.truncate(limit);
    hits
}

fn note_text(incident: &Incident, note: &FixNote) -> String {
    [
        incident.summary.as_str(),
        &note.summary,
        &note.cause,
        &note.fix,
        &note.prevention,
    ]
    .join("\n")
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// The searchable terms of `text`.
pub fn terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut word = String::new();
    let mut hangul = Vec::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if is_hangul(c) {
            push_word(&mut terms, &mut word);
            hangul.push(c);
        } else if c.is_alphanumeric() {
            push_hangul(&mut terms, &mut hangul);
            word.extend(c.to_lowercase());
        } else {
            push_word(&mut terms, &mut word);
            push_hangul(&mut terms, &mut hangul);
        }
    }
    terms
}

fn push_word(terms: &mut Vec<String>, word: &mut String) {
    if word.is_empty() {
        return;
    }
    let stem = word
        .strip_suffix("ies")
        .map(|stem| format!("{stem}y"))
        .or_else(|| {
            (word.len() > 3 && word.ends_with('s') && !word.ends_with("ss"))
                .then(|| word[..word.len() - 1].to_owned())
        })
        .unwrap_or_else(|| word.clone());
    terms.push(stem);
    word.clear();
}

fn push_hangul(terms: &mut Vec<String>, run: &mut Vec<char>) {
    match run.len() {
        0 => {}
        1 => terms.push(run[0].to_string()),
        _ => terms.extend(run.windows(2).map(|pair| pair.iter().collect::<String>())),
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_cut_english_words_and_hangul_bigrams() {
        assert_eq!(
            terms("Payments FAIL, retries"),
            vec!["payment", "fail", "retry"]
        );
        assert_eq!(terms("결제가 실패"), vec!["결제", "제가", "실패"]);
        assert_eq!(terms("TLS 인증서"), vec!["tls", "인증", "증서"]);
        assert_eq!(terms("a 가"), vec!["a", "가"]);
    }
}
