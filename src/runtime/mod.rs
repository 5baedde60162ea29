//! The runtime around the engine: one place where decisions are made and written, a
//! scheduler that fires due timers, and a dispatcher that delivers the outbox.
//!
//! Every decision goes through [`Escalator::open_incident`] or [`Escalator::apply`]:
//! under one async mutex it loads the incident, asks the engine with the live policy,
//! the absences and the clock's time and writes the outcome to the store; then, with the
//! mutex released, it waits for the flush that puts the outcome on disk (one flush for
//! all decisions made meanwhile) and wakes the scheduler and the dispatcher. Nothing is
//! delivered or answered before the decision is on disk. [`Escalator::run`] drives the
//! scheduler and the dispatcher until shutdown.

mod dispatcher;
mod in_flight;
mod knowledge;
mod lanes;
mod lasting;
mod scheduler;
pub mod storage;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::{watch, Mutex, MutexGuard, Notify};
use tracing::{debug, error, info, warn};

use crate::config::export::PolicySource;
use crate::config::DEFAULT_SHUTDOWN_GRACE;
use crate::engine::policy::Policy;
use crate::engine::{
    self, Ctx, Effect, Entry, Incident, IncidentId, Intent, OpenRequest, Outcome, Phase, Rejection,
    Timestamp,
};
use crate::knowledge::KnowledgeBase;
use crate::metrics::{Metrics, StoreGauge};
use crate::ports::{Chat, Clock};
use crate::store::{Change, DedupeKey, Store, StoreError, WriteResult};

/// How long inbound event keys are remembered by default: longer than Slack's last
/// redelivery of an unacknowledged event.
pub const DEFAULT_DEDUPE_TTL: Duration = Duration::from_secs(60 * 60);

/// Why a decision was not made.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The engine refused; the text is the reply to the user.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The inbound event was handled before; nothing was done again.
    #[error("this request was already handled")]
    Duplicate,
    /// No incident has this id.
    #[error("there is no incident {0}")]
    UnknownIncident(IncidentId),
    /// The store failed; an operator must look (the user gets a generic reply).
    #[error("could not record the decision: {0}")]
    Store(#[from] StoreError),
    /// A background task ended unexpectedly.
    #[error("the {task} stopped unexpectedly")]
    TaskFailed {
        /// Which task.
        task: &'static str,
    },
}

/// A decision as it was written: the incident after it, what happened, what is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The incident after the decision.
    pub incident: Incident,
    /// The new timeline entries.
    pub timeline: Vec<Entry>,
    /// The effects queued for delivery.
    pub effects: Vec<Effect>,
}

/// The result of opening an incident.
pub type Opened = Decision;
/// The result of applying an intent.
pub type Applied = Decision;

/// The shared handle of a running escalator.
pub struct Escalator {
    store: Store,
    policy: RwLock<Arc<Policy>>,
    clock: Arc<dyn Clock>,
    decisions: Mutex<()>,
    timers_changed: Notify,
    outbox_changed: Notify,
    dedupe_ttl: Duration,
    knowledge: std::sync::Mutex<Option<Arc<KnowledgeBase>>>,
    /// Set while the knowledge base is being opened (see `knowledge_now`).
    is_knowledge_opening: AtomicBool,
    /// Fix notes are indexed one at a time (see `index_fix_note`).
    indexing: Arc<std::sync::Mutex<()>>,
    metrics: Metrics,
    is_running: AtomicBool,
    /// How long a stop waits for deliveries under way, in milliseconds.
    shutdown_grace_ms: AtomicU64,
    /// Where the live policy came from; held across a whole policy change, so admin
    /// changes happen one after another and none overwrites another.
    policy_source: Mutex<Option<PolicySource>>,
}

impl Escalator {
    /// A handle deciding with `policy` and `clock` and writing to `store`.
    pub fn new(store: Store, policy: Arc<Policy>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Self::with_dedupe_ttl(store, policy, clock, DEFAULT_DEDUPE_TTL)
    }

