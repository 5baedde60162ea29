//! Escalator: an escalation bot for Slack and Discord.
//!
//! The engine decides, the store remembers, the runtime keeps time and delivers, and the
//! adapters speak each platform's protocol. `docs/ARCHITECTURE.md` maps the folders.

pub mod adapters;
pub mod bot;
pub mod chart;
pub mod cli;
pub mod command;
pub mod config;
pub mod demo;
pub mod engine;
pub mod http;
pub mod i18n;
pub mod knowledge;
pub mod memory;
pub mod metrics;
pub mod ports;
pub mod render;
pub mod review;
pub mod runtime;
pub mod simulate;
pub mod stats;
pub mod store;
pub mod workspace;
