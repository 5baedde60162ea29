//! A local Discord-compatible server on 127.0.0.1, for the end-to-end tests and
//! `escalator demo --platform discord`.
//!
//! The real bot, built on serenity, talks to it as to Discord:
//!
//! - REST under `/api/v10`: `GET /gateway`, the bot's user and application, command
//!   registration, interaction callbacks, edits and follow-ups of interaction responses,
//!   channel messages and their edits, threads started from messages, forum posts,
//!   direct-message channels, reactions; `enforce_nonce` de-duplication of new messages;
//! - the gateway WebSocket on `/gateway`: HELLO, IDENTIFY, READY, heartbeats and their
//!   ACKs, dispatches with sequence numbers, op 7 reconnect and RESUME with replay, op 9
//!   invalid session (resumable or not).
//!
//! A test drives it as people would ([`DiscordWorkspace::slash`], [`click`], [`submit`],
//! [`react`], [`unreact`]), sees every REST call it received ([`DiscordWorkspace::calls`])
//! and injects faults ([`DiscordWorkspace::fail_next`], [`DiscordWorkspace::answer_late`],
//! [`DiscordWorkspace::fail_dms_to`], [`DiscordWorkspace::reconnect`],
//! [`DiscordWorkspace::invalidate_session`], [`DiscordWorkspace::drop_connection`]).
//!
//! [`click`]: DiscordWorkspace::click
//! [`submit`]: DiscordWorkspace::submit
//! [`react`]: DiscordWorkspace::react
//! [`unreact`]: DiscordWorkspace::unreact

pub mod payloads;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch, Notify};

pub use payloads::Emoji;
use payloads::InteractionBase;

/// Discord's epoch in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// The gateway's heartbeat interval.
const HEARTBEAT_MS: u64 = 5_000;

/// How long a nonce sent with `enforce_nonce` keeps returning its message. Discord says
/// only "the past few minutes"; clients must not count on more than that.
pub const NONCE_WINDOW: Duration = Duration::from_secs(3 * 60);

/// A person or channel of the workspace.
#[derive(Clone, Debug)]
pub struct DiscordUser {
    /// Snowflake id.
    pub id: String,
    /// Username.
    pub name: String,
}

/// What the workspace holds at start.
#[derive(Clone, Debug)]
pub struct DiscordSetup {
    /// The guild's id.
    pub guild: String,
    /// The bot's user.
    pub bot: DiscordUser,
    /// The application's id.
    pub application: String,
    /// The token the bot must send.
    pub token: String,
    /// The people.
    pub users: Vec<DiscordUser>,
    /// Channels: id, name, type (0 text, 15 forum).
    pub channels: Vec<(String, String, u8)>,
}

/// One REST call the workspace received.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The HTTP method.
    pub method: String,
    /// The path after `/api/v10`.
    pub path: String,
    /// The JSON body, `Null` when none.
    pub body: Value,
}

/// A message in a channel, thread or direct-message channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Posted {
    /// Its id.
    pub id: String,
    /// Its channel.
    pub channel: String,
    /// The body as last sent (content, embeds, components).
    pub body: Value,
}

impl Posted {
    /// Everything a reader sees as text: content, embed titles, descriptions, fields,
    /// footers and button labels.
    pub fn text(&self) -> String {
        let mut text = self.body["content"].as_str().unwrap_or_default().to_owned();
        for embed in self.body["embeds"].as_array().into_iter().flatten() {
            for key in ["title", "description"] {
                if let Some(part) = embed[key].as_str() {
                    text.push('\n');
                    text.push_str(part);
                }
            }
            for field in embed["fields"].as_array().into_iter().flatten() {
                text.push_str(&format!(
                    "\n{}: {}",
                    field["name"].as_str().unwrap_or_default(),
                    field["value"].as_str().unwrap_or_default()
                ));
            }
            if let Some(footer) = embed["footer"]["text"].as_str() {
                text.push('\n');
                text.push_str(footer);
            }
        }
        for label in self.button_ids() {
            text.push_str(&format!("\n[{label}]"));
        }
        text
    }

    /// The custom ids of its buttons.
    pub fn button_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for row in self.body["components"].as_array().into_iter().flatten() {
            for component in row["components"].as_array().into_iter().flatten() {
                if let Some(id) = component["custom_id"].as_str() {
                    ids.push(id.to_owned());
                }
            }
        }
        ids
    }
}

