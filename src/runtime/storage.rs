//! Looking after the store while the bot runs: periodic snapshots, and the way back from
//! a failed write.
//!
//! A snapshot holds the decision lock only while it reads a chunk of incidents with their
//! timelines ([`SNAPSHOT_CHUNK`] at a time), and encodes and writes each chunk with the
//! lock released, so decisions go on meanwhile; each incident is written with the
//! timeline of the same decisions, and a restore is safe (see `store::snapshot`). The
//! dispatcher may record a delivery meanwhile, which at worst sends that effect again
//! after a restore (deliveries are at least once anyway).
//!
//! When a write fails (a full disk), sled 0.34 refuses every later write until it is
//! reopened. The watch notices within [`WATCH_EVERY`], tells the admins once, and then
//! tries to reopen the store and write a probe on every tick; when that works, it says so
//! and wakes the scheduler and the dispatcher, which resume where they stopped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tracing::{error, info, warn};

use super::Escalator;
use crate::engine::Timestamp;
use crate::ports::{Alert, Chat};
use crate::store::snapshot::{self, Snapshot, SNAPSHOT_CHUNK};
use crate::store::StoreError;

/// How often the watch looks at the store.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// When and how many snapshots to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// Time between snapshots.
    pub every: Duration,
    /// How many to keep.
    pub keep: usize,
}

impl Escalator {
    /// Writes a snapshot of the store now, holding decisions off only while each chunk
    /// of [`SNAPSHOT_CHUNK`] incidents is read.
    pub async fn snapshot(&self, keep: usize) -> Result<Snapshot, StoreError> {
        self.snapshot_in_chunks(keep, SNAPSHOT_CHUNK, || std::future::ready(()))
            .await
    }

    /// Writes a snapshot reading `per_chunk` incidents per hold of the decision lock, and
    /// awaits `between` after each chunk, with the lock released (a hook for tests).
    pub async fn snapshot_in_chunks<F: Future<Output = ()>>(
        &self,
        keep: usize,
        per_chunk: usize,
        between: impl FnMut() -> F,
    ) -> Result<Snapshot, StoreError> {
        let at = self.clock.now();
        let written = self.write_snapshot(at, keep, per_chunk, between).await;
        self.metrics
            .record_snapshot(written.as_ref().ok().map(|_| at));
        written
    }

    async fn write_snapshot<F: Future<Output = ()>>(
        &self,
        at: Timestamp,
        keep: usize,
        per_chunk: usize,
        mut between: impl FnMut() -> F,
    ) -> Result<Snapshot, StoreError> {
        let store = self.store.clone();
        let mut snapshot = blocking(move || store.start_snapshot(at, per_chunk)).await?;
        let mut chunks = 0_u64;
        let mut longest_hold = Duration::ZERO;
        while !snapshot.is_read() {
            // The chunk is read on a blocking thread while this task holds the lock.
            let decision = self.decisions.lock().await;
            let held = std::time::Instant::now();
            let (back, chunk) = blocking(move || {
                let chunk = snapshot.read();
                Ok((snapshot, chunk))
            })
            .await?;
            drop(decision);
            longest_hold = longest_hold.max(held.elapsed());
            let chunk = chunk?;
            snapshot = back;
            snapshot = blocking(move || snapshot.write(chunk).map(|()| snapshot)).await?;
            chunks += 1;
            between().await;
        }
        let written = blocking(move || snapshot.finish(keep)).await?;
        info!(
            chunks,
            longest_hold_ms = longest_hold.as_secs_f64() * 1000.0,
            "snapshot read between decisions"
        );
        Ok(written)
    }

    /// Tells every platform's admins.
    pub async fn alert(&self, chats: &[Arc<dyn Chat>], alert: &Alert) {
        let policy = self.policy();
        for chat in chats {
            if let Err(error) = chat.alert_admins(&policy, alert).await {
                error!(platform = %chat.platform(), error = %error, "admins could not be alerted");
            }
        }
    }

    /// Takes snapshots and watches for failed writes until `stopped` turns true.
    pub async fn watch_store(
        self: Arc<Self>,
        chats: Vec<Arc<dyn Chat>>,
        snapshots: SnapshotPolicy,
        mut stopped: watch::Receiver<bool>,
    ) {
        let mut next_snapshot = tokio::time::Instant::now() + self.first_snapshot_in(snapshots);
        let mut is_alerted = false;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(WATCH_EVERY) => {}
                changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { return },
            }
            if !self.store.is_writable() {
                self.metrics.record_store_writable(false);
                if !is_alerted {
                    self.alert(&chats, &Alert::StoreUnwritable).await;
                    is_alerted = true;
                }
                if !self.try_reopen().await {
                    continue;
                }
            }
            if is_alerted {
                self.metrics.record_store_writable(true);
                self.alert(&chats, &Alert::StoreWritable).await;
                is_alerted = false;
            }
            if tokio::time::Instant::now() >= next_snapshot {
                if let Err(error) = self.snapshot(snapshots.keep).await {
                    warn!(error = %error, "could not write a snapshot");
                }
                next_snapshot = tokio::time::Instant::now() + snapshots.every;
            }
        }
    }

    /// How long until the first snapshot of this run: none is taken at start while the
    /// newest one is younger than the period, since writing one reads and writes the
    /// whole store (seconds of disk and processor for a large store), and a crash loop
    /// would otherwise write one per start. Taken at once when there is none.
    fn first_snapshot_in(&self, snapshots: SnapshotPolicy) -> Duration {
        let newest = match snapshot::newest(self.store.dir()) {
            Ok(newest) => newest,
            Err(error) => {
                warn!(error = %error, "could not list the snapshots");
                None
            }
        };
        let Some(newest) = newest else {
            return Duration::ZERO;
        };
        let age = (self.clock.now() - newest.taken_at)
            .to_std()
            .unwrap_or(Duration::ZERO);
        snapshots.every.saturating_sub(age)
    }

    /// Reopens the store under the decision lock; true when writes work again.
    async fn try_reopen(&self) -> bool {
        let _decision = self.decisions.lock().await;
        match self.store.reopen().await {
            Ok(()) => {
                info!("writes work again; paging resumes");
                self.timers_changed.notify_one();
                self.outbox_changed.notify_one();
                true
            }
            Err(error) => {
                warn!(error = %error, "the store still takes no writes");
                false
            }
        }
    }
}

/// Runs `work` on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| StoreError::FlushInterrupted)?
}
