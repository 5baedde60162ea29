//! The sled store on real temp folders: durability across a drop and across a killed
//! process, the folder lock, dedupe, the timer index, export and import.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use escalator::engine::policy::Means;
use escalator::engine::{
    Absence, Cursor, Effect, Entry, Event, Incident, IncidentId, PageReason, Phase, Platform,
    State, Timer, TimerKind, Timestamp, UserRef,
};
use escalator::ports::{Delivered, MessageRef};
use escalator::store::{
    AuditRecord, Change, CommitResult, DedupeKey, OutboxEntry, Store, StoreError, StoreOptions,
    WriteResult, Written,
};

fn at(text: &str) -> Timestamp {
    text.parse().expect("test timestamps are valid")
}

fn options() -> StoreOptions {
    StoreOptions {
        cache_bytes: 4 * 1024 * 1024,
    }
}

fn open(dir: &Path) -> Store {
    Store::open(dir, options()).expect("the store opens")
}

fn incident(id: u64, timer: Option<&str>) -> Incident {
    Incident {
        id: IncidentId(id),
        platform: Platform::Slack,
        team: "payments".into(),
        severity: "sev1".into(),
        summary: "checkout fails".to_owned(),
        reporter: UserRef::slack("U1"),
        origin_channel: "C-escalate".to_owned(),
        state: State::Open,
        opened_at: at("2024-05-01T10:00:00Z"),
        acknowledged_at: None,
        resolved_at: None,
        closed_at: None,
        assignee: None,
        followers: BTreeSet::new(),
        cursor: Cursor {
            step: 0,
            phase: Phase::Holders { repages_sent: 0 },
            since: at("2024-05-01T10:00:00Z"),
            step_paged: vec!["alice".into()],
        },
        paged: BTreeSet::from(["alice".into()]),
        timer: timer.map(|due| Timer {
            due: at(due),
            kind: TimerKind::Escalation,
        }),
        fix_note_reminders: 0,
        fix_note_skip: None,
        fix_note_history: Vec::new(),
        fix_note: None,
    }
}

fn page(person: &str) -> Effect {
    Effect::Page {
        person: person.into(),
        means: Means::Direct,
        reason: PageReason::First,
        step: 0,
    }
}

fn opened_entry() -> Entry {
    Entry {
        at: at("2024-05-01T10:00:00Z"),
        event: Event::Opened {
            reporter: UserRef::slack("U1"),
            severity: "sev1".into(),
        },
    }
}

fn change(incident: Incident, timeline: Vec<Entry>, effects: Vec<Effect>) -> Change {
    Change {
        incident,
        timeline,
        effects,
        dedupe: None,
        at: at("2024-05-01T10:00:00Z"),
    }
}

fn opening() -> Change {
    change(
        incident(1, Some("2024-05-01T10:05:00Z")),
        vec![opened_entry()],
        vec![Effect::PostRoot, page("alice")],
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a test runtime starts")
}

fn outbox_effects(store: &Store) -> Vec<(u64, Effect)> {
    let outbox = store.outbox().expect("the outbox reads");
    outbox
        .into_iter()
        .map(|(seq, entry)| (seq, entry.effect))
        .collect()
}

/// Checks that a store holds exactly what `opening()` wrote.
fn assert_holds_opening(store: &Store) {
    assert_eq!(
        store.incident(IncidentId(1)).expect("reads"),
        Some(incident(1, Some("2024-05-01T10:05:00Z")))
    );
    assert_eq!(
        store.timeline(IncidentId(1)).expect("reads"),
        vec![opened_entry()]
    );
    assert_eq!(
        store.timers().expect("reads"),
        vec![(at("2024-05-01T10:05:00Z"), IncidentId(1))]
    );
    assert_eq!(
        outbox_effects(store),
        vec![(1, Effect::PostRoot), (2, page("alice"))]
    );
    assert_eq!(store.upcoming_incident_id().expect("reads"), IncidentId(2));
}

#[tokio::test]
async fn a_commit_survives_dropping_the_store_and_reopening_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    assert_eq!(
        store.commit(opening()).await.expect("commits"),
        CommitResult::Committed
    );
    drop(store);

    assert_holds_opening(&open(dir.path()));
}

