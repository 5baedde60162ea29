//! Storage faults on real sled folders: a damaged store is found at start, moved aside and
//! replaced by the newest snapshot; without one nothing is touched; a failed write stops
//! the store from taking more until it is reopened; snapshots are listed and restored by
//! hand, never under a running bot.

use std::collections::BTreeSet;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::Command;

use escalator::engine::{Cursor, Incident, IncidentId, Phase, Platform, State, Timestamp, UserRef};
use escalator::store::recovery::{self, Restored};
use escalator::store::snapshot;
use escalator::store::{Change, Damage, Store, StoreError, StoreOptions};

fn at(text: &str) -> Timestamp {
    text.parse().expect("test timestamps are valid")
}

fn options() -> StoreOptions {
    StoreOptions {
        cache_bytes: 4 * 1024 * 1024,
    }
}

fn incident(id: u64) -> Incident {
    Incident {
        id: IncidentId(id),
        platform: Platform::Slack,
        team: "payments".into(),
        severity: "sev1".into(),
        summary: format!("problem number {id}"),
        reporter: UserRef::slack("U1"),
        origin_channel: "C-escalate".to_owned(),
        state: State::Open,
        opened_at: at("2026-12-04T10:00:00Z"),
        acknowledged_at: None,
        resolved_at: None,
        closed_at: None,
        assignee: None,
        followers: BTreeSet::new(),
        cursor: Cursor {
            step: 0,
            phase: Phase::Holders { repages_sent: 0 },
            since: at("2026-12-04T10:00:00Z"),
            step_paged: Vec::new(),
        },
        paged: BTreeSet::new(),
        timer: None,
        fix_note_reminders: 0,
        fix_note: None,
        fix_note_skip: None,
        fix_note_history: Vec::new(),
    }
}

async fn open_incidents(store: &Store, ids: std::ops::RangeInclusive<u64>) {
    for id in ids {
        let change = Change {
            incident: incident(id),
            timeline: Vec::new(),
            effects: Vec::new(),
            dedupe: None,
            at: at("2026-12-04T10:00:00Z"),
        };
        store.commit(change).await.expect("commits");
    }
}

fn ids(store: &Store) -> Vec<u64> {
    store
        .incidents()
        .unwrap()
        .iter()
        .map(|incident| incident.id.0)
        .collect()
}

/// A store with incidents 1–3 in a snapshot taken at 10:30 and 4–5 written after it.
async fn store_with_snapshot(dir: &Path) {
    let store = Store::open(dir, options()).unwrap();
    open_incidents(&store, 1..=3).await;
    store
        .write_snapshot(at("2026-12-04T10:30:00Z"), 5)
        .expect("the snapshot is written");
    open_incidents(&store, 4..=5).await;
}

/// Overwrites the start of sled's log, as a bad disk block or a stray write would.
fn garble(dir: &Path) {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("db"))
        .unwrap();
    file.write_all_at(&[0x5a; 4096], 0).unwrap();
}

fn truncate(dir: &Path) {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("db"))
        .unwrap();
    let length = file.metadata().unwrap().len();
    file.set_len(length / 3).unwrap();
}

fn assert_restored(dir: &Path, restored: &Restored) {
    assert_eq!(restored.snapshot.taken_at, at("2026-12-04T10:30:00Z"));
    assert!(
        restored
            .last_written
            .is_some_and(|last| last > restored.snapshot.taken_at),
        "{restored:?}"
    );
    assert!(restored.moved_to.starts_with(dir), "{restored:?}");
    let kept = restored.moved_to.file_name().unwrap().to_string_lossy();
    assert!(kept.starts_with("store.corrupt-2026"), "{kept}");
    assert!(
        restored.moved_to.join("db").is_file(),
        "the damaged log is kept"
    );
    assert!(restored.moved_to.join("conf").is_file());
    assert_eq!(
        snapshot::list(dir).unwrap().len(),
        1,
        "the snapshot is kept"
    );
}

#[tokio::test]
async fn a_garbled_log_is_found_moved_aside_and_the_snapshot_restored() {
    let dir = tempfile::tempdir().unwrap();
    store_with_snapshot(dir.path()).await;
    garble(dir.path());

    let (store, restored) =
        recovery::open_checked(dir.path(), options(), at("2026-12-04T12:00:00Z")).unwrap();
    let restored = restored.expect("the damage is found");
    assert!(restored.damage.contains("missing"), "{}", restored.damage);
    assert_restored(dir.path(), &restored);
    assert_eq!(ids(&store), [1, 2, 3]);
    // 4 and 5 were announced before the damage; new incidents do not reuse them.
    assert_eq!(store.upcoming_incident_id().unwrap(), IncidentId(6));

    // The restored store is the store from now on: a restart finds nothing wrong.
    drop(store);
    let (store, restored) =
        recovery::open_checked(dir.path(), options(), at("2026-12-04T12:05:00Z")).unwrap();
    assert_eq!(restored, None);
    assert_eq!(ids(&store), [1, 2, 3]);
}

