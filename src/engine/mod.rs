//! The platform-neutral escalation engine: a deterministic state machine.
//!
//! An intent and the current time go in; the new incident, its timeline entries and the
//! effects to deliver come out. Nothing here reads a clock or touches the network, the
//! disk or a chat platform, so the same code runs the bot, `simulate` and the tests.
//!
//! Paging on one step works like this: the step's people are paged when the step starts
//! and re-paged at every `repage_every` that falls strictly inside `ack_within`. When
//! `ack_within` passes without an acknowledgement, their deputies are paged and get
//! another `ack_within`; then paging climbs to the next step. After the last step the
//! whole incident channel is paged, again and again on the last step's interval, so an
//! incident is never silently dropped. An open incident always has exactly one timer.

pub mod ids;
pub mod model;
pub mod policy;
pub mod routing;

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use ids::{IncidentId, PersonId, PositionId, SeverityId, TeamId};
pub use model::*;
use policy::{Means, Path, Policy, Step};
use routing::{route_deputies, route_step, Presence, Recipient};

/// A person marked away for a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    /// Who is away.
    pub person: PersonId,
    /// From when.
    pub from: Timestamp,
    /// Until when (exclusive).
    pub until: Timestamp,
    /// Why, if they said.
    pub reason: Option<String>,
}

/// What the engine decides with besides the incident: policy, absences and the time.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The live policy.
    pub policy: &'a Policy,
    /// Known absences (past, present or future).
    pub absences: &'a [Absence],
    /// The current time.
    pub now: Timestamp,
}

/// What opening an incident needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequest {
    /// The platform it is raised on.
    pub platform: Platform,
    /// The team whose path it climbs.
    pub team: TeamId,
    /// The severity chosen.
    pub severity: SeverityId,
    /// The one-line description.
    pub summary: String,
    /// Who escalated.
    pub reporter: UserRef,
    /// Where `/escalate` was typed.
    pub channel: String,
}

/// The result of a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The incident after the decision.
    pub incident: Incident,
    /// What happened, in order.
    pub timeline: Vec<Entry>,
    /// What the outside world must be told, in order.
    pub effects: Vec<Effect>,
}

impl Outcome {
    fn new(incident: Incident) -> Self {
        Self {
            incident,
            timeline: Vec::new(),
            effects: Vec::new(),
        }
    }

    fn record(&mut self, now: Timestamp, event: Event) {
        self.timeline.push(Entry { at: now, event });
    }

    fn record_and_announce(&mut self, now: Timestamp, event: Event) {
        self.effects.push(Effect::Announce {
            event: event.clone(),
        });
        self.record(now, event);
    }

    fn tell_followers(&mut self, event: Event) {
        if !self.incident.followers.is_empty() {
            self.effects.push(Effect::NotifyFollowers { event });
        }
    }
}

fn after(now: Timestamp, duration: Duration) -> Timestamp {
    // Durations come from validated config and are far below chrono's limits.
    now + chrono::TimeDelta::from_std(duration).unwrap_or(chrono::TimeDelta::MAX)
}

/// Opens incident `id` and starts paging its path's first step.
pub fn open(ctx: Ctx<'_>, id: IncidentId, request: OpenRequest) -> Result<Outcome, Rejection> {
    if !ctx.policy.teams.contains_key(&request.team) {
        return Err(Rejection::UnknownTeam(request.team));
    }
    if ctx.policy.severity(&request.severity).is_none() {
        return Err(Rejection::UnknownSeverity(request.severity));
    }
    if ctx.policy.path(&request.severity, &request.team).is_none() {
        return Err(Rejection::NoPath {
            severity: request.severity,
            team: request.team,
        });
    }
    let summary = request.summary.trim().to_owned();
    if summary.is_empty() {
        return Err(Rejection::Empty { field: "summary" });
    }

    let incident = Incident {
        id,
        platform: request.platform,
        team: request.team,
        severity: request.severity.clone(),
        summary,
        reporter: request.reporter.clone(),
        origin_channel: request.channel,
        state: State::Open,
        opened_at: ctx.now,
        acknowledged_at: None,
        resolved_at: None,
        closed_at: None,
        assignee: None,
        followers: BTreeSet::new(),
        cursor: Cursor {
            step: 0,
            phase: Phase::Holders { repages_sent: 0 },
            since: ctx.now,
            step_paged: Vec::new(),
        },
        paged: BTreeSet::new(),
        timer: None,
        fix_note_reminders: 0,
        fix_note_skip: None,
        fix_note_history: Vec::new(),
        fix_note: None,
    };

    let mut outcome = Outcome::new(incident);
    outcome.effects.push(Effect::PostRoot);
    outcome.record(
        ctx.now,
        Event::Opened {
            reporter: request.reporter,
            severity: request.severity,
        },
    );
    enter_step(ctx, &mut outcome, 0, PageReason::First);
    Ok(outcome)
}

