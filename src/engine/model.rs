//! The incident record and the vocabulary the engine speaks: intents in, events and
//! effects out.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{IncidentId, PersonId, SeverityId, TeamId};
use super::policy::Means;

/// A point in time; the engine never reads a clock, callers pass this in.
pub type Timestamp = DateTime<Utc>;

/// The chat platform an incident was raised on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Slack.
    Slack,
    /// Discord.
    Discord,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Slack => "slack",
            Platform::Discord => "discord",
        })
    }
}

/// A chat user as the platform names them; they may or may not be a configured person.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UserRef {
    /// The platform the id belongs to.
    pub platform: Platform,
    /// The platform's user id, e.g. `U0123ABC`.
    pub id: String,
}

impl UserRef {
    /// A Slack user.
    pub fn slack(id: impl Into<String>) -> Self {
        Self {
            platform: Platform::Slack,
            id: id.into(),
        }
    }
}

/// Where an incident is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Paging is under way; nobody has taken it yet.
    Open,
    /// Someone owns it.
    Acknowledged,
    /// Fixed; waiting for the fix note.
    Resolved,
    /// Fix note captured; nothing more to do.
    Closed,
    /// Withdrawn; no blame attached.
    Cancelled,
}

impl State {
    /// Whether the problem is still unresolved.
    pub fn is_active(self) -> bool {
        matches!(self, State::Open | State::Acknowledged)
    }

    /// The lowercase name used in logs, exports and message keys.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Acknowledged => "acknowledged",
            State::Resolved => "resolved",
            State::Closed => "closed",
            State::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One escalation, from `/escalate` to knowledge captured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// The incident's number.
    pub id: IncidentId,
    /// Where it was raised; all its messages go there.
    pub platform: Platform,
    /// The team whose path it climbs.
    pub team: TeamId,
    /// Its current severity.
    pub severity: SeverityId,
    /// The reporter's one-line description.
    pub summary: String,
    /// Who escalated.
    pub reporter: UserRef,
    /// The channel `/escalate` was typed in.
    pub origin_channel: String,
    /// Lifecycle state.
    pub state: State,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When it was first acknowledged.
    pub acknowledged_at: Option<Timestamp>,
    /// When it was resolved.
    pub resolved_at: Option<Timestamp>,
    /// When it was closed or cancelled.
    pub closed_at: Option<Timestamp>,
    /// Who owns it now.
    pub assignee: Option<PersonId>,
    /// Who is kept informed of changes.
    pub followers: BTreeSet<UserRef>,
    /// Where on the path paging stands.
    pub cursor: Cursor,
    /// Everyone paged so far, on any step.
    pub paged: BTreeSet<PersonId>,
    /// The one pending timer, if any.
    pub timer: Option<Timer>,
    /// How many fix-note reminders went out.
    pub fix_note_reminders: u32,
    /// The knowledge entry, once written.
    pub fix_note: Option<FixNote>,
    /// Why no fix note was written, when someone said there is nothing to note.
    #[serde(default)]
    pub fix_note_skip: Option<FixNoteSkip>,
    /// Earlier versions of the fix note, oldest first, each with who replaced it and when.
    #[serde(default)]
    pub fix_note_history: Vec<FixNoteRevision>,
}

impl Incident {
    /// Whether the knowledge loop is closed: a fix note was written or skipped with a
    /// reason.
    pub fn has_knowledge_outcome(&self) -> bool {
        self.fix_note.is_some() || self.fix_note_skip.is_some()
    }
}

/// Where paging stands on the path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Index of the current step; equal to the path length once every step is spent.
    pub step: usize,
    /// What the current step is doing.
    pub phase: Phase,
    /// When the current phase started.
    pub since: Timestamp,
    /// Who was paged as a holder of the current step.
    pub step_paged: Vec<PersonId>,
}

/// What the current step is doing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "phase")]
pub enum Phase {
    /// The step's people were paged and may be re-paged.
    Holders {
        /// Re-pages already sent.
        repages_sent: u32,
    },
    /// The step's people stayed silent; their deputies were paged.
    Deputies,
    /// Every step is spent; the whole incident channel is paged on repeat.
    WholeChannel {
        /// Whole-channel pages sent so far.
        rounds: u32,
    },
}

/// The single pending timer of an incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// When it is due.
    pub due: Timestamp,
    /// What it is for.
    pub kind: TimerKind,
}

/// What a timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// The next re-page, deputy, step or whole-channel page.
    Escalation,
    /// The next reminder to post the fix note.
    FixNoteReminder,
}