#[tokio::test]
async fn a_truncated_log_is_found_and_the_snapshot_restored() {
    let dir = tempfile::tempdir().unwrap();
    store_with_snapshot(dir.path()).await;
    truncate(dir.path());

    let (store, restored) =
        recovery::open_checked(dir.path(), options(), at("2026-12-04T12:00:00Z")).unwrap();
    assert_restored(dir.path(), &restored.expect("the truncation is found"));
    assert_eq!(ids(&store), [1, 2, 3]);
}

#[tokio::test]
async fn a_record_that_does_not_decode_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    store_with_snapshot(dir.path()).await;
    write_raw(
        dir.path(),
        "incidents",
        &2u64.to_be_bytes(),
        b"{\"id\":2,\"sum",
    );
    let store = Store::open(dir.path(), options()).unwrap();
    let damage = store.check().unwrap().expect("the garbled record is found");
    assert_garbled(&damage, "incidents");
    drop(store);

    let (store, restored) =
        recovery::open_checked(dir.path(), options(), at("2026-12-04T12:00:00Z")).unwrap();
    assert!(restored.is_some());
    assert_eq!(
        store.incident(IncidentId(2)).unwrap().unwrap().summary,
        "problem number 2"
    );
}

/// Writes `value` under `key` in `tree` through sled itself: the log stays sound, the
/// record need not be.
fn write_raw(dir: &Path, tree: &str, key: &[u8], value: &[u8]) {
    let db = sled::open(dir).unwrap();
    db.open_tree(tree).unwrap().insert(key, value).unwrap();
    db.flush().unwrap();
}

fn assert_garbled(damage: &Damage, tree: &str) {
    assert!(
        matches!(damage, Damage::Garbled { tree: found, .. } if *found == tree),
        "{damage:?}"
    );
}

/// Runs the start-up check on a store with `value` written raw under `key` in `tree`.
async fn check_with(tree: &str, key: &[u8], value: &[u8]) -> Option<Damage> {
    let dir = tempfile::tempdir().unwrap();
    store_with_snapshot(dir.path()).await;
    write_raw(dir.path(), tree, key, value);
    let store = Store::open(dir.path(), options()).unwrap();
    store.check().unwrap()
}

#[tokio::test]
async fn an_incident_in_play_is_decoded_in_full() {
    // Well-formed JSON, but not an incident the bot could act on.
    let damage = check_with(
        "incidents",
        &2u64.to_be_bytes(),
        br#"{"id":2,"state":"open"}"#,
    )
    .await
    .expect("the incomplete incident is found");
    assert_garbled(&damage, "incidents");
}

#[tokio::test]
async fn a_garbled_reference_to_a_posted_fix_note_is_found() {
    // The message a fix note was posted as, which the bot edits when the note changes.
    let damage = check_with(
        "knowledge_posts",
        &2u64.to_be_bytes(),
        br#"{"platform":"slack","channel":"CKNOW"#,
    )
    .await
    .expect("the garbled reference is found");
    assert_garbled(&damage, "knowledge_posts");
}

#[tokio::test]
async fn a_garbled_timeline_entry_is_found_whatever_its_incident() {
    // The timeline is read in parts by incident id: the first, the last, and ids beyond
    // the counter are all covered.
    for id in [1u64, 3, 5, 1_000, u64::MAX] {
        let mut key = id.to_be_bytes().to_vec();
        key.extend(7u64.to_be_bytes());
        let damage = check_with("timeline", &key, br#"{"at":"2026-12-04T10:0"#)
            .await
            .unwrap_or_else(|| panic!("the garbled entry of incident {id} is found"));
        assert_garbled(&damage, "timeline");
    }
}

#[tokio::test]
async fn without_a_snapshot_nothing_is_moved_and_the_error_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    store_with_snapshot(dir.path()).await;
    std::fs::remove_dir_all(snapshot::folder(dir.path())).unwrap();
    garble(dir.path());

    let Err(error) = recovery::open_checked(dir.path(), options(), at("2026-12-04T12:00:00Z"))
    else {
        panic!("a damaged store without a snapshot must not open");
    };
    assert!(
        matches!(error, StoreError::DamagedWithoutSnapshot { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    let folder = dir.path().display().to_string();
    assert!(message.contains(&folder), "{message}");
    assert!(message.contains("no snapshot"), "{message}");
    assert!(message.contains("escalator snapshots restore"), "{message}");
    assert!(
        dir.path().join("db").is_file(),
        "the store stays where it is"
    );
    assert!(dir.path().join("store.watermark").is_file());
    let moved: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("store.corrupt"))
        .collect();
    assert!(moved.is_empty(), "{moved:?}");

    // The bot refuses again on the next start: the damage is not forgotten.
    let again = recovery::open_checked(dir.path(), options(), at("2026-12-04T12:05:00Z"));
    assert!(matches!(
        again,
        Err(StoreError::DamagedWithoutSnapshot { .. })
    ));
}

#[tokio::test]
async fn a_sound_store_opens_as_it_is_and_snapshots_keep_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), options()).unwrap();
    open_incidents(&store, 1..=2).await;
    for minute in 10..15 {
        let time = at(&format!("2026-12-04T10:{minute}:00Z"));
        store.write_snapshot(time, 3).unwrap();
    }
    drop(store);

    let snapshots = snapshot::list(dir.path()).unwrap();
    let times: Vec<Timestamp> = snapshots.iter().map(|s| s.taken_at).collect();
    assert_eq!(
        times,
        [
            at("2026-12-04T10:12:00Z"),
            at("2026-12-04T10:13:00Z"),
            at("2026-12-04T10:14:00Z")
        ]
    );
    assert_eq!(snapshots[2].counters().unwrap().next_incident_id, 3);
    let leftovers: Vec<String> = std::fs::read_dir(snapshot::folder(dir.path()))
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let (store, restored) =
        recovery::open_checked(dir.path(), options(), at("2026-12-04T12:00:00Z")).unwrap();
    assert_eq!(restored, None);
    assert_eq!(ids(&store), [1, 2]);
}

