//! Discord's HTTP interactions mode: Discord posts each interaction to
//! `/discord/interactions` on the bot's one HTTP listener instead of sending it over the
//! gateway.
//!
//! Every request must carry `X-Signature-Ed25519`, an Ed25519 signature by the
//! application's key over `X-Signature-Timestamp` followed by the body, checked against
//! `discord.public_key`. A missing or bad signature, a timestamp more than five minutes
//! from now, or a signature seen before gets 401 and the body is not read further.
//!
//! A PING is answered with a PONG. Any other interaction goes to the same
//! [`DiscordInbound`] handlers as on the gateway; their first response (the deferred
//! "thinking", or the fix-note modal) becomes the body of the HTTP answer, and the rest
//! follows through the REST API as usual. Reactions exist only on the gateway, which
//! therefore stays connected in this mode.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{json, Value};
use serenity::all::Interaction;
use tokio::sync::oneshot;
use tracing::{debug, warn};

use super::components::{callback, EPHEMERAL};
use super::inbound::{DiscordInbound, FIRST_RESPONSE};

/// The route Discord posts interactions to.
pub const ROUTE: &str = "/discord/interactions";

/// How far a request's timestamp may be from now, in seconds.
const WINDOW_SECONDS: i64 = 300;

/// How long the handlers get to produce the first response before the bot answers with
/// a deferred one itself; Discord gives up after three seconds.
const FIRST_RESPONSE_WAIT: Duration = Duration::from_millis(2_500);

/// Interaction type 1, and the PONG that answers it.
const PING: u64 = 1;
const PONG: u64 = 1;

/// Why a configured public key cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PublicKeyError {
    /// Not 64 hexadecimal digits.
    #[error("`{0}` is not a public key: Discord shows it as 64 hexadecimal digits")]
    NotHex(String),
    /// Hexadecimal, but not a point on the curve.
    #[error("`{0}` is not a valid Ed25519 public key; copy it again from the Developer Portal")]
    NotAKey(String),
}

/// Reads the application's public key as the Developer Portal shows it.
pub fn public_key(hex_key: &str) -> Result<VerifyingKey, PublicKeyError> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(hex_key.trim(), &mut bytes)
        .map_err(|_| PublicKeyError::NotHex(hex_key.to_owned()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| PublicKeyError::NotAKey(hex_key.to_owned()))
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A header is missing or unreadable.
    MissingSignature,
    /// The signature does not verify.
    BadSignature,
    /// The timestamp is too far from now.
    Stale,
    /// The same signature came before.
    Replayed,
}

/// Checks signed requests against one public key.
pub struct Verifier {
    key: VerifyingKey,
    /// Signatures accepted in the last window, with their timestamps.
    seen: Mutex<HashMap<[u8; 64], i64>>,
}

impl Verifier {
    /// A verifier for `key`.
    pub fn new(key: VerifyingKey) -> Self {
        Self {
            key,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Checks the signature over `timestamp ‖ body`, the timestamp against `now` (Unix
    /// seconds), and that the signature is new.
    pub fn verify(
        &self,
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), Refusal> {
        let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
            return Err(Refusal::MissingSignature);
        };
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(signature.trim(), &mut bytes).map_err(|_| Refusal::BadSignature)?;
        let mut message = Vec::with_capacity(timestamp.len() + body.len());
        message.extend_from_slice(timestamp.as_bytes());
        message.extend_from_slice(body);
        self.key
            .verify_strict(&message, &Signature::from_bytes(&bytes))
            .map_err(|_| Refusal::BadSignature)?;

        let sent_at: i64 = timestamp.trim().parse().map_err(|_| Refusal::Stale)?;
        if (now - sent_at).abs() > WINDOW_SECONDS {
            return Err(Refusal::Stale);
        }
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, at| (now - *at).abs() <= WINDOW_SECONDS);
        if seen.insert(bytes, sent_at).is_some() {
            return Err(Refusal::Replayed);
        }
        Ok(())
    }
}

struct EndpointState {
    inbound: Arc<DiscordInbound>,
    verifier: Verifier,
}

/// The `/discord/interactions` route, checking signatures with `key`.
pub fn router(inbound: Arc<DiscordInbound>, key: VerifyingKey) -> Router {
    let state = Arc::new(EndpointState {
        inbound,
        verifier: Verifier::new(key),
    });
    Router::new()
        .route(ROUTE, post(interactions))
        .with_state(state)
}

async fn interactions(
    State(state): State<Arc<EndpointState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let checked = state.verifier.verify(
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
        &body,
        chrono::Utc::now().timestamp(),
    );
    if let Err(refusal) = checked {
        warn!(platform = "discord", refusal = ?refusal, "discord interaction request refused");
        return (StatusCode::UNAUTHORIZED, "invalid request signature\n").into_response();
    }

    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "the body is not JSON\n").into_response();
    };
    if payload["type"].as_u64() == Some(PING) {
        debug!(platform = "discord", "interactions endpoint pinged");
        return Json(json!({"type": PONG})).into_response();
    }
    let interaction = match decode::<Interaction>(payload) {
        Ok(interaction) => interaction,
        Err(error) => {
            warn!(platform = "discord", error = %error, "undecodable interaction refused");
            return (
                StatusCode::BAD_REQUEST,
                "not an interaction Discord sends\n",
            )
                .into_response();
        }
    };
    Json(first_response(&state.inbound, interaction).await).into_response()
}

