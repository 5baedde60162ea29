//! The durable store: incidents, their timelines, timers, the outbox and the bookkeeping
//! around them, in sled.
//!
//! This is the only module that knows sled, its trees and the key layout. A decision of
//! the engine is written by [`Store::commit`] in one transaction (the incident, its new
//! timeline entries, its timer index entry and its outgoing effects), then flushed to
//! disk before the caller hears about it, so that nothing anyone was told about is lost
//! in a crash. The dispatcher reads the outbox in order and deletes what it delivered.
//!
//! Trees (keys are big-endian, see [`keys`]):
//!
//! | tree | key | value |
//! | --- | --- | --- |
//! | `incidents` | incident id | `Incident` as JSON |
//! | `timeline` | incident id, sequence | `Entry` as JSON |
//! | `timers` | due millis, incident id | empty |
//! | `outbox` | global sequence | [`OutboxEntry`] as JSON |
//! | `dedupe` | the key's text | expiry millis |
//! | `audit` | sequence | [`AuditRecord`] as JSON |
//! | `links` | `MessageRef` as JSON | incident id; 0 for a digest of pages |
//! | `roots` | incident id | `MessageRef` as JSON |
//! | `knowledge_posts` | incident id | the fix note's `MessageRef` in the knowledge channel |
//! | `absences` | person id | `Vec<Absence>` as JSON |
//! | `meta` | name | schema version, counters |

mod check;
mod export;
pub mod keys;
pub mod recovery;
pub mod snapshot;
mod watermark;

pub use check::Damage;
pub use watermark::{Counters, Watermark, WATERMARK_FILE};

/// What a digest of pages is linked to in `links`: no incident, since ids start at 1.
const DIGEST_LINK: crate::engine::IncidentId = crate::engine::IncidentId(0);

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;
use tracing::{error, info, warn};

use crate::engine::{
    Absence, Effect, Entry, Incident, IncidentId, PersonId, SeverityId, State, Timestamp,
};
use crate::ports::{Delivered, MessageRef};

/// The layout version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// How the store is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// sled's page cache size in bytes. sled's own default (1 GiB) is far too large for
    /// a bot; its resident memory grows well past this setting, so keep it small.
    pub cache_bytes: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            cache_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (or another handle in this one) holds the data folder's lock.
    #[error("another escalator is using {}", dir.display())]
    InUse {
        /// The data folder.
        dir: PathBuf,
    },
    /// The folder holds no escalator data (only when opening an existing store).
    #[error("there is no escalator data in {}", dir.display())]
    Missing {
        /// The data folder.
        dir: PathBuf,
    },
    /// The data was written by a newer escalator whose layout this one cannot read.
    #[error(
        "the data in {} has schema version {found}, but this escalator reads only up to \
         version {supported}; run a newer escalator",
        dir.display()
    )]
    NewerSchema {
        /// The data folder.
        dir: PathBuf,
        /// The version found.
        found: u32,
        /// The newest version this build understands.
        supported: u32,
    },
    /// sled found damaged data on disk.
    #[error(
        "the data in {} is damaged; restore a snapshot with `escalator snapshots restore`",
        dir.display()
    )]
    Corrupt {
        /// The data folder.
        dir: PathBuf,
    },
    /// The data folder could not be created or made private.
    #[error("could not prepare the data folder {}: {source}", dir.display())]
    Folder {
        /// The data folder.
        dir: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A stored record could not be read back.
    #[error("a stored {what} record is unreadable: {source}")]
    Decode {
        /// Which kind of record.
        what: &'static str,
        /// The cause.
        source: serde_json::Error,
    },
    /// A record could not be written as JSON.
    #[error("could not encode a {what} record: {source}")]
    Encode {
        /// Which kind of record.
        what: &'static str,
        /// The cause.
        source: serde_json::Error,
    },
    /// An import line was not a valid record.
    #[error("import line {line}: {reason}")]
    Import {
        /// The 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// Imports only go into an empty store, so they never mix with existing data.
    #[error("the store already holds data; import needs an empty data folder")]
    NotEmpty,
    /// Reading an import or writing an export failed.
    #[error("could not transfer records: {0}")]
    Io(#[source] io::Error),
    /// An earlier write failed, so the store takes no more until it is reopened.
    #[error(
        "the data folder {} cannot be written (is the disk full?); nothing more is stored \
         until writes work again",
        dir.display()
    )]
    Unwritable {
        /// The data folder.
        dir: PathBuf,
    },
    /// The store could not be reopened because a read was still in progress.
    #[error("the store is busy; try again")]
    Busy,
    /// A flush ran on a blocking thread that did not finish.
    #[error("the flush to disk was interrupted")]
    FlushInterrupted,
    /// The store is damaged and there is no snapshot to restore.
    #[error(
        "the data in {} is damaged ({damage}) and {} holds no snapshot to restore. \
         Its files were left where they are. Restore an export with `escalator snapshots restore --data {} \
         FILE`, or move the folder aside to start with an empty store",
        dir.display(),
        snapshot::folder(dir).display(),
        dir.display()
    )]
    DamagedWithoutSnapshot {
        /// The data folder.
        dir: PathBuf,
        /// What is wrong, in plain words.
        damage: String,
    },
    /// There is no such snapshot.
    #[error("there is no snapshot {name} in {}", snapshot::folder(dir).display())]
    NoSuchSnapshot {
        /// The data folder.
        dir: PathBuf,
        /// The name asked for.
        name: String,
    },
    /// Any other sled failure.
    #[error("storage failure: {0}")]
    Sled(#[from] sled::Error),
}