fn escalator(args: &[&str], data: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_escalator"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("escalator runs")
}

#[tokio::test]
async fn snapshots_are_listed_and_restored_by_hand_but_not_under_a_running_bot() {
    let dir = tempfile::tempdir().unwrap();
    store_with_snapshot(dir.path()).await;

    let listed = escalator(&["snapshots", "list"], dir.path());
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{listed:?}");
    assert!(
        text.contains("snapshot-20261204T103000.000Z.jsonl"),
        "{text}"
    );
    assert!(text.contains("2026-12-04 10:30:00"), "{text}");

    // A bot (any holder of the store) keeps the restore away.
    let running = Store::open(dir.path(), options()).unwrap();
    let refused = escalator(&["snapshots", "restore"], dir.path());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(error.contains("another escalator is using"), "{error}");
    assert_eq!(ids(&running), [1, 2, 3, 4, 5], "nothing changed");
    drop(running);

    let restored = escalator(&["snapshots", "restore"], dir.path());
    let text = String::from_utf8_lossy(&restored.stdout);
    assert!(restored.status.success(), "{restored:?}");
    assert!(text.contains("(incidents: 3)"), "{text}");
    assert!(text.contains("store.replaced-"), "{text}");
    let store = Store::open(dir.path(), options()).unwrap();
    assert_eq!(ids(&store), [1, 2, 3]);
    drop(store);

    let unknown = escalator(&["snapshots", "restore", "snapshot-nope.jsonl"], dir.path());
    assert_eq!(unknown.status.code(), Some(1));
    let error = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        error.contains("there is no snapshot snapshot-nope.jsonl"),
        "{error}"
    );
}

/// The write-failure test runs in a child process, since a file size limit applies to the
/// whole process.
const WRITE_FAILURE_CHILD: &str = "ESCALATOR_TEST_WRITE_FAILURE_DIR";

#[test]
fn a_failed_write_stops_writes_until_the_store_is_reopened() {
    if let Ok(dir) = std::env::var(WRITE_FAILURE_CHILD) {
        return write_failure_child(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_failed_write_stops_writes_until_the_store_is_reopened",
            "--nocapture",
        ])
        .env(WRITE_FAILURE_CHILD, dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn set_file_size_limit(limit: libc::rlim_t) {
    let limit = libc::rlimit {
        rlim_cur: limit,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain system calls on this process with valid arguments.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
}

fn write_failure_child(dir: &Path) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(dir, options()).unwrap();
        open_incidents(&store, 1..=2).await;

        // No file may grow: every write of sled's log now fails with EFBIG, as it would
        // with ENOSPC on a full disk.
        set_file_size_limit(0);
        let change = Change {
            incident: incident(3),
            timeline: Vec::new(),
            effects: Vec::new(),
            dedupe: None,
            at: at("2026-12-04T10:00:00Z"),
        };
        let error = store.commit(change.clone()).await.unwrap_err();
        assert!(matches!(error, StoreError::Sled(_)), "{error:?}");
        assert!(!store.is_writable());
        let error = store.commit(change.clone()).await.unwrap_err();
        assert!(matches!(error, StoreError::Unwritable { .. }), "{error:?}");
        assert!(store.reopen().await.is_err(), "still no space");
        assert!(!store.is_writable());

        // What was stored can still be read meanwhile.
        let first = store.incident(IncidentId(1)).unwrap().unwrap();
        assert_eq!(first.summary, "problem number 1");

        // Space returns: sled stays poisoned until reopened, then writes work.
        set_file_size_limit(libc::RLIM_INFINITY);
        store.reopen().await.expect("reopens once writes work");
        assert!(store.is_writable());
        assert_eq!(
            ids(&store),
            [1, 2],
            "the failed write is gone after the reopen"
        );
        store.commit(change).await.expect("writes work again");
        assert_eq!(ids(&store), [1, 2, 3]);
    });
}
