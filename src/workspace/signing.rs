//! Slack's request signing (`v0`, HMAC-SHA256 over `v0:{timestamp}:{body}`) and a client
//! that posts signed requests to the bot's HTTP endpoint, for the Events API mode.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::WorkspaceError;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// Header carrying the request timestamp.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";

/// `v0=<hex>` for a body signed at `timestamp` (Unix seconds).
pub fn sign(signing_secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so building it cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(signing_secret.as_bytes()) else {
        unreachable!("hmac takes keys of any length")
    };
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// The bot's answer to a signed request.
#[derive(Debug, Clone)]
pub struct SignedResponse {
    /// HTTP status.
    pub status: u16,
    /// Content type, if any.
    pub content_type: Option<String>,
    /// Body as text.
    pub body: String,
}

/// Posts `body` to `url` signed at `timestamp`. Only loopback URLs are accepted.
pub(crate) async fn post_signed(
    url: &str,
    signing_secret: &str,
    body: &str,
    content_type: &str,
    timestamp: i64,
) -> Result<SignedResponse, WorkspaceError> {
    let is_loopback = url::Url::parse(url).ok().is_some_and(|u| {
        matches!(
            u.host_str(),
            Some("127.0.0.1") | Some("localhost") | Some("[::1]")
        )
    });
    if !is_loopback {
        return Err(WorkspaceError::NotLoopback(url.to_string()));
    }
    let http_error = |source| WorkspaceError::Http {
        url: url.to_string(),
        source,
    };
    let response = reqwest::Client::new()
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, sign(signing_secret, timestamp, body))
        .body(body.to_string())
        .send()
        .await
        .map_err(http_error)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.text().await.map_err(http_error)?;
    Ok(SignedResponse {
        status,
        content_type,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_slacks_published_example() {
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
    }
}
