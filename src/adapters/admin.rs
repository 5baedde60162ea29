//! `/escalate admin`: show the live policy and its audit log, and change it.
//!
//! Only admins get past the first check; anyone else is refused and nothing changes.
//! A change is validated on a copy of the policy ([`PolicyChange::apply`]), written to
//! the audit log, and only then swapped in with [`Escalator::replace_policy`]; the audit
//! log is what replays it after a restart (see [`crate::config::change`]).

use fluent_bundle::FluentValue;
use tracing::info;

use crate::adapters::respond::{failed, resolve_person, user_arg_text, Reply};
use crate::command::{Admin, UserArg};
use crate::config::change::{ChangeError, EmojiKind, PolicyChange, AUDIT_ACTION};
use crate::engine::policy::Policy;
use crate::engine::{PersonId, Platform, PositionId, TeamId, UserRef};
use crate::render::Words;
use crate::runtime::Escalator;
use crate::store::AuditRecord;

/// What an admin command did or why it did nothing.
#[derive(Clone, Debug, PartialEq)]
pub enum AdminReply {
    /// The caller is not an admin; nothing changed.
    NotAdmin,
    /// The live policy.
    Show,
    /// The latest audit records, oldest first.
    Audit(Vec<(u64, AuditRecord)>),
    /// The change is live.
    Changed(PolicyChange),
    /// The change was refused; nothing changed.
    Refused(ChangeError),
}

/// Carries out `admin` for `caller`.
pub(crate) async fn handle(
    escalator: &Escalator,
    platform: Platform,
    caller: &UserRef,
    admin: Admin,
) -> Reply {
    let policy = escalator.policy();
    let me = policy
        .person_by_account(platform, &caller.id)
        .map(|person| person.id.clone());
    let Some(me) = me.filter(|me| policy.is_admin(me)) else {
        info!(user = %caller.id, "admin command refused");
        return Reply::Admin(AdminReply::NotAdmin);
    };

    match admin {
        Admin::Show => Reply::Admin(AdminReply::Show),
        Admin::Audit { n } => match escalator.store().audit(usize::MAX) {
            Ok(records) => {
                // The review schedule's start is bookkeeping, not a change anyone made.
                let mut shown: Vec<_> = records
                    .into_iter()
                    .filter(|(_, record)| record.action != crate::review::SCHEDULED)
                    .collect();
                let skip = shown.len().saturating_sub(n);
                shown.drain(..skip);
                Reply::Admin(AdminReply::Audit(shown))
            }
            Err(error) => failed("read the audit log", &error),
        },
        Admin::Deputy { person, deputy } => {
            let person = match person_id(&policy, platform, &person) {
                Ok(person) => person,
                Err(reply) => return reply,
            };
            let deputy = match deputy.map(|d| person_id(&policy, platform, &d)).transpose() {
                Ok(deputy) => deputy,
                Err(reply) => return reply,
            };
            change(
                escalator,
                &policy,
                &me,
                PolicyChange::SetDeputy { person, deputy },
            )
            .await
        }
        Admin::Holders {
            team,
            position,
            users,
        } => {
            let team = team.map(|word| {
                policy
                    .teams
                    .keys()
                    .find(|id| id.as_str().eq_ignore_ascii_case(&word))
                    .cloned()
                    .unwrap_or_else(|| TeamId::from(word.as_str()))
            });
            let mut holders = std::collections::BTreeSet::new();
            for user in &users {
                match person_id(&policy, platform, user) {
                    Ok(person) => holders.insert(person),
                    Err(reply) => return reply,
                };
            }
            let change_to = PolicyChange::SetHolders {
                team,
                position: PositionId::from(position.as_str()),
                holders,
            };
            change(escalator, &policy, &me, change_to).await
        }
        Admin::Admins { is_add, user } => {
            let person = match person_id(&policy, platform, &user) {
                Ok(person) => person,
                Err(reply) => return reply,
            };
            let mut admins = policy.admins.clone();
            if is_add {
                admins.insert(person);
            } else {
                admins.remove(&person);
            }
            change(escalator, &policy, &me, PolicyChange::SetAdmins { admins }).await
        }
        Admin::Emoji { is_ack, names } => {
            let kind = if is_ack {
                EmojiKind::Ack
            } else {
                EmojiKind::Resolve
            };
            change(
                escalator,
                &policy,
                &me,
                PolicyChange::SetEmoji { kind, names },
            )
            .await
        }
    }
}

fn person_id(policy: &Policy, platform: Platform, user: &UserArg) -> Result<PersonId, Reply> {
    resolve_person(policy, platform, user).ok_or_else(|| Reply::UnknownUser(user_arg_text(user)))
}

/// Validates, audits and applies one change.
async fn change(
    escalator: &Escalator,
    policy: &Policy,
    actor: &PersonId,
    change: PolicyChange,
) -> Reply {
    let changed = match change.apply(policy) {
        Ok(changed) => changed,
        Err(error) => return Reply::Admin(AdminReply::Refused(error)),
    };
    let record = AuditRecord {
        at: escalator.now(),
        actor: actor.to_string(),
        action: AUDIT_ACTION.to_owned(),
        before: change.before(policy),
        after: serde_json::to_value(&change).unwrap_or_default(),
    };
    if let Err(error) = escalator.store().append_audit(&record).await {
        return failed("audit the policy change", &error);
    }
    escalator.replace_policy(std::sync::Arc::new(changed));
    info!(actor = %actor, "live policy changed");
    Reply::Admin(AdminReply::Changed(change))
}

