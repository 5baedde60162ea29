//! A local Slack-compatible workspace on 127.0.0.1.
//!
//! It serves the end-to-end tests and `escalator demo`: the real bot, built on
//! slack-morphism, talks to it exactly as it talks to Slack, because the workspace speaks
//! Slack's wire format (the shapes of the captured payloads in `tests/fixtures/slack/`):
//!
//! - the Web API under `/api/{method}` ([`SlackWorkspace::api_base_url`] is what the bot
//!   gives `SlackClientHyperConnector::with_slack_api_url`);
//! - Socket Mode on `/socket`, reached through `apps.connections.open`: `hello`,
//!   envelopes, acknowledgements, redelivery of unacknowledged envelopes, `disconnect`;
//! - loopback `response_url`s (`/response/{id}`) and a webhook sink (`/hooks/{name}`).
//!
//! A test or the demo drives it as the people of the workspace would (run a slash
//! command, react, write, click, submit a modal), observes what the bot did (every Web
//! API call, channel histories and threads, DMs, ephemeral messages, views, replies,
//! webhook hits, acknowledgements, and a readable [`WorkspaceEvent`] feed), and injects
//! faults (rate limits, errors, bad statuses, delays).
//!
//! Nothing here binds anything but 127.0.0.1 or talks to any other host.

pub mod discord;
mod error;
mod faults;
mod feed;
mod ids;
mod methods;
mod payloads;
mod records;
mod setup;
mod signing;
mod sinks;
mod socket;
mod state;
mod web_api;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

pub use error::WorkspaceError;
pub use faults::{Fault, FaultRule, FaultScope};
pub use feed::{WorkspaceEvent, WorkspaceEventKind};
pub use records::{
    blocks_text, AckReceipt, ApiCall, ChannelMessage, EnvelopeKind, EphemeralMessage, OpenedView,
    Reaction, ResponseUrlReply, TokenKind, ViewStatus, WebhookHit,
};
pub use setup::{WorkspaceChannel, WorkspaceOptions, WorkspaceSetup, WorkspaceUser};
pub use signing::{sign, SignedResponse, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use feed::WorkspaceEventKind as Kind;
use state::{EnvelopeRecord, Shared};

/// A running local workspace. Dropping it stops the server.
pub struct SlackWorkspace {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

/// Something to hand the bot: a slash command, an event or an interaction, as built for
/// the current state of the workspace. Send it over Socket Mode with
/// [`SlackWorkspace::deliver`] or over HTTP with [`SlackWorkspace::send_signed_payload`].
#[derive(Debug, Clone)]
pub struct Outbound {
    /// Which envelope type carries it.
    pub kind: EnvelopeKind,
    /// The payload: command fields, an `event_callback` body, or an interaction.
    pub payload: Value,
    /// The `event_id` of an `event_callback`.
    pub event_id: Option<String>,
    summary: String,
}

impl Outbound {
    /// The body and content type Slack uses over HTTP: a form for commands, JSON for
    /// events, a `payload=` form for interactions.
    pub fn http_body(&self) -> (String, &'static str) {
        const FORM: &str = "application/x-www-form-urlencoded";
        match self.kind {
            EnvelopeKind::EventsApi => (self.payload.to_string(), "application/json"),
            EnvelopeKind::Interactive => {
                let body = serde_urlencoded::to_string([("payload", self.payload.to_string())]);
                (body.unwrap_or_default(), FORM)
            }
            EnvelopeKind::SlashCommand => {
                let pairs: Vec<(String, String)> = self
                    .payload
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        )
                    })
                    .collect();
                (serde_urlencoded::to_string(pairs).unwrap_or_default(), FORM)
            }
        }
    }
}

/// A message a user wrote, and the bot's acknowledgement of its event.
#[derive(Debug, Clone)]
pub struct PostedMessage {
    /// The message's `ts`.
    pub ts: String,
    /// Acknowledgement of the `message` event.
    pub ack: AckReceipt,
    /// Acknowledgement of the `app_mention` event, when one was sent.
    pub mention_ack: Option<AckReceipt>,
}

