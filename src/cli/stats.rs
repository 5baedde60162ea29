//! `escalator stats --data DIR`: where escalations stall, per severity, from a stopped
//! bot's data folder.
//!
//! ```text
//! escalator stats --data DIR [--since 30d] [--team ID] [--format table|csv|json]
//!                 [--chart FILE.png]
//! ```
//!
//! `--chart` also draws the times to acknowledge per severity as a PNG ([`crate::chart`]).
//!
//! Durations are whole seconds in CSV and JSON, and short human forms (`4m`, `1h 5m`)
//! in the table. The figures are defined in [`crate::stats`].

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::chart::{self, Drawn};
use crate::cli::incidents;
use crate::cli::{EXIT_FAILURE, EXIT_OK};
use crate::engine::TeamId;
use crate::stats::{compute, compute_stored, records, Filter, SeverityStats, Stats};

/// A period such as `30d` or `12h`.
fn period(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|_| "write a period as a number and a unit, e.g. 30d, 12h or 90m".to_owned())
}

/// Arguments of `escalator stats`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bot's data folder.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Only incidents opened within this period before now, e.g. 30d or 12h.
    #[arg(long, value_name = "PERIOD", value_parser = period)]
    pub since: Option<Duration>,
    /// Only this team's incidents.
    #[arg(long, value_name = "ID")]
    pub team: Option<String>,
    /// How to print the figures.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also draw the times to acknowledge per severity into this PNG file.
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<PathBuf>,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned table.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object.
    Json,
}

/// Runs `escalator stats`.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let store = match incidents::open(&args.data) {
        Ok(store) => store,
        Err(error) => {
            let _ = writeln!(err, "error: {error:#}");
            return EXIT_FAILURE;
        }
    };
    let since = args.since.and_then(|period| {
        chrono::Duration::from_std(period)
            .ok()
            .map(|period| chrono::Utc::now() - period)
    });
    let filter = Filter {
        since,
        team: args.team.as_deref().map(TeamId::from),
    };
    // A chart needs every record at once, and then the figures come from those records;
    // without one the store is read one incident at a time.
    let read = match &args.chart {
        Some(_) => records(&store).map(|records| (compute(&records, &filter), Some(records))),
        None => compute_stored(&store, &filter).map(|stats| (stats, None)),
    };
    let (stats, records) = match read {
        Ok(read) => read,
        Err(error) => {
            let _ = writeln!(err, "error: could not read the incidents: {error}");
            return EXIT_FAILURE;
        }
    };
    if let (Some(path), Some(records)) = (&args.chart, &records) {
        if let Err(code) = write_chart(records, &filter, path, err) {
            return code;
        }
    }
    let text = match args.format {
        Format::Table => table(&stats),
        Format::Csv => csv(&stats),
        Format::Json => serde_json::to_string_pretty(&stats).unwrap_or_default() + "\n",
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_FAILURE,
    }
}

/// Draws the chart, telling `err` when it has no text for want of a font.
fn write_chart(
    records: &[crate::stats::Record],
    filter: &Filter,
    path: &std::path::Path,
    err: &mut dyn Write,
) -> Result<(), u8> {
    let variable = std::env::var(chart::FONT_VARIABLE).ok();
    let drawn = chart::find_font(variable.as_deref())
        .and_then(|font| chart::draw(&chart::ack_times(records, filter), font.as_deref(), path));
    match drawn {
        Ok(Drawn::WithText(_)) => Ok(()),
        Ok(Drawn::WithoutText) => {
            let _ = writeln!(
                err,
                "note: no font found, so {} has no labels; set {} to a .ttf file to add them",
                path.display(),
                chart::FONT_VARIABLE
            );
            Ok(())
        }
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            Err(EXIT_FAILURE)
        }
    }
}

const HEADER: [&str; 13] = [
    "severity",
    "count",
    "acknowledged",
    "ack_median",
    "ack_p90",
    "resolve_median",
    "first_step_percent",
    "deputy_fallbacks",
    "timeouts_per_step",
    "timeouts_per_person",
    "fix_notes_captured",
    "fix_notes_skipped",
    "fix_notes_missing",
];

fn cells(stats: &SeverityStats, duration: fn(Option<u64>) -> String) -> [String; 13] {
    let optional = |value: Option<u64>| value.map_or("-".to_owned(), |v| v.to_string());
    [
        stats.severity.to_string(),
        stats.count.to_string(),
        stats.acknowledged.to_string(),
        duration(stats.ack_median_seconds),
        duration(stats.ack_p90_seconds),
        duration(stats.resolve_median_seconds),
        optional(stats.first_step_percent()),
        stats.deputy_fallbacks.to_string(),
        pairs(stats.timeouts_per_step.iter()),
        pairs(stats.timeouts_per_person.iter()),
        stats.fix_notes_captured.to_string(),
        stats.fix_notes_skipped.to_string(),
        stats.fix_notes_missing.to_string(),
    ]
}

/// `key=count` pairs separated by spaces, or `-`.
fn pairs<'a, K: std::fmt::Display>(items: impl Iterator<Item = (K, &'a usize)>) -> String {
    let text: Vec<String> = items.map(|(key, count)| format!("{key}={count}")).collect();
    if text.is_empty() {
        "-".to_owned()
    } else {
        text.join(" ")
    }
}

fn seconds(value: Option<u64>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

fn human(value: Option<u64>) -> String {
    value.map_or("-".to_owned(), |v| {
        humantime::format_duration(Duration::from_secs(v)).to_string()
    })
}

/// The figures as CSV; no cell holds a comma or a quote.
pub fn csv(stats: &Stats) -> String {
    let mut text = HEADER.join(",") + "\n";
    for severity in &stats.severities {
        text.push_str(&cells(severity, seconds).join(","));
        text.push('\n');
    }
    text
}

/// The figures as an aligned table.
pub fn table(stats: &Stats) -> String {
    let mut rows = vec![HEADER.map(|name| name.to_uppercase())];
    rows.extend(stats.severities.iter().map(|s| cells(s, human)));
    let mut widths = [0; 13];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    let skips: Vec<String> = stats
        .severities
        .iter()
        .flat_map(|severity| {
            severity.skip_reasons.iter().map(move |skip| {
                format!(
                    "  {} ({}): {}",
                    skip.incident, severity.severity, skip.reason
                )
            })
        })
        .collect();
    if !skips.is_empty() {
        text.push_str("\nClosed without a fix note:\n");
        text.push_str(&skips.join("\n"));
        text.push('\n');
    }
    text
}
