//! The Web API methods the workspace implements, each answering with the fields Slack
//! answers with (the envelope's `ok: true` is added by [`super::web_api`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::feed::WorkspaceEventKind;
use super::ids;
use super::records::{
    blocks_text, ChannelMessage, EphemeralMessage, OpenedView, Reaction, ViewStatus,
};
use super::state::{Conversation, Shared, State};
use super::web_api::{ApiFailure, MethodResult};

/// Runs one method.
pub(crate) fn dispatch(shared: &Arc<Shared>, method: &str, params: &Value) -> MethodResult {
    match method {
        "auth.test" => auth_test(shared),
        "apps.connections.open" => apps_connections_open(shared),
        "chat.postMessage" => chat_post_message(shared, params),
        "chat.postEphemeral" => chat_post_ephemeral(shared, params),
        "chat.update" => chat_update(shared, params),
        "chat.getPermalink" => chat_get_permalink(shared, params),
        "conversations.open" => conversations_open(shared, params),
        "conversations.history" => conversations_history(shared, params),
        "conversations.replies" => conversations_replies(shared, params),
        "users.info" => users_info(shared, params),
        "views.open" => views_open(shared, params),
        "views.update" => views_update(shared, params),
        "reactions.add" => reactions_change(shared, params, true),
        "reactions.remove" => reactions_change(shared, params, false),
        _ => Err(ApiFailure::code("unknown_method")),
    }
}

fn text_param<'a>(params: &'a Value, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn required<'a>(params: &'a Value, name: &str) -> Result<&'a str, ApiFailure> {
    text_param(params, name).ok_or_else(|| {
        ApiFailure::Error(
            "invalid_arguments".into(),
            vec![format!("[ERROR] missing required field: {name}")],
        )
    })
}

fn flag(params: &Value, name: &str) -> bool {
    match params.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        _ => false,
    }
}

fn json_field(params: &Value, name: &str) -> Option<Value> {
    match params.get(name)? {
        Value::Null => None,
        Value::String(s) => serde_json::from_str(s).ok(),
        other => Some(other.clone()),
    }
}

fn auth_test(shared: &Shared) -> MethodResult {
    let setup = &shared.setup;
    Ok(json!({
        "url": format!("{}/", shared.base_url),
        "team": setup.team_name,
        "user": setup.bot_name,
        "team_id": setup.team_id,
        "user_id": setup.bot_user_id,
        "bot_id": setup.bot_id,
        "is_enterprise_install": false,
    }))
}

fn apps_connections_open(shared: &Shared) -> MethodResult {
    let ticket = ids::opaque(32);
    shared.lock().tickets.insert(ticket.clone(), Instant::now());
    let ws_base = shared.base_url.replacen("http://", "ws://", 1);
    Ok(json!({
        "url": format!("{ws_base}/socket?ticket={ticket}&app_id={}", shared.setup.app_id),
    }))
}

/// Resolves a posting target and checks the bot may write there.
fn writable_conversation(
    shared: &Shared,
    state: &mut State,
    channel: &str,
) -> Result<String, ApiFailure> {
    let id = shared
        .resolve_conversation(state, channel)
        .ok_or_else(|| ApiFailure::code("channel_not_found"))?;
    let is_member = state
        .conversations
        .get(&id)
        .is_some_and(|c| c.is_bot_member);
    if !is_member {
        return Err(ApiFailure::code("not_in_channel"));
    }
    Ok(id)
}

fn check_post_rate(shared: &Shared, state: &mut State, channel: &str) -> Result<(), ApiFailure> {
    let Some(limit) = shared.setup.options.post_rate_limit_per_channel else {
        return Ok(());
    };
    let now = Instant::now();
    let window = state.post_windows.entry(channel.to_string()).or_default();
    while window
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
    {
        window.pop_front();
    }
    if window.len() >= limit as usize {
        return Err(ApiFailure::RateLimited(1));
    }
    window.push_back(now);
    Ok(())
}

fn has_content(params: &Value) -> bool {
    text_param(params, "text").is_some()
        || json_field(params, "blocks").is_some_and(|b| b.as_array().is_some_and(|a| !a.is_empty()))
        || json_field(params, "attachments").is_some()
}