/// One decision of the engine to write atomically.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The incident as the decision left it.
    pub incident: Incident,
    /// New timeline entries, in order.
    pub timeline: Vec<Entry>,
    /// Effects to deliver, in order.
    pub effects: Vec<Effect>,
    /// The inbound event's key, so that a redelivered event is recognised.
    pub dedupe: Option<DedupeKey>,
    /// When the decision was made; dedupe keys that expired before it are ignored.
    pub at: Timestamp,
}

/// An inbound event's identity (e.g. Slack's `event_id`) and how long to remember it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DedupeKey {
    /// The key.
    pub key: String,
    /// When to forget it.
    pub expires: Timestamp,
}

/// What [`Store::commit`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitResult {
    /// The change is written and on disk.
    Committed,
    /// The dedupe key was seen before and is still remembered; nothing was written.
    Duplicate,
}

/// What [`Store::write`] did.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a written change is on disk only once it is flushed"]
pub enum WriteResult {
    /// The change is in the database's memory; [`Store::flush_written`] puts it on disk.
    Written(Written),
    /// The dedupe key was seen before and is still remembered; nothing was written.
    Duplicate,
}

/// A change written to the database's memory and not yet known to be on disk: its place
/// in the order of writes, and which opening of the database took it.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a written change is on disk only once it is flushed"]
pub struct Written {
    ticket: u64,
    generation: u64,
}

/// An effect waiting to be delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The incident it belongs to.
    pub incident: IncidentId,
    /// What to deliver.
    pub effect: Effect,
    /// How many attempts failed so far.
    pub attempts: u32,
    /// Not to be tried before this time (after a failure).
    pub not_before: Option<Timestamp>,
    /// When the decision that queued it was made; absent in entries written before this
    /// field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enqueued_at: Option<Timestamp>,
    /// Set on disk before the first platform call for it; an entry found with it set may
    /// have been delivered (in part) by an attempt that did not finish.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_flight: bool,
    /// Set with `in_flight` when the entry went in a digest (several pages to one person
    /// in one message): the outbox sequence of the digest's first entry. A resend carries
    /// the same pages together again, so that the platform finds the message it may
    /// already have (see `runtime::lanes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<u64>,
}

/// How many incidents are in one state with one severity.
pub type TallyRow = ((State, SeverityId), u64);

/// One administrative change, for the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When.
    pub at: Timestamp,
    /// Who, e.g. a person id or `config-reload`.
    pub actor: String,
    /// What, e.g. `set-deputy`.
    pub action: String,
    /// The changed thing before.
    pub before: serde_json::Value,
    /// The changed thing after.
    pub after: serde_json::Value,
}

/// The sled trees, opened once.
#[derive(Clone)]
struct Trees {
    incidents: sled::Tree,
    timeline: sled::Tree,
    timers: sled::Tree,
    outbox: sled::Tree,
    dedupe: sled::Tree,
    audit: sled::Tree,
    links: sled::Tree,
    roots: sled::Tree,
    knowledge_posts: sled::Tree,
    absences: sled::Tree,
    meta: sled::Tree,
}

impl Trees {
    fn open(db: &sled::Db) -> sled::Result<Self> {
        Ok(Self {
            incidents: db.open_tree("incidents")?,
            timeline: db.open_tree("timeline")?,
            timers: db.open_tree("timers")?,
            outbox: db.open_tree("outbox")?,
            dedupe: db.open_tree("dedupe")?,
            audit: db.open_tree("audit")?,
            links: db.open_tree("links")?,
            roots: db.open_tree("roots")?,
            knowledge_posts: db.open_tree("knowledge_posts")?,
            absences: db.open_tree("absences")?,
            meta: db.open_tree("meta")?,
        })
    }

    fn all(&self) -> [&sled::Tree; 11] {
        [
            &self.incidents,
            &self.timeline,
            &self.timers,
            &self.outbox,
            &self.dedupe,
            &self.audit,
            &self.links,
            &self.roots,
            &self.knowledge_posts,
            &self.absences,
            &self.meta,
        ]
    }
}

/// The escalator's data folder, opened. Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct Store {
    dir: PathBuf,
    options: StoreOptions,
    shared: Arc<Shared>,
}

/// What every clone of a [`Store`] shares.
struct Shared {
    /// The open database; `None` only while [`Store::reopen`] swaps it.
    current: RwLock<Option<Arc<OpenDb>>>,
    /// Set when a write failed: sled 0.34 then refuses every later write (it keeps the
    /// first I/O error as a global error), so only reopening the folder clears it.
    has_failed_write: AtomicBool,
    /// The high-water mark, written after each successful flush.
    watermark: std::sync::Mutex<Option<Watermark>>,
    /// Group commit: one flush at a time, and whoever flushes next flushes for everyone
    /// who wrote meanwhile.
    flush_gate: tokio::sync::Mutex<()>,
    /// The last ticket handed out; a write takes one once it is in memory.
    last_ticket: AtomicU64,
    /// Every write whose ticket is at most this one is on disk.
    durable_ticket: AtomicU64,
    /// Outbox entries below this sequence number are on disk.
    durable_outbox: AtomicU64,
    /// Flushes done so far.
    flushes: AtomicU64,
    /// How many times the database was opened in this process; a write to an earlier
    /// opening is lost with it.
    generations: AtomicU64,
}

/// sled's handle and its trees.
struct OpenDb {
    db: sled::Db,
    trees: Trees,
    /// Which opening of the folder this is (see `Shared::generations`).
    generation: u64,
}

