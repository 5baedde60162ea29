//! Escalator: an escalation bot for Slack and Discord.

pub mod command;
pub mod engine;
pub mod ports;