/// Stores a message from the bot and announces it; returns its Slack JSON.
pub(crate) fn store_bot_message(
    shared: &Shared,
    state: &mut State,
    channel: &str,
    content: &Value,
    thread_ts: Option<String>,
    via_response_url: bool,
) -> Value {
    let message = ChannelMessage {
        channel: channel.to_string(),
        ts: state.ts_clock.next(),
        thread_ts,
        user: shared.setup.bot_user_id.clone(),
        is_bot: true,
        text: text_param(content, "text").unwrap_or_default().to_string(),
        blocks: json_field(content, "blocks"),
        attachments: json_field(content, "attachments"),
        reactions: Vec::new(),
        edits: 0,
        via_response_url,
        posted_at: chrono::Utc::now(),
        metadata: message_metadata(content),
    };
    shared.emit_posted(state, &message);
    let setup = &shared.setup;
    let json = message.to_slack_json_with_metadata(&setup.team_id, &setup.bot_id, &setup.app_id);
    state.messages.push(message);
    json
}

/// The `metadata` argument, kept as Slack keeps it: an object with a string
/// `event_type` and an optional object `event_payload`; anything else is refused.
fn message_metadata(params: &Value) -> Option<Value> {
    let metadata = json_field(params, "metadata")?;
    let event_type = metadata.get("event_type")?.as_str()?;
    let mut kept = json!({ "event_type": event_type });
    if let Some(payload) = metadata.get("event_payload").filter(|p| p.is_object()) {
        kept["event_payload"] = payload.clone();
    }
    Some(kept)
}

/// Slack refuses metadata without an `event_type` or with a payload that is not an
/// object.
fn check_metadata(params: &Value) -> Result<(), ApiFailure> {
    let Some(metadata) = json_field(params, "metadata") else {
        return Ok(());
    };
    let has_type = metadata
        .get("event_type")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    let payload_is_object = metadata
        .get("event_payload")
        .is_none_or(|payload| payload.is_object());
    if has_type && payload_is_object {
        return Ok(());
    }
    Err(ApiFailure::code("invalid_metadata_format"))
}

fn chat_post_message(shared: &Arc<Shared>, params: &Value) -> MethodResult {
    let channel = required(params, "channel")?;
    let mut state = shared.lock();
    let channel = writable_conversation(shared, &mut state, channel)?;
    if !has_content(params) {
        return Err(ApiFailure::code("no_text"));
    }
    check_metadata(params)?;
    check_post_rate(shared, &mut state, &channel)?;

    let thread_ts = text_param(params, "thread_ts").map(str::to_string);
    let message = store_bot_message(shared, &mut state, &channel, params, thread_ts, false);
    drop(state);
    shared.touch();
    Ok(json!({"channel": channel, "ts": message["ts"], "message": message}))
}

fn chat_post_ephemeral(shared: &Arc<Shared>, params: &Value) -> MethodResult {
    let channel = required(params, "channel")?;
    let user = required(params, "user")?;
    if shared.user(user).is_none() {
        return Err(ApiFailure::code("user_not_found"));
    }
    let mut state = shared.lock();
    let channel = writable_conversation(shared, &mut state, channel)?;
    if !has_content(params) {
        return Err(ApiFailure::code("no_text"));
    }
    let ts = state.ts_clock.next();
    let ephemeral = EphemeralMessage {
        channel: channel.clone(),
        user: user.to_string(),
        ts: ts.clone(),
        thread_ts: text_param(params, "thread_ts").map(str::to_string),
        text: text_param(params, "text").unwrap_or_default().to_string(),
        blocks: json_field(params, "blocks"),
        source: "chat.postEphemeral",
        shown_at: chrono::Utc::now(),
    };
    shared.emit(WorkspaceEventKind::EphemeralShown {
        channel: shared.conversation_label(&state, &channel),
        user: shared.user_name(user),
        text: shared.readable(&ephemeral.readable_text()),
    });
    state.ephemerals.push(ephemeral);
    drop(state);
    shared.touch();
    Ok(json!({"message_ts": ts}))
}

