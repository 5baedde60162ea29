//! The knowledge base: fix notes of past incidents, found again by their words.
//!
//! sled is the source of truth: a fix note lives on its incident in the store. A tantivy
//! index in `<data dir>/knowledge-index` makes the notes searchable with BM25 ranking,
//! over terms made by [`analyzer`] (Hangul character pairs and stemmed English, no
//! dictionary). The index is a cache that can always be rebuilt from the store:
//!
//! - Each index commit carries a stamp: the analyzer version, the number of notes and an
//!   order-independent fingerprint of every note it holds.
//! - [`KnowledgeBase::open`] computes the stamp of the notes in the store and rebuilds the
//!   index when the folder is missing, unreadable, or stamped differently. A crash
//!   between the store's commit and the index's therefore only costs a rebuild at start.
//! - The runtime calls [`KnowledgeBase::index_note`] after a fix note is committed; on
//!   any failure it rebuilds from the store.
//!
//! Search results are read back from the store, so a hit always shows the note as stored.
//! [`related`] picks the past fixes shown when a new incident opens.

// TODO(#6): editing a note (author and admins, re-index, update the knowledge-channel
// post) and an explicit skip reason that closes the capture loop are not built yet.

pub mod analyzer;
mod index;
pub mod related;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use tracing::{info, warn};

use crate::engine::{FixNote, Incident, IncidentId, SeverityId, TeamId, Timestamp};
use crate::ports::MessageRef;
use crate::store::{Store, StoreError};

pub use analyzer::terms;
use index::NoteIndex;

/// The index folder's name inside the data folder.
pub const INDEX_FOLDER: &str = "knowledge-index";

/// Why the knowledge base could not answer.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// The notes could not be read from the store.
    #[error("could not read the fix notes: {0}")]
    Store(#[from] StoreError),
    /// The index could not be built, read or written.
    #[error("the search index in {} failed: {source}", dir.display())]
    Index {
        /// The index folder.
        dir: PathBuf,
        /// The cause.
        source: tantivy::TantivyError,
    },
    /// The index folder could not be cleared for a rebuild.
    #[error("could not clear the search index folder {}: {source}", dir.display())]
    Folder {
        /// The index folder.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

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
    /// The incident's first message, whose thread holds the whole story, once posted.
    pub thread: Option<MessageRef>,
    /// BM25 relevance; higher is better.
    pub score: f32,
}

/// The searchable fix notes of one data folder.
pub struct KnowledgeBase {
    store: Store,
    index: Mutex<NoteIndex>,
}

impl KnowledgeBase {
    /// Opens the index of `store`'s notes, rebuilding it from the store when it is
    /// missing, unreadable or out of date.
    pub fn open(store: &Store) -> Result<KnowledgeBase, KnowledgeError> {
        let dir = store.dir().join(INDEX_FOLDER);
        let notes = noted_incidents(store)?;
        let index = NoteIndex::open_or_rebuild(&dir, &notes)?;
        Ok(KnowledgeBase {
            store: store.clone(),
            index: Mutex::new(index),
        })
    }

    /// How many notes the index holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the index holds no note.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Brings `incident`'s note into the index after the store committed it. When the
    /// index cannot be updated it is rebuilt from the store.
    pub fn index_note(&self, incident: &Incident) -> Result<(), KnowledgeError> {
        let mut index = self.lock();
        let Err(error) = index.put(incident) else {
            return Ok(());
        };
        warn!(incident_id = %incident.id, error = %error, "search index update failed; rebuilding");
        let notes = noted_incidents(&self.store)?;
        *index = NoteIndex::rebuild(index.dir(), &notes)?;
        Ok(())
    }

    /// Rebuilds the whole index from the store.
    pub fn rebuild(&self) -> Result<(), KnowledgeError> {
        let mut index = self.lock();
        let notes = noted_incidents(&self.store)?;
        *index = NoteIndex::rebuild(index.dir(), &notes)?;
        info!(notes = notes.len(), "search index rebuilt");
        Ok(())
    }

    /// The best `limit` fix notes for `query`, best first; notes sharing no term with
    /// it are left out.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, KnowledgeError> {
        let ranked = self.lock().search(query, limit)?;
        let mut hits = Vec::with_capacity(ranked.len());
        for (id, score) in ranked {
            // The store is the truth: a note the index still knows but the store does
            // not (it cannot happen after a clean open) is skipped.
            let Some(incident) = self.store.incident(id)? else {
                continue;
            };
            let Some(note) = &incident.fix_note else {
                continue;
            };
            hits.push(Hit {
                incident: id,
                title: note.summary.clone(),
                severity: incident.severity.clone(),
                team: incident.team.clone(),
                written_at: note.written_at,
                thread: self.store.root(id)?,
                score,
            });
        }
        Ok(hits)
    }

    /// Every stored fix note with its incident, by incident id; for export.
    pub fn notes(&self) -> Result<Vec<Incident>, KnowledgeError> {
        noted_incidents(&self.store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, NoteIndex> {
        // The index is replaced whole on rebuild, so a panic cannot leave it half-set.
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The incidents that have a fix note, by id.
fn noted_incidents(store: &Store) -> Result<Vec<Incident>, KnowledgeError> {
    let mut noted = Vec::new();
    for incident in store.each_incident()? {
        let incident = incident?;
        if incident.fix_note.is_some() {
            noted.push(incident);
        }
    }
    Ok(noted)
}

/// The text of a note's title field.
fn title_text(note: &FixNote) -> &str {
    &note.summary
}

/// The text of a note's body field: what was reported and everything the note says.
fn body_text(incident: &Incident, note: &FixNote) -> String {
    [
        incident.summary.as_str(),
        &note.cause,
        &note.fix,
        &note.prevention,
    ]
    .join("\n")
}

/// The distinct terms of a note (title and body), for relevance checks.
fn note_terms(incident: &Incident, note: &FixNote) -> BTreeSet<String> {
    let mut all: BTreeSet<String> = terms(title_text(note)).into_iter().collect();
    all.extend(terms(&body_text(incident, note)));
    all
}
