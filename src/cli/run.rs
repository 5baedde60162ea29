//! `escalator run --config DIR`: the bot.
//!
//! Loads and checks the config (exit 2 with every problem listed), reads the secrets from
//! the environment variables the config names (exit 2 naming a missing one), opens the
//! data folder (exit 1 if another escalator holds it) and runs until SIGINT or SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::bot::{Bot, Secrets};
use crate::config::{Config, ConfigErrors};
use crate::ports::SystemClock;

use super::check_config::print_errors;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The config folder.
    #[arg(long, value_name = "DIR", default_value = "bot-config")]
    pub config: PathBuf,
}

/// Runs the bot; returns the exit code.
pub fn run(args: &Args, _out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let env = |name: &str| std::env::var(name).ok();
    let mut config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(errors) => {
            print_errors(&errors, err);
            return EXIT_USAGE;
        }
    };
    // Every missing secret is reported at once, not one per attempt.
    let mut missing = match config.resolve_webhooks(env) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.0,
    };
    let slack = match config
        .settings
        .slack
        .as_ref()
        .map(|slack| slack.secrets(env))
    {
        Some(Ok(secrets)) => Some(secrets),
        Some(Err(errors)) => {
            missing.extend(errors);
            None
        }
        None => None,
    };
    let discord = match config
        .settings
        .discord
        .as_ref()
        .map(|discord| discord.token(env))
    {
        Some(Ok(token)) => Some(token),
        Some(Err(error)) => {
            missing.push(error);
            None
        }
        None => None,
    };
    if !missing.is_empty() {
        print_errors(&ConfigErrors(missing), err);
        return EXIT_USAGE;
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(err, "error: could not start the async runtime: {error}");
            return EXIT_FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let bot = Bot::start(config, Secrets { slack, discord }, Arc::new(SystemClock)).await?;
        bot.run(shutdown_signal()).await
    });
    match result {
        Ok(()) => EXIT_OK,
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            EXIT_FAILURE
        }
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutdown requested");
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
