//! The outbox dispatcher: delivers queued effects in order through the chat adapter of
//! each incident's platform.
//!
//! Entries go out one at a time in outbox order. An incident's entries keep their order:
//! when one waits (rate limit or back-off after a failure), the incident's later entries
//! wait behind it, while other incidents go on. A delivery sees the incident as it is
//! now, its root message, the live policy and how many attempts failed before.
//!
//! - Delivered: the root message and linked messages are stored and the entry deleted,
//!   in one transaction.
//! - Rate limited: the entry waits as long as the platform asked.
//! - Transient failure: exponential back-off with jitter, from 1 s doubling to 60 s.
//! - Permanent failure: logged, admins alerted, entry dropped.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;
use tracing::{debug, error, warn};

use super::{sleep_or_forever, until, Escalator, RuntimeError};
use crate::engine::{Effect, IncidentId, Timestamp};
use crate::metrics::ApiErrorKind;
use crate::ports::{Alert, Chat, ChatError, Delivery};
use crate::store::OutboxEntry;

/// The first back-off after a transient failure.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest back-off.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long to wait before trying again after the store failed.
const STORE_RETRY: Duration = Duration::from_secs(1);

/// What became of one outbox entry.
enum Handled {
    /// Delivered or dropped; the entry is gone.
    Done,
    /// The entry waits until then; the incident's later entries wait with it.
    Later(Timestamp),
}

impl Escalator {
    pub(super) async fn dispatch(
        self: Arc<Self>,
        chats: Vec<Arc<dyn Chat>>,
        mut stopped: watch::Receiver<bool>,
    ) {
        loop {
            if *stopped.borrow() {
                return;
            }
            let wait = match self.dispatch_pass(&chats, &stopped).await {
                Ok(Some(wait)) if wait.is_zero() => continue,
                Ok(wait) => wait,
                Err(error) => {
                    error!(error = %error, "could not work through the outbox");
                    Some(STORE_RETRY)
                }
            };
            tokio::select! {
                _ = sleep_or_forever(wait) => {}
                _ = self.outbox_changed.notified() => {}
                changed = stopped.changed() => if changed.is_err() { return },
            }
        }
    }

    /// Goes through the outbox once; says how long until an entry is ready again (zero
    /// when something was delivered, since new entries may have arrived meanwhile).
    async fn dispatch_pass(
        &self,
        chats: &[Arc<dyn Chat>],
        stopped: &watch::Receiver<bool>,
    ) -> Result<Option<Duration>, RuntimeError> {
        let mut waiting: HashSet<IncidentId> = HashSet::new();
        let mut next_ready: Option<Timestamp> = None;
        let mut has_progressed = false;

        for (seq, entry) in self.store.outbox()? {
            if *stopped.borrow() {
                return Ok(None);
            }
            if waiting.contains(&entry.incident) {
                continue;
            }
            let ready_at = match entry.not_before {
                Some(not_before) if not_before > self.clock.now() => Handled::Later(not_before),
                _ => self.deliver(chats, seq, &entry).await?,
            };
            match ready_at {
                Handled::Done => has_progressed = true,
                Handled::Later(at) => {
                    waiting.insert(entry.incident);
                    next_ready = Some(next_ready.map_or(at, |next| next.min(at)));
                }
            }
        }

        if has_progressed {
            return Ok(Some(Duration::ZERO));
        }
        Ok(next_ready.map(|at| until(at, self.clock.now())))
    }

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

        let delivery = Delivery {
            incident,
            effect: entry.effect.clone(),
            root: self.store.root(id)?,
            policy: self.policy(),
            attempt: entry.attempts,
        };
        match chat.deliver(&delivery).await {
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
                self.retry_later(seq, entry, retry_after).await
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
                self.report_if_lasting(chat.as_ref(), &delivery, &reason)
                    .await;
                self.retry_later(seq, entry, delay).await
            }
            Err(ChatError::Permanent { code }) => {
                self.metrics
                    .record_api_error(platform, ApiErrorKind::Permanent, Duration::ZERO);
                self.give_up(chat.as_ref(), &delivery, seq, &code).await?;
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

    async fn retry_later(
        &self,
        seq: u64,
        entry: &OutboxEntry,
        delay: Duration,
    ) -> Result<Handled, RuntimeError> {
        let not_before =
            self.clock.now() + chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::MAX);
        self.store
            .outbox_retry_later(seq, not_before, entry.attempts + 1)
            .await?;
        Ok(Handled::Later(not_before))
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
