//! Snapshots: the whole store as an export file in `<data dir>/snapshots/`, written
//! atomically, so that a damaged store can be replaced by a good state.
//!
//! A snapshot is written to a hidden temporary name, synced, renamed into place and the
//! folder synced, so a crash leaves either the old set or the new one, never half a file.
//! Names carry the time they were taken (`snapshot-20261204T101500.000Z.jsonl`), so the
//! folder sorts oldest first and the newest is the last. The format is the export format,
//! so `escalator incidents export` files restore the same way.
//!
//! The running bot must not hold its decisions off for the whole export (seconds for a
//! large store), so a [`SnapshotWriter`] reads the store in chunks, and the runtime holds
//! decisions off only while a chunk is read, not while it is encoded and written:
//!
//! - A chunk is a range of incidents with their timelines, read while no decision is
//!   written, so each incident comes with the timeline of the same decisions. Different
//!   chunks show the store at different moments, all after the snapshot's time.
//! - The last chunk also holds the outbox and the dedupe keys, read after every incident:
//!   each decision that an incident in the file shows has its effects in the outbox
//!   (unless they were delivered) and its event's key remembered. A decision made after
//!   an incident's chunk is missing from it, as if it came after the snapshot; its
//!   effects may still be in the outbox, so a restore may send them although the
//!   incident does not show it (deliveries are at least once anyway).
//! - Posted messages, the audit log and absences are written without the decision lock
//!   (by the dispatcher and admin commands), so they are read after the outbox, without
//!   it (see `Store::write_rest`).
//! - The counters are read last and raised to cover every number in the file, so a
//!   restore never hands out an incident number, outbox or audit sequence twice. They
//!   belong in the first line, which is written first as a placeholder padded with
//!   spaces to a fixed width and overwritten in place at the end: one pass over the
//!   store, and a file every reader of exports takes as is.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::{NaiveDateTime, TimeZone, Utc};
use tracing::{info, warn};

pub use super::export::Chunk;

use super::export::{padded_meta, Incidents, Records};
use super::{Counters, Store, StoreError};
use crate::engine::Timestamp;

/// The folder, in the data folder.
pub const SNAPSHOTS_FOLDER: &str = "snapshots";

const PREFIX: &str = "snapshot-";
const SUFFIX: &str = ".jsonl";
const TIME_FORMAT: &str = "%Y%m%dT%H%M%S%.3fZ";

/// One snapshot file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Its path.
    pub path: PathBuf,
    /// When it was taken.
    pub taken_at: Timestamp,
    /// Its size in bytes.
    pub bytes: u64,
}

impl Snapshot {
    /// The file name.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The store's counters when it was taken, from its first line.
    pub fn counters(&self) -> Result<Counters, StoreError> {
        let file = File::open(&self.path).map_err(StoreError::Io)?;
        let mut line = String::new();
        BufReader::new(file)
            .read_line(&mut line)
            .map_err(StoreError::Io)?;
        super::export::counters_of(&line)
    }
}

/// The snapshots folder of `data_dir`.
pub fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join(SNAPSHOTS_FOLDER)
}

/// The file name for a snapshot taken at `at`.
fn file_name(at: Timestamp) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format(TIME_FORMAT))
}

/// When the snapshot named `name` was taken, if it is a snapshot's name.
fn taken_at(name: &str) -> Option<Timestamp> {
    let time = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let time = NaiveDateTime::parse_from_str(time, TIME_FORMAT).ok()?;
    Some(Utc.from_utc_datetime(&time))
}

/// The snapshots in `data_dir`, oldest first; none when the folder does not exist.
pub fn list(data_dir: &Path) -> io::Result<Vec<Snapshot>> {
    let entries = match fs::read_dir(folder(data_dir)) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut snapshots = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(taken_at) = taken_at(&entry.file_name().to_string_lossy()) else {
            continue;
        };
        snapshots.push(Snapshot {
            path: entry.path(),
            taken_at,
            bytes: entry.metadata()?.len(),
        });
    }
    snapshots.sort_by_key(|snapshot| snapshot.taken_at);
    Ok(snapshots)
}

