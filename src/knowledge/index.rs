//! The tantivy side of the knowledge base: schema, stamp, rebuild, update and ranking.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, INDEXED, STORED,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use tracing::{debug, info};

use super::analyzer::{self, ANALYZER, ANALYZER_VERSION};
use super::{body_text, title_text, KnowledgeError};
use crate::engine::{Incident, IncidentId};

/// The writer's memory budget; tantivy needs at least 15 MB for its one thread.
const WRITER_BYTES: usize = 20_000_000;

/// How much more a term in a note's summary counts than one in its body.
const TITLE_BOOST: f32 = 2.0;

/// What an index holds, written with each commit and compared on open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Stamp {
    notes: usize,
    fingerprint: u128,
}

impl Stamp {
    fn of(notes: &HashMap<IncidentId, u128>) -> Stamp {
        Stamp {
            notes: notes.len(),
            fingerprint: notes.values().fold(0, |all, one| all ^ one),
        }
    }

    fn payload(&self) -> String {
        format!(
            "escalator-knowledge analyzer={ANALYZER_VERSION} notes={} fingerprint={:032x}",
            self.notes, self.fingerprint
        )
    }
}

/// A fingerprint of one incident's note as the index sees it.
fn note_hash(incident: &Incident) -> Option<u128> {
    let note = incident.fix_note.as_ref()?;
    let mut hasher = Sha256::new();
    hasher.update(incident.id.0.to_be_bytes());
    hasher.update(title_text(note).as_bytes());
    hasher.update([0]);
    hasher.update(body_text(incident, note).as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Some(u128::from_be_bytes(first))
}

#[derive(Clone, Copy)]
struct Fields {
    incident: Field,
    title: Field,
    body: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        incident: builder.add_u64_field("incident", INDEXED | STORED),
        title: builder.add_text_field("title", text.clone()),
        body: builder.add_text_field("body", text),
    };
    (builder.build(), fields)
}

/// An open index with its writer (which holds the folder's lock) and reader.
pub(super) struct NoteIndex {
    dir: PathBuf,
    fields: Fields,
    writer: IndexWriter,
    reader: IndexReader,
    hashes: HashMap<IncidentId, u128>,
}

impl NoteIndex {
    /// Opens the index in `dir` if it holds exactly `notes`, else rebuilds it.
    pub(super) fn open_or_rebuild(
        dir: &Path,
        notes: &[Incident],
    ) -> Result<NoteIndex, KnowledgeError> {
        let hashes: HashMap<IncidentId, u128> = notes
            .iter()
            .filter_map(|incident| Some((incident.id, note_hash(incident)?)))
            .collect();
        let expected = Stamp::of(&hashes).payload();
        match Self::open_existing(dir, hashes.clone()) {
            Ok((index, found)) if found.as_deref() == Some(expected.as_str()) => {
                debug!(notes = notes.len(), "search index is up to date");
                return Ok(index);
            }
            Ok(_) => info!(
                notes = notes.len(),
                "search index is out of date; rebuilding"
            ),
            Err(error) if dir.exists() => {
                info!(error = %error, "search index is unreadable; rebuilding");
            }
            Err(_) => info!(notes = notes.len(), "no search index yet; building it"),
        }
        Self::rebuild(dir, notes)
    }

    fn open_existing(
        dir: &Path,
        hashes: HashMap<IncidentId, u128>,
    ) -> Result<(NoteIndex, Option<String>), tantivy::TantivyError> {
        let index = Index::open_in_dir(dir)?;
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(tantivy::TantivyError::SchemaError(
                "the index has another schema".to_owned(),
            ));
        }
        let payload = index.load_metas()?.payload;
        let index = Self::from_index(dir, index, fields, hashes)?;
        Ok((index, payload))
    }

    /// Deletes whatever is in `dir` and indexes `notes` afresh.
    pub(super) fn rebuild(dir: &Path, notes: &[Incident]) -> Result<NoteIndex, KnowledgeError> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|source| KnowledgeError::Folder {
                dir: dir.to_owned(),
                source,
            })?;
        }
        std::fs::create_dir_all(dir).map_err(|source| KnowledgeError::Folder {
            dir: dir.to_owned(),
            source,
        })?;
        let failed = |source| KnowledgeError::Index {
            dir: dir.to_owned(),
            source,
        };
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema).map_err(failed)?;
        let mut built = Self::from_index(dir, index, fields, HashMap::new()).map_err(failed)?;
        for incident in notes {
            built.add(incident).map_err(failed)?;
        }
        built.commit().map_err(failed)?;
        Ok(built)
    }

    fn from_index(
        dir: &Path,
        index: Index,
        fields: Fields,
        hashes: HashMap<IncidentId, u128>,
    ) -> Result<NoteIndex, tantivy::TantivyError> {
        index.tokenizers().register(ANALYZER, analyzer::analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(NoteIndex {
            dir: dir.to_owned(),
            fields,
            writer,
            reader,
            hashes,
        })
    }

    /// The index folder.
    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many notes the index holds.
    pub(super) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Replaces `incident`'s note in the index (or removes it when it has none) and
    /// commits.
    pub(super) fn put(&mut self, incident: &Incident) -> Result<(), KnowledgeError> {
        let dir = self.dir.clone();
        let failed = |source| KnowledgeError::Index { dir, source };
        let hash = note_hash(incident);
        if self.hashes.get(&incident.id).copied() == hash {
            return Ok(());
        }
        let term = Term::from_field_u64(self.fields.incident, incident.id.0);
        self.writer.delete_term(term);
        self.hashes.remove(&incident.id);
        let added = self.add(incident);
        added.and_then(|()| self.commit()).map_err(failed)
    }

    fn add(&mut self, incident: &Incident) -> Result<(), tantivy::TantivyError> {
        let (Some(note), Some(hash)) = (&incident.fix_note, note_hash(incident)) else {
            return Ok(());
        };
        self.writer.add_document(doc!(
            self.fields.incident => incident.id.0,
            self.fields.title => title_text(note),
            self.fields.body => body_text(incident, note),
        ))?;
        self.hashes.insert(incident.id, hash);
        Ok(())
    }

    fn commit(&mut self) -> Result<(), tantivy::TantivyError> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&Stamp::of(&self.hashes).payload());
        prepared.commit()?;
        self.reader.reload()
    }

    /// The ids and scores of the best `limit` notes for `query`.
    pub(super) fn search(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(IncidentId, f32)>, KnowledgeError> {
        let failed = |source| KnowledgeError::Index {
            dir: self.dir.clone(),
            source,
        };
        let terms: BTreeSet<String> = analyzer::terms(query).into_iter().collect();
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in &terms {
            let in_title = TermQuery::new(
                Term::from_field_text(self.fields.title, term),
                IndexRecordOption::WithFreqs,
            );
            let in_body = TermQuery::new(
                Term::from_field_text(self.fields.body, term),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(in_title), TITLE_BOOST)),
            ));
            clauses.push((Occur::Should, Box::new(in_body)));
        }
        let query = BooleanQuery::new(clauses);

        let searcher = self.reader.searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit))
            .map_err(failed)?;
        let mut ranked = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address).map_err(failed)?;
            let id = document
                .get_first(self.fields.incident)
                .and_then(|value| value.as_u64());
            ranked.extend(id.map(|id| (IncidentId(id), score)));
        }
        // Equal scores keep a stable order: the newer incident first.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        Ok(ranked)
    }
}
