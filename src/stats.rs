//! Where escalations stall: figures per severity, computed from incident timelines.
//!
//! [`compute`] is pure: it takes each incident's severity, team, opening time and
//! timeline (as the store keeps them) and a [`Filter`], and returns [`Stats`].
//! [`compute_stored`] adds up the same figures from the store, one incident at a time.
//! The `escalator stats` command and `/escalate stats` only read the store and format.
//!
//! Definitions, so the numbers can be checked by hand:
//!
//! - time to acknowledge: from opening to the first `Acknowledged` entry; incidents never
//!   acknowledged are left out. Time to resolve likewise, to the first `Resolved` entry.
//! - median: the middle value, or the mean of the two middle values; p90: the nearest
//!   rank, the value at position ⌈0.9·n⌉ of the sorted list.
//! - acknowledged at the first step: acknowledged before any `Climbed` or
//!   `ChannelPaged` entry, as a share of the acknowledged incidents.
//! - deputy fallbacks: pages sent to a deputy, because the person was silent or away.
//! - a timeout of a step: paging left it (a `Climbed` entry, or the first whole-channel
//!   page after the last step). Each person paged on that step, deputies included,
//!   counts one timeout.
//! - fix notes: of the incidents that were resolved, how many have a `FixNoteAdded` entry
//!   (captured), how many a `FixNoteSkipped` entry instead (skipped, with the reasons
//!   listed), and how many have neither yet (missing).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::engine::{
    Entry, Event, Incident, IncidentId, PageReason, PersonId, SeverityId, TeamId, Timestamp,
};
use crate::store::{Store, StoreError};

/// One incident as statistics need it.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The incident.
    pub id: IncidentId,
    /// Its current severity.
    pub severity: SeverityId,
    /// Its team.
    pub team: TeamId,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// Everything that happened to it, oldest first.
    pub timeline: Vec<Entry>,
}

impl Record {
    /// The record of a stored incident and its timeline.
    pub fn new(incident: &Incident, timeline: Vec<Entry>) -> Self {
        Self {
            id: incident.id,
            severity: incident.severity.clone(),
            team: incident.team.clone(),
            opened_at: incident.opened_at,
            timeline,
        }
    }
}

/// Every stored incident with its timeline, all at once (for a chart, which needs them
/// together); [`compute_stored`] reads one at a time.
pub fn records(store: &Store) -> Result<Vec<Record>, StoreError> {
    store
        .incidents()?
        .into_iter()
        .map(|incident| Ok(Record::new(&incident, store.timeline(incident.id)?)))
        .collect()
}

/// Which incidents count.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Only incidents opened at or after this time.
    pub since: Option<Timestamp>,
    /// Only this team's incidents.
    pub team: Option<TeamId>,
}

impl Filter {
    /// Whether an incident of `team` opened at `opened_at` counts.
    fn lets_through(&self, opened_at: Timestamp, team: &TeamId) -> bool {
        self.since.is_none_or(|since| opened_at >= since)
            && self.team.as_ref().is_none_or(|wanted| wanted == team)
    }
}

/// The figures of every severity that had incidents, in severity-id order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// One entry per severity.
    pub severities: Vec<SeverityStats>,
}

/// The figures of one severity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeverityStats {
    /// The severity.
    pub severity: SeverityId,
    /// Incidents opened.
    pub count: usize,
    /// Incidents acknowledged.
    pub acknowledged: usize,
    /// Median time to acknowledge, in seconds.
    pub ack_median_seconds: Option<u64>,
    /// 90th percentile time to acknowledge, in seconds.
    pub ack_p90_seconds: Option<u64>,
    /// Incidents resolved.
    pub resolved: usize,
    /// Median time to resolve, in seconds.
    pub resolve_median_seconds: Option<u64>,
    /// Incidents acknowledged at the first step.
    pub acknowledged_at_first_step: usize,
    /// Pages sent to a deputy.
    pub deputy_fallbacks: usize,
    /// Timeouts per step, by 1-based step number.
    pub timeouts_per_step: BTreeMap<usize, usize>,
    /// Timeouts per person.
    pub timeouts_per_person: BTreeMap<PersonId, usize>,
    /// Resolved incidents with a fix note.
    pub fix_notes_captured: usize,
    /// Resolved incidents closed without a fix note, with a reason.
    pub fix_notes_skipped: usize,
    /// Why each skipped incident needed no note, in the order they were opened.
    pub skip_reasons: Vec<SkipReason>,
    /// Resolved incidents with neither a fix note nor a reason to skip it.
    pub fix_notes_missing: usize,
}

