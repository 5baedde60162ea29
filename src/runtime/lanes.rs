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
//!
//! A person's lane sends pages in digests: when the page it is about to send has more
//! ready pages behind it, it takes them along (up to [`crate::ports::digest_limit`]),
//! and the adapter delivers them as one direct message. A platform that allows one
//! message a second per conversation would otherwise hold a storm's pages back for
//! minutes. A page waiting for its back-off, and the later pages of its incident, stay
//! behind; so does a second page of an incident already in the digest.
//!
//! A page that may have been delivered (marked in flight by an attempt that did not
//! finish) is sent again exactly as it went before: alone, or with the pages of its
//! digest and no others. The platform finds the message it may already have by what
//! names that exact set (Discord's nonce), and a page new since is never folded into a
//! message the platform takes for the earlier one.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::engine::policy::Means;
use crate::engine::{Effect, IncidentId, PersonId, Platform, TeamId, Timestamp};
use crate::ports::digest_limit;
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

    /// The places of the ready direct-message pages queued behind `first`, a direct
    /// page, that can go with it in one digest: at most `limit` places in all, one per
    /// incident, none of an incident held by a back-off, none tried before. A page tried
    /// before goes with the pages it was tried with, ready or not, and with no other.
    fn digest_after(&self, first: Place, now: Timestamp, limit: usize) -> Vec<Place> {
        let Some(head) = self.entries.get(&first) else {
            return Vec::new();
        };
        if head.in_flight {
            let Some(digest) = head.digest else {
                return Vec::new();
            };
            return self
                .entries
                .range(first..)
                .skip(1)
                .filter(|(_, entry)| entry.in_flight && entry.digest == Some(digest))
                .map(|(place, _)| *place)
                .take(limit.saturating_sub(1))
                .collect();
        }
        let mut taken: HashSet<IncidentId> = HashSet::from([head.incident]);
        let mut held: HashSet<IncidentId> = HashSet::new();
        let mut places = Vec::new();
        for (place, entry) in self.entries.range(first..).skip(1) {
            if places.len() + 1 >= limit {
                break;
            }
            let is_ready = entry.not_before.is_none_or(|at| at <= now);
            if !is_direct_page(&entry.effect) || !is_ready || entry.in_flight {
                held.insert(entry.incident);
                continue;
            }
            if held.contains(&entry.incident) || !taken.insert(entry.incident) {
                held.insert(entry.incident);
                continue;
            }
            places.push(*place);
        }
        places
    }
}

