//! Replies to requests the engine refused, and alerts for admins, in plain words.
//!
//! A refusal is shown only to the person who asked. It says what stands in the way and,
//! where there is one, what to do instead; it never scolds.

use fluent_bundle::FluentValue;

use super::markup::Markup;
use super::words::Words;
use crate::engine::policy::Policy;
use crate::engine::Rejection;
use crate::ports::Alert;

/// The reply to `rejection`, in `locale`.
pub fn rejection_reply(
    rejection: &Rejection,
    policy: &Policy,
    locale: &str,
    markup: &dyn Markup,
) -> String {
    let words = Words::new(policy, locale, markup);
    let escape = |text: &str| FluentValue::from(markup.escape(text));
    match rejection {
        Rejection::UnknownPerson { action } => {
            words.t("reply-unknown-person", &[("action", (*action).into())])
        }
        Rejection::NotEligible { action } => {
            words.t("reply-not-eligible", &[("action", (*action).into())])
        }
        Rejection::AlreadyAcknowledged { by } => words.t(
            "reply-already-acknowledged",
            &[("owner", words.person(by).into())],
        ),
        Rejection::NotActive { state } => {
            words.t("reply-not-active", &[("state", state.as_str().into())])
        }
        Rejection::AlreadyClosed => words.t("reply-already-closed", &[]),
        Rejection::NoFixNote => words.t("reply-no-fix-note", &[]),
        Rejection::NotNoteAuthor => words.t("reply-not-note-author", &[]),
        Rejection::UnknownSeverity(severity) => {
            let known = words.list(policy.severities.iter().map(|s| words.severity(&s.id)));
            words.t(
                "reply-unknown-severity",
                &[
                    ("severity", escape(severity.as_str())),
                    ("known", known.into()),
                ],
            )
        }
        Rejection::UnknownTeam(team) => {
            let known = words.list(policy.teams.keys().map(|id| markup.escape(id.as_str())));
            words.t(
                "reply-unknown-team",
                &[("team", escape(team.as_str())), ("known", known.into())],
            )
        }
        Rejection::UnknownAssignee(person) => words.t(
            "reply-unknown-assignee",
            &[("person", escape(person.as_str()))],
        ),
        Rejection::NoPath { severity, team } => {
            let team = policy
                .teams
                .get(team)
                .map_or(team.as_str(), |t| t.name.as_str());
            words.t(
                "reply-no-path",
                &[
                    ("severity", words.severity(severity).into()),
                    ("team", escape(team)),
                ],
            )
        }
        Rejection::Unchanged => words.t("reply-unchanged", &[]),
        Rejection::Empty { field } => words.t("reply-empty", &[("field", (*field).into())]),
    }
}

/// The admin alert for `alert`, in `locale`.
pub fn alert_text(alert: &Alert, policy: &Policy, locale: &str, markup: &dyn Markup) -> String {
    match alert {
        Alert::DeliveryFailed {
            incident,
            what,
            code,
        } => crate::i18n::text(
            locale,
            "alert-delivery-failed",
            &[
                ("incident", incident.to_string().into()),
                ("what", markup.escape(what).into()),
                ("code", markup.escape(code).into()),
            ],
        ),
        Alert::DeliveryDelayed {
            incident,
            what,
            reason,
            attempts,
        } => crate::i18n::text(
            locale,
            "alert-delivery-delayed",
            &[
                ("incident", incident.to_string().into()),
                ("what", markup.escape(what).into()),
                ("reason", markup.escape(reason).into()),
                ("count", (*attempts).into()),
            ],
        ),
        Alert::CriteriaReview(review) => crate::review::review_text(review, policy, locale, markup),
        Alert::StoreRestored {
            damage,
            snapshot_at,
            last_written,
            moved_to,
        } => {
            let mut args = vec![
                ("damage", markup.escape(damage).into()),
                ("snapshot", markup.time(*snapshot_at).into()),
                ("moved", markup.escape(moved_to).into()),
            ];
            let key = match last_written {
                Some(last) => {
                    args.push(("last", markup.time(*last).into()));
                    "alert-store-restored"
                }
                None => "alert-store-restored-open-end",
            };
            crate::i18n::text(locale, key, &args)
        }
        Alert::StoreUnwritable => crate::i18n::text(locale, "alert-store-unwritable", &[]),
        Alert::StoreWritable => crate::i18n::text(locale, "alert-store-writable", &[]),
    }
}
