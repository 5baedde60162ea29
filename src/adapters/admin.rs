//! `/escalate admin`: show the live policy and its audit log, and change it.
//!
//! Only admins get past the first check; anyone else is refused and nothing changes.
//! A change is validated on a copy of the policy ([`PolicyChange::apply`]), written to
//! the audit log, and only then swapped in with [`Escalator::replace_policy`]; the audit
//! log is what replays it after a restart (see [`crate::config::change`]). Every change,
//! reload and export holds [`Escalator::lock_policy`] from reading the live policy to
//! swapping the new one in, so two admins changing at once never lose a change.

use fluent_bundle::FluentValue;
use tracing::info;

use crate::adapters::respond::{failed, resolve_person, user_arg_text, Reply};
use crate::command::{Admin, StepEdit, StepOptions, StepTarget, UserArg};
use crate::config::change::{
    ChangeError, EmojiKind, PathRef, PolicyChange, AUDIT_ACTION, RELOAD_ACTION,
};
use crate::config::export::{PolicyFiles, StepDoc};
use crate::config::Config;
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
    /// The change is live (boxed: a step change is large).
    Changed(Box<PolicyChange>),
    /// The change was refused; nothing changed.
    Refused(ChangeError),
    /// `bot-config/` is the live policy now.
    Reloaded,
    /// `bot-config/` has these problems (`file:line:col: field: message`); nothing changed.
    ReloadFailed(Vec<String>),
    /// The live policy as files: each name and text.
    Export(Vec<(String, String)>),
    /// The bot was started without a config folder, so it cannot reload or export.
    NoConfigFolder,
    /// The criteria review was confirmed; the next reminder is due then.
    ReviewConfirmed(crate::engine::Timestamp),
    /// How to change the criteria.
    ReviewEdit,
}

/// Carries out a press on a criteria review reminder's Confirm or Edit button.
pub(crate) async fn review_button(
    escalator: &Escalator,
    platform: Platform,
    caller: &UserRef,
    is_confirm: bool,
) -> Reply {
    let policy = escalator.policy();
    let me = policy
        .person_by_account(platform, &caller.id)
        .map(|person| person.id.clone());
    let Some(me) = me.filter(|me| policy.is_admin(me)) else {
        info!(user = %caller.id, "criteria review button refused");
        return Reply::Admin(AdminReply::NotAdmin);
    };
    if !is_confirm {
        return Reply::Admin(AdminReply::ReviewEdit);
    }
    match crate::review::confirm(escalator, me.as_str()).await {
        Ok(next) => {
            info!(actor = %me, "criteria review confirmed");
            Reply::Admin(AdminReply::ReviewConfirmed(next))
        }
        Err(error) => failed("record the criteria review", &error),
    }
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
            change(escalator, &me, PolicyChange::SetDeputy { person, deputy }).await
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
            change(escalator, &me, change_to).await
        }
        Admin::Admins { is_add, user } => {
            let person = match person_id(&policy, platform, &user) {
                Ok(person) => person,
                Err(reply) => return reply,
            };
            let change_to = if is_add {
                PolicyChange::AddAdmin { person }
            } else {
                PolicyChange::RemoveAdmin { person }
            };
            change(escalator, &me, change_to).await
        }
        Admin::Emoji { is_ack, names } => {
            let kind = if is_ack {
                EmojiKind::Ack
            } else {
                EmojiKind::Resolve
            };
            change(escalator, &me, PolicyChange::SetEmoji { kind, names }).await
        }
        Admin::Step {
            severity,
            team,
            edit,
        } => {
            let change_to = match step_change(&policy, platform, severity, team, edit) {
                Ok(change_to) => change_to,
                Err(reply) => return reply,
            };
            change(escalator, &me, change_to).await
        }
        Admin::Reload => reload(escalator, &me).await,
        Admin::Export => {
            let source = escalator.lock_policy().await;
            let Some(source) = source.as_ref() else {
                return Reply::Admin(AdminReply::NoConfigFolder);
            };
            let files = PolicyFiles::of(source, &escalator.policy()).texts();
            let files = files
                .into_iter()
                .map(|(name, text)| (name.to_owned(), text))
                .collect();
            Reply::Admin(AdminReply::Export(files))
        }
    }
}

