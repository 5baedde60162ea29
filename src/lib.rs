//! Escalator: an escalation bot for Slack and Discord.
pub mod workspace;
