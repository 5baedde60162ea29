//! Socket Mode: the `/socket` WebSocket the bot reaches through `apps.connections.open`.
//!
//! Each connection gets a `hello`, then envelopes. Envelopes go round-robin to the live
//! connections (or wait for one); acknowledgements are matched by `envelope_id` and
//! recorded; an envelope left unacknowledged is sent again with `retry_attempt` raised
//! and `retry_reason: "timeout"`, keeping its envelope id and event id, as Slack does.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::feed::WorkspaceEventKind;
use super::methods::content_text;
use super::records::{AckReceipt, EnvelopeKind, EphemeralMessage, ViewStatus};
use super::state::{Connection, EnvelopeRecord, Outgoing, Shared, State as WorkspaceState};

/// The query of `/socket`.
#[derive(Debug, Deserialize)]
pub(crate) struct SocketQuery {
    ticket: Option<String>,
}

/// Serves `GET /socket?ticket=…`: one use per ticket from `apps.connections.open`.
pub(crate) async fn handle_socket_upgrade(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<SocketQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ticket = query.ticket.unwrap_or_default();
    if shared.lock().tickets.remove(&ticket).is_none() {
        tracing::warn!("socket mode connection with an unknown ticket refused");
        return (StatusCode::UNAUTHORIZED, "invalid ticket").into_response();
    }
    upgrade.on_upgrade(move |socket| serve_connection(shared, socket))
}

async fn serve_connection(shared: Arc<Shared>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let connection_id = register(&shared, tx.clone());

    let dropped = Arc::new(tokio::sync::Notify::new());
    let drop_now = Arc::clone(&dropped);
    let writer = tokio::spawn(async move {
        while let Some(outgoing) = rx.recv().await {
            let message = match outgoing {
                Outgoing::Text(text) => Message::Text(text.into()),
                Outgoing::Close => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
                Outgoing::Drop => {
                    drop_now.notify_one();
                    break;
                }
            };
            if sink.send(message).await.is_err() {
                break;
            }
        }
    });

    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            // Both halves go out of scope below, which closes the TCP connection.
            () = dropped.notified() => break,
        };
        let Some(Ok(message)) = message else { break };
        match message {
            Message::Text(text) => receive_ack(&shared, text.as_str()),
            // axum answers pings itself; the pong goes out with the next read or write.
            Message::Ping(_) | Message::Pong(_) | Message::Binary(_) => {}
            Message::Close(_) => break,
        }
    }

    writer.abort();
    let connections = {
        let mut state = shared.lock();
        state.connections.remove(&connection_id);
        state.connections.len()
    };
    tracing::info!(connection_id, connections, "socket mode connection closed");
    shared.emit(WorkspaceEventKind::Disconnected { connections });
    shared.touch();
}

/// Adds a connection, greets it and hands it the envelopes that were waiting.
fn register(shared: &Shared, tx: mpsc::UnboundedSender<Outgoing>) -> u64 {
    let mut state = shared.lock();
    let id = state.next_connection_id;
    state.next_connection_id += 1;
    state.connections.insert(
        id,
        Connection {
            tx: tx.clone(),
            is_draining: false,
        },
    );
    let connections = state.connections.len();
    let hello = json!({
        "type": "hello",
        "num_connections": connections,
        "debug_info": {
            "host": "applink-local",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": shared.setup.app_id},
    });
    let _ = tx.send(Outgoing::Text(hello.to_string()));
    let pending: Vec<String> = state.pending.drain(..).collect();
    for envelope_id in pending {
        send_now(&mut state, &envelope_id);
    }
    drop(state);
    tracing::info!(
        connection_id = id,
        connections,
        "socket mode connection opened"
    );
    shared.emit(WorkspaceEventKind::Connected { connections });
    shared.touch();
    id
}

/// The frame for an envelope at its current retry attempt.
pub(crate) fn envelope_frame(envelope_id: &str, record: &EnvelopeRecord) -> Value {
    let mut frame = json!({
        "envelope_id": envelope_id,
        "payload": record.payload,
        "type": record.kind.wire_type(),
        "accepts_response_payload": record.accepts_response_payload,
    });
    if record.kind == EnvelopeKind::EventsApi || record.retry_attempt > 0 {
        frame["retry_attempt"] = json!(record.retry_attempt);
        frame["retry_reason"] = json!(if record.retry_attempt > 0 {
            "timeout"
        } else {
            ""
        });
    }
    frame
}

/// Sends an envelope to the next live connection, or queues it; true when sent.
pub(crate) fn send_now(state: &mut WorkspaceState, envelope_id: &str) -> bool {
    let live = state.live_connections();
    if live.is_empty() {
        if !state.pending.iter().any(|id| id == envelope_id) {
            state.pending.push_back(envelope_id.to_string());
        }
        return false;
    }
    let connection_id = live[state.round_robin % live.len()];
    state.round_robin = state.round_robin.wrapping_add(1);
    let Some(record) = state.envelopes.get_mut(envelope_id) else {
        return false;
    };
    let now = Instant::now();
    record.first_sent.get_or_insert(now);
    record.last_sent = Some(now);
    let frame = envelope_frame(envelope_id, record).to_string();
    let sent = state
        .connections
        .get(&connection_id)
        .is_some_and(|c| c.tx.send(Outgoing::Text(frame)).is_ok());
    if !sent {
        state.pending.push_back(envelope_id.to_string());
    }
    sent
}

/// Registers and sends a new envelope, and starts its redelivery timer.
pub(crate) fn deliver(shared: &Arc<Shared>, envelope_id: &str, record: EnvelopeRecord) {
    let kind = record.kind;
    {
        let mut state = shared.lock();
        state.envelopes.insert(envelope_id.to_string(), record);
        state.envelope_order.push(envelope_id.to_string());
        send_now(&mut state, envelope_id);
    }
    shared.touch();

    let options = &shared.setup.options;
    let retries = kind == EnvelopeKind::EventsApi || options.redeliver_all_kinds;
    if let (true, Some(timeout)) = (retries, options.redelivery_timeout) {
        let shared = shared.clone();
        let envelope_id = envelope_id.to_string();
        tokio::spawn(async move {
            for _ in 0..shared.setup.options.max_redeliveries {
                tokio::time::sleep(timeout).await;
                if !redeliver_if_unacked(&shared, &envelope_id) {
                    return;
                }
            }
        });
    }
    if kind == EnvelopeKind::SlashCommand {
        let shared = shared.clone();
        let envelope_id = envelope_id.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(shared.setup.options.ack_deadline).await;
            show_timeout_notice(&shared, &envelope_id);
        });
    }
}

