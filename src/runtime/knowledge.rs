//! The runtime's side of the knowledge base: open it once, index each committed fix
//! note, and find related fixes for a new incident.
//!
//! The store commits first; the index follows. A failure here never undoes or delays a
//! decision: it is logged, and the index is rebuilt from the store on the next open.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use tracing::{error, info};

use super::Escalator;
use crate::engine::{Incident, RelatedFix};
use crate::knowledge::{KnowledgeBase, KnowledgeError};

impl Escalator {
    /// The knowledge base of this escalator's data folder, opened (and rebuilt from the
    /// store if needed) on first use.
    pub fn knowledge(&self) -> Result<Arc<KnowledgeBase>, KnowledgeError> {
        // Opening replaces the `None` whole, so a panic cannot leave it half-set.
        let mut slot = self
            .knowledge
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(knowledge) = slot.as_ref() {
            return Ok(Arc::clone(knowledge));
        }
        self.is_knowledge_opening.store(true, Ordering::SeqCst);
        let opened = KnowledgeBase::open(&self.store).map(Arc::new);
        self.is_knowledge_opening.store(false, Ordering::SeqCst);
        let knowledge = opened?;
        *slot = Some(Arc::clone(&knowledge));
        Ok(knowledge)
    }

    /// Opens the knowledge base at start, so the first search does not wait for a rebuild.
    /// Runs beside the runtime rather than before it: the bot is ready and decides
    /// meanwhile, only without related fixes.
    pub(super) async fn prepare_knowledge(self: &Arc<Self>) {
        let escalator = Arc::clone(self);
        let opened = tokio::task::spawn_blocking(move || escalator.knowledge()).await;
        match opened {
            Ok(Ok(knowledge)) => info!(notes = knowledge.len(), "knowledge base ready"),
            Ok(Err(error)) => error!(error = %error, "could not open the knowledge base"),
            Err(join) => error!(error = %join, "opening the knowledge base stopped"),
        }
    }

    /// Brings a committed fix note into the search index.
    pub(super) async fn index_fix_note(&self, incident: &Incident) {
        let knowledge = match self.knowledge() {
            Ok(knowledge) => knowledge,
            Err(error) => {
                error!(incident_id = %incident.id, error = %error, "fix note not indexed");
                return;
            }
        };
        let copy = incident.clone();
        let store = self.store.clone();
        let indexing = Arc::clone(&self.indexing);
        let indexed = tokio::task::spawn_blocking(move || {
            // Decisions no longer wait for each other's flushes, so two edits of one note
            // may reach this point in either order; whoever indexes last reads the note
            // as stored now, and the index ends with the newest text.
            let _in_order = indexing.lock().unwrap_or_else(PoisonError::into_inner);
            let latest = store.incident(copy.id).ok().flatten().unwrap_or(copy);
            knowledge.index_note(&latest)
        })
        .await;
        match indexed {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                error!(incident_id = %incident.id, error = %error, "fix note not indexed");
            }
            Err(join) => error!(incident_id = %incident.id, error = %join, "indexing stopped"),
        }
    }

    /// The knowledge base if it can be had without waiting: `None` while it is being
    /// opened or rebuilt elsewhere (a rebuild reads every stored incident, seconds for a
    /// large store), so that a decision never waits for it.
    fn knowledge_now(&self) -> Option<Result<Arc<KnowledgeBase>, KnowledgeError>> {
        if self.is_knowledge_opening.load(Ordering::SeqCst) {
            return None;
        }
        Some(self.knowledge())
    }

    /// Past fixes related to a new incident summarised as `summary`; empty on any error,
    /// and while the knowledge base is still being opened at start.
    pub(super) fn related_fixes(&self, summary: &str) -> Vec<RelatedFix> {
        let Some(knowledge) = self.knowledge_now() else {
            info!("the knowledge base is still being opened; no related fixes shown");
            return Vec::new();
        };
        let related = knowledge.and_then(|knowledge| knowledge.related(summary));
        match related {
            Ok(hits) => hits
                .into_iter()
                .map(|hit| RelatedFix {
                    incident: hit.incident,
                    title: hit.title,
                    severity: hit.severity,
                    team: hit.team,
                    written_at: hit.written_at,
                    channel: hit.thread.map(|thread| thread.channel),
                })
                .collect(),
            Err(error) => {
                error!(error = %error, "could not look for related fixes");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ports::SystemClock;
    use crate::store::{Store, StoreOptions};

    #[test]
    fn related_fixes_are_skipped_rather_than_waited_for_while_the_knowledge_base_opens() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = Store::open(&dir.path().join("data"), StoreOptions::default()).expect("opens");
        let policy = Config::load("bot-config")
            .expect("the shipped config loads")
            .policy;
        let escalator = Escalator::new(store, Arc::new(policy), Arc::new(SystemClock));

        escalator.is_knowledge_opening.store(true, Ordering::SeqCst);
        assert!(escalator.knowledge_now().is_none());
        assert!(escalator.related_fixes("checkout fails").is_empty());

        escalator
            .is_knowledge_opening
            .store(false, Ordering::SeqCst);
        assert!(matches!(escalator.knowledge_now(), Some(Ok(_))));
    }
}