/// The newest snapshot in `data_dir`.
pub fn newest(data_dir: &Path) -> io::Result<Option<Snapshot>> {
    Ok(list(data_dir)?.pop())
}

/// How many incidents a snapshot reads at a time by default.
pub const SNAPSHOT_CHUNK: usize = 256;

/// Room for the `meta` line, whose counters are written last: its longest form, with
/// every number at its maximum, is 160 bytes.
const META_WIDTH: usize = 192;

/// A snapshot being written, chunk by chunk (see the module comment).
///
/// [`SnapshotWriter::read`] reads the next chunk and is the only step that must not
/// overlap a decision; [`SnapshotWriter::write`] and [`SnapshotWriter::finish`] do the
/// slow part and may.
pub struct SnapshotWriter {
    store: Store,
    at: Timestamp,
    name: String,
    temporary: PathBuf,
    records: Records<BufWriter<File>>,
    incidents: Incidents,
    /// Which opening of the database the snapshot reads; a reopen (after a failed write)
    /// may have dropped what earlier chunks read, so the snapshot stops.
    generation: u64,
}

impl Store {
    /// Writes a snapshot taken at `at` in one go and deletes all but the newest `keep`.
    ///
    /// Nothing holds decisions off between chunks here, so this is for a store that no
    /// bot is running on (tests, tools); the running bot reads chunk by chunk between
    /// decisions instead, see [`Store::start_snapshot`].
    pub fn write_snapshot(&self, at: Timestamp, keep: usize) -> Result<Snapshot, StoreError> {
        let mut snapshot = self.start_snapshot(at, SNAPSHOT_CHUNK)?;
        while !snapshot.is_read() {
            let chunk = snapshot.read()?;
            snapshot.write(chunk)?;
        }
        snapshot.finish(keep)
    }

    /// Starts a snapshot taken at `at` that reads `per_chunk` incidents at a time: opens
    /// its temporary file and reserves the first line.
    pub fn start_snapshot(
        &self,
        at: Timestamp,
        per_chunk: usize,
    ) -> Result<SnapshotWriter, StoreError> {
        let folder = folder(&self.dir);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&folder)
            .map_err(StoreError::Io)?;
        let name = file_name(at);
        let temporary = folder.join(format!(".{name}.tmp"));
        let file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .map_err(StoreError::Io)?;
        let mut snapshot = SnapshotWriter {
            store: self.clone(),
            at,
            name,
            temporary,
            records: Records::new(BufWriter::new(file)),
            incidents: Incidents::new(per_chunk),
            generation: self.db()?.generation,
        };
        // A placeholder: the real counters are known only at the end.
        let placeholder = self.counters()?;
        snapshot.write_meta(placeholder)?;
        Ok(snapshot)
    }
}

impl SnapshotWriter {
    /// Whether every chunk was read; then only [`SnapshotWriter::finish`] is left.
    pub fn is_read(&self) -> bool {
        self.incidents.is_done()
    }

    /// Reads the next chunk of incidents with their timelines, as stored; the last one
    /// also holds the outbox and the dedupe keys. Call it with decisions held off, so
    /// that each incident is read with the timeline of the same decisions.
    pub fn read(&mut self) -> Result<Chunk, StoreError> {
        self.check_generation()?;
        self.store.read_chunk(&mut self.incidents)
    }

    /// Encodes a chunk into the file.
    pub fn write(&mut self, chunk: Chunk) -> Result<(), StoreError> {
        self.records.chunk(chunk)
    }

    /// Writes the rest (posted messages, outbox, dedupe keys, audit log, absences), then
    /// the counters into the first line; syncs the file, renames it into place and
    /// deletes all but the newest `keep` snapshots.
    pub fn finish(mut self, keep: usize) -> Result<Snapshot, StoreError> {
        self.store.write_rest(&mut self.records)?;
        self.check_generation()?;
        // Read after everything else, and never below what the file holds, so that a
        // restore hands out no number that is in it.
        let counters = self.store.counters()?.raised_to(self.records.seen());
        self.write_meta(counters)?;
        self.records.writer.flush().map_err(StoreError::Io)?;
        self.records
            .writer
            .get_ref()
            .sync_all()
            .map_err(StoreError::Io)?;

        let folder = folder(&self.store.dir);
        let path = folder.join(&self.name);
        fs::rename(&self.temporary, &path).map_err(StoreError::Io)?;
        sync_folder(&folder).map_err(StoreError::Io)?;
        let bytes = fs::metadata(&path).map_err(StoreError::Io)?.len();
        prune(&self.store.dir, keep);
        info!(snapshot = %self.name, bytes, "store snapshot written");
        Ok(Snapshot {
            path,
            taken_at: self.at,
            bytes,
        })
    }

