//! The `escalator` command line: one subcommand per module.
//!
//! Each subcommand module holds its clap arguments and a `run` that writes to the given
//! output and error streams and returns the exit code: 0 success, 1 runtime failure,
//! 2 bad usage or bad config. A new subcommand (`run`, `demo`, `incidents`) is a module
//! here and one variant of [`Command`].

pub mod check_config;
pub mod config_export;
pub mod demo;
pub mod incidents;
pub mod kb;
pub mod run;
pub mod simulate;
pub mod snapshots;
pub mod stats;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Success.
pub const EXIT_OK: u8 = 0;
/// A runtime failure.
pub const EXIT_FAILURE: u8 = 1;
/// Bad usage or a bad config.
pub const EXIT_USAGE: u8 = 2;

/// An escalation bot for Slack and Discord.
#[derive(Debug, Parser)]
#[command(name = "escalator", version, about, propagate_version = true)]
pub struct Cli {
    /// Log lines as human-readable text or as JSON objects.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written to standard error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event.
    Json,
}

/// Sets up logging to standard error: `RUST_LOG` if set, else `info` for the bot and
/// `warn` for the other commands, whose output is on standard output.
fn init_logging(command: &Command, format: LogFormat) {
    let default = match command {
        Command::Run(_) => "info",
        _ => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (in tests that call `main` twice) is harmless; ignore it.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot.
    Run(run::Args),
    /// Run the real bot against a built-in local Slack workspace (or Discord server) and
    /// print the conversation.
    Demo(demo::Args),
    /// Check the config folder and print every escalation path in plain words.
    CheckConfig(check_config::Args),
    /// List, show or export the incidents in a stopped bot's data folder.
    Incidents {
        /// What to do with them.
        #[command(subcommand)]
        command: incidents::IncidentsCommand,
    },
    /// Dry-run one incident on a virtual clock: who is paged when, and how.
    Simulate(simulate::Args),
    /// Search or export the fix notes in a stopped bot's data folder.
    Kb {
        /// What to do with them.
        #[command(subcommand)]
        command: kb::KbCommand,
    },
    /// Where escalations stall, per severity, from a stopped bot's data folder.
    Stats(stats::Args),
    /// Work with the policy of a stopped bot: export it as bot-config/ files.
    Config {
        /// What to do with it.
        #[command(subcommand)]
        command: config_export::ConfigCommand,
    },
    /// List the data folder's snapshots, or restore one into a stopped bot's folder.
    Snapshots {
        /// What to do with them.
        #[command(subcommand)]
        command: snapshots::SnapshotsCommand,
    },
}

/// Parses `args` (program name first) and runs the subcommand against the process's
/// standard output and error.
pub fn main(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are printed the same way but are not failures.
            let code = if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    init_logging(&cli.command, cli.log_format);
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    ExitCode::from(run(cli.command, &mut out, &mut err))
}

/// Runs one parsed subcommand; returns its exit code.
pub fn run(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match command {
        Command::Run(args) => run::run(&args, out, err),
        Command::Demo(args) => demo::run(&args, out, err),
        Command::CheckConfig(args) => check_config::run(&args, out, err),
        Command::Incidents { command } => match incidents::run(command) {
            Ok(()) => EXIT_OK,
            Err(error) => {
                let _ = writeln!(err, "error: {error:#}");
                EXIT_FAILURE
            }
        },
        Command::Simulate(args) => simulate::run(&args, out, err),
        Command::Kb { command } => match kb::run(command, out) {
            Ok(()) => EXIT_OK,
            Err(error) => {
                let _ = writeln!(err, "error: {error:#}");
                EXIT_FAILURE
            }
        },
        Command::Stats(args) => stats::run(&args, out, err),
        Command::Config { command } => config_export::run(&command, out, err),
        Command::Snapshots { command } => match snapshots::run(command, out) {
            Ok(()) => EXIT_OK,
            Err(error) => {
                let _ = writeln!(err, "error: {error:#}");
                EXIT_FAILURE
            }
        },
    }
}
