//! A time limit around a chat adapter's calls.
//!
//! slack-morphism's client has no request timeout: a Slack that accepts a connection and
//! never answers would hold the dispatcher, which delivers one effect at a time, and with
//! it every page of every incident. [`Deadline`] gives each delivery and each admin alert
//! a limit; past it the call counts as a transient failure, so the outbox keeps the
//! effect and tries again after its back-off. A call cut off this way may still have
//! reached the platform; the retry then delivers it a second time, which is the
//! at-least-once side of the trade (a lost page is worse than a repeated one).

use std::time::Duration;

use async_trait::async_trait;
use tracing::warn;

use crate::engine::policy::Policy;
use crate::engine::Platform;
use crate::ports::{Alert, Chat, ChatError, Delivered, Delivery};

/// How long one delivery may take in production: far above a healthy platform's answer
/// times, well below the minutes an acknowledgement deadline lasts.
pub const DELIVERY_DEADLINE: Duration = Duration::from_secs(20);

/// A chat adapter whose calls are cut off after a limit.
pub struct Deadline<C> {
    inner: C,
    limit: Duration,
}

impl<C> Deadline<C> {
    /// Wraps `inner`, giving each call `limit`.
    pub fn new(inner: C, limit: Duration) -> Self {
        Self { inner, limit }
    }

    /// Runs `call`, turning a missed limit into a transient failure.
    async fn within<T>(
        &self,
        what: &'static str,
        call: impl std::future::Future<Output = Result<T, ChatError>>,
    ) -> Result<T, ChatError> {
        let Ok(answered) = tokio::time::timeout(self.limit, call).await else {
            warn!(
                call = what,
                limit_ms = self.limit.as_millis() as u64,
                "chat call timed out"
            );
            return Err(ChatError::Transient(format!(
                "no answer within {} s",
                self.limit.as_secs()
            )));
        };
        answered
    }
}

#[async_trait]
impl<C: Chat> Chat for Deadline<C> {
    fn platform(&self) -> Platform {
        self.inner.platform()
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Delivered, ChatError> {
        self.within("deliver", self.inner.deliver(delivery)).await
    }

    async fn deliver_digest(&self, deliveries: &[Delivery]) -> Vec<Result<Delivered, ChatError>> {
        let digest = async { Ok(self.inner.deliver_digest(deliveries).await) };
        match self.within("deliver_digest", digest).await {
            Ok(outcomes) => outcomes,
            Err(error) => vec![Err(error); deliveries.len()],
        }
    }

    async fn alert_admins(&self, policy: &Policy, alert: &Alert) -> Result<(), ChatError> {
        self.within("alert_admins", self.inner.alert_admins(policy, alert))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_call_without_an_answer_becomes_a_transient_failure() {
        let chat = Deadline::new((), Duration::from_secs(5));
        let silent = chat.within("deliver", std::future::pending::<Result<(), ChatError>>());
        assert_eq!(
            silent.await,
            Err(ChatError::Transient("no answer within 5 s".into()))
        );
        let answered = chat.within("deliver", async { Ok(7) }).await;
        assert_eq!(answered, Ok(7));
    }
}
