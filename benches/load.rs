//! Load scenarios against the real binary and the local Slack workspace, and against the
//! runtime with a recording chat; each prints its measures. BENCHMARKS.md explains them.
//!
//! - `slash_ack`: slash commands opening incidents at 100 per second; the time from the
//!   workspace sending each command until the bot acknowledges it (p50, p99).
//! - `page_lateness`: with 10,000 open incidents in the store, probe incidents whose
//!   re-page falls due two seconds after opening; how late each re-page is delivered.
//! - `restart`: a data folder with 100,000 incidents (10,000 open with overdue timers);
//!   the time from starting the binary until `/readyz` answers 200, until the first and
//!   the last overdue page reach the workspace, and the bot's resident memory.
//! - `storm`: 500 SEV1 incidents within 10 s in one channel while the workspace accepts
//!   one message per second per channel; how soon each incident's first page (a thread
//!   mention or a direct message to the team lead) arrives.
//!
//! `cargo bench --bench load` runs the full sizes. Run any other way (as `cargo test
//! --benches` does) it runs every scenario at a small size, proving it works.
//! `cargo bench --bench load -- restart` runs the scenarios whose name contains `restart`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use escalator::config::Config;
use escalator::engine::policy::{Means, Path as PagePath, Person, Policy, Severity, Step, Target};
use escalator::engine::{Effect, Intent, OpenRequest, PageReason, Platform, Timestamp, UserRef};
use escalator::ports::{Alert, Chat, ChatError, Clock, Delivered, Delivery, SystemClock};
use escalator::runtime::Escalator;
use escalator::store::{Store, StoreOptions};
use escalator::workspace::WorkspaceOptions;
use support::*;

/// The sizes of one run.
#[derive(Clone, Copy)]
struct Sizes {
    commands: usize,
    open_incidents: usize,
    probes: usize,
    stored_incidents: usize,
    storm: usize,
}

const FULL: Sizes = Sizes {
    commands: 2_000,
    open_incidents: 10_000,
    probes: 200,
    stored_incidents: 100_000,
    storm: 500,
};

const QUICK: Sizes = Sizes {
    commands: 20,
    open_incidents: 50,
    probes: 5,
    stored_incidents: 200,
    storm: 10,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let is_full = args.iter().any(|arg| arg == "--bench");
    let filter = args.iter().find(|arg| !arg.starts_with("--")).cloned();
    let sizes = if is_full { FULL } else { QUICK };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime starts");
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if wanted("slash_ack") {
        runtime.block_on(slash_ack(sizes));
    }
    if wanted("page_lateness") {
        runtime.block_on(page_lateness(sizes));
    }
    if wanted("restart") {
        runtime.block_on(restart(sizes));
    }
    if wanted("storm") {
        runtime.block_on(storm(sizes));
    }
}

/// Prints p50, p99 and the maximum of `samples` in milliseconds.
fn report(name: &str, mut samples: Vec<Duration>) {
    assert!(!samples.is_empty(), "{name}: no samples");
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[index].as_secs_f64() * 1000.0
    };
    println!(
        "{name}: n={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        samples.len(),
        at(0.50),
        at(0.99),
        at(1.0)
    );
}

