//! The knowledge base on a real store: Korean, English and mixed queries, the index as a
//! cache of the store (rebuilt when deleted, damaged or behind), edits and related fixes.

mod knowledge_support;

use escalator::engine::IncidentId;
use escalator::knowledge::{KnowledgeBase, INDEX_FOLDER};
use knowledge_support::*;

const NOTES: &[Note] = &[
    Note {
        id: 1,
        team: "payments",
        summary: "결제 승인이 계속 실패합니다",
        title: "카드 결제 승인 실패",
        cause: "PG사 인증 키가 교체되었는데 설정에 반영되지 않았습니다",
        fix: "새 인증 키를 배포하고 결제 서버를 재시작했습니다",
        prevention: "키 교체 일정을 공유 캘린더에 등록",
    },
    Note {
        id: 2,
        team: "platform",
        summary: "Order webhooks failed after the deploy",
        title: "Webhook deliveries failed with 401",
        cause: "The signing secret was rotated in one region only",
        fix: "Rotated the secret everywhere and replayed the failed deliveries",
        prevention: "Rotate secrets with the runbook script",
    },
    Note {
        id: 3,
        team: "platform",
        summary: "API 전체 장애",
        title: "TLS 인증서 만료로 API 장애",
        cause: "자동 갱신 작업이 권한 오류로 멈춰 있었음",
        fix: "certificate를 수동으로 갱신하고 load balancer에 다시 올림",
        prevention: "만료 30일 전 알림 추가",
    },
    Note {
        id: 4,
        team: "data",
        summary: "Nightly report job is slow",
        title: "Report queries timed out",
        cause: "A missing index on the orders table",
        fix: "Added the index and reran the job",
        prevention: "Review query plans for new reports",
    },
];

fn ids(hits: &[escalator::knowledge::Hit]) -> Vec<u64> {
    hits.iter().map(|hit| hit.incident.0).collect()
}

async fn knowledge_over(notes: &[Note]) -> (tempfile::TempDir, escalator::store::Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path());
    commit_all(&store, notes).await;
    (dir, store)
}

#[tokio::test]
async fn korean_english_and_mixed_queries_find_their_notes() {
    let (_dir, store) = knowledge_over(NOTES).await;
    let knowledge = KnowledgeBase::open(&store).unwrap();

    let cases: &[(&str, &[u64])] = &[
        // A particle on the query word: 결제가 finds 결제.
        ("결제가", &[1]),
        ("결제 승인 실패했어요", &[1]),
        // English stemming both ways: failing finds failed, webhook finds webhooks.
        ("failing webhook", &[2]),
        ("replaying deliveries", &[2]),
        // Mixed Korean and English, in the query and in the note.
        ("tls 인증서가 만료", &[3]),
        ("certificate 갱신", &[3]),
        ("timeouts on report queries", &[4]),
        // Nothing shared: nothing found, and no error.
        ("kafka", &[]),
        ("", &[]),
        ("  !!  ", &[]),
    ];
    for (query, expected) in cases {
        let hits = knowledge.search(query, 1).unwrap();
        assert_eq!(ids(&hits), *expected, "query {query:?}");
    }
}

#[tokio::test]
async fn a_hit_carries_the_note_and_its_incident() {
    let (_dir, store) = knowledge_over(NOTES).await;
    let knowledge = KnowledgeBase::open(&store).unwrap();

    let hits = knowledge.search("webhook secret", 5).unwrap();

    assert_eq!(ids(&hits), vec![2]);
    let hit = &hits[0];
    assert_eq!(hit.title, "Webhook deliveries failed with 401");
    assert_eq!(hit.team.as_str(), "platform");
    assert_eq!(hit.severity.as_str(), "sev2");
    assert_eq!(hit.written_at.to_rfc3339(), "2024-05-03T10:00:00+00:00");
    assert_eq!(hit.thread, None);
    assert!(hit.score > 0.0);
}

