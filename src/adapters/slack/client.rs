//! The slack-morphism client, pointed at Slack or at a local workspace, and the mapping
//! of its errors onto the runtime's delivery errors.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use crate::engine::Platform;
use crate::metrics::Metrics;
use crate::ports::ChatError;

/// The client type every Slack call goes through.
pub type Client = SlackClient<SlackClientHyperHttpsConnector>;

/// Builds a client for `api_base_url` (e.g. `https://slack.com/api`).
///
/// slack-morphism's own constructor only speaks HTTPS and needs the operating system's
/// root certificates; this connector speaks HTTP too, so the same client works against a
/// local workspace on 127.0.0.1, and it carries its own roots.
pub fn connect(api_base_url: &str) -> Arc<Client> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    let connector = SlackClientHyperConnector::with_connector(https)
        .with_slack_api_url(api_base_url.trim_end_matches('/'));
    Arc::new(SlackClient::new(connector))
}

/// A bot or app token, kept out of `Debug` output and logs.
#[derive(Clone)]
pub struct Token(SlackApiToken);

impl Token {
    /// Wraps a secret token.
    pub fn new(secret: SecretString) -> Self {
        Self(SlackApiToken::new(SlackApiTokenValue(
            secret.expose_secret().to_owned(),
        )))
    }

    /// The token in the form slack-morphism sends (its `Debug` shows only the length).
    pub fn api_token(&self) -> &SlackApiToken {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(redacted)")
    }
}

/// Slack error codes that no retry will fix; admins must act on them.
const PERMANENT_CODES: &[&str] = &[
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "missing_scope",
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "user_not_found",
    "cannot_dm_bot",
    "user_disabled",
    "restricted_action",
    "msg_too_long",
    "invalid_blocks",
    "too_many_attachments",
    "no_text",
    "message_not_found",
    "cant_update_message",
    "team_access_not_granted",
];

/// Classifies a client error for the dispatcher: wait, retry later, or give up.
pub fn classify(error: &SlackClientError) -> ChatError {
    match error {
        SlackClientError::RateLimitError(limit) => ChatError::RateLimited {
            retry_after: limit.retry_after.unwrap_or(Duration::from_secs(1)),
        },
        SlackClientError::ApiError(api) if api.code == "ratelimited" => ChatError::RateLimited {
            retry_after: Duration::from_secs(1),
        },
        SlackClientError::ApiError(api) if PERMANENT_CODES.contains(&api.code.as_str()) => {
            ChatError::Permanent {
                code: api.code.clone(),
            }
        }
        SlackClientError::ApiError(api) => ChatError::Transient(api.code.clone()),
        SlackClientError::HttpError(http) if http.status_code.is_client_error() => {
            ChatError::Permanent {
                code: format!("http_{}", http.status_code.as_u16()),
            }
        }
        SlackClientError::HttpError(http) => {
            ChatError::Transient(format!("http_{}", http.status_code.as_u16()))
        }
        other => ChatError::Transient(kind_of(other).to_owned()),
    }
}

/// Counts a failed call the adapter made itself (a reply, a lookup) in the platform API
/// error metric; the dispatcher counts failed deliveries.
pub fn count_failure(metrics: &Metrics, error: &SlackClientError) {
    metrics.record_call_error(Platform::Slack, &classify(error));
}

/// A short name for an error kind, safe to log (no bodies, no tokens).
pub fn kind_of(error: &SlackClientError) -> &'static str {
    match error {
        SlackClientError::ApiError(_) => "api_error",
        SlackClientError::HttpError(_) => "http_error",
        SlackClientError::HttpProtocolError(_) => "http_protocol_error",
        SlackClientError::EndOfStream(_) => "end_of_stream",
        SlackClientError::SystemError(_) => "system_error",
        SlackClientError::ProtocolError(_) => "protocol_error",
        SlackClientError::SocketModeProtocolError(_) => "socket_mode_protocol_error",
        SlackClientError::RateLimitError(_) => "rate_limited",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_morphism::errors::{SlackClientApiError, SlackRateLimitError};

    fn api(code: &str) -> SlackClientError {
        SlackClientError::ApiError(SlackClientApiError::new(code.to_owned()))
    }

    #[test]
    fn errors_are_classified_for_the_dispatcher() {
        let limited = SlackClientError::RateLimitError(
            SlackRateLimitError::new().with_retry_after(Duration::from_secs(7)),
        );
        assert_eq!(
            classify(&limited),
            ChatError::RateLimited {
                retry_after: Duration::from_secs(7)
            }
        );
        assert_eq!(
            classify(&api("not_in_channel")),
            ChatError::Permanent {
                code: "not_in_channel".into()
            }
        );
        assert_eq!(
            classify(&api("internal_error")),
            ChatError::Transient("internal_error".into())
        );
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = Token::new(SecretString::from("xoxb-secret_value"));
        assert_eq!(format!("{token:?}"), "Token(redacted)");
    }
}
