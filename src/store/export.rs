//! Export and import of the whole store as JSON lines.
//!
//! One object per line, each with a `kind` field. The first line is `meta` (schema
//! version and counters); the timer index and per-incident timeline counters are not
//! exported because they follow from the incidents and timelines. Importing an export
//! into an empty store reproduces the same state, so an export is also a backup.
//!
//! The store is read in chunks: a range of incidents with every timeline entry in that
//! range, then, once the incidents end, the outbox and the dedupe keys, then the rest.
//! [`Store::export`] reads them one after another and expects nobody to write meanwhile;
//! a snapshot of the running bot reads each chunk between decisions (see `snapshot`).
//! Both write the records with the same `Records`. Import takes the lines in any order
//! after the first.

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

/// One record as stored in sled: key and value.
type Raw = (sled::IVec, sled::IVec);

/// How many incidents [`Store::export`] reads at a time, so that a large store is never
/// in memory at once.
const EXPORT_CHUNK: usize = 1024;

/// Where a pass over the incidents stands.
pub(crate) struct Incidents {
    /// How many incidents one chunk holds at most.
    per_chunk: usize,
    /// The smallest incident id not read yet; `None` once the last chunk was read.
    next: Option<u64>,
}

impl Incidents {
    /// A pass from the first incident, `per_chunk` (at least one) at a time.
    pub(crate) fn new(per_chunk: usize) -> Self {
        Self {
            per_chunk: per_chunk.max(1),
            next: Some(0),
        }
    }

    /// Whether the last chunk was read.
    pub(crate) fn is_done(&self) -> bool {
        self.next.is_none()
    }
}

/// Records read together, as stored: incidents with ids in one range and every timeline
/// entry in that range; the last chunk of a pass also holds the outbox and the dedupe
/// keys. Encoding them for the file is left to `Records::chunk`, so that whoever reads
/// a chunk under a lock holds it only for the reading.
#[derive(Default)]
pub struct Chunk {
    incidents: Vec<Raw>,
    timeline: Vec<Raw>,
    tail: Option<Tail>,
}

/// The records that decisions write besides incidents and timelines, read right after
/// the last incidents.
#[derive(Default)]
pub(crate) struct Tail {
    outbox: Vec<Raw>,
    dedupe: Vec<Raw>,
}

impl Store {
    /// Writes every record as one JSON object per line. Nothing may be written to the
    /// store meanwhile: the counters in the first line are read before the records (the
    /// running bot's snapshots use [`Store::start_snapshot`] instead).
    pub fn export(&self, writer: impl Write) -> Result<(), StoreError> {
        let mut records = Records::new(writer);
        records.meta(self.counters()?)?;
        let mut incidents = Incidents::new(EXPORT_CHUNK);
        while !incidents.is_done() {
            let chunk = self.read_chunk(&mut incidents)?;
            records.chunk(chunk)?;
        }
        self.write_rest(&mut records)?;
        records.writer.flush().map_err(StoreError::Io)
    }

    /// Reads the next chunk of incidents with their timelines, as stored. When the
    /// incidents end, the chunk also holds the outbox and the dedupe keys, read last so
    /// that every decision the incidents show has its effects and its key there too.
    pub(crate) fn read_chunk(&self, incidents: &mut Incidents) -> Result<Chunk, StoreError> {
        let Some(start) = incidents.next else {
            return Ok(Chunk::default());
        };
        let db = self.db()?;
        let t = &db.trees;
        let read = t
            .incidents
            .range(keys::incident(IncidentId(start))..)
            .take(incidents.per_chunk)
            .collect::<Result<Vec<_>, _>>()?;
        let last = read.last().and_then(|(key, _)| keys::read_u64(key));
        // A full chunk ends after its last incident; otherwise this is the end, and the
        // timeline range reaches to the end too, so every entry is read once.
        let end = match last {
            Some(last) if read.len() == incidents.per_chunk => last.checked_add(1),
            _ => None,
        };
        let from = keys::timeline(IncidentId(start), 0);
        let timeline = match end {
            Some(end) => t.timeline.range(from..keys::timeline(IncidentId(end), 0)),
            None => t.timeline.range(from..),
        };
        let timeline = timeline.collect::<Result<Vec<_>, _>>()?;
        incidents.next = end;
        // Read in one go with the last incidents: they are small while deliveries keep up,
        // but a backlog of thousands of queued effects makes this chunk the longest.
        let tail = match end {
            Some(_) => None,
            None => Some(Tail {
                outbox: t.outbox.iter().collect::<Result<_, _>>()?,
                dedupe: t.dedupe.iter().collect::<Result<_, _>>()?,
            }),
        };
        Ok(Chunk {
            incidents: read,
            timeline,
            tail,
        })
    }