/// Writes `change` to the store's memory, which must take it.
fn write(store: &Store, change: &Change) -> Written {
    match store.write(change).expect("writes") {
        WriteResult::Written(written) => written,
        WriteResult::Duplicate => panic!("no dedupe key was given"),
    }
}

#[tokio::test]
async fn decisions_written_together_share_one_flush() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let before = store.flushes();
    let written: Vec<Written> = (1..=20)
        .map(|id| {
            let opened = change(
                incident(id, None),
                vec![opened_entry()],
                vec![page("alice")],
            );
            write(&store, &opened)
        })
        .collect();

    let flushed =
        futures::future::join_all(written.into_iter().map(|w| store.flush_written(w))).await;
    assert!(flushed.iter().all(Result::is_ok), "{flushed:?}");
    assert_eq!(store.flushes() - before, 1, "one flush covers all twenty");

    drop(store);
    let store = open(dir.path());
    assert_eq!(store.upcoming_incident_id().expect("reads"), IncidentId(21));
    assert_eq!(store.outbox().expect("reads").len(), 20);
}

#[tokio::test]
async fn the_dispatcher_reads_only_outbox_entries_that_are_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let written = write(&store, &opening());
    assert_eq!(store.outbox().expect("reads").len(), 2, "in memory");
    assert_eq!(store.durable_outbox_after(None).expect("reads"), vec![]);

    store.flush_written(written).await.expect("flushes");
    let durable: Vec<u64> = store
        .durable_outbox_after(None)
        .expect("reads")
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    assert_eq!(durable, vec![1, 2]);
    assert_eq!(store.durable_outbox_after(Some(1)).expect("reads").len(), 1);
}

#[tokio::test]
async fn a_write_to_the_database_before_a_reopen_is_not_reported_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let written = write(&store, &opening());
    store.reopen().await.expect("reopens");
    let error = store.flush_written(written).await.unwrap_err();
    assert!(matches!(error, StoreError::Unwritable { .. }), "{error}");
}

const CRASH_DIR: &str = "ESCALATOR_TEST_CRASH_DIR";

/// Not a test on its own: when the crash test re-runs this binary with `CRASH_DIR` set,
/// this commits, says so, and waits to be killed.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CRASH_DIR) else {
        return;
    };
    let store = open(Path::new(&dir));
    let result = runtime().block_on(store.commit(opening()));
    assert_eq!(result.expect("commits"), CommitResult::Committed);
    println!("committed");
    std::io::stdout().flush().expect("stdout flushes");
    loop {
        std::thread::park();
    }
}

/// Kills the child process however the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_commit_survives_the_process_being_killed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = Command::new(std::env::current_exe().expect("the test binary is known"))
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CRASH_DIR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the child starts");
    let mut child = KillOnDrop(child);

    let stdout = child.0.stdout.take().expect("stdout is piped");
    let said_committed = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // The harness prints `test crash_child ... ` on the same line before the test runs.
        .any(|line| line.ends_with("committed"));
    assert!(said_committed, "the child never committed");

    // `Child::kill` sends SIGKILL: no destructor, no sled shutdown, no final flush.
    child.0.kill().expect("the child is killed");
    let status = child.0.wait().expect("the child ends");
    assert!(!status.success());

    assert_holds_opening(&open(dir.path()));
}

