//! The HTTP Events API: Slack posts events, slash commands and interactions to the bot.
//!
//! Every request must carry Slack's `v0` signature over its timestamp and body, made with
//! the app's signing secret, and a timestamp within five minutes of now; a signature seen
//! before is a replay. Anything else gets 401 and is not read further.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use tracing::{debug, warn};

use super::inbound::SlackInbound;

/// Slack's window for request timestamps, in seconds.
const WINDOW_SECONDS: i64 = 300;

struct HttpState {
    inbound: Arc<SlackInbound>,
    verifier: SlackEventSignatureVerifier,
    /// Signatures accepted in the last window, with their timestamps, to refuse replays.
    seen: Mutex<HashMap<String, i64>>,
}

/// The routes Slack posts to: `/slack/events`, `/slack/commands`, `/slack/interactivity`.
pub fn router(inbound: Arc<SlackInbound>, signing_secret: &SecretString) -> Router {
    let secret = SlackSigningSecret::new(signing_secret.expose_secret().to_owned());
    let state = Arc::new(HttpState {
        inbound,
        verifier: SlackEventSignatureVerifier::new(&secret),
        seen: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/commands", post(commands))
        .route("/slack/interactivity", post(interactivity))
        .with_state(state)
}

impl HttpState {
    /// Checks the signature, the timestamp window and replays; returns the body as text.
    fn verify(&self, headers: &HeaderMap, body: &Bytes) -> Result<String, StatusCode> {
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let (Some(signature), Some(timestamp)) = (
            header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER),
            header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP),
        ) else {
            debug!("slack request without a signature");
            return Err(StatusCode::UNAUTHORIZED);
        };
        let Ok(body) = std::str::from_utf8(body) else {
            return Err(StatusCode::BAD_REQUEST);
        };
        if self.verifier.verify(signature, body, timestamp).is_err() {
            warn!("slack request with a bad signature or an old timestamp refused");
            return Err(StatusCode::UNAUTHORIZED);
        }
        let sent_at: i64 = timestamp.parse().map_err(|_| StatusCode::UNAUTHORIZED)?;
        let now = chrono::Utc::now().timestamp();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, at| now - *at <= WINDOW_SECONDS);
        if seen.insert(signature.to_owned(), sent_at).is_some() {
            warn!("replayed slack request refused");
            return Err(StatusCode::UNAUTHORIZED);
        }
        Ok(body.to_owned())
    }
}

async fn events(State(state): State<Arc<HttpState>>, headers: HeaderMap, body: Bytes) -> Response {
    let body = match state.verify(&headers, &body) {
        Ok(body) => body,
        Err(status) => return status.into_response(),
    };
    match serde_json::from_str::<SlackPushEvent>(&body) {
        Ok(SlackPushEvent::UrlVerification(verification)) => {
            Json(serde_json::json!({ "challenge": verification.challenge })).into_response()
        }
        Ok(SlackPushEvent::EventCallback(callback)) => {
            state.inbound.push(callback).await;
            StatusCode::OK.into_response()
        }
        Ok(SlackPushEvent::AppRateLimited(_)) => {
            warn!(
                platform = "slack",
                "slack is rate limiting events to the app"
            );
            StatusCode::OK.into_response()
        }
        Err(_) => {
            warn!(platform = "slack", "unknown event payload ignored");
            StatusCode::OK.into_response()
        }
    }
}

async fn commands(
    State(state): State<Arc<HttpState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match state.verify(&headers, &body) {
        Ok(body) => body,
        Err(status) => return status.into_response(),
    };
    let Ok(event) = serde_urlencoded::from_str::<SlackCommandEvent>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let reply = state.inbound.command(event).await;
    if reply.content.text.is_none() && reply.content.blocks.is_none() {
        return StatusCode::OK.into_response();
    }
    Json(reply).into_response()
}

async fn interactivity(
    State(state): State<Arc<HttpState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match state.verify(&headers, &body) {
        Ok(body) => body,
        Err(status) => return status.into_response(),
    };
    let Ok(form) = serde_urlencoded::from_str::<HashMap<String, String>>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Some(Ok(event)) = form
        .get("payload")
        .map(|payload| serde_json::from_str::<SlackInteractionEvent>(payload))
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match state.inbound.interaction(event).await {
        SlackInteractionResponse::Empty => StatusCode::OK.into_response(),
        other => Json(other).into_response(),
    }
}
