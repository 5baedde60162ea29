//! Export and import of the whole store as JSON lines.
//!
//! One object per line, each with a `kind` field. The first line is `meta` (schema
//! version and counters); the timer index and per-incident timeline counters are not
//! exported because they follow from the incidents and timelines. Importing an export
//! into an empty store reproduces the same state, so an export is also a backup.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use super::{
    decode, encode, keys, AuditRecord, Counters, OutboxEntry, Store, StoreError, SCHEMA_VERSION,
};
use crate::engine::{Absence, Entry, Incident, IncidentId, PersonId};
use crate::ports::MessageRef;

/// One exported line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Record {
    Meta {
        schema_version: u32,
        next_incident_id: u64,
        next_outbox_seq: u64,
        next_audit_seq: u64,
    },
    Incident {
        incident: Box<Incident>,
    },
    Timeline {
        incident: IncidentId,
        seq: u64,
        entry: Entry,
    },
    Root {
        incident: IncidentId,
        message: MessageRef,
    },
    KnowledgePost {
        incident: IncidentId,
        message: MessageRef,
    },
    Link {
        message: MessageRef,
        incident: IncidentId,
    },
    Outbox {
        seq: u64,
        entry: OutboxEntry,
    },
    Dedupe {
        key: String,
        expires: crate::engine::Timestamp,
    },
    Audit {
        seq: u64,
        record: AuditRecord,
    },
    Absences {
        person: PersonId,
        absences: Vec<Absence>,
    },
}

impl Store {
    /// Writes every record as one JSON object per line.
    pub fn export(&self, mut writer: impl Write) -> Result<(), StoreError> {
        let mut write = |record: Record| -> Result<(), StoreError> {
            serde_json::to_writer(&mut writer, &record).map_err(|source| StoreError::Encode {
                what: "export",
                source,
            })?;
            writer.write_all(b"\n").map_err(StoreError::Io)
        };
        let db = self.db()?;
        let t = &db.trees;
        let counters = self.counters()?;

        write(Record::Meta {
            schema_version: SCHEMA_VERSION,
            next_incident_id: counters.next_incident_id,
            next_outbox_seq: counters.next_outbox_seq,
            next_audit_seq: counters.next_audit_seq,
        })?;
        for incident in self.each_incident()? {
            write(Record::Incident {
                incident: Box::new(incident?),
            })?;
        }
        for item in t.timeline.iter() {
            let (key, value) = item?;
            let (Some(incident), Some(seq)) =
                (keys::read_u64(&key), key.get(8..).and_then(keys::read_u64))
            else {
                continue;
            };
            let entry = decode("timeline", &value)?;
            write(Record::Timeline {
                incident: IncidentId(incident),
                seq,
                entry,
            })?;
        }
        for item in t.roots.iter() {
            let (key, value) = item?;
            let Some(incident) = keys::read_u64(&key) else {
                continue;
            };
            let message = decode("root", &value)?;
            write(Record::Root {
                incident: IncidentId(incident),
                message,
            })?;
        }
        for item in t.knowledge_posts.iter() {
            let (key, value) = item?;
            let Some(incident) = keys::read_u64(&key) else {
                continue;
            };
            let message = decode("knowledge post", &value)?;
            write(Record::KnowledgePost {
                incident: IncidentId(incident),
                message,
            })?;
        }
        for item in t.links.iter() {
            let (key, value) = item?;
            let Some(incident) = keys::read_u64(&value) else {
                continue;
            };
            let message = decode("link", &key)?;
            write(Record::Link {
                message,
                incident: IncidentId(incident),
            })?;
        }
        for (seq, entry) in self.outbox()? {
            write(Record::Outbox { seq, entry })?;
        }
        for item in t.dedupe.iter() {
            let (key, value) = item?;
            let expires = keys::read_u64(&value).and_then(keys::from_millis);
            let (Ok(key), Some(expires)) = (String::from_utf8(key.to_vec()), expires) else {
                continue;
            };
            write(Record::Dedupe { key, expires })?;
        }
        for (seq, record) in self.audit(usize::MAX)? {
            write(Record::Audit { seq, record })?;
        }
        for item in t.absences.iter() {
            let (key, value) = item?;
            let person = PersonId(String::from_utf8_lossy(&key).into_owned());
            let absences = decode("absences", &value)?;
            write(Record::Absences { person, absences })?;
        }
        writer.flush().map_err(StoreError::Io)
    }

