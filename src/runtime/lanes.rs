//! The dispatcher's view of the outbox: queued entries sorted into lanes, one lane per
//! destination, with what each lane is sending and when it may send again.
//!
//! A lane sends one message at a time. Within a lane, pages (and root messages, which
//! thread pages hang on) go before status posts and root-message updates; otherwise
//! entries go in the order they were queued. An incident's entries keep their order
//! within a lane: one waiting for its back-off holds its incident's later entries, not
//! other incidents'. A rate limit holds the whole lane, since platforms limit per
//! channel. Only one update of an incident's root message is queued at a time; it renders
//! the incident as it is when sent, so later ones add nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::engine::policy::Means;
use crate::engine::{Effect, IncidentId, PersonId, Platform, TeamId, Timestamp};
use crate::store::OutboxEntry;

/// Where an entry's messages go; entries to one destination share a lane.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Lane {
    /// A team's incident channel: root messages, their threads, channel pages.
    IncidentChannel(Platform, TeamId),
    /// A team's knowledge channel: published fix notes.
    KnowledgeChannel(Platform, TeamId),
    /// Direct messages to one person.
    Person(Platform, PersonId),
    /// One webhook.
    Webhook(String),
    /// Direct messages to one incident's followers.
    Followers(IncidentId),
    /// Entries whose incident is gone; delivering drops them.
    Orphan,
}

impl Lane {
    /// The lane of `effect` for an incident of `team` on `platform`.
    pub(super) fn of(effect: &Effect, id: IncidentId, platform: Platform, team: &TeamId) -> Self {
        match effect {
            Effect::Page {
                means: Means::Direct,
                person,
                ..
            } => Self::Person(platform, person.clone()),
            Effect::Page {
                means: Means::Webhook(name),
                ..
            } => Self::Webhook(name.clone()),
            Effect::PublishFixNote => Self::KnowledgeChannel(platform, team.clone()),
            Effect::NotifyFollowers { .. } => Self::Followers(id),
            Effect::Page { .. }
            | Effect::PostRoot
            | Effect::RefreshRoot
            | Effect::PageChannel { .. }
            | Effect::Announce { .. }
            | Effect::AskForFixNote { .. }
            | Effect::ShowRelatedFixes { .. } => Self::IncidentChannel(platform, team.clone()),
        }
    }
}

/// An entry's place in its lane: its rank (pages first), then its sequence number.
pub(super) type Place = (u8, u64);

/// Where `effect` goes in its lane: pages and root messages first, then the rest.
fn rank(effect: &Effect) -> u8 {
    match effect {
        Effect::Page { .. } | Effect::PageChannel { .. } | Effect::PostRoot => 0,
        _ => 1,
    }
}

/// One lane's queued entries and state.
#[derive(Default)]
struct LaneQueue {
    entries: BTreeMap<Place, OutboxEntry>,
    is_sending: bool,
    resume_at: Option<Timestamp>,
}

/// What a lane can do next.
enum Next {
    /// Send the entry at this place.
    Send(Place),
    /// Nothing until then.
    At(Timestamp),
    /// Nothing queued that can go.
    Idle,
}

impl LaneQueue {
    fn next(&self, now: Timestamp) -> Next {
        if self.is_sending || self.entries.is_empty() {
            return Next::Idle;
        }
        if let Some(resume_at) = self.resume_at.filter(|at| *at > now) {
            return Next::At(resume_at);
        }
        let mut held: HashSet<IncidentId> = HashSet::new();
        let mut earliest: Option<Timestamp> = None;
        for (place, entry) in &self.entries {
            if held.contains(&entry.incident) {
                continue;
            }
            match entry.not_before {
                Some(at) if at > now => {
                    held.insert(entry.incident);
                    earliest = Some(earliest.map_or(at, |e| e.min(at)));
                }
                _ => return Next::Send(*place),
            }
        }
        earliest.map_or(Next::Idle, Next::At)
    }
}

/// The queued entries by lane.
#[derive(Default)]
pub(super) struct Lanes {
    lanes: HashMap<Lane, LaneQueue>,
    /// Where each incident's queued (not sending) root update is.
    refreshes: HashMap<IncidentId, u64>,
    /// The last sequence number taken in.
    last_seq: Option<u64>,
}

