//! The traits the runtime around the engine uses to reach the outside world.
//!
//! `Chat` is implemented by each platform adapter (and by fakes in tests); `Clock` by the
//! wall clock and by tokio's clock, which tests pause and advance.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::engine::policy::Policy;
use crate::engine::{Effect, Incident, Platform, Timestamp};

/// A message the bot posted, as the platform addresses it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MessageRef {
    /// The platform.
    pub platform: Platform,
    /// The channel (or direct-message channel) id.
    pub channel: String,
    /// The message id: Slack's `ts`, Discord's snowflake.
    pub id: String,
}

/// One effect to deliver, with what the adapter needs to render it.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The incident as it is now (not as it was when the effect was decided).
    pub incident: Incident,
    /// What to do.
    pub effect: Effect,
    /// The incident's root message, once posted; its thread is the timeline.
    pub root: Option<MessageRef>,
    /// The incident's fix note in the knowledge channel, once posted; a later
    /// `PublishFixNote` (after an edit) updates it in place.
    pub knowledge: Option<MessageRef>,
    /// The live policy, for names, channels and locales.
    pub policy: Arc<Policy>,
    /// How many earlier attempts failed.
    pub attempt: u32,
    /// Names the messages this delivery posts, so that a resend finds them; `None` when
    /// the delivery does not come from the outbox.
    pub key: Option<DeliveryKey>,
}

/// The identity of one outbox entry on the platform.
///
/// Adapters tag every message they post for the entry with [`DeliveryKey::message_key`]
/// (Slack message metadata, a Discord nonce). When the entry may already have been
/// delivered (a previous attempt was cut short by a crash, a shutdown or a failure after
/// the platform got the call), they look for a message carrying the key before posting
/// it again, and reuse it when found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryKey {
    /// Unique per outbox entry in one data folder, and stable across attempts.
    pub entry: String,
    /// Whether an earlier attempt may have reached the platform.
    pub maybe_delivered: bool,
    /// When the entry was queued; nothing carrying the key was posted before it.
    pub queued_at: Timestamp,
}

impl DeliveryKey {
    /// The key of the `ordinal`th message (from 0) the entry posts to `channel`. Keys are
    /// counted per channel so that a resend which renders the same messages finds each
    /// one where it was posted, even when the list of recipients changed in between.
    pub fn message_key(&self, channel: &str, ordinal: usize) -> String {
        format!("{}/{channel}/{ordinal}", self.entry)
    }
}

/// What a delivery posted that the store must remember.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The root message, when the effect posted it.
    pub root: Option<MessageRef>,
    /// Messages whose reactions act on the incident (the root, pages by direct message).
    pub linked: Vec<MessageRef>,
    /// The fix note's post in the knowledge channel, when the effect posted it.
    pub knowledge: Option<MessageRef>,
    /// A digest that carried this page among others. It is not linked to the incident:
    /// its buttons act on one incident each, and a reaction on it on none.
    pub digest: Option<MessageRef>,
}

/// Why a delivery failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The platform asked us to wait.
    #[error("rate limited; retry after {retry_after:?}")]
    RateLimited {
        /// How long to wait.
        retry_after: Duration,
    },
    /// A failure that may pass: a timeout, a 5xx, a dropped connection.
    #[error("transient platform failure: {0}")]
    Transient(String),
    /// A failure that retrying will not fix, e.g. `channel_not_found`.
    #[error("platform refused: {code}")]
    Permanent {
        /// The platform's error code.
        code: String,
    },
}

/// The most pages one digest carries on `platform`. Slack allows 50 blocks in a message:
/// a digest takes one for its opening line and one per page (a section with its
/// Acknowledge button beside it), which leaves room for 40 with some to spare. Discord
/// allows 25 buttons (5 rows of 5) and 2,000 characters of text; 10 pages keep every
/// line whole.
pub fn digest_limit(platform: Platform) -> usize {
    match platform {
        Platform::Slack => 40,
        Platform::Discord => 10,
    }
}

