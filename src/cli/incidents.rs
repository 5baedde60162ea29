//! `escalator incidents list|show|export --data DIR`: read the incidents of a stopped
//! bot's data folder.
//!
//! Grammar:
//!
//! ```text
//! escalator incidents list   --data DIR [--state open|acknowledged|resolved|closed|cancelled]
//! escalator incidents show   --data DIR INC-42
//! escalator incidents export --data DIR [--output FILE]
//! ```
//!
//! The store's lock keeps these off a running bot's folder: they fail with "another
//! escalator is using DIR" rather than read a store that is being written.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::engine::{Entry, Event, Incident, IncidentId, PageReason, SkipReason, State, Timestamp};
use crate::store::{Store, StoreOptions};

/// The `incidents` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum IncidentsCommand {
    /// List incidents as a table.
    List {
        /// The bot's data folder.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Only incidents in this state.
        #[arg(long, value_enum)]
        state: Option<StateFilter>,
    },
    /// Show one incident with its timeline.
    Show {
        /// The bot's data folder.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The incident, e.g. INC-42 or 42.
        id: IncidentId,
    },
    /// Write every record of the store as JSON lines.
    Export {
        /// The bot's data folder.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The file to write; standard output when absent.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// A state to filter the list by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StateFilter {
    /// Paging is under way.
    Open,
    /// Someone owns it.
    Acknowledged,
    /// Fixed; waiting for the fix note.
    Resolved,
    /// Fix note captured.
    Closed,
    /// Withdrawn.
    Cancelled,
}

impl StateFilter {
    fn state(self) -> State {
        match self {
            StateFilter::Open => State::Open,
            StateFilter::Acknowledged => State::Acknowledged,
            StateFilter::Resolved => State::Resolved,
            StateFilter::Closed => State::Closed,
            StateFilter::Cancelled => State::Cancelled,
        }
    }
}

/// The data commands open the store with a small cache: they read once and exit.
const CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// Runs one `incidents` subcommand.
pub fn run(command: IncidentsCommand) -> anyhow::Result<()> {
    let stdout = io::stdout();
    match command {
        IncidentsCommand::List { data, state } => {
            let store = open(&data)?;
            let incidents = store.incidents().context("could not read the incidents")?;
            let chosen: Vec<Incident> = incidents
                .into_iter()
                .filter(|incident| state.is_none_or(|state| incident.state == state.state()))
                .collect();
            stdout.lock().write_all(list(&chosen).as_bytes())?;
        }
        IncidentsCommand::Show { data, id } => {
            let store = open(&data)?;
            let incident = store
                .incident(id)
                .context("could not read the incident")?
                .with_context(|| format!("there is no incident {id}"))?;
            let timeline = store.timeline(id).context("could not read the timeline")?;
            stdout
                .lock()
                .write_all(show(&incident, &timeline).as_bytes())?;
        }
        IncidentsCommand::Export { data, output } => {
            let store = open(&data)?;
            match output {
                Some(path) => {
                    let file = File::create(&path)
                        .with_context(|| format!("could not create {}", path.display()))?;
                    store
                        .export(BufWriter::new(file))
                        .context("could not export")?;
                }
                None => store.export(stdout.lock()).context("could not export")?,
            }
        }
    }
    Ok(())
}

/// Opens a stopped bot's data folder.
pub(crate) fn open(dir: &Path) -> anyhow::Result<Store> {
    Ok(Store::open_existing(
        dir,
        StoreOptions {
            cache_bytes: CACHE_BYTES,
        },
    )?)
}

/// The incidents as an aligned table, one per line under a header.
pub fn list(incidents: &[Incident]) -> String {
    let header = [
        "ID", "STATE", "SEVERITY", "TEAM", "OPENED", "ASSIGNEE", "SUMMARY",
    ]
    .map(String::from);
    let mut rows = vec![header];
    for incident in incidents {
        rows.push([
            incident.id.to_string(),
            incident.state.to_string(),
            incident.severity.to_string(),
            incident.team.to_string(),
            time(incident.opened_at),
            incident
                .assignee
                .as_ref()
                .map_or("-".to_owned(), ToString::to_string),
            one_line(&incident.summary),
        ]);
    }

    let mut widths = [0; 7];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    for row in &rows {
        let mut line = String::new();
        for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
            if index + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        table.push_str(line.trim_end());
        table.push('\n');
    }
    table
}