    /// Like [`Escalator::new`], remembering inbound event keys for `dedupe_ttl`.
    pub fn with_dedupe_ttl(
        store: Store,
        policy: Arc<Policy>,
        clock: Arc<dyn Clock>,
        dedupe_ttl: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            policy: RwLock::new(policy),
            clock,
            decisions: Mutex::new(()),
            timers_changed: Notify::new(),
            outbox_changed: Notify::new(),
            dedupe_ttl,
            knowledge: std::sync::Mutex::new(None),
            is_knowledge_opening: AtomicBool::new(false),
            indexing: Arc::default(),
            metrics: Metrics::default(),
            is_running: AtomicBool::new(false),
            shutdown_grace_ms: AtomicU64::new(DEFAULT_SHUTDOWN_GRACE.as_millis() as u64),
            policy_source: Mutex::new(None),
        })
    }

    /// Sets how long [`Escalator::run`] lets deliveries under way finish once shutdown
    /// is requested; what is still under way then stays in the outbox.
    pub fn set_shutdown_grace(&self, grace: Duration) {
        let millis = u64::try_from(grace.as_millis()).unwrap_or(u64::MAX);
        self.shutdown_grace_ms.store(millis, Ordering::Relaxed);
    }

    fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms.load(Ordering::Relaxed))
    }

    /// Records where the live policy came from, for admin changes, reload and export.
    pub async fn set_policy_source(&self, source: PolicySource) {
        *self.policy_source.lock().await = Some(source);
    }

    /// Waits for any other policy change to finish and holds off the next one until the
    /// guard is dropped; the guard holds where the policy came from, when known.
    pub async fn lock_policy(&self) -> tokio::sync::MutexGuard<'_, Option<PolicySource>> {
        self.policy_source.lock().await
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The counters `/metrics` reports.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Whether [`Escalator::run`] is driving the scheduler and the dispatcher.
    pub fn is_running(&self) -> bool {
        self.is_running.load(Ordering::Relaxed)
    }

    /// Counts the stored incidents by state and severity, starting the incident gauges.
    /// Holds the decision lock meanwhile, so that no decision is counted twice or missed.
    pub async fn count_incidents(&self) -> Result<(), RuntimeError> {
        let _decision = self.decisions.lock().await;
        self.metrics.set_incidents(self.store.incident_tally()?);
        Ok(())
    }

    /// The outbox's depth, the age of its oldest entry and the store's flushes, for
    /// `/metrics`.
    pub fn store_gauge(&self) -> Result<StoreGauge, RuntimeError> {
        let (depth, oldest) = self.store.outbox_summary()?;
        let age = oldest.map_or(Duration::ZERO, |at| until(self.clock.now(), at));
        Ok(StoreGauge {
            depth,
            oldest_age_seconds: age.as_secs_f64(),
            flushes: self.store.flushes(),
        })
    }

    /// The live policy.
    pub fn policy(&self) -> Arc<Policy> {
        // A panic while holding the lock cannot leave an `Arc` half-written.
        Arc::clone(&self.policy.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the live policy; later decisions and deliveries use the new one.
    pub fn replace_policy(&self, policy: Arc<Policy>) {
        *self.policy.write().unwrap_or_else(PoisonError::into_inner) = policy;
        // Paths may have changed; let the scheduler look again.
        self.timers_changed.notify_one();
    }

    /// The current time by this escalator's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Opens an incident. `dedupe` is the inbound event's key, if it has one.
    pub async fn open_incident(
        &self,
        request: OpenRequest,
        dedupe: Option<String>,
    ) -> Result<Opened, RuntimeError> {
        let decision_lock = self.decisions.lock().await;
        let now = self.clock.now();
        self.check_duplicate(dedupe.as_deref(), now)?;

        let policy = self.policy();
        let absences = self.store.absences()?;
        let ctx = Ctx {
            policy: &policy,
            absences: &absences,
            now,
        };
        let id = self.store.upcoming_incident_id()?;
        let related = self.related_fixes(&request.summary);
        let mut outcome = engine::open(ctx, id, request)?;
        if !related.is_empty() {
            outcome
                .effects
                .push(Effect::ShowRelatedFixes { fixes: related });
        }
        let decision = self
            .commit(decision_lock, None, outcome, dedupe, now)
            .await?;
        info!(
            incident_id = %decision.incident.id,
            severity = %decision.incident.severity,
            team = %decision.incident.team,
            platform = %decision.incident.platform,
            "incident opened"
        );
        Ok(decision)
    }

    /// Applies `intent` to incident `id`. `dedupe` is the inbound event's key, if any.
    pub async fn apply(
        &self,
        id: IncidentId,
        intent: Intent,
        dedupe: Option<String>,
    ) -> Result<Applied, RuntimeError> {
        let decision_lock = self.decisions.lock().await;
        let now = self.clock.now();
        self.check_duplicate(dedupe.as_deref(), now)?;

        let Some(mut incident) = self.store.incident(id)? else {
            return Err(RuntimeError::UnknownIncident(id));
        };
        let before = incident.clone();
        if intent == Intent::TimerDue {
            defer_missed_schedule(&mut incident, now);
        }
        let policy = self.policy();
        let absences = self.store.absences()?;
        let ctx = Ctx {
            policy: &policy,
            absences: &absences,
            now,
        };
        let outcome = engine::apply(ctx, &incident, intent)?;

        let is_unchanged =
            outcome.incident == before && outcome.timeline.is_empty() && outcome.effects.is_empty();
        if is_unchanged && dedupe.is_none() {
            return Ok(Decision {
                incident: outcome.incident,
                timeline: Vec::new(),
                effects: Vec::new(),
            });
        }
        let decision = self
            .commit(decision_lock, Some(&before), outcome, dedupe, now)
            .await?;
        if decision.incident.fix_note != before.fix_note {
            self.index_fix_note(&decision.incident).await;
        }
        if decision.incident.state != before.state {
            info!(
                incident_id = %id,
                from = %before.state,
                to = %decision.incident.state,
                "incident state changed"
            );
        } else {
            debug!(incident_id = %id, entries = decision.timeline.len(), "incident updated");
        }
        Ok(decision)
    }

    /// Moves the incident gauges and times a first acknowledgement.
    fn record(&self, before: Option<&Incident>, after: &Incident) {
        self.metrics.record_incident(before, after);
        let acknowledged_before = before.and_then(|before| before.acknowledged_at);
        if let (None, Some(acknowledged_at)) = (acknowledged_before, after.acknowledged_at) {
            self.metrics
                .record_acknowledgement(until(acknowledged_at, after.opened_at));
        }
    }

    fn check_duplicate(&self, key: Option<&str>, now: Timestamp) -> Result<(), RuntimeError> {
        match key {
            Some(key) if self.store.is_duplicate(key, now)? => {
                self.metrics.record_dedupe_hit();
                debug!("inbound event seen before; ignored");
                Err(RuntimeError::Duplicate)
            }
            _ => Ok(()),
        }
    }

    /// Writes the decision under the decision lock, lets the next decision go, then
    /// waits until the decision is on disk (group commit: decisions made together share
    /// a flush). A later decision may build on this one before it is on disk; its own
    /// flush then covers both, and sled's log keeps writes in order, so a crash never
    /// keeps the later one without the earlier. The dispatcher reads only what is on
    /// disk, and the caller answers only once this returns.
    ///
    /// The incident gauges move (from `before`, if the incident existed) as the decision
    /// is written, under the lock, so they always add up to what the store holds.
    async fn commit(
        &self,
        decision_lock: MutexGuard<'_, ()>,
        before: Option<&Incident>,
        outcome: Outcome,
        dedupe: Option<String>,
        now: Timestamp,
    ) -> Result<Decision, RuntimeError> {
        let expires =
            now + chrono::TimeDelta::from_std(self.dedupe_ttl).unwrap_or(chrono::TimeDelta::MAX);
        let change = Change {
            incident: outcome.incident,
            timeline: outcome.timeline,
            effects: outcome.effects,
            dedupe: dedupe.map(|key| DedupeKey { key, expires }),
            at: now,
        };
        let decision = Decision {
            incident: change.incident.clone(),
            timeline: change.timeline.clone(),
            effects: change.effects.clone(),
        };
        let written = match self.store.write(&change) {
            Ok(WriteResult::Written(written)) => written,
            Ok(WriteResult::Duplicate) => {
                self.metrics.record_dedupe_hit();
                return Err(RuntimeError::Duplicate);
            }
            Err(error) => return Err(self.not_stored(error)),
        };
        self.record(before, &decision.incident);
        drop(decision_lock);
        if let Err(error) = self.store.flush_written(written).await {
            return Err(self.not_stored(error));
        }
        self.timers_changed.notify_one();
        if !decision.effects.is_empty() {
            self.outbox_changed.notify_one();
        }
        Ok(decision)
    }

    /// The error for a decision the store did not take.
    fn not_stored(&self, error: StoreError) -> RuntimeError {
        if self.store.is_writable() {
            return error.into();
        }
        // Whatever the first failure said, the outcome for the user is the same: nothing
        // was stored, and nothing more will be until writes work again.
        self.metrics.record_store_writable(false);
        self.metrics.record_not_stored();
        StoreError::Unwritable {
            dir: self.store.dir().to_owned(),
        }
        .into()
    }

    /// Runs the scheduler and the outbox dispatcher until `shutdown` completes. Overdue
    /// timers fire once each on start, and undelivered effects are sent; entries an
    /// earlier run left in flight are looked up on the platform before they are resent.
    /// On shutdown no new work starts; a delivery under way gets the shutdown grace to
    /// finish, or its entry stays in the outbox for the next start.
    pub async fn run(
        self: Arc<Self>,
        chats: Vec<Arc<dyn Chat>>,
        shutdown: impl Future + Send,
    ) -> Result<(), RuntimeError> {
        if let Err(error) = self.reconcile_outbox() {
            error!(error = %error, "could not read the outbox at start");
        }
        let (stop, stopped) = watch::channel(false);
        let mut scheduler = tokio::spawn(Arc::clone(&self).schedule(stopped.clone()));
        let mut dispatcher = tokio::spawn(Arc::clone(&self).dispatch(chats, stopped));
        let knowledge = Arc::clone(&self);
        tokio::spawn(async move { knowledge.prepare_knowledge().await });
        self.is_running.store(true, Ordering::Relaxed);
        info!("escalator running");

        let failed = tokio::select! {
            _ = shutdown => None,
            _ = &mut scheduler => Some("scheduler"),
            _ = &mut dispatcher => Some("dispatcher"),
        };
        self.is_running.store(false, Ordering::Relaxed);
        let _ = stop.send(true);
        let is_dispatcher_joined =
            failed.is_none() && self.let_deliveries_finish(&mut dispatcher).await;
        for (task, handle) in [("scheduler", scheduler), ("dispatcher", dispatcher)] {
            let is_joined = task == "dispatcher" && is_dispatcher_joined;
            if is_joined || (handle.is_finished() && failed == Some(task)) {
                continue;
            }
            match handle.await {
                Err(join) if !join.is_cancelled() => {
                    error!(task, error = %join, "runtime task failed")
                }
                _ => {}
            }
        }
        match failed {
            Some(task) => {
                error!(task, "runtime task stopped unexpectedly");
                Err(RuntimeError::TaskFailed { task })
            }
            None => {
                info!("escalator stopped");
                Ok(())
            }
        }
    }
}

impl Escalator {
    /// Waits up to the shutdown grace for the dispatcher to finish the delivery under
    /// way, then stops it. An entry stopped mid-delivery is marked in flight on disk, so
    /// the next start looks up what it posted before sending the rest. Says whether the
    /// dispatcher finished (and so must not be awaited again).
    async fn let_deliveries_finish(&self, dispatcher: &mut tokio::task::JoinHandle<()>) -> bool {
        let grace = self.shutdown_grace();
        match tokio::time::timeout(grace, &mut *dispatcher).await {
            Ok(Ok(())) => return true,
            Ok(Err(join)) => {
                error!(task = "dispatcher", error = %join, "runtime task failed");
                return true;
            }
            Err(_) => {}
        }
        dispatcher.abort();
        warn!(
            grace_ms = grace.as_millis() as u64,
            "a delivery was still under way when the shutdown grace ran out; it stays in the outbox"
        );
        false
    }
}

/// When a timer fires more than this late, the rest of the step's schedule moves later.
const MISSED_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// Moves the current step's schedule later by how late its timer fires, when the bot was
/// not running (or stalled) at the due time.
///
/// Re-pages are timed from the start of the step; after a long stop every missed re-page
/// would be due at once, and the scheduler would send them back to back. Shifting the
/// start makes the overdue page go out once, now, and keeps the usual spacing after it.
fn defer_missed_schedule(incident: &mut Incident, now: Timestamp) {
    let Some(timer) = incident.timer else {
        return;
    };
    let late = now - timer.due;
    if late <= MISSED_AFTER {
        return;
    }
    if let Phase::Holders { .. } = incident.cursor.phase {
        incident.cursor.since += late;
    }
    incident.timer = Some(engine::Timer {
        due: timer.due + late,
        kind: timer.kind,
    });
    info!(
        incident_id = %incident.id,
        late_seconds = late.num_seconds(),
        "timer fired late; the rest of the step moves later"
    );
}

/// Sleeps for `wait`, or forever when there is nothing to wait for.
async fn sleep_or_forever(wait: Option<Duration>) {
    match wait {
        Some(wait) => tokio::time::sleep(wait).await,
        None => std::future::pending().await,
    }
}

/// The time from `now` until `at`, zero if it has passed.
fn until(at: Timestamp, now: Timestamp) -> Duration {
    (at - now).to_std().unwrap_or(Duration::ZERO)
}
