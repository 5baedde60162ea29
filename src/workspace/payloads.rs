//! Builders for what Slack sends the bot: slash command payloads, `event_callback`
//! bodies, `block_actions` and `view_submission` interactions, shaped like the captured
//! payloads in `tests/fixtures/slack/`.

use std::time::Instant;

use serde_json::{json, Value};

use super::error::WorkspaceError;
use super::ids;
use super::state::{ResponseTarget, Shared, State, Trigger};

/// Hands out a `trigger_id` for a user action.
pub(crate) fn issue_trigger(state: &mut State, user: &str) -> String {
    let id = ids::trigger_id();
    state.triggers.insert(
        id.clone(),
        Trigger {
            user: user.to_string(),
            issued: Instant::now(),
            is_exchanged: false,
        },
    );
    id
}

/// Hands out a loopback `response_url`.
pub(crate) fn issue_response_url(
    shared: &Shared,
    state: &mut State,
    target: ResponseTarget,
) -> String {
    let id = ids::opaque(24);
    state.response_targets.insert(id.clone(), target);
    format!("{}/response/{id}", shared.base_url)
}

fn user_name(shared: &Shared, user: &str) -> Result<String, WorkspaceError> {
    shared
        .user(user)
        .map(|u| u.name.clone())
        .ok_or_else(|| WorkspaceError::UnknownUser(user.to_string()))
}

fn conversation_name(state: &State, channel: &str) -> Result<String, WorkspaceError> {
    let conversation = state
        .conversations
        .get(channel)
        .ok_or_else(|| WorkspaceError::UnknownChannel(channel.to_string()))?;
    Ok(match &conversation.dm_user {
        Some(_) => "directmessage".to_string(),
        None => conversation.name.clone(),
    })
}

/// `channel`, `im` or `mpim`, as in `channel_type`.
pub(crate) fn channel_type(state: &State, channel: &str) -> &'static str {
    match state.conversations.get(channel) {
        Some(c) if c.dm_user.is_some() => "im",
        Some(c) if c.id.starts_with('G') => "mpim",
        _ => "channel",
    }
}

