//! The `escalator` command line: one subcommand per module.
//!
//! Each subcommand module holds its clap arguments and a `run` that writes to the given
//! output and error streams and returns the exit code: 0 success, 1 runtime failure,
//! 2 bad usage or bad config. A new subcommand (`run`, `demo`, `incidents`) is a module
//! here and one variant of [`Command`].

pub mod check_config;
pub mod incidents;
pub mod simulate;

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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the config folder and print every escalation path in plain words.
    CheckConfig(check_config::Args),
    /// Dry-run one incident on a virtual clock: who is paged when, and how.
    Simulate(simulate::Args),
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
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    ExitCode::from(run(cli.command, &mut out, &mut err))
}

/// Runs one parsed subcommand; returns its exit code.
pub fn run(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match command {
        Command::CheckConfig(args) => check_config::run(&args, out, err),
        Command::Simulate(args) => simulate::run(&args, out, err),
    }
}