/// The real binary with JSON logs at `warn`, so that logging does not dominate.
/// `ESCALATOR_BENCH_RUST_LOG` sets another filter, for a look inside a slow run;
/// `ESCALATOR_BENCH_LOG_DIR` keeps each run's log there (the temp folder goes).
fn spawn_quiet_bot(config: &Path, log: &Path) -> BotProcess {
    let log = match std::env::var_os("ESCALATOR_BENCH_LOG_DIR") {
        Some(dir) => Path::new(&dir).join(format!("bot-{}.log", std::process::id())),
        None => log.to_owned(),
    };
    let log = log.as_path();
    let filter = std::env::var("ESCALATOR_BENCH_RUST_LOG")
        .unwrap_or_else(|_| "warn,escalator::http=info".to_owned());
    let log_file = std::fs::File::create(log).expect("a log file");
    let mut command = match std::env::var("LOAD_BOT_WRAPPER") {
        Ok(wrapper) => {
            let mut words = wrapper.split_whitespace();
            let mut command = Command::new(words.next().expect("a wrapper"));
            command.args(words).arg(env!("CARGO_BIN_EXE_escalator"));
            command
        }
        Err(_) => Command::new(env!("CARGO_BIN_EXE_escalator")),
    };
    let child = command
        .args(["--log-format", "json", "run", "--config"])
        .arg(config)
        .env("TEST_SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("TEST_SLACK_APP_TOKEN", APP_TOKEN)
        .env("TEST_SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("RUST_LOG", filter)
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .expect("escalator starts");
    BotProcess {
        child,
        log: log.to_owned(),
    }
}

/// The listener's address from the JSON log.
async fn listen_addr(bot: &BotProcess) -> String {
    // A minute: the start-up check and snapshot read the whole store, which takes seconds
    // at 100,000 incidents on a loaded machine.
    for _ in 0..6_000 {
        let log = bot.log_text();
        let found = log
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|line| line["fields"]["message"] == "http listening");
        if let Some(line) = found {
            return line["fields"]["addr"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the bot never logged its address:\n{}", bot.log_text());
}

const SLOW: Timing = Timing {
    ack_seconds: 3600,
    repages: 0,
    repage_seconds: 0,
};

/// Timing as a team would set it: a re-page after two minutes, the next position after
/// five. An incident stored an hour ago is overdue for its re-page, and nothing else falls
/// due while the overdue pages go out.
const MINUTES: Timing = Timing {
    ack_seconds: 300,
    repages: 1,
    repage_seconds: 120,
};

async fn slash_ack(sizes: Sizes) {
    let workspace = Arc::new(workspace(WorkspaceOptions::default()).await);
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = write_config(
        dir.path(),
        &workspace.api_base_url(),
        "socket",
        "127.0.0.1:0",
        SLOW,
    );
    let bot = spawn_quiet_bot(&config, &dir.path().join("bot.log"));
    assert!(workspace.wait_for_connections(1, PATIENCE).await);

    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let mut tasks = Vec::new();
    for n in 0..sizes.commands {
        tick.tick().await;
        let workspace = Arc::clone(&workspace);
        tasks.push(tokio::spawn(async move {
            let text = format!("sev2 load test command {n}");
            workspace
                .slash_command(REPORTER, PAYMENTS, &text)
                .await
                .expect("the command is acknowledged")
                .elapsed
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.push(task.await.expect("the command task finishes"));
    }
    report(
        "slash_ack (100 commands/s, each opens an incident)",
        samples,
    );
    drop(bot);
}

/// A chat that answers at once and notes when each probe's first re-page arrived.
struct LatenessChat {
    probe: String,
    repage_every: Duration,
    lateness: Mutex<Vec<Duration>>,
}

#[async_trait]
impl Chat for LatenessChat {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Delivered, ChatError> {
        let is_probe = delivery.incident.severity.as_str() == self.probe;
        if let (true, Effect::Page { reason, .. }) = (is_probe, &delivery.effect) {
            if *reason == (PageReason::Repage { n: 1 }) {
                let due = delivery.incident.opened_at
                    + chrono::TimeDelta::from_std(self.repage_every).expect("small");
                let late = (chrono::Utc::now() - due).to_std().unwrap_or_default();
                self.lateness.lock().expect("not poisoned").push(late);
            }
        }
        Ok(Delivered::default())
    }

    async fn alert_admins(&self, _policy: &Policy, _alert: &Alert) -> Result<(), ChatError> {
        Ok(())
    }
}

fn lateness_policy(repage_every: Duration) -> Policy {
    let alice = Person {
        id: "alice".into(),
        name: "Alice".to_owned(),
        accounts: BTreeMap::from([(Platform::Slack, "U-alice".to_owned())]),
        positions: vec![],
        deputy: None,
        locale: None,
        timezone: chrono_tz::UTC,
    };
    let severity = |id: &str, repages: u32| Severity {
        id: id.into(),
        name: id.to_owned(),
        criteria: vec![],
        counter_examples: vec![],
        default_path: Some(PagePath {
            steps: vec![Step {
                target: Target::Person("alice".into()),
                means: vec![Means::Direct],
                ack_within: Duration::from_secs(3600),
                repages,
                repage_every,
            }],
        }),
        team_paths: BTreeMap::new(),
    };
    Policy {
        teams: BTreeMap::from([(
            "payments".into(),
            escalator::engine::policy::Team {
                id: "payments".into(),
                name: "Payments".to_owned(),
                chat: BTreeMap::new(),
                locale: None,
            },
        )]),
        people: BTreeMap::from([("alice".into(), alice)]),
        severities: vec![severity("background", 0), severity("probe", 1)],
        admins: BTreeSet::new(),
        ack_emoji: vec![],
        resolve_emoji: vec![],
        fix_note_reminder_every: Duration::from_secs(24 * 3600),
        criteria_review_every: Duration::from_secs(90 * 24 * 3600),
        default_locale: "en".to_owned(),
        webhooks: BTreeMap::new(),
    }
}

fn open_request(severity: &str) -> OpenRequest {
    OpenRequest {
        platform: Platform::Slack,
        team: "payments".into(),
        severity: severity.into(),
        summary: "load".to_owned(),
        reporter: UserRef::slack("U-reporter"),
        channel: "C-payments".to_owned(),
    }
}

async fn page_lateness(sizes: Sizes) {
    let repage_every = Duration::from_secs(2);
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(dir.path(), StoreOptions::default()).expect("the store opens");
    let escalator = Escalator::new(
        store,
        Arc::new(lateness_policy(repage_every)),
        Arc::new(SystemClock),
    );
    let chat = Arc::new(LatenessChat {
        probe: "probe".to_owned(),
        repage_every,
        lateness: Mutex::new(Vec::new()),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(Arc::clone(&escalator).run(vec![chat.clone()], async {
        let _ = stopped.await;
    }));

    for _ in 0..sizes.open_incidents {
        let request = open_request("background");
        escalator.open_incident(request, None).await.expect("opens");
    }
    while escalator.store_gauge().expect("reads").depth > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    for _ in 0..sizes.probes {
        let request = open_request("probe");
        escalator.open_incident(request, None).await.expect("opens");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while chat.lateness.lock().expect("not poisoned").len() < sizes.probes {
        assert!(
            Instant::now() < deadline,
            "the probes' re-pages did not all arrive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let samples = chat.lateness.lock().expect("not poisoned").clone();
    report(
        &format!(
            "page_lateness ({} open incidents, re-page past its due time)",
            sizes.open_incidents
        ),
        samples,
    );
    let _ = stop.send(());
    let _ = running.await;
}

/// A clock fixed an hour in the past, so that timers set with it are overdue now.
struct PastClock(Timestamp);

impl Clock for PastClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Writes `stored` incidents into `data`: copies of one open incident (with an overdue
/// timer) for every tenth, copies of a cancelled one for the rest. With
/// `LOAD_OPEN_LAYOUT=newest` the open tenth is the newest incidents instead, as in a store
/// where old incidents are closed, so that their records sit together in sled's pages.
async fn fill_store(config: &Path, data: &Path, stored: usize) {
    let policy = Config::load(config).expect("the config loads").policy;
    let scratch = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(scratch.path(), StoreOptions::default()).expect("opens");
    let past = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    let escalator = Escalator::new(store, Arc::new(policy), Arc::new(PastClock(past)));
    let mut request = open_request("sev1");
    request.channel = PAYMENTS.to_owned();
    request.reporter = UserRef::slack(REPORTER);
    escalator
        .open_incident(request.clone(), None)
        .await
        .expect("opens");
    let cancelled = escalator.open_incident(request, None).await.expect("opens");
    let by = UserRef::slack(REPORTER);
    escalator
        .apply(cancelled.incident.id, Intent::Cancel { by }, None)
        .await
        .expect("cancels");
    let mut export = Vec::new();
    escalator.store().export(&mut export).expect("exports");

    let mut templates: BTreeMap<u64, Vec<serde_json::Value>> = BTreeMap::new();
    for line in export.lines() {
        let record: serde_json::Value = serde_json::from_str(&line.expect("text")).expect("json");
        let incident = match record["kind"].as_str() {
            Some("incident") => record["incident"]["id"].as_u64(),
            Some("timeline") => record["incident"].as_u64(),
            _ => None,
        };
        if let Some(id) = incident {
            templates.entry(id).or_default().push(record);
        }
    }

    let mut lines = Vec::new();
    let meta = serde_json::json!({
        "kind": "meta", "schema_version": 1, "next_incident_id": stored + 1,
        "next_outbox_seq": 1, "next_audit_seq": 1,
    });
    writeln!(lines, "{meta}").expect("writes");
    let is_newest = std::env::var("LOAD_OPEN_LAYOUT").is_ok_and(|layout| layout == "newest");
    let is_open = |id: u64| {
        if is_newest {
            id > (stored - stored / 10) as u64
        } else {
            id % 10 == 0
        }
    };
    for id in 1..=stored as u64 {
        let template = if is_open(id) {
            &templates[&1]
        } else {
            &templates[&2]
        };
        for record in template {
            let mut record = record.clone();
            if record["kind"] == "incident" {
                record["incident"]["id"] = id.into();
            } else {
                record["incident"] = id.into();
            }
            writeln!(lines, "{record}").expect("writes");
        }
    }
    let store = Store::open(data, StoreOptions::default()).expect("opens");
    store.import(lines.as_slice()).expect("imports");
    store.flush().await.expect("flushes");
}

/// A field of `/proc/PID/status` as a number (kibibytes for the memory fields).
fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// Resident memory with its parts: heap and other anonymous memory, mapped files (the
/// binary and its libraries), the peak, and the thread count.
fn memory_breakdown(pid: u32) -> String {
    let mib = |field| status_field(pid, field) as f64 / 1024.0;
    format!(
        "resident memory {:.1} MiB ({:.1} anonymous, {:.1} file-backed; peak {:.1}), {} threads",
        mib("VmRSS"),
        mib("RssAnon"),
        mib("RssFile"),
        mib("VmHWM"),
        status_field(pid, "Threads")
    )
}

async fn restart(sizes: Sizes) {
    let workspace = workspace(WorkspaceOptions::default()).await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = write_config(
        dir.path(),
        &workspace.api_base_url(),
        "socket",
        "127.0.0.1:0",
        MINUTES,
    );
    if let Ok(cache_mb) = std::env::var("LOAD_CACHE_MB") {
        let file = config.join("escalator.toml");
        let text = std::fs::read_to_string(&file).expect("the config reads");
        let text = text.replace("cache_mb = 8", &format!("cache_mb = {cache_mb}"));
        std::fs::write(&file, text).expect("the config writes");
    }
    let open = sizes.stored_incidents / 10;
    fill_store(&config, &dir.path().join("data"), sizes.stored_incidents).await;

    let started = Instant::now();
    let bot = spawn_quiet_bot(&config, &dir.path().join("bot.log"));
    let addr = listen_addr(&bot).await;
    let client = reqwest::Client::new();
    loop {
        let response = client.get(format!("http://{addr}/readyz")).send().await;
        if response.is_ok_and(|response| response.status().as_u16() == 200) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "never ready");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ready = started.elapsed();
    let at_ready = status_field(bot.child.id(), "VmRSS") as f64 / 1024.0;

    // Each open incident's overdue step pages Alice by direct message once, alone or in
    // a digest with others, so the incidents named are counted, not the messages.
    let mut first = None;
    loop {
        let paged = workspace
            .dms(ALICE)
            .iter()
            .flat_map(|message| incident_numbers(&message.text))
            .collect::<BTreeSet<u64>>()
            .len();
        if paged > 0 && first.is_none() {
            first = Some(started.elapsed());
        }
        if paged >= open {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "only {paged} of {open} overdue pages arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let last = started.elapsed();
    let memory = memory_breakdown(bot.child.id());
    println!(
        "restart ({} stored, {open} open and overdue): ready after {:.0} ms; first overdue \
         page after {:.0} ms, all {open} after {:.0} ms; {at_ready:.1} MiB resident when ready; \
         then {memory}",
        sizes.stored_incidents,
        ready.as_secs_f64() * 1000.0,
        first.unwrap_or_default().as_secs_f64() * 1000.0,
        last.as_secs_f64() * 1000.0,
    );
    if let Ok(path) = std::env::var("LOAD_SMAPS_TO") {
        let _ = std::fs::copy(format!("/proc/{}/smaps", bot.child.id()), path);
    }
    drop(bot);
}

/// The incident numbers (`INC-n`) mentioned in `text`.
fn incident_numbers(text: &str) -> Vec<u64> {
    text.split("INC-")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

async fn storm(sizes: Sizes) {
    let options = WorkspaceOptions {
        post_rate_limit_per_channel: Some(1),
        ..WorkspaceOptions::default()
    };
    let workspace = Arc::new(workspace(options).await);
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = write_config(
        dir.path(),
        &workspace.api_base_url(),
        "socket",
        "127.0.0.1:0",
        SLOW,
    );
    let bot = spawn_quiet_bot(&config, &dir.path().join("bot.log"));
    assert!(workspace.wait_for_connections(1, PATIENCE).await);

    // Commands spread evenly over ten seconds, while a watcher notes when each incident
    // is first named in the incident thread or Alice's direct messages.
    let started = Instant::now();
    let observe = if sizes.storm >= 100 { 120 } else { 30 };
    let expected = sizes.storm;
    let watching = Arc::clone(&workspace);
    let watcher = tokio::spawn(async move {
        let mut paged_at: BTreeMap<u64, Duration> = BTreeMap::new();
        while paged_at.len() < expected && started.elapsed() < Duration::from_secs(observe) {
            let mut texts: Vec<String> = watching.dms(ALICE).into_iter().map(|m| m.text).collect();
            texts.extend(
                watching
                    .messages(INCIDENTS)
                    .into_iter()
                    .filter(|m| m.thread_ts.is_some() && m.text.contains("<@UALICE>"))
                    .map(|m| m.text),
            );
            for text in texts {
                for id in incident_numbers(&text) {
                    paged_at.entry(id).or_insert_with(|| started.elapsed());
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        paged_at
    });
    let spacing = Duration::from_secs(10) / sizes.storm as u32;
    let mut opened_at: BTreeMap<u64, Duration> = BTreeMap::new();
    let mut tick = tokio::time::interval(spacing);
    for n in 0..sizes.storm {
        tick.tick().await;
        let sent = started.elapsed();
        let receipt = workspace
            .slash_command(REPORTER, PAYMENTS, &format!("sev1 storm {n}"))
            .await
            .expect("the command is acknowledged");
        let reply = receipt.payload.map(|p| p.to_string()).unwrap_or_default();
        if let Some(id) = incident_numbers(&reply).first() {
            opened_at.insert(*id, sent);
        }
    }
    let paged_at = watcher.await.expect("the watcher finishes");
    let delays: Vec<Duration> = opened_at
        .iter()
        .filter_map(|(id, sent)| paged_at.get(id).map(|at| at.saturating_sub(*sent)))
        .collect();
    let within = delays
        .iter()
        .filter(|d| **d <= Duration::from_secs(10))
        .count();
    println!(
        "storm ({} SEV1 in 10 s, 1 message/s/channel): {} of {} first pages within 10 s, {} \
         within {observe} s of the start",
        sizes.storm,
        within,
        opened_at.len(),
        delays.len()
    );
    if !delays.is_empty() {
        report("storm first-page delay (paged incidents only)", delays);
    }
    drop(bot);
}
