//! Chat adapters: they turn platform events into engine intents and engine effects into
//! platform calls. All platform knowledge lives here; policy decisions do not.

pub mod request;
pub mod slack;