#[tokio::test]
async fn the_index_is_rebuilt_after_its_folder_is_deleted() {
    let (dir, store) = knowledge_over(NOTES).await;
    let index = dir.path().join(INDEX_FOLDER);
    let knowledge = KnowledgeBase::open(&store).unwrap();
    assert_eq!(knowledge.len(), 4);
    assert!(index.join("meta.json").is_file());
    drop(knowledge);

    std::fs::remove_dir_all(&index).unwrap();
    let knowledge = KnowledgeBase::open(&store).unwrap();

    assert_eq!(knowledge.len(), 4);
    assert!(index.join("meta.json").is_file());
    assert_eq!(ids(&knowledge.search("결제가", 3).unwrap()), vec![1]);
}

#[tokio::test]
async fn a_damaged_index_is_rebuilt() {
    let (dir, store) = knowledge_over(NOTES).await;
    drop(KnowledgeBase::open(&store).unwrap());

    let meta = dir.path().join(INDEX_FOLDER).join("meta.json");
    std::fs::write(&meta, b"{ not json").unwrap();
    let knowledge = KnowledgeBase::open(&store).unwrap();

    assert_eq!(
        ids(&knowledge.search("report queries", 3).unwrap()),
        vec![4]
    );
}

#[tokio::test]
async fn notes_committed_while_the_index_was_not_told_are_caught_up_on_open() {
    // As after a crash between the store's commit and the index's.
    let (_dir, store) = knowledge_over(&NOTES[..2]).await;
    drop(KnowledgeBase::open(&store).unwrap());
    commit_all(&store, &NOTES[2..]).await;

    let knowledge = KnowledgeBase::open(&store).unwrap();

    assert_eq!(knowledge.len(), 4);
    assert_eq!(ids(&knowledge.search("tls 인증서", 1).unwrap()), vec![3]);
}

#[tokio::test]
async fn an_up_to_date_index_is_kept() {
    let (dir, store) = knowledge_over(NOTES).await;
    drop(KnowledgeBase::open(&store).unwrap());
    let meta = dir.path().join(INDEX_FOLDER).join("meta.json");
    let written = std::fs::read(&meta).unwrap();

    let knowledge = KnowledgeBase::open(&store).unwrap();

    assert_eq!(
        std::fs::read(&meta).unwrap(),
        written,
        "the index was rewritten"
    );
    assert_eq!(knowledge.len(), 4);
}

#[tokio::test]
async fn an_edited_note_is_found_by_its_new_words_only() {
    let (_dir, store) = knowledge_over(NOTES).await;
    let knowledge = KnowledgeBase::open(&store).unwrap();

    let mut edited = store.incident(IncidentId(4)).unwrap().unwrap();
    let note = edited.fix_note.as_mut().unwrap();
    note.summary = "Warehouse export stalled".to_owned();
    note.cause = "A lock held by a vacuum job".to_owned();
    note.fix = "Cancelled the vacuum".to_owned();
    note.prevention = "Schedule vacuums outside export hours".to_owned();
    edited.summary = "Export stalled".to_owned();
    commit(&store, edited.clone()).await;
    knowledge.index_note(&edited).unwrap();

    assert_eq!(
        ids(&knowledge.search("report queries", 3).unwrap()),
        Vec::<u64>::new()
    );
    assert_eq!(ids(&knowledge.search("vacuum", 3).unwrap()), vec![4]);
    assert_eq!(
        knowledge.search("vacuum", 1).unwrap()[0].title,
        "Warehouse export stalled"
    );
    assert_eq!(knowledge.len(), 4);

    // The edit survives a restart without a rebuild being needed to see it.
    drop(knowledge);
    let knowledge = KnowledgeBase::open(&store).unwrap();
    assert_eq!(ids(&knowledge.search("vacuum", 3).unwrap()), vec![4]);
}

#[tokio::test]
async fn related_fixes_need_enough_shared_terms() {
    let (_dir, store) = knowledge_over(NOTES).await;
    let knowledge = KnowledgeBase::open(&store).unwrap();

    let cases: &[(&str, &[u64])] = &[
        ("카드 결제 승인이 또 실패", &[1]),
        ("Webhooks failing with 401 again", &[2]),
        ("API 인증서 만료", &[3]),
        // One shared word out of several is not enough.
        ("Checkout page is slow for mobile users", &[]),
        ("결제 화면 디자인 변경 요청", &[]),
        ("", &[]),
    ];
    for (summary, expected) in cases {
        assert_eq!(
            ids(&knowledge.related(summary).unwrap()),
            *expected,
            "{summary:?}"
        );
    }
}
