//! Opening the store at start, and replacing a damaged store by a snapshot.
//!
//! [`open_checked`] opens the store and checks it (see `check`). A damaged store is
//! never deleted and never run on: its files are moved into
//! `<data dir>/store.corrupt-<UTC time>/`, the newest snapshot is loaded into a fresh
//! store, and the caller learns which time window may be lost: from the snapshot's time to
//! the old store's last known write. Without a snapshot nothing is moved and the error
//! says what to do. [`replace_with`] does the same on demand, for `escalator snapshots
//! restore`.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use tracing::{error, info, warn};

use super::snapshot::{self, Snapshot};
use super::{Store, StoreError, StoreOptions, Watermark, WATERMARK_FILE};
use crate::engine::Timestamp;

/// A damaged store replaced by a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restored {
    /// What was wrong, in plain words.
    pub damage: String,
    /// The snapshot loaded.
    pub snapshot: Snapshot,
    /// The last moment the damaged store is known to have written, when known.
    pub last_written: Option<Timestamp>,
    /// Where the damaged store's files are now.
    pub moved_to: PathBuf,
}

/// Opens the store in `dir`; a damaged one is replaced by the newest snapshot.
pub fn open_checked(
    dir: &Path,
    options: StoreOptions,
    now: Timestamp,
) -> Result<(Store, Option<Restored>), StoreError> {
    let started = std::time::Instant::now();
    let damage = match Store::open(dir, options) {
        Ok(store) => {
            let opened = started.elapsed();
            match store.check()? {
                None => {
                    let checked = started.elapsed();
                    let store = reopen(store, dir, options)?;
                    info!(
                        open_ms = opened.as_millis() as u64,
                        check_ms = (checked - opened).as_millis() as u64,
                        reopen_ms = (started.elapsed() - checked).as_millis() as u64,
                        "store opened and checked"
                    );
                    return Ok((store, None));
                }
                Some(damage) => damage.to_string(),
            }
        }
        Err(StoreError::Corrupt { .. }) => "sled reported damaged data".to_owned(),
        Err(other) => return Err(other),
    };
    error!(data_dir = %dir.display(), damage = %damage, "the store is damaged; it will not be used");

    let Some(snapshot) = snapshot::newest(dir).map_err(StoreError::Io)? else {
        return Err(StoreError::DamagedWithoutSnapshot {
            dir: dir.to_owned(),
            damage,
        });
    };
    let last_written = last_written(dir);
    let lost_mark = Watermark::read(dir);
    let moved_to = move_aside(dir, "corrupt", now)?;
    let store = load(dir, &snapshot.path, options)?;
    // Incidents opened after the snapshot were announced under their numbers; new ones
    // get new numbers rather than reuse those.
    if let Some(mark) = lost_mark {
        store.skip_incident_ids_to(mark.counters.next_incident_id)?;
    }
    error!(
        data_dir = %dir.display(),
        snapshot = %snapshot.name(),
        moved_to = %moved_to.display(),
        "damaged store moved aside and the newest snapshot restored"
    );
    Ok((
        store,
        Some(Restored {
            damage,
            snapshot,
            last_written,
            moved_to,
        }),
    ))
}

/// Replaces the store in `dir` (if any) by the export file `file`, moving the old store's
/// files into `store.replaced-<UTC time>/`. Refused while a bot holds the folder.
/// Returns the new store and where the old one went.
pub fn replace_with(
    dir: &Path,
    file: &Path,
    options: StoreOptions,
    now: Timestamp,
) -> Result<(Store, Option<PathBuf>), StoreError> {
    if !file.is_file() {
        return Err(StoreError::Io(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} is not a file", file.display()),
        )));
    }
    // The file is read through once first, so a bad file leaves the old store in place.
    let reader = io::BufReader::new(File::open(file).map_err(StoreError::Io)?);
    super::export::validate(reader)?;
    let moved_to = if dir.join("db").exists() {
        Some(move_aside(dir, "replaced", now)?)
    } else {
        None
    };
    let store = load(dir, file, options)?;
    Ok((store, moved_to))
}

/// A fresh store in `dir` holding the export `file`.
fn load(dir: &Path, file: &Path, options: StoreOptions) -> Result<Store, StoreError> {
    let store = Store::open(dir, options)?;
    let records = snapshot::load_into(&store, file)?;
    if let Some(damage) = store.check()? {
        return Err(StoreError::DamagedWithoutSnapshot {
            dir: dir.to_owned(),
            damage: format!("the restored copy is damaged too: {damage}"),
        });
    }
    info!(records, from = %file.display(), "store loaded from a snapshot");
    reopen(store, dir, options)
}

/// Opens a checked store afresh. The check leaves most of the store's pages in sled's
/// memory, far beyond `cache_mb` (sled 0.34 weighs accesses against its cache only in
/// blocks of 64 per shard, 256 shards): about 40 MB less at 100,000 incidents, for one
/// more opening.
fn reopen(store: Store, dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
    drop(store);
    Store::open(dir, options)
}

/// The last moment the store in `dir` is known to have written: its high-water mark, or
/// else the time sled's file last changed.
fn last_written(dir: &Path) -> Option<Timestamp> {
    if let Some(mark) = Watermark::read(dir) {
        return Some(mark.written_at);
    }
    let modified = fs::metadata(dir.join("db")).and_then(|meta| meta.modified());
    modified.ok().map(Timestamp::from)
}

/// sled's own files and the high-water mark: what makes up the store.
fn is_store_file(name: &str) -> bool {
    matches!(name, "conf" | "db" | "blobs" | WATERMARK_FILE) || name.starts_with("snap.")
}

/// Moves the store's files into `<dir>/store.<why>-<UTC time>/`, holding sled's lock on
/// the `db` file meanwhile so that no bot opens it half-moved. Nothing is deleted.
fn move_aside(dir: &Path, why: &str, now: Timestamp) -> Result<PathBuf, StoreError> {
    let _lock = lock(dir)?;
    let target = dir.join(format!("store.{why}-{}", now.format("%Y%m%dT%H%M%SZ")));
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&target)
        .map_err(StoreError::Io)?;
    for entry in fs::read_dir(dir).map_err(StoreError::Io)? {
        let entry = entry.map_err(StoreError::Io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_store_file(&name) {
            fs::rename(entry.path(), target.join(&name)).map_err(StoreError::Io)?;
        }
    }
    snapshot::sync_folder(&target).map_err(StoreError::Io)?;
    snapshot::sync_folder(dir).map_err(StoreError::Io)?;
    warn!(moved_to = %target.display(), "store files moved aside");
    Ok(target)
}

/// Takes the lock sled takes on `<dir>/db` (an exclusive `flock`), or says who has it.
/// Without a `db` file there is nothing to lock.
pub fn lock(dir: &Path) -> Result<Option<File>, StoreError> {
    let file = match File::open(dir.join("db")) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(StoreError::Io(error)),
    };
    // SAFETY: `flock` on a file descriptor this function owns for the call's duration.
    let result = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if result != 0 {
        return Err(StoreError::InUse {
            dir: dir.to_owned(),
        });
    }
    Ok(Some(file))
}
