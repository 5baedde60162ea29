//! Escalator: an escalation bot for Slack and Discord.

pub mod engine;
pub mod i18n;
pub mod ports;
pub mod render;
