//! Inbound Discord events: `/escalate` and its subcommands, buttons, the fix-note modal
//! and reactions. Each becomes a request for the responder; its response becomes an
//! interaction response, a modal, or nothing.
//!
//! Discord waits three seconds for the first response to an interaction. Commands and
//! buttons are deferred at once (an ephemeral "thinking"), decided, and the deferred
//! response is then edited with the reply. An interaction token lives fifteen minutes;
//! once it is older the reply goes to the channel as a normal message that mentions the
//! user, instead of a call that can only fail.

use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::{json, Value};
use serenity::all::{
    ActionRowComponent, CommandDataOption, CommandDataOptionValue, CommandInteraction,
    ComponentInteraction, Interaction, ModalInteraction, Reaction, ReactionType,
};
use tracing::{debug, info_span, warn, Instrument};

use crate::adapters::reply::{reader_locale, reply_text};
use crate::adapters::request::{FixNoteFields, Request, RequestKind};
use crate::adapters::respond::{Reply, Responder, Response};
use crate::engine::{IncidentId, Platform, UserRef};
use crate::render::{self, Action, ActionKind};

use super::components::{
    callback, emoji_name, fix_note_modal, input, split_text, text_message, DiscordMarkup,
    EPHEMERAL, FIX_NOTE_MODAL,
};
use super::outbound::chat_error;
use super::rest::{Rest, RestError};

tokio::task_local! {
    /// In HTTP interactions mode, where the first response to an interaction goes: the
    /// body of the answer to Discord's request rather than a REST callback. Taken once.
    pub static FIRST_RESPONSE: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<Value>>>;
}

/// How long Discord accepts an interaction token.
const TOKEN_LIFETIME: TimeDelta = TimeDelta::minutes(15);

/// Discord's epoch (2015-01-01) in Unix milliseconds; snowflakes count from it.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// When a snowflake id was made.
pub fn snowflake_time(id: u64) -> Option<chrono::DateTime<chrono::Utc>> {
    let ms = i64::try_from(id >> 22).ok()? + DISCORD_EPOCH_MS;
    chrono::DateTime::from_timestamp_millis(ms)
}

/// Everything inbound handlers need.
pub struct DiscordInbound {
    responder: Responder,
    rest: Arc<Rest>,
    bot_user: String,
}

/// A reply's way back to the user.
struct ReplyPath {
    application: String,
    token: String,
    channel: String,
    user: UserRef,
    is_expired: bool,
}

impl DiscordInbound {
    /// Handlers answering through `responder`; events by `bot_user` are ignored.
    pub fn new(responder: Responder, rest: Arc<Rest>, bot_user: String) -> Self {
        Self {
            responder,
            rest,
            bot_user,
        }
    }

    fn text_of(&self, reply: &Reply, user: &UserRef) -> String {
        let policy = self.responder.escalator().policy();
        let person = policy
            .person_by_account(Platform::Discord, &user.id)
            .map(|p| p.id.clone());
        let locale = reader_locale(&policy, person.as_ref()).to_owned();
        reply_text(reply, &policy, &locale, &DiscordMarkup)
    }

    fn locale_of(&self, user: &UserRef) -> String {
        let policy = self.responder.escalator().policy();
        let person = policy
            .person_by_account(Platform::Discord, &user.id)
            .map(|p| p.id.clone());
        reader_locale(&policy, person.as_ref()).to_owned()
    }

    fn is_expired(&self, id: u64) -> bool {
        snowflake_time(id)
            .is_some_and(|made| self.responder.escalator().now() - made > TOKEN_LIFETIME)
    }