/// Applies `intent` to `incident`.
pub fn apply(ctx: Ctx<'_>, incident: &Incident, intent: Intent) -> Result<Outcome, Rejection> {
    let mut outcome = Outcome::new(incident.clone());
    match intent {
        Intent::Acknowledge { by } => acknowledge(ctx, &mut outcome, &by)?,
        Intent::Reassign { to, by } => reassign(ctx, &mut outcome, to, &by)?,
        Intent::ChangeSeverity { to, by } => change_severity(ctx, &mut outcome, to, by)?,
        Intent::Update { by, text } => update(ctx, &mut outcome, by, text)?,
        Intent::Follow { by } => follow(ctx, &mut outcome, by)?,
        Intent::Resolve { by } => resolve(ctx, &mut outcome, by)?,
        Intent::AddFixNote { note } => add_fix_note(ctx, &mut outcome, note)?,
        Intent::SkipFixNote { by, reason } => skip_fix_note(ctx, &mut outcome, by, reason)?,
        Intent::EditFixNote { by, note } => edit_fix_note(ctx, &mut outcome, by, note)?,
        Intent::Cancel { by } => cancel(ctx, &mut outcome, by)?,
        Intent::TimerDue => timer_due(ctx, &mut outcome),
    }
    Ok(outcome)
}

fn current_path<'p>(ctx: Ctx<'p>, incident: &Incident) -> Option<&'p Path> {
    ctx.policy.path(&incident.severity, &incident.team)
}

/// Starts step `index` (or the whole-channel phase past the last step) and pages it. Steps
/// that reach nobody are passed over at once.
fn enter_step(ctx: Ctx<'_>, outcome: &mut Outcome, index: usize, reason: PageReason) {
    let Some(path) = current_path(ctx, &outcome.incident) else {
        // The policy lost the path while the incident was open; never drop it.
        enter_whole_channel(ctx, outcome, index, 1, Duration::from_secs(15 * 60));
        return;
    };
    let presence = Presence::new(ctx.absences, ctx.now);

    for (offset, step) in path.steps.iter().enumerate().skip(index) {
        let routing = route_step(ctx.policy, &presence, &outcome.incident.team, step);
        for skip in routing.skips {
            outcome.record_and_announce(
                ctx.now,
                Event::Skipped {
                    person: skip.person,
                    deputy: skip.deputy,
                    reason: skip.reason,
                },
            );
        }
        if offset != outcome.incident.cursor.step || offset != index {
            outcome.record(ctx.now, Event::Climbed { step: offset });
        }
        if routing.recipients.is_empty() {
            continue;
        }

        let step_reason = if offset == index {
            reason.clone()
        } else {
            PageReason::First
        };
        page_recipients(
            ctx,
            outcome,
            offset,
            step,
            &routing.recipients,
            &step_reason,
        );
        let incident = &mut outcome.incident;
        incident.cursor = Cursor {
            step: offset,
            phase: Phase::Holders { repages_sent: 0 },
            since: ctx.now,
            step_paged: routing.recipients.into_iter().map(|r| r.person).collect(),
        };
        incident.timer = Some(Timer {
            due: next_holder_page(step, ctx.now, 0),
            kind: TimerKind::Escalation,
        });
        outcome.effects.push(Effect::RefreshRoot);
        return;
    }

    let interval = path
        .steps
        .last()
        .map(Step::final_interval)
        .unwrap_or(Duration::from_secs(15 * 60));
    enter_whole_channel(ctx, outcome, path.steps.len(), 1, interval);
}

