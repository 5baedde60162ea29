//! The outbox dispatcher: delivers queued effects through the chat adapter of each
//! incident's platform, many destinations at once.
//!
//! Entries are sorted into lanes by destination (see [`super::lanes`]): each lane sends
//! one message at a time, pages first, and up to [`MAX_SENDING`] lanes send at once, so a
//! slow or rate-limited channel holds up only itself. The dispatcher reads the outbox once
//! on start and then only what was queued since; it alone changes or deletes entries. A
//! delivery sees the incident as it is now, its root message, the live policy and how many
//! attempts failed before.
//!
//! Before its platform call an entry is marked in flight on disk (see `in_flight`), so
//! that a later attempt knows the platform may already have it.
//!
//! - Delivered: the root message and linked messages are stored and the entry deleted,
//!   in one transaction.
//! - Rate limited: the entry's lane waits as long as the platform asked.
//! - Transient failure: exponential back-off with jitter, from 1 s doubling to 60 s; the
//!   incident's later entries in the lane wait with it.
//! - Permanent failure: logged, admins alerted, entry dropped.
//!
//! A digest (several pages to one person, see [`super::lanes`]) is one platform call; each
//! of its entries is marked in flight before it and recorded after it on its own, so
//! every entry ends up in one of the outcomes above.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use rand::Rng;
use tokio::sync::watch;
use tokio::task::{Id, JoinError, JoinSet};
use tracing::{debug, error, warn};

use super::lanes::{Lane, Lanes, Place, Send};
use super::{sleep_or_forever, until, Escalator, RuntimeError};
use crate::engine::{Effect, Incident, Timestamp};
use crate::metrics::ApiErrorKind;
use crate::ports::{Alert, Chat, ChatError, Delivered, Delivery, DeliveryKey};
use crate::store::OutboxEntry;

/// The first back-off after a transient failure.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest back-off.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long to wait before trying again after the store failed.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// How many lanes may send at once.
pub(super) const MAX_SENDING: usize = 16;

/// What became of one outbox entry.
enum Handled {
    /// Delivered or dropped; the entry is gone.
    Done,
    /// The entry waits until then; the incident's later entries in its lane wait with it.
    Later(Timestamp),
    /// The platform limited the rate: the entry's whole lane waits until then.
    RateLimited(Timestamp),
}

/// The chat adapters, shared by the sending tasks.
type Chats = Arc<[Arc<dyn Chat>]>;

/// One send under way: one entry, or a digest of several.
struct Sending {
    lane: Lane,
    entries: Vec<(Place, OutboxEntry)>,
}

/// The dispatcher's state between wake-ups.
#[derive(Default)]
struct Dispatch {
    lanes: Lanes,
    sending: HashMap<Id, Sending>,
    tasks: JoinSet<Result<Vec<Handled>, RuntimeError>>,
}

impl Escalator {
    pub(super) async fn dispatch(
        self: Arc<Self>,
        chats: Vec<Arc<dyn Chat>>,
        mut stopped: watch::Receiver<bool>,
    ) {
        let chats: Chats = chats.into();
        let mut state = Dispatch::default();
        loop {
            if *stopped.borrow() {
                break;
            }
            // A delivery that cannot be recorded would be sent again; entries wait in the
            // outbox until the store takes writes again.
            let wait = if !self.store.is_writable() {
                Some(STORE_RETRY)
            } else {
                match self.take_in(&mut state.lanes).await {
                    Ok(()) => self.start_sends(&chats, &mut state),
                    Err(error) => {
                        error!(error = %error, "could not read the outbox");
                        Some(STORE_RETRY)
                    }
                }
            };
            tokio::select! {
                Some(joined) = state.tasks.join_next_with_id() => self.finish(&mut state, joined),
                _ = sleep_or_forever(wait) => {}
                _ = self.outbox_changed.notified() => {}
                changed = stopped.changed() => if changed.is_err() { break },
            }
        }
        // Sends under way finish, and their outcome is recorded.
        while let Some(joined) = state.tasks.join_next_with_id().await {
            self.finish(&mut state, joined);
        }
    }