    /// Writes what the chunks do not hold: the posted messages, then the outbox and the
    /// dedupe keys kept from the last chunk, then the audit log and the absences.
    ///
    /// The posted messages are read after the outbox: the dispatcher records a delivery
    /// and deletes its outbox entry in one transaction, so every delivery has its record
    /// in the file or its entry still queued there (at worst sent again after a restore);
    /// read the other way round, one recorded in between would have neither.
    pub(crate) fn write_rest<W: Write>(&self, records: &mut Records<W>) -> Result<(), StoreError> {
        let db = self.db()?;
        let t = &db.trees;
        for item in t.roots.iter() {
            let (key, value) = item?;
            let Some(incident) = keys::read_u64(&key) else {
                continue;
            };
            let message = decode("root", &value)?;
            records.write(Record::Root {
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
            records.write(Record::KnowledgePost {
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
            records.write(Record::Link {
                message,
                incident: IncidentId(incident),
            })?;
        }
        let tail = records.tail.take().unwrap_or_default();
        records.write_tail(tail)?;
        for item in t.audit.iter() {
            let (key, value) = item?;
            let Some(seq) = keys::read_u64(&key) else {
                continue;
            };
            let record = decode("audit", &value)?;
            records.write(Record::Audit { seq, record })?;
        }
        for item in t.absences.iter() {
            let (key, value) = item?;
            let person = PersonId(String::from_utf8_lossy(&key).into_owned());
            let absences = decode("absences", &value)?;
            records.write(Record::Absences { person, absences })?;
        }
        Ok(())
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

/// Writes records as lines, remembering the highest numbers written.
pub(crate) struct Records<W> {
    pub(crate) writer: W,
    /// The counters that must follow from what was written: one past every incident id,
    /// outbox sequence and audit sequence so far.
    seen: Counters,
    /// The outbox and dedupe keys of the last chunk, until `Store::write_rest` writes
    /// them in their place.
    tail: Option<Tail>,
}

impl<W: Write> Records<W> {
    pub(crate) fn new(writer: W) -> Self {
        Self {
            writer,
            seen: Counters {
                next_incident_id: 1,
                next_outbox_seq: 1,
                next_audit_seq: 1,
            },
            tail: None,
        }
    }

    /// The counters that cover every record written so far.
    pub(crate) fn seen(&self) -> Counters {
        self.seen
    }

    /// Writes the `meta` line with `counters`.
    pub(crate) fn meta(&mut self, counters: Counters) -> Result<(), StoreError> {
        self.write(meta(counters))
    }

    /// Writes one record.
    fn write(&mut self, record: Record) -> Result<(), StoreError> {
        let seen = &mut self.seen;
        match &record {
            Record::Incident { incident } => raise(&mut seen.next_incident_id, incident.id.0),
            Record::Outbox { seq, .. } => raise(&mut seen.next_outbox_seq, *seq),
            Record::Audit { seq, .. } => raise(&mut seen.next_audit_seq, *seq),
            _ => {}
        }
        serde_json::to_writer(&mut self.writer, &record).map_err(|source| StoreError::Encode {
            what: "export",
            source,
        })?;
        self.writer.write_all(b"\n").map_err(StoreError::Io)
    }

    /// Writes a chunk's incidents and timeline entries; keeps its outbox and dedupe
    /// keys, if any, for `Store::write_rest`.
    pub(crate) fn chunk(&mut self, chunk: Chunk) -> Result<(), StoreError> {
        for (_, value) in chunk.incidents {
            let incident = decode("incident", &value)?;
            self.write(Record::Incident { incident })?;
        }
        for (key, value) in chunk.timeline {
            let (Some(incident), Some(seq)) =
                (keys::read_u64(&key), key.get(8..).and_then(keys::read_u64))
            else {
                continue;
            };
            let entry = decode("timeline", &value)?;
            self.write(Record::Timeline {
                incident: IncidentId(incident),
                seq,
                entry,
            })?;
        }
        if chunk.tail.is_some() {
            self.tail = chunk.tail;
        }
        Ok(())
    }

    fn write_tail(&mut self, tail: Tail) -> Result<(), StoreError> {
        for (key, value) in tail.outbox {
            let Some(seq) = keys::read_u64(&key) else {
                continue;
            };
            let entry = decode("outbox", &value)?;
            self.write(Record::Outbox { seq, entry })?;
        }
        for (key, value) in tail.dedupe {
            let expires = keys::read_u64(&value).and_then(keys::from_millis);
            let (Ok(key), Some(expires)) = (String::from_utf8(key.to_vec()), expires) else {
                continue;
            };
            self.write(Record::Dedupe { key, expires })?;
        }
        Ok(())
    }
}

/// Moves `next` past `seen`.
fn raise(next: &mut u64, seen: u64) {
    *next = (*next).max(seen.saturating_add(1));
}

fn meta(counters: Counters) -> Record {
    Record::Meta {
        schema_version: SCHEMA_VERSION,
        next_incident_id: counters.next_incident_id,
        next_outbox_seq: counters.next_outbox_seq,
        next_audit_seq: counters.next_audit_seq,
    }
}

/// The `meta` line for `counters`, padded with spaces to `width` bytes before its line
/// end, so that it can be written again in place once the counters are known; `None` if
/// it does not fit. JSON allows the trailing spaces, so every reader takes the line as is.
pub(crate) fn padded_meta(counters: Counters, width: usize) -> Option<Vec<u8>> {
    let mut line = serde_json::to_vec(&meta(counters)).ok()?;
    if line.len() > width {
        return None;
    }
    line.resize(width, b' ');
    line.push(b'\n');
    Some(line)
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