/// One incident and its timeline, in plain words.
pub fn show(incident: &Incident, timeline: &[Entry]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{}  {}", incident.id, one_line(&incident.summary));
    let fields = [
        ("state", incident.state.to_string()),
        ("severity", incident.severity.to_string()),
        ("team", incident.team.to_string()),
        ("platform", incident.platform.to_string()),
        ("reporter", incident.reporter.id.clone()),
        ("opened", time(incident.opened_at)),
        (
            "acknowledged",
            incident.acknowledged_at.map_or("-".to_owned(), time),
        ),
        (
            "resolved",
            incident.resolved_at.map_or("-".to_owned(), time),
        ),
        ("closed", incident.closed_at.map_or("-".to_owned(), time)),
        (
            "assignee",
            incident
                .assignee
                .as_ref()
                .map_or("-".to_owned(), ToString::to_string),
        ),
        (
            "next timer",
            incident
                .timer
                .map_or("-".to_owned(), |timer| time(timer.due)),
        ),
    ];
    for (name, value) in fields {
        let _ = writeln!(text, "  {:<14}{value}", format!("{name}:"));
    }
    let _ = writeln!(text, "\ntimeline:");
    for entry in timeline {
        let _ = writeln!(text, "  {}  {}", time(entry.at), describe(&entry.event));
    }
    text
}

