//! Every file of `tests/fixtures/discord` read the way the bot reads it: gateway frames
//! and dispatch data with serenity 0.12's types, REST error and 429 bodies with the
//! adapter's own parsers. Where serenity refuses a file, the refusal is asserted with
//! the reason, so a serenity upgrade that changes it shows up here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use escalator::adapters::discord::components::emoji_name;
use escalator::adapters::discord::rest::{code_name, rate_limited, RestError};
use serde_json::Value;
use serenity::all::{
    GatewayEvent, GuildChannel, Interaction, PartialGuild, Reaction, ReactionType, Ready,
    UnavailableGuild,
};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discord")
}

fn text(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read<T: serde::de::DeserializeOwned>(name: &str, value: Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Asserts that serenity refuses `value` for exactly the missing fields `additions`
/// (JSON pointers), and reads it once they are added.
fn refused_until<T: serde::de::DeserializeOwned>(
    name: &str,
    mut value: Value,
    additions: &[(&str, Value)],
) -> T {
    let mut added = Vec::new();
    loop {
        let error = match serde_json::from_value::<T>(value.clone()) {
            Ok(read) => {
                assert_eq!(
                    added.len(),
                    additions.len(),
                    "{name}: read with only {added:?}"
                );
                return read;
            }
            Err(error) => error.to_string(),
        };
        let Some((pointer, filler)) = additions.iter().find(|(pointer, _)| {
            !added.contains(pointer)
                && error == format!("missing field `{}`", pointer.rsplit('/').next().unwrap())
        }) else {
            panic!("{name}: {error}");
        };
        let (parent, field) = pointer.rsplit_once('/').unwrap();
        let target = if parent.is_empty() {
            &mut value
        } else {
            value.pointer_mut(parent).unwrap()
        };
        target[field] = filler.clone();
        added.push(pointer);
    }
}

fn gateway(name: &str) -> GatewayEvent {
    read(name, json(name))
}

/// Every fixture file, so a new file without a check fails this suite.
const CHECKED: &[&str] = &[
    "gateway/emoji_custom_animated_example.json",
    "gateway/emoji_custom_deleted_name_null_example.json",
    "gateway/emoji_standard_example.json",
    "gateway/guild_object_example.json",
    "gateway/heartbeat_ack.json",
    "gateway/heartbeat_ack_minimal.json",
    "gateway/heartbeat_ack_null_fields.json",
    "gateway/hello.json",
    "gateway/hello_with_trace.json",
    "gateway/invalid_session.json",
    "gateway/message_reaction_add_custom_emoji.json",
    "gateway/message_reaction_add_custom_emoji_no_member.json",
    "gateway/message_reaction_remove_custom_emoji_no_guild.json",
    "gateway/ready_trimmed.json",
    "gateway/reconnect.json",
    "gateway/resumed_with_trace.json",
    "gateway/thread_channel_object.json",
    "gateway/unavailable_guild.json",
    "http/error_10003_unknown_channel.json",
    "http/error_50001_missing_access.json",
    "http/rate_limit_429_body.json",
    "http/rate_limit_429_global.txt",
    "http/rate_limit_429_global_body.json",
    "http/rate_limit_429_shared.txt",
    "http/rate_limit_429_user.txt",
    "interactions/application_command_discord_interactions_js.json",
    "interactions/application_command_slash.json",
    "interactions/message_component_discord_interactions_js.json",
    "interactions/ping_discord_interactions_js.json",
];

fn add_missing() -> Vec<(&'static str, Value)> {
    vec![
        ("/member/flags", 0.into()),
        ("/burst", false.into()),
        ("/type", 0.into()),
    ]
}

fn ready_missing() -> Vec<(&'static str, Value)> {
    vec![("/resume_gateway_url", "wss://gateway.discord.gg".into())]
}

fn slash_missing() -> Vec<(&'static str, Value)> {
    vec![
        ("/member/flags", 0.into()),
        ("/application_id", "1100000000000000001".into()),
        ("/version", 1.into()),
        ("/entitlements", Value::Array(vec![])),
        ("/attachment_size_limit", 26_214_400.into()),
    ]
}

fn bare_missing() -> Vec<(&'static str, Value)> {
    vec![("/burst", false.into()), ("/type", 0.into())]
}

fn guild_missing() -> Vec<(&'static str, Value)> {
    vec![
        ("/nsfw_level", 0.into()),
        ("/stickers", Value::Array(vec![])),
        ("/premium_progress_bar_enabled", false.into()),
    ]
}

#[test]
fn every_fixture_file_has_a_check() {
    let mut found = Vec::new();
    for sub in ["gateway", "http", "interactions"] {
        for entry in std::fs::read_dir(dir().join(sub)).unwrap() {
            found.push(format!(
                "{sub}/{}",
                entry.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    found.sort();
    assert_eq!(found, CHECKED);
}

#[test]
fn emoji_read_as_reaction_types_and_map_to_policy_names() {
    let animated: ReactionType = read(
        "animated",
        json("gateway/emoji_custom_animated_example.json"),
    );
    assert!(
        matches!(&animated, ReactionType::Custom { animated: true, name: Some(name), .. } if name == "LUL")
    );
    let deleted: ReactionType = read(
        "deleted",
        json("gateway/emoji_custom_deleted_name_null_example.json"),
    );
    let ReactionType::Custom { id, name, .. } = deleted else {
        panic!("not a custom emoji: {deleted:?}");
    };
    assert_eq!((id.get(), name), (41_771_983_429_993_937, None));
    let standard: ReactionType = read("standard", json("gateway/emoji_standard_example.json"));
    assert_eq!(standard, ReactionType::Unicode("🔥".into()));
    assert_eq!(emoji_name("🔥"), "fire");
}

#[test]
fn control_frames_read_as_gateway_events() {
    for name in [
        "gateway/heartbeat_ack.json",
        "gateway/heartbeat_ack_minimal.json",
        "gateway/heartbeat_ack_null_fields.json",
    ] {
        assert!(
            matches!(gateway(name), GatewayEvent::HeartbeatAck),
            "{name}"
        );
    }
    assert!(matches!(
        gateway("gateway/hello.json"),
        GatewayEvent::Hello(45_000)
    ));
    assert!(matches!(
        gateway("gateway/hello_with_trace.json"),
        GatewayEvent::Hello(41_250)
    ));
    assert!(matches!(
        gateway("gateway/invalid_session.json"),
        GatewayEvent::InvalidateSession(true)
    ));
    assert!(matches!(
        gateway("gateway/reconnect.json"),
        GatewayEvent::Reconnect
    ));
    let GatewayEvent::Dispatch(seq, _) = gateway("gateway/resumed_with_trace.json") else {
        panic!("RESUMED is not a dispatch");
    };
    assert_eq!(seq, 37_448);
}

#[test]
fn reaction_dispatches_read_with_and_without_member_and_guild() {
    // This capture predates fields serenity 0.12 requires (member `flags`, `burst`,
    // `type`), so serenity would drop it; Discord sends them today, and with them it reads.
    let add = json("gateway/message_reaction_add_custom_emoji.json");
    let reaction: Reaction = refused_until("add", add["d"].clone(), &add_missing());
    assert!(reaction.member.is_some());
    assert!(matches!(reaction.emoji, ReactionType::Custom { .. }));

    let no_member = json("gateway/message_reaction_add_custom_emoji_no_member.json");
    let reaction: Reaction = refused_until("no member", no_member["d"].clone(), &bare_missing());
    assert!(reaction.member.is_none());
    assert_eq!(
        reaction.user_id.map(|u| u.get()),
        Some(208_810_344_729_018_369)
    );

    let removal = json("gateway/message_reaction_remove_custom_emoji_no_guild.json");
    let reaction: Reaction = refused_until("removal", removal["d"].clone(), &bare_missing());
    assert!(reaction.guild_id.is_none() && reaction.member.is_none());

    // The frames themselves read as dispatches; what becomes of their data is shown by
    // the variant: a reaction event, or the catch-all serenity keeps for data it refused.
    for name in [
        "gateway/message_reaction_add_custom_emoji_no_member.json",
        "gateway/message_reaction_remove_custom_emoji_no_guild.json",
    ] {
        let GatewayEvent::Dispatch(_, event) = gateway(name) else {
            panic!("{name} is not a dispatch");
        };
        // These captures predate `burst` and `type` (Discord has sent both since 2023):
        // serenity 0.12 turns them into `Event::Unknown`, so `reaction_add` never sees
        // them. The workspace always sends both.
        assert_eq!(
            format!("{event:?}").split('(').next(),
            Some("Unknown"),
            "{name}"
        );
    }
}

#[test]
fn ready_threads_and_guilds_read_as_serenity_types() {
    // The trimmed READY (gateway v6) lacks fields serenity 0.12 requires; the workspace's
    // READY carries them. serenity does not use `resume_gateway_url`: it resumes on the
    // first gateway URL.
    let ready = json("gateway/ready_trimmed.json");
    let ready: Ready = refused_until("ready", ready["d"].clone(), &ready_missing());
    assert!(!ready.session_id.is_empty());

    let thread: GuildChannel = read("thread", json("gateway/thread_channel_object.json"));
    assert!(thread.thread_metadata.is_some());

    let unavailable: UnavailableGuild = read("unavailable", json("gateway/unavailable_guild.json"));
    assert!(unavailable.unavailable);

    // Discord's documented guild example predates `nsfw_level` and more.
    let guild: PartialGuild = refused_until(
        "guild",
        json("gateway/guild_object_example.json"),
        &guild_missing(),
    );
    assert_eq!(guild.name, "Discord Testers");
}

#[test]
fn rest_errors_get_plain_names() {
    let unknown = json("http/error_10003_unknown_channel.json");
    assert_eq!(
        code_name(404, unknown["code"].as_u64().unwrap()),
        "unknown_channel"
    );
    let missing = json("http/error_50001_missing_access.json");
    assert_eq!(
        code_name(403, missing["code"].as_u64().unwrap()),
        "missing_access"
    );
}

#[test]
fn rate_limit_bodies_give_the_wait_and_scope() {
    let route = rate_limited(&json("http/rate_limit_429_body.json"), None);
    assert_eq!(
        route,
        RestError::RateLimited {
            retry_after: Duration::from_secs_f64(64.57),
            is_global: false
        }
    );
    let global = rate_limited(&json("http/rate_limit_429_global_body.json"), None);
    assert_eq!(
        global,
        RestError::RateLimited {
            retry_after: Duration::from_secs_f64(64.57),
            is_global: true
        }
    );
}

/// The header value and JSON body of a captured `< HTTP/1.1 429` response.
fn response(name: &str) -> (Vec<(String, String)>, Value) {
    let text = text(name);
    let (head, body) = text.split_at(text.find('{').unwrap());
    let headers = head
        .lines()
        .filter_map(|line| line.trim_start_matches("< ").split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (headers, serde_json::from_str(body).unwrap())
}

#[test]
fn captured_429_responses_prefer_the_bodys_fractional_wait() {
    let cases = [
        ("http/rate_limit_429_global.txt", "global", 64.57, true),
        ("http/rate_limit_429_shared.txt", "shared", 1336.57, false),
        ("http/rate_limit_429_user.txt", "user", 64.57, false),
    ];
    for (name, scope, seconds, is_global) in cases {
        let (headers, body) = response(name);
        let header = |key: &str| {
            headers
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            header("x-ratelimit-scope").as_deref(),
            Some(scope),
            "{name}"
        );
        let after: f64 = header("retry-after").unwrap().parse().unwrap();
        assert_eq!(
            rate_limited(&body, Some(after)),
            RestError::RateLimited {
                retry_after: Duration::from_secs_f64(seconds),
                is_global
            },
            "{name}"
        );
    }
}

#[test]
fn the_captured_slash_command_reads_once_the_fields_serenity_requires_are_added() {
    // The capture predates fields serenity 0.12 requires, so serenity would drop it;
    // Discord sends them today, and the workspace's commands carry them.
    let slash = json("interactions/application_command_slash.json");
    let interaction: Interaction = refused_until("slash", slash, &slash_missing());
    assert!(matches!(interaction, Interaction::Command(_)));
}

#[test]
fn the_library_examples_lack_fields_serenity_requires() {
    // The discord-interactions examples are minimal request bodies for signature checks;
    // serenity needs the full interaction (application_id, locale, entitlements, ...).
    for name in [
        "interactions/ping_discord_interactions_js.json",
        "interactions/application_command_discord_interactions_js.json",
        "interactions/message_component_discord_interactions_js.json",
    ] {
        let error = serde_json::from_value::<Interaction>(json(name)).unwrap_err();
        assert!(
            error.to_string().starts_with("missing field"),
            "{name}: {error}"
        );
    }
}
