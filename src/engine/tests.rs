//! Lifecycle rules of the engine, each with times computed by hand, and properties that
//! hold over random sequences of intents.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::policy::*;
use super::*;

const MIN: u64 = 60;

fn person(id: &str, slack: &str, positions: &[&str], deputy: Option<&str>) -> Person {
    Person {
        id: id.into(),
        name: id.to_uppercase(),
        accounts: BTreeMap::from([(Platform::Slack, slack.to_owned())]),
        positions: positions
            .iter()
            .map(|text| match text.split_once('/') {
                Some((team, position)) => PositionHold {
                    team: Some(team.into()),
                    position: position.into(),
                },
                None => PositionHold {
                    team: None,
                    position: (*text).into(),
                },
            })
            .collect(),
        deputy: deputy.map(PersonId::from),
        locale: None,
        timezone: chrono_tz::UTC,
    }
}

fn step(position: &str, means: &[Means], ack_min: u64, repages: u32, every_min: u64) -> Step {
    Step {
        target: Target::Position(position.into()),
        means: means.to_vec(),
        ack_within: Duration::from_secs(ack_min * MIN),
        repages,
        repage_every: Duration::from_secs(every_min * MIN),
    }
}

/// Payments: alice leads (deputy bob), carol is head of engineering, dave is CTO,
/// erin is an admin, frank works on another team.
fn policy() -> Policy {
    let people = [
        person("alice", "UALICE", &["payments/team-lead"], Some("bob")),
        person("bob", "UBOB", &["payments/engineer"], None),
        person("carol", "UCAROL", &["head-of-eng"], None),
        person("dave", "UDAVE", &["cto"], None),
        person("erin", "UERIN", &[], None),
        person("frank", "UFRANK", &["platform/team-lead"], None),
    ];
    let sev1 = Path {
        steps: vec![
            step("team-lead", &[Means::Thread, Means::Direct], 5, 2, 2),
            step("head-of-eng", &[Means::Direct], 10, 0, 0),
            step("cto", &[Means::Direct], 15, 0, 0),
        ],
    };
    let sev2 = Path {
        steps: vec![step("head-of-eng", &[Means::Direct], 30, 0, 0)],
    };
    let team = |id: &str| Team {
        id: id.into(),
        name: id.to_owned(),
        chat: BTreeMap::new(),
        locale: None,
    };
    Policy {
        teams: BTreeMap::from([
            ("payments".into(), team("payments")),
            ("platform".into(), team("platform")),
        ]),
        people: people.into_iter().map(|p| (p.id.clone(), p)).collect(),
        severities: vec![
            Severity {
                id: "sev1".into(),
                name: "Critical".into(),
                criteria: vec![],
                counter_examples: vec![],
                default_path: Some(sev1),
                team_paths: BTreeMap::new(),
            },
            Severity {
                id: "sev2".into(),
                name: "Major".into(),
                criteria: vec![],
                counter_examples: vec![],
                default_path: Some(sev2),
                team_paths: BTreeMap::new(),
            },
        ],
        admins: BTreeSet::from(["erin".into()]),
        ack_emoji: vec!["eyes".into()],
        resolve_emoji: vec!["white_check_mark".into()],
        fix_note_reminder_every: Duration::from_secs(4 * 60 * MIN),
        criteria_review_every: Duration::from_secs(90 * 24 * 60 * MIN),
        default_locale: "en".into(),
        webhooks: BTreeMap::new(),
    }
}

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn at(minutes: u64) -> Timestamp {
    t0() + chrono::TimeDelta::seconds((minutes * MIN) as i64)
}

fn ctx<'a>(policy: &'a Policy, absences: &'a [Absence], now: Timestamp) -> Ctx<'a> {
    Ctx {
        policy,
        absences,
        now,
    }
}

fn request(severity: &str) -> OpenRequest {
    OpenRequest {
        platform: Platform::Slack,
        team: "payments".into(),
        severity: severity.into(),
        summary: "Card payments fail with 502".into(),
        reporter: UserRef::slack("UREPORTER"),
        channel: "CPAY".into(),
    }
}

