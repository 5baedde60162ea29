//! Lasting transient failures: a delivery that keeps failing for a reason that may pass
//! (a 5xx, a timeout, a dropped connection) is retried without end, so nothing is lost;
//! once it has failed [`LASTING_AFTER`] times in a row, admins are told once, in plain
//! words, that it is late and still being retried.

use tracing::{error, warn};

use super::dispatcher::describe;
use super::Escalator;
use crate::ports::{Alert, Chat, Delivery};

/// After how many failed attempts in a row a transient failure is reported. With the
/// dispatcher's back-off (1 s doubling) that is a few seconds of failing.
pub(super) const LASTING_AFTER: u32 = 4;

impl Escalator {
    /// Alerts the admins when `delivery` has just failed for the `LASTING_AFTER`th time;
    /// `reason` is the adapter's name for the failure.
    pub(super) async fn report_if_lasting(
        &self,
        chat: &dyn Chat,
        delivery: &Delivery,
        reason: &str,
    ) {
        let attempts = delivery.attempt + 1;
        if attempts != LASTING_AFTER {
            return;
        }
        let id = delivery.incident.id;
        warn!(
            incident_id = %id,
            platform = %delivery.incident.platform,
            attempts,
            error = %reason,
            "delivery keeps failing; telling the admins"
        );
        let alert = Alert::DeliveryDelayed {
            incident: id,
            what: describe(&delivery.effect),
            reason: reason.to_owned(),
            attempts,
        };
        if let Err(failure) = chat.alert_admins(&delivery.policy, &alert).await {
            error!(incident_id = %id, error = %failure, "could not alert the admins");
        }
    }
}
