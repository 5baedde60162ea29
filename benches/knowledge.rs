//! Fix-note search at 10,000 notes: building the index from the store, opening an
//! up-to-date index, indexing one edited note, and answering Korean, English and mixed
//! queries and related-fix lookups.
//!
//! `cargo bench --bench knowledge`; the default run is short (about a minute, most of it
//! the ten full rebuilds). Notes are generated from a fixed seed, so runs compare.

use std::io::Cursor as Reader;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use escalator::engine::{Cursor, FixNote, Incident, IncidentId, Phase, Platform, State, UserRef};
use escalator::knowledge::{KnowledgeBase, INDEX_FOLDER};
use escalator::store::{Store, StoreOptions};
use serde_json::json;

const NOTES: u64 = 10_000;

const SUBJECTS: &[&str] = &[
    "결제",
    "환불",
    "정산",
    "로그인",
    "배포",
    "인증서",
    "디스크",
    "메모리",
    "데이터베이스",
    "검색",
    "푸시 알림",
    "웹훅",
    "checkout",
    "payment gateway",
    "webhook",
    "Kafka consumer",
    "Redis",
    "Postgres",
    "DNS",
    "CDN",
    "TLS certificate",
    "backup",
    "deploy pipeline",
    "mail queue",
    "rate limiter",
    "session cookie",
    "OAuth",
    "S3 bucket",
    "report job",
];
const SYMPTOMS: &[&str] = &[
    "실패",
    "지연",
    "중단",
    "오류",
    "타임아웃",
    "용량 부족",
    "failed",
    "timed out",
    "was slow",
    "returned 502",
    "stopped",
    "leaked memory",
    "lost events",
    "double counted",
];
const CAUSES: &[&str] = &[
    "설정 값이 누락됨",
    "키가 만료됨",
    "락을 오래 잡고 있었음",
    "배치가 겹쳐 실행됨",
    "an expired credential",
    "a missing index",
    "a retry loop without backoff",
    "a config change in one region only",
    "an unpruned cache",
    "a schema change upstream",
];
const FIXES: &[&str] = &[
    "설정을 되돌리고 재시작",
    "키를 교체하고 재배포",
    "세션을 종료하고 재실행",
    "rolled the change back",
    "added the index",
    "rotated the secret everywhere",
    "raised the limit and restarted",
    "replayed the lost events",
];

/// A small deterministic generator, so every run indexes the same notes.
struct Seed(u64);

impl Seed {
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        words[(self.0 % words.len() as u64) as usize]
    }
}

fn generated(id: u64, seed: &mut Seed) -> Incident {
    let at = chrono::DateTime::from_timestamp(1_700_000_000 + id as i64 * 3600, 0)
        .expect("a valid time");
    let subject = seed.pick(SUBJECTS);
    let symptom = seed.pick(SYMPTOMS);
    let other = seed.pick(SUBJECTS);
    Incident {
        id: IncidentId(id),
        platform: Platform::Slack,
        team: seed
            .pick(&["payments", "platform", "data", "mobile"])
            .into(),
        severity: seed.pick(&["sev1", "sev2", "sev3"]).into(),
        summary: format!("{subject} {symptom}"),
        reporter: UserRef::slack("U-reporter"),
        origin_channel: "C-escalate".to_owned(),
        state: State::Closed,
        opened_at: at,
        acknowledged_at: Some(at),
        resolved_at: Some(at),
        closed_at: Some(at),
        assignee: None,
        followers: Default::default(),
        cursor: Cursor {
            step: 0,
            phase: Phase::Holders { repages_sent: 0 },
            since: at,
            step_paged: Vec::new(),
        },
        paged: Default::default(),
        timer: None,
        fix_note_reminders: 0,
        fix_note_skip: None,
        fix_note_history: Vec::new(),
        fix_note: Some(FixNote {
            summary: format!("{subject} {symptom} ({other})"),
            cause: seed.pick(CAUSES).to_owned(),
            fix: seed.pick(FIXES).to_owned(),
            prevention: format!("{} 모니터링 / monitor {}", other, seed.pick(SUBJECTS)),
            links: Vec::new(),
            author: UserRef::slack("U-author"),
            written_at: at,
        }),
    }
}

/// A store holding `NOTES` closed incidents with notes, written in one import.
fn store_with_notes(dir: &std::path::Path) -> Store {
    let store = Store::open(dir, StoreOptions::default()).expect("the store opens");
    let mut seed = Seed(0x9E37_79B9_7F4A_7C15);
    let meta = json!({
        "kind": "meta",
        "schema_version": escalator::store::SCHEMA_VERSION,
        "next_incident_id": NOTES + 1,
        "next_outbox_seq": 1,
        "next_audit_seq": 1,
    });
    let mut lines = format!("{meta}\n");
    for id in 1..=NOTES {
        let record = json!({ "kind": "incident", "incident": generated(id, &mut seed) });
        lines.push_str(&record.to_string());
        lines.push('\n');
    }
    store.import(Reader::new(lines)).expect("the notes import");
    store
}

fn knowledge(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = store_with_notes(dir.path());
    let index = dir.path().join(INDEX_FOLDER);

    let mut group = c.benchmark_group("knowledge_10000_notes");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("rebuild_index", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(&index);
            KnowledgeBase::open(&store).expect("the index builds")
        })
    });
    group.bench_function("open_up_to_date", |b| {
        b.iter(|| KnowledgeBase::open(&store).expect("the index opens"))
    });

    let knowledge = KnowledgeBase::open(&store).expect("the index opens");
    assert_eq!(knowledge.len(), NOTES as usize);
    let mut edited = store
        .incident(IncidentId(42))
        .expect("reads")
        .expect("exists");
    let mut round = 0u64;
    group.bench_function("index_one_edited_note", |b| {
        b.iter(|| {
            round += 1;
            if let Some(note) = edited.fix_note.as_mut() {
                note.fix = format!("rolled back, round {round}");
            }
            knowledge.index_note(&edited).expect("indexes")
        })
    });

    for query in [
        "결제가 실패했어요",
        "webhook failing after deploy",
        "TLS 인증서 만료",
    ] {
        group.bench_with_input(BenchmarkId::new("search_top5", query), query, |b, query| {
            b.iter(|| knowledge.search(query, 5).expect("searches"))
        });
    }
    group.bench_function("related_fixes", |b| {
        b.iter(|| {
            knowledge
                .related("Redis 타임아웃 after deploy")
                .expect("finds")
        })
    });
    group.finish();
}

criterion_group!(benches, knowledge);
criterion_main!(benches);
