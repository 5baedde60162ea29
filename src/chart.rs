//! `escalator stats --chart FILE.png`: a picture of acknowledgement times per severity.
//!
//! One row per severity, most severe on top, labelled with how many incidents it holds;
//! each acknowledged incident is a dot at its time to acknowledge
//! (as [`crate::stats`] defines it), with the median and the 90th percentile marked on
//! the row. The image is always [`WIDTH`] × [`HEIGHT`] pixels.
//!
//! It is drawn with plotters' bitmap backend and its `ab_glyph` text, which reads a font
//! file at run time instead of asking the system's font libraries, so building needs
//! nothing beyond Rust. The font is `ESCALATOR_CHART_FONT` when set, else the first of
//! [`FONT_CANDIDATES`] that exists; without one the chart is drawn without any text and
//! the caller is told how to add a font.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use plotters::prelude::*;

use crate::engine::{Event, SeverityId};
use crate::stats::{self, Filter, Record};

/// The chart's width in pixels.
pub const WIDTH: u32 = 1000;
/// The chart's height in pixels.
pub const HEIGHT: u32 = 600;

/// The environment variable naming a TrueType or OpenType font file for the chart.
pub const FONT_VARIABLE: &str = "ESCALATOR_CHART_FONT";

/// Font files tried in order when [`FONT_VARIABLE`] is not set: common places on
/// Debian/Ubuntu, Fedora, Arch, Alpine, macOS and Windows.
pub const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// The family name the found font is registered under.
const FAMILY: &str = "escalator-chart";

/// How the chart came out.
#[derive(Debug, PartialEq, Eq)]
pub enum Drawn {
    /// With labels, in this font.
    WithText(PathBuf),
    /// No font was found: dots and marks only.
    WithoutText,
}

/// Why the chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The named font file could not be read or is not a font.
    #[error("{path}: {reason}")]
    Font {
        /// The font file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Drawing or writing the PNG failed.
    #[error("could not draw {path}: {reason}")]
    Draw {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Each severity's times to acknowledge in seconds, sorted, for the incidents `filter`
/// lets through; severities without an acknowledged incident are left out.
pub fn ack_times(records: &[Record], filter: &Filter) -> BTreeMap<SeverityId, Vec<u64>> {
    let mut times: BTreeMap<SeverityId, Vec<u64>> = BTreeMap::new();
    let chosen = records.iter().filter(|record| {
        filter.since.is_none_or(|since| record.opened_at >= since)
            && filter.team.as_ref().is_none_or(|team| &record.team == team)
    });
    for record in chosen {
        let acknowledged = record
            .timeline
            .iter()
            .find(|entry| matches!(entry.event, Event::Acknowledged { .. }));
        if let Some(entry) = acknowledged {
            let seconds = (entry.at - record.opened_at)
                .to_std()
                .unwrap_or(Duration::ZERO)
                .as_secs();
            times
                .entry(record.severity.clone())
                .or_default()
                .push(seconds);
        }
    }
    for values in times.values_mut() {
        values.sort_unstable();
    }
    times
}

/// The font file to use: `variable` when given (it must be readable), else the first
/// candidate that exists.
pub fn find_font(variable: Option<&str>) -> Result<Option<PathBuf>, ChartError> {
    if let Some(path) = variable.filter(|path| !path.trim().is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(ChartError::Font {
                path,
                reason: format!("no such font file (named by {FONT_VARIABLE})"),
            });
        }
        return Ok(Some(path));
    }
    Ok(FONT_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file()))
}

/// Draws `times` into the PNG at `out`, with labels in `font` when there is one.
pub fn draw(
    times: &BTreeMap<SeverityId, Vec<u64>>,
    font: Option<&Path>,
    out: &Path,
) -> Result<Drawn, ChartError> {
    let drawn = match font {
        Some(path) => {
            register(path)?;
            Drawn::WithText(path.to_path_buf())
        }
        None => Drawn::WithoutText,
    };
    let draw_error = |reason: String| ChartError::Draw {
        path: out.to_path_buf(),
        reason,
    };
    plot(times, drawn != Drawn::WithoutText, out).map_err(|error| draw_error(error.to_string()))?;
    Ok(drawn)
}

/// Registers the font file under [`FAMILY`]. Plotters keeps fonts for the life of the
/// process, so the bytes are leaked once per call; the command draws one chart and exits.
fn register(path: &Path) -> Result<(), ChartError> {
    let font_error = |reason: String| ChartError::Font {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|error| font_error(error.to_string()))?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font(FAMILY, FontStyle::Normal, bytes)
        .map_err(|_| font_error("not a TrueType or OpenType font".to_owned()))
}

type PlotResult = Result<(), Box<dyn std::error::Error>>;

fn plot(times: &BTreeMap<SeverityId, Vec<u64>>, has_text: bool, out: &Path) -> PlotResult {
    let root = BitMapBackend::new(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;

    // Severity ids sort most severe first; the y axis grows upwards, so the rows are
    // reversed to put the most severe on top.
    let rows: Vec<(&SeverityId, &Vec<u64>)> = times.iter().rev().collect();
    let longest = rows
        .iter()
        .flat_map(|(_, values)| values.iter())
        .max()
        .copied()
        .unwrap_or(60);
    let x_end = (longest as f64 / 60.0 * 1.1).max(1.0);
    let y_end = rows.len().max(1) as f64;

    let mut builder = ChartBuilder::on(&root);
    builder.margin(20);
    if has_text {
        builder
            .caption("Time to acknowledge per severity", (FAMILY, 24))
            .x_label_area_size(50)
            .y_label_area_size(90);
    }
    let mut chart = builder.build_cartesian_2d(0.0..x_end, -0.5..y_end - 0.5)?;

    if has_text {
        let names: Vec<String> = rows
            .iter()
            .map(|(id, values)| format!("{id} ({})", values.len()))
            .collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows.len().max(1))
            .y_label_formatter(&|y| label_of(&names, *y))
            .x_desc("minutes from opening to acknowledgement")
            .label_style((FAMILY, 16))
            .axis_desc_style((FAMILY, 16))
            .draw()?;
    } else {
        // Without a font the mesh cannot label itself; a frame keeps the scale readable.
        chart
            .plotting_area()
            .draw(&Rectangle::new([(0.0, -0.5), (x_end, y_end - 0.5)], BLACK))?;
    }

    for (row, (_, values)) in rows.iter().enumerate() {
        draw_row(&mut chart, row as f64, values, has_text)?;
    }
    root.present()?;
    Ok(())
}

