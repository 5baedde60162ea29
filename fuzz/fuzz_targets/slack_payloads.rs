//! Bytes as Slack would post them: Events API callbacks and interactions (JSON) and
//! slash commands (form encoded), decoded with slack-morphism's types and turned into
//! requests the way the bot does; a command's text then goes through the grammar.

#![no_main]

use escalator::adapters::request::RequestKind;
use escalator::adapters::slack::events::{command_request, interaction_request, push_request};
use escalator::command::parse;
use escalator::engine::SeverityId;
use libfuzzer_sys::fuzz_target;
use slack_morphism::prelude::*;

fuzz_target!(|bytes: &[u8]| {
    let severities = ["sev1", "sev2"].map(SeverityId::from);
    let mut requests = Vec::new();
    if let Ok(SlackPushEvent::EventCallback(callback)) = serde_json::from_slice(bytes) {
        requests.extend(push_request(&callback, "UBOT"));
    }
    if let Ok(event) = serde_json::from_slice::<SlackInteractionEvent>(bytes) {
        requests.extend(interaction_request(&event));
    }
    if let Ok(event) = serde_urlencoded::from_bytes::<SlackCommandEvent>(bytes) {
        requests.push(command_request(&event));
    }
    for request in requests {
        if let RequestKind::Command { text, .. } = request.kind {
            let _ = parse(&text, &severities);
        }
    }
});