fn time(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The text on one line, so a summary cannot break the table.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A timeline event in plain words.
fn describe(event: &Event) -> String {
    match event {
        Event::Opened { reporter, severity } => format!("opened as {severity} by {}", reporter.id),
        Event::Paged {
            person,
            means,
            reason,
            step,
        } => {
            let means: Vec<String> = means.iter().map(ToString::to_string).collect();
            format!(
                "paged {person} by {} on step {} ({})",
                means.join(", "),
                step + 1,
                page_reason(reason)
            )
        }
        Event::Skipped {
            person,
            deputy,
            reason,
        } => {
            let why = match reason {
                SkipReason::Absent { until } => format!("away until {}", time(*until)),
                SkipReason::AlreadyPaged => "already paged".to_owned(),
            };
            match deputy {
                Some(deputy) => format!("skipped {person} ({why}); {deputy} stands in"),
                None => format!("skipped {person} ({why})"),
            }
        }
        Event::Climbed { step } => format!("moved to step {}", step + 1),
        Event::ChannelPaged { round } => {
            format!("paged the whole incident channel (round {round})")
        }
        Event::Acknowledged { by } => format!("acknowledged by {by}"),
        Event::Reassigned { from, to, by } => match from {
            Some(from) => format!("handed from {from} to {to} by {}", by.id),
            None => format!("handed to {to} by {}", by.id),
        },
        Event::SeverityChanged { from, to, by } => {
            format!("severity changed from {from} to {to} by {}", by.id)
        }
        Event::StatusUpdate { by, text } => format!("update from {}: {}", by.id, one_line(text)),
        Event::Followed { by } => format!("followed by {}", by.id),
        Event::Resolved { by } => format!("resolved by {}", by.id),
        Event::FixNoteAdded { by } => format!("fix note added by {}", by.id),
        Event::FixNoteSkipped { by, reason } => {
            format!("closed with nothing to note by {}: {reason}", by.id)
        }
        Event::FixNoteEdited { by } => format!("fix note edited by {}", by.id),
        Event::FixNoteRequested { reminder: 0 } => "fix note requested".to_owned(),
        Event::FixNoteRequested { reminder } => format!("fix note reminder {reminder}"),
        Event::Cancelled { by } => format!("cancelled by {}", by.id),
    }
}

fn page_reason(reason: &PageReason) -> String {
    match reason {
        PageReason::First => "first page".to_owned(),
        PageReason::Repage { n } => format!("re-page {n}"),
        PageReason::Deputy { of } => format!("deputy of {of}"),
        PageReason::StandIn { of } => format!("standing in for {of}"),
        PageReason::SeverityChanged => "severity changed".to_owned(),
        PageReason::Reassigned => "handed over".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::engine::{Cursor, Phase, Platform, UserRef};

    fn at(text: &str) -> Timestamp {
        text.parse().expect("test timestamps are valid")
    }

    fn incident(id: u64, state: State, assignee: Option<&str>, summary: &str) -> Incident {
        Incident {
            id: IncidentId(id),
            platform: Platform::Slack,
            team: "payments".into(),
            severity: "sev1".into(),
            summary: summary.to_owned(),
            reporter: UserRef::slack("U1"),
            origin_channel: "C1".to_owned(),
            state,
            opened_at: at("2024-05-01T10:00:00Z"),
            acknowledged_at: None,
            resolved_at: None,
            closed_at: None,
            assignee: assignee.map(Into::into),
            followers: BTreeSet::new(),
            cursor: Cursor {
                step: 0,
                phase: Phase::Holders { repages_sent: 0 },
                since: at("2024-05-01T10:00:00Z"),
                step_paged: Vec::new(),
            },
            paged: BTreeSet::new(),
            timer: None,
            fix_note_reminders: 0,
            fix_note_skip: None,
            fix_note_history: Vec::new(),
            fix_note: None,
        }
    }

    #[test]
    fn a_running_bots_folder_is_refused_with_the_lock_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _running = Store::open(dir.path(), StoreOptions::default()).expect("opens");
        let error = run(IncidentsCommand::List {
            data: dir.path().to_owned(),
            state: None,
        })
        .expect_err("the folder is locked");
        assert_eq!(
            error.to_string(),
            format!("another escalator is using {}", dir.path().display())
        );
    }

    #[test]
    fn a_folder_without_data_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("typo");
        let error = run(IncidentsCommand::Show {
            data: data.clone(),
            id: IncidentId(1),
        })
        .expect_err("there is no store");
        assert_eq!(
            error.to_string(),
            format!("there is no escalator data in {}", data.display())
        );
        assert!(!data.exists());
    }

    #[tokio::test]
    async fn export_writes_the_stores_records_to_the_output_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let output = dir.path().join("incidents.jsonl");
        let expected = {
            let store = Store::open(&data, StoreOptions::default()).expect("opens");
            let change = crate::store::Change {
                incident: incident(1, State::Open, None, "db down"),
                timeline: vec![],
                effects: vec![],
                dedupe: None,
                at: at("2024-05-01T10:00:00Z"),
            };
            store.commit(change).await.expect("commits");
            let mut expected = Vec::new();
            store.export(&mut expected).expect("exports");
            expected
        };

        run(IncidentsCommand::Export {
            data,
            output: Some(output.clone()),
        })
        .expect("exports");
        assert_eq!(std::fs::read(&output).expect("the file exists"), expected);
    }

    #[test]
    fn list_aligns_columns() {
        let table = list(&[
            incident(7, State::Open, None, "db down"),
            incident(12, State::Acknowledged, Some("alice"), "checkout\n fails"),
        ]);
        assert_eq!(
            table,
            "ID      STATE         SEVERITY  TEAM      OPENED                   ASSIGNEE  SUMMARY\n\
             INC-7   open          sev1      payments  2024-05-01 10:00:00 UTC  -         db down\n\
             INC-12  acknowledged  sev1      payments  2024-05-01 10:00:00 UTC  alice     checkout fails\n"
        );
    }

    #[test]
    fn show_prints_fields_and_timeline() {
        let incident = incident(3, State::Open, None, "db down");
        let timeline = [
            Entry {
                at: at("2024-05-01T10:00:00Z"),
                event: Event::Opened {
                    reporter: UserRef::slack("U1"),
                    severity: "sev1".into(),
                },
            },
            Entry {
                at: at("2024-05-01T10:05:00Z"),
                event: Event::Paged {
                    person: "alice".into(),
                    means: vec![crate::engine::policy::Means::Direct],
                    reason: PageReason::Repage { n: 1 },
                    step: 0,
                },
            },
        ];
        let text = show(&incident, &timeline);
        assert!(
            text.starts_with("INC-3  db down\n  state:        open\n"),
            "{text}"
        );
        assert!(text.contains("\n  acknowledged: -\n"), "{text}");
        assert!(
            text.ends_with(
                "timeline:\n  2024-05-01 10:00:00 UTC  opened as sev1 by U1\n  \
                 2024-05-01 10:05:00 UTC  paged alice by dm on step 1 (re-page 1)\n"
            ),
            "{text}"
        );
    }
}
