//! Escalator: an escalation bot for Slack and Discord.

pub mod engine;
pub mod ports;
pub mod runtime;
pub mod store;
// Temporary until the command-line module lands: lets the `incidents` command compile.
pub mod cli {
    pub mod incidents;
}