/// The words of an admin reply.
pub(crate) fn admin_text(words: &Words<'_>, reply: &AdminReply) -> String {
    let policy = words.policy;
    let markup = words.markup;
    match reply {
        AdminReply::NotAdmin => {
            let admins = words.list(policy.admins.iter().map(|admin| words.person(admin)));
            words.t("admin-not-admin", &[("people", admins.into())])
        }
        AdminReply::Show => show_text(words),
        AdminReply::Audit(records) if records.is_empty() => words.t("admin-audit-none", &[]),
        AdminReply::Audit(records) => {
            let mut lines = vec![markup.bold(&words.t("admin-audit-title", &[]))];
            lines.extend(records.iter().map(|(seq, record)| {
                let json = |value: &serde_json::Value| -> FluentValue<'static> {
                    markup.escape(&value.to_string()).into()
                };
                words.t(
                    "admin-audit-entry",
                    &[
                        ("n", (*seq).into()),
                        ("date", markup.time(record.at).into()),
                        ("who", markup.escape(&record.actor).into()),
                        ("action", markup.escape(&record.action).into()),
                        ("from", json(&record.before)),
                        ("to", json(&record.after)),
                    ],
                )
            }));
            lines.join("\n")
        }
        AdminReply::Changed(PolicyChange::SetDeputy { person, deputy }) => match deputy {
            Some(deputy) => words.t(
                "admin-changed-deputy",
                &[
                    ("person", words.person(person).into()),
                    ("deputy", words.person(deputy).into()),
                ],
            ),
            None => words.t(
                "admin-changed-deputy-none",
                &[("person", words.person(person).into())],
            ),
        },
        AdminReply::Changed(PolicyChange::SetAdmins { admins }) => {
            let people = words.list(admins.iter().map(|admin| words.person(admin)));
            words.t("admin-changed-admins", &[("people", people.into())])
        }
        AdminReply::Changed(PolicyChange::SetEmoji { kind, names }) => {
            let emoji = words.list(names.iter().map(|name| format!(":{name}:")));
            let key = match kind {
                EmojiKind::Ack => "admin-changed-ack-emoji",
                EmojiKind::Resolve => "admin-changed-resolve-emoji",
            };
            words.t(key, &[("emoji", emoji.into())])
        }
        AdminReply::Changed(PolicyChange::SetHolders {
            team,
            position,
            holders,
        }) => {
            let people = words.list(holders.iter().map(|person| words.person(person)));
            let team = team.as_ref().map_or_else(
                || words.t("admin-all-teams", &[]),
                |team| markup.escape(team.as_str()),
            );
            words.t(
                "admin-changed-holders",
                &[
                    ("people", people.into()),
                    ("target", markup.escape(position.as_str()).into()),
                    ("team", team.into()),
                ],
            )
        }
        AdminReply::Refused(ChangeError::UnknownTeam(team)) => {
            let known = words.list(policy.teams.keys().map(|id| markup.escape(id.as_str())));
            words.t(
                "reply-unknown-team",
                &[
                    ("team", markup.escape(team.as_str()).into()),
                    ("known", known.into()),
                ],
            )
        }
        AdminReply::Refused(ChangeError::NoHolders) => words.t("admin-refused-no-holders", &[]),
        AdminReply::Refused(ChangeError::NoAdmins) => words.t("admin-refused-no-admins", &[]),
        AdminReply::Refused(ChangeError::NotAnEmoji(name)) => words.t(
            "admin-refused-not-an-emoji",
            &[("emoji", markup.escape(name).into())],
        ),
        AdminReply::Refused(ChangeError::EmojiOverlap(name)) => words.t(
            "admin-refused-emoji-overlap",
            &[("emoji", markup.escape(name).into())],
        ),
        AdminReply::Refused(ChangeError::UnknownPerson(person)) => words.t(
            "admin-refused-unknown-person",
            &[("person", markup.escape(person.as_str()).into())],
        ),
        AdminReply::Refused(ChangeError::DeputyCycle(cycle)) => {
            let people = words.list(cycle.iter().map(|person| words.person(person)));
            words.t("admin-refused-cycle", &[("people", people.into())])
        }
    }
}

/// The live policy: admins, people with their deputies, and every path step by step.
fn show_text(words: &Words<'_>) -> String {
    let policy = words.policy;
    let markup = words.markup;
    let none = || words.t("stats-nothing", &[]);
    let admins = words.list(policy.admins.iter().map(|admin| words.person(admin)));
    let mut lines = vec![
        markup.bold(&words.t("admin-show-title", &[])),
        words.t("admin-show-admins", &[("people", admins.into())]),
    ];
    for person in policy.people.values() {
        let deputy = person
            .deputy
            .as_ref()
            .map_or_else(none, |deputy| words.person(deputy));
        lines.push(words.t(
            "admin-show-person",
            &[
                ("person", words.person(&person.id).into()),
                ("deputy", deputy.into()),
            ],
        ));
    }
    for severity in &policy.severities {
        for team in policy.teams.keys() {
            let Some(path) = policy.path(&severity.id, team) else {
                continue;
            };
            lines.push(words.t(
                "admin-show-path",
                &[
                    ("severity", words.severity(&severity.id).into()),
                    ("team", markup.escape(team.as_str()).into()),
                ],
            ));
            for (index, step) in path.steps.iter().enumerate() {
                let means: Vec<String> = step.means.iter().map(ToString::to_string).collect();
                lines.push(
                    words.t(
                        "admin-show-step",
                        &[
                            ("step", (index + 1).into()),
                            ("target", markup.escape(&step.target.to_string()).into()),
                            ("means", markup.escape(&means.join(", ")).into()),
                            (
                                "ack",
                                humantime::format_duration(step.ack_within)
                                    .to_string()
                                    .into(),
                            ),
                            ("n", step.repages.into()),
                        ],
                    ),
                );
            }
        }
    }
    lines.join("\n")
}