    /// Sorts the entries queued since the last look into lanes; deletes updates of a root
    /// message that already has one queued.
    async fn take_in(&self, lanes: &mut Lanes) -> Result<(), RuntimeError> {
        // Only entries on disk: nothing is sent for a decision that a crash could undo.
        let fresh = self.store.durable_outbox_after(lanes.last_seq())?;
        let mut merged = Vec::new();
        for (seq, entry) in fresh {
            let lane = match self.store.incident(entry.incident)? {
                Some(incident) => Lane::of(
                    &entry.effect,
                    incident.id,
                    incident.platform,
                    &incident.team,
                ),
                None => Lane::Orphan,
            };
            if !lanes.push(lane, seq, entry) {
                merged.push(seq);
            }
        }
        if !merged.is_empty() {
            self.store.outbox_done_all(&merged).await?;
            debug!(merged = merged.len(), "root message updates merged");
        }
        Ok(())
    }

    /// Starts a send in every lane that can send now; says how long until a waiting lane
    /// may send again.
    fn start_sends(self: &Arc<Self>, chats: &Chats, state: &mut Dispatch) -> Option<Duration> {
        let now = self.clock.now();
        let limit = MAX_SENDING.saturating_sub(state.sending.len());
        let ready = state.lanes.take_ready(now, limit);
        for Send { lane, entries } in ready.sends {
            let this = Arc::clone(self);
            let chats = Arc::clone(chats);
            let sent: Vec<(u64, OutboxEntry)> = entries
                .iter()
                .map(|(place, entry)| (place.1, entry.clone()))
                .collect();
            let task = state.tasks.spawn(async move {
                match sent.as_slice() {
                    [(seq, entry)] => Ok(vec![this.deliver(&chats, *seq, entry).await?]),
                    _ => this.deliver_digest(&chats, &sent).await,
                }
            });
            state.sending.insert(task.id(), Sending { lane, entries });
        }
        ready.next_at.map(|at| until(at, now))
    }

    /// Records the end of a send in its lane.
    fn finish(
        &self,
        state: &mut Dispatch,
        joined: Result<(Id, Result<Vec<Handled>, RuntimeError>), JoinError>,
    ) {
        let (id, handled) = match joined {
            Ok((id, handled)) => (id, handled),
            Err(join) => {
                error!(error = %join, "an outbox delivery task failed");
                (
                    join.id(),
                    Err(RuntimeError::TaskFailed { task: "delivery" }),
                )
            }
        };
        let Some(Sending { lane, entries }) = state.sending.remove(&id) else {
            return;
        };
        let digest = digest_of(entries.iter().map(|(place, _)| place.1));
        let outcomes = match handled {
            Ok(outcomes) => outcomes,
            Err(error) => {
                let incidents: Vec<String> = entries
                    .iter()
                    .map(|(_, e)| e.incident.to_string())
                    .collect();
                error!(error = %error, incidents = ?incidents, "could not deliver an outbox entry");
                let at = self.clock.now() + retry_delta(STORE_RETRY);
                for (place, entry) in entries {
                    state
                        .lanes
                        .wait(lane.clone(), place, tried(entry, digest), at, false);
                }
                state.lanes.sent(&lane);
                return;
            }
        };
        let mut outcomes = outcomes.into_iter();
        for (place, entry) in entries {
            // Every entry has an outcome; one without would stay out of its lane until
            // the next start, so it is tried again instead.
            let handled = outcomes
                .next()
                .unwrap_or_else(|| Handled::Later(self.clock.now() + retry_delta(STORE_RETRY)));
            let (at, is_lane_wide) = match handled {
                Handled::Done => continue,
                Handled::Later(at) => (at, false),
                Handled::RateLimited(at) => (at, true),
            };
            let entry = OutboxEntry {
                attempts: entry.attempts + 1,
                ..tried(entry, digest)
            };
            state
                .lanes
                .wait(lane.clone(), place, entry, at, is_lane_wide);
        }
        state.lanes.sent(&lane);
    }

