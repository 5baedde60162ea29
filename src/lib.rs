//! Escalator: an escalation bot for Slack and Discord.

pub mod cli;
pub mod config;
pub mod engine;
pub mod ports;
pub mod simulate;
