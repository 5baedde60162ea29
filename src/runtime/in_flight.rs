//! Duplicate suppression around the outbox: an entry is marked in flight on disk before
//! the platform is called for it, and an entry found marked is "maybe delivered".
//!
//! The mark turns the gap between a platform call and the record of its result (a crash,
//! a kill, a shutdown that ran out of time, a timeout after the platform accepted the
//! call) into something the next attempt knows about. The next attempt hands the adapter
//! a [`DeliveryKey`] saying so, and the adapter looks for the messages the key names
//! before posting them again. Without the mark, the dispatcher would be at-least-once
//! with nothing to tell a resend from a first send.

use tracing::{info, warn};

use super::{Escalator, RuntimeError};
use crate::ports::DeliveryKey;
use crate::store::OutboxEntry;

impl Escalator {
    /// Marks the entry as in flight before its platform call, in `digest` if it goes in
    /// one, and says how its messages are named and whether an earlier attempt may have
    /// posted some of them.
    pub(super) async fn begin_delivery(
        &self,
        seq: u64,
        entry: &OutboxEntry,
        digest: Option<u64>,
    ) -> Result<DeliveryKey, RuntimeError> {
        self.store.outbox_mark_in_flight(seq, digest).await?;
        Ok(delivery_key(seq, entry))
    }

    /// Reports, at start, the entries an earlier run left in flight. They are delivered
    /// first, in outbox order, and each message they post is looked up on the platform
    /// before it is sent again.
    pub(super) fn reconcile_outbox(&self) -> Result<usize, RuntimeError> {
        let in_flight: Vec<u64> = self
            .store
            .outbox()?
            .into_iter()
            .filter(|(_, entry)| entry.in_flight)
            .map(|(seq, _)| seq)
            .collect();
        if !in_flight.is_empty() {
            warn!(
                entries = in_flight.len(),
                first = in_flight[0],
                "outbox entries may have been delivered before the last stop; looking them up before resending"
            );
        } else {
            info!("no outbox entry was left in flight");
        }
        Ok(in_flight.len())
    }
}

/// The entry's key: its outbox sequence and the millisecond it was queued. The sequence
/// alone is unique in one data folder; the time keeps keys apart should a folder ever be
/// rolled back to a copy whose sequence numbers were reused since.
pub(crate) fn delivery_key(seq: u64, entry: &OutboxEntry) -> DeliveryKey {
    // Entries written before `enqueued_at` existed have no time: the lookup then reads
    // as far back as it reads at all, which finds at least as much.
    let queued_at = entry.enqueued_at.unwrap_or_default();
    DeliveryKey {
        entry: format!("{seq}-{}", queued_at.timestamp_millis()),
        maybe_delivered: entry.in_flight,
        queued_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Effect, IncidentId};

    fn entry(in_flight: bool, queued: &str) -> OutboxEntry {
        OutboxEntry {
            incident: IncidentId(3),
            effect: Effect::PostRoot,
            attempts: 0,
            not_before: None,
            enqueued_at: Some(queued.parse().expect("valid time")),
            in_flight,
            digest: None,
        }
    }

    #[test]
    fn a_key_names_the_entry_and_says_whether_it_may_be_delivered() {
        let fresh = delivery_key(7, &entry(false, "2024-05-01T10:00:00.250Z"));
        assert_eq!(fresh.entry, "7-1714557600250");
        assert!(!fresh.maybe_delivered);

        let again = delivery_key(7, &entry(true, "2024-05-01T10:00:00.250Z"));
        assert_eq!(again.entry, fresh.entry, "stable across attempts");
        assert!(again.maybe_delivered);

        let other = delivery_key(8, &entry(false, "2024-05-01T10:00:00.250Z"));
        assert_ne!(other.entry, fresh.entry);
    }

    #[test]
    fn message_keys_count_per_channel() {
        let key = delivery_key(7, &entry(false, "2024-05-01T10:00:00Z"));
        assert_eq!(key.message_key("C1", 0), "7-1714557600000/C1/0");
        assert_ne!(key.message_key("C1", 1), key.message_key("C1", 0));
        assert_ne!(key.message_key("D2", 0), key.message_key("C1", 0));
    }
}
