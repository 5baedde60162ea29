//! The scheduler: sleeps until the earliest due timer and applies `TimerDue` to every
//! incident whose timer is due.
//!
//! Timers live in the store's index, so after a restart the overdue ones are simply due
//! now; each fires once (see `defer_missed_schedule`), many at a time so that their
//! decisions share flushes. A commit that adds an earlier
//! timer wakes the scheduler through a `Notify`. Expired dedupe keys are purged on the
//! side, every [`PURGE_EVERY`].

use std::sync::Arc;
use std::time::Duration;

use futures::{future, stream, StreamExt};
use tokio::sync::watch;
use tracing::{debug, error, warn};

use super::{sleep_or_forever, until, Escalator, RuntimeError};
use crate::engine::{IncidentId, Intent, Timestamp};

/// How often expired dedupe keys are purged.
const PURGE_EVERY: Duration = Duration::from_secs(10 * 60);

/// How many due timers fire at once. Their decisions are still made one at a time, but
/// a timer's turn comes while the ones before it wait for their flush, and they share
/// the next: a backlog after a restart is not held up by one flush per timer, nor by one
/// flush per batch.
const FIRING_AT_ONCE: usize = 256;

/// How long to wait before trying again after the store failed.
const STORE_RETRY: Duration = Duration::from_secs(1);

impl Escalator {
    pub(super) async fn schedule(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let mut next_purge = tokio::time::Instant::now();
        loop {
            if *stopped.borrow() {
                return;
            }
            if tokio::time::Instant::now() >= next_purge {
                self.purge_dedupe();
                next_purge = tokio::time::Instant::now() + PURGE_EVERY;
            }

            let wait = match self.fire_due_timers(&stopped).await {
                Ok(Some(wait)) if wait.is_zero() => continue,
                Ok(wait) => wait,
                Err(error) => {
                    error!(error = %error, "could not read the timers");
                    Some(STORE_RETRY)
                }
            };
            let wait = Some(wait.map_or(PURGE_EVERY, |wait| wait.min(PURGE_EVERY)));

            tokio::select! {
                _ = sleep_or_forever(wait) => {}
                _ = self.timers_changed.notified() => {}
                changed = stopped.changed() => if changed.is_err() { return },
            }
        }
    }

    /// Fires every due timer, then says how long until the next one.
    async fn fire_due_timers(
        &self,
        stopped: &watch::Receiver<bool>,
    ) -> Result<Option<Duration>, RuntimeError> {
        let now = self.clock.now();
        let mut has_fired = true;
        let due = self.store.due_timers(now)?;
        // No timer starts firing once the runtime stops; those under way finish.
        let stopping = stopped.clone();
        let mut fired = stream::iter(due)
            .take_while(move |_| future::ready(!*stopping.borrow()))
            .map(|id| self.fire(id, now))
            .buffer_unordered(FIRING_AT_ONCE);
        while let Some(fired) = fired.next().await {
            has_fired &= fired;
        }
        if *stopped.borrow() {
            return Ok(None);
        }
        let next = self.store.earliest_timer()?;
        let wait = next.map(|due| until(due, self.clock.now()));
        if !has_fired && wait.is_some_and(|wait| wait.is_zero()) {
            // A timer that cannot fire would otherwise be retried in a tight loop.
            return Ok(Some(STORE_RETRY));
        }
        Ok(wait)
    }

    /// Applies `TimerDue` to one incident; false if its timer is still due afterwards.
    async fn fire(&self, id: IncidentId, now: Timestamp) -> bool {
        match self.apply(id, Intent::TimerDue, None).await {
            Ok(decision) => {
                debug!(incident_id = %id, effects = decision.effects.len(), "timer fired");
                decision.incident.timer.is_none_or(|timer| timer.due > now)
            }
            Err(RuntimeError::Store(error)) => {
                error!(incident_id = %id, error = %error, "could not fire a timer");
                false
            }
            Err(error) => {
                error!(incident_id = %id, error = %error, "timer did not fire");
                false
            }
        }
    }

    fn purge_dedupe(&self) {
        match self.store.purge_dedupe(self.clock.now()) {
            Ok(0) => {}
            Ok(purged) => debug!(purged, "expired dedupe keys purged"),
            Err(error) => warn!(error = %error, "could not purge expired dedupe keys"),
        }
    }
}
