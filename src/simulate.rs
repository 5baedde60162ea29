//! A dry run of one incident on a virtual clock, through the real engine.
//!
//! The incident is opened at the scenario's start; then the clock jumps from one due
//! timer to the next and the engine is told `TimerDue`, exactly as the bot's timer loop
//! would. A planned acknowledgement is applied at its time, as the person's chat account.
//! The run stops at the acknowledgement, at the end of the horizon, or after
//! [`CHANNEL_ROUNDS`] whole-channel pages. Every timeline entry becomes a [`Line`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{LocalResult, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::describe::format_duration;
use crate::engine::policy::{Policy, Target};
use crate::engine::{
    apply, open, Absence, Ctx, Entry, Event, Incident, IncidentId, Intent, OpenRequest, PageReason,
    PersonId, Phase, Platform, Rejection, SeverityId, SkipReason, TeamId, Timestamp, UserRef,
};

/// How many whole-channel pages a simulation shows before it stops.
pub const CHANNEL_ROUNDS: u32 = 3;

/// One incident to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The severity it is opened with.
    pub severity: SeverityId,
    /// The team whose path it climbs.
    pub team: TeamId,
    /// The platform it is raised on; acknowledgements come from accounts there.
    pub platform: Platform,
    /// When it is opened.
    pub start: Timestamp,
    /// Who is away, and when.
    pub absences: Vec<Absence>,
    /// Who acknowledges, and how long after the start.
    pub ack: Option<PlannedAck>,
    /// How long to run at most.
    pub until: Duration,
}

/// An acknowledgement planned at a time after the start: `bob@7m`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedAck {
    /// Who acknowledges.
    pub person: PersonId,
    /// How long after the start.
    pub after: Duration,
}

/// An absence as typed: `bob` (the whole run) or `bob@2026-03-29T01:00..2026-03-29T04:00`,
/// in the person's own time zone; either end may be left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbsenceSpec {
    /// Who is away.
    pub person: PersonId,
    /// From when, local time; `None` for since ever.
    pub from: Option<NaiveDateTime>,
    /// Until when (exclusive), local time; `None` for the whole run.
    pub until: Option<NaiveDateTime>,
}

/// Why a scenario could not be simulated.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum SimulationError {
    /// The severity is not configured.
    #[error("there is no severity `{0}`")]
    UnknownSeverity(SeverityId),
    /// The team is not configured.
    #[error("there is no team `{0}`")]
    UnknownTeam(TeamId),
    /// The person is not configured.
    #[error("there is no person `{0}`")]
    UnknownPerson(PersonId),
    /// The person has no chat account to acknowledge from.
    #[error("`{0}` has no chat account, so they cannot acknowledge")]
    NoAccount(PersonId),
    /// A local time that the person's clock skips.
    #[error("{time} does not exist in {zone}: the clocks skip it for daylight saving time")]
    SkippedLocalTime {
        /// The time as typed.
        time: NaiveDateTime,
        /// The person's time zone.
        zone: Tz,
    },
    /// The absence ends before it starts.
    #[error("the absence of `{0}` ends before it starts")]
    EmptyAbsence(PersonId),
    /// No team was given and there are several.
    #[error("there are several teams; choose one with --team ({})", join_teams(.0))]
    TeamNeeded(Vec<TeamId>),
    /// The engine refused to open the incident.
    #[error("the engine refused to open the incident: {0}")]
    Refused(Rejection),
}