/// Who was paged, and why, in a set of effects (one entry per person, not per means).
fn pages(effects: &[Effect]) -> Vec<(String, PageReason)> {
    let mut seen = Vec::new();
    for effect in effects {
        if let Effect::Page { person, reason, .. } = effect {
            let entry = (person.to_string(), reason.clone());
            if !seen.contains(&entry) {
                seen.push(entry);
            }
        }
    }
    seen
}

fn fire(policy: &Policy, absences: &[Absence], incident: &Incident) -> Outcome {
    let due = incident.timer.expect("an open incident has a timer").due;
    apply(ctx(policy, absences, due), incident, Intent::TimerDue).unwrap()
}

#[test]
fn opening_pages_the_first_step_by_every_means() {
    let policy = policy();
    let outcome = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1")).unwrap();

    assert_eq!(outcome.incident.state, State::Open);
    assert_eq!(outcome.effects[0], Effect::PostRoot);
    let means: Vec<_> = outcome
        .effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Page { person, means, .. } => Some((person.as_str(), means.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        means,
        vec![("alice", Means::Thread), ("alice", Means::Direct)]
    );
    assert_eq!(
        outcome.incident.timer,
        Some(Timer {
            due: at(2),
            kind: TimerKind::Escalation
        })
    );
}

#[test]
fn silence_climbs_repage_deputy_next_steps_then_whole_channel() {
    let policy = policy();
    let mut incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;

    // (minute the timer is due, who is paged then, and why)
    type Expected<'a> = (u64, Vec<(&'a str, PageReason)>, Option<u32>);
    let expected: Vec<Expected> = vec![
        (2, vec![("alice", PageReason::Repage { n: 1 })], None),
        (4, vec![("alice", PageReason::Repage { n: 2 })], None),
        (
            5,
            vec![("bob", PageReason::Deputy { of: "alice".into() })],
            None,
        ),
        (10, vec![("carol", PageReason::First)], None),
        // carol has no deputy: her deadline moves straight on to the CTO.
        (20, vec![("dave", PageReason::First)], None),
        (35, vec![], Some(1)),
        (50, vec![], Some(2)),
        (65, vec![], Some(3)),
    ];
    for (minute, who, round) in expected {
        assert_eq!(
            incident.timer.map(|t| t.due),
            Some(at(minute)),
            "due at +{minute}m"
        );
        let outcome = fire(&policy, &[], &incident);
        let who: Vec<(String, PageReason)> =
            who.into_iter().map(|(p, r)| (p.to_owned(), r)).collect();
        assert_eq!(pages(&outcome.effects), who, "pages at +{minute}m");
        let channel_round = outcome.effects.iter().find_map(|effect| match effect {
            Effect::PageChannel { round } => Some(*round),
            _ => None,
        });
        assert_eq!(channel_round, round, "channel page at +{minute}m");
        incident = outcome.incident;
        assert_eq!(incident.state, State::Open);
    }
}

#[test]
fn a_timer_applied_early_does_nothing() {
    let policy = policy();
    let incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    let early = apply(ctx(&policy, &[], at(1)), &incident, Intent::TimerDue).unwrap();
    assert!(early.effects.is_empty());
    assert_eq!(early.incident, incident);
}

#[test]
fn an_absent_holder_is_skipped_straight_to_the_deputy() {
    let policy = policy();
    let absences = [Absence {
        person: "alice".into(),
        from: at(0) - chrono::TimeDelta::hours(1),
        until: at(60),
        reason: Some("vacation".into()),
    }];
    let outcome = open(
        ctx(&policy, &absences, t0()),
        IncidentId(1),
        request("sev1"),
    )
    .unwrap();

    assert_eq!(
        pages(&outcome.effects),
        vec![("bob".to_owned(), PageReason::StandIn { of: "alice".into() })]
    );
    assert!(outcome.timeline.iter().any(|entry| entry.event
        == Event::Skipped {
            person: "alice".into(),
            deputy: Some("bob".into()),
            reason: SkipReason::Absent { until: at(60) },
        }));
    // bob has no deputy of his own, so his deadline climbs to the next step.
    let mut incident = outcome.incident;
    incident = fire(&policy, &absences, &incident).incident;
    incident = fire(&policy, &absences, &incident).incident;
    let climbed = fire(&policy, &absences, &incident);
    assert_eq!(climbed.incident.cursor.step, 1);
    assert_eq!(
        pages(&climbed.effects),
        vec![("carol".to_owned(), PageReason::First)]
    );
}

