//! Snapshots: the whole store as an export file in `<data dir>/snapshots/`, written
//! atomically, so that a damaged store can be replaced by its latest good state.
//!
//! A snapshot is written to a hidden temporary name, synced, renamed into place and the
//! folder synced, so a crash leaves either the old set or the new one, never half a file.
//! Names carry the time they were taken (`snapshot-20261204T101500.000Z.jsonl`), so the
//! folder sorts oldest first and the newest is the last. The format is the export format,
//! so `escalator incidents export` files restore the same way.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::{NaiveDateTime, TimeZone, Utc};
use tracing::{info, warn};

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

impl Store {
    /// Writes a snapshot taken at `at` and deletes all but the newest `keep`.
    ///
    /// The caller makes sure no decision is written meanwhile (the runtime holds its
    /// decision lock), so the snapshot is one consistent state.
    pub fn write_snapshot(&self, at: Timestamp, keep: usize) -> Result<Snapshot, StoreError> {
        let folder = folder(&self.dir);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&folder)
            .map_err(StoreError::Io)?;
        let name = file_name(at);
        let path = folder.join(&name);
        let temporary = folder.join(format!(".{name}.tmp"));

        let file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .map_err(StoreError::Io)?;
        let mut writer = BufWriter::new(file);
        let written = self.export(&mut writer).and_then(|()| {
            let file = writer
                .into_inner()
                .map_err(|error| StoreError::Io(error.into_error()))?;
            file.sync_all().map_err(StoreError::Io)
        });
        if let Err(error) = written {
            let _ = fs::remove_file(&temporary);
            return Err(error);
        }
        fs::rename(&temporary, &path).map_err(StoreError::Io)?;
        sync_folder(&folder).map_err(StoreError::Io)?;

        let bytes = fs::metadata(&path).map_err(StoreError::Io)?.len();
        prune(&self.dir, keep);
        info!(snapshot = %name, bytes, "store snapshot written");
        Ok(Snapshot {
            path,
            taken_at: at,
            bytes,
        })
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
}
