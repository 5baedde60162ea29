//! The store's high-water mark: the counters it had reached and when, kept in a small file
//! beside sled's own.
//!
//! sled 0.34 opens a truncated or overwritten `db` file without complaint: it reads the
//! log up to the first damaged record and drops the rest. The counters only ever grow, so
//! a store whose counters are behind the mark has lost data that was on disk. The mark is
//! written after each successful flush (renamed into place, not synced: it only needs to
//! survive the process, and it is never ahead of sled's synced data), and its time is the
//! last moment the store is known to have written.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::engine::Timestamp;

/// The file, in the data folder.
pub const WATERMARK_FILE: &str = "store.watermark";

/// The store's three global counters; each only grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// The id the next incident gets.
    pub next_incident_id: u64,
    /// The sequence of the next outbox entry.
    pub next_outbox_seq: u64,
    /// The sequence of the next audit record.
    pub next_audit_seq: u64,
}

impl Counters {
    /// Whether any counter is lower than in `mark`.
    pub fn is_behind(&self, mark: &Counters) -> bool {
        self.next_incident_id < mark.next_incident_id
            || self.next_outbox_seq < mark.next_outbox_seq
            || self.next_audit_seq < mark.next_audit_seq
    }

    /// Each counter the larger of its value here and in `other`.
    pub fn raised_to(self, other: Counters) -> Counters {
        Counters {
            next_incident_id: self.next_incident_id.max(other.next_incident_id),
            next_outbox_seq: self.next_outbox_seq.max(other.next_outbox_seq),
            next_audit_seq: self.next_audit_seq.max(other.next_audit_seq),
        }
    }
}

/// The counters the store had reached, and when it wrote them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// The counters.
    #[serde(flatten)]
    pub counters: Counters,
    /// When the store last flushed successfully.
    pub written_at: Timestamp,
}

impl Watermark {
    /// The mark in `dir`, if there is a readable one. An unreadable mark is ignored with a
    /// warning: it only adds a check, and its absence must not stop the bot.
    pub fn read(dir: &Path) -> Option<Watermark> {
        let path = dir.join(WATERMARK_FILE);
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return None,
            Err(error) => {
                warn!(path = %path.display(), error = %error, "could not read the store's high-water mark");
                return None;
            }
        };
        match serde_json::from_slice(&text) {
            Ok(mark) => Some(mark),
            Err(error) => {
                warn!(path = %path.display(), error = %error, "the store's high-water mark is unreadable; ignored");
                None
            }
        }
    }

    /// Replaces the mark in `dir`.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        let path = dir.join(WATERMARK_FILE);
        let temporary = dir.join(format!("{WATERMARK_FILE}.tmp"));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        let text = serde_json::to_vec(self).map_err(io::Error::other)?;
        file.write_all(&text)?;
        drop(file);
        fs::rename(&temporary, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(incident: u64, outbox: u64, audit: u64) -> Counters {
        Counters {
            next_incident_id: incident,
            next_outbox_seq: outbox,
            next_audit_seq: audit,
        }
    }

    #[test]
    fn any_lower_counter_is_behind() {
        let mark = counters(5, 20, 3);
        for (found, is_behind) in [
            (counters(5, 20, 3), false),
            (counters(6, 21, 3), false),
            (counters(4, 30, 9), true),
            (counters(5, 19, 3), true),
            (counters(9, 20, 2), true),
        ] {
            assert_eq!(found.is_behind(&mark), is_behind, "{found:?}");
        }
    }

    #[test]
    fn a_written_mark_reads_back_and_garbage_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Watermark::read(dir.path()), None);
        let mark = Watermark {
            counters: counters(3, 7, 1),
            written_at: "2026-12-04T10:00:00Z".parse().unwrap(),
        };
        mark.write(dir.path()).unwrap();
        assert_eq!(Watermark::read(dir.path()), Some(mark));
        fs::write(dir.path().join(WATERMARK_FILE), b"\0\0garbled").unwrap();
        assert_eq!(Watermark::read(dir.path()), None);
    }
}