/// The entries to send now, and when to look again otherwise.
pub(super) struct Ready {
    /// Taken out of their lanes, which are now sending: lane, place and entry.
    pub sends: Vec<(Lane, Place, OutboxEntry)>,
    /// The earliest moment a lane that waits may send again.
    pub next_at: Option<Timestamp>,
}

impl Lanes {
    /// The last sequence number taken in, to read the outbox after.
    pub(super) fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// Queues entry `seq` in `lane`. Returns false, queuing nothing, when it is an update
    /// of a root message that already has one queued: the caller deletes it.
    pub(super) fn push(&mut self, lane: Lane, seq: u64, entry: OutboxEntry) -> bool {
        self.last_seq = Some(self.last_seq.map_or(seq, |last| last.max(seq)));
        if entry.effect == Effect::RefreshRoot {
            if self.refreshes.contains_key(&entry.incident) {
                return false;
            }
            self.refreshes.insert(entry.incident, seq);
        }
        let place = (rank(&entry.effect), seq);
        self.lanes
            .entry(lane)
            .or_default()
            .entries
            .insert(place, entry);
        true
    }

    /// Takes the next entry of every lane that can send now, best first, at most
    /// `limit` of them.
    pub(super) fn take_ready(&mut self, now: Timestamp, limit: usize) -> Ready {
        let mut candidates: Vec<(Place, Lane)> = Vec::new();
        let mut next_at: Option<Timestamp> = None;
        for (lane, queue) in &self.lanes {
            match queue.next(now) {
                Next::Send(place) => candidates.push((place, lane.clone())),
                Next::At(at) => next_at = Some(next_at.map_or(at, |n| n.min(at))),
                Next::Idle => {}
            }
        }
        candidates.sort();

        let mut sends = Vec::new();
        for (place, lane) in candidates.into_iter().take(limit) {
            let Some(queue) = self.lanes.get_mut(&lane) else {
                continue;
            };
            let Some(entry) = queue.entries.remove(&place) else {
                continue;
            };
            queue.is_sending = true;
            if self.refreshes.get(&entry.incident) == Some(&place.1) {
                self.refreshes.remove(&entry.incident);
            }
            sends.push((lane, place, entry));
        }
        Ready { sends, next_at }
    }

    /// The lane's send ended and the entry is gone.
    pub(super) fn sent(&mut self, lane: &Lane) {
        let Some(queue) = self.lanes.get_mut(lane) else {
            return;
        };
        queue.is_sending = false;
        if queue.entries.is_empty() {
            self.lanes.remove(lane);
        }
    }

