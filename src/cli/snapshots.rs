//! `escalator snapshots list|restore --data DIR`: the automatic snapshots of a data folder.
//!
//! Grammar:
//!
//! ```text
//! escalator snapshots list    --data DIR
//! escalator snapshots restore --data DIR [SNAPSHOT]
//! ```
//!
//! `SNAPSHOT` is a name from `list`, or the path of any export file
//! (`escalator incidents export` writes the same format); without it, the newest snapshot.
//! `restore` is refused while a bot holds the folder. The store it replaces is not
//! deleted: its files move into `DIR/store.replaced-<UTC time>/`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::store::recovery;
use crate::store::snapshot::{self, Snapshot};
use crate::store::{StoreError, StoreOptions};

/// The `snapshots` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SnapshotsCommand {
    /// List the snapshots, oldest first.
    List {
        /// The bot's data folder.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
    /// Replace the store by a snapshot (the newest when none is named).
    Restore {
        /// The bot's data folder.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// A snapshot name from `list`, or the path of an export file.
        snapshot: Option<String>,
    },
}

/// Runs one `snapshots` subcommand.
pub fn run(command: SnapshotsCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        SnapshotsCommand::List { data } => {
            // The files are listed without opening the store, which a running bot holds.
            if !data.is_dir() {
                return Err(StoreError::Missing { dir: data }.into());
            }
            let snapshots = snapshot::list(&data)
                .with_context(|| format!("could not read {}", snapshot::folder(&data).display()))?;
            if snapshots.is_empty() {
                writeln!(out, "no snapshots in {}", snapshot::folder(&data).display())?;
                return Ok(());
            }
            out.write_all(table(&snapshots).as_bytes())?;
        }
        SnapshotsCommand::Restore { data, snapshot } => {
            let file = chosen(&data, snapshot.as_deref())?;
            let (store, moved_to) =
                recovery::replace_with(&data, &file, StoreOptions::default(), chrono::Utc::now())
                    .with_context(|| format!("could not restore {}", file.display()))?;
            let counters = store.counters()?;
            writeln!(
                out,
                "restored {} into {} (incidents: {})",
                file.display(),
                data.display(),
                counters.next_incident_id.saturating_sub(1)
            )?;
            if let Some(moved_to) = moved_to {
                writeln!(out, "the previous store is kept in {}", moved_to.display())?;
            }
        }
    }
    Ok(())
}

/// The file to restore: a named snapshot, an export's path, or the newest snapshot.
fn chosen(data: &Path, name: Option<&str>) -> anyhow::Result<PathBuf> {
    let Some(name) = name else {
        let newest = snapshot::newest(data)?.ok_or_else(|| StoreError::NoSuchSnapshot {
            dir: data.to_owned(),
            name: "(none at all)".to_owned(),
        })?;
        return Ok(newest.path);
    };
    let in_folder = snapshot::folder(data).join(name);
    if in_folder.is_file() {
        return Ok(in_folder);
    }
    let path = PathBuf::from(name);
    if path.is_file() {
        return Ok(path);
    }
    Err(StoreError::NoSuchSnapshot {
        dir: data.to_owned(),
        name: name.to_owned(),
    }
    .into())
}

/// One line per snapshot: name, time, incidents and size.
fn table(snapshots: &[Snapshot]) -> String {
    let mut text = String::from(
        "NAME                                  TAKEN (UTC)          INCIDENTS  BYTES\n",
    );
    for snapshot in snapshots {
        let incidents = snapshot.counters().map_or("?".to_owned(), |counters| {
            counters.next_incident_id.saturating_sub(1).to_string()
        });
        text.push_str(&format!(
            "{:<37} {:<20} {:>9}  {}\n",
            snapshot.name(),
            snapshot.taken_at.format("%Y-%m-%d %H:%M:%S"),
            incidents,
            snapshot.bytes
        ));
    }
    text
}
