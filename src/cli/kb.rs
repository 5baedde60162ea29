//! `escalator kb search|export --data DIR`: the fix notes of a stopped bot's data folder.
//!
//! Grammar:
//!
//! ```text
//! escalator kb search --data DIR [--limit N] QUERY...
//! escalator kb export --data DIR --format markdown|json [--locale en|ko] [--output FILE]
//! ```
//!
//! Search uses the same index and ranking as `/escalate kb`, rebuilding the index from
//! the store first when it is missing or out of date. The store's lock keeps these off a
//! running bot's folder: they fail with "another escalator is using DIR".

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use fluent_bundle::FluentValue;
use serde_json::json;

use crate::engine::{FixNote, Incident};
use crate::i18n;
use crate::knowledge::{Hit, KnowledgeBase};
use crate::store::{Store, StoreOptions};

/// The `kb` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KbCommand {
    /// Search the fix notes, best first.
    Search {
        /// The bot's data folder.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// How many notes to show at most.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// What to look for, in Korean, English or both.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
    /// Write every fix note as Markdown or JSON.
    Export {
        /// The bot's data folder.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The output format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The language of the Markdown headings.
        #[arg(long, default_value = "en")]
        locale: String,
        /// The file to write; standard output when absent.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// How notes are exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One section per note, for a wiki.
    Markdown,
    /// A JSON array of notes, for programs.
    Json,
}

/// The data commands open the store with a small cache: they read once and exit.
const CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// Runs one `kb` subcommand, writing its result to `out`.
pub fn run(command: KbCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        KbCommand::Search { data, limit, query } => {
            let store = open(&data)?;
            let knowledge = KnowledgeBase::open(&store).context("could not open the index")?;
            let query = query.join(" ");
            let hits = knowledge
                .search(&query, limit)
                .context("could not search the fix notes")?;
            out.write_all(search_text(&query, &hits).as_bytes())?;
        }
        KbCommand::Export {
            data,
            format,
            locale,
            output,
        } => {
            let catalog = i18n::catalog();
            if !catalog.supports(&locale) {
                anyhow::bail!(
                    "there are no messages in `{locale}`; use one of: {}",
                    catalog.locales().join(", ")
                );
            }
            let store = open(&data)?;
            let mut notes = store.incidents().context("could not read the incidents")?;
            notes.retain(|incident| incident.fix_note.is_some());
            let text = match format {
                ExportFormat::Markdown => markdown(&notes, &locale),
                ExportFormat::Json => json_text(&notes)?,
            };
            match output {
                Some(path) => {
                    let file = File::create(&path)
                        .with_context(|| format!("could not create {}", path.display()))?;
                    let mut file = BufWriter::new(file);
                    file.write_all(text.as_bytes())?;
                    file.flush()?;
                }
                None => out.write_all(text.as_bytes())?,
            }
        }
    }
    Ok(())
}

fn open(dir: &Path) -> anyhow::Result<Store> {
    Ok(Store::open_existing(
        dir,
        StoreOptions {
            cache_bytes: CACHE_BYTES,
        },
    )?)
}

/// The hits as an aligned table under a header, or the no-match sentence.
pub fn search_text(query: &str, hits: &[Hit]) -> String {
    if hits.is_empty() {
        let none = i18n::text("en", "kb-none", &[("query", FluentValue::from(query))]);
        return format!("{none}\n");
    }
    let rows: Vec<[String; 6]> = hits
        .iter()
        .map(|hit| {
            [
                hit.incident.to_string(),
                hit.severity.to_string(),
                hit.team.to_string(),
                hit.written_at.format("%Y-%m-%d").to_string(),
                format!("{:.2}", hit.score),
                hit.title.clone(),
            ]
        })
        .collect();
    let header = ["ID", "SEVERITY", "TEAM", "DATE", "SCORE", "TITLE"].map(str::to_owned);
    let mut widths = [0; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        for (cell, width) in row.iter().zip(widths) {
            let pad = width - cell.chars().count();
            text.push_str(cell);
            text.push_str(&" ".repeat(pad + 2));
        }
        text.push_str(&row[5]);
        text.push('\n');
    }
    text
}

/// Every note as a Markdown section, headings in `locale`.
pub fn markdown(notes: &[Incident], locale: &str) -> String {
    let t = |key: &str| i18n::text(locale, key, &[]);
    let mut text = String::new();
    for incident in notes {
        let Some(note) = &incident.fix_note else {
            continue;
        };
        text.push_str(&format!(
            "## {} · {}\n\n",
            incident.id,
            one_line(&note.summary)
        ));
        text.push_str(&format!(
            "- {}: {}\n- {}: {}\n- {}: {}\n- {}: {}\n\n",
            t("fix-note-incident"),
            one_line(&incident.summary),
            t("card-field-severity"),
            incident.severity,
            t("fix-note-team"),
            incident.team,
            t("kb-export-written"),
            note.written_at.format("%Y-%m-%d"),
        ));
        for (key, body) in [
            ("fix-note-cause", &note.cause),
            ("fix-note-fix", &note.fix),
            ("fix-note-prevention", &note.prevention),
        ] {
            let body = if body.is_empty() {
                t("fix-note-empty")
            } else {
                body.clone()
            };
            text.push_str(&format!("### {}\n\n{}\n\n", t(key), body));
        }
        links(&mut text, note, &t("fix-note-links"));
    }
    text
}

fn links(text: &mut String, note: &FixNote, heading: &str) {
    if note.links.is_empty() {
        return;
    }
    text.push_str(&format!("### {heading}\n\n"));
    for link in &note.links {
        text.push_str(&format!("- <{link}>\n"));
    }
    text.push('\n');
}

/// A heading must stay on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every note as a pretty JSON array.
pub fn json_text(notes: &[Incident]) -> anyhow::Result<String> {
    let records: Vec<serde_json::Value> = notes
        .iter()
        .filter_map(|incident| {
            let note = incident.fix_note.as_ref()?;
            Some(json!({
                "incident": incident.id.to_string(),
                "team": incident.team,
                "severity": incident.severity,
                "incident_summary": incident.summary,
                "opened_at": incident.opened_at,
                "summary": note.summary,
                "cause": note.cause,
                "fix": note.fix,
                "prevention": note.prevention,
                "links": note.links,
                "author": note.author,
                "written_at": note.written_at,
            }))
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&records)?;
    text.push('\n');
    Ok(text)
}