/// A fault to answer one matching REST call with.
#[derive(Clone, Debug)]
struct Fault {
    method: Method,
    path_contains: String,
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    messages: Vec<Posted>,
    channel_types: HashMap<String, u8>,
    dms: HashMap<String, String>,
    faults: VecDeque<Fault>,
    next_id: u64,
    seq: u64,
    log: Vec<(u64, Value)>,
    sessions: u32,
    identifies: u32,
    resumes: Vec<u64>,
    heartbeats: u32,
    intents: Option<u64>,
    commands: Vec<Value>,
    interaction_tokens: HashMap<String, String>,
    /// Calls answered late: done at once, answered after the delay.
    late_answers: VecDeque<(Method, String, Duration)>,
    /// The bot's nonces: the message each created, and when.
    nonces: HashMap<String, (String, std::time::Instant)>,
    reconnect: u32,
    /// Requests to drop the gateway connection without a frame.
    drops: u32,
    /// Op 9 requests so far, with whether each session may be resumed.
    invalidations: Vec<bool>,
    /// Sessions Discord has forgotten: a RESUME of one gets op 9 `false`.
    forgotten: Vec<String>,
    /// Recipients whose direct messages fail, with the status and body to answer.
    failing_dms: HashMap<String, (u16, Value)>,
    connected: bool,
}

struct Shared {
    setup: DiscordSetup,
    addr: SocketAddr,
    inner: Mutex<Inner>,
    changed: Notify,
    dispatched: watch::Sender<u64>,
    feed: broadcast::Sender<String>,
}

impl Shared {
    /// A readable name for a channel: `#name`, `thread of <id>`, or `DM`.
    fn channel_name(&self, id: &str) -> String {
        if let Some((_, name, _)) = self.setup.channels.iter().find(|(c, _, _)| c == id) {
            return format!("#{name}");
        }
        let inner = self.lock();
        if let Some((user, _)) = inner.dms.iter().find(|(_, channel)| *channel == id) {
            let user = user.clone();
            drop(inner);
            return format!("DM to {}", self.user_name(&user));
        }
        "incident thread".to_owned()
    }

    fn user_name(&self, id: &str) -> String {
        self.setup
            .users
            .iter()
            .find(|user| user.id == id)
            .map(|user| format!("@{}", user.name))
            .unwrap_or_else(|| format!("@{id}"))
    }

    /// Tells the feed what happened, with user ids shown as names.
    fn narrate(&self, line: String) {
        let mut line = line;
        for user in &self.setup.users {
            line = line.replace(&format!("<@{}>", user.id), &format!("@{}", user.name));
        }
        for (id, name, _) in &self.setup.channels {
            line = line.replace(&format!("<#{id}>"), &format!("#{name}"));
        }
        let _ = self.feed.send(line);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn snowflake(inner: &mut Inner) -> String {
        inner.next_id += 1;
        let ms = (chrono::Utc::now().timestamp_millis() - DISCORD_EPOCH_MS).max(0) as u64;
        ((ms << 22) | (inner.next_id & 0x3f_ffff)).to_string()
    }

    fn user_json(&self, id: &str) -> Value {
        if id == self.setup.bot.id {
            return payloads::user(id, &self.setup.bot.name, true);
        }
        let name = self
            .setup
            .users
            .iter()
            .find(|user| user.id == id)
            .map(|user| user.name.clone())
            .unwrap_or_else(|| format!("user{id}"));
        payloads::user(id, &name, false)
    }

    fn dispatch(&self, event: &str, data: Value) -> u64 {
        let seq = {
            let mut inner = self.lock();
            inner.seq += 1;
            let seq = inner.seq;
            inner
                .log
                .push((seq, json!({"op": 0, "s": seq, "t": event, "d": data})));
            seq
        };
        self.dispatched.send_replace(seq);
        seq
    }
}

/// The running workspace.
pub struct DiscordWorkspace {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

/// Why the workspace did not start.
#[derive(Debug, thiserror::Error)]
#[error("could not bind the local Discord workspace: {0}")]
pub struct StartError(#[from] std::io::Error);

impl DiscordWorkspace {
    /// Binds 127.0.0.1 on a free port and serves.
    pub async fn start(setup: DiscordSetup) -> Result<Self, StartError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let mut inner = Inner::default();
        for (id, _, kind) in &setup.channels {
            inner.channel_types.insert(id.clone(), *kind);
        }
        let (dispatched, _) = watch::channel(0);
        let (feed, _) = broadcast::channel(256);
        let shared = Arc::new(Shared {
            setup,
            addr,
            inner: Mutex::new(inner),
            changed: Notify::new(),
            dispatched,
            feed,
        });
        let router = Router::new()
            .route("/gateway", get(gateway))
            .route("/api/v10/{*path}", any(rest))
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { shared, server })
    }