fn chat_update(shared: &Arc<Shared>, params: &Value) -> MethodResult {
    let channel = required(params, "channel")?;
    let ts = required(params, "ts")?;
    let mut state = shared.lock();
    let channel = shared
        .resolve_conversation(&mut state, channel)
        .ok_or_else(|| ApiFailure::code("channel_not_found"))?;
    let bot_user = shared.setup.bot_user_id.clone();
    let message = state
        .message_mut(&channel, ts)
        .ok_or_else(|| ApiFailure::code("message_not_found"))?;
    if message.user != bot_user {
        return Err(ApiFailure::code("cant_update_message"));
    }
    if let Some(text) = params.get("text").and_then(Value::as_str) {
        message.text = text.to_string();
    }
    if let Some(blocks) = json_field(params, "blocks") {
        message.blocks = Some(blocks);
    }
    if let Some(attachments) = json_field(params, "attachments") {
        message.attachments = Some(attachments);
    }
    message.edits += 1;
    let updated = message.clone();

    let setup = &shared.setup;
    let json = updated.to_slack_json(&setup.team_id, &setup.bot_id, &setup.app_id);
    shared.emit(WorkspaceEventKind::MessageUpdated {
        channel: shared.conversation_label(&state, &channel),
        author: shared.user_name(&updated.user),
        text: shared.readable(&updated.readable_text()),
    });
    drop(state);
    shared.touch();
    Ok(json!({
        "channel": channel,
        "ts": updated.ts,
        "text": updated.text,
        "message": json,
    }))
}

fn chat_get_permalink(shared: &Shared, params: &Value) -> MethodResult {
    let channel = required(params, "channel")?;
    let ts = required(params, "message_ts")?;
    let state = shared.lock();
    let message = state
        .message(channel, ts)
        .ok_or_else(|| ApiFailure::code("message_not_found"))?;
    let mut permalink = format!(
        "{}/archives/{channel}/p{}",
        shared.base_url,
        ts.replace('.', "")
    );
    if let Some(thread_ts) = message.thread_ts.as_ref().filter(|t| *t != ts) {
        permalink.push_str(&format!("?thread_ts={thread_ts}&cid={channel}"));
    }
    Ok(json!({"channel": channel, "permalink": permalink}))
}