/// Why one incident was closed without a fix note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkipReason {
    /// The incident.
    pub incident: IncidentId,
    /// The reason given.
    pub reason: String,
}

impl SeverityStats {
    /// Figures of `severity` with nothing counted yet.
    pub fn new(severity: SeverityId) -> Self {
        Self {
            severity,
            count: 0,
            acknowledged: 0,
            ack_median_seconds: None,
            ack_p90_seconds: None,
            resolved: 0,
            resolve_median_seconds: None,
            acknowledged_at_first_step: 0,
            deputy_fallbacks: 0,
            timeouts_per_step: BTreeMap::new(),
            timeouts_per_person: BTreeMap::new(),
            fix_notes_captured: 0,
            fix_notes_skipped: 0,
            skip_reasons: Vec::new(),
            fix_notes_missing: 0,
        }
    }

    /// The share of acknowledged incidents acknowledged at the first step, in percent.
    pub fn first_step_percent(&self) -> Option<u64> {
        (self.acknowledged > 0).then(|| {
            (self.acknowledged_at_first_step as u64 * 100 + self.acknowledged as u64 / 2)
                / self.acknowledged as u64
        })
    }
}

/// Computes the figures of the incidents `filter` lets through.
pub fn compute(records: &[Record], filter: &Filter) -> Stats {
    let mut tally = Tally::default();
    for record in records
        .iter()
        .filter(|record| filter.lets_through(record.opened_at, &record.team))
    {
        tally.add(record);
    }
    tally.finish()
}

/// Computes the figures of the stored incidents `filter` lets through, reading one
/// incident and its timeline at a time, and no timeline of an incident left out, so that
/// a large store is never in memory at once.
pub fn compute_stored(store: &Store, filter: &Filter) -> Result<Stats, StoreError> {
    let mut tally = Tally::default();
    for incident in store.each_incident()? {
        let incident = incident?;
        if filter.lets_through(incident.opened_at, &incident.team) {
            tally.add(&Record::new(&incident, store.timeline(incident.id)?));
        }
    }
    Ok(tally.finish())
}

/// Figures being added up, per severity, with the times to acknowledge and to resolve.
#[derive(Default)]
struct Tally {
    by_severity: BTreeMap<SeverityId, (SeverityStats, Vec<u64>, Vec<u64>)>,
}

impl Tally {
    fn add(&mut self, record: &Record) {
        let (stats, acks, resolves) = self
            .by_severity
            .entry(record.severity.clone())
            .or_insert_with(|| (SeverityStats::new(record.severity.clone()), vec![], vec![]));
        add(stats, acks, resolves, record);
    }

    fn finish(self) -> Stats {
        let severities = self
            .by_severity
            .into_values()
            .map(|(mut stats, mut acks, mut resolves)| {
                acks.sort_unstable();
                resolves.sort_unstable();
                stats.ack_median_seconds = median(&acks);
                stats.ack_p90_seconds = nearest_rank(&acks, 90);
                stats.resolve_median_seconds = median(&resolves);
                stats
            })
            .collect();
        Stats { severities }
    }
}

/// Adds one incident's figures.
fn add(stats: &mut SeverityStats, acks: &mut Vec<u64>, resolves: &mut Vec<u64>, record: &Record) {
    let since_open = |at: Timestamp| {
        (at - record.opened_at)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .as_secs()
    };
    stats.count += 1;

    let mut step = 0;
    let mut has_left_first_step = false;
    let mut paged_on_step: Vec<PersonId> = Vec::new();
    let mut acknowledged = false;
    let mut resolved = false;
    let mut has_fix_note = false;
    let mut skip_reason = None;

    for entry in &record.timeline {
        match &entry.event {
            Event::Paged { person, reason, .. } => {
                if matches!(
                    reason,
                    PageReason::Deputy { .. } | PageReason::StandIn { .. }
                ) {
                    stats.deputy_fallbacks += 1;
                }
                if !paged_on_step.contains(person) {
                    paged_on_step.push(person.clone());
                }
            }
            Event::Climbed { step: next } => {
                time_out(stats, step, &mut paged_on_step);
                step = *next;
                has_left_first_step = true;
            }
            Event::ChannelPaged { round: 1 } => {
                time_out(stats, step, &mut paged_on_step);
                has_left_first_step = true;
            }
            Event::Acknowledged { .. } if !acknowledged => {
                acknowledged = true;
                stats.acknowledged += 1;
                acks.push(since_open(entry.at));
                if !has_left_first_step {
                    stats.acknowledged_at_first_step += 1;
                }
            }
            Event::Resolved { .. } if !resolved => {
                resolved = true;
                stats.resolved += 1;
                resolves.push(since_open(entry.at));
            }
            Event::FixNoteAdded { .. } => has_fix_note = true,
            Event::FixNoteSkipped { reason, .. } => skip_reason = Some(reason.clone()),
            _ => {}
        }
    }

    match (resolved, has_fix_note, skip_reason) {
        (false, _, _) => {}
        (true, true, _) => stats.fix_notes_captured += 1,
        (true, false, Some(reason)) => {
            stats.fix_notes_skipped += 1;
            stats.skip_reasons.push(SkipReason {
                incident: record.id,
                reason,
            });
        }
        (true, false, None) => stats.fix_notes_missing += 1,
    }
}