    /// Any interaction.
    pub async fn interaction(&self, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) => {
                let span = info_span!("discord_command", platform = "discord", interaction_id = %command.id, channel_id = %command.channel_id);
                self.command(command).instrument(span).await
            }
            Interaction::Component(component) => {
                let span = info_span!("discord_button", platform = "discord", interaction_id = %component.id, channel_id = %component.channel_id);
                self.button(component).instrument(span).await
            }
            Interaction::Modal(modal) => {
                let span = info_span!("discord_modal", platform = "discord", interaction_id = %modal.id, channel_id = %modal.channel_id);
                self.modal(modal).instrument(span).await
            }
            _ => debug!(platform = "discord", "interaction ignored"),
        }
    }

    async fn command(&self, command: CommandInteraction) {
        let user = UserRef {
            platform: Platform::Discord,
            id: command.user.id.to_string(),
        };
        let path = ReplyPath {
            application: command.application_id.to_string(),
            token: command.token.clone(),
            channel: command.channel_id.to_string(),
            user: user.clone(),
            is_expired: self.is_expired(command.id.get()),
        };
        let channel = command.channel_id.to_string();
        let request = Request {
            user,
            dedupe: Some(format!("discord:interaction:{}", command.id)),
            kind: RequestKind::Command {
                thread: Some(crate::ports::MessageRef {
                    platform: Platform::Discord,
                    channel: channel.clone(),
                    id: channel.clone(),
                }),
                channel,
                text: if command.data.name == "escalate-admin" {
                    admin_text(&command.data.options)
                } else {
                    command_text(&command.data.options)
                },
            },
        };
        self.defer(command.id.get(), &path).await;
        let response = self.responder.handle(request).await;
        self.finish(&path, response).await;
    }

    async fn button(&self, component: ComponentInteraction) {
        let user = UserRef {
            platform: Platform::Discord,
            id: component.user.id.to_string(),
        };
        let path = ReplyPath {
            application: component.application_id.to_string(),
            token: component.token.clone(),
            channel: component.channel_id.to_string(),
            user: user.clone(),
            is_expired: self.is_expired(component.id.get()),
        };
        let action = component.data.custom_id.clone();
        let request = Request {
            user: user.clone(),
            dedupe: Some(format!("discord:interaction:{}", component.id)),
            kind: RequestKind::Button {
                action: action.clone(),
                channel: Some(path.channel.clone()),
            },
        };
        let is_form = action
            .parse::<Action>()
            .is_ok_and(|action| matches!(action.kind, ActionKind::PostFix | ActionKind::EditFix));
        if is_form {
            // A modal must be the first response, so this one is not deferred; the
            // responder only names the form (or a refusal) here, which takes no time.
            match self.responder.handle(request).await {
                Response::OpenFixNoteForm { incident, note } => {
                    let locale = self.locale_of(&user);
                    let form = match note {
                        Some(note) => render::fix_note_edit_form(&locale, &note),
                        None => render::fix_note_form(&locale),
                    };
                    self.respond(component.id.get(), &path, &fix_note_modal(&form, incident))
                        .await;
                }
                Response::Reply(reply) => {
                    let text = self.text_of(&reply, &user);
                    let mut body = text_message(&text);
                    body["flags"] = json!(EPHEMERAL);
                    let body = json!({"type": callback::MESSAGE, "data": body});
                    self.respond(component.id.get(), &path, &body).await;
                }
                _ => {}
            }
            return;
        }
        self.defer(component.id.get(), &path).await;
        let response = self.responder.handle(request).await;
        self.finish(&path, response).await;
    }

    async fn modal(&self, modal: ModalInteraction) {
        let user = UserRef {
            platform: Platform::Discord,
            id: modal.user.id.to_string(),
        };
        let path = ReplyPath {
            application: modal.application_id.to_string(),
            token: modal.token.clone(),
            channel: modal.channel_id.to_string(),
            user: user.clone(),
            is_expired: self.is_expired(modal.id.get()),
        };
        let Some(incident) = modal
            .data
            .custom_id
            .strip_prefix(FIX_NOTE_MODAL)
            .and_then(|n| n.parse::<u64>().ok())
        else {
            warn!(platform = "discord", "unknown modal");
            return;
        };
        let mut fields = FixNoteFields::default();
        for row in &modal.data.components {
            for component in &row.components {
                let ActionRowComponent::InputText(text) = component else {
                    continue;
                };
                let value = text.value.clone().unwrap_or_default();
                match text.custom_id.as_str() {
                    input::SUMMARY => fields.summary = value,
                    input::CAUSE => fields.cause = value,
                    input::FIX => fields.fix = value,
                    input::PREVENTION => fields.prevention = value,
                    input::LINKS => fields.links = value,
                    _ => {}
                }
            }
        }
        let request = Request {
            user,
            dedupe: Some(format!("discord:interaction:{}", modal.id)),
            kind: RequestKind::FixNoteForm {
                incident: IncidentId(incident),
                fields,
            },
        };
        self.defer(modal.id.get(), &path).await;
        let response = self.responder.handle(request).await;
        self.finish(&path, response).await;
    }

    /// A reaction added anywhere the bot can see.
    pub async fn reaction(&self, reaction: Reaction) {
        let Some(user) = reaction.user_id else {
            debug!(platform = "discord", "reaction without a user ignored");
            return;
        };
        if user.to_string() == self.bot_user {
            return;
        }
        let emoji = match &reaction.emoji {
            ReactionType::Unicode(unicode) => emoji_name(unicode),
            // A custom emoji whose name Discord no longer knows (deleted) is matched by id.
            ReactionType::Custom { id, name, .. } => name.clone().unwrap_or_else(|| id.to_string()),
            _ => return,
        };
        let message = crate::ports::MessageRef {
            platform: Platform::Discord,
            channel: reaction.channel_id.to_string(),
            id: reaction.message_id.to_string(),
        };
        let request = Request {
            user: UserRef {
                platform: Platform::Discord,
                id: user.to_string(),
            },
            dedupe: Some(format!(
                "discord:reaction:{}:{}:{}",
                reaction.message_id, user, emoji
            )),
            kind: RequestKind::Reaction { message, emoji },
        };
        let span = info_span!("discord_reaction", platform = "discord", channel_id = %reaction.channel_id, message_id = %reaction.message_id);
        let user = request.user.clone();
        let response = self.responder.handle(request).instrument(span).await;
        // A reaction is answered only when it cannot act (one on a page digest). Digests
        // are direct messages, so the answer in the same channel is for the reader only.
        if let Response::Reply(reply) = response {
            let body = text_message(&self.text_of(&reply, &user));
            let path = format!("/channels/{}/messages", reaction.channel_id);
            if let Err(error) = self.rest.post(&path, &body).await {
                self.count_failure(&error);
                warn!(platform = "discord", error = %error, "reaction answer not shown");
            }
        }
    }

    /// Counts a failed call made here (a reply, an interaction response) in the platform
    /// API error metric; the dispatcher counts failed deliveries.
    fn count_failure(&self, error: &RestError) {
        let error = chat_error(error.clone());
        self.responder
            .escalator()
            .metrics()
            .record_call_error(Platform::Discord, &error);
    }

    async fn withdraw(&self, path: &ReplyPath) {
        if path.is_expired {
            return;
        }
        let route = format!(
            "/webhooks/{}/{}/messages/@original",
            path.application, path.token
        );
        if let Err(error) = self.rest.call(reqwest::Method::DELETE, &route, None).await {
            self.count_failure(&error);
            debug!(platform = "discord", error = %error, "deferred response not withdrawn");
        }
    }

    async fn defer(&self, interaction: u64, path: &ReplyPath) {
        let body = json!({"type": callback::DEFERRED_MESSAGE, "data": {"flags": EPHEMERAL}});
        self.respond(interaction, path, &body).await;
    }

    async fn respond(&self, interaction: u64, path: &ReplyPath, body: &Value) {
        if path.is_expired {
            return;
        }
        let over_http = FIRST_RESPONSE
            .try_with(|first| first.lock().ok().and_then(|mut first| first.take()))
            .ok()
            .flatten();
        if let Some(first) = over_http {
            let _ = first.send(body.clone());
            return;
        }
        let route = format!("/interactions/{interaction}/{}/callback", path.token);
        if let Err(error) = self.rest.post(&route, body).await {
            self.count_failure(&error);
            warn!(platform = "discord", error = %error, "interaction response failed");
        }
    }

    /// Shows the response: edits the deferred response, or, when the token has expired
    /// or the edit is refused, posts a normal message in the channel. A reply longer than
    /// one Discord message (an exported policy, say) goes out in several, the rest as
    /// private follow-ups.
    async fn finish(&self, path: &ReplyPath, response: Response) {
        let Response::Reply(reply) = response else {
            // Nothing to say (a retried event): take the "thinking" response away.
            self.withdraw(path).await;
            return;
        };
        let text = self.text_of(&reply, &path.user);
        if !path.is_expired {
            let route = format!(
                "/webhooks/{}/{}/messages/@original",
                path.application, path.token
            );
            let parts = split_text(&text, MESSAGE_LIMIT);
            match self.rest.patch(&route, &text_message(&parts[0])).await {
                Ok(_) => {
                    self.follow_up(path, &parts[1..]).await;
                    return;
                }
                Err(RestError::Refused { status, code }) => {
                    self.count_failure(&RestError::Refused { status, code });
                    warn!(
                        platform = "discord",
                        status, code, "interaction token refused; replying in the channel"
                    )
                }
                Err(error) => {
                    self.count_failure(&error);
                    warn!(platform = "discord", error = %error, "reply not shown");
                    return;
                }
            }
        }
        let text = format!("{} {text}", DiscordMarkup.user_mention(&path.user.id));
        let route = format!("/channels/{}/messages", path.channel);
        for part in split_text(&text, MESSAGE_LIMIT) {
            let body = json!({
                "content": part,
                "allowed_mentions": {"users": [path.user.id]},
            });
            if let Err(error) = self.rest.post(&route, &body).await {
                self.count_failure(&error);
                warn!(platform = "discord", error = %error, "reply not shown");
                return;
            }
        }
    }

    /// Sends the rest of a long reply as private follow-up messages, in order.
    async fn follow_up(&self, path: &ReplyPath, parts: &[String]) {
        let route = format!("/webhooks/{}/{}", path.application, path.token);
        for part in parts {
            let mut body = text_message(part);
            body["flags"] = json!(EPHEMERAL);
            if let Err(error) = self.rest.post(&route, &body).await {
                self.count_failure(&error);
                warn!(platform = "discord", error = %error, "rest of a long reply not shown");
                return;
            }
        }
    }
}