/// The knowledge entry written after resolution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixNote {
    /// What happened.
    pub summary: String,
    /// Why it happened.
    pub cause: String,
    /// What fixed it.
    pub fix: String,
    /// How to prevent it next time.
    pub prevention: String,
    /// Related links.
    pub links: Vec<String>,
    /// Who wrote it.
    pub author: UserRef,
    /// When it was written.
    pub written_at: Timestamp,
}

/// The explicit decision that an incident needs no fix note, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixNoteSkip {
    /// Why there is nothing to note, e.g. a duplicate of another incident.
    pub reason: String,
    /// Who said so.
    pub by: UserRef,
    /// When.
    pub at: Timestamp,
}

/// A fix note as it was before an edit replaced it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixNoteRevision {
    /// The note before the edit.
    pub note: FixNote,
    /// Who edited it.
    pub edited_by: UserRef,
    /// When.
    pub edited_at: Timestamp,
}

/// What someone asks the engine to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "intent")]
pub enum Intent {
    /// Take the incident over.
    Acknowledge {
        /// Who acknowledges.
        by: UserRef,
    },
    /// Hand the incident to someone else.
    Reassign {
        /// The new owner.
        to: PersonId,
        /// Who hands it over.
        by: UserRef,
    },
    /// Move the incident to another severity.
    ChangeSeverity {
        /// The new severity.
        to: SeverityId,
        /// Who changes it.
        by: UserRef,
    },
    /// Add a status update to the timeline.
    Update {
        /// Who writes.
        by: UserRef,
        /// The update.
        text: String,
    },
    /// Be kept informed.
    Follow {
        /// Who follows.
        by: UserRef,
    },
    /// The problem is fixed.
    Resolve {
        /// Who resolves.
        by: UserRef,
    },
    /// Capture the fix; closes the incident.
    AddFixNote {
        /// The note; its author and time are taken from it.
        note: FixNote,
    },
    /// Say that a resolved incident needs no fix note; closes it.
    SkipFixNote {
        /// Who says so.
        by: UserRef,
        /// Why, e.g. a duplicate or no change was made.
        reason: String,
    },
    /// Replace the text of a captured fix note; its author and time stay.
    EditFixNote {
        /// Who edits: the note's author or an admin.
        by: UserRef,
        /// The new text (its `author` and `written_at` are ignored).
        note: FixNote,
    },
    /// Withdraw the incident.
    Cancel {
        /// Who cancels.
        by: UserRef,
    },
    /// The incident's timer came due.
    TimerDue,
}

/// Why a person was paged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum PageReason {
    /// The step started.
    First,
    /// No acknowledgement yet; the `n`th re-page.
    Repage {
        /// Which re-page, from 1.
        n: u32,
    },
    /// `of` stayed silent; the deputy is asked.
    Deputy {
        /// The silent person.
        of: PersonId,
    },
    /// `of` is absent; the deputy stands in from the start.
    StandIn {
        /// The absent person.
        of: PersonId,
    },
    /// The severity changed and the path was evaluated again.
    SeverityChanged,
    /// The incident was handed to this person.
    Reassigned,
}

/// Why someone on the path was not paged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum SkipReason {
    /// Marked away until then.
    Absent {
        /// End of the absence.
        until: Timestamp,
    },
    /// Already being paged on this step.
    AlreadyPaged,
}

/// Something that happened to an incident; the timeline is a list of these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    /// The incident was opened.
    Opened {
        /// Who escalated.
        reporter: UserRef,
        /// The severity chosen.
        severity: SeverityId,
    },
    /// A person was paged.
    Paged {
        /// Who.
        person: PersonId,
        /// By which means.
        means: Vec<Means>,
        /// Why.
        reason: PageReason,
        /// On which step (0-based).
        step: usize,
    },
    /// A person on the path was passed over.
    Skipped {
        /// Who was passed over.
        person: PersonId,
        /// Who stands in, if anyone.
        deputy: Option<PersonId>,
        /// Why.
        reason: SkipReason,
    },
    /// Paging moved to the next step.
    Climbed {
        /// The new step (0-based).
        step: usize,
    },
    /// Every step is spent; the whole channel was paged.
    ChannelPaged {
        /// Which round, from 1.
        round: u32,
    },
    /// Someone took the incident over.
    Acknowledged {
        /// The new owner.
        by: PersonId,
    },
    /// The incident was handed over.
    Reassigned {
        /// The previous owner.
        from: Option<PersonId>,
        /// The new owner.
        to: PersonId,
        /// Who handed it over.
        by: UserRef,
    },
    /// The severity changed.
    SeverityChanged {
        /// Before.
        from: SeverityId,
        /// After.
        to: SeverityId,
        /// Who changed it.
        by: UserRef,
    },
    /// A status update.
    StatusUpdate {
        /// Who wrote it.
        by: UserRef,
        /// What they wrote.
        text: String,
    },
    /// Someone follows the incident.
    Followed {
        /// The new follower.
        by: UserRef,
    },
    /// The problem is fixed.
    Resolved {
        /// Who resolved it.
        by: UserRef,
    },
    /// The fix note was captured; the incident is closed.
    FixNoteAdded {
        /// Who wrote it.
        by: UserRef,
    },
    /// Someone said there is nothing to note; the incident is closed.
    FixNoteSkipped {
        /// Who said so.
        by: UserRef,
        /// Why.
        reason: String,
    },
    /// The fix note was edited.
    FixNoteEdited {
        /// Who edited it.
        by: UserRef,
    },
    /// The thread was reminded to post the fix note.
    FixNoteRequested {
        /// Which reminder, 0 for the first request.
        reminder: u32,
    },
    /// The incident was withdrawn.
    Cancelled {
        /// Who withdrew it.
        by: UserRef,
    },
}