    /// What `discord.api_base_url` should say.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// The setup it started with.
    pub fn setup(&self) -> &DiscordSetup {
        &self.shared.setup
    }

    /// A readable line per message, edit, command and reaction, for the demo.
    pub fn events(&self) -> broadcast::Receiver<String> {
        self.shared.feed.subscribe()
    }

    /// Every REST call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Every message, in the order they were first posted.
    pub fn messages(&self) -> Vec<Posted> {
        self.shared.lock().messages.clone()
    }

    /// The messages in `channel`.
    pub fn messages_in(&self, channel: &str) -> Vec<Posted> {
        self.messages()
            .into_iter()
            .filter(|message| message.channel == channel)
            .collect()
    }

    /// The direct-message channel the bot opened with `user`, if any.
    pub fn dm_channel(&self, user: &str) -> Option<String> {
        self.shared.lock().dms.get(user).cloned()
    }

    /// The `/escalate` command as registered.
    pub fn commands(&self) -> Vec<Value> {
        self.shared.lock().commands.clone()
    }

    /// The intents of the last IDENTIFY.
    pub fn intents(&self) -> Option<u64> {
        self.shared.lock().intents
    }

    /// How many IDENTIFYs and which RESUME sequence numbers the gateway saw.
    pub fn sessions(&self) -> (u32, Vec<u64>) {
        let inner = self.shared.lock();
        (inner.identifies, inner.resumes.clone())
    }

    /// Whether a gateway session is live (READY or RESUMED sent, socket open).
    pub fn is_connected(&self) -> bool {
        self.shared.lock().connected
    }

    /// Waits until `check` holds, up to `patience`; true if it did.
    pub async fn wait_until(&self, patience: Duration, check: impl Fn(&Self) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let changed = self.shared.changed.notified();
            if check(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return check(self);
            }
        }
    }

    fn base(&self, user: &str, channel: &str, id: &str, token: &str) -> Value {
        json!({"id": id, "token": token, "user": self.shared.user_json(user), "channel": channel})
    }

    fn interaction_ids(&self, made_at: Option<chrono::DateTime<chrono::Utc>>) -> (String, String) {
        let mut inner = self.shared.lock();
        inner.next_id += 1;
        let ms = made_at
            .unwrap_or_else(chrono::Utc::now)
            .timestamp_millis()
            .saturating_sub(DISCORD_EPOCH_MS)
            .max(0) as u64;
        let id = ((ms << 22) | (inner.next_id & 0x3f_ffff)).to_string();
        let token = format!("interaction-token-{}", inner.next_id);
        inner.interaction_tokens.insert(token.clone(), id.clone());
        (id, token)
    }