fn enter_whole_channel(
    ctx: Ctx<'_>,
    outcome: &mut Outcome,
    step: usize,
    round: u32,
    interval: Duration,
) {
    outcome.effects.push(Effect::PageChannel { round });
    outcome.record(ctx.now, Event::ChannelPaged { round });
    let incident = &mut outcome.incident;
    incident.cursor = Cursor {
        step,
        phase: Phase::WholeChannel { rounds: round },
        since: ctx.now,
        step_paged: Vec::new(),
    };
    incident.timer = Some(Timer {
        due: after(ctx.now, interval),
        kind: TimerKind::Escalation,
    });
    if round == 1 {
        outcome.effects.push(Effect::RefreshRoot);
    }
}

/// When the holders of `step` are paged next after `repages_sent` re-pages: the next
/// re-page inside the ack deadline, or the deadline itself.
fn next_holder_page(step: &Step, since: Timestamp, repages_sent: u32) -> Timestamp {
    match step.repage_offsets().nth(repages_sent as usize) {
        Some(offset) => after(since, offset),
        None => after(since, step.ack_within),
    }
}

fn page_recipients(
    ctx: Ctx<'_>,
    outcome: &mut Outcome,
    step_index: usize,
    step: &Step,
    recipients: &[Recipient],
    reason: &PageReason,
) {
    for recipient in recipients {
        let reason = match (&recipient.stands_in_for, reason) {
            (Some(of), PageReason::First) => PageReason::StandIn { of: of.clone() },
            _ => reason.clone(),
        };
        page_person(
            ctx,
            outcome,
            step_index,
            &step.means,
            &recipient.person,
            reason,
        );
    }
}

fn page_person(
    ctx: Ctx<'_>,
    outcome: &mut Outcome,
    step: usize,
    means: &[Means],
    person: &PersonId,
    reason: PageReason,
) {
    for single in means {
        outcome.effects.push(Effect::Page {
            person: person.clone(),
            means: single.clone(),
            reason: reason.clone(),
            step,
        });
    }
    let event = Event::Paged {
        person: person.clone(),
        means: means.to_vec(),
        reason,
        step,
    };
    // A thread mention is itself the thread's record; other means get a line there.
    if means.contains(&Means::Thread) {
        outcome.record(ctx.now, event);
    } else {
        outcome.record_and_announce(ctx.now, event);
    }
    outcome.incident.paged.insert(person.clone());
}

fn timer_due(ctx: Ctx<'_>, outcome: &mut Outcome) {
    let Some(timer) = outcome.incident.timer else {
        return;
    };
    if timer.due > ctx.now {
        return;
    }
    match timer.kind {
        TimerKind::Escalation if outcome.incident.state == State::Open => escalate(ctx, outcome),
        TimerKind::FixNoteReminder if outcome.incident.state == State::Resolved => {
            remind_fix_note(ctx, outcome)
        }
        // A timer left over from an earlier state; it has nothing to do now.
        _ => outcome.incident.timer = None,
    }
}

