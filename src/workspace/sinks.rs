//! Endpoints the bot posts to outside the Web API: `response_url`s handed out with
//! commands and interactions (`/response/{id}`), and a webhook sink (`/hooks/{name}`)
//! standing in for a phone, SMS or mail gateway.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::faults::{take_fault, Fault};
use super::feed::WorkspaceEventKind;
use super::methods::{content_text, store_bot_message};
use super::records::{EphemeralMessage, ResponseUrlReply, WebhookHit};
use super::state::{ResponseTarget, Shared};
use super::web_api::json_response;

/// Applies an injected fault to a sink post; `Some` answers instead of the sink.
async fn fault_response(shared: &Shared, key: &str, params: &Value) -> Option<Response> {
    let fault = take_fault(&mut shared.lock().faults, key, params)?;
    match fault {
        Fault::RateLimited { retry_after_secs } => Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                json_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    &json!({"ok": false, "error": "ratelimited"}),
                ),
            )
                .into_response(),
        ),
        Fault::Error(code) => Some(json_response(
            StatusCode::OK,
            &json!({"ok": false, "error": code}),
        )),
        Fault::Status(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(
                (
                    status,
                    status.canonical_reason().unwrap_or("error").to_string(),
                )
                    .into_response(),
            )
        }
        // A sink has nothing to do before answering, so a late answer is a delay.
        Fault::Delay(delay) | Fault::SlowAnswer(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
    }
}

/// Serves `POST /response/{id}`.
pub(crate) async fn handle_response_url(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(target) = shared.lock().response_targets.get(&id).cloned() else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"ok": false, "error": "expired_url"}),
        );
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"ok": false, "error": "invalid_payload"}),
        );
    };
    let mut params = body.clone();
    if let Some(map) = params.as_object_mut() {
        map.insert("channel".into(), json!(target.channel));
        map.insert("user".into(), json!(target.user));
    }
    if let Some(response) = fault_response(&shared, "response_url", &params).await {
        return response;
    }

    let is_ephemeral = apply_reply(&shared, &target, &body);
    shared.lock().replies.push(ResponseUrlReply {
        response_id: id,
        channel: target.channel.clone(),
        user: target.user.clone(),
        body,
        is_ephemeral,
        at: chrono::Utc::now(),
    });
    shared.touch();
    json_response(StatusCode::OK, &json!({"ok": true}))
}

/// Shows a response URL reply where Slack would; returns whether it is ephemeral.
fn apply_reply(shared: &Shared, target: &ResponseTarget, body: &Value) -> bool {
    let is_true = |key: &str| body.get(key).and_then(Value::as_bool) == Some(true);
    let mut state = shared.lock();
    if let Some(ts) = &target.message_ts {
        if is_true("delete_original") {
            state
                .messages
                .retain(|m| !(m.channel == target.channel && &m.ts == ts));
            state
                .ephemerals
                .retain(|m| !(m.channel == target.channel && &m.ts == ts));
            return target.is_ephemeral_source;
        }
        if is_true("replace_original") {
            replace_original(shared, &mut state, target, ts, body);
            return target.is_ephemeral_source;
        }
    }
    if body.get("response_type").and_then(Value::as_str) == Some("in_channel") {
        let thread_ts = body
            .get("thread_ts")
            .and_then(Value::as_str)
            .map(str::to_string);
        store_bot_message(shared, &mut state, &target.channel, body, thread_ts, true);
        return false;
    }
    let ephemeral = EphemeralMessage {
        channel: target.channel.clone(),
        user: target.user.clone(),
        ts: state.ts_clock.next(),
        thread_ts: body
            .get("thread_ts")
            .and_then(Value::as_str)
            .map(str::to_string),
        text: body
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        blocks: body.get("blocks").cloned(),
        source: "response_url",
        shown_at: chrono::Utc::now(),
    };
    shared.emit(WorkspaceEventKind::EphemeralShown {
        channel: shared.conversation_label(&state, &target.channel),
        user: shared.user_name(&target.user),
        text: shared.readable(&ephemeral.readable_text()),
    });
    state.ephemerals.push(ephemeral);
    true
}

fn replace_original(
    shared: &Shared,
    state: &mut super::state::State,
    target: &ResponseTarget,
    ts: &str,
    body: &Value,
) {
    let text = body
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let blocks = body.get("blocks").cloned();
    if let Some(message) = state.message_mut(&target.channel, ts) {
        message.text = text;
        message.blocks = blocks;
        message.edits += 1;
    } else if let Some(ephemeral) = state
        .ephemerals
        .iter_mut()
        .find(|m| m.channel == target.channel && m.ts == ts)
    {
        ephemeral.text = text;
        ephemeral.blocks = blocks;
    }
    shared.emit(WorkspaceEventKind::MessageUpdated {
        channel: shared.conversation_label(state, &target.channel),
        author: shared.setup.bot_name.clone(),
        text: shared.readable(&content_text(body)),
    });
}

/// Serves `POST /hooks/{name}`.
pub(crate) async fn handle_webhook(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice::<Value>(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    if let Some(response) = fault_response(&shared, &format!("hooks/{name}"), &body).await {
        return response;
    }
    let mut summary = body.to_string();
    if summary.chars().count() > 160 {
        summary = summary.chars().take(157).collect::<String>() + "...";
    }
    shared.emit(WorkspaceEventKind::WebhookCalled {
        name: name.clone(),
        summary,
    });
    shared.lock().hooks.push(WebhookHit {
        name,
        body,
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        at: chrono::Utc::now(),
    });
    shared.touch();
    json_response(StatusCode::OK, &json!({"ok": true}))
}
