//! Changes admins make to the live policy in chat, validated as `check-config` validates
//! the files, and replayed over `bot-config/` when the bot starts.
//!
//! A change is made on a copy: the changed policy is written out as the four files
//! ([`PolicyFiles`]) and loaded back with every check `check-config` makes, so a change
//! the files could not hold is refused with the same messages. Step changes are made on
//! the files themselves, so a new step is read exactly as a step in `severities.toml`.
//!
//! Every applied change is written to the store's audit log with the actor, the time,
//! and the value before and after. The audit log is also what keeps the changes: at
//! start the bot loads `bot-config/` and re-applies each change audited since the last
//! `admin reload` ([`RELOAD_ACTION`]), in order, so the live policy survives a restart. A
//! reload makes the files the whole live policy again. A change that no longer fits the
//! files (a person was removed, say) is skipped with a warning.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tracing::warn;

use super::export::{PathDoc, PolicyFiles, PolicySource, StepDoc};
use super::validate::deputy_cycle;
use crate::engine::policy::Policy;
use crate::engine::policy::PositionHold;
use crate::engine::{PersonId, PositionId, SeverityId, TeamId};
use crate::store::AuditRecord;

/// One change to the live policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum PolicyChange {
    /// Set or clear a person's deputy.
    SetDeputy {
        /// Whose deputy.
        person: PersonId,
        /// The new deputy, or none.
        deputy: Option<PersonId>,
    },
    /// Replace who holds a position in one team (or company-wide when `team` is none).
    SetHolders {
        /// The team, or none for a company-wide position.
        team: Option<TeamId>,
        /// The position.
        position: PositionId,
        /// Everyone who holds it there afterwards; at least one.
        holders: BTreeSet<PersonId>,
    },
    /// Replace the admins.
    SetAdmins {
        /// Everyone who is an admin afterwards.
        admins: BTreeSet<PersonId>,
    },
    /// Make one more person an admin. Applied to the policy as it is when the change is
    /// made, so two admins added at once are both kept.
    AddAdmin {
        /// Who.
        person: PersonId,
    },
    /// Take one person off the admins.
    RemoveAdmin {
        /// Who.
        person: PersonId,
    },
    /// Replace the emoji that acknowledge (`ack`) or resolve (`resolve`).
    SetEmoji {
        /// `ack` or `resolve`.
        kind: EmojiKind,
        /// The emoji names, without colons.
        names: Vec<String>,
    },
    /// Insert a step into a path.
    AddStep {
        /// Whose path.
        #[serde(flatten)]
        path: PathRef,
        /// Its 1-based place; one past the last step appends.
        at: usize,
        /// The step as the file would write it.
        step: StepDoc,
    },
    /// Remove a step from a path.
    RemoveStep {
        /// Whose path.
        #[serde(flatten)]
        path: PathRef,
        /// The 1-based step.
        at: usize,
    },
    /// Move a step to another place in its path.
    MoveStep {
        /// Whose path.
        #[serde(flatten)]
        path: PathRef,
        /// The 1-based step.
        from: usize,
        /// Its new 1-based place.
        to: usize,
    },
    /// Change a step's means or timing; what is `None` stays as it is.
    SetStep {
        /// Whose path.
        #[serde(flatten)]
        path: PathRef,
        /// The 1-based step.
        at: usize,
        /// The new means.
        #[serde(default)]
        means: Option<Vec<String>>,
        /// The new ack deadline, e.g. `5m`.
        ack_within: Option<String>,
        /// The new number of re-pages.
        repages: Option<u32>,
        /// The new time between re-pages.
        repage_every: Option<String>,
    },
}

/// One severity's path: a team's own, or the default one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathRef {
    /// The severity.
    pub severity: SeverityId,
    /// The team whose own path it is; `None` for the default path.
    pub team: Option<TeamId>,
}

/// Which reaction a set of emoji stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmojiKind {
    /// Reacting acknowledges.
    Ack,
    /// Reacting resolves.
    Resolve,
}

