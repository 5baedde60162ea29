//! The criteria review: every `policy.criteria_review_every`, each admin gets a direct
//! message with the current criteria and the statistics since the last review, and is
//! asked to confirm them or change them.
//!
//! The schedule is durable and kept in the audit log: the first start writes
//! `criteria-review-scheduled`, each reminder writes `criteria-review-sent`, an admin
//! pressing the reminder's Confirm button writes `criteria-review-confirmed`, and the next
//! reminder is due one period after the latest of them. A bot that was down when a
//! review fell due sends it as soon as it is back, once. The Edit button answers with
//! how to change the criteria (the files, then `admin reload`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tracing::{error, info};

use crate::engine::policy::Policy;
use crate::engine::Timestamp;
use crate::ports::{Alert, Chat};
use crate::render::{Markup, Words};
use crate::runtime::Escalator;
use crate::stats::{compute_stored, Filter, Stats};
use crate::store::{AuditRecord, StoreError};

/// Audit action written when the schedule starts.
pub const SCHEDULED: &str = "criteria-review-scheduled";
/// Audit action written when a reminder went out.
const SENT: &str = "criteria-review-sent";
/// Audit action written when an admin confirmed the criteria.
pub const CONFIRMED: &str = "criteria-review-confirmed";

/// The reminder's buttons' stable action ids (see [`crate::render::action`] for why
/// they never change).
pub const CONFIRM_BUTTON: &str = "review:confirm";
/// The Edit button's action id.
pub const EDIT_BUTTON: &str = "review:edit";

/// Whether `action` is a review button: `Some(true)` for Confirm, `Some(false)` for Edit.
pub fn button(action: &str) -> Option<bool> {
    match action {
        CONFIRM_BUTTON => Some(true),
        EDIT_BUTTON => Some(false),
        _ => None,
    }
}

/// The buttons under a reminder in `locale`: action id and label, Confirm first.
pub fn buttons(locale: &str) -> [(&'static str, String); 2] {
    [
        (
            CONFIRM_BUTTON,
            crate::i18n::text(locale, "review-button-confirm", &[]),
        ),
        (
            EDIT_BUTTON,
            crate::i18n::text(locale, "review-button-edit", &[]),
        ),
    ]
}

/// Records that `actor` confirmed the criteria, which starts the next period now;
/// returns when the next reminder is due.
pub async fn confirm(escalator: &Escalator, actor: &str) -> Result<Timestamp, StoreError> {
    let record = AuditRecord {
        at: escalator.now(),
        actor: actor.to_owned(),
        action: CONFIRMED.to_owned(),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    };
    escalator.store().append_audit(&record).await?;
    let every = chrono::Duration::from_std(escalator.policy().criteria_review_every)
        .unwrap_or(chrono::Duration::MAX);
    Ok(record.at + every)
}

/// What a review reminder tells the admins.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// The start of the period the statistics cover.
    pub since: Timestamp,
    /// The statistics since then.
    pub stats: Stats,
}

/// Sends review reminders when they are due, until `stopped` turns true.
pub async fn run(
    escalator: Arc<Escalator>,
    chats: Vec<Arc<dyn Chat>>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let wait = match due_in(&escalator).await {
            Ok(wait) => wait,
            Err(error) => {
                error!(error = %error, "criteria review schedule unreadable");
                Duration::from_secs(3600)
            }
        };
        if !wait.is_zero() {
            // Capped, so a policy change to a shorter period is noticed within a minute.
            let nap = wait.min(Duration::from_secs(60));
            tokio::select! {
                _ = tokio::time::sleep(nap) => continue,
                _ = stopped.wait_for(|stop| *stop) => return,
            }
        }
        if let Err(error) = send(&escalator, &chats).await {
            error!(error = %error, "criteria review not recorded");
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }
}

/// How long until the next review; zero when it is due.
async fn due_in(escalator: &Escalator) -> Result<Duration, StoreError> {
    let now = escalator.now();
    let Some(last) = last_review(escalator)? else {
        record(escalator, SCHEDULED).await?;
        return Ok(escalator.policy().criteria_review_every);
    };
    let every = chrono::Duration::from_std(escalator.policy().criteria_review_every)
        .unwrap_or(chrono::Duration::MAX);
    let due = last + every;
    Ok((due - now).to_std().unwrap_or(Duration::ZERO))
}

/// The time of the latest review, or of the schedule's start.
fn last_review(escalator: &Escalator) -> Result<Option<Timestamp>, StoreError> {
    let audit = escalator.store().audit(usize::MAX)?;
    Ok(audit
        .iter()
        .rev()
        .find(|(_, record)| [SENT, SCHEDULED, CONFIRMED].contains(&record.action.as_str()))
        .map(|(_, record)| record.at))
}

async fn record(escalator: &Escalator, action: &str) -> Result<(), StoreError> {
    let record = AuditRecord {
        at: escalator.now(),
        actor: "criteria-review".to_owned(),
        action: action.to_owned(),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    };
    escalator.store().append_audit(&record).await.map(|_| ())
}

/// Sends one reminder to every admin on every platform, then records it.
async fn send(escalator: &Escalator, chats: &[Arc<dyn Chat>]) -> Result<(), StoreError> {
    let since = last_review(escalator)?.unwrap_or_else(|| escalator.now());
    let filter = Filter {
        since: Some(since),
        team: None,
    };
    let review = Review {
        since,
        stats: compute_stored(escalator.store(), &filter)?,
    };
    // Recorded first: a reminder lost to a platform error is not worth a second one.
    record(escalator, SENT).await?;
    let policy = escalator.policy();
    let alert = Alert::CriteriaReview(Box::new(review));
    for chat in chats {
        if let Err(error) = chat.alert_admins(&policy, &alert).await {
            error!(platform = %chat.platform(), error = %error, "criteria review not delivered");
        }
    }
    info!(admins = policy.admins.len(), "criteria review sent");
    Ok(())
}

/// The reminder's words: the request, the criteria, then the statistics.
pub fn review_text(review: &Review, policy: &Policy, locale: &str, markup: &dyn Markup) -> String {
    let words = Words::new(policy, locale, markup);
    let stats = crate::adapters::stats::StatsReply {
        since: None,
        team: None,
        stats: review.stats.clone(),
    };
    [
        words.t("review-ask", &[("date", markup.time(review.since).into())]),
        crate::render::criteria_text(policy, locale, markup),
        crate::adapters::stats::stats_text(&words, &stats),
    ]
    .join("\n\n")
}