#[test]
fn a_second_open_of_the_same_folder_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let _first = open(dir.path());

    let Err(error) = Store::open(dir.path(), options()) else {
        panic!("the second open succeeded");
    };
    assert!(matches!(error, StoreError::InUse { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("another escalator is using {}", dir.path().display())
    );
}

#[test]
fn a_new_folder_is_private_to_its_owner() {
    let parent = tempfile::tempdir().expect("temp dir");
    let dir = parent.path().join("data").join("escalator");
    let _store = open(&dir);

    for folder in [dir.as_path(), dir.parent().expect("has a parent")] {
        let mode = std::fs::metadata(folder)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{}", folder.display());
    }
}

#[test]
fn a_data_folder_that_is_a_file_is_named_as_such() {
    let parent = tempfile::tempdir().expect("temp dir");
    let file = parent.path().join("data");
    std::fs::write(&file, "").unwrap();
    let Err(error) = Store::open(&file, options()) else {
        panic!("opened a store in a file");
    };
    assert_eq!(
        error.to_string(),
        format!(
            "could not prepare the data folder {}: it is a file, not a folder; point \
             storage.data_dir at a folder",
            file.display()
        )
    );
}

#[test]
fn open_existing_refuses_a_folder_without_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Err(error) = Store::open_existing(&dir.path().join("nothing"), options()) else {
        panic!("opened a store that does not exist");
    };
    assert!(matches!(error, StoreError::Missing { .. }), "{error:?}");
    assert!(!dir.path().join("nothing").exists());
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(open(dir.path()));
    {
        let db = sled::open(dir.path()).expect("sled opens");
        let meta = db.open_tree("meta").expect("meta opens");
        meta.insert("schema_version", &2u32.to_be_bytes())
            .expect("writes");
        db.flush().expect("flushes");
    }

    let Err(error) = Store::open(dir.path(), options()) else {
        panic!("a newer schema was opened");
    };
    assert!(
        matches!(
            error,
            StoreError::NewerSchema {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("run a newer escalator"),
        "{error}"
    );
}

#[tokio::test]
async fn a_remembered_dedupe_key_writes_nothing_until_it_expires() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let key = |expires: &str| {
        Some(DedupeKey {
            key: "slack:Ev123".to_owned(),
            expires: at(expires),
        })
    };

    let mut first = opening();
    first.dedupe = key("2024-05-01T11:00:00Z");
    assert_eq!(
        store.commit(first).await.expect("commits"),
        CommitResult::Committed
    );

    let mut acked = incident(1, None);
    acked.state = State::Acknowledged;
    let mut again = change(
        acked.clone(),
        vec![opened_entry()],
        vec![Effect::RefreshRoot],
    );
    again.at = at("2024-05-01T10:59:59Z");
    again.dedupe = key("2024-05-01T11:59:59Z");
    assert_eq!(
        store.commit(again.clone()).await.expect("commits"),
        CommitResult::Duplicate
    );
    assert_holds_opening(&store);
    assert!(store
        .is_duplicate("slack:Ev123", at("2024-05-01T10:59:59Z"))
        .expect("reads"));

    again.at = at("2024-05-01T11:00:00Z");
    assert_eq!(
        store.commit(again).await.expect("commits"),
        CommitResult::Committed
    );
    assert_eq!(store.incident(IncidentId(1)).expect("reads"), Some(acked));
    assert_eq!(store.timeline(IncidentId(1)).expect("reads").len(), 2);
    assert_eq!(store.timers().expect("reads"), vec![]);

    assert_eq!(
        store
            .purge_dedupe(at("2024-05-01T11:59:58Z"))
            .expect("purges"),
        0
    );
    assert_eq!(
        store
            .purge_dedupe(at("2024-05-01T11:59:59Z"))
            .expect("purges"),
        1
    );
    assert!(!store
        .is_duplicate("slack:Ev123", at("2024-05-01T11:00:00Z"))
        .expect("reads"));
}

#[tokio::test]
async fn the_timer_index_follows_each_incidents_one_timer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let commit = |id, due: Option<&str>| store.commit(change(incident(id, due), vec![], vec![]));

    commit(1, Some("2024-05-01T10:05:00Z"))
        .await
        .expect("commits");
    commit(2, Some("2024-05-01T10:03:00Z"))
        .await
        .expect("commits");
    assert_eq!(
        store.timers().expect("reads"),
        vec![
            (at("2024-05-01T10:03:00Z"), IncidentId(2)),
            (at("2024-05-01T10:05:00Z"), IncidentId(1)),
        ]
    );
    assert_eq!(
        store.earliest_timer().expect("reads"),
        Some(at("2024-05-01T10:03:00Z"))
    );

    commit(2, Some("2024-05-01T10:20:00Z"))
        .await
        .expect("commits");
    assert_eq!(
        store.timers().expect("reads"),
        vec![
            (at("2024-05-01T10:05:00Z"), IncidentId(1)),
            (at("2024-05-01T10:20:00Z"), IncidentId(2)),
        ]
    );
    assert_eq!(
        store.due_timers(at("2024-05-01T10:04:59Z")).expect("reads"),
        vec![]
    );
    assert_eq!(
        store.due_timers(at("2024-05-01T10:05:00Z")).expect("reads"),
        vec![IncidentId(1)]
    );
    assert_eq!(
        store.due_timers(at("2024-05-01T11:00:00Z")).expect("reads"),
        vec![IncidentId(1), IncidentId(2)]
    );

    commit(1, None).await.expect("commits");
    assert_eq!(
        store.timers().expect("reads"),
        vec![(at("2024-05-01T10:20:00Z"), IncidentId(2))]
    );
}

