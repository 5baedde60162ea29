//! The start-up check: every record of every tree is read and decoded, and the counters
//! are compared with the high-water mark.
//!
//! sled 0.34 reports little damage itself (a garbled or truncated `db` file usually opens,
//! minus everything after the damage), so the bot does not rely on sled's open error
//! alone: a record that does not decode, or counters behind the mark, mean the store is
//! not what was written.

use serde::de::DeserializeOwned;

use super::{keys, AuditRecord, OutboxEntry, Store, StoreError};
use crate::engine::{Absence, Entry, Incident};
use crate::ports::MessageRef;

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

impl Store {
    /// Reads every record and compares the counters with the high-water mark; the first
    /// problem found is returned. Other failures (the store cannot be read at all) are
    /// errors.
    pub fn check(&self) -> Result<Option<Damage>, StoreError> {
        // FIXME(#8): reading every record pulls every page through sled, which holds far
        // more than `cache_mb` meanwhile (about 50 MB at 100,000 incidents); this pass is
        // the bot's peak of resident memory at start.
        let db = self.db()?;
        let t = &db.trees;
        let trees: [(&'static str, &sled::Tree, Shape); 10] = [
            ("incidents", &t.incidents, Shape::Json(8, json::<Incident>)),
            ("timeline", &t.timeline, Shape::Json(16, json::<Entry>)),
            ("timers", &t.timers, Shape::Bytes(16, 0)),
            ("outbox", &t.outbox, Shape::Json(8, json::<OutboxEntry>)),
            ("dedupe", &t.dedupe, Shape::Bytes(0, 8)),
            ("audit", &t.audit, Shape::Json(8, json::<AuditRecord>)),
            ("links", &t.links, Shape::Links),
            ("roots", &t.roots, Shape::Json(8, json::<MessageRef>)),
            (
                "absences",
                &t.absences,
                Shape::Json(0, json::<Vec<Absence>>),
            ),
            ("meta", &t.meta, Shape::Bytes(0, 0)),
        ];
        // The trees are read side by side, one thread each: decoding every record of a
        // large store is most of the time a start takes, and the trees are independent.
        // The first damage in the trees' order is reported, as a one-by-one check would.
        let found = std::thread::scope(|scope| {
            let checks: Vec<_> = trees
                .iter()
                .map(|(name, tree, shape)| scope.spawn(move || check_tree(name, tree, shape)))
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

fn check_tree(name: &'static str, tree: &sled::Tree, shape: &Shape) -> Option<Damage> {
    let garbled = |reason: String| Damage::Garbled { tree: name, reason };
    for item in tree.iter() {
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