/// Discord's limit on a message's content, in characters.
const MESSAGE_LIMIT: usize = 2000;

impl DiscordMarkup {
    fn user_mention(&self, id: &str) -> String {
        format!("<@{id}>")
    }
}

/// The `/escalate` grammar text of a command's options: `open` becomes
/// `<severity> <summary>`, the others their verb, incident and arguments.
pub fn command_text(options: &[CommandDataOption]) -> String {
    let Some(sub) = options.first() else {
        return String::new();
    };
    let CommandDataOptionValue::SubCommand(args) = &sub.value else {
        return String::new();
    };
    let arg = |name: &str| {
        args.iter()
            .find(|option| option.name == name)
            .map(|o| &o.value)
    };
    let string = |name: &str| match arg(name) {
        Some(CommandDataOptionValue::String(text)) => text.clone(),
        _ => String::new(),
    };
    let incident = match arg("incident") {
        Some(CommandDataOptionValue::Integer(n)) => format!(" INC-{n}"),
        _ => String::new(),
    };
    match sub.name.as_str() {
        "open" => format!("{} {}", string("severity"), string("summary")),
        "update" => format!("update{incident} {}", string("text")),
        "reassign" => match arg("user") {
            Some(CommandDataOptionValue::User(user)) => format!("reassign{incident} <@{user}>"),
            _ => format!("reassign{incident}"),
        },
        "severity" => format!("severity{incident} {}", string("severity")),
        "skip" => format!("kb skip{incident} {}", string("reason")),
        "kb" => format!("kb {}", string("words")),
        "away" => format!("away {}", string("when")).trim_end().to_owned(),
        "stats" => format!("stats {}", string("filter")).trim_end().to_owned(),
        "help" => "help".to_owned(),
        verb => format!("{verb}{incident}"),
    }
}

