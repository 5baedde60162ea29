//! `escalator demo [--platform slack|discord]`: the real bot against a built-in local
//! Slack workspace or Discord server.

use std::io::Write;
use std::path::PathBuf;

use super::{EXIT_FAILURE, EXIT_OK};

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the bot's data in this folder instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The platform to show: a local Slack workspace or a local Discord server.
    #[arg(long, value_enum, default_value_t = DemoPlatform::Slack)]
    pub platform: DemoPlatform,
}

/// The platforms the demo can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoPlatform {
    /// A local Slack workspace.
    Slack,
    /// A local Discord server.
    Discord,
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
    let demo = async {
        match args.platform {
            DemoPlatform::Slack => crate::demo::run(args.data.clone()).await,
            DemoPlatform::Discord => crate::demo::discord::run(args.data.clone()).await,
        }
    };
    match runtime.block_on(demo) {
        Ok(()) => EXIT_OK,
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            EXIT_FAILURE
        }
    }
}