/// The policy change an `admin step` asks for; ids are matched without regard to case.
fn step_change(
    policy: &Policy,
    platform: Platform,
    severity: String,
    team: Option<String>,
    edit: StepEdit,
) -> Result<PolicyChange, Reply> {
    let severity = policy
        .severities
        .iter()
        .map(|known| &known.id)
        .find(|id| id.as_str().eq_ignore_ascii_case(&severity))
        .cloned()
        .unwrap_or_else(|| severity.as_str().into());
    let team = team.map(|word| {
        policy
            .teams
            .keys()
            .find(|id| id.as_str().eq_ignore_ascii_case(&word))
            .cloned()
            .unwrap_or_else(|| TeamId::from(word.as_str()))
    });
    let path = PathRef { severity, team };
    Ok(match edit {
        StepEdit::Add {
            at,
            target,
            options,
        } => {
            let (position, person) = match target {
                StepTarget::Position(position) => (Some(position), None),
                StepTarget::Person(user) => {
                    (None, Some(person_id(policy, platform, &user)?.to_string()))
                }
            };
            let StepOptions {
                means,
                ack_within,
                repages,
                repage_every,
            } = options;
            let step = StepDoc {
                position,
                person,
                means: means.unwrap_or_else(|| vec!["thread".to_owned(), "dm".to_owned()]),
                ack_within: ack_within.unwrap_or_else(|| "10m".to_owned()),
                repages,
                repage_every,
            };
            PolicyChange::AddStep { path, at, step }
        }
        StepEdit::Set { at, options } => PolicyChange::SetStep {
            path,
            at,
            means: options.means,
            ack_within: options.ack_within,
            repages: options.repages,
            repage_every: options.repage_every,
        },
        StepEdit::Remove { at } => PolicyChange::RemoveStep { path, at },
        StepEdit::Move { from, to } => PolicyChange::MoveStep { path, from, to },
    })
}

/// Reads `bot-config/` again and makes it the whole live policy, or changes nothing.
async fn reload(escalator: &Escalator, actor: &PersonId) -> Reply {
    let mut source = escalator.lock_policy().await;
    let Some(current) = source.as_mut() else {
        return Reply::Admin(AdminReply::NoConfigFolder);
    };
    let loaded = Config::load(&current.dir).and_then(|mut config| {
        config.resolve_webhooks(|name| std::env::var(name).ok())?;
        Ok(config)
    });
    let config = match loaded {
        Ok(config) => config,
        Err(errors) => {
            let lines = errors.iter().map(ToString::to_string).collect();
            return Reply::Admin(AdminReply::ReloadFailed(lines));
        }
    };

    // The audit keeps the files that differ, as they were and as they are now.
    let old = PolicyFiles::of(current, &escalator.policy()).texts();
    let new_source = crate::config::export::PolicySource::of(&config);
    let new = PolicyFiles::of(&new_source, &config.policy).texts();
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    for ((name, old_text), (_, new_text)) in old.into_iter().zip(new) {
        if old_text != new_text {
            before.insert(name.to_owned(), old_text.into());
            after.insert(name.to_owned(), new_text.into());
        }
    }
    let record = AuditRecord {
        at: escalator.now(),
        actor: actor.to_string(),
        action: RELOAD_ACTION.to_owned(),
        before: before.into(),
        after: after.into(),
    };
    if let Err(error) = escalator.store().append_audit(&record).await {
        return failed("audit the reload", &error);
    }
    escalator.replace_policy(std::sync::Arc::new(config.policy));
    *current = new_source;
    info!(actor = %actor, "live policy reloaded from the config folder");
    Reply::Admin(AdminReply::Reloaded)
}

fn person_id(policy: &Policy, platform: Platform, user: &UserArg) -> Result<PersonId, Reply> {
    resolve_person(policy, platform, user).ok_or_else(|| Reply::UnknownUser(user_arg_text(user)))
}

/// Validates, audits and applies one change, holding the policy lock throughout.
async fn change(escalator: &Escalator, actor: &PersonId, change: PolicyChange) -> Reply {
    let source = escalator.lock_policy().await;
    let Some(source) = source.as_ref() else {
        return Reply::Admin(AdminReply::NoConfigFolder);
    };
    // Read again under the lock: another admin's change may have landed meanwhile.
    let live = escalator.policy();
    let policy = live.as_ref();
    let changed = match change.apply(policy, source) {
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
    Reply::Admin(AdminReply::Changed(Box::new(change)))
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
                let is_reload = record.action == RELOAD_ACTION;
                let json = |value: &serde_json::Value| -> FluentValue<'static> {
                    // A reload keeps whole files; the list names the ones it changed.
                    let text = match value.as_object() {
                        Some(files) if is_reload => {
                            let names: Vec<&str> = files.keys().map(String::as_str).collect();
                            format!("[{}]", names.join(", "))
                        }
                        _ => value.to_string(),
                    };
                    markup.escape(&text).into()
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
        AdminReply::Changed(change) => changed_text(words, change),
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
        AdminReply::Refused(ChangeError::UnknownSeverity(severity)) => words.t(
            "admin-refused-unknown-severity",
            &[("severity", markup.escape(severity.as_str()).into())],
        ),
        AdminReply::Refused(ChangeError::NoSuchPath(path)) => words.t(
            "admin-refused-no-such-path",
            &[
                ("severity", words.severity(&path.severity).into()),
                ("team", path_team(words, path).into()),
            ],
        ),
        AdminReply::Refused(ChangeError::NoSuchStep(n)) => {
            words.t("admin-refused-no-such-step", &[("step", (*n).into())])
        }
        AdminReply::Refused(ChangeError::Invalid(lines)) => {
            let mut text = vec![words.t("admin-refused-invalid", &[])];
            text.extend(
                lines
                    .iter()
                    .map(|line| format!("• {}", markup.escape(line))),
            );
            text.join("\n")
        }
        AdminReply::Reloaded => words.t("admin-reloaded", &[]),
        AdminReply::ReloadFailed(lines) => {
            let mut text = vec![words.t("admin-reload-failed", &[])];
            text.extend(
                lines
                    .iter()
                    .map(|line| format!("• {}", markup.escape(line))),
            );
            text.join("\n")
        }
        AdminReply::Export(files) => {
            let mut text = vec![words.t("admin-export-title", &[])];
            for (name, body) in files {
                text.push(markup.bold(&markup.escape(name)));
                text.push(markup.code_block(body));
            }
            text.join("\n")
        }
        AdminReply::NoConfigFolder => words.t("admin-no-config-folder", &[]),
        AdminReply::ReviewConfirmed(next) => {
            words.t("review-confirmed", &[("date", markup.time(*next).into())])
        }
        AdminReply::ReviewEdit => words.t("review-edit", &[]),
    }
}