/// Whether `deliveries` can go as one digest: two or more, all direct-message pages.
pub fn is_digest(deliveries: &[Delivery]) -> bool {
    deliveries.len() >= 2
        && deliveries.iter().all(|delivery| {
            matches!(
                delivery.effect,
                crate::engine::Effect::Page {
                    means: crate::engine::policy::Means::Direct,
                    ..
                }
            )
        })
}

/// Delivers `deliveries` one by one through `chat`, one outcome each, in order.
pub async fn deliver_each<C: Chat + ?Sized>(
    chat: &C,
    deliveries: &[Delivery],
) -> Vec<Result<Delivered, ChatError>> {
    let mut outcomes = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        outcomes.push(chat.deliver(delivery).await);
    }
    outcomes
}

/// A chat platform the dispatcher delivers effects to.
#[async_trait]
pub trait Chat: Send + Sync {
    /// The platform this adapter serves.
    fn platform(&self) -> Platform;

    /// Performs one effect. Must be safe to call again after a failure.
    async fn deliver(&self, delivery: &Delivery) -> Result<Delivered, ChatError>;

    /// Delivers several pages by direct message to one person (`Effect::Page` with
    /// `Means::Direct`, at most [`digest_limit`] of them) as one message, a digest with a
    /// button per incident. Returns one outcome per delivery, in order. Each delivery's
    /// key names the digest too, so that a resend finds a page delivered in a digest.
    ///
    /// The default delivers them one by one, for adapters without digests.
    async fn deliver_digest(&self, deliveries: &[Delivery]) -> Vec<Result<Delivered, ChatError>> {
        deliver_each(self, deliveries).await
    }

    /// Tells the admins, in plain words, that something needs their attention.
    async fn alert_admins(&self, policy: &Policy, alert: &Alert) -> Result<(), ChatError>;
}

/// Something admins must act on.
#[derive(Clone, Debug, PartialEq)]
pub enum Alert {
    /// A delivery failed for good.
    DeliveryFailed {
        /// The incident concerned.
        incident: crate::engine::IncidentId,
        /// What was being delivered, in plain words.
        what: String,
        /// The platform's error code.
        code: String,
    },
    /// A delivery keeps failing for a reason that may pass (a 5xx, a timeout, a dropped
    /// connection); it is still being retried.
    DeliveryDelayed {
        /// The incident concerned.
        incident: crate::engine::IncidentId,
        /// What is being delivered, in plain words.
        what: String,
        /// The last failure, as the adapter names it.
        reason: String,
        /// Failed attempts so far.
        attempts: u32,
    },
    /// Time to review the criteria.
    CriteriaReview(Box<crate::review::Review>),
    /// The stored data was damaged at start and the newest snapshot was restored.
    StoreRestored {
        /// What was wrong, in plain words.
        damage: String,
        /// When the restored snapshot was taken.
        snapshot_at: Timestamp,
        /// The last moment the damaged store is known to have written, when known.
        last_written: Option<Timestamp>,
        /// Where the damaged files were kept.
        moved_to: String,
    },
    /// A write to the store failed: new incidents are refused and paging is paused.
    StoreUnwritable,
    /// Writes work again after [`Alert::StoreUnwritable`].
    StoreWritable,
}

/// The source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}

/// A clock that follows tokio's, so that tests which pause and advance tokio time move it
/// too. It starts at the wall-clock time (or a given one) when created.
#[derive(Clone, Copy, Debug)]
pub struct TokioClock {
    start: Timestamp,
    origin: tokio::time::Instant,
}

impl TokioClock {
    /// A clock reading `start` now.
    pub fn starting_at(start: Timestamp) -> Self {
        Self {
            start,
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        let elapsed = tokio::time::Instant::now().duration_since(self.origin);
        self.start + chrono::TimeDelta::from_std(elapsed).unwrap_or(chrono::TimeDelta::MAX)
    }
}
