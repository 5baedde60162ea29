//! What the workspace records, as handed to tests and to the demo: Web API calls,
//! messages, ephemeral messages, views, replies to response URLs, webhook hits and
//! Socket Mode acknowledgements.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// Which kind of token authenticated a Web API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `xoxb-…`
    Bot,
    /// `xapp-…`
    App,
    /// `xoxp-…`
    User,
    /// Some other bearer token.
    Other,
    /// No `Authorization: Bearer` header.
    Missing,
}

impl TokenKind {
    /// Classifies a bearer token by its prefix.
    pub fn of(token: Option<&str>) -> Self {
        match token {
            None => Self::Missing,
            Some(t) if t.starts_with("xoxb-") => Self::Bot,
            Some(t) if t.starts_with("xapp-") => Self::App,
            Some(t) if t.starts_with("xoxp-") => Self::User,
            Some(_) => Self::Other,
        }
    }
}

/// One Web API call as the workspace received and answered it.
#[derive(Debug, Clone)]
pub struct ApiCall {
    /// Method name, e.g. `chat.postMessage`.
    pub method: String,
    /// Query or body parameters as JSON (form and query values are strings).
    pub params: Value,
    /// When the call arrived.
    pub at: DateTime<Utc>,
    /// Kind of token used.
    pub token_kind: TokenKind,
    /// HTTP status answered.
    pub status: u16,
    /// The `error` code when the answer was `ok: false`.
    pub error: Option<String>,
}

impl ApiCall {
    /// A string parameter, if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).and_then(Value::as_str)
    }
}

/// An emoji reaction on a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    /// Emoji name without colons.
    pub name: String,
    /// Who reacted, in order.
    pub users: Vec<String>,
}

/// A message in a channel or DM, as stored by the workspace.
#[derive(Debug, Clone)]
pub struct ChannelMessage {
    /// Channel or DM id.
    pub channel: String,
    /// Message timestamp (its id).
    pub ts: String,
    /// Parent timestamp when the message is a thread reply.
    pub thread_ts: Option<String>,
    /// Author's user id (the bot's user id for the bot's messages).
    pub user: String,
    /// Whether the bot posted it.
    pub is_bot: bool,
    /// The `text` field, empty when absent.
    pub text: String,
    /// Block Kit blocks, if any.
    pub blocks: Option<Value>,
    /// Legacy attachments, if any.
    pub attachments: Option<Value>,
    /// Reactions.
    pub reactions: Vec<Reaction>,
    /// How many times it was edited.
    pub edits: u32,
    /// Whether it was posted through a response URL.
    pub via_response_url: bool,
    /// When it was posted.
    pub posted_at: DateTime<Utc>,
    /// Message metadata the app attached (`event_type`, `event_payload`), as posted.
    pub metadata: Option<Value>,
}

impl ChannelMessage {
    /// Whether it is a reply in a thread (not the parent).
    pub fn is_thread_reply(&self) -> bool {
        self.thread_ts.as_deref().is_some_and(|t| t != self.ts)
    }

    /// The readable text: `text`, or else the text found in its blocks.
    pub fn readable_text(&self) -> String {
        if !self.text.is_empty() {
            return self.text.clone();
        }
        self.blocks.as_ref().map(blocks_text).unwrap_or_default()
    }

    /// The message as Slack returns it (history, `chat.postMessage`, interactions).
    pub fn to_slack_json(&self, team_id: &str, bot_id: &str, app_id: &str) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), json!("message"));
        map.insert("text".into(), json!(self.text));
        map.insert("user".into(), json!(self.user));
        map.insert("ts".into(), json!(self.ts));
        map.insert("team".into(), json!(team_id));
        if self.is_bot {
            map.insert("bot_id".into(), json!(bot_id));
            map.insert("app_id".into(), json!(app_id));
        }
        if let Some(blocks) = &self.blocks {
            map.insert("blocks".into(), blocks.clone());
        }
        if let Some(attachments) = &self.attachments {
            map.insert("attachments".into(), attachments.clone());
        }
        if let Some(thread_ts) = &self.thread_ts {
            map.insert("thread_ts".into(), json!(thread_ts));
        }
        if !self.reactions.is_empty() {
            let reactions: Vec<Value> = self
                .reactions
                .iter()
                .map(|r| json!({"name": r.name, "users": r.users, "count": r.users.len()}))
                .collect();
            map.insert("reactions".into(), Value::Array(reactions));
        }
        if self.edits > 0 {
            map.insert("edited".into(), json!({"user": self.user, "ts": self.ts}));
        }
        Value::Object(map)
    }

    /// Like [`ChannelMessage::to_slack_json`], with the message's metadata as Slack adds
    /// it when asked for (`include_all_metadata`, or the answer to the post itself).
    pub fn to_slack_json_with_metadata(&self, team_id: &str, bot_id: &str, app_id: &str) -> Value {
        let mut json = self.to_slack_json(team_id, bot_id, app_id);
        if let Some(metadata) = &self.metadata {
            json["metadata"] = metadata.clone();
        }
        json
    }
}

/// A message only one user sees.
#[derive(Debug, Clone)]
pub struct EphemeralMessage {
    /// Channel it was shown in.
    pub channel: String,
    /// Who sees it.
    pub user: String,
    /// Its `message_ts`.
    pub ts: String,
    /// Thread it was shown in, if any.
    pub thread_ts: Option<String>,
    /// Text, empty when absent.
    pub text: String,
    /// Blocks, if any.
    pub blocks: Option<Value>,
    /// Where it came from: `chat.postEphemeral`, `response_url`, `ack` or `slack`.
    pub source: &'static str,
    /// When it was shown.
    pub shown_at: DateTime<Utc>,
}