fn escalate(ctx: Ctx<'_>, outcome: &mut Outcome) {
    let cursor = outcome.incident.cursor.clone();
    let step = current_path(ctx, &outcome.incident).and_then(|path| path.steps.get(cursor.step));

    match (&cursor.phase, step) {
        (Phase::WholeChannel { .. }, _) | (_, None) => {
            let interval = current_path(ctx, &outcome.incident)
                .and_then(|path| path.steps.last())
                .map(Step::final_interval)
                .unwrap_or(Duration::from_secs(15 * 60));
            let rounds = match cursor.phase {
                Phase::WholeChannel { rounds } => rounds,
                _ => 0,
            };
            enter_whole_channel(ctx, outcome, cursor.step, rounds + 1, interval);
        }
        (Phase::Holders { repages_sent }, Some(step)) => {
            let repages_sent = *repages_sent;
            let repage_due = step
                .repage_offsets()
                .nth(repages_sent as usize)
                .map(|offset| after(cursor.since, offset));
            match repage_due {
                Some(due) if due <= ctx.now => repage(ctx, outcome, step, repages_sent + 1),
                _ => page_deputies(ctx, outcome, step),
            }
        }
        (Phase::Deputies, Some(_)) => enter_step(ctx, outcome, cursor.step + 1, PageReason::First),
    }
}

fn repage(ctx: Ctx<'_>, outcome: &mut Outcome, step: &Step, n: u32) {
    let cursor = outcome.incident.cursor.clone();
    let presence = Presence::new(ctx.absences, ctx.now);
    for person in &cursor.step_paged {
        // Someone who went away since the first page is not re-paged; their deputy
        // is reached when the deadline passes.
        if presence.away_until(person).is_some() {
            continue;
        }
        page_person(
            ctx,
            outcome,
            cursor.step,
            &step.means,
            person,
            PageReason::Repage { n },
        );
    }
    outcome.incident.cursor.phase = Phase::Holders { repages_sent: n };
    outcome.incident.timer = Some(Timer {
        due: next_holder_page(step, cursor.since, n),
        kind: TimerKind::Escalation,
    });
}

fn page_deputies(ctx: Ctx<'_>, outcome: &mut Outcome, step: &Step) {
    let cursor = outcome.incident.cursor.clone();
    let presence = Presence::new(ctx.absences, ctx.now);
    let routing = route_deputies(ctx.policy, &presence, &cursor.step_paged);
    for skip in routing.skips {
        outcome.record_and_announce(
            ctx.now,
            Event::Skipped {
                person: skip.person,
                deputy: skip.deputy,
                reason: skip.reason,
            },
        );
    }
    let deputies = routing.recipients;
    if deputies.is_empty() {
        enter_step(ctx, outcome, cursor.step + 1, PageReason::First);
        return;
    }
    for deputy in &deputies {
        let of = deputy
            .stands_in_for
            .clone()
            .unwrap_or_else(|| deputy.person.clone());
        page_person(
            ctx,
            outcome,
            cursor.step,
            &step.means,
            &deputy.person,
            PageReason::Deputy { of },
        );
    }
    let incident = &mut outcome.incident;
    incident.cursor.phase = Phase::Deputies;
    incident.cursor.since = ctx.now;
    incident.timer = Some(Timer {
        due: after(ctx.now, step.ack_within),
        kind: TimerKind::Escalation,
    });
}

fn remind_fix_note(ctx: Ctx<'_>, outcome: &mut Outcome) {
    let incident = &mut outcome.incident;
    incident.fix_note_reminders += 1;
    let reminder = incident.fix_note_reminders;
    incident.timer = Some(Timer {
        due: after(ctx.now, ctx.policy.fix_note_reminder_every),
        kind: TimerKind::FixNoteReminder,
    });
    outcome.effects.push(Effect::AskForFixNote { reminder });
    outcome.record(ctx.now, Event::FixNoteRequested { reminder });
}

/// The configured person behind `user`, or a rejection naming `action`.
fn person_of<'p>(
    ctx: Ctx<'p>,
    user: &UserRef,
    action: &'static str,
) -> Result<&'p PersonId, Rejection> {
    ctx.policy
        .person_by_account(user.platform, &user.id)
        .map(|person| &person.id)
        .ok_or(Rejection::UnknownPerson { action })
}

