//! Escalator: an escalation bot for Slack and Discord.

pub mod engine;
pub mod ports;
pub mod runtime;
pub mod store;