impl EphemeralMessage {
    /// The readable text: `text`, or else the text found in its blocks.
    pub fn readable_text(&self) -> String {
        if !self.text.is_empty() {
            return self.text.clone();
        }
        self.blocks.as_ref().map(blocks_text).unwrap_or_default()
    }
}

/// Where a modal stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewStatus {
    /// Shown to the user.
    Open,
    /// Submitted and closed, or cleared by the bot.
    Closed,
}

/// A view opened with `views.open`.
#[derive(Debug, Clone)]
pub struct OpenedView {
    /// `V…` id.
    pub id: String,
    /// Who sees it (the user of the trigger).
    pub user: String,
    /// The trigger it was opened with.
    pub trigger_id: String,
    /// The current view as Slack returns it (with `id`, `hash`, `state`).
    pub view: Value,
    /// Current hash.
    pub hash: String,
    /// Open or closed.
    pub status: ViewStatus,
    /// Field errors the bot answered the last submission with (`response_action: errors`).
    pub errors: Option<Value>,
    /// How many times it was updated.
    pub updates: u32,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
}

/// A POST the bot made to a `response_url`.
#[derive(Debug, Clone)]
pub struct ResponseUrlReply {
    /// The response URL's id.
    pub response_id: String,
    /// Channel the command or interaction came from.
    pub channel: String,
    /// User who triggered it.
    pub user: String,
    /// The JSON body posted.
    pub body: Value,
    /// Whether it was shown only to the user.
    pub is_ephemeral: bool,
    /// When it arrived.
    pub at: DateTime<Utc>,
}

/// A POST to the webhook sink `/hooks/{name}`.
#[derive(Debug, Clone)]
pub struct WebhookHit {
    /// The `{name}` part of the path.
    pub name: String,
    /// The body as JSON, or as a JSON string when it was not JSON.
    pub body: Value,
    /// Request content type, if any.
    pub content_type: Option<String>,
    /// When it arrived.
    pub at: DateTime<Utc>,
}

/// The kind of a Socket Mode envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// `slash_commands`
    SlashCommand,
    /// `events_api`
    EventsApi,
    /// `interactive`
    Interactive,
}

impl EnvelopeKind {
    /// The envelope `type` on the wire.
    pub fn wire_type(self) -> &'static str {
        match self {
            Self::SlashCommand => "slash_commands",
            Self::EventsApi => "events_api",
            Self::Interactive => "interactive",
        }
    }
}

/// A Socket Mode acknowledgement received from the bot.
#[derive(Debug, Clone)]
pub struct AckReceipt {
    /// Envelope acknowledged.
    pub envelope_id: String,
    /// Its kind (`None` when the envelope id was unknown).
    pub kind: Option<EnvelopeKind>,
    /// The event id for Events API envelopes.
    pub event_id: Option<String>,
    /// The `retry_attempt` of the latest delivery when the ack arrived.
    pub retry_attempt: u32,
    /// The ack's `payload`, if any.
    pub payload: Option<Value>,
    /// Time from the first delivery to the ack.
    pub elapsed: Duration,
    /// Time from the latest delivery to the ack.
    pub since_last_delivery: Duration,
    /// When the ack arrived.
    pub received_at: DateTime<Utc>,
}

/// The text Slack would show for a list of blocks: section, header, context and
/// rich-text content, one block per line.
pub fn blocks_text(blocks: &Value) -> String {
    let Some(blocks) = blocks.as_array() else {
        return String::new();
    };
    let mut lines = Vec::new();
    for block in blocks {
        let mut parts = Vec::new();
        collect_text(block, &mut parts);
        let line = parts.join(" ");
        if !line.trim().is_empty() {
            lines.push(line);
        }
    }
    lines.join("\n")
}

fn collect_text(value: &Value, parts: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let kind = map.get("type").and_then(Value::as_str).unwrap_or("");
            if matches!(kind, "plain_text" | "mrkdwn" | "text") {
                if let Some(text) = map.get("text").and_then(Value::as_str) {
                    parts.push(text.to_string());
                }
                return;
            }
            if kind == "button" {
                if let Some(text) = map.get("text") {
                    let mut label = Vec::new();
                    collect_text(text, &mut label);
                    parts.push(format!("[{}]", label.join(" ")));
                }
                return;
            }
            for key in ["text", "fields", "elements", "accessory"] {
                if let Some(inner) = map.get(key) {
                    collect_text(inner, parts);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_text(item, parts)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_text_reads_sections_context_and_buttons() {
        let blocks = json!([
            {"type": "header", "text": {"type": "plain_text", "text": "SEV1"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*DB down*"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "by <@U1>"}]},
            {"type": "actions", "elements": [
                {"type": "button", "action_id": "ack",
                 "text": {"type": "plain_text", "text": "Acknowledge"}}
            ]}
        ]);
        assert_eq!(
            blocks_text(&blocks),
            "SEV1\n*DB down*\nby <@U1>\n[Acknowledge]"
        );
    }

    #[test]
    fn token_kinds() {
        for (token, kind) in [
            (Some("xoxb-1"), TokenKind::Bot),
            (Some("xapp-1"), TokenKind::App),
            (Some("xoxp-1"), TokenKind::User),
            (Some("abc"), TokenKind::Other),
            (None, TokenKind::Missing),
        ] {
            assert_eq!(TokenKind::of(token), kind);
        }
    }
}
