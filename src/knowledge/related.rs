//! Related fixes: the past fix notes worth showing in a new incident's thread.
//!
//! The new incident's summary is the query. BM25 scores are not comparable across
//! queries, so the threshold is on coverage instead: a note is shown only when it holds
//! at least [`MIN_COVERAGE`] of the summary's distinct terms (and at least two of them
//! when the summary has two or more). Better say nothing than suggest noise.

use std::collections::BTreeSet;

use super::{analyzer, note_terms, Hit, KnowledgeBase, KnowledgeError};

/// The most related fixes shown.
pub const MAX_RELATED: usize = 3;

/// The share of the summary's terms a note must hold to be shown.
pub const MIN_COVERAGE: f64 = 0.5;

/// How many candidates are ranked before the coverage check.
const CANDIDATES: usize = 10;

impl KnowledgeBase {
    /// Up to [`MAX_RELATED`] past fix notes relevant to an incident summarised as
    /// `summary`, best first; empty when none is relevant enough.
    pub fn related(&self, summary: &str) -> Result<Vec<Hit>, KnowledgeError> {
        let wanted: BTreeSet<String> = analyzer::terms(summary).into_iter().collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let needed = needed_terms(wanted.len());
        let mut related = Vec::new();
        for hit in self.search(summary, CANDIDATES)? {
            let Some(incident) = self.store.incident(hit.incident)? else {
                continue;
            };
            let Some(note) = &incident.fix_note else {
                continue;
            };
            let held = note_terms(&incident, note);
            if wanted.iter().filter(|term| held.contains(*term)).count() >= needed {
                related.push(hit);
            }
            if related.len() == MAX_RELATED {
                break;
            }
        }
        Ok(related)
    }
}

/// How many of `total` distinct summary terms a note must hold.
fn needed_terms(total: usize) -> usize {
    let share = (total as f64 * MIN_COVERAGE).ceil() as usize;
    share.max(total.min(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_must_hold_half_the_terms_and_at_least_two() {
        for (total, needed) in [(1, 1), (2, 2), (3, 2), (4, 2), (5, 3), (8, 4)] {
            assert_eq!(needed_terms(total), needed, "{total}");
        }
    }
}