    fn send_interaction(
        &self,
        build: impl FnOnce(&InteractionBase<'_>) -> Value,
        user: &str,
        channel: &str,
        made_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> String {
        let (id, token) = self.interaction_ids(made_at);
        let base_json = self.base(user, channel, &id, &token);
        let is_dm = self.shared.lock().channel_types.get(channel) == Some(&1);
        let base = InteractionBase {
            id: &id,
            token: &token,
            application: &self.shared.setup.application,
            guild: (!is_dm).then_some(self.shared.setup.guild.as_str()),
            channel,
            user: base_json["user"].clone(),
        };
        let payload = build(&base);
        self.shared.dispatch("INTERACTION_CREATE", payload);
        id
    }

    /// `user` runs `/escalate <sub>` in `channel` with `options`; returns the interaction
    /// id.
    pub fn slash(&self, user: &str, channel: &str, sub: &str, options: Value) -> String {
        self.slash_made_at(user, channel, sub, options, None)
    }

    /// Like [`slash`](Self::slash), with an interaction id made at `made_at` (an old one
    /// stands for an interaction whose token has expired).
    pub fn slash_made_at(
        &self,
        user: &str,
        channel: &str,
        sub: &str,
        options: Value,
        made_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> String {
        let command_id = self.shared.setup.application.clone();
        self.shared.narrate(format!(
            "{} in {}: /escalate {sub} {}",
            self.shared.user_name(user),
            self.shared.channel_name(channel),
            options
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| o["value"].to_string().trim_matches('"').to_owned())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        self.send_interaction(
            |base| payloads::command(base, &command_id, sub, options),
            user,
            channel,
            made_at,
        )
    }

    /// `user` types `/escalate-admin` with `text` as its command, in `channel`; returns the
    /// interaction's id.
    pub fn slash_admin(&self, user: &str, channel: &str, text: &str) -> String {
        let command_id = self.shared.setup.application.clone();
        self.shared.narrate(format!(
            "{} in {}: /escalate-admin {text}",
            self.shared.user_name(user),
            self.shared.channel_name(channel),
        ));
        self.send_interaction(
            |base| payloads::admin_command(base, &command_id, text),
            user,
            channel,
            None,
        )
    }

    /// `user` clicks the button `custom_id` on `message`.
    pub fn click(&self, user: &str, message: &Posted, custom_id: &str) -> String {
        let at = chrono::Utc::now().to_rfc3339();
        let bot = self.shared.user_json(&self.shared.setup.bot.id);
        let message_json =
            payloads::message(&message.id, &message.channel, bot, &message.body, &at);
        let channel = message.channel.clone();
        self.shared.narrate(format!(
            "{} clicks [{custom_id}] in {}",
            self.shared.user_name(user),
            self.shared.channel_name(&channel)
        ));
        self.send_interaction(
            |base| payloads::button(base, custom_id, message_json),
            user,
            &channel,
            None,
        )
    }

    /// `user` submits the modal `custom_id` in `channel` with `fields`.
    pub fn submit(
        &self,
        user: &str,
        channel: &str,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> String {
        self.send_interaction(
            |base| payloads::modal(base, custom_id, fields),
            user,
            channel,
            None,
        )
    }

    /// `user` reacts to `message` with `emoji`.
    pub fn react(&self, user: &str, message: &Posted, emoji: &Emoji) -> u64 {
        let is_dm = self.shared.lock().channel_types.get(&message.channel) == Some(&1);
        let guild = (!is_dm).then_some(self.shared.setup.guild.as_str());
        let member = (!is_dm).then(|| payloads::member(self.shared.user_json(user)));
        let data = payloads::reaction(user, &message.channel, &message.id, guild, emoji, member);
        self.shared.narrate(format!(
            "{} reacts {} in {}",
            self.shared.user_name(user),
            match emoji {
                Emoji::Unicode(text) => text.clone(),
                Emoji::Custom { name, id } =>
                    name.clone().unwrap_or_else(|| format!("custom emoji {id}")),
            },
            self.shared.channel_name(&message.channel)
        ));
        self.shared.dispatch("MESSAGE_REACTION_ADD", data)
    }

    /// `user` takes their reaction back; like Discord, the event carries no member.
    pub fn unreact(&self, user: &str, message: &Posted, emoji: &Emoji) -> u64 {
        let data = payloads::reaction(
            user,
            &message.channel,
            &message.id,
            Some(&self.shared.setup.guild),
            emoji,
            None,
        );
        self.shared.dispatch("MESSAGE_REACTION_REMOVE", data)
    }

    /// Sends the interaction `id` again under a new sequence number, as Discord may after
    /// a failover; returns false when no such interaction was sent.
    pub fn deliver_again(&self, id: &str) -> bool {
        let payload = {
            let inner = self.shared.lock();
            inner
                .log
                .iter()
                .rev()
                .find(|(_, frame)| frame["t"] == "INTERACTION_CREATE" && frame["d"]["id"] == id)
                .map(|(_, frame)| frame["d"].clone())
        };
        let Some(payload) = payload else {
            return false;
        };
        self.shared.dispatch("INTERACTION_CREATE", payload);
        true
    }

    /// Asks the connected bot to reconnect (op 7); it should resume its session.
    pub fn reconnect(&self) {
        self.shared.lock().reconnect += 1;
        let seq = self.shared.lock().seq;
        self.shared.dispatched.send_replace(seq);
    }

    /// Drops the gateway connection abruptly, as a network failure would: no op 7, no
    /// close frame. The bot should resume its session on a new connection.
    pub fn drop_connection(&self) {
        let seq = {
            let mut inner = self.shared.lock();
            inner.drops += 1;
            inner.seq
        };
        self.shared.dispatched.send_replace(seq);
    }

    /// Sends op 9 Invalid Session to the connected bot. With `resumable` false the
    /// session is forgotten, so the bot must identify again (serenity waits five seconds
    /// between identifies); with true it may resume.
    pub fn invalidate_session(&self, resumable: bool) {
        let seq = {
            let mut inner = self.shared.lock();
            inner.invalidations.push(resumable);
            inner.seq
        };
        self.shared.dispatched.send_replace(seq);
    }

    /// Makes every message the bot posts in its direct-message channel with `user` fail
    /// with `status` and `body` (e.g. 403 and code 50007, "Cannot send messages to this
    /// user"), until [`allow_dms_to`](Self::allow_dms_to).
    pub fn fail_dms_to(&self, user: &str, status: u16, body: Value) {
        self.shared
            .lock()
            .failing_dms
            .insert(user.to_owned(), (status, body));
    }

    /// Lets direct messages to `user` through again.
    pub fn allow_dms_to(&self, user: &str) {
        self.shared.lock().failing_dms.remove(user);
    }

    /// Makes the next REST call with `method` whose path contains `path_contains` take
    /// effect at once but get its answer only after `delay`: Discord did it, the answer
    /// is late (or lost, when the bot gives up or dies first).
    pub fn answer_late(&self, method: Method, path_contains: &str, delay: Duration) {
        self.shared
            .lock()
            .late_answers
            .push_back((method, path_contains.to_owned(), delay));
    }

    /// Answers the next REST call whose method is `method` and whose path contains
    /// `path_contains` with `status` and `body`. A 429 also gets `Retry-After`.
    pub fn fail_next(&self, method: Method, path_contains: &str, status: u16, body: Value) {
        let mut headers = Vec::new();
        if status == 429 {
            let after = body["retry_after"].as_f64().unwrap_or(1.0);
            headers.push(("retry-after".to_owned(), format!("{}", after.ceil() as u64)));
            if body["global"].as_bool() == Some(true) {
                headers.push(("x-ratelimit-global".to_owned(), "true".to_owned()));
            }
            headers.push(("x-ratelimit-scope".to_owned(), "user".to_owned()));
        }
        self.shared.lock().faults.push_back(Fault {
            method,
            path_contains: path_contains.to_owned(),
            status,
            body,
            headers,
        });
    }

    /// Stops serving.
    pub fn stop(&self) {
        self.server.abort();
    }
}

impl Drop for DiscordWorkspace {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    Path(path): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let path = format!("/{path}");
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let fault = {
        let mut inner = shared.lock();
        inner.calls.push(Call {
            method: method.to_string(),
            path: path.clone(),
            body: body.clone(),
        });
        let position = inner
            .faults
            .iter()
            .position(|fault| fault.method == method && path.contains(&fault.path_contains));
        position
            .and_then(|at| inner.faults.remove(at))
            .or_else(|| failing_dm(&inner, &method, &path))
    };
    shared.changed.notify_waiters();
    if let Some(fault) = fault {
        let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, Json(fault.body)).into_response();
        for (name, value) in fault.headers {
            if let (Ok(name), Ok(value)) = (
                axum::http::HeaderName::from_bytes(name.as_bytes()),
                axum::http::HeaderValue::from_str(&value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        return response;
    }
    let late = {
        let mut inner = shared.lock();
        let position = inner
            .late_answers
            .iter()
            .position(|(m, part, _)| *m == method && path.contains(part.as_str()));
        position.and_then(|at| inner.late_answers.remove(at))
    };
    let response = route(&shared, &method, &path, body);
    shared.changed.notify_waiters();
    if let Some((_, _, delay)) = late {
        tokio::time::sleep(delay).await;
    }
    response
}

/// The fault for a post in the direct-message channel of a recipient whose DMs fail.
fn failing_dm(inner: &Inner, method: &Method, path: &str) -> Option<Fault> {
    if method != Method::POST {
        return None;
    }
    let channel = path.strip_prefix("/channels/")?.strip_suffix("/messages")?;
    let (user, _) = inner.dms.iter().find(|(_, dm)| dm.as_str() == channel)?;
    let (status, body) = inner.failing_dms.get(user)?.clone();
    Some(Fault {
        method: Method::POST,
        path_contains: path.to_owned(),
        status,
        body,
        headers: Vec::new(),
    })
}

fn route(shared: &Shared, method: &Method, path: &str, body: Value) -> Response {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let setup = &shared.setup;
    let now = chrono::Utc::now().to_rfc3339();
    let bot = shared.user_json(&setup.bot.id);
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"]) => {
            Json(json!({"url": format!("ws://{}/gateway", shared.addr)})).into_response()
        }
        ("GET", ["users", "@me"]) => Json(bot).into_response(),
        ("GET", ["applications", "@me"]) | ("GET", ["oauth2", "applications", "@me"]) => {
            Json(json!({"id": setup.application, "name": "escalator", "flags": 0})).into_response()
        }
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            let commands = body.as_array().cloned().unwrap_or_default();
            shared.lock().commands = commands.clone();
            Json(Value::Array(commands)).into_response()
        }
        ("DELETE", ["webhooks", _, _, "messages", "@original"]) => {
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", ["interactions", _, _, "callback"]) => {
            if body["type"].as_u64() == Some(9) {
                shared.narrate(format!(
                    "bot opens the form \"{}\"",
                    body["data"]["title"].as_str().unwrap_or_default()
                ));
            }
            StatusCode::NO_CONTENT.into_response()
        }
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) | ("POST", ["webhooks", _, _]) => {
            shared.narrate(format!(
                "bot → (only you can see this): {}",
                body["content"].as_str().unwrap_or_default()
            ));
            let mut inner = shared.lock();
            let id = Shared::snowflake(&mut inner);
            Json(payloads::message(&id, "0", bot, &body, &now)).into_response()
        }
        ("GET", ["channels", channel]) => {
            let kind = shared.lock().channel_types.get(*channel).copied();
            match kind {
                Some(kind) => Json(payloads::channel(
                    channel,
                    kind,
                    Some(&setup.guild),
                    channel,
                    None,
                ))
                .into_response(),
                None => unknown_channel(),
            }
        }
        ("POST", ["channels", channel, "messages"]) => {
            create_message(shared, channel, &body, bot, &now)
        }
        ("PATCH", ["channels", channel, "messages", message]) => {
            let mut inner = shared.lock();
            // A forum post's first message shares its id with the post's thread, and is
            // edited through that thread, as Discord does.
            let Some(posted) = inner
                .messages
                .iter_mut()
                .find(|m| m.id == *message && (m.channel == *channel || m.id == *channel))
            else {
                return (
                    StatusCode::NOT_FOUND,
                    Json(json!({"message": "Unknown Message", "code": 10008})),
                )
                    .into_response();
            };
            posted.body = body.clone();
            let text = posted.text();
            drop(inner);
            let first_line = text.trim().lines().next().unwrap_or_default().to_owned();
            shared.narrate(format!(
                "bot edits its message in {}: {first_line}",
                shared.channel_name(channel)
            ));
            Json(payloads::message(message, channel, bot, &body, &now)).into_response()
        }
        ("POST", ["channels", channel, "messages", message, "threads"]) => {
            let mut inner = shared.lock();
            if inner.channel_types.get(*message) == Some(&11) {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({
                        "message": "A thread has already been created for this message",
                        "code": 160004
                    })),
                )
                    .into_response();
            }
            inner.channel_types.insert(message.to_string(), 11);
            let name = body["name"].as_str().unwrap_or_default();
            Json(payloads::channel(
                message,
                11,
                Some(&setup.guild),
                name,
                Some(channel),
            ))
            .into_response()
        }
        ("POST", ["channels", forum, "threads"]) => {
            let mut inner = shared.lock();
            let thread = Shared::snowflake(&mut inner);
            inner.channel_types.insert(thread.clone(), 11);
            let message = body["message"].clone();
            let posted = Posted {
                id: thread.clone(),
                channel: forum.to_string(),
                body: message,
            };
            inner.messages.push(posted.clone());
            drop(inner);
            let line = format!(
                "bot → forum post in {}: {}",
                shared.channel_name(forum),
                posted.text().trim()
            );
            shared.narrate(line);
            let name = body["name"].as_str().unwrap_or_default();
            Json(payloads::channel(
                &thread,
                11,
                Some(&setup.guild),
                name,
                Some(forum),
            ))
            .into_response()
        }
        ("POST", ["users", "@me", "channels"]) => {
            let recipient = body["recipient_id"].as_str().unwrap_or_default().to_owned();
            let mut inner = shared.lock();
            let existing = inner.dms.get(&recipient).cloned();
            let id = existing.unwrap_or_else(|| Shared::snowflake(&mut inner));
            inner.dms.insert(recipient.clone(), id.clone());
            inner.channel_types.insert(id.clone(), 1);
            drop(inner);
            Json(payloads::dm_channel(&id, shared.user_json(&recipient))).into_response()
        }
        ("PUT", ["channels", _, "messages", _, "reactions", _, "@me"]) => {
            StatusCode::NO_CONTENT.into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "404: Not Found", "code": 0})),
        )
            .into_response(),
    }
}