/// Why a transaction gave up (as opposed to a storage failure).
enum Abort {
    Duplicate,
    Decode(&'static str, serde_json::Error),
}

type TxResult<T> = Result<T, ConflictableTransactionError<Abort>>;

impl Store {
    /// Opens the store in `dir`, creating the folder (private to its owner) and an empty
    /// store if there is none.
    pub fn open(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        create_private_folder(dir)?;
        let open = open_db(dir, options, 0)?;
        let mark = Watermark::read(dir);
        let store = Store {
            dir: dir.to_owned(),
            options,
            shared: Arc::new(Shared {
                current: RwLock::new(Some(Arc::new(open))),
                has_failed_write: AtomicBool::new(false),
                watermark: std::sync::Mutex::new(mark),
                flush_gate: tokio::sync::Mutex::new(()),
                last_ticket: AtomicU64::new(0),
                durable_ticket: AtomicU64::new(0),
                durable_outbox: AtomicU64::new(0),
                generations: AtomicU64::new(0),
                flushes: AtomicU64::new(0),
            }),
        };
        store.check_schema()?;
        // What was read from disk is on disk.
        store.raise_durable_outbox(store.counters()?);
        Ok(store)
    }

    /// Opens the store in `dir` only if one exists there; for the data commands, which
    /// must not leave an empty store behind when given a wrong folder.
    pub fn open_existing(dir: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        // sled keeps its configuration in `conf` next to the `db` file.
        if !dir.join("db").is_file() || !dir.join("conf").is_file() {
            return Err(StoreError::Missing {
                dir: dir.to_owned(),
            });
        }
        Self::open(dir, options)
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let db = self.db()?;
        let meta = &db.trees.meta;
        match meta.get(keys::SCHEMA_VERSION)? {
            // A store that wrote a high-water mark always has its version: it lost data,
            // and writing to it now would only blur what `check` must find.
            None if self.watermark().is_some() => Ok(()),
            None => {
                meta.insert(keys::SCHEMA_VERSION, &SCHEMA_VERSION.to_be_bytes())?;
                db.db.flush()?;
                Ok(())
            }
            Some(bytes) => {
                let found = bytes
                    .as_ref()
                    .try_into()
                    .map(u32::from_be_bytes)
                    .unwrap_or(u32::MAX);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        dir: self.dir.clone(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                // Version 1 is the first layout; migrations from older ones go here.
                Ok(())
            }
        }
    }

    /// Writes all buffered changes to disk and waits until they are there.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let written = self.written(self.db()?.generation);
        self.flush_written(written).await
    }

    /// How many flushes to disk this store made since it was opened.
    pub fn flushes(&self) -> u64 {
        self.shared.flushes.load(Ordering::Relaxed)
    }

    /// Takes the next ticket for a write to the opening `generation` that is now in memory.
    fn written(&self, generation: u64) -> Written {
        Written {
            ticket: self.shared.last_ticket.fetch_add(1, Ordering::SeqCst) + 1,
            generation,
        }
    }

    /// Waits until `written` is on disk: group commit. Flushes run one at a time; a
    /// write that waited while another flush ran is often on disk already when its turn
    /// comes, and otherwise its flush takes every write made until then. So many
    /// decisions made together cost one flush between them rather than one each.
    ///
    /// The flush runs on tokio's blocking pool rather than sled's `flush_async`: tokio's
    /// paused test clock does not jump ahead while a blocking task runs, but would while
    /// waiting on sled's own thread, which would move virtual time during every commit.
    pub async fn flush_written(&self, written: Written) -> Result<(), StoreError> {
        let _gate = self.shared.flush_gate.lock().await;
        if self.db()?.generation != written.generation {
            // The database was reopened after a failed write: what was only in the
            // memory of the earlier opening is gone.
            return Err(StoreError::Unwritable {
                dir: self.dir.clone(),
            });
        }
        if self.shared.durable_ticket.load(Ordering::SeqCst) >= written.ticket {
            return Ok(());
        }
        // Every ticket up to this one was taken after its write, so the flush covers it.
        let covered = self.shared.last_ticket.load(Ordering::SeqCst);
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.flush_now())
            .await
            .map_err(|_| StoreError::FlushInterrupted)??;
        self.shared
            .durable_ticket
            .fetch_max(covered, Ordering::SeqCst);
        Ok(())
    }

    /// Flushes on this thread, then moves the high-water mark up.
    fn flush_now(&self) -> Result<(), StoreError> {
        // The counters are read before the flush: everything they count is then on disk
        // once it returns. Read after, they could count a concurrent decision that is
        // still only in memory, and a crash would leave the mark ahead of the store,
        // which the start-up check would take for lost data.
        let counters = self.counters();
        let db = self.db()?;
        if let Err(error) = db.db.flush() {
            return Err(self.failed_write(error.into()));
        }
        drop(db);
        self.shared.flushes.fetch_add(1, Ordering::Relaxed);
        if let Ok(counters) = counters {
            self.raise_durable_outbox(counters);
            self.raise_watermark(counters);
        }
        Ok(())
    }

    /// Records that the outbox entries `counters` count are on disk.
    fn raise_durable_outbox(&self, counters: Counters) {
        self.shared
            .durable_outbox
            .fetch_max(counters.next_outbox_seq, Ordering::SeqCst);
    }

    /// Whether writes work. False from the first failed write (a full disk, a file size
    /// limit, an I/O error) until [`Store::reopen`] succeeds.
    pub fn is_writable(&self) -> bool {
        !self.shared.has_failed_write.load(Ordering::Relaxed)
    }

    /// Refuses a write up front when an earlier one failed, rather than pretend.
    fn check_writable(&self) -> Result<(), StoreError> {
        if self.is_writable() {
            return Ok(());
        }
        Err(StoreError::Unwritable {
            dir: self.dir.clone(),
        })
    }

