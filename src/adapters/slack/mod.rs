//! The Slack adapter, on slack-morphism: Socket Mode (the default) or the HTTP Events API
//! for inbound events, the Web API for everything the bot posts.

pub mod blocks;
pub mod client;
pub mod events;
pub mod http;
pub mod inbound;
pub mod lookup;
pub mod nagle;
pub mod outbound;
pub mod socket;
