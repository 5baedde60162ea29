//! `/escalate away`: marking a person absent, listing and cancelling their absences.
//!
//! Anyone may manage their own absences; only admins may manage someone else's. Dates
//! are read in the absent person's time zone. Every change replaces that person's
//! stored absences (dropping ones already over) and is written to the audit log, so an
//! admin's change on someone's behalf can be traced.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use fluent_bundle::FluentValue;
use tracing::info;

use crate::adapters::respond::{failed, resolve_person, user_arg_text, Reply};
use crate::command::{Away, UserArg};
use crate::engine::policy::Policy;
use crate::engine::{Absence, PersonId, Platform, Timestamp, UserRef};
use crate::render::Words;
use crate::runtime::Escalator;
use crate::store::AuditRecord;

/// What an `away` command did or why it did nothing.
#[derive(Clone, Debug, PartialEq)]
pub enum AwayReply {
    /// The person is marked away.
    Set {
        /// Who.
        person: PersonId,
        /// From when.
        from: Timestamp,
        /// Until when.
        until: Timestamp,
    },
    /// The person's current and coming absences, earliest first.
    List {
        /// Who.
        person: PersonId,
        /// Their absences.
        absences: Vec<Absence>,
    },
    /// The person's absences were removed.
    Cancelled {
        /// Who.
        person: PersonId,
        /// How many were removed.
        count: usize,
    },
    /// The caller is not a configured person, so they cannot be away.
    NotInPolicy,
    /// Someone else's absences can only be managed by an admin.
    NotAdmin,
    /// The end is not after the start, or is already past.
    EmptyRange,
}

/// Carries out `away` for `caller`.
pub(crate) async fn handle(
    escalator: &Escalator,
    platform: Platform,
    caller: &UserRef,
    away: Away,
) -> Reply {
    let policy = escalator.policy();
    let Some(me) = policy
        .person_by_account(platform, &caller.id)
        .map(|person| person.id.clone())
    else {
        return Reply::Away(AwayReply::NotInPolicy);
    };
    let user = match &away {
        Away::Set { user, .. } | Away::List { user } | Away::Cancel { user } => user.clone(),
    };
    let person = match target(&policy, platform, &me, user.as_ref()) {
        Ok(person) => person,
        Err(reply) => return reply,
    };

    let now = escalator.now();
    let all = match escalator.store().absences() {
        Ok(all) => all,
        Err(error) => return failed("read the absences", &error),
    };
    let before: Vec<Absence> = all
        .into_iter()
        .filter(|absence| absence.person == person && absence.until > now)
        .collect();

    match away {
        Away::List { .. } => {
            let mut absences = before;
            absences.sort_by_key(|absence| absence.from);
            Reply::Away(AwayReply::List { person, absences })
        }
        Away::Cancel { .. } => {
            let count = before.len();
            if let Err(reply) = save(escalator, &me, &person, &before, &[]).await {
                return reply;
            }
            Reply::Away(AwayReply::Cancelled { person, count })
        }
        Away::Set {
            from,
            until,
            reason,
            ..
        } => {
            let timezone = policy
                .people
                .get(&person)
                .map_or(chrono_tz::UTC, |p| p.timezone);
            let from = from.map_or(now, |local| to_utc(timezone, local));
            let until = to_utc(timezone, until);
            if until <= from || until <= now {
                return Reply::Away(AwayReply::EmptyRange);
            }
            let mut after = before.clone();
            after.push(Absence {
                person: person.clone(),
                from,
                until,
                reason,
            });
            if let Err(reply) = save(escalator, &me, &person, &before, &after).await {
                return reply;
            }
            Reply::Away(AwayReply::Set {
                person,
                from,
                until,
            })
        }
    }
}

