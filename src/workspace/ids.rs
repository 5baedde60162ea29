//! Identifiers in the shapes Slack uses: message timestamps, envelope and event ids,
//! trigger ids, view ids and DM channel ids.

use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;

/// Hands out message timestamps (`"1733321234.000100"`): wall-clock microseconds, bumped
/// so that every timestamp is unique and greater than the one before.
#[derive(Debug, Default)]
pub(crate) struct TsClock {
    last_micros: u64,
}

impl TsClock {
    /// The next timestamp.
    pub(crate) fn next(&mut self) -> String {
        let now = chrono::Utc::now().timestamp_micros().max(0) as u64;
        let micros = now.max(self.last_micros + 1);
        self.last_micros = micros;
        format_ts(micros)
    }
}

/// Formats microseconds since the epoch as a Slack `ts`.
pub(crate) fn format_ts(micros: u64) -> String {
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// Upper-case letters and digits, as in Slack object ids.
fn upper_alnum(len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// An object id with the given one-letter prefix: `D…`, `V…`, `Ev…`.
pub(crate) fn object_id(prefix: &str) -> String {
    format!("{prefix}{}", upper_alnum(10))
}

/// A Socket Mode envelope id, shaped like a UUID v4 as Slack sends it.
pub(crate) fn envelope_id() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// A trigger id: `<digits>.<digits>.<hex>`.
pub(crate) fn trigger_id() -> String {
    let mut rng = rand::thread_rng();
    let hex: [u8; 16] = rng.gen();
    format!(
        "{}.{}.{}",
        rng.gen_range(100_000_000_000u64..999_999_999_999),
        rng.gen_range(10_000_000_000u64..99_999_999_999),
        hex::encode(hex)
    )
}

/// An opaque token for tickets and response URLs.
pub(crate) fn opaque(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_increase_and_are_unique() {
        let mut clock = TsClock::default();
        let stamps: Vec<String> = (0..1000).map(|_| clock.next()).collect();
        for pair in stamps.windows(2) {
            let a: f64 = pair[0].parse().unwrap();
            let b: f64 = pair[1].parse().unwrap();
            assert!(pair[0] < pair[1], "{} !< {}", pair[0], pair[1]);
            assert!(a <= b);
        }
        assert_eq!(stamps[0].split('.').nth(1).unwrap().len(), 6);
    }

    #[test]
    fn envelope_ids_look_like_uuids() {
        let id = envelope_id();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
    }

    #[test]
    fn object_ids_have_prefix() {
        assert!(object_id("Ev").starts_with("Ev"));
        assert_eq!(object_id("D").len(), 11);
        assert_eq!(trigger_id().split('.').count(), 3);
    }
}