/// Whether `person` may take the incident over: anyone paged so far, anyone on the
/// current or a later step, a deputy of anyone on the steps reached so far, the
/// assignee, or an admin.
pub fn is_eligible(ctx: Ctx<'_>, incident: &Incident, person: &PersonId) -> bool {
    if ctx.policy.is_admin(person)
        || incident.paged.contains(person)
        || incident.assignee.as_ref() == Some(person)
    {
        return true;
    }
    let Some(path) = current_path(ctx, incident) else {
        return false;
    };
    let reached = incident.cursor.step.min(path.steps.len().saturating_sub(1));
    path.steps.iter().enumerate().any(|(index, step)| {
        let people = ctx.policy.step_people(&incident.team, step);
        let on_step_or_later = index >= reached && people.contains(person);
        let deputy_of_reached = index <= reached
            && people.iter().any(|holder| {
                ctx.policy
                    .people
                    .get(holder)
                    .and_then(|p| p.deputy.as_ref())
                    == Some(person)
            });
        on_step_or_later || deputy_of_reached
    })
}

fn require_active(incident: &Incident) -> Result<(), Rejection> {
    if incident.state.is_active() {
        Ok(())
    } else {
        Err(Rejection::NotActive {
            state: incident.state,
        })
    }
}

fn acknowledge(ctx: Ctx<'_>, outcome: &mut Outcome, by: &UserRef) -> Result<(), Rejection> {
    let incident = &outcome.incident;
    require_active(incident)?;
    let person = person_of(ctx, by, "acknowledge")?;
    if let Some(owner) = &incident.assignee {
        return Err(Rejection::AlreadyAcknowledged { by: owner.clone() });
    }
    if !is_eligible(ctx, incident, person) {
        return Err(Rejection::NotEligible {
            action: "acknowledge",
        });
    }

    let incident = &mut outcome.incident;
    incident.state = State::Acknowledged;
    incident.acknowledged_at.get_or_insert(ctx.now);
    incident.assignee = Some(person.clone());
    incident.timer = None;
    let event = Event::Acknowledged { by: person.clone() };
    outcome.record_and_announce(ctx.now, event.clone());
    outcome.effects.push(Effect::RefreshRoot);
    outcome.tell_followers(event);
    Ok(())
}

fn reassign(
    ctx: Ctx<'_>,
    outcome: &mut Outcome,
    to: PersonId,
    by: &UserRef,
) -> Result<(), Rejection> {
    let incident = &outcome.incident;
    require_active(incident)?;
    let actor = person_of(ctx, by, "reassign")?;
    if !ctx.policy.people.contains_key(&to) {
        return Err(Rejection::UnknownAssignee(to));
    }
    if incident.assignee.as_ref() == Some(&to) {
        return Err(Rejection::Unchanged);
    }
    if !is_eligible(ctx, incident, actor) {
        return Err(Rejection::NotEligible { action: "reassign" });
    }

    let step = incident.cursor.step;
    let from = incident.assignee.clone();
    let incident = &mut outcome.incident;
    incident.state = State::Acknowledged;
    incident.acknowledged_at.get_or_insert(ctx.now);
    incident.assignee = Some(to.clone());
    incident.timer = None;
    // The hand-over is announced before the new owner is told, so the thread reads in
    // the order things happened.
    let event = Event::Reassigned {
        from,
        to: to.clone(),
        by: by.clone(),
    };
    outcome.record_and_announce(ctx.now, event.clone());
    page_person(
        ctx,
        outcome,
        step,
        &[Means::Direct],
        &to,
        PageReason::Reassigned,
    );
    outcome.effects.push(Effect::RefreshRoot);
    outcome.tell_followers(event);
    Ok(())
}

