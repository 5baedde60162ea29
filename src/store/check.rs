//! The start-up check: every record of every tree is read, and the counters are compared
//! with the high-water mark.
//!
//! sled 0.34 reports little damage itself (a garbled or truncated `db` file usually opens,
//! minus everything after the damage), so the bot does not rely on sled's open error
//! alone: a record that does not decode, or counters behind the mark, mean the store is
//! not what was written.
//!
//! What the bot acts on is decoded in full: incidents still in play (open, acknowledged
//! or resolved), the outbox, the links, the roots, the fix notes' posts, the absences
//! and the audit log. The history, closed and cancelled incidents and every timeline
//! entry, which is most of a large store and only read on demand, is checked for
//! well-formed JSON: garbled bytes are found, but a well-formed record of the wrong shape
//! there would only show as an error when it is read. Decoding the history in full took
//! the start of a store with 100,000 incidents from about 0.5 to 1 s.

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;

use super::{keys, AuditRecord, OutboxEntry, Store, StoreError};
use crate::engine::{Absence, Incident, IncidentId, State};
use crate::ports::MessageRef;

/// How many parts the incidents and timeline trees are read in, side by side.
const PARTS: u64 = 2;

/// What is wrong with a store.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Damage {
    /// sled could not read a tree.
    #[error("the `{tree}` records cannot be read: {reason}")]
    Unreadable {
        /// The tree.
        tree: &'static str,
        /// sled's error.
        reason: String,
    },
    /// A record is not what its tree holds.
    #[error("a record in `{tree}` is garbled: {reason}")]
    Garbled {
        /// The tree.
        tree: &'static str,
        /// What does not fit.
        reason: String,
    },
    /// The counters went back: data that was on disk is gone.
    #[error(
        "data is missing: the store counts {found} {what}, but had counted {expected} \
         by its last write"
    )]
    Missing {
        /// Which counter.
        what: &'static str,
        /// The counter now.
        found: u64,
        /// The counter in the high-water mark.
        expected: u64,
    },
}

/// How a tree's records are checked.
enum Shape {
    /// Keys of this many bytes, JSON values of a type (checked by the function).
    Json(usize, fn(&[u8]) -> Result<(), String>),
    /// Keys of this many bytes (0: any), values of this many bytes (0: any).
    Bytes(usize, usize),
    /// JSON message keys, 8-byte values.
    Links,
}

fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<T>(bytes)
        .map(|_| ())
        .map_err(|error| error.to_string())
}

/// An incident record's state, read without the rest (which is still parsed through).
#[derive(Deserialize)]
struct Lifecycle {
    state: State,
}

/// An incident record: well-formed, and decoded in full unless closed or cancelled.
fn incident(bytes: &[u8]) -> Result<(), String> {
    let Lifecycle { state } = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    match state {
        State::Closed | State::Cancelled => Ok(()),
        State::Open | State::Acknowledged | State::Resolved => json::<Incident>(bytes),
    }
}

/// One part of the check: a tree, or a range of incident ids in one.
struct Part<'a> {
    name: &'static str,
    tree: &'a sled::Tree,
    shape: Shape,
    /// The incident ids covered, for trees keyed by incident first; `None` for all.
    ids: Option<std::ops::Range<u64>>,
}