fn join_teams(teams: &[TeamId]) -> String {
    teams
        .iter()
        .map(TeamId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a syntax such as `bob@7m` was not understood.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SyntaxError(String);

/// One line of a simulated timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    /// Time since the start, e.g. `+7m`.
    pub elapsed: String,
    /// Time since the start in seconds.
    pub elapsed_seconds: i64,
    /// When, in UTC.
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub what: What,
}

/// What a line of the timeline says.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// The incident was opened.
    Open {
        /// Its severity.
        severity: SeverityId,
        /// Its team.
        team: TeamId,
    },
    /// A person was paged.
    Page {
        /// Who.
        person: PersonId,
        /// The step, counted from 1.
        step: usize,
        /// The step's position, or the person it names.
        role: String,
        /// `first`, `repage`, `deputy`, `stand_in`, `severity_changed` or `reassigned`.
        reason: &'static str,
        /// Which re-page, for `repage`.
        repage: Option<u32>,
        /// Whom they are asked in place of, for `deputy` and `stand_in`.
        of: Option<PersonId>,
        /// How, e.g. `["thread", "dm"]`.
        means: Vec<String>,
        /// The paged person's local time, `HH:MM` (`HH:MM:SS` off the minute).
        local_time: String,
        /// Its zone abbreviation, e.g. `CET`.
        zone: String,
        /// The person's time zone, e.g. `Europe/Berlin`.
        timezone: String,
    },
    /// Someone on the path was passed over.
    Skip {
        /// Who.
        person: PersonId,
        /// Why: `absent`.
        reason: &'static str,
        /// The end of the absence; `None` when it lasts the whole run.
        until: Option<Timestamp>,
        /// Who stands in, if anyone.
        deputy: Option<PersonId>,
    },
    /// Paging moved to the next step.
    Climb {
        /// The new step, counted from 1.
        step: usize,
        /// Its position, or the person it names.
        role: String,
    },
    /// The whole incident channel was paged.
    ChannelPage {
        /// Which round, from 1.
        round: u32,
    },
    /// Someone took the incident over; the run ends.
    Ack {
        /// Who.
        person: PersonId,
    },
    /// The planned acknowledgement was refused.
    AckRefused {
        /// Who tried.
        person: PersonId,
        /// The engine's answer.
        reason: String,
    },
    /// The run ended without an acknowledgement.
    Stop {
        /// `until` (the horizon was reached) or `channel_rounds`.
        reason: &'static str,
    },
}

/// Runs `scenario` against `policy` and returns its timeline.
pub fn simulate(policy: &Policy, scenario: &Scenario) -> Result<Vec<Line>, SimulationError> {
    check_scenario(policy, scenario)?;
    let mut run = Run {
        policy,
        scenario,
        lines: Vec::new(),
    };
    let ctx = |now| Ctx {
        policy,
        absences: &scenario.absences,
        now,
    };
    let end = after(scenario.start, scenario.until);
    let mut ack = scenario.ack.clone();

    let outcome = open(
        ctx(scenario.start),
        IncidentId(1),
        open_request(policy, scenario),
    )
    .map_err(SimulationError::Refused)?;
    run.record(&outcome.timeline);
    let mut incident = outcome.incident;

    loop {
        let due = incident.timer.map(|timer| timer.due);
        if let Some(planned) = ack.take() {
            let at = after(scenario.start, planned.after);
            if at <= end && due.is_none_or(|due| at <= due) {
                if run.acknowledge(&incident, &planned, at)? {
                    break;
                }
                continue;
            }
            ack = Some(planned);
        }

        let Some(due) = due.filter(|due| *due <= end) else {
            run.push(end, What::Stop { reason: "until" });
            break;
        };
        let Ok(outcome) = apply(ctx(due), &incident, Intent::TimerDue) else {
            // TimerDue is never refused; stop rather than loop if that ever changes.
            run.push(due, What::Stop { reason: "until" });
            break;
        };
        run.record(&outcome.timeline);
        incident = outcome.incident;
        if channel_rounds(&incident) >= CHANNEL_ROUNDS {
            run.push(
                due,
                What::Stop {
                    reason: "channel_rounds",
                },
            );
            break;
        }
    }
    Ok(run.lines)
}

fn check_scenario(policy: &Policy, scenario: &Scenario) -> Result<(), SimulationError> {
    if policy.severity(&scenario.severity).is_none() {
        return Err(SimulationError::UnknownSeverity(scenario.severity.clone()));
    }
    if !policy.teams.contains_key(&scenario.team) {
        return Err(SimulationError::UnknownTeam(scenario.team.clone()));
    }
    let people = scenario
        .absences
        .iter()
        .map(|absence| &absence.person)
        .chain(scenario.ack.as_ref().map(|ack| &ack.person));
    for person in people {
        if !policy.people.contains_key(person) {
            return Err(SimulationError::UnknownPerson(person.clone()));
        }
    }
    if let Some(ack) = &scenario.ack {
        account(policy, &ack.person, scenario.platform)?;
    }
    Ok(())
}

fn open_request(policy: &Policy, scenario: &Scenario) -> OpenRequest {
    let channel = policy
        .teams
        .get(&scenario.team)
        .and_then(|team| team.chat.get(&scenario.platform))
        .map_or_else(
            || "simulate".to_owned(),
            |chat| chat.incident_channel.clone(),
        );
    OpenRequest {
        platform: scenario.platform,
        team: scenario.team.clone(),
        severity: scenario.severity.clone(),
        summary: "simulated incident".to_owned(),
        reporter: UserRef {
            platform: scenario.platform,
            id: "simulate".to_owned(),
        },
        channel,
    }
}