    /// Delivers one outbox entry and records the outcome in the store.
    async fn deliver(
        &self,
        chats: &[Arc<dyn Chat>],
        seq: u64,
        entry: &OutboxEntry,
    ) -> Result<Handled, RuntimeError> {
        let id = entry.incident;
        let kind = effect_kind(&entry.effect);
        let Some(incident) = self.store.incident(id)? else {
            error!(incident_id = %id, effect = kind, "outbox entry for a missing incident dropped");
            self.store.outbox_done(seq).await?;
            return Ok(Handled::Done);
        };
        let platform = incident.platform;
        let Some(chat) = chats.iter().find(|chat| chat.platform() == platform) else {
            error!(
                incident_id = %id,
                platform = %platform,
                effect = kind,
                "no chat adapter for the incident's platform; effect dropped"
            );
            self.store.outbox_done(seq).await?;
            return Ok(Handled::Done);
        };

        let key = self.begin_delivery(seq, entry, None).await?;
        let delivery = self.delivery(incident, entry, key)?;
        let outcome = chat.deliver(&delivery).await;
        self.settle(chat.as_ref(), &delivery, seq, entry, outcome)
            .await
    }

    /// What an adapter needs to deliver `entry` of `incident`: the incident as it is now,
    /// its root message and knowledge post, the live policy and the attempts so far.
    fn delivery(
        &self,
        incident: Incident,
        entry: &OutboxEntry,
        key: DeliveryKey,
    ) -> Result<Delivery, RuntimeError> {
        let id = incident.id;
        Ok(Delivery {
            incident,
            effect: entry.effect.clone(),
            root: self.store.root(id)?,
            knowledge: self.store.knowledge_post(id)?,
            policy: self.policy(),
            attempt: entry.attempts,
            key: Some(key),
        })
    }

    /// Delivers several direct pages to one person as one digest, and records each
    /// entry's outcome in the store. Entries whose incident or adapter is gone are
    /// dropped as in [`Self::deliver`].
    async fn deliver_digest(
        &self,
        chats: &[Arc<dyn Chat>],
        entries: &[(u64, OutboxEntry)],
    ) -> Result<Vec<Handled>, RuntimeError> {
        let mut handled: Vec<Option<Handled>> = Vec::with_capacity(entries.len());
        let mut found = Vec::new();
        let mut chat: Option<&Arc<dyn Chat>> = None;
        for (index, (seq, entry)) in entries.iter().enumerate() {
            let id = entry.incident;
            let incident = self.store.incident(id)?.and_then(|incident| {
                let chat = chats.iter().find(|c| c.platform() == incident.platform)?;
                Some((incident, chat))
            });
            let Some((incident, found_chat)) = incident else {
                error!(incident_id = %id, "digest page without its incident or chat adapter dropped");
                self.store.outbox_done(*seq).await?;
                handled.push(Some(Handled::Done));
                continue;
            };
            chat = Some(found_chat);
            found.push((index, incident));
            handled.push(None);
        }
        let Some(chat) = chat else {
            return Ok(handled.into_iter().flatten().collect());
        };

        // Every page is marked in flight, and later recorded, with its own write; the
        // writes are made together so that they share flushes (see `Store::flush_written`).
        let digest = digest_of(entries.iter().map(|(seq, _)| *seq));
        let marking = found.iter().map(|(index, _)| {
            let (seq, entry) = &entries[*index];
            self.begin_delivery(*seq, entry, digest)
        });
        let keys = join_all(marking)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let mut deliveries = Vec::with_capacity(found.len());
        for ((index, incident), key) in found.into_iter().zip(keys) {
            let (_, entry) = &entries[index];
            deliveries.push((index, self.delivery(incident, entry, key)?));
        }

        let batch: Vec<Delivery> = deliveries.iter().map(|(_, d)| d.clone()).collect();
        debug!(pages = batch.len(), platform = %chat.platform(), "page digest sending");
        let outcomes = chat.deliver_digest(&batch).await;
        if let Some(digest) = outcomes
            .iter()
            .find_map(|o| o.as_ref().ok()?.digest.clone())
        {
            // Linked before the pages are recorded: a reaction on it then never finds
            // one of its incidents, whatever a crash in between leaves behind.
            self.store.link_digest(&digest).await?;
        }
        let mut outcomes = outcomes.into_iter();
        let settling = deliveries.iter().map(|(index, delivery)| {
            let (seq, entry) = &entries[*index];
            let outcome = outcomes
                .next()
                .unwrap_or_else(|| Err(ChatError::Transient("no outcome".to_owned())));
            async move {
                let settled = self
                    .settle(chat.as_ref(), delivery, *seq, entry, outcome)
                    .await?;
                Ok::<_, RuntimeError>((*index, settled))
            }
        });
        for settled in join_all(settling).await {
            let (index, settled) = settled?;
            handled[index] = Some(settled);
        }
        Ok(handled.into_iter().flatten().collect())
    }