type Chart<'a> = ChartContext<
    'a,
    BitMapBackend<'a>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// One severity: a dot per incident, a bar at the median and a thinner one at p90.
fn draw_row(chart: &mut Chart<'_>, row: f64, values: &[u64], has_text: bool) -> PlotResult {
    let colour = Palette99::pick(row as usize).to_rgba();
    let minutes = |seconds: u64| seconds as f64 / 60.0;
    chart.draw_series(
        values
            .iter()
            .map(|seconds| Circle::new((minutes(*seconds), row), 5, colour.filled())),
    )?;

    let marks = [
        (stats::median(values), 0.35, BLACK.stroke_width(3), "median"),
        (
            stats::nearest_rank(values, 90),
            0.25,
            RED.stroke_width(2),
            "p90",
        ),
    ];
    for (value, half, style, name) in marks {
        let Some(value) = value else { continue };
        let x = minutes(value);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, row - half), (x, row + half)],
            style,
        )))?;
        if has_text {
            chart.draw_series(std::iter::once(Text::new(
                name,
                (x, row + half),
                (FAMILY, 13).into_font().color(&style.color),
            )))?;
        }
    }
    Ok(())
}

fn label_of(names: &[String], y: f64) -> String {
    let index = y.round();
    if (y - index).abs() > 0.01 || index < 0.0 {
        return String::new();
    }
    names.get(index as usize).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::engine::{Entry, Timestamp};

    fn t(minute: i64) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()
            + chrono::TimeDelta::minutes(minute)
    }

    fn record(severity: &str, team: &str, acked_after: Option<i64>) -> Record {
        let timeline = acked_after
            .map(|minute| Entry {
                at: t(minute),
                event: Event::Acknowledged { by: "alice".into() },
            })
            .into_iter()
            .collect();
        Record {
            id: crate::engine::IncidentId(1),
            severity: severity.into(),
            team: team.into(),
            opened_at: t(0),
            timeline,
        }
    }

    /// The width and height a PNG file declares, after checking its signature.
    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        assert_eq!(&bytes[12..16], b"IHDR");
        let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        (number(16), number(20))
    }

    #[test]
    fn ack_times_are_per_severity_sorted_and_filtered() {
        let records = [
            record("sev1", "payments", Some(12)),
            record("sev1", "payments", Some(3)),
            record("sev1", "platform", Some(40)),
            record("sev2", "payments", None),
            record("sev3", "payments", Some(7)),
        ];
        let all = ack_times(&records, &Filter::default());
        assert_eq!(
            all,
            BTreeMap::from([
                ("sev1".into(), vec![180, 720, 2400]),
                ("sev3".into(), vec![420]),
            ])
        );
        let payments = Filter {
            team: Some("payments".into()),
            ..Filter::default()
        };
        assert_eq!(ack_times(&records, &payments)[&"sev1".into()], [180, 720]);
    }

    #[test]
    fn the_chart_is_a_png_of_the_fixed_size_with_or_without_a_font() {
        let records = [
            record("sev1", "payments", Some(12)),
            record("sev1", "payments", Some(3)),
            record("sev2", "payments", Some(25)),
        ];
        let times = ack_times(&records, &Filter::default());
        let dir = tempfile::tempdir().unwrap();

        let bare = dir.path().join("bare.png");
        assert_eq!(draw(&times, None, &bare).unwrap(), Drawn::WithoutText);
        assert_eq!(png_size(&std::fs::read(&bare).unwrap()), (WIDTH, HEIGHT));

        // The labelled chart needs a font on this machine; the CI image has DejaVu.
        let Some(font) = find_font(None).unwrap() else {
            return;
        };
        let labelled = dir.path().join("labelled.png");
        assert_eq!(
            draw(&times, Some(&font), &labelled).unwrap(),
            Drawn::WithText(font.clone())
        );
        let bytes = std::fs::read(&labelled).unwrap();
        assert_eq!(png_size(&bytes), (WIDTH, HEIGHT));
        // Text adds pixels, so the labelled image holds more than the bare one.
        assert!(bytes.len() > std::fs::read(&bare).unwrap().len());
        if let Ok(keep) = std::env::var("ESCALATOR_KEEP_CHART") {
            std::fs::copy(&labelled, keep).unwrap();
        }
    }

    #[test]
    fn a_named_font_that_is_missing_or_not_a_font_is_an_error() {
        let error = find_font(Some("/nowhere/font.ttf")).unwrap_err();
        assert!(error.to_string().contains("no such font file"), "{error}");

        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake.ttf");
        std::fs::write(&fake, b"not a font").unwrap();
        let error = draw(&BTreeMap::new(), Some(&fake), &dir.path().join("x.png")).unwrap_err();
        assert!(error.to_string().contains("not a TrueType"), "{error}");
    }
}