/// The grammar text of `/escalate-admin`: `admin` and its command option.
pub fn admin_text(options: &[CommandDataOption]) -> String {
    let command = options
        .iter()
        .find(|option| option.name == "command")
        .and_then(|option| match &option.value {
            CommandDataOptionValue::String(text) => Some(text.as_str()),
            _ => None,
        })
        .unwrap_or_default();
    format!("admin {command}").trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: Value) -> Vec<CommandDataOption> {
        let data: serenity::all::CommandData = serde_json::from_value(json!({
            "id": "1", "name": "escalate", "type": 1, "options": json,
        }))
        .unwrap();
        data.options
    }

    #[test]
    fn subcommands_become_grammar_text() {
        let cases = [
            (
                json!([{"name": "open", "type": 1, "options": [
                    {"name": "severity", "type": 3, "value": "sev1"},
                    {"name": "summary", "type": 3, "value": "db down"}]}]),
                "sev1 db down",
            ),
            (json!([{"name": "ack", "type": 1, "options": []}]), "ack"),
            (
                json!([{"name": "resolve", "type": 1, "options": [{"name": "incident", "type": 4, "value": 42}]}]),
                "resolve INC-42",
            ),
            (
                json!([{"name": "reassign", "type": 1, "options": [{"name": "user", "type": 6, "value": "80351110224678912"}]}]),
                "reassign <@80351110224678912>",
            ),
            (
                json!([{"name": "update", "type": 1, "options": [{"name": "text", "type": 3, "value": "rolled back"}, {"name": "incident", "type": 4, "value": 3}]}]),
                "update INC-3 rolled back",
            ),
            // serenity refuses a subcommand without `options`, so the workspace always
            // sends the list, empty when there are none.
            (json!([{"name": "help", "type": 1, "options": []}]), "help"),
        ];
        for (json, text) in cases {
            assert_eq!(command_text(&options(json)), text);
        }
    }

    #[test]
    fn snowflakes_carry_their_time() {
        // Discord's documented example: 175928847299117063 was made 2016-04-30 11:18:25.796 UTC.
        let made = snowflake_time(175_928_847_299_117_063).unwrap();
        assert_eq!(made.timestamp_millis(), 1_462_015_105_796);
    }
}
