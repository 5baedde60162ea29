//! The JSON the local Discord workspace sends: gateway dispatches and REST objects, in
//! the shapes Discord documents and serenity 0.12 reads.
//!
//! serenity drops a dispatch it cannot read without telling the bot's code, so every
//! builder here is checked against serenity's types in the tests below.

use serde_json::{json, Value};

/// A user object.
pub fn user(id: &str, name: &str, is_bot: bool) -> Value {
    json!({
        "id": id, "username": name, "global_name": name, "discriminator": "0",
        "avatar": null, "bot": is_bot,
    })
}

/// A guild member object around `user`.
pub fn member(user: Value) -> Value {
    json!({
        "user": user, "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "deaf": false, "mute": false, "flags": 0, "pending": false,
    })
}

/// A message object.
pub fn message(id: &str, channel: &str, author: Value, body: &Value, at: &str) -> Value {
    json!({
        "id": id, "channel_id": channel, "author": author,
        "content": body.get("content").cloned().unwrap_or(json!("")),
        "timestamp": at, "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds").cloned().unwrap_or(json!([])),
        "components": body.get("components").cloned().unwrap_or(json!([])),
        "pinned": false, "type": 0,
    })
}

/// A channel object: 0 text, 1 direct message, 11 public thread, 15 forum.
pub fn channel(id: &str, kind: u8, guild: Option<&str>, name: &str, parent: Option<&str>) -> Value {
    let mut channel = json!({"id": id, "type": kind, "name": name});
    if let Some(guild) = guild {
        channel["guild_id"] = json!(guild);
        channel["position"] = json!(0);
        channel["permission_overwrites"] = json!([]);
        channel["nsfw"] = json!(false);
    }
    if let Some(parent) = parent {
        channel["parent_id"] = json!(parent);
    }
    if kind == 11 {
        channel["thread_metadata"] = json!({
            "archived": false, "auto_archive_duration": 10080,
            "archive_timestamp": "2024-01-01T00:00:00.000000+00:00", "locked": false,
        });
        channel["message_count"] = json!(0);
        channel["member_count"] = json!(1);
    }
    channel
}

/// A direct-message channel with `recipient`.
pub fn dm_channel(id: &str, recipient: Value) -> Value {
    json!({"id": id, "type": 1, "recipients": [recipient], "last_message_id": null})
}

/// What an interaction has whatever its type.
pub struct InteractionBase<'a> {
    /// The interaction's id.
    pub id: &'a str,
    /// Its token.
    pub token: &'a str,
    /// The application.
    pub application: &'a str,
    /// The guild; `None` in a direct-message channel.
    pub guild: Option<&'a str>,
    /// The channel.
    pub channel: &'a str,
    /// Who.
    pub user: Value,
}

/// An interaction in a guild carries `member` (with the user inside); one in a direct
/// message carries `user` and no guild, as Discord sends them.
fn interaction(base: &InteractionBase<'_>, kind: u8, data: Value) -> Value {
    let mut payload = json!({
        "id": base.id, "application_id": base.application, "type": kind, "data": data,
        "channel_id": base.channel,
        "token": base.token, "version": 1, "app_permissions": "2248473465835073",
        "locale": "en-US", "entitlements": [],
        "attachment_size_limit": 26_214_400,
    });
    match base.guild {
        Some(guild) => {
            payload["guild_id"] = json!(guild);
            payload["guild_locale"] = json!("en-US");
            payload["channel"] = json!({"id": base.channel, "type": 0});
            payload["member"] = member(base.user.clone());
            payload["authorizing_integration_owners"] = json!({"0": guild});
            payload["context"] = json!(0);
        }
        None => {
            payload["channel"] = json!({"id": base.channel, "type": 1});
            payload["user"] = base.user.clone();
            payload["authorizing_integration_owners"] = json!({"0": "1100000000000000001"});
            payload["context"] = json!(1);
        }
    }
    payload
}