    /// Records the outcome of one entry's delivery in the store and says what the lane
    /// does with the entry.
    async fn settle(
        &self,
        chat: &dyn Chat,
        delivery: &Delivery,
        seq: u64,
        entry: &OutboxEntry,
        outcome: Result<Delivered, ChatError>,
    ) -> Result<Handled, RuntimeError> {
        let id = entry.incident;
        let platform = delivery.incident.platform;
        let kind = effect_kind(&entry.effect);
        match outcome {
            Ok(delivered) => {
                self.store.record_delivery(seq, id, &delivered).await?;
                self.record_delivered(platform, &entry.effect);
                debug!(incident_id = %id, platform = %platform, effect = kind, "effect delivered");
                Ok(Handled::Done)
            }
            Err(ChatError::RateLimited { retry_after }) => {
                self.metrics
                    .record_api_error(platform, ApiErrorKind::RateLimited, retry_after);
                warn!(
                    incident_id = %id,
                    platform = %platform,
                    effect = kind,
                    retry_after_ms = retry_after.as_millis() as u64,
                    "rate limited; delivery waits"
                );
                let at = self.retry_later(seq, entry, retry_after).await?;
                Ok(Handled::RateLimited(at))
            }
            Err(ChatError::Transient(reason)) => {
                let delay = backoff(entry.attempts + 1);
                self.metrics
                    .record_api_error(platform, ApiErrorKind::Transient, Duration::ZERO);
                warn!(
                    incident_id = %id,
                    platform = %platform,
                    effect = kind,
                    attempts = entry.attempts + 1,
                    delay_ms = delay.as_millis() as u64,
                    error = %reason,
                    "delivery failed; will retry"
                );
                self.report_if_lasting(chat, delivery, &reason).await;
                Ok(Handled::Later(self.retry_later(seq, entry, delay).await?))
            }
            Err(ChatError::Permanent { code }) => {
                self.metrics
                    .record_api_error(platform, ApiErrorKind::Permanent, Duration::ZERO);
                self.give_up(chat, delivery, seq, &code).await?;
                Ok(Handled::Done)
            }
        }
    }

    fn record_delivered(&self, platform: crate::engine::Platform, effect: &Effect) {
        self.metrics.record_connected(platform);
        match effect {
            Effect::Page { means, .. } => self.metrics.record_page(platform, &means.to_string()),
            Effect::PageChannel { .. } => self.metrics.record_page(platform, "channel"),
            _ => {}
        }
    }