fn time_out(stats: &mut SeverityStats, step: usize, paged: &mut Vec<PersonId>) {
    *stats.timeouts_per_step.entry(step + 1).or_default() += 1;
    for person in paged.drain(..) {
        *stats.timeouts_per_person.entry(person).or_default() += 1;
    }
}

/// The median of sorted `values`.
pub(crate) fn median(values: &[u64]) -> Option<u64> {
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

/// The nearest-rank `percent`th percentile of sorted `values`.
pub(crate) fn nearest_rank(values: &[u64], percent: usize) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let rank = (values.len() * percent).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::engine::{Platform, UserRef};

    fn t(minute: i64) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap()
            + chrono::Duration::minutes(minute)
    }

    fn paged(person: &str, reason: PageReason, step: usize) -> Event {
        Event::Paged {
            person: PersonId::from(person),
            means: Vec::new(),
            reason,
            step,
        }
    }

    fn user() -> UserRef {
        UserRef {
            platform: Platform::Slack,
            id: "U1".to_owned(),
        }
    }

    fn record(severity: &str, team: &str, events: Vec<(i64, Event)>) -> Record {
        Record {
            id: IncidentId(events.len() as u64),
            severity: SeverityId::from(severity),
            team: TeamId::from(team),
            opened_at: t(0),
            timeline: events
                .into_iter()
                .map(|(minute, event)| Entry {
                    at: t(minute),
                    event,
                })
                .collect(),
        }
    }

    /// Five sev1 incidents and one sev2, figures worked out by hand in the comments.
    fn records() -> Vec<Record> {
        let ack = |by: &str| Event::Acknowledged {
            by: PersonId::from(by),
        };
        let resolved = || Event::Resolved { by: user() };
        let note = || Event::FixNoteAdded { by: user() };
        vec![
            // A: alice acks after 2 min at step 1; resolved at 30; fix note.
            record(
                "sev1",
                "payments",
                vec![
                    (0, paged("alice", PageReason::First, 0)),
                    (2, ack("alice")),
                    (30, resolved()),
                    (40, note()),
                ],
            ),
            // B: alice silent, deputy bob paged at 5 and acks at 6, still step 1;
            // resolved at 60, no fix note.
            record(
                "sev1",
                "payments",
                vec![
                    (0, paged("alice", PageReason::First, 0)),
                    (
                        5,
                        paged("bob", PageReason::Deputy { of: "alice".into() }, 0),
                    ),
                    (6, ack("bob")),
                    (60, resolved()),
                ],
            ),
            // C: alice away, bob stands in, both steps time out, carol acks at 20.
            record(
                "sev1",
                "payments",
                vec![
                    (
                        0,
                        paged("bob", PageReason::StandIn { of: "alice".into() }, 0),
                    ),
                    (10, Event::Climbed { step: 1 }),
                    (10, paged("carol", PageReason::First, 1)),
                    (15, Event::ChannelPaged { round: 1 }),
                    (16, Event::ChannelPaged { round: 2 }),
                    (20, ack("carol")),
                ],
            ),
            // D: acked at 4 on step 1, never resolved.
            record(
                "sev1",
                "payments",
                vec![
                    (0, paged("alice", PageReason::First, 0)),
                    (1, paged("alice", PageReason::Repage { n: 1 }, 0)),
                    (4, ack("alice")),
                ],
            ),
            // E: another team; left out when filtering by payments.
            record(
                "sev1",
                "platform",
                vec![(0, paged("frank", PageReason::First, 0)), (3, ack("frank"))],
            ),
            // F: sev2, never acknowledged, cancelled.
            record(
                "sev2",
                "payments",
                vec![
                    (0, paged("alice", PageReason::First, 0)),
                    (9, Event::Cancelled { by: user() }),
                ],
            ),
        ]
    }

    #[test]
    fn figures_match_the_hand_computed_ones() {
        let stats = compute(&records(), &Filter::default());
        assert_eq!(stats.severities.len(), 2);
        let sev1 = &stats.severities[0];

        // Ack minutes 2, 6, 20, 4, 3 → sorted 2 3 4 6 20: median 4, p90 rank 5 = 20.
        let expected = SeverityStats {
            severity: "sev1".into(),
            count: 5,
            acknowledged: 5,
            ack_median_seconds: Some(240),
            ack_p90_seconds: Some(1200),
            resolved: 2,
            // 30 and 60 minutes: mean of the middle two, 45 minutes.
            resolve_median_seconds: Some(2700),
            acknowledged_at_first_step: 4,
            deputy_fallbacks: 2,
            timeouts_per_step: BTreeMap::from([(1, 1), (2, 1)]),
            timeouts_per_person: BTreeMap::from([("bob".into(), 1), ("carol".into(), 1)]),
            fix_notes_captured: 1,
            fix_notes_skipped: 0,
            skip_reasons: Vec::new(),
            fix_notes_missing: 1,
        };
        assert_eq!(sev1, &expected);
        assert_eq!(sev1.first_step_percent(), Some(80));

        let sev2 = &stats.severities[1];
        assert_eq!((sev2.count, sev2.acknowledged), (1, 0));
        assert_eq!(
            (sev2.ack_median_seconds, sev2.ack_p90_seconds),
            (None, None)
        );
        assert_eq!(sev2.first_step_percent(), None);
        assert_eq!((sev2.fix_notes_captured, sev2.fix_notes_missing), (0, 0));
    }

    #[test]
    fn notes_skips_and_missing_notes_are_counted_apart() {
        let resolved = || Event::Resolved { by: user() };
        let mut skipped = record(
            "sev3",
            "payments",
            vec![
                (5, resolved()),
                (
                    9,
                    Event::FixNoteSkipped {
                        by: user(),
                        reason: "duplicate of INC-1".into(),
                    },
                ),
            ],
        );
        skipped.id = IncidentId(7);
        let noted = record(
            "sev3",
            "payments",
            vec![(5, resolved()), (9, Event::FixNoteAdded { by: user() })],
        );
        let missing = record("sev3", "payments", vec![(5, resolved())]);
        let open = record("sev3", "payments", vec![]);
        let stats = compute(&[skipped, noted, missing, open], &Filter::default());
        let sev3 = &stats.severities[0];
        assert_eq!(
            (
                sev3.fix_notes_captured,
                sev3.fix_notes_skipped,
                sev3.fix_notes_missing
            ),
            (1, 1, 1)
        );
        assert_eq!(
            sev3.skip_reasons,
            vec![SkipReason {
                incident: IncidentId(7),
                reason: "duplicate of INC-1".into()
            }]
        );
    }

    #[test]
    fn filters_by_team_and_period() {
        let records = records();
        let payments = Filter {
            since: None,
            team: Some("payments".into()),
        };
        let stats = compute(&records, &payments);
        assert_eq!(stats.severities[0].count, 4);
        // Ack minutes 2 4 6 20: median (4+6)/2 = 5, p90 rank ⌈3.6⌉ = 4 → 20.
        assert_eq!(stats.severities[0].ack_median_seconds, Some(300));
        assert_eq!(stats.severities[0].ack_p90_seconds, Some(1200));

        let later = Filter {
            since: Some(t(1)),
            team: None,
        };
        assert_eq!(compute(&records, &later), Stats::default());
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        for (values, percent, expected) in [
            (vec![], 90, None),
            (vec![7], 90, Some(7)),
            ((1..=10).collect::<Vec<u64>>(), 90, Some(9)),
            ((1..=10).collect(), 50, Some(5)),
            ((1..=11).collect(), 90, Some(10)),
        ] {
            assert_eq!(nearest_rank(&values, percent), expected, "{values:?}");
        }
        assert_eq!(median(&[1, 2, 3, 10]), Some(2));
        assert_eq!(median(&[5]), Some(5));
    }
}