    /// The lane's send ended and the entry waits until `at`; with `is_lane_wide` (a rate
    /// limit) the whole lane waits.
    pub(super) fn wait(
        &mut self,
        lane: Lane,
        place: Place,
        mut entry: OutboxEntry,
        at: Timestamp,
        is_lane_wide: bool,
    ) {
        entry.not_before = Some(at);
        if entry.effect == Effect::RefreshRoot {
            self.refreshes.entry(entry.incident).or_insert(place.1);
        }
        let queue = self.lanes.entry(lane).or_default();
        queue.is_sending = false;
        if is_lane_wide {
            queue.resume_at = Some(at);
        }
        queue.entries.insert(place, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Event, PageReason};

    fn t(seconds: i64) -> Timestamp {
        "2024-05-01T09:00:00Z".parse::<Timestamp>().expect("valid")
            + chrono::TimeDelta::seconds(seconds)
    }

    fn entry(incident: u64, effect: Effect) -> OutboxEntry {
        OutboxEntry {
            incident: IncidentId(incident),
            effect,
            attempts: 0,
            not_before: None,
            enqueued_at: None,
            in_flight: false,
        }
    }

    fn thread_page() -> Effect {
        Effect::Page {
            person: "alice".into(),
            means: Means::Thread,
            reason: PageReason::First,
            step: 0,
        }
    }

    fn announce() -> Effect {
        Effect::Announce {
            event: Event::Paged {
                person: "alice".into(),
                means: vec![Means::Thread],
                reason: PageReason::First,
                step: 0,
            },
        }
    }

    fn channel() -> Lane {
        Lane::IncidentChannel(Platform::Slack, "payments".into())
    }

    /// Sends everything in order, one at a time, returning (incident, effect) pairs.
    fn drain(lanes: &mut Lanes, now: Timestamp) -> Vec<(u64, Effect)> {
        let mut sent = Vec::new();
        loop {
            let ready = lanes.take_ready(now, 1);
            let Some((lane, _, entry)) = ready.sends.into_iter().next() else {
                return sent;
            };
            sent.push((entry.incident.0, entry.effect));
            lanes.sent(&lane);
        }
    }

    #[test]
    fn pages_go_before_status_posts_and_incidents_keep_their_order() {
        let mut lanes = Lanes::default();
        for (seq, (incident, effect)) in [
            (1, Effect::PostRoot),
            (1, announce()),
            (1, Effect::RefreshRoot),
            (2, Effect::PostRoot),
            (2, thread_page()),
            (1, Effect::RefreshRoot),
        ]
        .into_iter()
        .enumerate()
        {
            lanes.push(channel(), seq as u64, entry(incident, effect));
        }
        assert_eq!(
            drain(&mut lanes, t(0)),
            vec![
                (1, Effect::PostRoot),
                (2, Effect::PostRoot),
                (2, thread_page()),
                (1, announce()),
                (1, Effect::RefreshRoot),
            ]
        );
    }

    #[test]
    fn a_back_off_holds_its_incident_and_a_rate_limit_the_lane() {
        let mut lanes = Lanes::default();
        lanes.push(channel(), 1, entry(1, Effect::PostRoot));
        lanes.push(channel(), 2, entry(1, thread_page()));
        lanes.push(channel(), 3, entry(2, Effect::PostRoot));

        let first = lanes.take_ready(t(0), 8).sends.remove(0);
        lanes.wait(first.0, first.1, first.2, t(5), false);
        let ready = lanes.take_ready(t(0), 8);
        assert_eq!(ready.sends[0].2.incident, IncidentId(2));
        lanes.wait(
            ready.sends[0].0.clone(),
            ready.sends[0].1,
            ready.sends[0].2.clone(),
            t(9),
            true,
        );

        let ready = lanes.take_ready(t(6), 8);
        assert!(ready.sends.is_empty());
        assert_eq!(ready.next_at, Some(t(9)));
        assert_eq!(
            drain(&mut lanes, t(9)),
            vec![
                (1, Effect::PostRoot),
                (1, thread_page()),
                (2, Effect::PostRoot)
            ]
        );
    }

    #[test]
    fn a_queued_root_update_absorbs_later_ones_but_not_while_sending() {
        let mut lanes = Lanes::default();
        assert!(lanes.push(channel(), 1, entry(1, Effect::RefreshRoot)));
        assert!(!lanes.push(channel(), 2, entry(1, Effect::RefreshRoot)));
        assert!(lanes.push(channel(), 3, entry(2, Effect::RefreshRoot)));

        let sending = lanes.take_ready(t(0), 1).sends.remove(0);
        assert_eq!(sending.1, (1, 1));
        assert!(lanes.push(channel(), 4, entry(1, Effect::RefreshRoot)));
        assert!(!lanes.push(channel(), 5, entry(1, Effect::RefreshRoot)));
        assert_eq!(lanes.last_seq(), Some(5));
    }

    #[test]
    fn lanes_send_at_once_up_to_the_limit_pages_first() {
        let mut lanes = Lanes::default();
        let alice = Lane::Person(Platform::Slack, "alice".into());
        let dm = Effect::Page {
            person: "alice".into(),
            means: Means::Direct,
            reason: PageReason::First,
            step: 0,
        };
        lanes.push(channel(), 1, entry(1, announce()));
        lanes.push(alice.clone(), 2, entry(1, dm));
        lanes.push(Lane::Followers(IncidentId(1)), 3, entry(1, announce()));

        let ready = lanes.take_ready(t(0), 2);
        let sending: Vec<Lane> = ready.sends.into_iter().map(|send| send.0).collect();
        assert_eq!(sending, vec![alice, channel()]);
        assert_eq!(lanes.take_ready(t(0), 8).sends.len(), 1);
        assert!(lanes.take_ready(t(0), 8).sends.is_empty());
    }
}