/// Sends an envelope again as the next retry unless it was acknowledged; false when
/// there is nothing left to do.
fn redeliver_if_unacked(shared: &Shared, envelope_id: &str) -> bool {
    let mut state = shared.lock();
    let Some(record) = state.envelopes.get_mut(envelope_id) else {
        return false;
    };
    if record.ack.is_some() {
        return false;
    }
    if record.first_sent.is_none() {
        // Still waiting for a connection: the wait is not the bot's fault yet.
        return true;
    }
    record.retry_attempt += 1;
    let attempt = record.retry_attempt;
    let what = record.summary.clone();
    send_now(&mut state, envelope_id);
    drop(state);
    tracing::info!(%envelope_id, attempt, "envelope redelivered after timeout");
    shared.emit(WorkspaceEventKind::Redelivered { what, attempt });
    shared.touch();
    true
}

/// Sends an envelope again right away as the next retry, acknowledged or not.
pub(crate) fn redeliver_now(shared: &Shared, envelope_id: &str) -> bool {
    let mut state = shared.lock();
    let Some(record) = state.envelopes.get_mut(envelope_id) else {
        return false;
    };
    record.retry_attempt += 1;
    let attempt = record.retry_attempt;
    let what = record.summary.clone();
    send_now(&mut state, envelope_id);
    drop(state);
    shared.emit(WorkspaceEventKind::Redelivered { what, attempt });
    shared.touch();
    true
}

/// Slack tells the user a command failed when the app did not answer in time.
fn show_timeout_notice(shared: &Shared, envelope_id: &str) {
    let mut state = shared.lock();
    let Some(record) = state.envelopes.get(envelope_id) else {
        return;
    };
    if record.ack.is_some() || record.first_sent.is_none() {
        return;
    }
    let payload = record.payload.clone();
    let field = |name: &str| payload[name].as_str().unwrap_or_default().to_string();
    let text = format!(
        "{} failed with the error \"operation_timeout\"",
        field("command")
    );
    let channel = field("channel_id");
    let user = field("user_id");
    let ts = state.ts_clock.next();
    shared.emit(WorkspaceEventKind::EphemeralShown {
        channel: shared.conversation_label(&state, &channel),
        user: shared.user_name(&user),
        text: text.clone(),
    });
    state.ephemerals.push(EphemeralMessage {
        channel,
        user,
        ts,
        thread_ts: None,
        text,
        blocks: None,
        source: "slack",
        shown_at: chrono::Utc::now(),
    });
    drop(state);
    shared.touch();
}

/// Drops every connection at once, without a `disconnect` frame or a close frame.
pub(crate) fn drop_all(shared: &Shared) -> usize {
    let state = shared.lock();
    for connection in state.connections.values() {
        let _ = connection.tx.send(Outgoing::Drop);
    }
    state.connections.len()
}

/// Tells every live connection to reconnect, and closes them after the grace period.
pub(crate) fn disconnect_all(shared: &Arc<Shared>, reason: &str) -> usize {
    let frame = json!({
        "type": "disconnect",
        "reason": reason,
        "debug_info": {"host": "applink-local"},
    })
    .to_string();
    let mut told = Vec::new();
    {
        let mut state = shared.lock();
        for (id, connection) in state.connections.iter_mut().filter(|(_, c)| !c.is_draining) {
            connection.is_draining = true;
            let _ = connection.tx.send(Outgoing::Text(frame.clone()));
            told.push(*id);
        }
    }
    let count = told.len();
    let shared = shared.clone();
    tokio::spawn(async move {
        tokio::time::sleep(shared.setup.options.disconnect_grace).await;
        let state = shared.lock();
        for id in told {
            if let Some(connection) = state.connections.get(&id) {
                let _ = connection.tx.send(Outgoing::Close);
            }
        }
    });
    count
}