/// Why a change was refused; the live policy is left as it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The change names a person the policy does not have.
    #[error("there is no person `{0}`")]
    UnknownPerson(PersonId),
    /// The deputies would go round in a circle.
    #[error("deputies would go round in a circle")]
    DeputyCycle(Vec<PersonId>),
    /// The team is not configured.
    #[error("there is no team `{0}`")]
    UnknownTeam(TeamId),
    /// A position would be left without anyone holding it.
    #[error("a position needs at least one holder")]
    NoHolders,
    /// Nobody would be left to administer the bot.
    #[error("at least one admin is needed")]
    NoAdmins,
    /// No emoji given, or one that is not an emoji name.
    #[error("`{0}` is not an emoji name")]
    NotAnEmoji(String),
    /// One emoji would both acknowledge and resolve.
    #[error("`{0}` would both acknowledge and resolve")]
    EmojiOverlap(String),
    /// The severity is not configured.
    #[error("there is no severity `{0}`")]
    UnknownSeverity(SeverityId),
    /// The severity has no such path (a team without its own path uses the default).
    #[error("there is no such path")]
    NoSuchPath(PathRef),
    /// The path has no step with this number.
    #[error("there is no step {0}")]
    NoSuchStep(usize),
    /// The changed files fail a check of `check-config`; each line is `field: message`.
    #[error("the change fails the config checks: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// The audit action of `admin reload`; changes audited before the latest one are not
/// replayed at start, since the reload replaced them with the files.
pub const RELOAD_ACTION: &str = "policy-reload";

/// The audit action name of policy changes.
pub const AUDIT_ACTION: &str = "policy-change";

impl PolicyChange {
    /// The changed value as it stands in `policy`, for the audit log.
    pub fn before(&self, policy: &Policy) -> serde_json::Value {
        match self {
            PolicyChange::SetDeputy { person, .. } => {
                let deputy = policy.people.get(person).and_then(|p| p.deputy.clone());
                let before = PolicyChange::SetDeputy {
                    person: person.clone(),
                    deputy,
                };
                serde_json::to_value(before).unwrap_or_default()
            }
            PolicyChange::SetHolders { team, position, .. } => {
                let hold = PositionHold {
                    team: team.clone(),
                    position: position.clone(),
                };
                let holders = policy
                    .people
                    .values()
                    .filter(|person| person.positions.contains(&hold))
                    .map(|person| person.id.clone())
                    .collect();
                let before = PolicyChange::SetHolders {
                    team: team.clone(),
                    position: position.clone(),
                    holders,
                };
                serde_json::to_value(before).unwrap_or_default()
            }
            PolicyChange::SetAdmins { .. }
            | PolicyChange::AddAdmin { .. }
            | PolicyChange::RemoveAdmin { .. } => {
                let before = PolicyChange::SetAdmins {
                    admins: policy.admins.clone(),
                };
                serde_json::to_value(before).unwrap_or_default()
            }
            PolicyChange::SetEmoji { kind, .. } => {
                let names = match kind {
                    EmojiKind::Ack => policy.ack_emoji.clone(),
                    EmojiKind::Resolve => policy.resolve_emoji.clone(),
                };
                let before = PolicyChange::SetEmoji { kind: *kind, names };
                serde_json::to_value(before).unwrap_or_default()
            }
            PolicyChange::AddStep { path, .. }
            | PolicyChange::RemoveStep { path, .. }
            | PolicyChange::MoveStep { path, .. }
            | PolicyChange::SetStep { path, .. } => {
                let steps: Vec<StepDoc> = policy
                    .severity(&path.severity)
                    .and_then(|severity| match &path.team {
                        Some(team) => severity.team_paths.get(team),
                        None => severity.default_path.as_ref(),
                    })
                    .map(|found| found.steps.iter().map(StepDoc::of).collect())
                    .unwrap_or_default();
                serde_json::json!({ "path": path, "steps": steps })
            }
        }
    }

    /// `policy` with this change, checked by writing it out as the files of `source`
    /// and loading them back as `check-config` would.
    pub fn apply(&self, policy: &Policy, source: &PolicySource) -> Result<Policy, ChangeError> {
        let changed = self.apply_to_policy(policy)?;
        let mut files = PolicyFiles::of(source, &changed);
        self.apply_to_files(&mut files)?;
        files.load(source, policy).map_err(|errors| {
            // The lines are those of the generated files, so only the field is shown.
            let lines = errors
                .iter()
                .map(|error| format!("{}: {}", error.field, error.message))
                .collect();
            ChangeError::Invalid(lines)
        })
    }