/// The fields serenity 0.12 reads as an image hash.
const IMAGE_HASH_FIELDS: [&str; 10] = [
    "asset",
    "avatar",
    "badge",
    "banner",
    "cover_image",
    "discovery_splash",
    "icon",
    "icon_hash",
    "image",
    "splash",
];

/// Decodes a Discord payload with serenity's types, refusing what they cannot take.
///
/// Serenity 0.12 cuts an image hash (an avatar, an icon) into byte pairs and panics when
/// one of 32 or 34 bytes is not ASCII. Discord only sends hex there, so a payload with a
/// non-ASCII string in such a field is refused before serenity sees it. Payloads that
/// serenity's own gateway client decodes (reactions, messages) cannot be checked here.
pub fn decode<T: serde::de::DeserializeOwned>(payload: Value) -> Result<T, serde_json::Error> {
    if let Some(field) = non_ascii_image_hash(&payload) {
        return Err(serde::de::Error::custom(format_args!(
            "`{field}` is not an image hash"
        )));
    }
    serde_json::from_value(payload)
}

/// The first image-hash field anywhere in `value` whose string is not ASCII.
fn non_ascii_image_hash(value: &Value) -> Option<&str> {
    match value {
        Value::Object(fields) => fields.iter().find_map(|(name, field)| match field {
            Value::String(text)
                if !text.is_ascii() && IMAGE_HASH_FIELDS.contains(&name.as_str()) =>
            {
                Some(name.as_str())
            }
            _ => non_ascii_image_hash(field),
        }),
        Value::Array(items) => items.iter().find_map(non_ascii_image_hash),
        _ => None,
    }
}

/// Runs the interaction through the gateway's handlers on its own task, and returns
/// their first response; a deferred one when they take too long or give none.
async fn first_response(inbound: &Arc<DiscordInbound>, interaction: Interaction) -> Value {
    let (tx, rx) = oneshot::channel();
    let inbound = Arc::clone(inbound);
    tokio::spawn(FIRST_RESPONSE.scope(Mutex::new(Some(tx)), async move {
        inbound.interaction(interaction).await;
    }));
    match tokio::time::timeout(FIRST_RESPONSE_WAIT, rx).await {
        Ok(Ok(body)) => body,
        _ => json!({"type": callback::DEFERRED_MESSAGE, "data": {"flags": EPHEMERAL}}),
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    /// Signature, timestamp, body, and what the verifier must say.
    type Case<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        &'a [u8],
        Result<(), Refusal>,
    );

    fn signed(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body);
        hex::encode(key.sign(&message).to_bytes())
    }

    #[test]
    fn signatures_timestamps_and_replays_are_checked() {
        let key = SigningKey::from_bytes(&rand::random());
        let verifier = Verifier::new(key.verifying_key());
        let body = br#"{"type":1}"#;
        let now = 1_800_000_000;
        let good = signed(&key, "1800000000", body);
        let stale = signed(&key, "1799999000", body);
        let other = signed(&SigningKey::from_bytes(&rand::random()), "1800000000", body);
        let cases: [Case<'_>; 7] = [
            (Some(&good), Some("1800000000"), body, Ok(())),
            (
                Some(&good),
                Some("1800000000"),
                body,
                Err(Refusal::Replayed),
            ),
            (
                None,
                Some("1800000000"),
                body,
                Err(Refusal::MissingSignature),
            ),
            (Some(&good), None, body, Err(Refusal::MissingSignature)),
            (
                Some(&other),
                Some("1800000000"),
                body,
                Err(Refusal::BadSignature),
            ),
            (
                Some(&good),
                Some("1800000000"),
                br#"{"type":2}"#,
                Err(Refusal::BadSignature),
            ),
            (Some(&stale), Some("1799999000"), body, Err(Refusal::Stale)),
        ];
        for (signature, timestamp, body, expected) in cases {
            assert_eq!(
                verifier.verify(signature, timestamp, body, now),
                expected,
                "{signature:?} {timestamp:?}"
            );
        }
        assert_eq!(
            verifier.verify(Some("zz"), Some("1800000000"), body, now),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn public_keys_are_read_as_the_portal_shows_them() {
        let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
        assert_eq!(public_key(&hex::encode(key.to_bytes())), Ok(key));
        assert!(matches!(public_key("abc"), Err(PublicKeyError::NotHex(_))));
        assert!(matches!(
            public_key(&"g".repeat(64)),
            Err(PublicKeyError::NotHex(_))
        ));
    }
}