/// `/escalate <subcommand>` with `options` (a list of `{name, type, value}`).
pub fn command(base: &InteractionBase<'_>, command_id: &str, sub: &str, options: Value) -> Value {
    let data = json!({
        "id": command_id, "name": "escalate", "type": 1,
        "options": [{"name": sub, "type": 1, "options": options}],
    });
    interaction(base, 2, data)
}

/// `/escalate-admin command:<text>`, the admins' command.
pub fn admin_command(base: &InteractionBase<'_>, command_id: &str, text: &str) -> Value {
    let data = json!({
        "id": command_id, "name": "escalate-admin", "type": 1,
        "options": [{"name": "command", "type": 3, "value": text}],
    });
    interaction(base, 2, data)
}

/// A click on the button `custom_id` of `message`.
pub fn button(base: &InteractionBase<'_>, custom_id: &str, message: Value) -> Value {
    let mut payload = interaction(
        base,
        3,
        json!({"custom_id": custom_id, "component_type": 2}),
    );
    payload["message"] = message;
    payload
}

/// A submitted modal with text `fields`.
pub fn modal(base: &InteractionBase<'_>, custom_id: &str, fields: &[(&str, &str)]) -> Value {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(name, value)| {
            json!({"type": 1, "components": [{"type": 4, "custom_id": name, "value": value}]})
        })
        .collect();
    interaction(base, 5, json!({"custom_id": custom_id, "components": rows}))
}

/// An emoji in a reaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Emoji {
    /// A unicode emoji, e.g. `👀`.
    Unicode(String),
    /// A guild's custom emoji; a deleted one has no name.
    Custom {
        /// Its id.
        id: String,
        /// Its name, when Discord still knows it.
        name: Option<String>,
    },
}

impl Emoji {
    fn json(&self) -> Value {
        match self {
            Emoji::Unicode(text) => json!({"id": null, "name": text}),
            Emoji::Custom { id, name } => json!({"id": id, "name": name, "animated": false}),
        }
    }
}

/// `MESSAGE_REACTION_ADD` / `_REMOVE` data. `member` is present on adds in a guild only;
/// removals never carry it.
pub fn reaction(
    user: &str,
    channel: &str,
    message: &str,
    guild: Option<&str>,
    emoji: &Emoji,
    member: Option<Value>,
) -> Value {
    let mut data = json!({
        "user_id": user, "channel_id": channel, "message_id": message,
        "emoji": emoji.json(), "burst": false, "type": 0,
    });
    if let Some(guild) = guild {
        data["guild_id"] = json!(guild);
    }
    if let Some(member) = member {
        data["member"] = member;
    }
    data
}

/// The READY dispatch's data.
pub fn ready(bot: Value, session: &str, resume_url: &str, application: &str, guild: &str) -> Value {
    json!({
        "v": 10, "user": bot, "guilds": [{"id": guild, "unavailable": true}],
        "session_id": session, "resume_gateway_url": resume_url,
        "application": {"id": application, "flags": 0},
    })
}

#[cfg(test)]
mod tests {
    use serenity::all::{
        GuildChannel, Interaction, Message, PrivateChannel, Reaction, ReactionType, Ready,
    };

    use super::*;