/// The chat account `person` acknowledges from: theirs on `platform`, else any.
fn account(
    policy: &Policy,
    person: &PersonId,
    platform: Platform,
) -> Result<UserRef, SimulationError> {
    let accounts = &policy
        .people
        .get(person)
        .ok_or_else(|| SimulationError::UnknownPerson(person.clone()))?
        .accounts;
    accounts
        .get_key_value(&platform)
        .or_else(|| accounts.iter().next())
        .map(|(platform, id)| UserRef {
            platform: *platform,
            id: id.clone(),
        })
        .ok_or_else(|| SimulationError::NoAccount(person.clone()))
}

fn channel_rounds(incident: &Incident) -> u32 {
    match incident.cursor.phase {
        Phase::WholeChannel { rounds } => rounds,
        _ => 0,
    }
}

fn after(at: Timestamp, duration: Duration) -> Timestamp {
    at + chrono::TimeDelta::from_std(duration).unwrap_or(chrono::TimeDelta::MAX)
}

struct Run<'a> {
    policy: &'a Policy,
    scenario: &'a Scenario,
    lines: Vec<Line>,
}

impl Run<'_> {
    fn push(&mut self, at: Timestamp, what: What) {
        let elapsed_seconds = (at - self.scenario.start).num_seconds();
        self.lines.push(Line {
            elapsed: format_elapsed(elapsed_seconds),
            elapsed_seconds,
            at,
            what,
        });
    }

    /// Applies the planned acknowledgement; true when it was accepted.
    fn acknowledge(
        &mut self,
        incident: &Incident,
        planned: &PlannedAck,
        at: Timestamp,
    ) -> Result<bool, SimulationError> {
        let by = account(self.policy, &planned.person, self.scenario.platform)?;
        let ctx = Ctx {
            policy: self.policy,
            absences: &self.scenario.absences,
            now: at,
        };
        match apply(ctx, incident, Intent::Acknowledge { by }) {
            Ok(outcome) => {
                self.record(&outcome.timeline);
                Ok(true)
            }
            Err(rejection) => {
                let what = What::AckRefused {
                    person: planned.person.clone(),
                    reason: rejection.to_string(),
                };
                self.push(at, what);
                Ok(false)
            }
        }
    }

    fn record(&mut self, timeline: &[Entry]) {
        for entry in timeline {
            if let Some(what) = self.describe(&entry.event, entry.at) {
                self.push(entry.at, what);
            }
        }
    }

    fn role(&self, step: usize) -> String {
        self.policy
            .path(&self.scenario.severity, &self.scenario.team)
            .and_then(|path| path.steps.get(step))
            .map_or_else(
                || "channel".to_owned(),
                |step| match &step.target {
                    Target::Position(position) => position.to_string(),
                    Target::Person(person) => person.to_string(),
                },
            )
    }

    fn describe(&self, event: &Event, at: Timestamp) -> Option<What> {
        Some(match event {
            Event::Opened { severity, .. } => What::Open {
                severity: severity.clone(),
                team: self.scenario.team.clone(),
            },
            Event::Paged {
                person,
                means,
                reason,
                step,
            } => self.page(person, means, reason, *step, at),
            Event::Skipped {
                person,
                deputy,
                reason: SkipReason::Absent { until },
            } => What::Skip {
                person: person.clone(),
                reason: "absent",
                until: (*until != Timestamp::MAX_UTC).then_some(*until),
                deputy: deputy.clone(),
            },
            Event::Climbed { step } => What::Climb {
                step: step + 1,
                role: self.role(*step),
            },
            Event::ChannelPaged { round } => What::ChannelPage { round: *round },
            Event::Acknowledged { by } => What::Ack { person: by.clone() },
            // Nothing else happens in a simulated run: no one resolves, updates or follows.
            _ => return None,
        })
    }

    fn page(
        &self,
        person: &PersonId,
        means: &[crate::engine::policy::Means],
        reason: &PageReason,
        step: usize,
        at: Timestamp,
    ) -> What {
        let (reason, repage, of) = match reason {
            PageReason::First => ("first", None, None),
            PageReason::Repage { n } => ("repage", Some(*n), None),
            PageReason::Deputy { of } => ("deputy", None, Some(of.clone())),
            PageReason::StandIn { of } => ("stand_in", None, Some(of.clone())),
            PageReason::SeverityChanged => ("severity_changed", None, None),
            PageReason::Reassigned => ("reassigned", None, None),
        };
        let zone = self
            .policy
            .people
            .get(person)
            .map_or(Tz::UTC, |person| person.timezone);
        let local = at.with_timezone(&zone);
        let clock = if local.second() == 0 {
            "%H:%M"
        } else {
            "%H:%M:%S"
        };
        What::Page {
            person: person.clone(),
            step: step + 1,
            role: self.role(step),
            reason,
            repage,
            of,
            means: means.iter().map(ToString::to_string).collect(),
            local_time: local.format(clock).to_string(),
            zone: local.format("%Z").to_string(),
            timezone: zone.name().to_owned(),
        }
    }
}