/// The words confirming a change that is live.
fn changed_text(words: &Words<'_>, change: &PolicyChange) -> String {
    let markup = words.markup;
    match change {
        PolicyChange::SetDeputy { person, deputy } => match deputy {
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
        PolicyChange::SetAdmins { admins } => {
            let people = words.list(admins.iter().map(|admin| words.person(admin)));
            words.t("admin-changed-admins", &[("people", people.into())])
        }
        PolicyChange::AddAdmin { .. } | PolicyChange::RemoveAdmin { .. } => {
            let admins = &words.policy.admins;
            let people = words.list(admins.iter().map(|admin| words.person(admin)));
            words.t("admin-changed-admins", &[("people", people.into())])
        }
        PolicyChange::SetEmoji { kind, names } => {
            let emoji = words.list(names.iter().map(|name| format!(":{name}:")));
            let key = match kind {
                EmojiKind::Ack => "admin-changed-ack-emoji",
                EmojiKind::Resolve => "admin-changed-resolve-emoji",
            };
            words.t(key, &[("emoji", emoji.into())])
        }
        PolicyChange::SetHolders {
            team,
            position,
            holders,
        } => {
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
        PolicyChange::AddStep { path, .. }
        | PolicyChange::RemoveStep { path, .. }
        | PolicyChange::MoveStep { path, .. }
        | PolicyChange::SetStep { path, .. } => changed_path_text(words, path),
    }
}

/// The team a path belongs to, or the words for the default path.
fn path_team(words: &Words<'_>, path: &PathRef) -> String {
    path.team.as_ref().map_or_else(
        || words.t("admin-default-path", &[]),
        |team| words.markup.escape(team.as_str()),
    )
}

/// A changed path as it now stands, step by step.
fn changed_path_text(words: &Words<'_>, path: &PathRef) -> String {
    let mut lines = vec![words.t(
        "admin-changed-path",
        &[
            ("severity", words.severity(&path.severity).into()),
            ("team", path_team(words, path).into()),
        ],
    )];
    let steps = words
        .policy
        .severity(&path.severity)
        .and_then(|severity| match &path.team {
            Some(team) => severity.team_paths.get(team),
            None => severity.default_path.as_ref(),
        });
    if let Some(steps) = steps {
        lines.extend(step_lines(words, &steps.steps));
    }
    lines.push(words.t("admin-changed-live", &[]));
    lines.join("\n")
}

/// One line per step, as `admin show` prints them.
fn step_lines(words: &Words<'_>, steps: &[crate::engine::policy::Step]) -> Vec<String> {
    let markup = words.markup;
    steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let means: Vec<String> = step.means.iter().map(ToString::to_string).collect();
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
            )
        })
        .collect()
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
            lines.extend(step_lines(words, &path.steps));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::export::PolicySource;
    use crate::ports::SystemClock;
    use crate::store::{Store, StoreOptions};

    #[tokio::test]
    async fn admin_changes_made_at_once_are_all_kept() {
        let config = Config::load(concat!(env!("CARGO_MANIFEST_DIR"), "/bot-config")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            dir.path(),
            StoreOptions {
                cache_bytes: 1 << 20,
            },
        )
        .unwrap();
        let escalator = Escalator::new(
            store,
            Arc::new(config.policy.clone()),
            Arc::new(SystemClock),
        );
        escalator.set_policy_source(PolicySource::of(&config)).await;
        let carol = UserRef {
            platform: Platform::Slack,
            id: "U05CAROL".to_owned(),
        };
        let add = |name: &str| Admin::Admins {
            is_add: true,
            user: UserArg::Name(name.to_owned()),
        };

        let replies = futures::future::join_all(
            ["alice", "bob", "minji", "erik"]
                .map(|name| handle(&escalator, Platform::Slack, &carol, add(name))),
        )
        .await;

        for reply in &replies {
            assert!(
                matches!(reply, Reply::Admin(AdminReply::Changed(_))),
                "{reply:?}"
            );
        }
        let admins: Vec<String> = escalator
            .policy()
            .admins
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(admins, ["alice", "bob", "carol", "dave", "erik", "minji"]);
        assert_eq!(escalator.store().audit(usize::MAX).unwrap().len(), 4);
    }
}
