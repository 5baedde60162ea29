//! The validated escalation policy the engine decides with.
//!
//! `config` builds a `Policy` from the `bot-config/` folder after checking it; admin
//! commands change it at run time. Everything here is plain data: no I/O, no parsing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::ids::{PersonId, PositionId, SeverityId, TeamId};
use super::Platform;

/// The whole policy: teams, people, severities and their paths, and house rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Teams by id.
    pub teams: BTreeMap<TeamId, Team>,
    /// People by id.
    pub people: BTreeMap<PersonId, Person>,
    /// Severities, most severe first.
    pub severities: Vec<Severity>,
    /// People allowed to change the policy and to act on any incident.
    pub admins: BTreeSet<PersonId>,
    /// Reactions that acknowledge an incident.
    pub ack_emoji: Vec<String>,
    /// Reactions that resolve an incident.
    pub resolve_emoji: Vec<String>,
    /// How often the thread is reminded to post the fix note after resolution.
    pub fix_note_reminder_every: Duration,
    /// How often admins are asked to review the criteria.
    pub criteria_review_every: Duration,
    /// The locale used when neither the person nor the team sets one.
    pub default_locale: String,
    /// Outgoing webhooks a step may page through, by name.
    pub webhooks: BTreeMap<String, Webhook>,
}

/// A team: where its people talk, where incidents go, where fix notes go.
#[derive(Clone, Debug, PartialEq)]
pub struct Team {
    /// Stable id, used in paths and commands.
    pub id: TeamId,
    /// Display name.
    pub name: String,
    /// The team's channels on each platform.
    pub chat: BTreeMap<Platform, TeamChannels>,
    /// The locale for messages posted in the team's channels.
    pub locale: Option<String>,
}

/// One team's channels on one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamChannels {
    /// Channels whose `/escalate` belongs to this team.
    pub channels: Vec<String>,
    /// Where incident root messages and threads are posted.
    pub incident_channel: String,
    /// Where fix notes are published.
    pub knowledge_channel: String,
}

/// A person who can be paged, acknowledge, stand in, or administer.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    /// Stable id, used in paths, deputies and commands.
    pub id: PersonId,
    /// Display name.
    pub name: String,
    /// The person's user id on each platform.
    pub accounts: BTreeMap<Platform, String>,
    /// Positions held, per team or company-wide.
    pub positions: Vec<PositionHold>,
    /// Who stands in when this person is absent or silent.
    pub deputy: Option<PersonId>,
    /// Preferred locale for messages addressed to this person.
    pub locale: Option<String>,
    /// The person's time zone, for dates they type and times shown to them.
    pub timezone: Tz,
}

/// A position held by a person: in one team, or in every team when `team` is `None`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PositionHold {
    /// The team, or `None` for a company-wide position such as `cto`.
    pub team: Option<TeamId>,
    /// The position.
    pub position: PositionId,
}

/// A severity level with its criteria and paths.
#[derive(Clone, Debug, PartialEq)]
pub struct Severity {
    /// Stable id such as `sev1`.
    pub id: SeverityId,
    /// Display name such as "Critical".
    pub name: String,
    /// What qualifies as an incident of this severity.
    pub criteria: Vec<String>,
    /// What explicitly does not.
    pub counter_examples: Vec<String>,
    /// The path for teams without one of their own.
    pub default_path: Option<Path>,
    /// Team-specific paths.
    pub team_paths: BTreeMap<TeamId, Path>,
}

/// The ordered steps an incident climbs.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// At least one step.
    pub steps: Vec<Step>,
}

/// One position on a path.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Who is paged.
    pub target: Target,
    /// How they are paged; every means is used for every page.
    pub means: Vec<Means>,
    /// How long the people of this step have to acknowledge before the deputies are paged.
    pub ack_within: Duration,
    /// How many times the people are paged again within `ack_within`.
    pub repages: u32,
    /// The interval between re-pages.
    pub repage_every: Duration,
}

/// Whom a step pages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// Everyone holding the position in the incident's team.
    Position(PositionId),
    /// One named person.
    Person(PersonId),
}

/// How a page reaches a person.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Means {
    /// A mention in the incident thread.
    Thread,
    /// A direct message.
    Direct,
    /// A mention of the whole incident channel.
    Channel,
    /// A JSON call to a named webhook (phone, SMS or mail gateway).
    Webhook(String),
}

/// An outgoing webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// The URL called with a JSON body.
    pub url: String,
}

impl fmt::Display for Means {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Means::Thread => f.write_str("thread"),
            Means::Direct => f.write_str("dm"),
            Means::Channel => f.write_str("channel"),
            Means::Webhook(name) => write!(f, "webhook:{name}"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Position(position) => write!(f, "{position}"),
            Target::Person(person) => write!(f, "{person}"),
        }
    }
}

impl Step {
    /// The offsets from the start of the step at which re-pages go out, each strictly
    /// inside the ack deadline.
    pub fn repage_offsets(&self) -> impl Iterator<Item = Duration> + '_ {
        (1..=self.repages)
            .map(|n| self.repage_every * n)
            .filter(|offset| *offset < self.ack_within)
    }

    /// The interval a whole-channel page repeats on when this is the last step.
    pub fn final_interval(&self) -> Duration {
        if self.repages > 0 {
            self.repage_every
        } else {
            self.ack_within
        }
    }
}

impl Policy {
    /// The severity with this id.
    pub fn severity(&self, id: &SeverityId) -> Option<&Severity> {
        self.severities.iter().find(|severity| &severity.id == id)
    }

    /// The path an incident of `severity` in `team` climbs.
    pub fn path(&self, severity: &SeverityId, team: &TeamId) -> Option<&Path> {
        let severity = self.severity(severity)?;
        severity
            .team_paths
            .get(team)
            .or(severity.default_path.as_ref())
    }

    /// The person who owns this platform account, if configured.
    pub fn person_by_account(&self, platform: Platform, user_id: &str) -> Option<&Person> {
        self.people
            .values()
            .find(|person| person.accounts.get(&platform).map(String::as_str) == Some(user_id))
    }

    /// Everyone holding `position` in `team`, company-wide holders included, by id order.
    pub fn holders(&self, team: &TeamId, position: &PositionId) -> Vec<PersonId> {
        self.people
            .values()
            .filter(|person| {
                person.positions.iter().any(|hold| {
                    &hold.position == position
                        && hold.team.as_ref().is_none_or(|held_in| held_in == team)
                })
            })
            .map(|person| person.id.clone())
            .collect()
    }

    /// The people a step names in `team`, before absences are considered.
    pub fn step_people(&self, team: &TeamId, step: &Step) -> Vec<PersonId> {
        match &step.target {
            Target::Position(position) => self.holders(team, position),
            Target::Person(person) => vec![person.clone()],
        }
    }

    /// The team whose channels include `channel` on `platform`.
    pub fn team_for_channel(&self, platform: Platform, channel: &str) -> Option<&Team> {
        self.teams.values().find(|team| {
            team.chat.get(&platform).is_some_and(|chat| {
                chat.incident_channel == channel || chat.channels.iter().any(|c| c == channel)
            })
        })
    }

    /// Whether `person` is an admin.
    pub fn is_admin(&self, person: &PersonId) -> bool {
        self.admins.contains(person)
    }
}