#[tokio::test]
async fn incident_ids_are_durable_and_start_at_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    assert_eq!(store.upcoming_incident_id().expect("reads"), IncidentId(1));
    assert_eq!(
        store.next_incident_id().await.expect("reserves"),
        IncidentId(1)
    );
    assert_eq!(
        store.next_incident_id().await.expect("reserves"),
        IncidentId(2)
    );
    drop(store);

    let store = open(dir.path());
    assert_eq!(store.upcoming_incident_id().expect("reads"), IncidentId(3));
    store
        .commit(change(incident(7, None), vec![], vec![]))
        .await
        .expect("commits");
    assert_eq!(
        store.next_incident_id().await.expect("reserves"),
        IncidentId(8)
    );
}

#[tokio::test]
async fn the_outbox_keeps_order_and_records_deliveries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    store.commit(opening()).await.expect("commits");
    store
        .commit(change(incident(2, None), vec![], vec![Effect::PostRoot]))
        .await
        .expect("commits");
    assert_eq!(
        outbox_effects(&store),
        vec![
            (1, Effect::PostRoot),
            (2, page("alice")),
            (3, Effect::PostRoot)
        ]
    );

    let root = MessageRef {
        platform: Platform::Slack,
        channel: "C-incidents".to_owned(),
        id: "1714557600.000100".to_owned(),
    };
    let dm = MessageRef {
        platform: Platform::Slack,
        channel: "D-alice".to_owned(),
        id: "1714557601.000200".to_owned(),
    };
    let delivered = Delivered {
        root: Some(root.clone()),
        linked: vec![],
        knowledge: None,
        digest: None,
    };
    store
        .record_delivery(1, IncidentId(1), &delivered)
        .await
        .expect("records");
    let delivered = Delivered {
        root: None,
        linked: vec![dm.clone()],
        knowledge: None,
        digest: None,
    };
    store
        .record_delivery(2, IncidentId(1), &delivered)
        .await
        .expect("records");

    assert_eq!(outbox_effects(&store), vec![(3, Effect::PostRoot)]);
    assert_eq!(
        store.root(IncidentId(1)).expect("reads"),
        Some(root.clone())
    );
    assert_eq!(
        store.incident_for_message(&root).expect("reads"),
        Some(IncidentId(1))
    );
    assert_eq!(
        store.incident_for_message(&dm).expect("reads"),
        Some(IncidentId(1))
    );
    let unknown = MessageRef {
        id: "other".to_owned(),
        ..dm
    };
    assert_eq!(store.incident_for_message(&unknown).expect("reads"), None);

    store
        .outbox_retry_later(3, at("2024-05-01T10:00:04Z"), 2)
        .await
        .expect("records");
    assert_eq!(
        store.outbox().expect("reads"),
        vec![(
            3,
            OutboxEntry {
                incident: IncidentId(2),
                effect: Effect::PostRoot,
                attempts: 2,
                not_before: Some(at("2024-05-01T10:00:04Z")),
                enqueued_at: Some(at("2024-05-01T10:00:00Z")),
                in_flight: false,
                digest: None,
            }
        )]
    );
    store.outbox_done(3).await.expect("deletes");
    assert_eq!(outbox_effects(&store), vec![]);

    // The outbox sequence never goes back, so order holds across deletions.
    store
        .commit(change(incident(3, None), vec![], vec![Effect::PostRoot]))
        .await
        .expect("commits");
    assert_eq!(outbox_effects(&store), vec![(4, Effect::PostRoot)]);
}

#[tokio::test]
async fn the_audit_log_returns_the_latest_records_oldest_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    for n in 1..=3 {
        let record = AuditRecord {
            at: at("2024-05-01T10:00:00Z"),
            actor: "alice".to_owned(),
            action: format!("change-{n}"),
            before: serde_json::json!({ "deputy": null }),
            after: serde_json::json!({ "deputy": "bob" }),
        };
        assert_eq!(store.append_audit(&record).await.expect("appends"), n);
    }
    let actions: Vec<(u64, String)> = store
        .audit(2)
        .expect("reads")
        .into_iter()
        .map(|(seq, record)| (seq, record.action))
        .collect();
    assert_eq!(
        actions,
        vec![(2, "change-2".to_owned()), (3, "change-3".to_owned())]
    );
}

