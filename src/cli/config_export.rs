//! `escalator config export`: the live policy of a stopped bot as `bot-config/` files.
//!
//! ```text
//! escalator config export --config DIR [--data DIR] --out DIR
//! ```
//!
//! The live policy is what the bot would run with at its next start: the config folder
//! with the changes admins made in chat since the last `admin reload` laid over it (see
//! [`crate::config::change`]). The files written pass `check-config`; the command checks
//! that before it reports success.

use std::io::Write;
use std::path::PathBuf;

use super::check_config::print_errors;
use super::{incidents, EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use crate::config::change::replay;
use crate::config::export::{PolicyFiles, PolicySource};
use crate::config::Config;

/// What `escalator config` does.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Write the live policy (the config folder plus chat changes) as bot-config/ files.
    Export(ExportArgs),
}

/// Arguments of `escalator config export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The config folder the bot runs with.
    #[arg(long, value_name = "DIR", default_value = "bot-config")]
    pub config: PathBuf,
    /// The bot's data folder; by default the one the config names.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Where to write the files; created when missing.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Runs `escalator config …`; returns the exit code.
pub fn run(command: &ConfigCommand, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let ConfigCommand::Export(args) = command;
    let config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(errors) => {
            print_errors(&errors, err);
            return EXIT_USAGE;
        }
    };
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| config.settings.storage.data_dir.clone());
    let audit = match incidents::open(&data).and_then(|store| Ok(store.audit(usize::MAX)?)) {
        Ok(audit) => audit,
        Err(error) => {
            let _ = writeln!(err, "error: {error:#}");
            if !data.is_dir() {
                let _ = writeln!(
                    err,
                    "The policy's chat changes are kept in the bot's data folder; if the bot \
                     keeps its data elsewhere, name that folder with --data DIR. If no bot has \
                     run with this config yet, the files themselves are the live policy."
                );
            }
            return EXIT_FAILURE;
        }
    };
    let source = PolicySource::of(&config);
    let policy = replay(config.policy.clone(), &source, &audit);
    let files = PolicyFiles::of(&source, &policy);
    if let Err(error) = files.write(&args.out) {
        let _ = writeln!(
            err,
            "error: could not write {}: {error}",
            args.out.display()
        );
        return EXIT_FAILURE;
    }
    // The export must pass the same checks as the folder it replaces.
    if let Err(errors) = Config::load(&args.out) {
        print_errors(&errors, err);
        return EXIT_FAILURE;
    }
    let _ = writeln!(
        out,
        "{}: the live policy, checked like check-config",
        args.out.display()
    );
    EXIT_OK
}