    /// Records a failed attempt; returns when the entry may be tried again.
    async fn retry_later(
        &self,
        seq: u64,
        entry: &OutboxEntry,
        delay: Duration,
    ) -> Result<Timestamp, RuntimeError> {
        let not_before = self.clock.now() + retry_delta(delay);
        self.store
            .outbox_retry_later(seq, not_before, entry.attempts + 1)
            .await?;
        Ok(not_before)
    }

    async fn give_up(
        &self,
        chat: &dyn Chat,
        delivery: &Delivery,
        seq: u64,
        code: &str,
    ) -> Result<(), RuntimeError> {
        let id = delivery.incident.id;
        let kind = effect_kind(&delivery.effect);
        error!(
            incident_id = %id,
            platform = %delivery.incident.platform,
            effect = kind,
            code,
            attempts = delivery.attempt + 1,
            "delivery failed for good; effect dropped"
        );
        let alert = Alert::DeliveryFailed {
            incident: id,
            what: describe(&delivery.effect),
            code: code.to_owned(),
        };
        if let Err(error) = chat.alert_admins(&delivery.policy, &alert).await {
            error!(incident_id = %id, error = %error, "could not alert the admins");
        }
        self.store.outbox_done(seq).await?;
        Ok(())
    }
}

/// `delay` as a time span, saturating.
fn retry_delta(delay: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::MAX)
}

/// The wait after the `attempts`th failure in a row: 1 s doubling up to 60 s, then a
/// random part of it taken off so that many retries do not line up.
fn backoff(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(16);
    let full = FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF);
    full.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

/// The effect's name, for logs.
fn effect_kind(effect: &Effect) -> &'static str {
    match effect {
        Effect::PostRoot => "post_root",
        Effect::RefreshRoot => "refresh_root",
        Effect::Page { .. } => "page",
        Effect::PageChannel { .. } => "page_channel",
        Effect::Announce { .. } => "announce",
        Effect::NotifyFollowers { .. } => "notify_followers",
        Effect::AskForFixNote { .. } => "ask_for_fix_note",
        Effect::PublishFixNote => "publish_fix_note",
        Effect::ShowRelatedFixes { .. } => "show_related_fixes",
    }
}

/// The effect in plain words, for admins.
pub(super) fn describe(effect: &Effect) -> String {
    match effect {
        Effect::PostRoot => "the incident's first message in the incident channel".to_owned(),
        Effect::RefreshRoot => "an update of the incident's first message".to_owned(),
        Effect::Page { person, means, .. } => format!("a page to {person} by {means}"),
        Effect::PageChannel { round } => format!("page {round} of the whole incident channel"),
        Effect::Announce { .. } => "a message in the incident thread".to_owned(),
        Effect::NotifyFollowers { .. } => "a direct message to the incident's followers".to_owned(),
        Effect::AskForFixNote { .. } => "a request for the fix note".to_owned(),
        Effect::PublishFixNote => "the fix note in the knowledge channel".to_owned(),
        Effect::ShowRelatedFixes { .. } => "related past fixes in the incident thread".to_owned(),
    }
}

/// The name a digest of the entries `seqs` is marked in flight with: the sequence of its
/// first entry. A single entry is no digest.
fn digest_of(seqs: impl IntoIterator<Item = u64>) -> Option<u64> {
    let mut seqs = seqs.into_iter();
    let first = seqs.next()?;
    seqs.next().map(|_| first)
}

/// `entry` after an attempt, as its in-flight mark on disk has it: an entry marked
/// before keeps its mark.
fn tried(entry: OutboxEntry, digest: Option<u64>) -> OutboxEntry {
    OutboxEntry {
        in_flight: true,
        digest: if entry.in_flight {
            entry.digest
        } else {
            digest
        },
        ..entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_to_a_minute_with_jitter() {
        for (attempts, full_secs) in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (40, 60)] {
            let full = Duration::from_secs(full_secs);
            for _ in 0..20 {
                let delay = backoff(attempts);
                assert!(delay >= full / 2 && delay <= full, "{attempts}: {delay:?}");
            }
        }
    }
}