/// Fills a store with at least one record of every kind.
async fn populate(store: &Store) {
    let mut first = opening();
    first.dedupe = Some(DedupeKey {
        key: "slack:Ev1".to_owned(),
        expires: at("2024-05-01T11:00:00Z"),
    });
    store.commit(first).await.expect("commits");
    let mut second = incident(2, Some("2024-05-01T10:07:30.5Z"));
    second.summary = "refunds stuck, \"quoted\" and ünïcode".to_owned();
    store
        .commit(change(second, vec![opened_entry()], vec![Effect::PostRoot]))
        .await
        .expect("commits");

    let root = MessageRef {
        platform: Platform::Discord,
        channel: "111".to_owned(),
        id: "222".to_owned(),
    };
    store.set_root(IncidentId(1), &root).await.expect("sets");
    // The fix note's post in the knowledge channel, remembered so an edit updates it.
    let post = Delivered {
        root: None,
        linked: vec![],
        knowledge: Some(MessageRef {
            platform: Platform::Discord,
            channel: "333".to_owned(),
            id: "444".to_owned(),
        }),
        digest: None,
    };
    store
        .record_delivery(1, IncidentId(1), &post)
        .await
        .expect("records");
    store
        .outbox_retry_later(2, at("2024-05-01T10:00:02Z"), 1)
        .await
        .expect("records");
    let absence = Absence {
        person: "alice".into(),
        from: at("2024-05-01T00:00:00Z"),
        until: at("2024-05-08T00:00:00Z"),
        reason: Some("holiday".to_owned()),
    };
    store
        .set_absences(&"alice".into(), &[absence])
        .await
        .expect("sets");
    let record = AuditRecord {
        at: at("2024-05-01T09:00:00Z"),
        actor: "config-reload".to_owned(),
        action: "reload".to_owned(),
        before: serde_json::Value::Null,
        after: serde_json::json!({ "severities": 4 }),
    };
    store.append_audit(&record).await.expect("appends");
}

fn export(store: &Store) -> String {
    let mut out = Vec::new();
    store.export(&mut out).expect("exports");
    String::from_utf8(out).expect("exports are UTF-8")
}

#[tokio::test]
async fn an_export_imported_into_an_empty_store_reproduces_it() {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let target_dir = tempfile::tempdir().expect("temp dir");
    let source = open(source_dir.path());
    populate(&source).await;
    let exported = export(&source);

    let kinds: Vec<String> = exported
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
            value["kind"]
                .as_str()
                .expect("each line has a kind")
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "meta",
            "incident",
            "incident",
            "timeline",
            "timeline",
            "root",
            "knowledge_post",
            "link",
            "outbox",
            "outbox",
            "dedupe",
            "audit",
            "absences"
        ]
    );

    let target = open(target_dir.path());
    assert_eq!(target.import(exported.as_bytes()).expect("imports"), 13);
    assert_eq!(export(&target), exported);
    assert_eq!(
        target.knowledge_post(IncidentId(1)).expect("reads"),
        source.knowledge_post(IncidentId(1)).expect("reads")
    );
    assert_eq!(
        target
            .knowledge_post(IncidentId(1))
            .expect("reads")
            .map(|post| post.id),
        Some("444".to_owned())
    );
    assert_eq!(
        target.timers().expect("reads"),
        source.timers().expect("reads")
    );
    assert_eq!(
        target.absences().expect("reads"),
        source.absences().expect("reads")
    );
    assert!(target
        .is_duplicate("slack:Ev1", at("2024-05-01T10:30:00Z"))
        .expect("reads"));

    // Counters continue where the source left off.
    for store in [&source, &target] {
        let mut later = incident(1, None);
        later.state = State::Cancelled;
        store
            .commit(change(
                later,
                vec![opened_entry()],
                vec![Effect::RefreshRoot],
            ))
            .await
            .expect("commits");
        assert_eq!(store.timeline(IncidentId(1)).expect("reads").len(), 2);
        assert_eq!(store.upcoming_incident_id().expect("reads"), IncidentId(3));
    }
    assert_eq!(export(&target), export(&source));

    let Err(error) = target.import(exported.as_bytes()) else {
        panic!("imported into a store that holds data");
    };
    assert!(matches!(error, StoreError::NotEmpty), "{error:?}");
}

