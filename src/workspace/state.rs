//! The workspace's shared state: conversations, messages, views, envelopes, connections
//! and everything recorded, behind one mutex that is never held across an await.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{broadcast, mpsc, watch};

use super::faults::FaultRule;
use super::feed::{resolve_channel_mentions, resolve_mentions, WorkspaceEvent, WorkspaceEventKind};
use super::ids::TsClock;
use super::records::{
    AckReceipt, ApiCall, ChannelMessage, EnvelopeKind, EphemeralMessage, OpenedView,
    ResponseUrlReply, WebhookHit,
};
use super::setup::{WorkspaceSetup, WorkspaceUser};

/// State shared by the HTTP handlers, the sockets and the [`super::SlackWorkspace`] handle.
pub(crate) struct Shared {
    pub(crate) setup: WorkspaceSetup,
    /// `http://127.0.0.1:PORT`
    pub(crate) base_url: String,
    state: Mutex<State>,
    version: watch::Sender<u64>,
    feed: broadcast::Sender<WorkspaceEvent>,
}

/// A channel, DM or group DM.
#[derive(Debug, Clone)]
pub(crate) struct Conversation {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The other member of a DM.
    pub(crate) dm_user: Option<String>,
    pub(crate) is_bot_member: bool,
    pub(crate) created: i64,
}

/// A `trigger_id` handed to the bot.
#[derive(Debug, Clone)]
pub(crate) struct Trigger {
    pub(crate) user: String,
    pub(crate) issued: Instant,
    pub(crate) is_exchanged: bool,
}

/// What a `response_url` answers to.
#[derive(Debug, Clone)]
pub(crate) struct ResponseTarget {
    pub(crate) channel: String,
    pub(crate) user: String,
    /// The message the interaction came from, if any.
    pub(crate) message_ts: Option<String>,
    pub(crate) is_ephemeral_source: bool,
}

/// An envelope handed to the bot (or waiting for a connection).
#[derive(Debug, Clone)]
pub(crate) struct EnvelopeRecord {
    pub(crate) kind: EnvelopeKind,
    pub(crate) payload: Value,
    pub(crate) event_id: Option<String>,
    pub(crate) accepts_response_payload: bool,
    /// `retry_attempt` of the latest delivery.
    pub(crate) retry_attempt: u32,
    pub(crate) first_sent: Option<Instant>,
    pub(crate) last_sent: Option<Instant>,
    pub(crate) ack: Option<AckReceipt>,
    /// A readable name for the feed, e.g. `/escalate from alice`.
    pub(crate) summary: String,
}

/// A frame queued for one Socket Mode connection.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(String),
    Close,
    /// Drop the connection without a close frame, as a network failure would.
    Drop,
}

/// One open Socket Mode connection.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) tx: mpsc::UnboundedSender<Outgoing>,
    /// Told to disconnect; gets no new envelopes.
    pub(crate) is_draining: bool,
}

/// Everything that changes.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) ts_clock: TsClock,
    pub(crate) conversations: HashMap<String, Conversation>,
    pub(crate) dm_by_user: HashMap<String, String>,
    pub(crate) group_dms: HashMap<Vec<String>, String>,
    pub(crate) messages: Vec<ChannelMessage>,
    pub(crate) ephemerals: Vec<EphemeralMessage>,
    pub(crate) views: Vec<OpenedView>,
    pub(crate) triggers: HashMap<String, Trigger>,
    pub(crate) response_targets: HashMap<String, ResponseTarget>,
    pub(crate) replies: Vec<ResponseUrlReply>,
    pub(crate) hooks: Vec<WebhookHit>,
    pub(crate) calls: Vec<ApiCall>,
    pub(crate) acks: Vec<AckReceipt>,
    pub(crate) envelopes: HashMap<String, EnvelopeRecord>,
    /// Envelope ids in delivery order.
    pub(crate) envelope_order: Vec<String>,
    /// Envelope ids waiting for a connection.
    pub(crate) pending: VecDeque<String>,
    pub(crate) connections: BTreeMap<u64, Connection>,
    pub(crate) next_connection_id: u64,
    pub(crate) round_robin: usize,
    pub(crate) tickets: HashMap<String, Instant>,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) post_windows: HashMap<String, VecDeque<Instant>>,
}

impl State {
    /// Finds a message by channel and ts.
    pub(crate) fn message_mut(&mut self, channel: &str, ts: &str) -> Option<&mut ChannelMessage> {
        self.messages
            .iter_mut()
            .find(|m| m.channel == channel && m.ts == ts)
    }

    /// Finds a message by channel and ts.
    pub(crate) fn message(&self, channel: &str, ts: &str) -> Option<&ChannelMessage> {
        self.messages
            .iter()
            .find(|m| m.channel == channel && m.ts == ts)
    }

    /// Open connections that may receive new envelopes.
    pub(crate) fn live_connections(&self) -> Vec<u64> {
        self.connections
            .iter()
            .filter(|(_, c)| !c.is_draining)
            .map(|(id, _)| *id)
            .collect()
    }
}