/// Whether `effect` is a page by direct message, the only kind that goes in digests.
fn is_direct_page(effect: &Effect) -> bool {
    matches!(
        effect,
        Effect::Page {
            means: Means::Direct,
            ..
        }
    )
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

/// What one lane sends now: one entry, or several direct pages to one person as a
/// digest.
pub(super) struct Send {
    /// The lane, now sending.
    pub lane: Lane,
    /// The entries taken out of it, in lane order; more than one only for a digest.
    pub entries: Vec<(Place, OutboxEntry)>,
}

/// The entries to send now, and when to look again otherwise.
pub(super) struct Ready {
    /// Taken out of their lanes, which are now sending.
    pub sends: Vec<Send>,
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
    /// `limit` lanes; a person's lane takes the ready pages behind it as one digest.
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
            let mut places = vec![place];
            if let Lane::Person(platform, _) = &lane {
                if queue
                    .entries
                    .get(&place)
                    .is_some_and(|e| is_direct_page(&e.effect))
                {
                    places.extend(queue.digest_after(place, now, digest_limit(*platform)));
                }
            }
            let entries: Vec<(Place, OutboxEntry)> = places
                .into_iter()
                .filter_map(|place| queue.entries.remove(&place).map(|entry| (place, entry)))
                .collect();
            if entries.is_empty() {
                continue;
            }
            queue.is_sending = true;
            for (place, entry) in &entries {
                if self.refreshes.get(&entry.incident) == Some(&place.1) {
                    self.refreshes.remove(&entry.incident);
                }
            }
            sends.push(Send { lane, entries });
        }
        Ready { sends, next_at }
    }

    /// The lane's send ended and its entries are gone (those that wait are back through
    /// [`Lanes::wait`] first).
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
            digest: None,
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
            let Some(send) = ready.sends.into_iter().next() else {
                return sent;
            };
            for (_, entry) in send.entries {
                sent.push((entry.incident.0, entry.effect));
            }
            lanes.sent(&send.lane);
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
        let (place, entry) = first.entries[0].clone();
        lanes.wait(first.lane, place, entry, t(5), false);
        let mut ready = lanes.take_ready(t(0), 8);
        let second = ready.sends.remove(0);
        let (place, entry) = second.entries[0].clone();
        assert_eq!(entry.incident, IncidentId(2));
        lanes.wait(second.lane, place, entry, t(9), true);

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
        assert_eq!(sending.entries[0].0, (1, 1));
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
        let sending: Vec<Lane> = ready.sends.into_iter().map(|send| send.lane).collect();
        assert_eq!(sending, vec![alice, channel()]);
        assert_eq!(lanes.take_ready(t(0), 8).sends.len(), 1);
        assert!(lanes.take_ready(t(0), 8).sends.is_empty());
    }

    fn dm(person: &str, reason: PageReason) -> Effect {
        Effect::Page {
            person: person.into(),
            means: Means::Direct,
            reason,
            step: 0,
        }
    }

    fn alice(platform: Platform) -> Lane {
        Lane::Person(platform, "alice".into())
    }

    /// The incidents of each send, one list per lane that sends.
    fn incidents(ready: &Ready) -> Vec<Vec<u64>> {
        let mut sends: Vec<Vec<u64>> = ready
            .sends
            .iter()
            .map(|send| send.entries.iter().map(|(_, e)| e.incident.0).collect())
            .collect();
        sends.sort();
        sends
    }

    #[test]
    fn ready_direct_pages_to_one_person_go_as_one_digest() {
        let mut lanes = Lanes::default();
        for incident in 1..=4 {
            lanes.push(
                alice(Platform::Slack),
                incident,
                entry(incident, dm("alice", PageReason::First)),
            );
        }
        let bob = Lane::Person(Platform::Slack, "bob".into());
        lanes.push(bob.clone(), 5, entry(5, dm("bob", PageReason::First)));
        lanes.push(channel(), 6, entry(6, thread_page()));
        lanes.push(channel(), 7, entry(7, thread_page()));

        let ready = lanes.take_ready(t(0), 8);
        assert_eq!(incidents(&ready), vec![vec![1, 2, 3, 4], vec![5], vec![6]]);
        for send in &ready.sends {
            lanes.sent(&send.lane);
        }
        assert_eq!(incidents(&lanes.take_ready(t(0), 8)), vec![vec![7]]);
    }

    #[test]
    fn a_digest_skips_pages_held_by_a_back_off_and_second_pages_of_an_incident() {
        let mut lanes = Lanes::default();
        let mut waiting = entry(2, dm("alice", PageReason::First));
        waiting.not_before = Some(t(30));
        lanes.push(
            alice(Platform::Slack),
            1,
            entry(1, dm("alice", PageReason::First)),
        );
        lanes.push(alice(Platform::Slack), 2, waiting);
        lanes.push(
            alice(Platform::Slack),
            3,
            entry(2, dm("alice", PageReason::Repage { n: 1 })),
        );
        lanes.push(
            alice(Platform::Slack),
            4,
            entry(1, dm("alice", PageReason::Repage { n: 1 })),
        );
        lanes.push(
            alice(Platform::Slack),
            5,
            entry(3, dm("alice", PageReason::First)),
        );

        let ready = lanes.take_ready(t(0), 8);
        assert_eq!(incidents(&ready), vec![vec![1, 3]]);
        let send = &ready.sends[0];
        assert_eq!(
            send.entries
                .iter()
                .map(|(place, _)| place.1)
                .collect::<Vec<_>>(),
            vec![1, 5]
        );
        lanes.sent(&send.lane);

        assert_eq!(incidents(&lanes.take_ready(t(0), 8)), vec![vec![1]]);
    }

    #[test]
    fn a_page_tried_before_goes_again_as_it_went_and_new_pages_go_apart() {
        let tried = |incident: u64, digest: Option<u64>| OutboxEntry {
            in_flight: true,
            digest,
            ..entry(incident, dm("alice", PageReason::First))
        };
        let mut lanes = Lanes::default();
        let lane = alice(Platform::Discord);
        lanes.push(lane.clone(), 1, tried(1, None));
        lanes.push(lane.clone(), 2, tried(2, Some(2)));
        lanes.push(
            lane.clone(),
            3,
            OutboxEntry {
                not_before: Some(t(30)),
                ..tried(3, Some(2))
            },
        );
        lanes.push(lane.clone(), 4, entry(4, dm("alice", PageReason::First)));
        lanes.push(lane.clone(), 5, tried(5, Some(5)));
        lanes.push(lane.clone(), 6, entry(6, dm("alice", PageReason::First)));
        lanes.push(
            lane.clone(),
            7,
            entry(2, dm("alice", PageReason::Repage { n: 1 })),
        );

        let mut sent = Vec::new();
        loop {
            let ready = lanes.take_ready(t(0), 8);
            let Some(send) = ready.sends.first() else {
                break;
            };
            sent.push(
                send.entries
                    .iter()
                    .map(|(place, _)| place.1)
                    .collect::<Vec<_>>(),
            );
            lanes.sent(&lane);
        }
        assert_eq!(sent, vec![vec![1], vec![2, 3], vec![4, 6, 7], vec![5]]);
    }

    #[test]
    fn a_digest_holds_at_most_the_platforms_limit() {
        for platform in [Platform::Slack, Platform::Discord] {
            let limit = digest_limit(platform);
            let mut lanes = Lanes::default();
            for incident in 1..=(limit as u64 + 3) {
                lanes.push(
                    alice(platform),
                    incident,
                    entry(incident, dm("alice", PageReason::First)),
                );
            }
            let ready = lanes.take_ready(t(0), 8);
            assert_eq!(ready.sends[0].entries.len(), limit, "{platform}");
            lanes.sent(&ready.sends[0].lane);
            let rest = lanes.take_ready(t(0), 8);
            assert_eq!(rest.sends[0].entries.len(), 3, "{platform}");
        }
    }

    #[test]
    fn a_lone_page_and_other_lanes_send_one_entry() {
        let mut lanes = Lanes::default();
        lanes.push(
            alice(Platform::Slack),
            1,
            entry(1, dm("alice", PageReason::First)),
        );
        lanes.push(Lane::Followers(IncidentId(2)), 2, entry(2, announce()));
        lanes.push(Lane::Followers(IncidentId(2)), 3, entry(2, announce()));
        lanes.push(channel(), 4, entry(3, thread_page()));
        lanes.push(channel(), 5, entry(4, thread_page()));

        let ready = lanes.take_ready(t(0), 8);
        assert_eq!(incidents(&ready), vec![vec![1], vec![2], vec![3]]);
        let lone = ready
            .sends
            .iter()
            .find(|send| send.lane == alice(Platform::Slack))
            .expect("alice's lane sends");
        assert_eq!(lone.entries[0].1, entry(1, dm("alice", PageReason::First)));
    }
}