    /// Writes the `meta` line with `counters` over the first line of the file.
    fn write_meta(&mut self, counters: Counters) -> Result<(), StoreError> {
        let line = padded_meta(counters, META_WIDTH).ok_or_else(|| {
            StoreError::Io(io::Error::other("the snapshot's first line is too long"))
        })?;
        let writer = &mut self.records.writer;
        writer.seek(SeekFrom::Start(0)).map_err(StoreError::Io)?;
        writer.write_all(&line).map_err(StoreError::Io)?;
        writer.seek(SeekFrom::End(0)).map_err(StoreError::Io)?;
        Ok(())
    }

    fn check_generation(&self) -> Result<(), StoreError> {
        if self.store.db()?.generation == self.generation {
            return Ok(());
        }
        // What earlier chunks read may have been only in the memory of the old opening.
        Err(StoreError::Busy)
    }
}

impl Drop for SnapshotWriter {
    /// Deletes the temporary file of a snapshot that did not finish; after
    /// [`SnapshotWriter::finish`] it is renamed and there is nothing to delete.
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.temporary);
    }
}

/// Deletes all snapshots but the newest `keep`, and temporary files a crash left behind.
fn prune(data_dir: &Path, keep: usize) {
    let snapshots = match list(data_dir) {
        Ok(snapshots) => snapshots,
        Err(error) => {
            warn!(error = %error, "could not list the snapshots to prune them");
            return;
        }
    };
    let excess = snapshots.len().saturating_sub(keep.max(1));
    for snapshot in &snapshots[..excess] {
        if let Err(error) = fs::remove_file(&snapshot.path) {
            warn!(snapshot = %snapshot.name(), error = %error, "could not delete an old snapshot");
        }
    }
    let Ok(entries) = fs::read_dir(folder(data_dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Makes a rename in `folder` durable.
pub(crate) fn sync_folder(folder: &Path) -> io::Result<()> {
    File::open(folder)?.sync_all()
}

/// Writes an export file into `store`, which must be empty.
pub fn load_into(store: &Store, file: &Path) -> Result<usize, StoreError> {
    let reader = BufReader::new(File::open(file).map_err(StoreError::Io)?);
    store.import(reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_time_and_sort_by_it() {
        let at: Timestamp = "2026-12-04T10:15:00.250Z".parse().unwrap();
        let name = file_name(at);
        assert_eq!(name, "snapshot-20261204T101500.250Z.jsonl");
        assert_eq!(taken_at(&name), Some(at));
        assert_eq!(taken_at("snapshot-garbage.jsonl"), None);
        assert_eq!(taken_at(".snapshot-20261204T101500.250Z.jsonl.tmp"), None);
        let later = file_name("2026-12-04T10:15:01Z".parse().unwrap());
        assert!(name < later);
    }

    #[test]
    fn the_reserved_first_line_fits_any_counters_and_reads_back() {
        let largest = Counters {
            next_incident_id: u64::MAX,
            next_outbox_seq: u64::MAX,
            next_audit_seq: u64::MAX,
        };
        let line = padded_meta(largest, META_WIDTH).expect("the largest counters fit");
        assert_eq!(line.len(), META_WIDTH + 1);
        let line = String::from_utf8(line).unwrap();
        assert_eq!(super::super::export::counters_of(&line).unwrap(), largest);
        assert_eq!(
            super::super::export::validate(line.as_bytes()).unwrap(),
            1,
            "imports take the padded line"
        );
        assert!(padded_meta(largest, 100).is_none());
    }
}
