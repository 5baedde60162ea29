//! Discord's REST API under `/api/v10`, called with the bot token.
//!
//! serenity's own HTTP client ignores a base URL while its rate limiter is on, and with
//! the limiter off it retries nothing. This small client is what the adapter posts with
//! instead: it takes the base URL from the config, waits out a 429 for the time Discord
//! names (`retry_after`, per route or global) a bounded number of times, and turns
//! Discord's JSON errors into codes admins can read.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tracing::{debug, warn};

/// How long one REST call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest single wait a 429 may ask for before the call is given up as rate limited.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// Why a REST call failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RestError {
    /// Discord kept answering 429 after the retries.
    #[error("rate limited; retry after {retry_after:?}")]
    RateLimited {
        /// What the last 429 asked for.
        retry_after: Duration,
        /// Whether the limit was global.
        is_global: bool,
    },
    /// Discord refused the call with a JSON error.
    #[error("discord refused with http {status} and code {code}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Discord's error code (0 when the body had none).
        code: u64,
    },
    /// The call did not complete: a timeout, a dropped connection, a 5xx.
    #[error("discord call failed: {0}")]
    Transport(String),
}

impl RestError {
    /// Discord's JSON error code, when it refused.
    pub fn code(&self) -> Option<u64> {
        match self {
            RestError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// The name admins see for a Discord error code: what is wrong, in plain words.
pub fn code_name(status: u16, code: u64) -> String {
    let name = match code {
        10003 => "unknown_channel",
        10004 => "unknown_guild",
        10008 => "unknown_message",
        10013 => "unknown_user",
        10015 => "unknown_webhook",
        10062 => "unknown_interaction",
        50001 => "missing_access",
        50007 => "cannot_message_user",
        50013 => "missing_permissions",
        50027 => "invalid_webhook_token",
        _ => return format!("discord_http_{status}_code_{code}"),
    };
    name.to_owned()
}

/// A REST client for one bot token.
pub struct Rest {
    http: reqwest::Client,
    api: String,
    token: SecretString,
    max_retries: u32,
}

impl Rest {
    /// A client for `base_url` (e.g. `https://discord.com`), retrying a 429 up to
    /// `max_retries` times.
    pub fn new(base_url: &str, token: SecretString, max_retries: u32) -> Self {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            http,
            api: format!("{}/api/v10", base_url.trim_end_matches('/')),
            token,
            max_retries,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Value, RestError> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, RestError> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value, RestError> {
        self.call(reqwest::Method::PATCH, path, Some(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Result<Value, RestError> {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }

    /// One call, with bounded retries on 429. `path` starts with `/`.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, RestError> {
        let mut attempt = 0;
        loop {
            match self.call_once(method.clone(), path, body).await {
                Err(RestError::RateLimited {
                    retry_after,
                    is_global,
                }) if attempt < self.max_retries && retry_after <= LONGEST_WAIT => {
                    attempt += 1;
                    warn!(
                        platform = "discord",
                        route = %route_of(path),
                        retry_after_ms = retry_after.as_millis() as u64,
                        is_global,
                        attempt,
                        "rate limited; waiting"
                    );
                    tokio::time::sleep(retry_after).await;
                }
                other => return other,
            }
        }
    }

    async fn call_once(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, RestError> {
        let url = format!("{}{path}", self.api);
        let mut request = self.http.request(method.clone(), &url).header(
            "Authorization",
            format!("Bot {}", self.token.expose_secret()),
        );
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| RestError::Transport(error.without_url().to_string()))?;
        let status = response.status().as_u16();
        let header_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<f64>().ok());
        let text = response
            .text()
            .await
            .map_err(|error| RestError::Transport(error.without_url().to_string()))?;
        let json: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        debug!(platform = "discord", method = %method, route = %route_of(path), status, "discord call");

        match status {
            200..=299 => Ok(json),
            429 => Err(rate_limited(&json, header_after)),
            500..=599 => Err(RestError::Transport(format!("discord_http_{status}"))),
            _ => Err(RestError::Refused {
                status,
                code: json.get("code").and_then(Value::as_u64).unwrap_or(0),
            }),
        }
    }
}

/// The wait a 429 asks for: the body's `retry_after` (seconds, fractional), else the
/// `Retry-After` header, else one second.
pub fn rate_limited(body: &Value, header_after: Option<f64>) -> RestError {
    let seconds = body
        .get("retry_after")
        .and_then(Value::as_f64)
        .or(header_after)
        .unwrap_or(1.0)
        .clamp(0.0, 3600.0);
    RestError::RateLimited {
        retry_after: Duration::from_secs_f64(seconds),
        is_global: body.get("global").and_then(Value::as_bool).unwrap_or(false),
    }
}

/// A path with its ids replaced, so logs group calls by route and never carry tokens.
pub fn route_of(path: &str) -> String {
    let mut parts = Vec::new();
    let mut after_webhooks_or_interactions = 0;
    for part in path.split('/') {
        let hidden = after_webhooks_or_interactions == 1
            || (after_webhooks_or_interactions == 2 && !part.is_empty());
        if after_webhooks_or_interactions > 0 {
            after_webhooks_or_interactions -= 1;
        }
        if part == "webhooks" || part == "interactions" {
            after_webhooks_or_interactions = 2;
        }
        if hidden || (!part.is_empty() && part.chars().all(|c| c.is_ascii_digit())) {
            parts.push(":id");
        } else {
            parts.push(part);
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_429_body_names_the_wait_and_whether_it_is_global() {
        let body =
            json!({"message": "You are being rate limited.", "retry_after": 0.25, "global": true});
        assert_eq!(
            rate_limited(&body, Some(9.0)),
            RestError::RateLimited {
                retry_after: Duration::from_millis(250),
                is_global: true
            }
        );
        assert_eq!(
            rate_limited(&Value::Null, Some(2.0)),
            RestError::RateLimited {
                retry_after: Duration::from_secs(2),
                is_global: false
            }
        );
    }

    #[test]
    fn routes_hide_ids_and_interaction_tokens() {
        assert_eq!(route_of("/channels/123/messages"), "/channels/:id/messages");
        assert_eq!(
            route_of("/webhooks/55/aW50ZXJhY3Rpb24/messages/@original"),
            "/webhooks/:id/:id/messages/@original"
        );
        assert_eq!(
            route_of("/interactions/77/secret-token/callback"),
            "/interactions/:id/:id/callback"
        );
    }

    #[test]
    fn known_codes_have_plain_names() {
        assert_eq!(code_name(403, 50001), "missing_access");
        assert_eq!(code_name(404, 10003), "unknown_channel");
        assert_eq!(code_name(400, 12345), "discord_http_400_code_12345");
    }
}