    /// The step changes, made on the files.
    fn apply_to_files(&self, files: &mut PolicyFiles) -> Result<(), ChangeError> {
        let steps = match self {
            PolicyChange::AddStep { path, .. }
            | PolicyChange::RemoveStep { path, .. }
            | PolicyChange::MoveStep { path, .. }
            | PolicyChange::SetStep { path, .. } => steps_of(files, path)?,
            _ => return Ok(()),
        };
        let step_index = |at: usize, len: usize| {
            (1..=len)
                .contains(&at)
                .then(|| at - 1)
                .ok_or(ChangeError::NoSuchStep(at))
        };
        match self {
            PolicyChange::AddStep { at, step, .. } => {
                if *at == 0 || *at > steps.len() + 1 {
                    return Err(ChangeError::NoSuchStep(*at));
                }
                steps.insert(at - 1, step.clone());
            }
            PolicyChange::RemoveStep { at, .. } => {
                let index = step_index(*at, steps.len())?;
                steps.remove(index);
            }
            PolicyChange::MoveStep { from, to, .. } => {
                let from = step_index(*from, steps.len())?;
                let to = step_index(*to, steps.len())?;
                let step = steps.remove(from);
                steps.insert(to, step);
            }
            PolicyChange::SetStep {
                at,
                means,
                ack_within,
                repages,
                repage_every,
                ..
            } => {
                let index = step_index(*at, steps.len())?;
                let step = &mut steps[index];
                if let Some(means) = means {
                    step.means = means.clone();
                }
                if let Some(ack_within) = ack_within {
                    step.ack_within = ack_within.clone();
                }
                if let Some(repages) = repages {
                    step.repages = Some(*repages);
                }
                if let Some(every) = repage_every {
                    step.repage_every = Some(every.clone());
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `policy` with the changes that are made on the policy itself, checked with the
    /// messages those changes deserve; step changes pass through unchanged.
    fn apply_to_policy(&self, policy: &Policy) -> Result<Policy, ChangeError> {
        let mut changed = policy.clone();
        match self {
            PolicyChange::SetDeputy { person, deputy } => {
                if let Some(deputy) = deputy {
                    if !policy.people.contains_key(deputy) {
                        return Err(ChangeError::UnknownPerson(deputy.clone()));
                    }
                }
                let Some(entry) = changed.people.get_mut(person) else {
                    return Err(ChangeError::UnknownPerson(person.clone()));
                };
                entry.deputy = deputy.clone();
                if let Some(cycle) = deputy_cycle(&changed.people, person) {
                    return Err(ChangeError::DeputyCycle(cycle));
                }
            }
            PolicyChange::SetHolders {
                team,
                position,
                holders,
            } => {
                if let Some(team) = team.as_ref().filter(|t| !policy.teams.contains_key(*t)) {
                    return Err(ChangeError::UnknownTeam(team.clone()));
                }
                if let Some(unknown) = holders.iter().find(|h| !policy.people.contains_key(*h)) {
                    return Err(ChangeError::UnknownPerson(unknown.clone()));
                }
                if holders.is_empty() {
                    return Err(ChangeError::NoHolders);
                }
                let hold = PositionHold {
                    team: team.clone(),
                    position: position.clone(),
                };
                for person in changed.people.values_mut() {
                    person.positions.retain(|held| held != &hold);
                    if holders.contains(&person.id) {
                        person.positions.push(hold.clone());
                        person.positions.sort();
                    }
                }
            }
            PolicyChange::SetAdmins { admins } => {
                if let Some(unknown) = admins.iter().find(|a| !policy.people.contains_key(*a)) {
                    return Err(ChangeError::UnknownPerson(unknown.clone()));
                }
                if admins.is_empty() {
                    return Err(ChangeError::NoAdmins);
                }
                changed.admins = admins.clone();
            }
            PolicyChange::AddAdmin { person } => {
                if !policy.people.contains_key(person) {
                    return Err(ChangeError::UnknownPerson(person.clone()));
                }
                changed.admins.insert(person.clone());
            }
            PolicyChange::RemoveAdmin { person } => {
                changed.admins.remove(person);
                if changed.admins.is_empty() {
                    return Err(ChangeError::NoAdmins);
                }
            }
            PolicyChange::SetEmoji { kind, names } => {
                let (target, other) = match kind {
                    EmojiKind::Ack => (&mut changed.ack_emoji, &policy.resolve_emoji),
                    EmojiKind::Resolve => (&mut changed.resolve_emoji, &policy.ack_emoji),
                };
                if names.is_empty() {
                    return Err(ChangeError::NotAnEmoji(String::new()));
                }
                // The same rules as the config files: a name without spaces or colons.
                if let Some(bad) = names.iter().find(|name| {
                    name.is_empty() || name.contains(char::is_whitespace) || name.contains(':')
                }) {
                    return Err(ChangeError::NotAnEmoji(bad.clone()));
                }
                if let Some(both) = names.iter().find(|name| other.contains(name)) {
                    return Err(ChangeError::EmojiOverlap(both.clone()));
                }
                *target = names.clone();
            }
            PolicyChange::AddStep { .. }
            | PolicyChange::RemoveStep { .. }
            | PolicyChange::MoveStep { .. }
            | PolicyChange::SetStep { .. } => {}
        }
        Ok(changed)
    }
}

/// The steps of the path `path` names in `files`.
fn steps_of<'a>(
    files: &'a mut PolicyFiles,
    path: &PathRef,
) -> Result<&'a mut Vec<StepDoc>, ChangeError> {
    let Some(severity) = files
        .severities
        .severity
        .iter_mut()
        .find(|severity| severity.id == path.severity.as_str())
    else {
        return Err(ChangeError::UnknownSeverity(path.severity.clone()));
    };
    let team = path.team.as_ref().map(ToString::to_string);
    severity
        .path
        .iter_mut()
        .find(|found: &&mut PathDoc| found.team == team)
        .map(|found| &mut found.steps)
        .ok_or_else(|| ChangeError::NoSuchPath(path.clone()))
}

/// `policy` with every change audited since the latest reload re-applied, oldest first.
pub fn replay(policy: Policy, source: &PolicySource, audit: &[(u64, AuditRecord)]) -> Policy {
    let mut policy = policy;
    let since_reload = audit
        .iter()
        .rposition(|(_, record)| record.action == RELOAD_ACTION)
        .map_or(0, |index| index + 1);
    for (seq, record) in &audit[since_reload..] {
        if record.action != AUDIT_ACTION {
            continue;
        }
        let change: PolicyChange = match serde_json::from_value(record.after.clone()) {
            Ok(change) => change,
            Err(error) => {
                warn!(seq, error = %error, "unreadable policy change skipped");
                continue;
            }
        };
        match change.apply(&policy, source) {
            Ok(changed) => policy = changed,
            Err(error) => warn!(seq, error = %error, "policy change no longer applies"),
        }
    }
    policy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn config() -> Config {
        Config::load(concat!(env!("CARGO_MANIFEST_DIR"), "/bot-config"))
            .expect("the example config loads")
    }

    #[test]
    fn changes_are_validated_like_the_files() {
        let config = config();
        let source = PolicySource::of(&config);
        let policy = config.policy;
        let someone = policy.people.keys().next().unwrap().clone();
        let nobody = PersonId::from("nobody-at-all");
        let refused = [
            (
                PolicyChange::SetDeputy {
                    person: someone.clone(),
                    deputy: Some(someone.clone()),
                },
                ChangeError::DeputyCycle(vec![someone.clone()]),
            ),
            (
                PolicyChange::SetDeputy {
                    person: someone.clone(),
                    deputy: Some(nobody.clone()),
                },
                ChangeError::UnknownPerson(nobody.clone()),
            ),
            (
                PolicyChange::SetAdmins {
                    admins: BTreeSet::new(),
                },
                ChangeError::NoAdmins,
            ),
            (
                PolicyChange::SetEmoji {
                    kind: EmojiKind::Ack,
                    names: vec![policy.resolve_emoji[0].clone()],
                },
                ChangeError::EmojiOverlap(policy.resolve_emoji[0].clone()),
            ),
            (
                PolicyChange::SetEmoji {
                    kind: EmojiKind::Resolve,
                    names: vec![":x:".to_owned()],
                },
                ChangeError::NotAnEmoji(":x:".to_owned()),
            ),
        ];
        for (change, error) in refused {
            assert_eq!(change.apply(&policy, &source), Err(error), "{change:?}");
        }

        let team = policy.teams.keys().next().unwrap().clone();
        let holders = PolicyChange::SetHolders {
            team: Some(team.clone()),
            position: "team-lead".into(),
            holders: BTreeSet::from([someone.clone()]),
        };
        let changed = holders.apply(&policy, &source).unwrap();
        assert_eq!(
            changed.holders(&team, &"team-lead".into()),
            std::slice::from_ref(&someone)
        );
        let empty = PolicyChange::SetHolders {
            team: Some(team),
            position: "team-lead".into(),
            holders: BTreeSet::new(),
        };
        assert_eq!(empty.apply(&policy, &source), Err(ChangeError::NoHolders));

        let change = PolicyChange::SetEmoji {
            kind: EmojiKind::Ack,
            names: vec!["raised_hands".to_owned()],
        };
        let changed = change.apply(&policy, &source).unwrap();
        assert_eq!(changed.ack_emoji, ["raised_hands"]);
        assert_eq!(changed.resolve_emoji, policy.resolve_emoji);
    }

    #[test]
    fn steps_are_added_moved_retimed_and_removed_as_the_file_would_say() {
        let config = config();
        let source = PolicySource::of(&config);
        let policy = config.policy;
        let payments = PathRef {
            severity: "sev1".into(),
            team: Some("payments".into()),
        };
        let steps = |policy: &Policy| -> Vec<String> {
            policy
                .path(&"sev1".into(), &"payments".into())
                .unwrap()
                .steps
                .iter()
                .map(|step| {
                    format!(
                        "{} {:?} {} {:?}",
                        step.target, step.ack_within, step.repages, step.repage_every
                    )
                })
                .collect()
        };
        let before = steps(&policy);
        assert_eq!(before.len(), 3);

        let add = PolicyChange::AddStep {
            path: payments.clone(),
            at: 2,
            step: StepDoc {
                position: None,
                person: Some("bob".to_owned()),
                means: vec!["dm".to_owned()],
                ack_within: "3m".to_owned(),
                repages: None,
                repage_every: None,
            },
        };
        let added = add.apply(&policy, &source).unwrap();
        assert_eq!(steps(&added)[1], "bob 180s 0 0ns");
        assert_eq!(steps(&added).len(), 4);

        let moved = PolicyChange::MoveStep {
            path: payments.clone(),
            from: 2,
            to: 4,
        }
        .apply(&added, &source)
        .unwrap();
        assert_eq!(steps(&moved)[3], "bob 180s 0 0ns");
        assert_eq!(steps(&moved)[..3], before[..]);

        let retimed = PolicyChange::SetStep {
            path: payments.clone(),
            at: 1,
            means: None,
            ack_within: Some("8m".to_owned()),
            repages: Some(3),
            repage_every: Some("2m".to_owned()),
        }
        .apply(&moved, &source)
        .unwrap();
        assert_eq!(steps(&retimed)[0], "team-lead 480s 3 120s");

        let removed = PolicyChange::RemoveStep {
            path: payments.clone(),
            at: 4,
        }
        .apply(&retimed, &source)
        .unwrap();
        assert_eq!(steps(&removed).len(), 3);

        // What the files would refuse is refused, with the file's field and message.
        let too_many = PolicyChange::SetStep {
            path: payments.clone(),
            at: 1,
            means: None,
            ack_within: Some("5m".to_owned()),
            repages: Some(3),
            repage_every: Some("2m".to_owned()),
        };
        let Err(ChangeError::Invalid(lines)) = too_many.apply(&policy, &source) else {
            panic!("re-pages past the deadline were accepted");
        };
        assert!(
            lines[0].starts_with("severity[sev1].path[payments].steps[0]"),
            "{lines:?}"
        );
        let bad_means = PolicyChange::AddStep {
            path: payments.clone(),
            at: 1,
            step: StepDoc {
                position: Some("team-lead".to_owned()),
                person: None,
                means: vec!["pigeon".to_owned()],
                ack_within: "3m".to_owned(),
                repages: None,
                repage_every: None,
            },
        };
        assert!(matches!(
            bad_means.apply(&policy, &source),
            Err(ChangeError::Invalid(_))
        ));
        let platform = PathRef {
            severity: "sev1".into(),
            team: Some("platform".into()),
        };
        let missing = PolicyChange::RemoveStep {
            path: platform.clone(),
            at: 1,
        };
        assert_eq!(
            missing.apply(&policy, &source),
            Err(ChangeError::NoSuchPath(platform))
        );
        let nowhere = PolicyChange::RemoveStep {
            path: payments,
            at: 9,
        };
        assert_eq!(
            nowhere.apply(&policy, &source),
            Err(ChangeError::NoSuchStep(9))
        );
    }
}