    /// Remembers that a write failed with `error` (when it is an I/O failure).
    fn failed_write(&self, error: StoreError) -> StoreError {
        if let StoreError::Sled(sled::Error::Io(_)) = &error {
            if !self.shared.has_failed_write.swap(true, Ordering::Relaxed) {
                error!(data_dir = %self.dir.display(), error = %error, "a write to the store failed; writes are refused until it is reopened");
            }
        }
        error
    }

    /// Proves that the folder takes writes again, then reopens the database and clears
    /// the failure. sled keeps the first I/O error and fails every later write, so
    /// reopening is the only way back short of a restart. It cannot reopen earlier: sled
    /// writes while it opens, so that fails too while the disk is full.
    ///
    /// sled applies a change in memory before writing it, so until the reopen, reads may
    /// show the change whose write failed (nobody was told it was done); the reopen reads
    /// back only what is on disk.
    pub async fn reopen(&self) -> Result<(), StoreError> {
        // No flush may run on the new opening for a write made to the old one.
        let _gate = self.shared.flush_gate.lock().await;
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.reopen_now())
            .await
            .map_err(|_| StoreError::FlushInterrupted)?
    }

    fn reopen_now(&self) -> Result<(), StoreError> {
        // A plain file first: while the disk is full this fails without touching sled,
        // which keeps serving reads meanwhile.
        probe_folder(&self.dir).map_err(StoreError::Io)?;
        self.swap_db()?;
        let db = self.db()?;
        let probe = keys::millis_up(chrono::Utc::now()).to_be_bytes();
        db.trees.meta.insert(keys::WRITE_PROBE, &probe)?;
        let counters = self.counters();
        db.db.flush()?;
        drop(db);
        self.shared.has_failed_write.store(false, Ordering::Relaxed);
        if let Ok(counters) = counters {
            self.raise_watermark(counters);
        }
        info!(data_dir = %self.dir.display(), "store reopened; writes work again");
        Ok(())
    }

    /// Closes the database and opens it again from disk.
    fn swap_db(&self) -> Result<(), StoreError> {
        let mut current = self
            .shared
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = current.take() {
            match Arc::try_unwrap(old) {
                // sled releases the folder's lock when its last handle is dropped.
                Ok(old) => drop(old),
                Err(old) => {
                    *current = Some(old);
                    return Err(StoreError::Busy);
                }
            }
        }
        let generation = self.shared.generations.fetch_add(1, Ordering::SeqCst) + 1;
        *current = Some(Arc::new(open_db(&self.dir, self.options, generation)?));
        Ok(())
    }

    /// The open database.
    fn db(&self) -> Result<Arc<OpenDb>, StoreError> {
        let current = self
            .shared
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        current.clone().ok_or_else(|| StoreError::Unwritable {
            dir: self.dir.clone(),
        })
    }

    /// The three global counters as stored now.
    pub fn counters(&self) -> Result<Counters, StoreError> {
        Ok(Counters {
            next_incident_id: self.counter(keys::NEXT_INCIDENT_ID)?,
            next_outbox_seq: self.counter(keys::NEXT_OUTBOX_SEQ)?,
            next_audit_seq: self.counter(keys::NEXT_AUDIT_SEQ)?,
        })
    }

    /// A counter from the meta tree; counters start at 1.
    fn counter(&self, key: &[u8]) -> Result<u64, StoreError> {
        Ok(self
            .db()?
            .trees
            .meta
            .get(key)?
            .and_then(|bytes| keys::read_u64(&bytes))
            .unwrap_or(1))
    }

    /// Moves the next incident id up to `next` if it is lower, so that numbers a lost
    /// store had handed out are not given to other incidents.
    pub fn skip_incident_ids_to(&self, next: u64) -> Result<(), StoreError> {
        if self.counter(keys::NEXT_INCIDENT_ID)? >= next {
            return Ok(());
        }
        self.db()?
            .trees
            .meta
            .insert(keys::NEXT_INCIDENT_ID, &keys::seq(next))?;
        self.flush_now()
    }

    /// The high-water mark found when the store was opened (or last written).
    pub fn watermark(&self) -> Option<Watermark> {
        *self
            .shared
            .watermark
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `counters`, read before a successful flush, as the new high-water mark,
    /// unless they are behind the mark: a store that lost data must not erase the
    /// evidence before it is checked, and a flush that finished late must not lower it.
    fn raise_watermark(&self, counters: Counters) {
        let mut mark = self
            .shared
            .watermark
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if mark.is_some_and(|mark| counters.is_behind(&mark.counters)) {
            return;
        }
        let next = Watermark {
            counters,
            written_at: chrono::Utc::now(),
        };
        match next.write(&self.dir) {
            Ok(()) => *mark = Some(next),
            Err(error) => warn!(error = %error, "could not write the store's high-water mark"),
        }
    }

    /// Writes one decision atomically and flushes it to disk. If the dedupe key is
    /// remembered and unexpired, writes nothing and returns [`CommitResult::Duplicate`].
    pub async fn commit(&self, change: Change) -> Result<CommitResult, StoreError> {
        match self.write(&change)? {
            WriteResult::Written(written) => {
                self.flush_written(written).await?;
                Ok(CommitResult::Committed)
            }
            WriteResult::Duplicate => Ok(CommitResult::Duplicate),
        }
    }

    /// Writes one decision atomically to the database's memory, for
    /// [`Store::flush_written`] to put on disk. Later reads see it at once; a crash
    /// before the flush loses it. If the dedupe key is remembered and unexpired, writes
    /// nothing and returns [`WriteResult::Duplicate`].
    pub fn write(&self, change: &Change) -> Result<WriteResult, StoreError> {
        self.check_writable()?;
        let incident_json = encode("incident", &change.incident)?;
        let entries = change
            .timeline
            .iter()
            .map(|entry| encode("timeline", entry))
            .collect::<Result<Vec<_>, _>>()?;
        let outbox = change
            .effects
            .iter()
            .map(|effect| {
                encode(
                    "outbox",
                    &OutboxEntry {
                        incident: change.incident.id,
                        effect: effect.clone(),
                        attempts: 0,
                        not_before: None,
                        enqueued_at: Some(change.at),
                        in_flight: false,
                        digest: None,
                    },
                )
            })
            .collect::<Result<Vec<_>, _>>()?;

        let db = self.db()?;
        let t = &db.trees;
        let trees = (
            &t.incidents,
            &t.timeline,
            &t.timers,
            &t.outbox,
            &t.dedupe,
            &t.meta,
        );
        let result =
            trees.transaction(|(incidents, timeline, timers, outbox_tree, dedupe, meta)| {
                if let Some(key) = &change.dedupe {
                    if is_remembered(dedupe, &key.key, change.at)? {
                        return Err(ConflictableTransactionError::Abort(Abort::Duplicate));
                    }
                    dedupe.insert(
                        key.key.as_bytes(),
                        &keys::millis_up(key.expires).to_be_bytes(),
                    )?;
                }

                let id = change.incident.id;
                move_timer(incidents, timers, &change.incident)?;
                incidents.insert(&keys::incident(id), incident_json.as_slice())?;

                let counter = keys::next_timeline_seq(id);
                let mut seq = read_counter(meta, &counter)?;
                for entry in &entries {
                    timeline.insert(&keys::timeline(id, seq), entry.as_slice())?;
                    seq += 1;
                }
                meta.insert(counter, &keys::seq(seq))?;

                let mut seq = read_counter(meta, keys::NEXT_OUTBOX_SEQ)?;
                for entry in &outbox {
                    outbox_tree.insert(&keys::seq(seq), entry.as_slice())?;
                    seq += 1;
                }
                meta.insert(keys::NEXT_OUTBOX_SEQ, &keys::seq(seq))?;

                if id.0 >= read_counter(meta, keys::NEXT_INCIDENT_ID)? {
                    meta.insert(keys::NEXT_INCIDENT_ID, &keys::seq(id.0 + 1))?;
                }
                Ok(())
            });

        match result {
            Ok(()) => Ok(WriteResult::Written(self.written(db.generation))),
            Err(TransactionError::Abort(Abort::Duplicate)) => Ok(WriteResult::Duplicate),
            Err(error) => Err(self.failed_write(transaction_error(error))),
        }
    }

    /// Whether `key` is remembered and unexpired at `now`.
    pub fn is_duplicate(&self, key: &str, now: Timestamp) -> Result<bool, StoreError> {
        let Some(expires) = self.db()?.trees.dedupe.get(key.as_bytes())? else {
            return Ok(false);
        };
        Ok(keys::read_u64(&expires).is_some_and(|expires| expires > keys::millis_up(now)))
    }

    /// Forgets dedupe keys that expired at or before `now`; returns how many.
    pub fn purge_dedupe(&self, now: Timestamp) -> Result<usize, StoreError> {
        let now = keys::millis_up(now);
        let mut purged = 0;
        for item in self.db()?.trees.dedupe.iter() {
            let (key, expires) = item?;
            if keys::read_u64(&expires).is_none_or(|expires| expires <= now) {
                self.db()?.trees.dedupe.remove(key)?;
                purged += 1;
            }
        }
        Ok(purged)
    }

    /// The id the next opened incident will get, without reserving it. The runtime
    /// decides one incident at a time, and [`Store::commit`] moves the counter past
    /// every incident it writes, so a refused open burns no number.
    pub fn upcoming_incident_id(&self) -> Result<IncidentId, StoreError> {
        let next = self
            .db()?
            .trees
            .meta
            .get(keys::NEXT_INCIDENT_ID)?
            .and_then(|bytes| keys::read_u64(&bytes))
            .unwrap_or(1);
        Ok(IncidentId(next))
    }

    /// Reserves and returns the next incident id (durable; ids start at 1).
    pub async fn next_incident_id(&self) -> Result<IncidentId, StoreError> {
        let db = self.db()?;
        let meta = &db.trees.meta;
        let id = meta
            .transaction(|meta| {
                let id = read_counter(meta, keys::NEXT_INCIDENT_ID)?;
                meta.insert(keys::NEXT_INCIDENT_ID, &keys::seq(id + 1))?;
                Ok(id)
            })
            .map_err(transaction_error)?;
        self.flush().await?;
        Ok(IncidentId(id))
    }

    /// One incident.
    pub fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        self.db()?
            .trees
            .incidents
            .get(keys::incident(id))?
            .map(|bytes| decode("incident", &bytes))
            .transpose()
    }

    /// All incidents, by id.
    pub fn incidents(&self) -> Result<Vec<Incident>, StoreError> {
        self.each_incident()?.collect()
    }

    /// All incidents, by id, read one at a time: for passes over the whole store that
    /// keep little of it, so that a large store is never in memory at once.
    pub fn each_incident(
        &self,
    ) -> Result<impl Iterator<Item = Result<Incident, StoreError>>, StoreError> {
        let incidents = self.db()?.trees.incidents.iter().values();
        Ok(incidents.map(|bytes| decode("incident", &bytes?)))
    }

    /// How many incidents are in each state and severity; reads only those two fields.
    pub fn incident_tally(&self) -> Result<Vec<TallyRow>, StoreError> {
        #[derive(Deserialize)]
        struct Summary {
            state: State,
            severity: SeverityId,
        }
        let mut tally: Vec<TallyRow> = Vec::new();
        for bytes in self.db()?.trees.incidents.iter().values() {
            let summary: Summary = decode("incident", &bytes?)?;
            let key = (summary.state, summary.severity);
            match tally.iter_mut().find(|(seen, _)| *seen == key) {
                Some((_, count)) => *count += 1,
                None => tally.push((key, 1)),
            }
        }
        Ok(tally)
    }

    /// An incident's timeline, oldest first.
    pub fn timeline(&self, id: IncidentId) -> Result<Vec<Entry>, StoreError> {
        self.db()?
            .trees
            .timeline
            .scan_prefix(keys::incident(id))
            .values()
            .map(|bytes| decode("timeline", &bytes?))
            .collect()
    }

    /// When the earliest pending timer is due, rounded up to the millisecond.
    pub fn earliest_timer(&self) -> Result<Option<Timestamp>, StoreError> {
        let Some((key, _)) = self.db()?.trees.timers.first()? else {
            return Ok(None);
        };
        Ok(keys::split_timer(&key).map(|(due, _)| due))
    }

    /// The incidents whose timer is due at `now`, earliest first.
    pub fn due_timers(&self, now: Timestamp) -> Result<Vec<IncidentId>, StoreError> {
        let mut due = Vec::new();
        for item in self.db()?.trees.timers.iter() {
            let (key, _) = item?;
            let Some((at, id)) = keys::split_timer(&key) else {
                continue;
            };
            if at > now {
                break;
            }
            due.push(id);
        }
        Ok(due)
    }

    /// The timer index as (due, incident) pairs, earliest first; for checks and tests.
    pub fn timers(&self) -> Result<Vec<(Timestamp, IncidentId)>, StoreError> {
        let mut timers = Vec::new();
        for item in self.db()?.trees.timers.iter() {
            let (key, _) = item?;
            timers.extend(keys::split_timer(&key));
        }
        Ok(timers)
    }

    /// The undelivered effects with their sequence numbers, in order.
    pub fn outbox(&self) -> Result<Vec<(u64, OutboxEntry)>, StoreError> {
        let mut entries = Vec::new();
        for item in self.db()?.trees.outbox.iter() {
            let (key, value) = item?;
            if let Some(seq) = keys::read_u64(&key) {
                entries.push((seq, decode("outbox", &value)?));
            }
        }
        Ok(entries)
    }

    /// The queued effects after sequence number `after` (all of them for `None`) that
    /// are on disk, in order; the dispatcher reads only what was queued since it last
    /// looked, and never sends what a crash could still undo.
    pub fn durable_outbox_after(
        &self,
        after: Option<u64>,
    ) -> Result<Vec<(u64, OutboxEntry)>, StoreError> {
        let start = match after {
            None => 0,
            Some(after) => match after.checked_add(1) {
                Some(start) => start,
                None => return Ok(Vec::new()),
            },
        };
        let end = self.shared.durable_outbox.load(Ordering::SeqCst);
        if start >= end {
            return Ok(Vec::new());
        }
        let mut entries = Vec::new();
        for item in self
            .db()?
            .trees
            .outbox
            .range(keys::seq(start)..keys::seq(end))
        {
            let (key, value) = item?;
            if let Some(seq) = keys::read_u64(&key) {
                entries.push((seq, decode("outbox", &value)?));
            }
        }
        Ok(entries)
    }

    /// How many entries wait in the outbox, and when the oldest was queued (if known).
    pub fn outbox_summary(&self) -> Result<(usize, Option<Timestamp>), StoreError> {
        let depth = self.db()?.trees.outbox.len();
        let oldest = match self.db()?.trees.outbox.first()? {
            Some((_, value)) => decode::<OutboxEntry>("outbox", &value)?.enqueued_at,
            None => None,
        };
        Ok((depth, oldest))
    }

    /// Deletes a delivered (or abandoned) outbox entry.
    pub async fn outbox_done(&self, seq: u64) -> Result<(), StoreError> {
        self.db()?.trees.outbox.remove(keys::seq(seq))?;
        self.flush().await
    }

    /// Marks an entry as in flight and flushes, before the platform is called for it, so
    /// that after a crash the entry is known to be maybe delivered; `digest` names the
    /// digest it goes in, if any. Marking an entry that is already in flight, or gone,
    /// writes nothing: a resend goes as the first attempt went.
    pub async fn outbox_mark_in_flight(
        &self,
        seq: u64,
        digest: Option<u64>,
    ) -> Result<(), StoreError> {
        let db = self.db()?;
        let outbox = &db.trees.outbox;
        let Some(bytes) = outbox.get(keys::seq(seq))? else {
            return Ok(());
        };
        let mut entry: OutboxEntry = decode("outbox", &bytes)?;
        if entry.in_flight {
            return Ok(());
        }
        entry.in_flight = true;
        entry.digest = digest;
        outbox.insert(keys::seq(seq), encode("outbox", &entry)?)?;
        self.flush().await
    }

    /// Deletes several outbox entries at once, with one flush (updates of a root message
    /// merged into an earlier one).
    pub async fn outbox_done_all(&self, seqs: &[u64]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for seq in seqs {
            batch.remove(&keys::seq(*seq));
        }
        self.db()?.trees.outbox.apply_batch(batch)?;
        self.flush().await
    }

    /// Records a failed attempt: the entry waits until `not_before`.
    pub async fn outbox_retry_later(
        &self,
        seq: u64,
        not_before: Timestamp,
        attempts: u32,
    ) -> Result<(), StoreError> {
        let db = self.db()?;
        let outbox = &db.trees.outbox;
        let Some(bytes) = outbox.get(keys::seq(seq))? else {
            return Ok(());
        };
        let mut entry: OutboxEntry = decode("outbox", &bytes)?;
        entry.not_before = Some(not_before);
        entry.attempts = attempts;
        outbox.insert(keys::seq(seq), encode("outbox", &entry)?)?;
        self.flush().await
    }

    /// Records what a delivery posted (the root message, the knowledge post, linked
    /// messages) and deletes
    /// its outbox entry, in one transaction.
    pub async fn record_delivery(
        &self,
        seq: u64,
        incident: IncidentId,
        delivered: &Delivered,
    ) -> Result<(), StoreError> {
        let root = delivered
            .root
            .as_ref()
            .map(|root| encode("root", root))
            .transpose()?;
        let knowledge = delivered
            .knowledge
            .as_ref()
            .map(|post| encode("knowledge post", post))
            .transpose()?;
        let mut linked = Vec::new();
        for message in delivered.root.iter().chain(&delivered.linked) {
            linked.push(encode("link", message)?);
        }

        let db = self.db()?;
        let t = &db.trees;
        (&t.roots, &t.knowledge_posts, &t.links, &t.outbox)
            .transaction(|(roots, knowledge_posts, links, outbox)| {
                if let Some(root) = &root {
                    roots.insert(&keys::incident(incident), root.as_slice())?;
                }
                if let Some(post) = &knowledge {
                    knowledge_posts.insert(&keys::incident(incident), post.as_slice())?;
                }
                for message in &linked {
                    links.insert(message.as_slice(), &keys::incident(incident))?;
                }
                outbox.remove(&keys::seq(seq))?;
                Ok(())
            })
            .map_err(transaction_error)?;
        self.flush().await
    }

    /// Makes reactions on `message` act on `incident`.
    pub async fn link_message(
        &self,
        message: &MessageRef,
        incident: IncidentId,
    ) -> Result<(), StoreError> {
        self.db()?
            .trees
            .links
            .insert(encode("link", message)?, &keys::incident(incident))?;
        self.flush().await
    }

    /// The incident a message belongs to, if it is linked to one.
    pub fn incident_for_message(
        &self,
        message: &MessageRef,
    ) -> Result<Option<IncidentId>, StoreError> {
        let value = self.db()?.trees.links.get(encode("link", message)?)?;
        Ok(value
            .and_then(|bytes| keys::read_u64(&bytes))
            .filter(|id| *id != DIGEST_LINK.0)
            .map(IncidentId))
    }

    /// Marks `message` as a digest of pages about several incidents, so that reactions
    /// on it are answered rather than applied to one of them.
    pub async fn link_digest(&self, message: &MessageRef) -> Result<(), StoreError> {
        self.link_message(message, DIGEST_LINK).await
    }

    /// Whether `message` is a digest of pages (see [`Store::link_digest`]).
    pub fn is_digest(&self, message: &MessageRef) -> Result<bool, StoreError> {
        let value = self.db()?.trees.links.get(encode("link", message)?)?;
        Ok(value.and_then(|bytes| keys::read_u64(&bytes)) == Some(DIGEST_LINK.0))
    }

    /// Records the incident's root message and links it.
    pub async fn set_root(
        &self,
        incident: IncidentId,
        root: &MessageRef,
    ) -> Result<(), StoreError> {
        let value = encode("root", root)?;
        let db = self.db()?;
        let t = &db.trees;
        (&t.roots, &t.links)
            .transaction(|(roots, links)| {
                roots.insert(&keys::incident(incident), value.as_slice())?;
                links.insert(value.as_slice(), &keys::incident(incident))?;
                Ok(())
            })
            .map_err(transaction_error)?;
        self.flush().await
    }

    /// The incident's root message, once posted.
    pub fn root(&self, incident: IncidentId) -> Result<Option<MessageRef>, StoreError> {
        self.db()?
            .trees
            .roots
            .get(keys::incident(incident))?
            .map(|bytes| decode("root", &bytes))
            .transpose()
    }

    /// The incident's fix note in the knowledge channel, once posted.
    pub fn knowledge_post(&self, incident: IncidentId) -> Result<Option<MessageRef>, StoreError> {
        self.db()?
            .trees
            .knowledge_posts
            .get(keys::incident(incident))?
            .map(|bytes| decode("knowledge post", &bytes))
            .transpose()
    }

    /// Replaces `person`'s absences; an empty list removes them.
    pub async fn set_absences(
        &self,
        person: &PersonId,
        absences: &[Absence],
    ) -> Result<(), StoreError> {
        let db = self.db()?;
        let tree = &db.trees.absences;
        if absences.is_empty() {
            tree.remove(person.as_str().as_bytes())?;
        } else {
            tree.insert(person.as_str().as_bytes(), encode("absences", &absences)?)?;
        }
        self.flush().await
    }

    /// Everyone's absences, by person.
    pub fn absences(&self) -> Result<Vec<Absence>, StoreError> {
        let mut all = Vec::new();
        for bytes in self.db()?.trees.absences.iter().values() {
            let absences: Vec<Absence> = decode("absences", &bytes?)?;
            all.extend(absences);
        }
        Ok(all)
    }

    /// Appends an administrative change to the audit log; returns its sequence.
    pub async fn append_audit(&self, record: &AuditRecord) -> Result<u64, StoreError> {
        self.check_writable()?;
        let value = encode("audit", record)?;
        let db = self.db()?;
        let t = &db.trees;
        let seq = (&t.meta, &t.audit)
            .transaction(|(meta, audit)| {
                let seq = read_counter(meta, keys::NEXT_AUDIT_SEQ)?;
                audit.insert(&keys::seq(seq), value.as_slice())?;
                meta.insert(keys::NEXT_AUDIT_SEQ, &keys::seq(seq + 1))?;
                Ok(seq)
            })
            .map_err(transaction_error)?;
        self.flush().await?;
        Ok(seq)
    }

    /// The latest `n` audit records with their sequence numbers, oldest first.
    pub fn audit(&self, n: usize) -> Result<Vec<(u64, AuditRecord)>, StoreError> {
        let mut records = Vec::new();
        for item in self.db()?.trees.audit.iter().rev().take(n) {
            let (key, value) = item?;
            if let Some(seq) = keys::read_u64(&key) {
                records.push((seq, decode("audit", &value)?));
            }
        }
        records.reverse();
        Ok(records)
    }

    fn is_empty(&self) -> Result<bool, StoreError> {
        let db = self.db()?;
        Ok(db
            .trees
            .all()
            .iter()
            .all(|tree| tree.is_empty() || tree.name() == db.trees.meta.name()))
    }
}