fn change_severity(
    ctx: Ctx<'_>,
    outcome: &mut Outcome,
    to: SeverityId,
    by: UserRef,
) -> Result<(), Rejection> {
    let incident = &outcome.incident;
    require_active(incident)?;
    if ctx.policy.severity(&to).is_none() {
        return Err(Rejection::UnknownSeverity(to));
    }
    if incident.severity == to {
        return Err(Rejection::Unchanged);
    }
    let Some(new_path) = ctx.policy.path(&to, &incident.team) else {
        return Err(Rejection::NoPath {
            severity: to,
            team: incident.team.clone(),
        });
    };

    let old_target = current_path(ctx, incident)
        .and_then(|path| path.steps.get(incident.cursor.step))
        .map(|step| step.target.clone());
    let restart_at = old_target
        .and_then(|target| new_path.steps.iter().position(|step| step.target == target))
        .unwrap_or_else(|| incident.cursor.step.min(new_path.steps.len() - 1));

    let from = incident.severity.clone();
    outcome.incident.severity = to.clone();
    let event = Event::SeverityChanged { from, to, by };
    outcome.record_and_announce(ctx.now, event.clone());
    outcome.tell_followers(event);
    if outcome.incident.state == State::Open {
        enter_step(ctx, outcome, restart_at, PageReason::SeverityChanged);
    } else {
        outcome.effects.push(Effect::RefreshRoot);
    }
    Ok(())
}

fn update(ctx: Ctx<'_>, outcome: &mut Outcome, by: UserRef, text: String) -> Result<(), Rejection> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(Rejection::Empty { field: "update" });
    }
    if matches!(outcome.incident.state, State::Closed | State::Cancelled) {
        return Err(Rejection::NotActive {
            state: outcome.incident.state,
        });
    }
    let event = Event::StatusUpdate { by, text };
    outcome.record_and_announce(ctx.now, event.clone());
    outcome.tell_followers(event);
    Ok(())
}

fn follow(ctx: Ctx<'_>, outcome: &mut Outcome, by: UserRef) -> Result<(), Rejection> {
    if !outcome.incident.followers.insert(by.clone()) {
        return Err(Rejection::Unchanged);
    }
    outcome.record_and_announce(ctx.now, Event::Followed { by });
    Ok(())
}

fn resolve(ctx: Ctx<'_>, outcome: &mut Outcome, by: UserRef) -> Result<(), Rejection> {
    require_active(&outcome.incident)?;
    let is_reporter = outcome.incident.reporter == by;
    if !is_reporter {
        let person = person_of(ctx, &by, "resolve")?;
        if !is_eligible(ctx, &outcome.incident, person) {
            return Err(Rejection::NotEligible { action: "resolve" });
        }
    }

    let incident = &mut outcome.incident;
    incident.state = State::Resolved;
    incident.resolved_at = Some(ctx.now);
    incident.timer = Some(Timer {
        due: after(ctx.now, ctx.policy.fix_note_reminder_every),
        kind: TimerKind::FixNoteReminder,
    });
    let event = Event::Resolved { by };
    outcome.record_and_announce(ctx.now, event.clone());
    outcome.effects.push(Effect::RefreshRoot);
    outcome.tell_followers(event);
    outcome.effects.push(Effect::AskForFixNote { reminder: 0 });
    outcome.record(ctx.now, Event::FixNoteRequested { reminder: 0 });
    Ok(())
}

fn add_fix_note(ctx: Ctx<'_>, outcome: &mut Outcome, note: FixNote) -> Result<(), Rejection> {
    match outcome.incident.state {
        State::Closed => return Err(Rejection::AlreadyClosed),
        State::Cancelled => {
            return Err(Rejection::NotActive {
                state: State::Cancelled,
            })
        }
        _ => {}
    }
    if note.fix.trim().is_empty() {
        return Err(Rejection::Empty { field: "fix" });
    }
    if outcome.incident.state.is_active() {
        // Posting the fix of a live incident also resolves it.
        resolve(ctx, outcome, note.author.clone())?;
        outcome
            .effects
            .retain(|effect| !matches!(effect, Effect::AskForFixNote { .. }));
        outcome
            .timeline
            .retain(|entry| !matches!(entry.event, Event::FixNoteRequested { .. }));
    }

    let by = note.author.clone();
    let incident = &mut outcome.incident;
    incident.state = State::Closed;
    incident.closed_at = Some(ctx.now);
    incident.timer = None;
    incident.fix_note = Some(note);
    let event = Event::FixNoteAdded { by };
    outcome.record_and_announce(ctx.now, event.clone());
    outcome.effects.push(Effect::PublishFixNote);
    outcome.effects.push(Effect::RefreshRoot);
    outcome.tell_followers(event);
    Ok(())
}

