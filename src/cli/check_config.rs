//! `escalator check-config --config DIR`: validates the config folder.
//!
//! On success it prints every severity and team path in plain words and exits 0; on
//! failure it prints every problem to standard error as `file:line:col: field: message`
//! and exits 2.

use std::io::Write;
use std::path::PathBuf;

use crate::config::describe::describe_policy;
use crate::config::{Config, ConfigErrors};

use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};

/// Arguments of `check-config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The config folder.
    #[arg(long, value_name = "DIR", default_value = "bot-config")]
    pub config: PathBuf,
}

/// Runs `check-config`; returns the exit code.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(errors) => {
            print_errors(&errors, err);
            return EXIT_USAGE;
        }
    };

    let mut text = String::new();
    for line in describe_policy(&config.policy) {
        text.push_str(&line);
        text.push('\n');
    }
    let policy = &config.policy;
    text.push_str(&format!(
        "{}: ok ({}, {}, {})\n",
        args.config.display(),
        count(policy.teams.len(), "team", "teams"),
        count(policy.people.len(), "person", "people"),
        count(policy.severities.len(), "severity", "severities")
    ));
    match out.write_all(text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_FAILURE,
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Prints every config error, one a line, then how many there were.
pub fn print_errors(errors: &ConfigErrors, err: &mut dyn Write) {
    let mut text = String::new();
    for error in errors.iter() {
        text.push_str(&error.to_string());
        text.push('\n');
    }
    let count = errors.len();
    let noun = if count == 1 { "problem" } else { "problems" };
    text.push_str(&format!("the config has {count} {noun}\n"));
    // Nothing more can be done when standard error itself is gone.
    let _ = err.write_all(text.as_bytes());
}