fn create_private_folder(dir: &Path) -> Result<(), StoreError> {
    let folder_error = |source| StoreError::Folder {
        dir: dir.to_owned(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    if dir.exists() {
        return Err(folder_error(io::Error::other(
            "it is a file, not a folder; point storage.data_dir at a folder",
        )));
    }
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(folder_error)?;
    // The mode above is filtered by the umask; set it again so it is exactly 0700.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(folder_error)
}

/// Writes, syncs and deletes a small file in `dir`: whether the folder takes writes.
fn probe_folder(dir: &Path) -> io::Result<()> {
    use std::io::Write as _;
    let path = dir.join("store.probe");
    let mut file = std::fs::File::create(&path)?;
    let written = file
        .write_all(&[0; 64 * 1024])
        .and_then(|()| file.sync_all());
    drop(file);
    let _ = std::fs::remove_file(&path);
    written
}

/// How long an open waits for a held lock before it says another escalator has it.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// Opens sled in `dir` with its trees.
///
/// sled frees some parts of a closed database a moment after the last handle is dropped
/// (epoch-based reclamation), the folder's lock among them, so a reopen in the same
/// process can briefly find it held; a held lock is tried again for [`LOCK_PATIENCE`].
fn open_db(dir: &Path, options: StoreOptions, generation: u64) -> Result<OpenDb, StoreError> {
    let started = std::time::Instant::now();
    let db = loop {
        let opened = sled::Config::new()
            .path(dir)
            .cache_capacity(options.cache_bytes)
            .open()
            .map_err(|error| open_error(dir, error));
        match opened {
            Err(StoreError::InUse { .. }) if started.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => break other?,
        }
    };
    let trees = Trees::open(&db)?;
    Ok(OpenDb {
        db,
        trees,
        generation,
    })
}

fn open_error(dir: &Path, error: sled::Error) -> StoreError {
    match error {
        // sled reports a held lock as a plain I/O error with this text
        // (`Config::try_lock` in sled 0.34.7); there is no dedicated variant.
        sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => {
            StoreError::InUse {
                dir: dir.to_owned(),
            }
        }
        sled::Error::Corruption { .. } => StoreError::Corrupt {
            dir: dir.to_owned(),
        },
        other => StoreError::Sled(other),
    }
}

fn transaction_error(error: TransactionError<Abort>) -> StoreError {
    match error {
        TransactionError::Storage(error) => StoreError::Sled(error),
        TransactionError::Abort(Abort::Decode(what, source)) => StoreError::Decode { what, source },
        // Only commit aborts with Duplicate, and it handles that itself.
        TransactionError::Abort(Abort::Duplicate) => StoreError::Sled(sled::Error::ReportableBug(
            "unexpected duplicate abort".to_owned(),
        )),
    }
}

fn encode(what: &'static str, value: &impl Serialize) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|source| StoreError::Encode { what, source })
}

fn decode<T: for<'de> Deserialize<'de>>(what: &'static str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Decode { what, source })
}

/// Reads a counter from the meta tree inside a transaction; counters start at 1.
fn read_counter(meta: &TransactionalTree, key: &[u8]) -> TxResult<u64> {
    Ok(meta
        .get(key)?
        .and_then(|bytes| keys::read_u64(&bytes))
        .unwrap_or(1))
}

fn is_remembered(dedupe: &TransactionalTree, key: &str, now: Timestamp) -> TxResult<bool> {
    let expires = dedupe.get(key.as_bytes())?;
    Ok(expires
        .and_then(|bytes| keys::read_u64(&bytes))
        .is_some_and(|expires| expires > keys::millis_up(now)))
}

/// Removes the timer index entry of the incident as stored and adds the new one.
fn move_timer(
    incidents: &TransactionalTree,
    timers: &TransactionalTree,
    incident: &Incident,
) -> TxResult<()> {
    if let Some(previous) = incidents.get(keys::incident(incident.id))? {
        let previous: Incident = serde_json::from_slice(&previous).map_err(|error| {
            ConflictableTransactionError::Abort(Abort::Decode("incident", error))
        })?;
        if let Some(timer) = previous.timer {
            timers.remove(&keys::timer(timer.due, incident.id))?;
        }
    }
    if let Some(timer) = incident.timer {
        timers.insert(&keys::timer(timer.due, incident.id), &[])?;
    }
    Ok(())
}