/// `POST /channels/{id}/messages`. With `enforce_nonce`, a nonce the bot used within
/// [`NONCE_WINDOW`] returns the message created then, and nothing new is posted, as
/// Discord does; a nonce is at most 25 characters.
fn create_message(shared: &Shared, channel: &str, body: &Value, bot: Value, now: &str) -> Response {
    let nonce = match &body["nonce"] {
        Value::String(nonce) => Some(nonce.clone()),
        Value::Number(nonce) => Some(nonce.to_string()),
        _ => None,
    };
    if nonce
        .as_ref()
        .is_some_and(|nonce| nonce.chars().count() > 25)
    {
        return invalid_form_body("nonce", "Must be 25 or fewer in length.");
    }
    let is_enforced = body["enforce_nonce"].as_bool() == Some(true);

    let mut inner = shared.lock();
    if !inner.channel_types.contains_key(channel) {
        return unknown_channel();
    }
    if let (Some(nonce), true) = (&nonce, is_enforced) {
        let earlier = inner
            .nonces
            .get(nonce)
            .filter(|(_, at)| at.elapsed() < NONCE_WINDOW)
            .map(|(id, _)| id.clone());
        let earlier = earlier.and_then(|id| inner.messages.iter().find(|m| m.id == id).cloned());
        if let Some(earlier) = earlier {
            drop(inner);
            shared.narrate(format!(
                "(a repeated nonce in {} returns the message posted before)",
                shared.channel_name(&earlier.channel)
            ));
            let mut json =
                payloads::message(&earlier.id, &earlier.channel, bot, &earlier.body, now);
            json["nonce"] = json!(nonce);
            return Json(json).into_response();
        }
    }
    let id = Shared::snowflake(&mut inner);
    if let Some(nonce) = &nonce {
        inner
            .nonces
            .insert(nonce.clone(), (id.clone(), std::time::Instant::now()));
    }
    let posted = Posted {
        id: id.clone(),
        channel: channel.to_string(),
        body: body.clone(),
    };
    inner.messages.push(posted.clone());
    drop(inner);
    let line = format!(
        "bot → {}: {}",
        shared.channel_name(channel),
        posted.text().trim()
    );
    shared.narrate(line);
    let mut json = payloads::message(&id, channel, bot, body, now);
    if let Some(nonce) = nonce {
        json["nonce"] = json!(nonce);
    }
    Json(json).into_response()
}