fn user_list(params: &Value) -> Vec<String> {
    match params.get("users") {
        Some(Value::String(s)) => s
            .split(',')
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|u| u.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn conversations_open(shared: &Arc<Shared>, params: &Value) -> MethodResult {
    let users = user_list(params);
    let mut state = shared.lock();
    if users.is_empty() {
        let channel = required(params, "channel")?;
        let conversation = state
            .conversations
            .get(channel)
            .ok_or_else(|| ApiFailure::code("channel_not_found"))?;
        return Ok(
            json!({"channel": {"id": conversation.id}, "no_op": true, "already_open": true}),
        );
    }
    if let Some(unknown) = users.iter().find(|u| shared.user(u).is_none()) {
        tracing::debug!(user = %unknown, "conversations.open for an unknown user");
        return Err(ApiFailure::code("user_not_found"));
    }
    let (id, already_open) = if users.len() == 1 {
        shared.dm_channel(&mut state, &users[0])
    } else {
        group_dm(shared, &mut state, users)
    };
    drop(state);
    shared.touch();

    let mut body = if flag(params, "return_im") {
        let state = shared.lock();
        json!({"channel": full_conversation(state.conversations.get(&id))})
    } else {
        json!({"channel": {"id": id}})
    };
    if already_open {
        body["no_op"] = json!(true);
        body["already_open"] = json!(true);
    }
    Ok(body)
}

fn group_dm(shared: &Shared, state: &mut State, mut users: Vec<String>) -> (String, bool) {
    users.sort();
    if let Some(id) = state.group_dms.get(&users) {
        return (id.clone(), true);
    }
    let id = ids::object_id("G");
    let names: Vec<String> = users.iter().map(|u| shared.user_name(u)).collect();
    state.conversations.insert(
        id.clone(),
        Conversation {
            id: id.clone(),
            name: format!("mpdm-{}-1", names.join("--")),
            dm_user: None,
            is_bot_member: true,
            created: chrono::Utc::now().timestamp(),
        },
    );
    state.group_dms.insert(users, id.clone());
    (id, false)
}

fn full_conversation(conversation: Option<&Conversation>) -> Value {
    let Some(c) = conversation else {
        return Value::Null;
    };
    let mut body = json!({
        "id": c.id,
        "created": c.created,
        "is_org_shared": false,
        "last_read": "0000000000.000000",
        "latest": null,
        "unread_count": 0,
        "unread_count_display": 0,
        "is_open": true,
        "priority": 0,
    });
    match &c.dm_user {
        Some(user) => {
            body["is_im"] = json!(true);
            body["user"] = json!(user);
        }
        None => {
            body["is_mpim"] = json!(c.id.starts_with('G'));
            body["name"] = json!(c.name);
        }
    }
    body
}

/// A message as history returns it, with thread details on parents.
fn history_json(
    shared: &Shared,
    state: &State,
    message: &ChannelMessage,
    with_metadata: bool,
) -> Value {
    let mut json = listed_json(shared, message, with_metadata);
    let replies: Vec<&ChannelMessage> = state
        .messages
        .iter()
        .filter(|m| {
            m.channel == message.channel
                && m.is_thread_reply()
                && m.thread_ts.as_deref() == Some(message.ts.as_str())
        })
        .collect();
    if let Some(latest) = replies.last() {
        let mut users: Vec<&str> = replies.iter().map(|m| m.user.as_str()).collect();
        users.dedup();
        json["thread_ts"] = json!(message.ts);
        json["reply_count"] = json!(replies.len());
        json["reply_users_count"] = json!(users.len());
        json["reply_users"] = json!(users);
        json["latest_reply"] = json!(latest.ts);
    }
    json
}

/// A message in a history or a thread listing; Slack adds the metadata only when the
/// caller passes `include_all_metadata`.
fn listed_json(shared: &Shared, message: &ChannelMessage, with_metadata: bool) -> Value {
    let setup = &shared.setup;
    if with_metadata {
        return message.to_slack_json_with_metadata(&setup.team_id, &setup.bot_id, &setup.app_id);
    }
    message.to_slack_json(&setup.team_id, &setup.bot_id, &setup.app_id)
}

/// Whether a message's `ts` is inside the `oldest`/`latest` bounds (both exclusive, as
/// Slack's are unless `inclusive` is set).
fn is_within(params: &Value, ts: &str) -> bool {
    let value = |ts: &str| ts.parse::<f64>().unwrap_or(0.0);
    let inclusive = flag(params, "inclusive");
    let after = text_param(params, "oldest").is_none_or(|oldest| {
        value(ts) > value(oldest) || (inclusive && value(ts) == value(oldest))
    });
    let before = text_param(params, "latest").is_none_or(|latest| {
        value(ts) < value(latest) || (inclusive && value(ts) == value(latest))
    });
    after && before
}

fn conversations_history(shared: &Shared, params: &Value) -> MethodResult {
    let channel = required(params, "channel")?;
    let state = shared.lock();
    if !state.conversations.contains_key(channel) {
        return Err(ApiFailure::code("channel_not_found"));
    }
    let with_metadata = flag(params, "include_all_metadata");
    let messages: Vec<Value> = state
        .messages
        .iter()
        .rev()
        .filter(|m| m.channel == channel && !m.is_thread_reply() && is_within(params, &m.ts))
        .map(|m| history_json(shared, &state, m, with_metadata))
        .collect();
    Ok(json!({
        "messages": messages,
        "has_more": false,
        "pin_count": 0,
        "response_metadata": {"next_cursor": ""},
    }))
}

fn conversations_replies(shared: &Shared, params: &Value) -> MethodResult {
    let channel = required(params, "channel")?;
    let ts = required(params, "ts")?;
    let state = shared.lock();
    if !state.conversations.contains_key(channel) {
        return Err(ApiFailure::code("channel_not_found"));
    }
    let parent = state
        .message(channel, ts)
        .ok_or_else(|| ApiFailure::code("thread_not_found"))?;
    let with_metadata = flag(params, "include_all_metadata");
    let mut messages = vec![history_json(shared, &state, parent, with_metadata)];
    messages.extend(
        state
            .messages
            .iter()
            .filter(|m| {
                m.channel == channel
                    && m.is_thread_reply()
                    && m.thread_ts.as_deref() == Some(ts)
                    && is_within(params, &m.ts)
            })
            .map(|m| listed_json(shared, m, with_metadata)),
    );
    Ok(json!({"messages": messages, "has_more": false}))
}

/// `users.info`'s `user` object, shaped like Slack's.
pub(crate) fn user_json(shared: &Shared, id: &str) -> Option<Value> {
    let setup = &shared.setup;
    let (name, real_name, is_bot, tz) = if id == setup.bot_user_id {
        (
            setup.bot_name.as_str(),
            setup.bot_name.as_str(),
            true,
            "Etc/UTC",
        )
    } else {
        let user = shared.user(id)?;
        (
            user.name.as_str(),
            user.real_name.as_str(),
            user.is_bot,
            user.tz.as_str(),
        )
    };
    let (tz_label, tz_offset) = zone_details(tz);
    let (first, last) = real_name.split_once(' ').unwrap_or((real_name, ""));
    Some(json!({
        "id": id,
        "team_id": setup.team_id,
        "name": name,
        "deleted": false,
        "color": "9f69e7",
        "real_name": real_name,
        "tz": tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "profile": {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": first,
            "last_name": last,
            "avatar_hash": "g000000000000",
            "status_text": "",
            "status_emoji": "",
            "team": setup.team_id,
        },
        "is_admin": false,
        "is_owner": false,
        "is_primary_owner": false,
        "is_restricted": false,
        "is_ultra_restricted": false,
        "is_bot": is_bot,
        "is_app_user": false,
        "updated": 1_700_000_000,
        "has_2fa": false,
    }))
}

/// The zone's current abbreviation and UTC offset in seconds; UTC for an unknown zone.
fn zone_details(tz: &str) -> (String, i32) {
    use chrono::{Offset, TimeZone};
    let Ok(zone) = tz.parse::<chrono_tz::Tz>() else {
        return ("Coordinated Universal Time".to_string(), 0);
    };
    let now = chrono::Utc::now().naive_utc();
    let offset = zone.offset_from_utc_datetime(&now);
    (offset.to_string(), offset.fix().local_minus_utc())
}

fn users_info(shared: &Shared, params: &Value) -> MethodResult {
    let user = required(params, "user")?;
    let user = user_json(shared, user).ok_or_else(|| ApiFailure::code("user_not_found"))?;
    Ok(json!({ "user": user }))
}

fn view_title(view: &Value) -> String {
    view.get("title")
        .and_then(|t| t.get("text"))
        .and_then(Value::as_str)
        .unwrap_or("(untitled)")
        .to_string()
}

fn new_hash() -> String {
    format!("{}.{}", chrono::Utc::now().timestamp(), ids::opaque(8))
}

/// The view as Slack returns it: the given view plus id, team, state, hash and app ids.
fn stateful_view(
    shared: &Shared,
    view: &Value,
    id: &str,
    hash: &str,
    previous: Option<&Value>,
) -> Value {
    let setup = &shared.setup;
    let mut stored = json!({
        "id": id,
        "team_id": setup.team_id,
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "state": {"values": {}},
        "hash": hash,
        "clear_on_close": false,
        "notify_on_close": false,
        "close": null,
        "submit": null,
        "previous_view_id": null,
        "root_view_id": id,
        "app_id": setup.app_id,
        "app_installed_team_id": setup.team_id,
        "bot_id": setup.bot_id,
    });
    if let Some(previous) = previous {
        stored["root_view_id"] = previous["root_view_id"].clone();
        stored["previous_view_id"] = previous["previous_view_id"].clone();
    }
    if let (Some(target), Some(source)) = (stored.as_object_mut(), view.as_object()) {
        for (key, value) in source {
            if !matches!(key.as_str(), "id" | "hash" | "state" | "team_id") {
                target.insert(key.clone(), value.clone());
            }
        }
    }
    stored
}

fn invalid_view(message: &str) -> ApiFailure {
    ApiFailure::Error(
        "invalid_arguments".into(),
        vec![format!("[ERROR] {message}")],
    )
}

fn views_open(shared: &Arc<Shared>, params: &Value) -> MethodResult {
    let trigger_id = required(params, "trigger_id")?;
    let view =
        json_field(params, "view").ok_or_else(|| invalid_view("missing required field: view"))?;
    if view.get("type").and_then(Value::as_str) != Some("modal") || view.get("title").is_none() {
        return Err(invalid_view("a modal needs type modal and a title"));
    }
    let mut state = shared.lock();
    let ttl = shared.setup.options.trigger_ttl;
    let trigger = state
        .triggers
        .get_mut(trigger_id)
        .ok_or_else(|| invalid_view("invalid `trigger_id`"))?;
    if trigger.is_exchanged {
        return Err(invalid_view("`trigger_id` already exchanged"));
    }
    if ttl.is_some_and(|ttl| trigger.issued.elapsed() > ttl) {
        return Err(invalid_view("`trigger_id` expired"));
    }
    trigger.is_exchanged = true;
    let user = trigger.user.clone();

    let id = ids::object_id("V");
    let hash = new_hash();
    let stored = stateful_view(shared, &view, &id, &hash, None);
    shared.emit(WorkspaceEventKind::ModalOpened {
        user: shared.user_name(&user),
        title: view_title(&view),
    });
    state.views.push(OpenedView {
        id,
        user,
        trigger_id: trigger_id.to_string(),
        view: stored.clone(),
        hash,
        status: ViewStatus::Open,
        errors: None,
        updates: 0,
        opened_at: chrono::Utc::now(),
    });
    drop(state);
    shared.touch();
    Ok(json!({ "view": stored }))
}

fn views_update(shared: &Arc<Shared>, params: &Value) -> MethodResult {
    let view =
        json_field(params, "view").ok_or_else(|| invalid_view("missing required field: view"))?;
    let view_id = text_param(params, "view_id");
    let external_id = text_param(params, "external_id");
    let mut state = shared.lock();
    let opened = state
        .views
        .iter_mut()
        .find(|v| {
            Some(v.id.as_str()) == view_id
                || (external_id.is_some() && v.view["external_id"].as_str() == external_id)
        })
        .ok_or_else(|| ApiFailure::code("not_found"))?;
    if text_param(params, "hash").is_some_and(|h| h != opened.hash) {
        return Err(ApiFailure::code("hash_conflict"));
    }
    let hash = new_hash();
    let stored = stateful_view(shared, &view, &opened.id, &hash, Some(&opened.view));
    opened.view = stored.clone();
    opened.hash = hash;
    opened.updates += 1;
    let user = opened.user.clone();
    drop(state);
    shared.emit(WorkspaceEventKind::ModalUpdated {
        user: shared.user_name(&user),
        title: view_title(&view),
    });
    shared.touch();
    Ok(json!({ "view": stored }))
}

fn reactions_change(shared: &Arc<Shared>, params: &Value, is_add: bool) -> MethodResult {
    let channel = required(params, "channel")?;
    let name = required(params, "name")?.trim_matches(':').to_string();
    let ts = required(params, "timestamp")?;
    let bot = shared.setup.bot_user_id.clone();
    let mut state = shared.lock();
    if !state.conversations.contains_key(channel) {
        return Err(ApiFailure::code("channel_not_found"));
    }
    let message = state
        .message_mut(channel, ts)
        .ok_or_else(|| ApiFailure::code("message_not_found"))?;
    if is_add {
        add_reaction(&mut message.reactions, &name, &bot)
            .then_some(())
            .ok_or_else(|| ApiFailure::code("already_reacted"))?;
    } else {
        remove_reaction(&mut message.reactions, &name, &bot)
            .then_some(())
            .ok_or_else(|| ApiFailure::code("no_reaction"))?;
    }
    let label = shared.conversation_label(&state, channel);
    drop(state);
    let by = shared.setup.bot_name.clone();
    shared.emit(if is_add {
        WorkspaceEventKind::ReactionAdded {
            by,
            reaction: name,
            channel: label,
        }
    } else {
        WorkspaceEventKind::ReactionRemoved {
            by,
            reaction: name,
            channel: label,
        }
    });
    shared.touch();
    Ok(json!({}))
}

/// Adds `user`'s reaction; false when it was already there.
pub(crate) fn add_reaction(reactions: &mut Vec<Reaction>, name: &str, user: &str) -> bool {
    match reactions.iter_mut().find(|r| r.name == name) {
        Some(r) if r.users.iter().any(|u| u == user) => false,
        Some(r) => {
            r.users.push(user.to_string());
            true
        }
        None => {
            reactions.push(Reaction {
                name: name.to_string(),
                users: vec![user.to_string()],
            });
            true
        }
    }
}

/// Removes `user`'s reaction; false when it was not there.
pub(crate) fn remove_reaction(reactions: &mut Vec<Reaction>, name: &str, user: &str) -> bool {
    let Some(index) = reactions.iter().position(|r| r.name == name) else {
        return false;
    };
    let before = reactions[index].users.len();
    reactions[index].users.retain(|u| u != user);
    let removed = reactions[index].users.len() < before;
    if reactions[index].users.is_empty() {
        reactions.remove(index);
    }
    removed
}

/// The readable text of a Block Kit view or message content.
pub(crate) fn content_text(content: &Value) -> String {
    match content.get("text").and_then(Value::as_str) {
        Some(text) if !text.is_empty() => text.to_string(),
        _ => content.get("blocks").map(blocks_text).unwrap_or_default(),
    }
}
