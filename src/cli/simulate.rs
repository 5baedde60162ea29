//! `escalator simulate`: a dry run of one incident on a virtual clock.
//!
//! ```text
//! escalator simulate --config DIR --severity S [--team T]
//!     [--absent PERSON | --absent PERSON@FROM..UNTIL]... [--ack PERSON@DURATION]
//!     [--at RFC3339] [--until DURATION] [--json]
//! ```
//!
//! FROM and UNTIL are local date-times (`2026-03-29T01:00`) in the absent person's time
//! zone; either may be left out. `--team` may be left out when there is one team, `--at`
//! defaults to now and `--until` to 2h. Prints one line per timeline entry, or a JSON
//! array with `--json`. Unknown severities, teams or people exit 2.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

use crate::config::Config;
use crate::engine::{Platform, SeverityId, TeamId, Timestamp};
use crate::simulate::{simulate, AbsenceSpec, Line, PlannedAck, Scenario, SimulationError};

use super::check_config::print_errors;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};

/// Arguments of `simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The config folder.
    #[arg(long, value_name = "DIR", default_value = "bot-config")]
    pub config: PathBuf,
    /// The severity to open the incident with.
    #[arg(long)]
    pub severity: String,
    /// The team whose path it climbs; needed when there are several teams.
    #[arg(long)]
    pub team: Option<String>,
    /// Someone away: the whole time, or between two local date-times in their time zone.
    #[arg(long, value_name = "PERSON[@FROM..UNTIL]")]
    pub absent: Vec<AbsenceSpec>,
    /// Someone who acknowledges this long after the start.
    #[arg(long, value_name = "PERSON@DURATION")]
    pub ack: Option<PlannedAck>,
    /// When the incident opens; defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub at: Option<Timestamp>,
    /// How long to run at most.
    #[arg(long, value_name = "DURATION", default_value = "2h", value_parser = parse_positive_duration)]
    pub until: Duration,
    /// Print a JSON array instead of lines.
    #[arg(long)]
    pub json: bool,
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| {
            format!("`{text}` is not an RFC 3339 time such as 2026-03-29T00:55:00Z ({error})")
        })
}

fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        Ok(_) => Err("the duration must be longer than zero".to_owned()),
        Err(error) => Err(format!("`{text}` is not a duration such as 2h ({error})")),
    }
}

/// Runs `simulate`; returns the exit code.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(errors) => {
            print_errors(&errors, err);
            return EXIT_USAGE;
        }
    };
    let lines =
        match scenario(args, &config).and_then(|scenario| simulate(&config.policy, &scenario)) {
            Ok(lines) => lines,
            Err(error) => {
                let _ = writeln!(err, "simulate: {error}");
                return exit_code(&error);
            }
        };

    let text = if args.json {
        match serde_json::to_string_pretty(&lines) {
            Ok(json) => json + "\n",
            Err(_) => return EXIT_FAILURE,
        }
    } else {
        render(&lines)
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_FAILURE,
    }
}

fn exit_code(error: &SimulationError) -> u8 {
    match error {
        SimulationError::Refused(_) => EXIT_FAILURE,
        _ => EXIT_USAGE,
    }
}

/// The timeline as text, one line per entry.
pub fn render(lines: &[Line]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

fn scenario(args: &Args, config: &Config) -> Result<Scenario, SimulationError> {
    let policy = &config.policy;
    let severity = SeverityId::from(args.severity.as_str());
    if policy.severity(&severity).is_none() {
        return Err(SimulationError::UnknownSeverity(severity));
    }
    let team = match &args.team {
        Some(team) => TeamId::from(team.as_str()),
        None => sole_team(config)?,
    };
    let absences = args
        .absent
        .iter()
        .map(|spec| spec.resolve(policy))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scenario {
        severity,
        team,
        platform: config
            .platforms()
            .first()
            .copied()
            .unwrap_or(Platform::Slack),
        start: args.at.unwrap_or_else(|| Utc::now().trunc_subsecs(0)),
        absences,
        ack: args.ack.clone(),
        until: args.until,
    })
}

fn sole_team(config: &Config) -> Result<TeamId, SimulationError> {
    let mut teams = config.policy.teams.keys();
    match (teams.next(), teams.next()) {
        (Some(team), None) => Ok(team.clone()),
        _ => Err(SimulationError::TeamNeeded(
            config.policy.teams.keys().cloned().collect(),
        )),
    }
}
