//! What `/metrics` reports: counters, gauges and one histogram, kept in memory by the
//! runtime and written in Prometheus's text exposition format (version 0.0.4).
//!
//! The runtime records events as they happen (a page delivered, an acknowledgement, a
//! rate limit, a duplicate event); the incident gauges start from one tally of the store
//! and then follow every decision. The outbox's depth and age are read from the store at
//! each scrape, since the dispatcher and decisions both change them.
//!
//! The format is written here rather than through a metrics crate: there are a dozen
//! series, no global registry is wanted (the handle is passed explicitly, as everything
//! else), and the text format is small and stable.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::engine::{Incident, Platform, SeverityId};
use crate::ports::ChatError;
use crate::store::TallyRow;

/// The upper bounds, in seconds, of the time-to-acknowledge histogram's buckets.
pub const ACK_BUCKETS: &[f64] = &[
    10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0,
];

/// Why a platform call failed, as counted in `escalator_platform_api_errors_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApiErrorKind {
    /// The platform asked us to wait.
    RateLimited,
    /// A failure that may pass (timeout, 5xx, dropped connection).
    Transient,
    /// A failure that retrying will not fix.
    Permanent,
}

impl ApiErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ApiErrorKind::RateLimited => "rate_limited",
            ApiErrorKind::Transient => "transient",
            ApiErrorKind::Permanent => "permanent",
        }
    }
}

/// The outbox as the store sees it at a scrape.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StoreGauge {
    /// Outbox entries waiting.
    pub depth: usize,
    /// How long the oldest outbox entry has waited, in seconds; zero when empty.
    pub oldest_age_seconds: f64,
    /// Flushes to disk since start; decisions made together share one.
    pub flushes: u64,
}

/// The runtime's counters. Cheap to update from any task.
#[derive(Debug, Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    /// `None` until the store has been tallied once.
    incidents: Option<BTreeMap<(&'static str, SeverityId), i64>>,
    pages: BTreeMap<(Platform, String), u64>,
    api_errors: BTreeMap<(Platform, ApiErrorKind), u64>,
    rate_limit_waits: BTreeMap<Platform, (u64, f64)>,
    connected: BTreeMap<Platform, bool>,
    dedupe_hits: u64,
    ack: Histogram,
    storage: Storage,
}

/// What `/metrics` says about the store.
#[derive(Debug, Default)]
struct Storage {
    is_unwritable: bool,
    write_failures: u64,
    not_stored: u64,
    last_snapshot: Option<f64>,
    snapshot_failures: u64,
    is_restored: bool,
}

#[derive(Debug)]
struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    sum: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: vec![0; ACK_BUCKETS.len()],
            count: 0,
            sum: 0.0,
        }
    }
}

impl Metrics {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        // Counters stay consistent enough after a panic elsewhere; keep reporting.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the incident gauges from a tally of the store.
    pub fn set_incidents(&self, tally: Vec<TallyRow>) {
        let tally = tally
            .into_iter()
            .map(|((state, severity), count)| {
                let count = i64::try_from(count).unwrap_or(i64::MAX);
                ((state.as_str(), severity), count)
            })
            .collect();
        self.counts().incidents = Some(tally);
    }

    /// Moves one incident between gauges: `before` is `None` for a new incident.
    pub fn record_incident(&self, before: Option<&Incident>, after: &Incident) {
        let mut counts = self.counts();
        let Some(incidents) = counts.incidents.as_mut() else {
            return;
        };
        if let Some(before) = before {
            *incidents
                .entry((before.state.as_str(), before.severity.clone()))
                .or_default() -= 1;
        }
        *incidents
            .entry((after.state.as_str(), after.severity.clone()))
            .or_default() += 1;
    }

    /// Counts one page delivered by `means` (`thread`, `dm`, `channel`, `webhook:NAME`).
    pub fn record_page(&self, platform: Platform, means: &str) {
        *self
            .counts()
            .pages
            .entry((platform, means.to_owned()))
            .or_default() += 1;
    }