#[test]
fn an_import_with_a_bad_line_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let export = "{\"kind\":\"meta\",\"schema_version\":1,\"next_incident_id\":2,\
                  \"next_outbox_seq\":1,\"next_audit_seq\":1}\n{\"kind\":\"nonsense\"}\n";
    let Err(error) = store.import(export.as_bytes()) else {
        panic!("a bad line was imported");
    };
    assert!(
        matches!(error, StoreError::Import { line: 2, .. }),
        "{error:?}"
    );
    assert_eq!(store.upcoming_incident_id().expect("reads"), IncidentId(1));

    let newer = "{\"kind\":\"meta\",\"schema_version\":9,\"next_incident_id\":2,\
                 \"next_outbox_seq\":1,\"next_audit_seq\":1}\n";
    let Err(error) = store.import(newer.as_bytes()) else {
        panic!("a newer export was imported");
    };
    assert!(
        matches!(error, StoreError::Import { line: 1, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_entry_marked_in_flight_is_still_marked_after_a_reopen_and_a_failed_attempt() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let store = open(dir.path());
        store.commit(opening()).await.expect("commits");
        let (seq, entry) = store.outbox().expect("reads")[0].clone();
        assert!(!entry.in_flight, "a new entry has not been tried");

        store.outbox_mark_in_flight(seq, None).await.expect("marks");
        store
            .outbox_mark_in_flight(seq, None)
            .await
            .expect("marking again is harmless");
        store
            .outbox_retry_later(seq, at("2024-05-01T10:00:04Z"), 1)
            .await
            .expect("records the failure");
    }

    let store = open(dir.path());
    let entries = store.outbox().expect("reads");
    let marked: Vec<bool> = entries.iter().map(|(_, entry)| entry.in_flight).collect();
    assert!(marked[0], "the mark is on disk: {entries:?}");
    assert!(
        marked[1..].iter().all(|is| !is),
        "only the tried entry is marked"
    );
    assert_eq!(entries[0].1.attempts, 1);

    // An entry that is gone is not brought back by a late mark.
    let seq = entries[0].0;
    store.outbox_done(seq).await.expect("deletes");
    store
        .outbox_mark_in_flight(seq, None)
        .await
        .expect("ignores");
    assert!(store
        .outbox()
        .expect("reads")
        .iter()
        .all(|(s, _)| *s != seq));
}

#[tokio::test]
async fn a_digest_of_pages_is_linked_to_no_incident_and_passes_the_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    store.commit(opening()).await.expect("commits");
    let digest = MessageRef {
        platform: Platform::Slack,
        channel: "D-alice".to_owned(),
        id: "1714557601.000300".to_owned(),
    };
    assert!(!store.is_digest(&digest).expect("reads"));

    store.link_digest(&digest).await.expect("links");
    let delivered = Delivered {
        digest: Some(digest.clone()),
        ..Delivered::default()
    };
    store
        .record_delivery(2, IncidentId(1), &delivered)
        .await
        .expect("records");

    assert!(store.is_digest(&digest).expect("reads"));
    assert_eq!(store.incident_for_message(&digest).expect("reads"), None);
    assert!(store.check().expect("checks").is_none());
}

#[tokio::test]
async fn a_snapshot_holds_the_records_of_an_export_and_restores_them() {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let target_dir = tempfile::tempdir().expect("temp dir");
    let source = open(source_dir.path());
    populate(&source).await;
    let exported = export(&source);

    let snapshot = source
        .write_snapshot(at("2024-05-01T12:00:00Z"), 3)
        .expect("the snapshot is written");
    let written = std::fs::read_to_string(&snapshot.path).expect("reads");
    // The first line is padded so that its counters can be written last.
    let lines: Vec<&str> = written.lines().map(str::trim_end).collect();
    assert_eq!(lines, exported.lines().collect::<Vec<_>>());
    assert_eq!(
        snapshot.counters().expect("reads"),
        source.counters().expect("reads")
    );

    let target = open(target_dir.path());
    escalator::store::snapshot::load_into(&target, &snapshot.path).expect("imports");
    assert_eq!(export(&target), exported);
}