    fn base() -> InteractionBase<'static> {
        InteractionBase {
            id: "1200000000000000001",
            token: "token-1",
            application: "1100000000000000001",
            guild: Some("1000000000000000001"),
            channel: "1000000000000000010",
            user: user("1000000000000000100", "rita", false),
        }
    }

    #[test]
    fn a_command_with_a_subcommand_is_an_interaction_serenity_reads() {
        let payload = command(
            &base(),
            "1300000000000000001",
            "open",
            json!([{"name": "severity", "type": 3, "value": "sev1"}, {"name": "summary", "type": 3, "value": "db down"}]),
        );
        let Interaction::Command(command) = serde_json::from_value(payload).unwrap() else {
            panic!("not a command");
        };
        assert_eq!(command.user.id.get(), 1_000_000_000_000_000_100);
        assert_eq!(command.data.options[0].name, "open");
    }

    fn message_in_dm() -> Value {
        message(
            "1400000000000000002",
            "1600000000000000001",
            user("1000000000000000999", "escalator", true),
            &json!({"content": "paged"}),
            "2024-01-01T00:00:00.000000+00:00",
        )
    }

    #[test]
    fn a_button_and_a_modal_are_interactions_serenity_reads() {
        let message = message(
            "1400000000000000001",
            "1000000000000000010",
            user("1000000000000000999", "escalator", true),
            &json!({"content": "", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Ack", "custom_id": "ack:1"}]}]}),
            "2024-01-01T00:00:00.000000+00:00",
        );
        let Interaction::Component(click) =
            serde_json::from_value(button(&base(), "ack:1", message)).unwrap()
        else {
            panic!("not a component interaction");
        };
        assert_eq!(click.data.custom_id, "ack:1");

        let payload = modal(&base(), "fix-note:1", &[("summary", "s"), ("fix", "f")]);
        let Interaction::Modal(modal) = serde_json::from_value(payload).unwrap() else {
            panic!("not a modal submission");
        };
        assert_eq!(modal.data.components.len(), 2);

        let in_dm = InteractionBase {
            guild: None,
            ..base()
        };
        let Interaction::Component(click) =
            serde_json::from_value(button(&in_dm, "ack:1", message_in_dm())).unwrap()
        else {
            panic!("not a component interaction");
        };
        assert!(click.member.is_none() && click.guild_id.is_none());
        assert_eq!(click.user.id.get(), 1_000_000_000_000_000_100);
    }

    #[test]
    fn reactions_read_with_and_without_member_and_name() {
        let custom = Emoji::Custom {
            id: "1500000000000000001".into(),
            name: None,
        };
        let added: Reaction = serde_json::from_value(reaction(
            "1000000000000000100",
            "1000000000000000010",
            "1400000000000000001",
            Some("1000000000000000001"),
            &custom,
            Some(member(user("1000000000000000100", "rita", false))),
        ))
        .unwrap();
        assert!(matches!(
            added.emoji,
            ReactionType::Custom { name: None, .. }
        ));

        let removed: Reaction = serde_json::from_value(reaction(
            "1000000000000000100",
            "1000000000000000010",
            "1400000000000000001",
            None,
            &Emoji::Unicode("👀".into()),
            None,
        ))
        .unwrap();
        assert!(removed.member.is_none());
        assert_eq!(removed.emoji, ReactionType::Unicode("👀".into()));
    }

    #[test]
    fn rest_objects_and_ready_read_as_serenity_types() {
        let posted: Message = serde_json::from_value(message(
            "1400000000000000001",
            "1000000000000000010",
            user("1000000000000000999", "escalator", true),
            &json!({"content": "hello"}),
            "2024-01-01T00:00:00.000000+00:00",
        ))
        .unwrap();
        assert_eq!(posted.content, "hello");
        let thread: GuildChannel = serde_json::from_value(channel(
            "1400000000000000001",
            11,
            Some("1000000000000000001"),
            "INC-1",
            Some("1000000000000000010"),
        ))
        .unwrap();
        assert_eq!(
            thread.parent_id.map(|id| id.get()),
            Some(1_000_000_000_000_000_010)
        );
        let dm: PrivateChannel = serde_json::from_value(dm_channel(
            "1600000000000000001",
            user("1000000000000000100", "rita", false),
        ))
        .unwrap();
        assert_eq!(dm.recipient.id.get(), 1_000_000_000_000_000_100);
        let ready: Ready = serde_json::from_value(ready(
            user("1000000000000000999", "escalator", true),
            "session-1",
            "ws://127.0.0.1:1",
            "1100000000000000001",
            "1000000000000000001",
        ))
        .unwrap();
        assert_eq!(ready.session_id, "session-1");
    }
}