    /// Reads an export into this store, which must be empty, and flushes it to disk.
    /// Every line is checked before anything is written.
    pub fn import(&self, reader: impl BufRead) -> Result<usize, StoreError> {
        if !self.is_empty()? {
            return Err(StoreError::NotEmpty);
        }
        let records = parse(reader)?;
        let count = records.len();
        let db = self.db()?;
        let t = &db.trees;
        let mut timeline_next: BTreeMap<IncidentId, u64> = BTreeMap::new();

        for record in records {
            match record {
                Record::Meta {
                    next_incident_id,
                    next_outbox_seq,
                    next_audit_seq,
                    ..
                } => {
                    t.meta
                        .insert(keys::NEXT_INCIDENT_ID, &keys::seq(next_incident_id))?;
                    t.meta
                        .insert(keys::NEXT_OUTBOX_SEQ, &keys::seq(next_outbox_seq))?;
                    t.meta
                        .insert(keys::NEXT_AUDIT_SEQ, &keys::seq(next_audit_seq))?;
                }
                Record::Incident { incident } => {
                    if let Some(timer) = incident.timer {
                        t.timers.insert(keys::timer(timer.due, incident.id), &[])?;
                    }
                    t.incidents
                        .insert(keys::incident(incident.id), encode("incident", &incident)?)?;
                }
                Record::Timeline {
                    incident,
                    seq,
                    entry,
                } => {
                    let next = timeline_next.entry(incident).or_insert(1);
                    *next = (*next).max(seq + 1);
                    t.timeline
                        .insert(keys::timeline(incident, seq), encode("timeline", &entry)?)?;
                }
                Record::Root { incident, message } => {
                    t.roots
                        .insert(keys::incident(incident), encode("root", &message)?)?;
                }
                Record::KnowledgePost { incident, message } => {
                    t.knowledge_posts.insert(
                        keys::incident(incident),
                        encode("knowledge post", &message)?,
                    )?;
                }
                Record::Link { message, incident } => {
                    t.links
                        .insert(encode("link", &message)?, &keys::incident(incident))?;
                }
                Record::Outbox { seq, entry } => {
                    t.outbox.insert(keys::seq(seq), encode("outbox", &entry)?)?;
                }
                Record::Dedupe { key, expires } => {
                    t.dedupe
                        .insert(key.as_bytes(), &keys::millis_up(expires).to_be_bytes())?;
                }
                Record::Audit { seq, record } => {
                    t.audit.insert(keys::seq(seq), encode("audit", &record)?)?;
                }
                Record::Absences { person, absences } => {
                    t.absences
                        .insert(person.as_str().as_bytes(), encode("absences", &absences)?)?;
                }
            }
        }
        for (incident, next) in timeline_next {
            t.meta
                .insert(keys::next_timeline_seq(incident), &keys::seq(next))?;
        }
        drop(db);
        self.flush_now()?;
        Ok(count)
    }
}

/// Reads every line of an export without writing anything; returns how many records.
pub(crate) fn validate(reader: impl BufRead) -> Result<usize, StoreError> {
    parse(reader).map(|records| records.len())
}

/// The counters in an export's first line.
pub(crate) fn counters_of(line: &str) -> Result<Counters, StoreError> {
    let not_meta = |reason: String| StoreError::Import { line: 1, reason };
    match serde_json::from_str::<Record>(line) {
        Ok(Record::Meta {
            next_incident_id,
            next_outbox_seq,
            next_audit_seq,
            ..
        }) => Ok(Counters {
            next_incident_id,
            next_outbox_seq,
            next_audit_seq,
        }),
        Ok(_) => Err(not_meta(
            "the first line must be the `meta` record".to_owned(),
        )),
        Err(error) => Err(not_meta(error.to_string())),
    }
}

fn parse(reader: impl BufRead) -> Result<Vec<Record>, StoreError> {
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(StoreError::Io)?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).map_err(|error| StoreError::Import {
            line: line_number,
            reason: error.to_string(),
        })?;
        match (&record, records.is_empty()) {
            (Record::Meta { schema_version, .. }, true) if *schema_version > SCHEMA_VERSION => {
                return Err(StoreError::Import {
                    line: line_number,
                    reason: format!(
                        "schema version {schema_version} is newer than this escalator's \
                         {SCHEMA_VERSION}"
                    ),
                });
            }
            (Record::Meta { .. }, true) => {}
            (_, true) => {
                return Err(StoreError::Import {
                    line: line_number,
                    reason: "the first line must be the `meta` record".to_owned(),
                });
            }
            (Record::Meta { .. }, false) => {
                return Err(StoreError::Import {
                    line: line_number,
                    reason: "only the first line may be a `meta` record".to_owned(),
                });
            }
            _ => {}
        }
        records.push(record);
    }
    Ok(records)
}