/// A slash command payload (the fields of `slash_commands_envelope.json`).
pub(crate) fn slash_command(
    shared: &Shared,
    state: &mut State,
    user: &str,
    channel: &str,
    command: &str,
    text: &str,
) -> Result<Value, WorkspaceError> {
    let user_name = user_name(shared, user)?;
    let channel_name = conversation_name(state, channel)?;
    let target = ResponseTarget {
        channel: channel.to_string(),
        user: user.to_string(),
        message_ts: None,
        is_ephemeral_source: false,
    };
    let response_url = issue_response_url(shared, state, target);
    let trigger_id = issue_trigger(state, user);
    let setup = &shared.setup;
    Ok(json!({
        "token": setup.verification_token,
        "team_id": setup.team_id,
        "team_domain": setup.team_domain,
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": setup.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }))
}

/// An `event_callback` body around an event (the shape of `events/*.json`).
pub(crate) fn event_callback(shared: &Shared, event: Value, event_id: &str) -> Value {
    let setup = &shared.setup;
    let event_type = event["type"].as_str().unwrap_or("event").to_string();
    let channel = event
        .get("channel")
        .or_else(|| event.get("item").and_then(|i| i.get("channel")))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    json!({
        "token": setup.verification_token,
        "team_id": setup.team_id,
        "api_app_id": setup.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": chrono::Utc::now().timestamp(),
        "authorizations": [{
            "enterprise_id": null,
            "team_id": setup.team_id,
            "user_id": setup.bot_user_id,
            "is_bot": true,
            "is_enterprise_install": false,
        }],
        "is_ext_shared_channel": false,
        "event_context": format!("4-{event_type}-{}-{channel}", setup.team_id),
    })
}

/// A `reaction_added` or `reaction_removed` event.
pub(crate) fn reaction_event(
    state: &mut State,
    user: &str,
    channel: &str,
    ts: &str,
    reaction: &str,
    is_added: bool,
) -> Result<Value, WorkspaceError> {
    let item_user = state
        .message(channel, ts)
        .map(|m| m.user.clone())
        .ok_or_else(|| WorkspaceError::MessageNotFound {
            channel: channel.to_string(),
            ts: ts.to_string(),
        })?;
    let channel_type = channel_type(state, channel);
    Ok(json!({
        "type": if is_added { "reaction_added" } else { "reaction_removed" },
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel, "ts": ts, "channel_type": channel_type},
        "event_ts": state.ts_clock.next(),
    }))
}

/// A user's `message` event (the shape of `events/message_channel.json`).
pub(crate) fn message_event(
    shared: &Shared,
    state: &State,
    user: &str,
    channel: &str,
    ts: &str,
    text: &str,
    thread_ts: Option<&str>,
) -> Value {
    let mut event = json!({
        "client_msg_id": uuid_like(),
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "team": shared.setup.team_id,
        "blocks": [rich_text_block(text)],
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type(state, channel),
    });
    if let Some(thread_ts) = thread_ts {
        event["thread_ts"] = json!(thread_ts);
        if let Some(parent) = state.message(channel, thread_ts) {
            event["parent_user_id"] = json!(parent.user);
        }
    }
    event
}

/// An `app_mention` event for a message that mentions the bot.
pub(crate) fn app_mention_event(message_event: &Value) -> Value {
    let mut event = message_event.clone();
    event["type"] = json!("app_mention");
    if let Some(map) = event.as_object_mut() {
        map.remove("channel_type");
    }
    event
}

fn uuid_like() -> String {
    ids::envelope_id()
}

/// The rich-text block Slack's client attaches to a typed message.
fn rich_text_block(text: &str) -> Value {
    json!({
        "type": "rich_text",
        "block_id": ids::opaque(5),
        "elements": [{
            "type": "rich_text_section",
            "elements": [{"type": "text", "text": text}],
        }],
    })
}

/// The user object of interaction payloads.
fn interaction_user(shared: &Shared, user: &str) -> Result<Value, WorkspaceError> {
    let name = user_name(shared, user)?;
    Ok(json!({"id": user, "username": name, "name": name, "team_id": shared.setup.team_id}))
}

fn interaction_team(shared: &Shared) -> Value {
    json!({"id": shared.setup.team_id, "domain": shared.setup.team_domain})
}

/// Finds an interactive element by `action_id` in a list of blocks; returns its block id
/// and the element.
pub(crate) fn find_action(blocks: &Value, action_id: &str) -> Option<(String, Value)> {
    for block in blocks.as_array()? {
        let block_id = block["block_id"].as_str().unwrap_or_default().to_string();
        let mut candidates: Vec<&Value> = Vec::new();
        if let Some(elements) = block["elements"].as_array() {
            candidates.extend(elements);
        }
        candidates.push(&block["accessory"]);
        candidates.push(&block["element"]);
        if let Some(found) = candidates
            .into_iter()
            .find(|e| e["action_id"].as_str() == Some(action_id))
        {
            return Some((block_id, found.clone()));
        }
    }
    None
}

/// A message a user can click in: in the channel, or shown only to them.
pub(crate) struct ClickTarget {
    pub(crate) blocks: Value,
    pub(crate) message: Option<Value>,
    pub(crate) is_ephemeral: bool,
}

/// A `block_actions` payload for a button click (the shape of
/// `interactive/block_actions_button.json`).
#[expect(
    clippy::too_many_arguments,
    reason = "mirrors the payload's fields one to one"
)]
pub(crate) fn block_actions(
    shared: &Shared,
    state: &mut State,
    user: &str,
    channel: &str,
    message_ts: &str,
    target: &ClickTarget,
    action_id: &str,
    value: Option<&str>,
) -> Result<Value, WorkspaceError> {
    let (block_id, element) =
        find_action(&target.blocks, action_id).ok_or_else(|| WorkspaceError::ActionNotFound {
            ts: message_ts.to_string(),
            action_id: action_id.to_string(),
        })?;
    let value = value
        .map(str::to_string)
        .or_else(|| element["value"].as_str().map(str::to_string));
    let mut action = json!({
        "action_id": action_id,
        "block_id": block_id,
        "type": element["type"].as_str().unwrap_or("button"),
        "action_ts": state.ts_clock.next(),
    });
    if let Some(text) = element.get("text") {
        action["text"] = text.clone();
    }
    if let Some(value) = value {
        action["value"] = json!(value);
    }
    let channel_name = conversation_name(state, channel)?;
    let response_url = issue_response_url(
        shared,
        state,
        ResponseTarget {
            channel: channel.to_string(),
            user: user.to_string(),
            message_ts: Some(message_ts.to_string()),
            is_ephemeral_source: target.is_ephemeral,
        },
    );
    let mut payload = json!({
        "type": "block_actions",
        "user": interaction_user(shared, user)?,
        "api_app_id": shared.setup.app_id,
        "token": shared.setup.verification_token,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": target.is_ephemeral,
        },
        "trigger_id": issue_trigger(state, user),
        "team": interaction_team(shared),
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": channel, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    });
    if let Some(message) = &target.message {
        payload["message"] = message.clone();
    }
    Ok(payload)
}

/// The `state.values` entry for one input element given the submitted value.
fn state_value(element: &Value, value: Option<&str>) -> Value {
    let kind = element["type"].as_str().unwrap_or("plain_text_input");
    let option = |v: &str| {
        let options = element["options"].as_array().cloned().unwrap_or_default();
        options
            .into_iter()
            .find(|o| o["value"].as_str() == Some(v))
            .unwrap_or_else(|| json!({"text": {"type": "plain_text", "text": v}, "value": v}))
    };
    let many = |v: &str| {
        v.split(',')
            .map(str::trim)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let mut entry = json!({ "type": kind });
    match (kind, value) {
        ("static_select" | "external_select" | "radio_buttons", Some(v)) => {
            entry["selected_option"] = option(v)
        }
        ("static_select" | "external_select" | "radio_buttons", None) => {
            entry["selected_option"] = Value::Null
        }
        ("multi_static_select" | "checkboxes", v) => {
            let list: Vec<Value> = v
                .map(many)
                .unwrap_or_default()
                .iter()
                .map(|v| option(v))
                .collect();
            entry["selected_options"] = json!(list);
        }
        ("users_select", v) => entry["selected_user"] = json!(v),
        ("multi_users_select", v) => {
            entry["selected_users"] = json!(v.map(many).unwrap_or_default())
        }
        ("conversations_select", v) => entry["selected_conversation"] = json!(v),
        ("channels_select", v) => entry["selected_channel"] = json!(v),
        ("datepicker", v) => entry["selected_date"] = json!(v),
        ("timepicker", v) => entry["selected_time"] = json!(v),
        (_, v) => entry["value"] = json!(v),
    }
    entry
}

/// `state.values` for a view's input blocks: the given values, empty ones elsewhere.
pub(crate) fn view_state(
    view_id: &str,
    view: &Value,
    values: &[(&str, &str, &str)],
) -> Result<Value, WorkspaceError> {
    let mut state = serde_json::Map::new();
    for block in view["blocks"].as_array().into_iter().flatten() {
        if block["type"].as_str() != Some("input") {
            continue;
        }
        let block_id = block["block_id"].as_str().unwrap_or_default();
        let element = &block["element"];
        let action_id = element["action_id"].as_str().unwrap_or_default();
        let given = values
            .iter()
            .find(|(b, a, _)| *b == block_id && *a == action_id)
            .map(|(_, _, v)| *v);
        let is_optional = block["optional"].as_bool().unwrap_or(false);
        if given.is_none() && !is_optional {
            return Err(WorkspaceError::MissingRequiredInput {
                view_id: view_id.to_string(),
                block_id: block_id.to_string(),
            });
        }
        state.insert(
            block_id.to_string(),
            json!({ action_id: state_value(element, given) }),
        );
    }
    Ok(json!({ "values": state }))
}

/// A `view_submission` payload (the shape of `interactive/view_submission.json`).
pub(crate) fn view_submission(
    shared: &Shared,
    state: &mut State,
    user: &str,
    view: Value,
) -> Result<Value, WorkspaceError> {
    Ok(json!({
        "type": "view_submission",
        "team": interaction_team(shared),
        "user": interaction_user(shared, user)?,
        "api_app_id": shared.setup.app_id,
        "token": shared.setup.verification_token,
        "trigger_id": issue_trigger(state, user),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": false,
        "enterprise": null,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_values_follow_element_types() {
        let select = json!({"type": "static_select", "action_id": "s", "options": [
            {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"}
        ]});
        let cases = [
            (
                json!({"type": "plain_text_input"}),
                Some("x"),
                json!({"type": "plain_text_input", "value": "x"}),
            ),
            (
                json!({"type": "plain_text_input"}),
                None,
                json!({"type": "plain_text_input", "value": null}),
            ),
            (
                select,
                Some("sev1"),
                json!({"type": "static_select", "selected_option":
                    {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"}}),
            ),
            (
                json!({"type": "users_select"}),
                Some("U1"),
                json!({"type": "users_select", "selected_user": "U1"}),
            ),
            (
                json!({"type": "multi_users_select"}),
                Some("U1, U2"),
                json!({"type": "multi_users_select", "selected_users": ["U1", "U2"]}),
            ),
        ];
        for (element, value, expected) in cases {
            assert_eq!(state_value(&element, value), expected);
        }
    }

    #[test]
    fn required_inputs_must_be_given() {
        let view = json!({"blocks": [
            {"type": "input", "block_id": "b", "element": {"type": "plain_text_input", "action_id": "a"}},
            {"type": "input", "block_id": "o", "optional": true,
             "element": {"type": "plain_text_input", "action_id": "a"}}
        ]});
        assert!(view_state("V1", &view, &[]).is_err());
        let state = view_state("V1", &view, &[("b", "a", "hi")]).unwrap();
        assert_eq!(state["values"]["b"]["a"]["value"], "hi");
        assert_eq!(state["values"]["o"]["a"]["value"], Value::Null);
    }

    #[test]
    fn actions_are_found_in_actions_and_section_blocks() {
        let blocks = json!([
            {"type": "section", "block_id": "s", "accessory": {"type": "button", "action_id": "x"}},
            {"type": "actions", "block_id": "a", "elements": [{"type": "button", "action_id": "y"}]}
        ]);
        assert_eq!(find_action(&blocks, "x").unwrap().0, "s");
        assert_eq!(find_action(&blocks, "y").unwrap().0, "a");
        assert!(find_action(&blocks, "z").is_none());
    }
}
