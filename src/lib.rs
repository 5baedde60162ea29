//! Escalator: an escalation bot for Slack and Discord.

pub mod adapters;
pub mod engine;
pub mod ports;
