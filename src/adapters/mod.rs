//! Chat adapters: they turn platform events into engine intents and engine effects into
//! platform calls. All platform knowledge lives in the platform folders; `request`,
//! `respond` and `reply` are the platform-neutral parts they share.

pub mod admin;
pub mod away;
pub mod deadline;
pub mod discord;
pub mod reply;
pub mod request;
pub mod resend;
pub mod respond;
pub mod slack;
pub mod stats;
pub mod why;