/// `+0m`, `+7m`, `+1h5m`, `+2m30s`, `+1d2h`.
pub fn format_elapsed(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "+" };
    let seconds = seconds.unsigned_abs();
    if seconds == 0 {
        return "+0m".to_owned();
    }
    let text: String = format_duration(Duration::from_secs(seconds))
        .split(' ')
        .collect();
    format!("{sign}{text}")
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}  {}  ",
            self.elapsed,
            self.at.format("%Y-%m-%dT%H:%M:%SZ")
        )?;
        match &self.what {
            What::Open { severity, team } => write!(f, "open {severity} for team {team}"),
            What::Page {
                person,
                role,
                repage,
                of,
                reason,
                means,
                local_time,
                zone,
                ..
            } => {
                let why = match (*reason, repage, of) {
                    ("repage", Some(n), _) => format!("{role}, re-page {n}"),
                    ("deputy", _, Some(of)) => format!("deputy of {of}"),
                    ("stand_in", _, Some(of)) => format!("standing in for {of}"),
                    ("first", _, _) => role.clone(),
                    (other, _, _) => format!("{role}, {}", other.replace('_', " ")),
                };
                write!(
                    f,
                    "page {person} ({why}) by {} — {local_time} {zone}",
                    means.join(", ")
                )
            }
            What::Skip {
                person,
                until,
                deputy,
                ..
            } => {
                write!(f, "skip {person}: absent")?;
                if let Some(until) = until {
                    write!(f, " until {}", until.format("%Y-%m-%dT%H:%M:%SZ"))?;
                }
                match deputy {
                    Some(deputy) => write!(f, "; deputy {deputy} stands in"),
                    None => write!(f, "; no deputy present"),
                }
            }
            What::Climb { step, role } => write!(f, "climb to step {step}: {role}"),
            What::ChannelPage { round } => {
                write!(f, "page the whole incident channel (round {round})")
            }
            What::Ack { person } => write!(f, "ack by {person}"),
            What::AckRefused { person, reason } => write!(f, "ack by {person} refused: {reason}"),
            What::Stop {
                reason: "channel_rounds",
            } => write!(
                f,
                "end of simulation after {CHANNEL_ROUNDS} whole-channel pages; nobody \
                 acknowledged (the bot would go on paging the channel)"
            ),
            What::Stop { .. } => write!(f, "end of the simulated time; nobody acknowledged"),
        }
    }
}

impl FromStr for PlannedAck {
    type Err = SyntaxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let expected = || SyntaxError(format!("`{text}` is not PERSON@DURATION, e.g. bob@7m"));
        let (person, duration) = text.split_once('@').ok_or_else(expected)?;
        if person.is_empty() {
            return Err(expected());
        }
        let after = humantime::parse_duration(duration.trim()).map_err(|_| expected())?;
        Ok(Self {
            person: PersonId::from(person),
            after,
        })
    }
}

impl FromStr for AbsenceSpec {
    type Err = SyntaxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let expected = || {
            SyntaxError(format!(
                "`{text}` is not PERSON or PERSON@FROM..UNTIL, e.g. bob@2026-03-29T01:00..2026-03-29T04:00"
            ))
        };
        let (person, range) = match text.split_once('@') {
            Some((person, range)) => (person, Some(range)),
            None => (text, None),
        };
        if person.is_empty() {
            return Err(expected());
        }
        let Some(range) = range else {
            return Ok(Self {
                person: PersonId::from(person),
                from: None,
                until: None,
            });
        };
        let (from, until) = range.split_once("..").ok_or_else(expected)?;
        let local = |value: &str| -> Result<Option<NaiveDateTime>, SyntaxError> {
            if value.is_empty() {
                return Ok(None);
            }
            ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
                .map(Some)
                .ok_or_else(expected)
        };
        Ok(Self {
            person: PersonId::from(person),
            from: local(from)?,
            until: local(until)?,
        })
    }
}