/// Closes a resolved incident without a fix note. The same people who may resolve it
/// may say there is nothing to note, and they must say why.
fn skip_fix_note(
    ctx: Ctx<'_>,
    outcome: &mut Outcome,
    by: UserRef,
    reason: String,
) -> Result<(), Rejection> {
    match outcome.incident.state {
        State::Resolved => {}
        State::Closed => return Err(Rejection::AlreadyClosed),
        state => return Err(Rejection::NotActive { state }),
    }
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(Rejection::Empty { field: "reason" });
    }
    if outcome.incident.reporter != by {
        let person = person_of(ctx, &by, "skip")?;
        if !is_eligible(ctx, &outcome.incident, person) {
            return Err(Rejection::NotEligible { action: "skip" });
        }
    }

    let incident = &mut outcome.incident;
    incident.state = State::Closed;
    incident.closed_at = Some(ctx.now);
    incident.timer = None;
    incident.fix_note_skip = Some(FixNoteSkip {
        reason: reason.clone(),
        by: by.clone(),
        at: ctx.now,
    });
    let event = Event::FixNoteSkipped { by, reason };
    outcome.record_and_announce(ctx.now, event.clone());
    outcome.effects.push(Effect::RefreshRoot);
    outcome.tell_followers(event);
    Ok(())
}

/// The incident's fix note, when `by` may edit it: its author, or an admin.
pub fn may_edit_fix_note<'i>(
    policy: &Policy,
    incident: &'i Incident,
    by: &UserRef,
) -> Result<&'i FixNote, Rejection> {
    let Some(note) = &incident.fix_note else {
        return Err(Rejection::NoFixNote);
    };
    let is_admin = policy
        .person_by_account(by.platform, &by.id)
        .is_some_and(|person| policy.is_admin(&person.id));
    if &note.author != by && !is_admin {
        return Err(Rejection::NotNoteAuthor);
    }
    Ok(note)
}

/// Replaces a fix note's text. Only its author and admins may; the earlier version is
/// kept in the incident's history with who replaced it and when.
fn edit_fix_note(
    ctx: Ctx<'_>,
    outcome: &mut Outcome,
    by: UserRef,
    note: FixNote,
) -> Result<(), Rejection> {
    let current = may_edit_fix_note(ctx.policy, &outcome.incident, &by)?.clone();
    if note.fix.trim().is_empty() {
        return Err(Rejection::Empty { field: "fix" });
    }
    let edited = FixNote {
        author: current.author.clone(),
        written_at: current.written_at,
        ..note
    };
    if edited == current {
        return Err(Rejection::Unchanged);
    }

    let incident = &mut outcome.incident;
    incident.fix_note_history.push(FixNoteRevision {
        note: current,
        edited_by: by.clone(),
        edited_at: ctx.now,
    });
    incident.fix_note = Some(edited);
    outcome.record_and_announce(ctx.now, Event::FixNoteEdited { by });
    outcome.effects.push(Effect::PublishFixNote);
    Ok(())
}

fn cancel(ctx: Ctx<'_>, outcome: &mut Outcome, by: UserRef) -> Result<(), Rejection> {
    require_active(&outcome.incident)?;
    let is_reporter = outcome.incident.reporter == by;
    if !is_reporter {
        let person = person_of(ctx, &by, "cancel")?;
        if !is_eligible(ctx, &outcome.incident, person) {
            return Err(Rejection::NotEligible { action: "cancel" });
        }
    }

    let incident = &mut outcome.incident;
    incident.state = State::Cancelled;
    incident.closed_at = Some(ctx.now);
    incident.timer = None;
    let event = Event::Cancelled { by };
    outcome.record_and_announce(ctx.now, event.clone());
    outcome.effects.push(Effect::RefreshRoot);
    outcome.tell_followers(event);
    Ok(())
}

#[cfg(test)]
mod tests;
