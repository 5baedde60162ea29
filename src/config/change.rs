//! Changes admins make to the live policy in chat, validated as `check-config` validates
//! the files, and replayed over `bot-config/` when the bot starts.
//!
//! Every applied change is written to the store's audit log with the actor, the time,
//! and the value before and after. The audit log is also what keeps the changes: at
//! start the bot loads `bot-config/` and re-applies each audited change in order, so the
//! live policy survives a restart. A change that no longer fits the files (a person was
//! removed, say) is skipped with a warning.

use serde::{Deserialize, Serialize};
use tracing::warn;

use super::validate::deputy_cycle;
use crate::engine::policy::Policy;
use crate::engine::PersonId;
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