/// Whom the command is about, and whether the caller may act for them.
fn target(
    policy: &Policy,
    platform: Platform,
    me: &PersonId,
    user: Option<&UserArg>,
) -> Result<PersonId, Reply> {
    let Some(user) = user else {
        return Ok(me.clone());
    };
    let Some(person) = resolve_person(policy, platform, user) else {
        return Err(Reply::UnknownUser(user_arg_text(user)));
    };
    if &person != me && !policy.is_admin(me) {
        return Err(Reply::Away(AwayReply::NotAdmin));
    }
    Ok(person)
}

/// Stores `person`'s new absences and audits the change.
async fn save(
    escalator: &Escalator,
    actor: &PersonId,
    person: &PersonId,
    before: &[Absence],
    after: &[Absence],
) -> Result<(), Reply> {
    let store = escalator.store();
    if let Err(error) = store.set_absences(person, after).await {
        return Err(failed("store the absences", &error));
    }
    let record = AuditRecord {
        at: escalator.now(),
        actor: actor.to_string(),
        action: "set-absences".to_owned(),
        before: serde_json::to_value(before).unwrap_or_default(),
        after: serde_json::to_value(after).unwrap_or_default(),
    };
    if let Err(error) = store.append_audit(&record).await {
        return Err(failed("audit the absences", &error));
    }
    info!(person = %person, actor = %actor, absences = after.len(), "absences changed");
    Ok(())
}

/// A local time in `timezone` as an instant; a time skipped by a clock change is read
/// an hour later, when it exists again.
fn to_utc(timezone: Tz, local: NaiveDateTime) -> Timestamp {
    let instant = timezone.from_local_datetime(&local).earliest().or_else(|| {
        timezone
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
    });
    match instant {
        Some(instant) => instant.with_timezone(&chrono::Utc),
        None => local.and_utc(),
    }
}

/// The words of an `away` reply.
pub(crate) fn away_text(words: &Words<'_>, reply: &AwayReply) -> String {
    let time = |at: &Timestamp| FluentValue::from(words.markup.time(*at));
    match reply {
        AwayReply::Set {
            person,
            from,
            until,
        } => words.t(
            "away-set",
            &[
                ("person", words.person(person).into()),
                ("from", time(from)),
                ("until", time(until)),
            ],
        ),
        AwayReply::List { person, absences } if absences.is_empty() => {
            words.t("away-list-none", &[("person", words.person(person).into())])
        }
        AwayReply::List { person, absences } => {
            let mut text = words.t("away-list", &[("person", words.person(person).into())]);
            for absence in absences {
                let reason = absence
                    .reason
                    .as_deref()
                    .map(|reason| words.markup.escape(reason))
                    .unwrap_or_default();
                let line = words.t(
                    "away-list-entry",
                    &[
                        ("from", time(&absence.from)),
                        ("until", time(&absence.until)),
                        ("reason", reason.into()),
                    ],
                );
                text.push('\n');
                text.push_str(&line);
            }
            text
        }
        AwayReply::Cancelled { person, count } => words.t(
            "away-cancelled",
            &[
                ("person", words.person(person).into()),
                ("count", (*count).into()),
            ],
        ),
        AwayReply::NotInPolicy => words.t("away-not-in-policy", &[]),
        AwayReply::NotAdmin => words.t("away-not-admin", &[]),
        AwayReply::EmptyRange => words.t("away-empty-range", &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_become_instants_in_the_persons_zone() {
        let local = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        let utc = |text: &str| local(text).and_utc();
        let seoul: Tz = "Asia/Seoul".parse().unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();

        assert_eq!(
            to_utc(seoul, local("2026-12-24 09:00")),
            utc("2026-12-24 00:00")
        );
        assert_eq!(
            to_utc(berlin, local("2026-07-01 00:00")),
            utc("2026-06-30 22:00")
        );
        // 02:30 does not exist in Berlin on 2026-03-29; it is read as 03:30 CEST.
        assert_eq!(
            to_utc(berlin, local("2026-03-29 02:30")),
            utc("2026-03-29 01:30")
        );
    }
}