impl Store {
    /// Reads every record and compares the counters with the high-water mark; the first
    /// problem found is returned. Other failures (the store cannot be read at all) are
    /// errors.
    pub fn check(&self) -> Result<Option<Damage>, StoreError> {
        // Reading every record pulls every page through sled, which holds far more than
        // `cache_mb` meanwhile (about 50 MB at 100,000 incidents): this pass is the bot's
        // peak of resident memory at start, and the caller reopens the store after it.
        let next_id = self.counters()?.next_incident_id;
        let db = self.db()?;
        let t = &db.trees;
        let whole = |name, tree, shape| Part {
            name,
            tree,
            shape,
            ids: None,
        };
        // The two large trees, keyed by incident first, are read in parts by incident id;
        // the last part runs to the end, so records beyond the counter are read too.
        let step = next_id.div_ceil(PARTS).max(1);
        let mut parts = Vec::new();
        for part in 0..PARTS {
            let end = if part + 1 == PARTS {
                u64::MAX
            } else {
                (part + 1) * step
            };
            let ids = || Some(part * step..end);
            parts.push(Part {
                name: "incidents",
                tree: &t.incidents,
                shape: Shape::Json(8, incident),
                ids: ids(),
            });
            parts.push(Part {
                name: "timeline",
                tree: &t.timeline,
                shape: Shape::Json(16, json::<IgnoredAny>),
                ids: ids(),
            });
        }
        parts.extend([
            whole("timers", &t.timers, Shape::Bytes(16, 0)),
            whole("outbox", &t.outbox, Shape::Json(8, json::<OutboxEntry>)),
            whole("dedupe", &t.dedupe, Shape::Bytes(0, 8)),
            whole("audit", &t.audit, Shape::Json(8, json::<AuditRecord>)),
            whole("links", &t.links, Shape::Links),
            whole("roots", &t.roots, Shape::Json(8, json::<MessageRef>)),
            whole(
                "knowledge_posts",
                &t.knowledge_posts,
                Shape::Json(8, json::<MessageRef>),
            ),
            whole(
                "absences",
                &t.absences,
                Shape::Json(0, json::<Vec<Absence>>),
            ),
            whole("meta", &t.meta, Shape::Bytes(0, 0)),
        ]);
        // The parts are read side by side, one thread each: reading every record of a
        // large store is most of the time a start takes, and the parts are independent.
        // The first damage in the parts' order is reported, as a one-by-one check would.
        let found = std::thread::scope(|scope| {
            let checks: Vec<_> = parts
                .iter()
                .map(|part| scope.spawn(move || check_part(part)))
                .collect();
            checks
                .into_iter()
                .map(|check| {
                    check
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect::<Vec<_>>()
        });
        if let Some(damage) = found.into_iter().flatten().next() {
            return Ok(Some(damage));
        }
        drop(db);

        let Some(mark) = self.watermark() else {
            return Ok(None);
        };
        let found = self.counters()?;
        let expected = mark.counters;
        for (what, found, expected) in [
            (
                "incidents",
                found.next_incident_id,
                expected.next_incident_id,
            ),
            (
                "outbox entries",
                found.next_outbox_seq,
                expected.next_outbox_seq,
            ),
            (
                "audit records",
                found.next_audit_seq,
                expected.next_audit_seq,
            ),
        ] {
            if found < expected {
                return Ok(Some(Damage::Missing {
                    what,
                    // Counters hold the next number; the count so far is one less.
                    found: found.saturating_sub(1),
                    expected: expected.saturating_sub(1),
                }));
            }
        }
        Ok(None)
    }
}

fn check_part(part: &Part) -> Option<Damage> {
    let Part {
        name,
        tree,
        shape,
        ids,
    } = part;
    let name = *name;
    let garbled = |reason: String| Damage::Garbled { tree: name, reason };
    let records = match ids {
        Some(ids) => {
            let start = keys::incident(IncidentId(ids.start));
            if ids.end == u64::MAX {
                tree.range(start..)
            } else {
                tree.range(start..keys::incident(IncidentId(ids.end)))
            }
        }
        None => tree.iter(),
    };
    for item in records {
        let (key, value) = match item {
            Ok(item) => item,
            Err(error) => {
                return Some(Damage::Unreadable {
                    tree: name,
                    reason: error.to_string(),
                })
            }
        };
        let problem = match shape {
            Shape::Json(key_len, decode) => {
                if *key_len != 0 && key.len() != *key_len {
                    Err(format!("a key of {} bytes", key.len()))
                } else {
                    decode(&value)
                }
            }
            Shape::Bytes(key_len, value_len) => {
                if *key_len != 0 && key.len() != *key_len {
                    Err(format!("a key of {} bytes", key.len()))
                } else if *value_len != 0 && value.len() != *value_len {
                    Err(format!("a value of {} bytes", value.len()))
                } else {
                    Ok(())
                }
            }
            Shape::Links => json::<MessageRef>(&key).and_then(|()| {
                keys::read_u64(&value)
                    .map(|_| ())
                    .ok_or_else(|| format!("a value of {} bytes", value.len()))
            }),
        };
        if let Err(reason) = problem {
            return Some(garbled(reason));
        }
    }
    None
}