#[test]
fn a_step_whose_people_and_deputies_are_all_away_is_passed_over() {
    let mut policy = policy();
    policy
        .people
        .get_mut(&PersonId::from("bob"))
        .unwrap()
        .deputy = Some("alice".into());
    let away = |who: &str| Absence {
        person: who.into(),
        from: at(0),
        until: at(600),
        reason: None,
    };
    let absences = [away("alice"), away("bob")];
    let outcome = open(
        ctx(&policy, &absences, t0()),
        IncidentId(1),
        request("sev1"),
    )
    .unwrap();
    assert_eq!(
        pages(&outcome.effects),
        vec![("carol".to_owned(), PageReason::First)]
    );
    assert_eq!(outcome.incident.cursor.step, 1);
}

#[test]
fn who_may_acknowledge() {
    let policy = policy();
    let incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    let ack = |user: &str| {
        apply(
            ctx(&policy, &[], at(1)),
            &incident,
            Intent::Acknowledge {
                by: UserRef::slack(user),
            },
        )
    };

    assert_eq!(
        ack("USTRANGER").unwrap_err(),
        Rejection::UnknownPerson {
            action: "acknowledge"
        }
    );
    assert_eq!(
        ack("UFRANK").unwrap_err(),
        Rejection::NotEligible {
            action: "acknowledge"
        }
    );
    for (user, person) in [
        ("UALICE", "alice"), // paged
        ("UBOB", "bob"),     // alice's deputy
        ("UCAROL", "carol"), // above on the path
        ("UDAVE", "dave"),   // above on the path
        ("UERIN", "erin"),   // admin
    ] {
        let outcome = ack(user).unwrap();
        assert_eq!(outcome.incident.state, State::Acknowledged);
        assert_eq!(outcome.incident.assignee, Some(person.into()));
        assert_eq!(outcome.incident.timer, None);
        assert!(pages(&outcome.effects).is_empty());
    }
}

#[test]
fn acknowledging_hands_over_and_stops_paging() {
    let policy = policy();
    let mut incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    incident.followers.insert(UserRef::slack("UWATCHER"));
    let outcome = apply(
        ctx(&policy, &[], at(3)),
        &incident,
        Intent::Acknowledge {
            by: UserRef::slack("UALICE"),
        },
    )
    .unwrap();
    let event = Event::Acknowledged { by: "alice".into() };
    assert!(outcome.effects.contains(&Effect::Announce {
        event: event.clone()
    }));
    assert!(outcome.effects.contains(&Effect::NotifyFollowers { event }));
    assert_eq!(outcome.incident.acknowledged_at, Some(at(3)));

    let again = apply(
        ctx(&policy, &[], at(4)),
        &outcome.incident,
        Intent::Acknowledge {
            by: UserRef::slack("UCAROL"),
        },
    );
    assert_eq!(
        again.unwrap_err(),
        Rejection::AlreadyAcknowledged { by: "alice".into() }
    );
    let late_timer = apply(
        ctx(&policy, &[], at(30)),
        &outcome.incident,
        Intent::TimerDue,
    )
    .unwrap();
    assert!(late_timer.effects.is_empty());
}

