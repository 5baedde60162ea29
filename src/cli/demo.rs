//! `escalator demo`: the real bot against a built-in local Slack workspace.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_FAILURE, EXIT_OK};

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the bot's data in this folder instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// Runs the demo; returns the exit code.
pub fn run(args: &Args, _out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(err, "error: could not start the async runtime: {error}");
            return EXIT_FAILURE;
        }
    };
    match runtime.block_on(crate::demo::run(args.data.clone())) {
        Ok(()) => EXIT_OK,
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            EXIT_FAILURE
        }
    }
}