    /// Records a first acknowledgement `elapsed` after the incident opened.
    pub fn record_acknowledgement(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut counts = self.counts();
        let histogram = &mut counts.ack;
        for (bound, bucket) in ACK_BUCKETS.iter().zip(histogram.buckets.iter_mut()) {
            if seconds <= *bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts a failed delivery; a rate limit also counts the wait asked for. A transient
    /// failure marks the platform unreachable until a delivery succeeds.
    pub fn record_api_error(&self, platform: Platform, kind: ApiErrorKind, wait: Duration) {
        let mut counts = self.counts();
        count_api_error(&mut counts, platform, kind, wait);
        if kind == ApiErrorKind::Transient {
            counts.connected.insert(platform, false);
        }
    }

    /// Counts a failed call an adapter made itself, outside the outbox (a reply, a
    /// lookup). Readiness is left alone: nothing retries such a call, so no later success
    /// of it would mark the platform reachable again.
    pub fn record_call_error(&self, platform: Platform, error: &ChatError) {
        let (kind, wait) = match error {
            ChatError::RateLimited { retry_after } => (ApiErrorKind::RateLimited, *retry_after),
            ChatError::Transient(_) => (ApiErrorKind::Transient, Duration::ZERO),
            ChatError::Permanent { .. } => (ApiErrorKind::Permanent, Duration::ZERO),
        };
        count_api_error(&mut self.counts(), platform, kind, wait);
    }

    /// Marks `platform` reachable (after connecting, or after a call that succeeded).
    pub fn record_connected(&self, platform: Platform) {
        self.counts().connected.insert(platform, true);
    }

    /// Whether every platform that connected is still reachable: none was, or the last
    /// call to each did not fail with a transient error. False before any connected.
    pub fn is_connected(&self) -> bool {
        let counts = self.counts();
        !counts.connected.is_empty() && counts.connected.values().all(|is_up| *is_up)
    }

    /// Records whether the store takes writes; a change to false counts a write failure.
    pub fn record_store_writable(&self, is_writable: bool) {
        let mut counts = self.counts();
        let storage = &mut counts.storage;
        if !is_writable && !storage.is_unwritable {
            storage.write_failures += 1;
        }
        storage.is_unwritable = !is_writable;
    }

    /// Counts a request refused because the store takes no writes.
    pub fn record_not_stored(&self) {
        self.counts().storage.not_stored += 1;
    }

    /// Records a snapshot written at `at`, or a failed attempt.
    pub fn record_snapshot(&self, at: Option<crate::engine::Timestamp>) {
        let mut counts = self.counts();
        match at {
            Some(at) => counts.storage.last_snapshot = Some(at.timestamp_millis() as f64 / 1000.0),
            None => counts.storage.snapshot_failures += 1,
        }
    }

    /// Records that this start replaced a damaged store by a snapshot.
    pub fn record_restored(&self) {
        self.counts().storage.is_restored = true;
    }

    /// Counts an inbound event that was handled before and so ignored.
    pub fn record_dedupe_hit(&self) {
        self.counts().dedupe_hits += 1;
    }

    /// Writes every series in the text exposition format.
    pub fn render(&self, outbox: StoreGauge) -> String {
        let counts = self.counts();
        let mut text = String::new();

        if let Some(incidents) = &counts.incidents {
            header(
                &mut text,
                "escalator_incidents",
                "gauge",
                "Incidents by state and severity.",
            );
            for ((state, severity), count) in incidents {
                let labels = [("state", *state), ("severity", severity.as_str())];
                sample(&mut text, "escalator_incidents", &labels, *count);
            }
        }

        header(
            &mut text,
            "escalator_pages_sent_total",
            "counter",
            "Pages delivered, by means.",
        );
        for ((platform, means), count) in &counts.pages {
            let platform = platform.to_string();
            let labels = [("platform", platform.as_str()), ("means", means.as_str())];
            sample(&mut text, "escalator_pages_sent_total", &labels, *count);
        }

        counts
            .ack
            .render(&mut text, "escalator_time_to_acknowledge_seconds");

        header(
            &mut text,
            "escalator_outbox_depth",
            "gauge",
            "Effects waiting for delivery.",
        );
        sample(&mut text, "escalator_outbox_depth", &[], outbox.depth);
        header(
            &mut text,
            "escalator_outbox_oldest_age_seconds",
            "gauge",
            "How long the oldest waiting effect has waited.",
        );
        sample(
            &mut text,
            "escalator_outbox_oldest_age_seconds",
            &[],
            outbox.oldest_age_seconds,
        );

        header(
            &mut text,
            "escalator_store_flushes_total",
            "counter",
            "Flushes of the store to disk; decisions made together share one.",
        );
        sample(
            &mut text,
            "escalator_store_flushes_total",
            &[],
            outbox.flushes,
        );

        counts.render_platforms(&mut text);

        header(
            &mut text,
            "escalator_dedupe_hits_total",
            "counter",
            "Inbound events ignored because they were handled before.",
        );
        sample(
            &mut text,
            "escalator_dedupe_hits_total",
            &[],
            counts.dedupe_hits,
        );
        counts.storage.render(&mut text);
        text
    }
}

impl Storage {
    fn render(&self, text: &mut String) {
        let series: [(&str, &str, &str, f64); 5] = [
            (
                "escalator_store_writable",
                "gauge",
                "1 while the store takes writes; 0 after a failed write (a full disk) until it recovers.",
                f64::from(u8::from(!self.is_unwritable)),
            ),
            (
                "escalator_store_write_failures_total",
                "counter",
                "Times the store stopped taking writes.",
                self.write_failures as f64,
            ),
            (
                "escalator_requests_not_stored_total",
                "counter",
                "Requests refused because the store took no writes.",
                self.not_stored as f64,
            ),
            (
                "escalator_snapshot_failures_total",
                "counter",
                "Snapshots that could not be written.",
                self.snapshot_failures as f64,
            ),
            (
                "escalator_store_restored_from_snapshot",
                "gauge",
                "1 when this start found the store damaged and restored the newest snapshot.",
                f64::from(u8::from(self.is_restored)),
            ),
        ];
        for (name, kind, help, value) in series {
            header(text, name, kind, help);
            sample(text, name, &[], value);
        }
        if let Some(at) = self.last_snapshot {
            let name = "escalator_snapshot_last_success_timestamp_seconds";
            header(
                text,
                name,
                "gauge",
                "When the newest snapshot was written (Unix time).",
            );
            sample(text, name, &[], at);
        }
    }
}

impl Counts {
    fn render_platforms(&self, text: &mut String) {
        let name = "escalator_platform_api_errors_total";
        header(text, name, "counter", "Failed platform calls, by kind.");
        for ((platform, kind), count) in &self.api_errors {
            let platform = platform.to_string();
            let labels = [("platform", platform.as_str()), ("kind", kind.as_str())];
            sample(text, name, &labels, *count);
        }

        let name = "escalator_rate_limit_waits_total";
        header(
            text,
            name,
            "counter",
            "Times a platform asked the bot to wait.",
        );
        for (platform, (count, _)) in &self.rate_limit_waits {
            sample(text, name, &[("platform", &platform.to_string())], *count);
        }
        let name = "escalator_rate_limit_wait_seconds_total";
        header(
            text,
            name,
            "counter",
            "Seconds of waiting platforms asked for.",
        );
        for (platform, (_, seconds)) in &self.rate_limit_waits {
            sample(text, name, &[("platform", &platform.to_string())], *seconds);
        }

        let name = "escalator_platform_connected";
        header(
            text,
            name,
            "gauge",
            "1 when the platform's last call did not fail transiently.",
        );
        for (platform, is_up) in &self.connected {
            sample(
                text,
                name,
                &[("platform", &platform.to_string())],
                u8::from(*is_up),
            );
        }
    }
}

impl Histogram {
    fn render(&self, text: &mut String, name: &str) {
        header(
            text,
            name,
            "histogram",
            "Time from opening to the first acknowledgement.",
        );
        let bucket = format!("{name}_bucket");
        for (bound, count) in ACK_BUCKETS.iter().zip(&self.buckets) {
            sample(text, &bucket, &[("le", &bound.to_string())], *count);
        }
        sample(text, &bucket, &[("le", "+Inf")], self.count);
        sample(text, &format!("{name}_sum"), &[], self.sum);
        sample(text, &format!("{name}_count"), &[], self.count);
    }
}

fn header(text: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} {kind}");
}

fn sample(text: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    text.push_str(name);
    if !labels.is_empty() {
        text.push('{');
        for (index, (label, value)) in labels.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            let _ = write!(text, "{label}=\"{}\"", escape(value));
        }
        text.push('}');
    }
    let _ = writeln!(text, " {value}");
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Counts one failed platform call, and the wait a rate limit asked for.
fn count_api_error(counts: &mut Counts, platform: Platform, kind: ApiErrorKind, wait: Duration) {
    *counts.api_errors.entry((platform, kind)).or_default() += 1;
    if kind == ApiErrorKind::RateLimited {
        let waits = counts.rate_limit_waits.entry(platform).or_default();
        waits.0 += 1;
        waits.1 += wait.as_secs_f64();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(text: &str, prefix: &str) -> Vec<String> {
        text.lines()
            .filter(|line| line.starts_with(prefix))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn ack_histogram_buckets_are_cumulative() {
        let metrics = Metrics::default();
        for seconds in [5, 45, 45, 4000, 100_000] {
            metrics.record_acknowledgement(Duration::from_secs(seconds));
        }
        let text = metrics.render(StoreGauge::default());
        let lines = lines_of(&text, "escalator_time_to_acknowledge_seconds");
        assert_eq!(
            lines,
            [
                "escalator_time_to_acknowledge_seconds_bucket{le=\"10\"} 1",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"30\"} 1",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"60\"} 3",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"120\"} 3",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"300\"} 3",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"600\"} 3",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"900\"} 3",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"1800\"} 3",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"3600\"} 3",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"7200\"} 4",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"21600\"} 4",
                "escalator_time_to_acknowledge_seconds_bucket{le=\"+Inf\"} 5",
                "escalator_time_to_acknowledge_seconds_sum 104095",
                "escalator_time_to_acknowledge_seconds_count 5",
            ]
        );
    }

    #[test]
    fn rate_limits_count_as_errors_and_waits_and_transient_errors_disconnect() {
        let metrics = Metrics::default();
        assert!(!metrics.is_connected());
        metrics.record_connected(Platform::Slack);
        assert!(metrics.is_connected());
        let wait = Duration::from_millis(1500);
        metrics.record_api_error(Platform::Slack, ApiErrorKind::RateLimited, wait);
        metrics.record_api_error(Platform::Slack, ApiErrorKind::RateLimited, wait);
        assert!(metrics.is_connected());
        metrics.record_api_error(Platform::Slack, ApiErrorKind::Transient, Duration::ZERO);
        assert!(!metrics.is_connected());

        let text = metrics.render(StoreGauge::default());
        let rows = [
            "escalator_platform_api_errors_total{platform=\"slack\",kind=\"rate_limited\"} 2",
            "escalator_platform_api_errors_total{platform=\"slack\",kind=\"transient\"} 1",
            "escalator_rate_limit_waits_total{platform=\"slack\"} 2",
            "escalator_rate_limit_wait_seconds_total{platform=\"slack\"} 3",
            "escalator_platform_connected{platform=\"slack\"} 0",
        ];
        for row in rows {
            assert!(
                text.lines().any(|line| line == row),
                "{row} missing:\n{text}"
            );
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let metrics = Metrics::default();
        metrics.record_page(Platform::Slack, "webhook:\"x\"");
        let text = metrics.render(StoreGauge::default());
        assert_eq!(
            lines_of(&text, "escalator_pages_sent_total{"),
            ["escalator_pages_sent_total{platform=\"slack\",means=\"webhook:\\\"x\\\"\"} 1"]
        );
    }

    #[test]
    fn the_store_series_follow_failures_refusals_and_snapshots() {
        let metrics = Metrics::default();
        let text = metrics.render(StoreGauge::default());
        assert!(text.contains("\nescalator_store_writable 1\n"), "{text}");
        assert!(!text.contains("escalator_snapshot_last_success_timestamp_seconds"));

        metrics.record_store_writable(false);
        metrics.record_store_writable(false);
        metrics.record_not_stored();
        metrics.record_snapshot(None);
        metrics.record_snapshot(Some("2026-12-04T10:00:00.5Z".parse().unwrap()));
        metrics.record_restored();
        let text = metrics.render(StoreGauge::default());
        for line in [
            "escalator_store_writable 0",
            "escalator_store_write_failures_total 1",
            "escalator_requests_not_stored_total 1",
            "escalator_snapshot_failures_total 1",
            "escalator_store_restored_from_snapshot 1",
            "escalator_snapshot_last_success_timestamp_seconds 1796378400.5",
        ] {
            assert!(
                text.contains(&format!("\n{line}\n")),
                "{line} missing in {text}"
            );
        }

        metrics.record_store_writable(true);
        let text = metrics.render(StoreGauge::default());
        assert!(text.contains("\nescalator_store_writable 1\n"), "{text}");
        assert!(text.contains("\nescalator_store_write_failures_total 1\n"));
    }

    #[test]
    fn every_series_has_help_and_type_once() {
        let metrics = Metrics::default();
        metrics.set_incidents(Vec::new());
        let text = metrics.render(StoreGauge {
            depth: 3,
            oldest_age_seconds: 2.5,
            flushes: 7,
        });
        let types = lines_of(&text, "# TYPE ");
        assert_eq!(types.len(), 16);
        assert_eq!(lines_of(&text, "# HELP ").len(), 16);
        assert!(text.contains("\nescalator_outbox_depth 3\n"));
        assert!(text.contains("\nescalator_store_flushes_total 7\n"));
        assert!(text.contains("\nescalator_outbox_oldest_age_seconds 2.5\n"));
    }
}