#[test]
fn reassigning_moves_responsibility_and_tells_the_new_owner() {
    let policy = policy();
    let incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    let outcome = apply(
        ctx(&policy, &[], at(1)),
        &incident,
        Intent::Reassign {
            to: "bob".into(),
            by: UserRef::slack("UALICE"),
        },
    )
    .unwrap();
    assert_eq!(outcome.incident.assignee, Some("bob".into()));
    assert_eq!(outcome.incident.state, State::Acknowledged);
    assert_eq!(
        pages(&outcome.effects),
        vec![("bob".to_owned(), PageReason::Reassigned)]
    );

    let unknown = apply(
        ctx(&policy, &[], at(1)),
        &incident,
        Intent::Reassign {
            to: "zed".into(),
            by: UserRef::slack("UALICE"),
        },
    );
    assert_eq!(
        unknown.unwrap_err(),
        Rejection::UnknownAssignee("zed".into())
    );
}

#[test]
fn a_severity_change_restarts_from_the_matching_step_of_the_new_path() {
    let policy = policy();
    let mut incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    for _ in 0..4 {
        incident = fire(&policy, &[], &incident).incident;
    }
    // Now at head-of-eng on sev1 (step 1); sev2's path starts with head-of-eng.
    assert_eq!(incident.cursor.step, 1);
    let outcome = apply(
        ctx(&policy, &[], at(12)),
        &incident,
        Intent::ChangeSeverity {
            to: "sev2".into(),
            by: UserRef::slack("UCAROL"),
        },
    )
    .unwrap();
    assert_eq!(outcome.incident.severity, SeverityId::from("sev2"));
    assert_eq!(outcome.incident.cursor.step, 0);
    assert_eq!(
        pages(&outcome.effects),
        vec![("carol".to_owned(), PageReason::SeverityChanged)]
    );
    assert_eq!(outcome.incident.timer.map(|t| t.due), Some(at(42)));
    assert!(outcome.timeline.iter().any(|entry| matches!(
        &entry.event,
        Event::SeverityChanged { from, to, .. } if from.as_str() == "sev1" && to.as_str() == "sev2"
    )));
}

#[test]
fn resolving_asks_for_the_fix_note_and_reminds_until_it_exists() {
    let policy = policy();
    let incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    let resolved = apply(
        ctx(&policy, &[], at(10)),
        &incident,
        Intent::Resolve {
            by: UserRef::slack("UREPORTER"),
        },
    )
    .unwrap();
    assert_eq!(resolved.incident.state, State::Resolved);
    assert!(resolved
        .effects
        .contains(&Effect::AskForFixNote { reminder: 0 }));
    let reminder_due = at(10 + 4 * 60);
    assert_eq!(resolved.incident.timer.map(|t| t.due), Some(reminder_due));

    let reminded = apply(
        ctx(&policy, &[], reminder_due),
        &resolved.incident,
        Intent::TimerDue,
    )
    .unwrap();
    assert_eq!(
        reminded.effects,
        vec![Effect::AskForFixNote { reminder: 1 }]
    );
    assert_eq!(
        reminded.incident.timer.map(|t| t.due),
        Some(reminder_due + chrono::TimeDelta::hours(4))
    );

    let note = FixNote {
        summary: "Gateway TLS certificate expired".into(),
        cause: "Renewal job disabled".into(),
        fix: "Renewed the certificate".into(),
        prevention: "Alert 14 days before expiry".into(),
        links: vec![],
        author: UserRef::slack("UALICE"),
        written_at: at(300),
    };
    let closed = apply(
        ctx(&policy, &[], at(300)),
        &reminded.incident,
        Intent::AddFixNote { note: note.clone() },
    )
    .unwrap();
    assert_eq!(closed.incident.state, State::Closed);
    assert_eq!(closed.incident.timer, None);
    assert!(closed.effects.contains(&Effect::PublishFixNote));
    assert_eq!(
        apply(
            ctx(&policy, &[], at(301)),
            &closed.incident,
            Intent::AddFixNote { note }
        )
        .unwrap_err(),
        Rejection::AlreadyClosed
    );
}