impl SlackWorkspace {
    /// Binds 127.0.0.1 on a free port and serves the workspace.
    pub async fn start(setup: WorkspaceSetup) -> Result<Self, WorkspaceError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(WorkspaceError::Bind)?;
        let addr = listener.local_addr().map_err(WorkspaceError::Bind)?;
        let shared = Arc::new(Shared::new(setup, format!("http://{addr}")));

        let app = Router::new()
            .route(
                "/api/{method}",
                get(web_api::handle_api_call).post(web_api::handle_api_call),
            )
            .route("/socket", get(socket::handle_socket_upgrade))
            .route("/response/{id}", post(sinks::handle_response_url))
            .route("/hooks/{name}", post(sinks::handle_webhook))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "workspace server stopped");
            }
        });
        tracing::info!(%addr, "local slack workspace listening");
        Ok(Self {
            shared,
            addr,
            server,
        })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/api`, for `SlackClientHyperConnector::with_slack_api_url`.
    pub fn api_base_url(&self) -> String {
        format!("{}/api", self.shared.base_url)
    }

    /// `http://127.0.0.1:PORT/hooks/{name}`, the webhook sink.
    pub fn hook_url(&self, name: &str) -> String {
        format!("{}/hooks/{name}", self.shared.base_url)
    }

    /// The setup it was started with.
    pub fn setup(&self) -> &WorkspaceSetup {
        &self.shared.setup
    }

    /// Closes the Socket Mode connections and stops the server.
    pub async fn shutdown(self) {
        {
            let state = self.shared.lock();
            for connection in state.connections.values() {
                let _ = connection.tx.send(state::Outgoing::Close);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.server.abort();
    }

    // ---- Socket Mode ----

    /// Open Socket Mode connections.
    pub fn connection_count(&self) -> usize {
        self.shared.lock().connections.len()
    }

    /// Waits until at least `count` connections are open and not told to disconnect.
    pub async fn wait_for_connections(&self, count: usize, timeout: Duration) -> bool {
        self.shared
            .wait_for(timeout, |s| {
                (s.live_connections().len() >= count).then_some(())
            })
            .await
            .is_some()
    }

    /// Sends a `disconnect` frame (`refresh_requested`) on every live connection; the
    /// client reconnects through `apps.connections.open`. Returns how many were told.
    pub fn disconnect(&self) -> usize {
        socket::disconnect_all(&self.shared, "refresh_requested")
    }

    /// Sends a `disconnect` frame with `reason` (Slack uses `refresh_requested`,
    /// `warning` and `link_disabled`) on every live connection; returns how many were told.
    pub fn disconnect_with(&self, reason: &str) -> usize {
        socket::disconnect_all(&self.shared, reason)
    }

    /// Drops every Socket Mode connection abruptly, as a network failure would: no
    /// `disconnect` frame, no close frame. Envelopes sent while no connection is open wait
    /// for the next one. Returns how many were dropped.
    pub fn drop_connections(&self) -> usize {
        socket::drop_all(&self.shared)
    }

    /// Sends an outbound item over Socket Mode without waiting; returns the envelope id.
    pub fn send(&self, outbound: Outbound) -> String {
        let envelope_id = ids::envelope_id();
        let accepts_response_payload = match outbound.kind {
            EnvelopeKind::SlashCommand => true,
            EnvelopeKind::EventsApi => false,
            EnvelopeKind::Interactive => matches!(
                outbound.payload["type"].as_str(),
                Some("view_submission" | "block_suggestion")
            ),
        };
        let record = EnvelopeRecord {
            kind: outbound.kind,
            payload: outbound.payload,
            event_id: outbound.event_id,
            accepts_response_payload,
            retry_attempt: 0,
            first_sent: None,
            last_sent: None,
            ack: None,
            summary: outbound.summary,
        };
        socket::deliver(&self.shared, &envelope_id, record);
        envelope_id
    }

    /// Sends an outbound item over Socket Mode and waits for its acknowledgement.
    pub async fn deliver(&self, outbound: Outbound) -> Result<AckReceipt, WorkspaceError> {
        let envelope_id = self.send(outbound);
        self.wait_for_ack(&envelope_id, self.shared.setup.options.ack_wait)
            .await
    }

    /// Waits for the first acknowledgement of an envelope.
    pub async fn wait_for_ack(
        &self,
        envelope_id: &str,
        timeout: Duration,
    ) -> Result<AckReceipt, WorkspaceError> {
        if !self.shared.lock().envelopes.contains_key(envelope_id) {
            return Err(WorkspaceError::UnknownEnvelope(envelope_id.to_string()));
        }
        self.shared
            .wait_for(timeout, |s| {
                s.envelopes.get(envelope_id).and_then(|e| e.ack.clone())
            })
            .await
            .ok_or_else(|| WorkspaceError::NotAcknowledged {
                envelope_id: envelope_id.to_string(),
                waited: timeout,
            })
    }

    /// Sends a delivered envelope again as the next retry (`retry_reason: "timeout"`),
    /// and waits for the acknowledgement of that delivery.
    pub async fn redeliver(&self, envelope_id: &str) -> Result<AckReceipt, WorkspaceError> {
        let acks_before = self.acks_for(envelope_id);
        if !socket::redeliver_now(&self.shared, envelope_id) {
            return Err(WorkspaceError::UnknownEnvelope(envelope_id.to_string()));
        }
        let timeout = self.shared.setup.options.ack_wait;
        self.shared
            .wait_for(timeout, |s| {
                s.acks
                    .iter()
                    .filter(|a| a.envelope_id == envelope_id)
                    .nth(acks_before)
                    .cloned()
            })
            .await
            .ok_or_else(|| WorkspaceError::NotAcknowledged {
                envelope_id: envelope_id.to_string(),
                waited: timeout,
            })
    }

    fn acks_for(&self, envelope_id: &str) -> usize {
        let state = self.shared.lock();
        state
            .acks
            .iter()
            .filter(|a| a.envelope_id == envelope_id)
            .count()
    }

    // ---- what people do ----

    /// Builds the setup's slash command (`/escalate`) typed by `user` in `channel`, with a
    /// loopback `response_url` and a fresh `trigger_id`.
    pub fn slash_command_payload(
        &self,
        user: &str,
        channel: &str,
        text: &str,
    ) -> Result<Outbound, WorkspaceError> {
        let command = self.shared.setup.command.clone();
        let mut state = self.shared.lock();
        let payload =
            payloads::slash_command(&self.shared, &mut state, user, channel, &command, text)?;
        let label = self.shared.conversation_label(&state, channel);
        drop(state);
        let line = format!("{command} {text}").trim_end().to_string();
        self.shared.emit(Kind::CommandRun {
            user: self.shared.user_name(user),
            channel: label,
            command: line.clone(),
        });
        Ok(Outbound {
            kind: EnvelopeKind::SlashCommand,
            payload,
            event_id: None,
            summary: format!("{line} from {}", self.shared.user_name(user)),
        })
    }

    /// `user` types the setup's slash command in `channel`; waits for the ack.
    pub async fn slash_command(
        &self,
        user: &str,
        channel: &str,
        text: &str,
    ) -> Result<AckReceipt, WorkspaceError> {
        let outbound = self.slash_command_payload(user, channel, text)?;
        self.deliver(outbound).await
    }

    fn event_outbound(&self, event: Value, summary: String) -> Outbound {
        let event_id = ids::object_id("Ev");
        Outbound {
            kind: EnvelopeKind::EventsApi,
            payload: payloads::event_callback(&self.shared, event, &event_id),
            event_id: Some(event_id),
            summary,
        }
    }

    /// Builds a `reaction_added` (or `reaction_removed`) event and records the reaction.
    pub fn reaction_payload(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        reaction: &str,
        is_added: bool,
    ) -> Result<Outbound, WorkspaceError> {
        self.shared
            .user(user)
            .ok_or_else(|| WorkspaceError::UnknownUser(user.to_string()))?;
        let mut state = self.shared.lock();
        let event = payloads::reaction_event(&mut state, user, channel, ts, reaction, is_added)?;
        if let Some(message) = state.message_mut(channel, ts) {
            if is_added {
                methods::add_reaction(&mut message.reactions, reaction, user);
            } else {
                methods::remove_reaction(&mut message.reactions, reaction, user);
            }
        }
        let label = self.shared.conversation_label(&state, channel);
        drop(state);
        self.shared.touch();
        let by = self.shared.user_name(user);
        let summary = format!(":{reaction}: from {by}");
        self.shared.emit(if is_added {
            Kind::ReactionAdded {
                by,
                reaction: reaction.to_string(),
                channel: label,
            }
        } else {
            Kind::ReactionRemoved {
                by,
                reaction: reaction.to_string(),
                channel: label,
            }
        });
        Ok(self.event_outbound(event, summary))
    }

    /// `user` adds a reaction to the message `ts`; waits for the ack.
    pub async fn react(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        reaction: &str,
    ) -> Result<AckReceipt, WorkspaceError> {
        let outbound = self.reaction_payload(user, channel, ts, reaction, true)?;
        self.deliver(outbound).await
    }

    /// `user` removes a reaction from the message `ts`; waits for the ack.
    pub async fn unreact(
        &self,
        user: &str,
        channel: &str,
        ts: &str,
        reaction: &str,
    ) -> Result<AckReceipt, WorkspaceError> {
        let outbound = self.reaction_payload(user, channel, ts, reaction, false)?;
        self.deliver(outbound).await
    }

    /// Stores a message `user` writes and builds its `message` event (plus an
    /// `app_mention` event when it mentions the bot and the options ask for those).
    pub fn message_payload(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> Result<(String, Outbound, Option<Outbound>), WorkspaceError> {
        self.shared
            .user(user)
            .ok_or_else(|| WorkspaceError::UnknownUser(user.to_string()))?;
        let mut state = self.shared.lock();
        let channel = self
            .shared
            .resolve_conversation(&mut state, channel)
            .ok_or_else(|| WorkspaceError::UnknownChannel(channel.to_string()))?;
        let ts = state.ts_clock.next();
        let event =
            payloads::message_event(&self.shared, &state, user, &channel, &ts, text, thread_ts);
        let message = ChannelMessage {
            channel: channel.clone(),
            ts: ts.clone(),
            thread_ts: thread_ts.map(str::to_string),
            user: user.to_string(),
            is_bot: false,
            text: text.to_string(),
            blocks: event.get("blocks").cloned(),
            attachments: None,
            reactions: Vec::new(),
            edits: 0,
            via_response_url: false,
            posted_at: chrono::Utc::now(),
            metadata: None,
        };
        self.shared.emit_posted(&state, &message);
        state.messages.push(message);
        drop(state);
        self.shared.touch();

        let name = self.shared.user_name(user);
        let mention = format!("<@{}>", self.shared.setup.bot_user_id);
        let mention_event = (self.shared.setup.options.send_app_mentions
            && text.contains(&mention))
        .then(|| payloads::app_mention_event(&event));
        let outbound = self.event_outbound(event, format!("message from {name}"));
        let mention_outbound =
            mention_event.map(|e| self.event_outbound(e, format!("mention from {name}")));
        Ok((ts, outbound, mention_outbound))
    }

    /// `user` writes `text` in `channel` (a thread reply with `thread_ts`); waits for the
    /// ack of the `message` event.
    pub async fn post_message(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> Result<PostedMessage, WorkspaceError> {
        let (ts, outbound, mention) = self.message_payload(user, channel, text, thread_ts)?;
        let ack = self.deliver(outbound).await?;
        let mention_ack = match mention {
            Some(outbound) => Some(self.deliver(outbound).await?),
            None => None,
        };
        Ok(PostedMessage {
            ts,
            ack,
            mention_ack,
        })
    }

    /// Builds a `block_actions` interaction for a click on the element `action_id` of the
    /// message `message_ts` (in the channel, or shown only to `user`). `value` defaults to
    /// the button's own value.
    pub fn button_payload(
        &self,
        user: &str,
        channel: &str,
        message_ts: &str,
        action_id: &str,
        value: Option<&str>,
    ) -> Result<Outbound, WorkspaceError> {
        let mut state = self.shared.lock();
        let setup = &self.shared.setup;
        let target = if let Some(message) = state.message(channel, message_ts) {
            payloads::ClickTarget {
                blocks: message.blocks.clone().unwrap_or(Value::Null),
                message: Some(message.to_slack_json(&setup.team_id, &setup.bot_id, &setup.app_id)),
                is_ephemeral: false,
            }
        } else if let Some(ephemeral) = state
            .ephemerals
            .iter()
            .find(|e| e.channel == channel && e.ts == message_ts && e.user == user)
        {
            payloads::ClickTarget {
                blocks: ephemeral.blocks.clone().unwrap_or(Value::Null),
                message: None,
                is_ephemeral: true,
            }
        } else {
            return Err(WorkspaceError::MessageNotFound {
                channel: channel.to_string(),
                ts: message_ts.to_string(),
            });
        };
        let payload = payloads::block_actions(
            &self.shared,
            &mut state,
            user,
            channel,
            message_ts,
            &target,
            action_id,
            value,
        )?;
        drop(state);
        let label = payload["actions"][0]["text"]["text"]
            .as_str()
            .unwrap_or(action_id)
            .to_string();
        let name = self.shared.user_name(user);
        self.shared.emit(Kind::ButtonClicked {
            user: name.clone(),
            label: label.clone(),
        });
        Ok(Outbound {
            kind: EnvelopeKind::Interactive,
            payload,
            event_id: None,
            summary: format!("click on [{label}] by {name}"),
        })
    }

    /// `user` clicks a button; waits for the ack.
    pub async fn click_button(
        &self,
        user: &str,
        channel: &str,
        message_ts: &str,
        action_id: &str,
        value: Option<&str>,
    ) -> Result<AckReceipt, WorkspaceError> {
        let outbound = self.button_payload(user, channel, message_ts, action_id, value)?;
        self.deliver(outbound).await
    }

    /// Builds a `view_submission` for an open view; `values` are
    /// `(block_id, action_id, value)` for its input blocks (comma-separated for multi
    /// selects). Required inputs left out are an error, as Slack's client refuses them.
    pub fn view_submission_payload(
        &self,
        user: &str,
        view_id: &str,
        values: &[(&str, &str, &str)],
    ) -> Result<Outbound, WorkspaceError> {
        let mut state = self.shared.lock();
        let view = state
            .views
            .iter()
            .find(|v| v.id == view_id && v.status == ViewStatus::Open)
            .map(|v| v.view.clone())
            .ok_or_else(|| WorkspaceError::ViewNotFound(view_id.to_string()))?;
        let mut submitted = view.clone();
        submitted["state"] = payloads::view_state(view_id, &view, values)?;
        let payload = payloads::view_submission(&self.shared, &mut state, user, submitted)?;
        drop(state);
        let title = view["title"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = self.shared.user_name(user);
        self.shared.emit(Kind::ViewSubmitted {
            user: name.clone(),
            title: title.clone(),
        });
        Ok(Outbound {
            kind: EnvelopeKind::Interactive,
            payload,
            event_id: None,
            summary: format!("\"{title}\" submitted by {name}"),
        })
    }

    /// `user` submits the view `view_id`; waits for the ack (whose payload may carry a
    /// `response_action`, applied to the view).
    pub async fn submit_view(
        &self,
        user: &str,
        view_id: &str,
        values: &[(&str, &str, &str)],
    ) -> Result<AckReceipt, WorkspaceError> {
        let outbound = self.view_submission_payload(user, view_id, values)?;
        self.deliver(outbound).await
    }

    // ---- HTTP Events API mode ----

    /// Posts `body` to the bot's `url`, signed with `signing_secret` at the current time.
    pub async fn send_signed(
        &self,
        url: &str,
        signing_secret: &str,
        body: &str,
        content_type: &str,
    ) -> Result<SignedResponse, WorkspaceError> {
        let now = chrono::Utc::now().timestamp();
        signing::post_signed(url, signing_secret, body, content_type, now).await
    }

    /// Posts `body` signed at a given Unix `timestamp` (e.g. six minutes old).
    pub async fn send_signed_at(
        &self,
        url: &str,
        signing_secret: &str,
        body: &str,
        content_type: &str,
        timestamp: i64,
    ) -> Result<SignedResponse, WorkspaceError> {
        signing::post_signed(url, signing_secret, body, content_type, timestamp).await
    }

    /// Posts an outbound item the way Slack's HTTP delivery does, signed now.
    pub async fn send_signed_payload(
        &self,
        url: &str,
        signing_secret: &str,
        outbound: &Outbound,
    ) -> Result<SignedResponse, WorkspaceError> {
        let (body, content_type) = outbound.http_body();
        self.send_signed(url, signing_secret, &body, content_type)
            .await
    }

    // ---- what the bot did ----

    /// Every Web API call so far.
    pub fn calls(&self) -> Vec<ApiCall> {
        self.shared.lock().calls.clone()
    }

    /// The Web API calls of one method.
    pub fn calls_to(&self, method: &str) -> Vec<ApiCall> {
        let state = self.shared.lock();
        state
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Top-level messages of a channel or DM, oldest first (thread replies excluded).
    pub fn messages(&self, channel: &str) -> Vec<ChannelMessage> {
        let state = self.shared.lock();
        state
            .messages
            .iter()
            .filter(|m| m.channel == channel && !m.is_thread_reply())
            .cloned()
            .collect()
    }

    /// Every message of every channel, thread and DM, in the order they were posted.
    pub fn all_messages(&self) -> Vec<ChannelMessage> {
        self.shared.lock().messages.clone()
    }

    /// A thread: its parent (when it exists) and its replies, oldest first.
    pub fn thread(&self, channel: &str, ts: &str) -> Vec<ChannelMessage> {
        let state = self.shared.lock();
        state
            .messages
            .iter()
            .filter(|m| m.channel == channel && (m.ts == ts || m.thread_ts.as_deref() == Some(ts)))
            .cloned()
            .collect()
    }

    /// The DM channel id with a user, once opened.
    pub fn dm_channel(&self, user: &str) -> Option<String> {
        self.shared.lock().dm_by_user.get(user).cloned()
    }

    /// Every message in the DM with a user (threads included), oldest first.
    pub fn dms(&self, user: &str) -> Vec<ChannelMessage> {
        let state = self.shared.lock();
        let Some(channel) = state.dm_by_user.get(user) else {
            return Vec::new();
        };
        state
            .messages
            .iter()
            .filter(|m| &m.channel == channel)
            .cloned()
            .collect()
    }

    /// Messages only `user` saw, oldest first.
    pub fn ephemerals(&self, user: &str) -> Vec<EphemeralMessage> {
        let state = self.shared.lock();
        state
            .ephemerals
            .iter()
            .filter(|m| m.user == user)
            .cloned()
            .collect()
    }

    /// Views opened, oldest first.
    pub fn views(&self) -> Vec<OpenedView> {
        self.shared.lock().views.clone()
    }

    /// Posts to response URLs, oldest first.
    pub fn responses(&self) -> Vec<ResponseUrlReply> {
        self.shared.lock().replies.clone()
    }

    /// Posts to the webhook sink `/hooks/{name}`, oldest first.
    pub fn webhook_hits(&self, name: &str) -> Vec<WebhookHit> {
        let state = self.shared.lock();
        state
            .hooks
            .iter()
            .filter(|h| h.name == name)
            .cloned()
            .collect()
    }

    /// Every acknowledgement received, duplicates included, oldest first.
    pub fn acks(&self) -> Vec<AckReceipt> {
        self.shared.lock().acks.clone()
    }

    /// Readable events from now on (message posted, modal opened, reaction added, …).
    pub fn events(&self) -> broadcast::Receiver<WorkspaceEvent> {
        self.shared.subscribe()
    }

    /// Waits until `check` holds, re-checking after every change; false on timeout.
    pub async fn wait_until(&self, timeout: Duration, check: impl Fn(&Self) -> bool) -> bool {
        let mut changes = self.shared.changes();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if check(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return check(self);
            }
        }
    }

    // ---- faults ----

    /// Makes the next call of `method` fail with `fault`.
    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.inject(FaultRule::new(method, fault));
    }

    /// Adds a fault rule (see [`FaultRule`] for counts and scopes).
    pub fn inject(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }
}

impl Drop for SlackWorkspace {
    fn drop(&mut self) {
        self.server.abort();
    }
}
