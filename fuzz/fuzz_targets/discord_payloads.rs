//! Bytes as Discord would send them: interactions and reaction dispatches, decoded with
//! serenity's types through the bot's own checks; a command's options become grammar
//! text and are parsed, a reaction's emoji is named, as the bot does.

#![no_main]

use escalator::adapters::discord::components::emoji_name;
use escalator::adapters::discord::inbound::{command_text, snowflake_time};
use escalator::adapters::discord::interactions::decode;
use escalator::command::parse;
use escalator::engine::SeverityId;
use libfuzzer_sys::fuzz_target;
use serenity::all::{Interaction, Reaction, ReactionType};

fuzz_target!(|bytes: &[u8]| {
    let severities = ["sev1", "sev2"].map(SeverityId::from);
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return;
    };
    if let Ok(Interaction::Command(command)) = decode::<Interaction>(payload.clone()) {
        let _ = snowflake_time(command.id.get());
        let _ = parse(&command_text(&command.data.options), &severities);
    }
    if let Ok(reaction) = decode::<Reaction>(payload) {
        if let ReactionType::Unicode(unicode) = &reaction.emoji {
            let _ = emoji_name(unicode);
        }
    }
});
