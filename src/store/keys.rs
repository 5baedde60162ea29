//! Key layout of the sled trees.
//!
//! Keys are big-endian so that sled's byte order is the order we iterate in: incidents by
//! id, timeline entries by incident then sequence, timers by due time then incident.
//! Timestamps are whole milliseconds with the sign bit flipped, so that times before 1970
//! still sort before later ones.

use chrono::TimeZone;

use crate::engine::{IncidentId, Timestamp};

/// Key of the schema version in the meta tree.
pub const SCHEMA_VERSION: &[u8] = b"schema_version";
/// Key of the next incident id in the meta tree.
pub const NEXT_INCIDENT_ID: &[u8] = b"next_incident_id";
/// Key of the next outbox sequence in the meta tree.
pub const NEXT_OUTBOX_SEQ: &[u8] = b"next_outbox_seq";
/// Key of the next audit sequence in the meta tree.
pub const NEXT_AUDIT_SEQ: &[u8] = b"next_audit_seq";
/// Key in the meta tree written to prove that writes reach the disk again.
pub const WRITE_PROBE: &[u8] = b"write_probe";
/// Prefix of the per-incident next timeline sequence in the meta tree.
const NEXT_TIMELINE_SEQ: &[u8] = b"next_timeline_seq/";

const SIGN: u64 = 1 << 63;

/// An incident's key in the incidents and roots trees.
pub fn incident(id: IncidentId) -> [u8; 8] {
    id.0.to_be_bytes()
}

/// A sequence number as a key or counter value.
pub fn seq(value: u64) -> [u8; 8] {
    value.to_be_bytes()
}

/// Reads a big-endian `u64`, as written by [`seq`] and [`incident`].
pub fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?))
}

/// A timeline entry's key: the incident, then its sequence within the incident.
pub fn timeline(id: IncidentId, seq: u64) -> [u8; 16] {
    pair(id.0, seq)
}

/// The meta key holding the next timeline sequence of one incident.
pub fn next_timeline_seq(id: IncidentId) -> Vec<u8> {
    let mut key = NEXT_TIMELINE_SEQ.to_vec();
    key.extend_from_slice(&id.0.to_be_bytes());
    key
}

/// A timer index key: when it is due, then the incident.
///
/// The time is rounded up to the millisecond, so a timer is never reported due before
/// the incident's own timer is.
pub fn timer(due: Timestamp, id: IncidentId) -> [u8; 16] {
    pair(millis_up(due), id.0)
}

/// Splits a timer index key into its due time and incident.
pub fn split_timer(key: &[u8]) -> Option<(Timestamp, IncidentId)> {
    let due = from_millis(read_u64(key)?)?;
    let id = read_u64(key.get(8..)?)?;
    Some((due, IncidentId(id)))
}

/// A point in time as an order-preserving value, rounded up to the millisecond.
pub fn millis_up(at: Timestamp) -> u64 {
    let rounding = i64::from(at.timestamp_subsec_nanos() % 1_000_000 != 0);
    let millis = at.timestamp_millis().saturating_add(rounding);
    (millis as u64) ^ SIGN
}

/// The inverse of [`millis_up`].
pub fn from_millis(value: u64) -> Option<Timestamp> {
    let millis = (value ^ SIGN) as i64;
    chrono::Utc.timestamp_millis_opt(millis).single()
}

fn pair(first: u64, second: u64) -> [u8; 16] {
    let mut key = [0; 16];
    key[..8].copy_from_slice(&first.to_be_bytes());
    key[8..].copy_from_slice(&second.to_be_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("test timestamps are valid")
    }

    #[test]
    fn timer_keys_sort_by_time_then_incident() {
        let keys = [
            timer(at("1969-12-31T23:59:59Z"), IncidentId(9)),
            timer(at("2024-05-01T10:00:00Z"), IncidentId(2)),
            timer(at("2024-05-01T10:00:00Z"), IncidentId(10)),
            timer(at("2024-05-01T10:00:00.001Z"), IncidentId(1)),
        ];
        let mut sorted = keys;
        sorted.sort();
        assert_eq!(sorted, keys);
    }

    #[test]
    fn timer_keys_round_up_to_the_millisecond() {
        for (due, expected) in [
            ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"),
            ("2024-05-01T10:00:00.000001Z", "2024-05-01T10:00:00.001Z"),
            ("2024-05-01T10:00:00.999Z", "2024-05-01T10:00:00.999Z"),
            ("1969-12-31T23:59:59.9995Z", "1970-01-01T00:00:00Z"),
        ] {
            let key = timer(at(due), IncidentId(3));
            assert_eq!(
                split_timer(&key),
                Some((at(expected), IncidentId(3))),
                "{due}"
            );
        }
    }
}
