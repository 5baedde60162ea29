//! Changes admins make to the live policy in chat, validated as `check-config` validates
//! the files, and replayed over `bot-config/` when the bot starts.
//!
//! Every applied change is written to the store's audit log with the actor, the time,
//! and the value before and after. The audit log is also what keeps the changes: at
//! start the bot loads `bot-config/` and re-applies each audited change in order, so the
//! live policy survives a restart. A change that no longer fits the files (a person was
//! removed, say) is skipped with a warning.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tracing::warn;

use super::validate::deputy_cycle;
use crate::engine::policy::Policy;
use crate::engine::policy::PositionHold;
use crate::engine::{PersonId, PositionId, TeamId};
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
    /// Replace the emoji that acknowledge (`ack`) or resolve (`resolve`).
    SetEmoji {
        /// `ack` or `resolve`.
        kind: EmojiKind,
        /// The emoji names, without colons.
        names: Vec<String>,
    },
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
}

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
            PolicyChange::SetAdmins { .. } => {
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
        }
    }

    /// `policy` with this change, validated as the config folder would be.
    pub fn apply(&self, policy: &Policy) -> Result<Policy, ChangeError> {
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
        }
        Ok(changed)
    }
}

/// `policy` with every audited change re-applied, oldest first.
pub fn replay(policy: Policy, audit: &[(u64, AuditRecord)]) -> Policy {
    let mut policy = policy;
    for (seq, record) in audit {
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
        match change.apply(&policy) {
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

    fn policy() -> Policy {
        Config::load(concat!(env!("CARGO_MANIFEST_DIR"), "/bot-config"))
            .expect("the example config loads")
            .policy
    }

    #[test]
    fn changes_are_validated_like_the_files() {
        let policy = policy();
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
            assert_eq!(change.apply(&policy), Err(error), "{change:?}");
        }

        let team = policy.teams.keys().next().unwrap().clone();
        let holders = PolicyChange::SetHolders {
            team: Some(team.clone()),
            position: "team-lead".into(),
            holders: BTreeSet::from([someone.clone()]),
        };
        let changed = holders.apply(&policy).unwrap();
        assert_eq!(
            changed.holders(&team, &"team-lead".into()),
            std::slice::from_ref(&someone)
        );
        let empty = PolicyChange::SetHolders {
            team: Some(team),
            position: "team-lead".into(),
            holders: BTreeSet::new(),
        };
        assert_eq!(empty.apply(&policy), Err(ChangeError::NoHolders));

        let change = PolicyChange::SetEmoji {
            kind: EmojiKind::Ack,
            names: vec!["raised_hands".to_owned()],
        };
        let changed = change.apply(&policy).unwrap();
        assert_eq!(changed.ack_emoji, ["raised_hands"]);
        assert_eq!(changed.resolve_emoji, policy.resolve_emoji);
    }
}
