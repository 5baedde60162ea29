//! Fix notes written straight into a store, for the knowledge-base tests.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{TimeZone, Utc};
use escalator::engine::{
    Cursor, FixNote, Incident, IncidentId, Phase, Platform, State, Timestamp, UserRef,
};
use escalator::store::{Change, Store, StoreOptions};

/// One past incident and its note: id, team, summary, and the note's four parts.
pub struct Note {
    pub id: u64,
    pub team: &'static str,
    pub summary: &'static str,
    pub title: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub prevention: &'static str,
}

fn at(day: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 5, day, 10, 0, 0).unwrap()
}

/// A closed incident carrying `note`.
pub fn closed_incident(note: &Note) -> Incident {
    let day = 1 + (note.id % 28) as u32;
    Incident {
        id: IncidentId(note.id),
        platform: Platform::Slack,
        team: note.team.into(),
        severity: "sev2".into(),
        summary: note.summary.to_owned(),
        reporter: UserRef::slack("UREPORTER"),
        origin_channel: "CESCALATE".to_owned(),
        state: State::Closed,
        opened_at: at(day),
        acknowledged_at: Some(at(day)),
        resolved_at: Some(at(day)),
        closed_at: Some(at(day)),
        assignee: Some("alice".into()),
        followers: BTreeSet::new(),
        cursor: Cursor {
            step: 0,
            phase: Phase::Holders { repages_sent: 0 },
            since: at(day),
            step_paged: Vec::new(),
        },
        paged: BTreeSet::new(),
        timer: None,
        fix_note_reminders: 0,
        fix_note_skip: None,
        fix_note_history: Vec::new(),
        fix_note: Some(FixNote {
            summary: note.title.to_owned(),
            cause: note.cause.to_owned(),
            fix: note.fix.to_owned(),
            prevention: note.prevention.to_owned(),
            links: Vec::new(),
            author: UserRef::slack("UALICE"),
            written_at: at(day),
        }),
    }
}

/// Opens (or creates) the store in `dir`.
pub fn open_store(dir: &Path) -> Store {
    Store::open(dir, StoreOptions::default()).expect("the store opens")
}

/// Writes `incident` to the store as a decision would.
pub async fn commit(store: &Store, incident: Incident) {
    let change = Change {
        at: incident.closed_at.unwrap_or(incident.opened_at),
        incident,
        timeline: Vec::new(),
        effects: Vec::new(),
        dedupe: None,
    };
    store.commit(change).await.expect("the store commits");
}

/// Writes every note of `notes` to the store.
pub async fn commit_all(store: &Store, notes: &[Note]) {
    for note in notes {
        commit(store, closed_incident(note)).await;
    }
}