#[test]
fn a_fix_note_on_a_live_incident_resolves_and_closes_it() {
    let policy = policy();
    let incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    let note = FixNote {
        summary: "s".into(),
        cause: "c".into(),
        fix: "f".into(),
        prevention: "p".into(),
        links: vec![],
        author: UserRef::slack("UALICE"),
        written_at: at(1),
    };
    let outcome = apply(
        ctx(&policy, &[], at(1)),
        &incident,
        Intent::AddFixNote { note },
    )
    .unwrap();
    assert_eq!(outcome.incident.state, State::Closed);
    assert_eq!(outcome.incident.resolved_at, Some(at(1)));
    assert!(!outcome
        .effects
        .iter()
        .any(|effect| matches!(effect, Effect::AskForFixNote { .. })));
}

fn note_by(author: &str, fix: &str, minutes: u64) -> FixNote {
    FixNote {
        summary: "Gateway TLS certificate expired".into(),
        cause: "Renewal job disabled".into(),
        fix: fix.into(),
        prevention: "Alert 14 days before expiry".into(),
        links: vec![],
        author: UserRef::slack(author),
        written_at: at(minutes),
    }
}

fn resolved_at_10(policy: &Policy) -> Incident {
    let incident = open(ctx(policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    apply(
        ctx(policy, &[], at(10)),
        &incident,
        Intent::Resolve {
            by: UserRef::slack("UREPORTER"),
        },
    )
    .unwrap()
    .incident
}

#[test]
fn nothing_to_note_with_a_reason_closes_the_loop_and_stops_the_reminders() {
    let policy = policy();
    let resolved = resolved_at_10(&policy);
    // Reminders follow the 4-hour cadence while neither a note nor a skip exists.
    let first_due = at(10 + 4 * 60);
    let reminded = apply(ctx(&policy, &[], first_due), &resolved, Intent::TimerDue).unwrap();
    assert_eq!(
        reminded.effects,
        vec![Effect::AskForFixNote { reminder: 1 }]
    );
    let second_due = at(10 + 8 * 60);
    assert_eq!(reminded.incident.timer.map(|t| t.due), Some(second_due));

    let skip = |by: &str, reason: &str| Intent::SkipFixNote {
        by: UserRef::slack(by),
        reason: reason.into(),
    };
    let now = ctx(&policy, &[], at(300));
    let incident = &reminded.incident;
    assert_eq!(
        apply(now, incident, skip("UALICE", "  \n ")).unwrap_err(),
        Rejection::Empty { field: "reason" }
    );
    assert_eq!(
        apply(now, incident, skip("UFRANK", "duplicate")).unwrap_err(),
        Rejection::NotEligible { action: "skip" }
    );
    assert_eq!(
        apply(now, incident, skip("UNOBODY", "duplicate")).unwrap_err(),
        Rejection::UnknownPerson { action: "skip" }
    );

    let skipped = apply(now, incident, skip("UALICE", " duplicate of INC-3 ")).unwrap();
    assert_eq!(skipped.incident.state, State::Closed);
    assert_eq!(skipped.incident.closed_at, Some(at(300)));
    assert_eq!(skipped.incident.timer, None);
    assert_eq!(
        skipped.incident.fix_note_skip,
        Some(FixNoteSkip {
            reason: "duplicate of INC-3".into(),
            by: UserRef::slack("UALICE"),
            at: at(300),
        })
    );
    assert!(skipped.incident.has_knowledge_outcome());
    let event = Event::FixNoteSkipped {
        by: UserRef::slack("UALICE"),
        reason: "duplicate of INC-3".into(),
    };
    assert_eq!(
        skipped.timeline,
        vec![Entry {
            at: at(300),
            event: event.clone()
        }]
    );
    assert_eq!(
        skipped.effects,
        vec![Effect::Announce { event }, Effect::RefreshRoot]
    );

    // The reminder that was due next does nothing now, and nothing more can close it.
    let late = apply(
        ctx(&policy, &[], second_due),
        &skipped.incident,
        Intent::TimerDue,
    )
    .unwrap();
    assert!(late.effects.is_empty() && late.timeline.is_empty());
    assert_eq!(
        apply(
            ctx(&policy, &[], at(500)),
            &skipped.incident,
            skip("UALICE", "again")
        )
        .unwrap_err(),
        Rejection::AlreadyClosed
    );
    assert_eq!(
        apply(
            ctx(&policy, &[], at(500)),
            &skipped.incident,
            Intent::AddFixNote {
                note: note_by("UALICE", "Renewed", 500)
            }
        )
        .unwrap_err(),
        Rejection::AlreadyClosed
    );
}

#[test]
fn the_reporter_may_skip_but_not_before_the_incident_is_resolved() {
    let policy = policy();
    let incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    let skip = Intent::SkipFixNote {
        by: UserRef::slack("UREPORTER"),
        reason: "no change was made".into(),
    };
    assert_eq!(
        apply(ctx(&policy, &[], at(1)), &incident, skip.clone()).unwrap_err(),
        Rejection::NotActive { state: State::Open }
    );
    let resolved = resolved_at_10(&policy);
    let skipped = apply(ctx(&policy, &[], at(11)), &resolved, skip).unwrap();
    assert_eq!(skipped.incident.state, State::Closed);
}

#[test]
fn the_author_and_admins_edit_a_fix_note_and_the_old_text_is_kept() {
    let policy = policy();
    let resolved = resolved_at_10(&policy);
    let edit = |by: &str, fix: &str| Intent::EditFixNote {
        by: UserRef::slack(by),
        note: note_by(by, fix, 999),
    };
    assert_eq!(
        apply(ctx(&policy, &[], at(20)), &resolved, edit("UALICE", "x")).unwrap_err(),
        Rejection::NoFixNote
    );
    let closed = apply(
        ctx(&policy, &[], at(20)),
        &resolved,
        Intent::AddFixNote {
            note: note_by("UALICE", "Renewed the certificate", 20),
        },
    )
    .unwrap()
    .incident;

    let now = ctx(&policy, &[], at(30));
    for stranger in ["UBOB", "UFRANK", "UNOBODY"] {
        assert_eq!(
            apply(now, &closed, edit(stranger, "rm -rf")).unwrap_err(),
            Rejection::NotNoteAuthor,
            "{stranger}"
        );
    }
    assert_eq!(
        apply(now, &closed, edit("UALICE", "  ")).unwrap_err(),
        Rejection::Empty { field: "fix" }
    );
    assert_eq!(
        apply(now, &closed, edit("UALICE", "Renewed the certificate")).unwrap_err(),
        Rejection::Unchanged
    );

    let by_author = apply(now, &closed, edit("UALICE", "Rotated the key and renewed")).unwrap();
    let note = by_author.incident.fix_note.clone().unwrap();
    assert_eq!(note.fix, "Rotated the key and renewed");
    assert_eq!(
        (note.author.id.as_str(), note.written_at),
        ("UALICE", at(20))
    );
    assert_eq!(by_author.incident.state, State::Closed);
    assert_eq!(
        by_author.incident.fix_note_history,
        vec![FixNoteRevision {
            note: closed.fix_note.clone().unwrap(),
            edited_by: UserRef::slack("UALICE"),
            edited_at: at(30),
        }]
    );
    let event = Event::FixNoteEdited {
        by: UserRef::slack("UALICE"),
    };
    assert_eq!(
        by_author.effects,
        vec![Effect::Announce { event }, Effect::PublishFixNote]
    );

    // erin is an admin: she may edit a note she did not write; the author stays alice.
    let by_admin = apply(
        ctx(&policy, &[], at(40)),
        &by_author.incident,
        edit("UERIN", "Renewed; renewal job re-enabled"),
    )
    .unwrap();
    let note = by_admin.incident.fix_note.unwrap();
    assert_eq!(note.author, UserRef::slack("UALICE"));
    assert_eq!(by_admin.incident.fix_note_history.len(), 2);
    assert_eq!(
        by_admin.incident.fix_note_history[1].edited_by,
        UserRef::slack("UERIN")
    );
}

#[test]
fn the_reporter_may_cancel_and_nobody_is_paged_after() {
    let policy = policy();
    let incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    let outcome = apply(
        ctx(&policy, &[], at(1)),
        &incident,
        Intent::Cancel {
            by: UserRef::slack("UREPORTER"),
        },
    )
    .unwrap();
    assert_eq!(outcome.incident.state, State::Cancelled);
    assert_eq!(outcome.incident.timer, None);
    let stranger = apply(
        ctx(&policy, &[], at(1)),
        &incident,
        Intent::Cancel {
            by: UserRef::slack("USTRANGER"),
        },
    );
    assert_eq!(
        stranger.unwrap_err(),
        Rejection::UnknownPerson { action: "cancel" }
    );
}

#[test]
fn updates_and_follows_reach_followers() {
    let policy = policy();
    let incident = open(ctx(&policy, &[], t0()), IncidentId(1), request("sev1"))
        .unwrap()
        .incident;
    let followed = apply(
        ctx(&policy, &[], at(1)),
        &incident,
        Intent::Follow {
            by: UserRef::slack("UWATCHER"),
        },
    )
    .unwrap();
    assert!(followed
        .incident
        .followers
        .contains(&UserRef::slack("UWATCHER")));
    let updated = apply(
        ctx(&policy, &[], at(2)),
        &followed.incident,
        Intent::Update {
            by: UserRef::slack("UREPORTER"),
            text: "  Rollback started  ".into(),
        },
    )
    .unwrap();
    let event = Event::StatusUpdate {
        by: UserRef::slack("UREPORTER"),
        text: "Rollback started".into(),
    };
    assert!(updated.effects.contains(&Effect::NotifyFollowers { event }));
    assert_eq!(
        apply(
            ctx(&policy, &[], at(2)),
            &followed.incident,
            Intent::Follow {
                by: UserRef::slack("UWATCHER")
            }
        )
        .unwrap_err(),
        Rejection::Unchanged
    );
}

#[test]
fn opening_checks_what_it_is_given() {
    let policy = policy();
    let mut bad = request("sev9");
    assert_eq!(
        open(ctx(&policy, &[], t0()), IncidentId(1), bad.clone()).unwrap_err(),
        Rejection::UnknownSeverity("sev9".into())
    );
    bad.severity = "sev1".into();
    bad.summary = "   ".into();
    assert_eq!(
        open(ctx(&policy, &[], t0()), IncidentId(1), bad).unwrap_err(),
        Rejection::Empty { field: "summary" }
    );
}

// ---- properties over random intent sequences ----

#[derive(Clone, Debug)]
enum Move {
    Wait(u64),
    Fire,
    Ack(&'static str),
    Resolve(&'static str),
    Cancel(&'static str),
    Severity(&'static str),
    Reassign(&'static str),
    Update,
}

const USERS: [&str; 7] = [
    "UALICE",
    "UBOB",
    "UCAROL",
    "UDAVE",
    "UERIN",
    "UFRANK",
    "UREPORTER",
];

fn a_move() -> impl Strategy<Value = Move> {
    let user = proptest::sample::select(USERS.to_vec());
    prop_oneof![
        4 => (1u64..3000).prop_map(Move::Wait),
        6 => Just(Move::Fire),
        1 => user.clone().prop_map(Move::Ack),
        1 => user.clone().prop_map(Move::Resolve),
        1 => user.clone().prop_map(Move::Cancel),
        1 => proptest::sample::select(vec!["sev1", "sev2"]).prop_map(Move::Severity),
        1 => proptest::sample::select(vec!["alice", "bob", "carol"]).prop_map(Move::Reassign),
        1 => Just(Move::Update),
    ]
}

fn absences_strategy() -> impl Strategy<Value = Vec<Absence>> {
    let who = proptest::sample::select(vec!["alice", "bob", "carol", "dave"]);
    proptest::collection::vec((who, 0u64..120, 1u64..120), 0..3).prop_map(|list| {
        list.into_iter()
            .map(|(who, start, length)| Absence {
                person: who.into(),
                from: at(start),
                until: at(start + length),
                reason: None,
            })
            .collect()
    })
}

/// Everyone a page on `step` may legitimately reach: holders and their deputy chains.
fn allowed_on_step(policy: &Policy, incident: &Incident, step: usize) -> BTreeSet<PersonId> {
    let mut allowed = BTreeSet::new();
    let Some(path) = policy.path(&incident.severity, &incident.team) else {
        return allowed;
    };
    let Some(step) = path.steps.get(step) else {
        return allowed;
    };
    for holder in policy.step_people(&incident.team, step) {
        let mut current = Some(holder);
        while let Some(person) = current {
            if !allowed.insert(person.clone()) {
                break;
            }
            current = policy.people.get(&person).and_then(|p| p.deputy.clone());
        }
    }
    allowed
}

proptest! {
    #[test]
    fn lifecycle_invariants_hold(
        moves in proptest::collection::vec(a_move(), 1..40),
        absences in absences_strategy(),
    ) {
        let policy = policy();
        let mut now = t0();
        let mut incident = open(ctx(&policy, &absences, now), IncidentId(1), request("sev1"))
            .unwrap()
            .incident;

        for step in moves {
            let before = incident.clone();
            let intent = match step {
                Move::Wait(seconds) => {
                    now += chrono::TimeDelta::seconds(seconds as i64);
                    continue;
                }
                Move::Fire => match incident.timer {
                    Some(timer) => {
                        now = now.max(timer.due);
                        Intent::TimerDue
                    }
                    None => continue,
                },
                Move::Ack(user) => Intent::Acknowledge { by: UserRef::slack(user) },
                Move::Resolve(user) => Intent::Resolve { by: UserRef::slack(user) },
                Move::Cancel(user) => Intent::Cancel { by: UserRef::slack(user) },
                Move::Severity(to) => Intent::ChangeSeverity {
                    to: to.into(),
                    by: UserRef::slack("UERIN"),
                },
                Move::Reassign(to) => Intent::Reassign {
                    to: to.into(),
                    by: UserRef::slack("UERIN"),
                },
                Move::Update => Intent::Update {
                    by: UserRef::slack("UREPORTER"),
                    text: "still looking".into(),
                },
            };
            let is_timer = matches!(intent, Intent::TimerDue);
            let is_ack = matches!(intent, Intent::Acknowledge { .. });
            let Ok(outcome) = apply(ctx(&policy, &absences, now), &before, intent.clone()) else {
                continue;
            };
            let after = &outcome.incident;

            // An open incident always has exactly one escalation timer.
            if after.state == State::Open {
                let has_timer = matches!(after.timer, Some(Timer { kind: TimerKind::Escalation, .. }));
                prop_assert!(has_timer, "open without a timer");
            }
            // No page once the incident is taken, resolved or cancelled, except telling
            // the new owner of a reassignment.
            if before.state != State::Open {
                for effect in &outcome.effects {
                    let is_page = matches!(effect, Effect::Page { reason, .. } if *reason != PageReason::Reassigned);
                    prop_assert!(!is_page && !matches!(effect, Effect::PageChannel { .. }),
                        "{effect:?} after {:?}", before.state);
                }
            }
            // No page before its deadline: timer pages happen only once the timer is due.
            if is_timer {
                if let Some(timer) = before.timer {
                    prop_assert!(now >= timer.due);
                }
            }
            // Every escalation page reaches a holder of the step's position or a deputy of one.
            for effect in &outcome.effects {
                if let Effect::Page { person, reason, step, .. } = effect {
                    if *reason == PageReason::Reassigned {
                        continue;
                    }
                    let allowed = allowed_on_step(&policy, after, *step);
                    prop_assert!(allowed.contains(person), "{person} paged on step {step}");
                }
            }
            // The acker becomes the assignee.
            if is_ack {
                if let Intent::Acknowledge { by } = &intent {
                    let person = policy.person_by_account(by.platform, &by.id).unwrap();
                    prop_assert_eq!(after.assignee.as_ref(), Some(&person.id));
                }
            }
            incident = outcome.incident;
        }
    }
}
