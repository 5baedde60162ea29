//! What the adapters share to post each message of an outbox entry at most once: the
//! key of every message, counted per channel, and whether to look for it first.
//!
//! Each platform tags the message with its key in its own way (Slack message metadata,
//! a Discord nonce) and finds it again in its own way; this module only hands out the
//! keys in a stable order.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::engine::Timestamp;
use crate::ports::DeliveryKey;

/// Hands out the keys of the messages one delivery posts.
#[derive(Debug)]
pub struct MessageKeys<'a> {
    key: Option<&'a DeliveryKey>,
    posted_to: HashMap<String, usize>,
}

impl<'a> MessageKeys<'a> {
    /// Keys for a delivery; without a key, every message goes out untagged.
    pub fn new(key: Option<&'a DeliveryKey>) -> Self {
        Self {
            key,
            posted_to: HashMap::new(),
        }
    }

    /// The key of the next message to `channel`.
    pub fn next(&mut self, channel: &str) -> Option<String> {
        let key = self.key?;
        let ordinal = self.posted_to.entry(channel.to_owned()).or_default();
        let message_key = key.message_key(channel, *ordinal);
        *ordinal += 1;
        Some(message_key)
    }

    /// When an earlier attempt may have posted some of the messages, the time before
    /// which none of them can have been posted; `None` when nothing needs looking up.
    pub fn look_up_since(&self) -> Option<Timestamp> {
        self.key
            .filter(|key| key.maybe_delivered)
            .map(|key| key.queued_at)
    }
}

/// Discord's nonce for a message key: at most 25 characters, so a digest of the key.
pub fn discord_nonce(message_key: &str) -> String {
    let digest = Sha256::digest(message_key.as_bytes());
    hex::encode(digest)[..25].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(maybe_delivered: bool) -> DeliveryKey {
        DeliveryKey {
            entry: "4-1000".to_owned(),
            maybe_delivered,
            queued_at: chrono::DateTime::from_timestamp(1, 0).expect("valid time"),
        }
    }

    #[test]
    fn keys_count_each_channel_from_zero() {
        let key = key(false);
        let mut keys = MessageKeys::new(Some(&key));
        assert_eq!(keys.next("C1").as_deref(), Some("4-1000/C1/0"));
        assert_eq!(keys.next("D9").as_deref(), Some("4-1000/D9/0"));
        assert_eq!(keys.next("C1").as_deref(), Some("4-1000/C1/1"));
        assert_eq!(
            keys.look_up_since(),
            None,
            "a first attempt looks nothing up"
        );

        let again = self::key(true);
        assert!(MessageKeys::new(Some(&again)).look_up_since().is_some());
        assert_eq!(MessageKeys::new(None).next("C1"), None);
    }

    #[test]
    fn a_discord_nonce_fits_in_25_characters_and_follows_the_key() {
        let nonce = discord_nonce("4-1000/C1/0");
        assert_eq!(nonce.len(), 25);
        assert_eq!(nonce, discord_nonce("4-1000/C1/0"));
        assert_ne!(nonce, discord_nonce("4-1000/C1/1"));
    }
}