impl Shared {
    /// Builds the shared state with the setup's channels.
    pub(crate) fn new(setup: WorkspaceSetup, base_url: String) -> Self {
        let mut state = State::default();
        let created = chrono::Utc::now().timestamp();
        for channel in &setup.channels {
            state.conversations.insert(
                channel.id.clone(),
                Conversation {
                    id: channel.id.clone(),
                    name: channel.name.clone(),
                    dm_user: None,
                    is_bot_member: channel.is_bot_member,
                    created,
                },
            );
        }
        let (version, _) = watch::channel(0);
        let (feed, _) = broadcast::channel(1024);
        Self {
            setup,
            base_url,
            state: Mutex::new(state),
            version,
            feed,
        }
    }

    /// Locks the state. A panic while the lock was held leaves plain data behind, so a
    /// poisoned lock is used as is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wakes everyone waiting in [`Shared::wait_for`].
    pub(crate) fn touch(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    /// A receiver that sees every change.
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Publishes a feed event (dropped when nobody listens).
    pub(crate) fn emit(&self, kind: WorkspaceEventKind) {
        tracing::debug!(event = %kind, "workspace event");
        let _ = self.feed.send(WorkspaceEvent {
            at: chrono::Utc::now(),
            kind,
        });
    }

    /// A receiver of feed events from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<WorkspaceEvent> {
        self.feed.subscribe()
    }

    /// Polls `check` after every change until it yields a value or `timeout` passes.
    pub(crate) async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let mut changes = self.version.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if let Some(found) = check(&self.lock()) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return None;
            }
        }
    }

    /// The setup's user with that id.
    pub(crate) fn user(&self, id: &str) -> Option<&WorkspaceUser> {
        self.setup.users.iter().find(|u| u.id == id)
    }

    /// A readable name for a user id: the handle, the bot's name, or the id itself.
    pub(crate) fn user_name(&self, id: &str) -> String {
        if id == self.setup.bot_user_id {
            return self.setup.bot_name.clone();
        }
        self.user(id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// Text with `<@U…>` mentions rewritten to `@name`.
    pub(crate) fn readable(&self, text: &str) -> String {
        let users = resolve_mentions(text, |id| self.user_name(id));
        resolve_channel_mentions(&users, |id| {
            self.setup
                .channels
                .iter()
                .find(|channel| channel.id == id)
                .map_or_else(|| id.to_string(), |channel| channel.name.clone())
        })
    }

    /// `#name` for a channel, `DM with name` for a DM.
    pub(crate) fn conversation_label(&self, state: &State, id: &str) -> String {
        match state.conversations.get(id) {
            Some(c) => match &c.dm_user {
                Some(user) => format!("DM with {}", self.user_name(user)),
                None => format!("#{}", c.name),
            },
            None => id.to_string(),
        }
    }

    /// The DM channel with a user, created on first use.
    pub(crate) fn dm_channel(&self, state: &mut State, user: &str) -> (String, bool) {
        if let Some(id) = state.dm_by_user.get(user) {
            return (id.clone(), true);
        }
        let id = super::ids::object_id("D");
        state.conversations.insert(
            id.clone(),
            Conversation {
                id: id.clone(),
                name: user.to_string(),
                dm_user: Some(user.to_string()),
                is_bot_member: true,
                created: chrono::Utc::now().timestamp(),
            },
        );
        state.dm_by_user.insert(user.to_string(), id.clone());
        (id, false)
    }

    /// `channel`, `D…`, a user id (its DM) or a channel name, resolved to a conversation id.
    pub(crate) fn resolve_conversation(&self, state: &mut State, channel: &str) -> Option<String> {
        if state.conversations.contains_key(channel) {
            return Some(channel.to_string());
        }
        if self.user(channel).is_some() {
            return Some(self.dm_channel(state, channel).0);
        }
        let name = channel.trim_start_matches('#');
        state
            .conversations
            .values()
            .find(|c| c.dm_user.is_none() && c.name == name)
            .map(|c| c.id.clone())
    }

    /// Sends a message event to the feed for a stored message.
    pub(crate) fn emit_posted(&self, state: &State, message: &ChannelMessage) {
        let text = self.readable(&message.readable_text());
        let author = self.user_name(&message.user);
        let conversation = state.conversations.get(&message.channel);
        if let Some(user) = conversation.and_then(|c| c.dm_user.clone()) {
            let to = if message.user == user {
                self.setup.bot_name.clone()
            } else {
                self.user_name(&user)
            };
            self.emit(WorkspaceEventKind::DirectMessage {
                from: author,
                to,
                text,
            });
            return;
        }
        self.emit(WorkspaceEventKind::MessagePosted {
            channel: self.conversation_label(state, &message.channel),
            author,
            in_thread: message.is_thread_reply(),
            text,
        });
    }
}
