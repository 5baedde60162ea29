//! Who a step reaches right now: holders of a position, with absent people replaced by
//! their deputies.

use std::collections::BTreeSet;

use super::ids::{PersonId, TeamId};
use super::model::{SkipReason, Timestamp};
use super::policy::{Policy, Step};
use super::Absence;

/// Someone to page on a step, and whom they stand in for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// Who is paged.
    pub person: PersonId,
    /// The absent person this one stands in for, if any.
    pub stands_in_for: Option<PersonId>,
}

/// A person on the path who is not paged, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// Who was passed over.
    pub person: PersonId,
    /// Who stands in, if anyone.
    pub deputy: Option<PersonId>,
    /// Why.
    pub reason: SkipReason,
}

/// The result of routing a step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Routing {
    /// Who to page.
    pub recipients: Vec<Recipient>,
    /// Who was passed over.
    pub skips: Vec<Skip>,
}

/// Absences as the engine sees them at one instant.
pub struct Presence<'a> {
    absences: &'a [Absence],
    now: Timestamp,
}

impl<'a> Presence<'a> {
    /// Presence at `now`.
    pub fn new(absences: &'a [Absence], now: Timestamp) -> Self {
        Self { absences, now }
    }

    /// The end of `person`'s absence if they are away now.
    pub fn away_until(&self, person: &PersonId) -> Option<Timestamp> {
        self.absences
            .iter()
            .filter(|absence| &absence.person == person)
            .filter(|absence| absence.from <= self.now && self.now < absence.until)
            .map(|absence| absence.until)
            .max()
    }
}

/// Follows the deputy chain from `person` to the first one who is present, skipping
/// anyone in `exclude`, without looping. Records every absent person it passes.
pub fn first_present_deputy(
    policy: &Policy,
    presence: &Presence<'_>,
    person: &PersonId,
    exclude: &BTreeSet<PersonId>,
    skips: &mut Vec<Skip>,
) -> Option<PersonId> {
    let mut seen = BTreeSet::from([person.clone()]);
    let mut current = policy.people.get(person)?.deputy.clone();

    while let Some(candidate) = current {
        if !seen.insert(candidate.clone()) {
            return None;
        }
        let next = policy.people.get(&candidate).and_then(|p| p.deputy.clone());
        if exclude.contains(&candidate) {
            current = next;
            continue;
        }
        match presence.away_until(&candidate) {
            None => return Some(candidate),
            Some(until) => {
                skips.push(Skip {
                    person: candidate,
                    deputy: None,
                    reason: SkipReason::Absent { until },
                });
                current = next;
            }
        }
    }
    None
}

/// Who `step` reaches in `team`: present holders, and deputies for absent ones.
pub fn route_step(policy: &Policy, presence: &Presence<'_>, team: &TeamId, step: &Step) -> Routing {
    let mut routing = Routing::default();
    let mut chosen: BTreeSet<PersonId> = BTreeSet::new();

    for person in policy.step_people(team, step) {
        let Some(until) = presence.away_until(&person) else {
            if chosen.insert(person.clone()) {
                routing.recipients.push(Recipient {
                    person,
                    stands_in_for: None,
                });
            }
            continue;
        };

        let mut chain_skips = Vec::new();
        let deputy = first_present_deputy(
            policy,
            presence,
            &person,
            &BTreeSet::new(),
            &mut chain_skips,
        );
        routing.skips.push(Skip {
            person: person.clone(),
            deputy: deputy.clone(),
            reason: SkipReason::Absent { until },
        });
        routing.skips.extend(chain_skips);

        if let Some(deputy) = deputy {
            if chosen.insert(deputy.clone()) {
                routing.recipients.push(Recipient {
                    person: deputy,
                    stands_in_for: Some(person),
                });
            }
        }
    }
    routing
}

/// The deputies to page when the step's people stayed silent: the first present deputy of
/// each, excluding anyone already paged on this step, and the absent deputies passed over.
pub fn route_deputies(
    policy: &Policy,
    presence: &Presence<'_>,
    step_paged: &[PersonId],
) -> Routing {
    let mut exclude: BTreeSet<PersonId> = step_paged.iter().cloned().collect();
    let mut routing = Routing::default();

    for person in step_paged {
        let deputy = first_present_deputy(policy, presence, person, &exclude, &mut routing.skips);
        let Some(deputy) = deputy else {
            continue;
        };
        exclude.insert(deputy.clone());
        routing.recipients.push(Recipient {
            person: deputy,
            stands_in_for: Some(person.clone()),
        });
    }
    routing
}