/// A timeline entry: an event and when it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When.
    pub at: Timestamp,
    /// What.
    pub event: Event,
}

/// Something the outside world must be told; adapters render it per platform and locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "effect")]
pub enum Effect {
    /// Post the root message in the team's incident channel; its thread is the timeline.
    PostRoot,
    /// Update the root message in place from the incident's current state.
    RefreshRoot,
    /// Page one person by one means.
    Page {
        /// Who.
        person: PersonId,
        /// How.
        means: Means,
        /// Why.
        reason: PageReason,
        /// On which step (0-based).
        step: usize,
    },
    /// Page the whole incident channel.
    PageChannel {
        /// Which round, from 1.
        round: u32,
    },
    /// Post an event in the incident thread.
    Announce {
        /// What to say.
        event: Event,
    },
    /// Tell every follower about an event by direct message.
    NotifyFollowers {
        /// What to say.
        event: Event,
    },
    /// Ask the thread for the fix note.
    AskForFixNote {
        /// Which reminder, 0 for the first request.
        reminder: u32,
    },
    /// Publish the fix note to the team's knowledge channel, or update the post in place
    /// once it exists.
    PublishFixNote,
    /// Show past fix notes related to a new incident in its thread.
    ShowRelatedFixes {
        /// The notes, most relevant first.
        fixes: Vec<RelatedFix>,
    },
}

/// A past incident's fix note, as shown next to a new incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedFix {
    /// The past incident.
    pub incident: IncidentId,
    /// Its fix note's summary.
    pub title: String,
    /// Its severity.
    pub severity: SeverityId,
    /// Its team.
    pub team: TeamId,
    /// When the note was written.
    pub written_at: Timestamp,
    /// The channel of its thread, when known.
    pub channel: Option<String>,
}

/// Why the engine refused an intent. The adapters turn these into helpful replies.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The user is not a configured person, so they cannot take this action.
    #[error("you are not in the escalation policy, so you cannot {action}")]
    UnknownPerson {
        /// What was attempted, e.g. "acknowledge".
        action: &'static str,
    },
    /// The person is neither paged, on the path, a deputy, nor an admin.
    #[error("only people on this incident's path, their deputies or admins can {action}")]
    NotEligible {
        /// What was attempted.
        action: &'static str,
    },
    /// Someone already owns the incident.
    #[error("already acknowledged by {by}")]
    AlreadyAcknowledged {
        /// The owner.
        by: PersonId,
    },
    /// The incident is past the point where this makes sense.
    #[error("the incident is {state}")]
    NotActive {
        /// Its state.
        state: State,
    },
    /// The fix note exists already.
    #[error("the fix note is already captured")]
    AlreadyClosed,
    /// There is no fix note to edit.
    #[error("there is no fix note to edit")]
    NoFixNote,
    /// Only the note's author and admins may edit a fix note.
    #[error("only the note's author or an admin can edit it")]
    NotNoteAuthor,
    /// The severity is not configured.
    #[error("there is no severity `{0}`")]
    UnknownSeverity(SeverityId),
    /// The team is not configured.
    #[error("there is no team `{0}`")]
    UnknownTeam(TeamId),
    /// The person is not configured.
    #[error("there is no person `{0}`")]
    UnknownAssignee(PersonId),
    /// No path covers this severity and team.
    #[error("severity {severity} has no path for team {team}")]
    NoPath {
        /// The severity.
        severity: SeverityId,
        /// The team.
        team: TeamId,
    },
    /// Nothing would change.
    #[error("nothing to change")]
    Unchanged,
    /// A required text was empty.
    #[error("the {field} is empty")]
    Empty {
        /// Which field.
        field: &'static str,
    },
}