/// Records an acknowledgement frame and applies what its payload asks for.
fn receive_ack(shared: &Shared, text: &str) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        tracing::warn!("socket mode frame from the bot is not JSON");
        return;
    };
    let Some(envelope_id) = frame.get("envelope_id").and_then(Value::as_str) else {
        tracing::warn!("socket mode frame from the bot has no envelope_id");
        return;
    };
    let payload = frame.get("payload").cloned().filter(|p| !p.is_null());
    let now = Instant::now();
    let mut state = shared.lock();
    let record = state.envelopes.get(envelope_id).cloned();
    let receipt = AckReceipt {
        envelope_id: envelope_id.to_string(),
        kind: record.as_ref().map(|r| r.kind),
        event_id: record.as_ref().and_then(|r| r.event_id.clone()),
        retry_attempt: record.as_ref().map_or(0, |r| r.retry_attempt),
        payload: payload.clone(),
        elapsed: record
            .as_ref()
            .and_then(|r| r.first_sent)
            .map(|t| now.duration_since(t))
            .unwrap_or_default(),
        since_last_delivery: record
            .as_ref()
            .and_then(|r| r.last_sent)
            .map(|t| now.duration_since(t))
            .unwrap_or_default(),
        received_at: chrono::Utc::now(),
    };
    tracing::debug!(%envelope_id, elapsed_ms = receipt.elapsed.as_millis() as u64, "ack received");
    state.acks.push(receipt.clone());
    let Some(record) = record else {
        tracing::warn!(%envelope_id, "ack for an unknown envelope");
        drop(state);
        shared.touch();
        return;
    };
    let is_first = record.ack.is_none();
    if let Some(stored) = state.envelopes.get_mut(envelope_id) {
        stored.ack.get_or_insert(receipt);
    }
    if is_first {
        apply_ack_payload(shared, &mut state, &record, payload.as_ref());
    }
    drop(state);
    shared.touch();
}

/// What Slack does with an acknowledgement's payload: a command reply is shown, a view
/// submission answer updates, fails or closes the modal.
fn apply_ack_payload(
    shared: &Shared,
    state: &mut WorkspaceState,
    record: &EnvelopeRecord,
    payload: Option<&Value>,
) {
    match record.kind {
        EnvelopeKind::SlashCommand => {
            if let Some(reply) = payload.filter(|p| has_message_content(p)) {
                show_command_reply(shared, state, &record.payload, reply);
            }
        }
        EnvelopeKind::Interactive if record.payload["type"].as_str() == Some("view_submission") => {
            let view_id = record.payload["view"]["id"].as_str().unwrap_or_default();
            answer_view_submission(shared, state, view_id, payload);
        }
        _ => {}
    }
}

fn has_message_content(payload: &Value) -> bool {
    payload
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty())
        || payload.get("blocks").is_some_and(|b| !b.is_null())
}

fn show_command_reply(shared: &Shared, state: &mut WorkspaceState, command: &Value, reply: &Value) {
    let channel = command["channel_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let user = command["user_id"].as_str().unwrap_or_default().to_string();
    if reply.get("response_type").and_then(Value::as_str) == Some("in_channel") {
        super::methods::store_bot_message(shared, state, &channel, reply, None, true);
        return;
    }
    let ephemeral = EphemeralMessage {
        channel: channel.clone(),
        user: user.clone(),
        ts: state.ts_clock.next(),
        thread_ts: None,
        text: reply
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        blocks: reply.get("blocks").cloned(),
        source: "ack",
        shown_at: chrono::Utc::now(),
    };
    shared.emit(WorkspaceEventKind::EphemeralShown {
        channel: shared.conversation_label(state, &channel),
        user: shared.user_name(&user),
        text: shared.readable(&content_text(reply)),
    });
    state.ephemerals.push(ephemeral);
}

fn answer_view_submission(
    shared: &Shared,
    state: &mut WorkspaceState,
    view_id: &str,
    payload: Option<&Value>,
) {
    let Some(view) = state.views.iter_mut().find(|v| v.id == view_id) else {
        return;
    };
    let title = view.view["title"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let user = shared.user_name(&view.user);
    let action = payload
        .and_then(|p| p.get("response_action"))
        .and_then(Value::as_str);
    match action {
        Some("errors") => {
            view.errors = payload.and_then(|p| p.get("errors")).cloned();
        }
        Some("update") | Some("push") => {
            if let Some(new_view) = payload.and_then(|p| p.get("view")) {
                if let (Some(target), Some(source)) =
                    (view.view.as_object_mut(), new_view.as_object())
                {
                    for (key, value) in source {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
            view.errors = None;
            view.updates += 1;
            shared.emit(WorkspaceEventKind::ModalUpdated { user, title });
        }
        _ => {
            view.status = ViewStatus::Closed;
            view.errors = None;
            shared.emit(WorkspaceEventKind::ModalClosed { user, title });
        }
    }
}
