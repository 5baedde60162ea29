//! Durable transitions per second: open, acknowledge and resolve one incident through the
//! runtime on a temp-folder store, each decision flushed to disk before it returns.
//!
//! `cargo bench --bench transitions`; the default run is short (about 5 s). Throughput is
//! reported in transitions (three per iteration).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use escalator::engine::policy::{Means, Path, Person, Policy, Severity, Step, Target, Team};
use escalator::engine::{Intent, OpenRequest, Platform, UserRef};
use escalator::ports::SystemClock;
use escalator::runtime::Escalator;
use escalator::store::{Store, StoreOptions};

fn policy() -> Policy {
    let alice = Person {
        id: "alice".into(),
        name: "Alice".to_owned(),
        accounts: BTreeMap::from([(Platform::Slack, "U-alice".to_owned())]),
        positions: vec![],
        deputy: None,
        locale: None,
        timezone: chrono_tz::UTC,
    };
    let team = Team {
        id: "payments".into(),
        name: "Payments".to_owned(),
        chat: BTreeMap::new(),
        locale: None,
    };
    let step = Step {
        target: Target::Person("alice".into()),
        means: vec![Means::Direct],
        ack_within: Duration::from_secs(15 * 60),
        repages: 2,
        repage_every: Duration::from_secs(5 * 60),
    };
    Policy {
        teams: BTreeMap::from([("payments".into(), team)]),
        people: BTreeMap::from([("alice".into(), alice)]),
        severities: vec![Severity {
            id: "sev1".into(),
            name: "Critical".to_owned(),
            criteria: vec![],
            counter_examples: vec![],
            default_path: Some(Path { steps: vec![step] }),
            team_paths: BTreeMap::new(),
        }],
        admins: BTreeSet::new(),
        ack_emoji: vec![],
        resolve_emoji: vec![],
        fix_note_reminder_every: Duration::from_secs(24 * 60 * 60),
        criteria_review_every: Duration::from_secs(90 * 24 * 60 * 60),
        default_locale: "en".to_owned(),
        webhooks: BTreeMap::new(),
    }
}

fn transitions(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(dir.path(), StoreOptions::default()).expect("the store opens");
    let escalator = Escalator::new(store, Arc::new(policy()), Arc::new(SystemClock));
    let alice = UserRef::slack("U-alice");
    let request = OpenRequest {
        platform: Platform::Slack,
        team: "payments".into(),
        severity: "sev1".into(),
        summary: "checkout fails".to_owned(),
        reporter: UserRef::slack("U-reporter"),
        channel: "C-payments".to_owned(),
    };

    let mut group = c.benchmark_group("durable");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(3));
    group.bench_function("open_ack_resolve", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let opened = escalator
                    .open_incident(request.clone(), None)
                    .await
                    .expect("opens");
                let id = opened.incident.id;
                let ack = Intent::Acknowledge { by: alice.clone() };
                escalator.apply(id, ack, None).await.expect("acknowledges");
                let resolve = Intent::Resolve { by: alice.clone() };
                escalator.apply(id, resolve, None).await.expect("resolves");
            })
        })
    });
    group.finish();
}

criterion_group!(benches, transitions);
criterion_main!(benches);