/// The UTC instant of `local` in `zone`. A time the clocks skip is an error; a time they
/// pass twice is taken at its first, earlier occurrence.
pub fn local_to_utc(zone: Tz, local: NaiveDateTime) -> Result<Timestamp, SimulationError> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) => Ok(time.to_utc()),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.to_utc()),
        LocalResult::None => Err(SimulationError::SkippedLocalTime { time: local, zone }),
    }
}

impl AbsenceSpec {
    /// The absence in UTC, read in the person's time zone. Open ends become the far past
    /// and far future.
    pub fn resolve(&self, policy: &Policy) -> Result<Absence, SimulationError> {
        let person = policy
            .people
            .get(&self.person)
            .ok_or_else(|| SimulationError::UnknownPerson(self.person.clone()))?;
        let from = match self.from {
            Some(local) => local_to_utc(person.timezone, local)?,
            None => Timestamp::MIN_UTC,
        };
        let until = match self.until {
            Some(local) => local_to_utc(person.timezone, local)?,
            None => Timestamp::MAX_UTC,
        };
        if from >= until {
            return Err(SimulationError::EmptyAbsence(self.person.clone()));
        }
        Ok(Absence {
            person: self.person.clone(),
            from,
            until,
            reason: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn local_times_around_daylight_saving_changes() {
        let berlin = chrono_tz::Europe::Berlin;
        for (text, expected) in [
            ("2026-03-29T01:59", Some("2026-03-29T00:59:00Z")),
            ("2026-03-29T03:00", Some("2026-03-29T01:00:00Z")),
            // 02:30 on the night clocks go forward does not exist.
            ("2026-03-29T02:30", None),
            // 02:30 on the night clocks go back happens twice; the first is in CEST.
            ("2026-10-25T02:30", Some("2026-10-25T00:30:00Z")),
        ] {
            let utc = local_to_utc(berlin, local(text)).ok();
            assert_eq!(
                utc.map(|time| time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .as_deref(),
                expected,
                "{text}"
            );
        }
        assert_eq!(
            local_to_utc(berlin, local("2026-03-29T02:30")).unwrap_err().to_string(),
            "2026-03-29 02:30:00 does not exist in Europe/Berlin: the clocks skip it for daylight saving time"
        );
    }

    #[test]
    fn absences_and_acks_parse_from_their_command_line_form() {
        assert_eq!(
            "bob@2026-03-29T01:00..2026-03-29T04:00:30".parse::<AbsenceSpec>(),
            Ok(AbsenceSpec {
                person: PersonId::from("bob"),
                from: Some(local("2026-03-29T01:00")),
                until: Some(local("2026-03-29T04:00") + chrono::TimeDelta::seconds(30)),
            })
        );
        assert_eq!(
            "bob@..2026-03-29T04:00"
                .parse::<AbsenceSpec>()
                .map(|spec| (spec.from, spec.until)),
            Ok((None, Some(local("2026-03-29T04:00"))))
        );
        assert_eq!(
            "bob"
                .parse::<AbsenceSpec>()
                .map(|spec| (spec.from, spec.until)),
            Ok((None, None))
        );
        for bad in [
            "",
            "@2026-03-29T01:00..",
            "bob@2026-03-29",
            "bob@yesterday..today",
        ] {
            assert!(bad.parse::<AbsenceSpec>().is_err(), "{bad}");
        }

        assert_eq!(
            "bob@1m 30s".parse::<PlannedAck>(),
            Ok(PlannedAck {
                person: PersonId::from("bob"),
                after: Duration::from_secs(90),
            })
        );
        for bad in ["bob", "bob@", "@7m", "bob@soon"] {
            assert!(bad.parse::<PlannedAck>().is_err(), "{bad}");
        }
    }

    #[test]
    fn elapsed_times_are_compact() {
        for (seconds, expected) in [
            (0, "+0m"),
            (420, "+7m"),
            (3900, "+1h5m"),
            (150, "+2m30s"),
            (93600, "+1d2h"),
        ] {
            assert_eq!(format_elapsed(seconds), expected);
        }
    }
}
