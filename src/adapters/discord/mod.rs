//! The Discord adapter, on serenity: the gateway for inbound interactions and reactions,
//! Discord's REST API (with the adapter's own bounded 429 handling) for everything the
//! bot posts.

pub mod components;
pub mod gateway;
pub mod inbound;
pub mod interactions;
pub mod outbound;
pub mod rest;

/// How many times a REST call is retried after a 429 before the delivery is handed back
/// to the outbox's own retries.
pub const DISCORD_RETRIES: u32 = 3;