fn invalid_form_body(field: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": {field: {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": message}]}},
        })),
    )
        .into_response()
}

fn unknown_channel() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": "Unknown Channel", "code": 10003})),
    )
        .into_response()
}

async fn gateway(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| session(shared, socket))
}

fn text(value: &Value) -> WsMessage {
    WsMessage::Text(value.to_string().into())
}

/// One gateway connection: HELLO, then IDENTIFY or RESUME, heartbeats, dispatches.
async fn session(shared: Arc<Shared>, mut socket: WebSocket) {
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": HEARTBEAT_MS}});
    if socket.send(text(&hello)).await.is_err() {
        return;
    }
    let mut dispatched = shared.dispatched.subscribe();
    let mut sent: Option<u64> = None;
    let mut session_id: Option<String> = None;
    let (reconnects_seen, invalidations_seen, drops_seen) = {
        let inner = shared.lock();
        (inner.reconnect, inner.invalidations.len(), inner.drops)
    };
    loop {
        tokio::select! {
            frame = socket.recv() => {
                let Some(Ok(frame)) = frame else { break };
                let WsMessage::Text(frame) = frame else { continue };
                let Ok(frame) = serde_json::from_str::<Value>(&frame) else { continue };
                match frame["op"].as_u64() {
                    Some(1) => {
                        shared.lock().heartbeats += 1;
                        if socket.send(text(&json!({"op": 11}))).await.is_err() { break; }
                    }
                    Some(2) => {
                        let new_session = {
                            let mut inner = shared.lock();
                            inner.identifies += 1;
                            inner.sessions += 1;
                            inner.intents = frame["d"]["intents"].as_u64();
                            format!("session-{}", inner.sessions)
                        };
                        session_id = Some(new_session.clone());
                        let session_id = new_session;
                        let setup = &shared.setup;
                        let ready = payloads::ready(shared.user_json(&setup.bot.id), &session_id, &format!("ws://{}/gateway", shared.addr), &setup.application, &setup.guild);
                        // READY takes the next sequence number; nothing before it is replayed.
                        let seq = {
                            let mut inner = shared.lock();
                            inner.seq += 1;
                            inner.connected = true;
                            inner.seq
                        };
                        if socket.send(text(&json!({"op": 0, "s": seq, "t": "READY", "d": ready}))).await.is_err() { break; }
                        sent = Some(seq);
                        shared.changed.notify_waiters();
                    }
                    Some(6) => {
                        let resumed_session = frame["d"]["session_id"].as_str().unwrap_or_default().to_owned();
                        if shared.lock().forgotten.contains(&resumed_session) {
                            if socket.send(text(&json!({"op": 9, "s": null, "t": null, "d": false}))).await.is_err() { break; }
                            continue;
                        }
                        session_id = Some(resumed_session);
                        let from = frame["d"]["seq"].as_u64().unwrap_or(0);
                        let replay: Vec<Value> = {
                            let mut inner = shared.lock();
                            inner.resumes.push(from);
                            inner.connected = true;
                            inner.log.iter().filter(|(seq, _)| *seq > from).map(|(_, v)| v.clone()).collect()
                        };
                        let last = replay.last().and_then(|v| v["s"].as_u64()).unwrap_or(from);
                        let mut failed = false;
                        for dispatch in &replay {
                            failed |= socket.send(text(dispatch)).await.is_err();
                        }
                        let resumed = {
                            let mut inner = shared.lock();
                            inner.seq += 1;
                            inner.seq
                        };
                        failed |= socket.send(text(&json!({"op": 0, "s": resumed, "t": "RESUMED", "d": {}}))).await.is_err();
                        if failed { break; }
                        sent = Some(last.max(resumed));
                        shared.changed.notify_waiters();
                    }
                    _ => {}
                }
            }
            changed = dispatched.changed() => {
                if changed.is_err() { break; }
                let Some(after) = sent else { continue };
                if shared.lock().drops > drops_seen {
                    // Returning drops the socket without a close frame.
                    break;
                }
                let (pending, reconnect, invalidation): (Vec<Value>, bool, Option<bool>) = {
                    let mut inner = shared.lock();
                    let pending = inner.log.iter().filter(|(seq, _)| *seq > after).map(|(_, v)| v.clone()).collect();
                    let invalidation = inner.invalidations.get(invalidations_seen).copied();
                    if let (Some(false), Some(session)) = (invalidation, &session_id) {
                        inner.forgotten.push(session.clone());
                    }
                    (pending, inner.reconnect > reconnects_seen, invalidation)
                };
                if let Some(resumable) = invalidation {
                    // Like Discord, the connection ends after the invalid session; the
                    // client resumes or identifies on a new one.
                    let _ = socket.send(text(&json!({"op": 9, "s": null, "t": null, "d": resumable}))).await;
                    break;
                }
                if reconnect {
                    let _ = socket.send(text(&json!({"op": 7, "s": null, "t": null, "d": null}))).await;
                    break;
                }
                let mut failed = false;
                for dispatch in pending {
                    if let Some(seq) = dispatch["s"].as_u64() { sent = Some(seq); }
                    failed |= socket.send(text(&dispatch)).await.is_err();
                }
                if failed { break; }
            }
        }
    }
    shared.lock().connected = false;
    shared.changed.notify_waiters();
}
