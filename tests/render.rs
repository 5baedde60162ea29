//! Rendering of every engine effect and event, in English and Korean, with plain markup.
//!
//! The expected sentences are written out by hand: they are what people in the incident
//! thread read, so a change to any of them should be a deliberate one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use escalator::engine::policy::{
    Means, Path, Person, Policy, PositionHold, Severity, Step, Target as StepTarget, Team,
    TeamChannels, Webhook,
};
use escalator::engine::{
    Cursor, Effect, Event, FixNote, Incident, IncidentId, PageReason, PersonId, Phase, Platform,
    Rejection, SkipReason, State, Timestamp, UserRef,
};
use escalator::ports::{Alert, Delivery};
use escalator::render::{
    alert_text, event_text, fix_note_form, help_text, rejection_reply, render_effect, root_card,
    Action, ActionKind, Body, Button, ButtonStyle, Card, Markup, Message, PlainMarkup,
    PolicyLocale, Target,
};

// ---------------------------------------------------------------------------------------
// The world the tests render in.

fn at(day: u32, hour: u32, minute: u32) -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2024, 5, day, hour, minute, 0)
        .unwrap()
}

fn person(id: &str, name: &str, slack: Option<&str>, deputy: Option<&str>) -> Person {
    Person {
        id: id.into(),
        name: name.into(),
        accounts: slack
            .map(|account| BTreeMap::from([(Platform::Slack, account.to_owned())]))
            .unwrap_or_default(),
        positions: Vec::new(),
        deputy: deputy.map(PersonId::from),
        locale: None,
        timezone: chrono_tz::Asia::Seoul,
    }
}

fn step(target: StepTarget, means: Vec<Means>, repages: u32) -> Step {
    Step {
        target,
        means,
        ack_within: Duration::from_secs(600),
        repages,
        repage_every: Duration::from_secs(180),
    }
}

/// Payments, whose messages are in `team_locale`; Alice leads it with Bob as deputy,
/// Carol is the head, Rita reports, Mina reads Korean, Dan is only on Discord.
fn policy(team_locale: &str) -> Policy {
    let mut alice = person("alice", "Alice", Some("U_ALICE"), Some("bob"));
    alice.positions.push(PositionHold {
        team: Some("payments".into()),
        position: "team-lead".into(),
    });
    let mut mina = person("mina", "Mina", Some("U_MINA"), None);
    mina.locale = Some("ko".into());
    let people = [
        alice,
        person("bob", "Bob", Some("U_BOB"), None),
        person("carol", "Carol", Some("U_CAROL"), None),
        person("rita", "Rita", Some("U_RITA"), None),
        mina,
        person("dan", "Dan", None, None),
    ];

    let team = Team {
        id: "payments".into(),
        name: "Payments".into(),
        chat: BTreeMap::from([(
            Platform::Slack,
            TeamChannels {
                channels: vec!["C_PAY".into()],
                incident_channel: "C_INC".into(),
                knowledge_channel: "C_KB".into(),
            },
        )]),
        locale: Some(team_locale.into()),
    };
    let critical = Severity {
        id: "sev1".into(),
        name: "Critical".into(),
        criteria: vec!["Customers cannot pay".into()],
        counter_examples: vec!["One customer's card is declined".into()],
        default_path: Some(Path {
            steps: vec![
                step(
                    StepTarget::Position("team-lead".into()),
                    vec![Means::Thread, Means::Direct],
                    2,
                ),
                step(
                    StepTarget::Person("carol".into()),
                    vec![Means::Thread, Means::Webhook("pager".into())],
                    0,
                ),
            ],
        }),
        team_paths: BTreeMap::new(),
    };
    let high = Severity {
        id: "sev2".into(),
        name: "High".into(),
        criteria: vec!["Payments are slow".into()],
        counter_examples: Vec::new(),
        default_path: Some(Path {
            steps: vec![step(
                StepTarget::Person("carol".into()),
                vec![Means::Direct],
                0,
            )],
        }),
        team_paths: BTreeMap::new(),
    };

    Policy {
        teams: BTreeMap::from([(team.id.clone(), team)]),
        people: people.into_iter().map(|p| (p.id.clone(), p)).collect(),
        severities: vec![critical, high],
        admins: BTreeSet::from(["carol".into()]),
        ack_emoji: vec!["eyes".into()],
        resolve_emoji: vec!["white_check_mark".into()],
        fix_note_reminder_every: Duration::from_secs(4 * 3600),
        criteria_review_every: Duration::from_secs(90 * 86400),
        default_locale: "en".into(),
        webhooks: BTreeMap::from([(
            "pager".into(),
            Webhook {
                url: "http://127.0.0.1:9/page".into(),
            },
        )]),
    }
}

fn slack(id: &str) -> UserRef {
    UserRef::slack(id)
}

/// INC-7, SEV1, raised by Rita, paging Alice on the first step.
fn incident() -> Incident {
    Incident {
        id: IncidentId(7),
        platform: Platform::Slack,
        team: "payments".into(),
        severity: "sev1".into(),
        summary: "Checkout fails for every card".into(),
        reporter: slack("U_RITA"),
        origin_channel: "C_PAY".into(),
        state: State::Open,
        opened_at: at(2, 9, 30),
        acknowledged_at: None,
        resolved_at: None,
        closed_at: None,
        assignee: None,
        followers: BTreeSet::new(),
        cursor: Cursor {
            step: 0,
            phase: Phase::Holders { repages_sent: 0 },
            since: at(2, 9, 30),
            step_paged: vec!["alice".into()],
        },
        paged: BTreeSet::from(["alice".into()]),
        timer: None,
        fix_note_reminders: 0,
        fix_note_skip: None,
        fix_note_history: Vec::new(),
        fix_note: None,
    }
}

fn acknowledged_by(owner: &str) -> Incident {
    Incident {
        state: State::Acknowledged,
        acknowledged_at: Some(at(2, 9, 34)),
        assignee: Some(owner.into()),
        ..incident()
    }
}

fn closed_with_note() -> Incident {
    Incident {
        state: State::Closed,
        resolved_at: Some(at(2, 9, 50)),
        closed_at: Some(at(2, 10, 15)),
        fix_note: Some(FixNote {
            summary: "Every card payment failed for 20 minutes".into(),
            cause: "An expired certificate on the card gateway".into(),
            fix: "Renewed the certificate and restarted the gateway".into(),
            prevention: " ".into(),
            links: vec!["https://wiki.test/runbooks/gateway".into()],
            author: slack("U_ALICE"),
            written_at: at(2, 10, 15),
        }),
        ..acknowledged_by("alice")
    }
}

fn render(team_locale: &str, incident: &Incident, effect: Effect) -> Vec<Message> {
    let delivery = Delivery {
        incident: incident.clone(),
        effect,
        root: None,
        knowledge: None,
        policy: Arc::new(policy(team_locale)),
        attempt: 0,
        key: None,
    };
    render_effect(&delivery, &PolicyLocale, &PlainMarkup).messages
}

/// The one message an effect renders to.
fn render_one(team_locale: &str, incident: &Incident, effect: Effect) -> Message {
    let mut messages = render(team_locale, incident, effect);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    messages.remove(0)
}

fn text_of(message: &Message) -> &str {
    match &message.body {
        Body::Text(text) => text,
        other => panic!("expected text, got {other:?}"),
    }
}

fn card_of(message: &Message) -> &Card {
    match &message.body {
        Body::Card(card) => card,
        other => panic!("expected a card, got {other:?}"),
    }
}

fn announce(team_locale: &str, incident: &Incident, event: Event) -> String {
    let message = render_one(team_locale, incident, Effect::Announce { event });
    assert_eq!(message.target, Target::Thread);
    assert_eq!(message.locale, team_locale);
    text_of(&message).to_owned()
}

fn page(person: &str, means: Means, reason: PageReason, step: usize) -> Effect {
    Effect::Page {
        person: person.into(),
        means,
        reason,
        step,
    }
}

fn fields(card: &Card) -> Vec<(&str, &str)> {
    card.fields
        .iter()
        .map(|field| (field.label.as_str(), field.value.as_str()))
        .collect()
}

fn button(label: &str, kind: ActionKind, style: ButtonStyle) -> Button {
    Button {
        label: label.into(),
        action: Action {
            kind,
            incident: IncidentId(7),
        },
        style,
    }
}

// ---------------------------------------------------------------------------------------
// The root card.

#[test]
fn the_root_card_of_an_open_incident_in_english() {
    let message = render_one("en", &incident(), Effect::PostRoot);
    assert_eq!(message.target, Target::Root);
    let card = card_of(&message);

    assert_eq!(card.title, "INC-7 · SEV1 Critical");
    assert_eq!(card.summary, "Checkout fails for every card");
    assert_eq!(
        fields(card),
        vec![
            ("Severity", "SEV1 Critical"),
            ("State", "Open"),
            ("Reported by", "Rita"),
            ("Now paging", "Step 1 of 2 (team-lead): Alice"),
            ("Owner", "Nobody yet"),
            ("Opened", "2024-05-02 09:30 UTC"),
        ]
    );
    assert_eq!(
        card.hint.as_deref(),
        Some(
            "Thank you for raising this, Rita. \
             To take it over, press Acknowledge or react with :eyes:."
        )
    );
    assert_eq!(
        card.buttons,
        vec![
            button("Acknowledge", ActionKind::Acknowledge, ButtonStyle::Primary),
            button("Resolve", ActionKind::Resolve, ButtonStyle::Plain),
            button("Post fix", ActionKind::PostFix, ButtonStyle::Plain),
        ]
    );
    assert_eq!(
        card.fallback,
        "INC-7 · SEV1 Critical: Checkout fails for every card (Open)"
    );
}

#[test]
fn the_root_card_of_an_open_incident_in_korean() {
    let card = root_card(&incident(), &policy("ko"), "ko", &PlainMarkup);

    assert_eq!(card.title, "INC-7 · SEV1 Critical");
    assert_eq!(
        fields(&card),
        vec![
            ("심각도", "SEV1 Critical"),
            ("상태", "담당자를 찾는 중"),
            ("보고자", "Rita"),
            ("현재 호출", "2단계 중 1단계(team-lead): Alice"),
            ("담당자", "아직 없음"),
            ("접수 시각", "2024-05-02 09:30 UTC"),
        ]
    );
    assert_eq!(
        card.hint.as_deref(),
        Some(
            "Rita님, 알려 주셔서 감사해요. \
             맡아 주실 수 있다면 '담당하기'를 누르거나 :eyes: 반응을 남겨 주세요."
        )
    );
    let labels: Vec<&str> = card.buttons.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, vec!["담당하기", "해결 완료", "해결 노트 작성"]);
    assert_eq!(
        card.fallback,
        "INC-7 · SEV1 Critical: Checkout fails for every card (담당자를 찾는 중)"
    );
}

#[test]
fn the_root_card_follows_the_lifecycle() {
    let policy = policy("en");
    let resolved = Incident {
        state: State::Resolved,
        ..acknowledged_by("alice")
    };
    let cancelled = Incident {
        state: State::Cancelled,
        ..incident()
    };
    let use_kinds = |kinds: &[ActionKind]| kinds.to_vec();

    for (incident, state, hint, kinds) in [
        (
            acknowledged_by("alice"),
            "Acknowledged",
            "Alice owns this incident now. When it is fixed, press Resolve or react with \
             :white_check_mark:.",
            use_kinds(&[ActionKind::Resolve, ActionKind::PostFix]),
        ),
        (
            resolved,
            "Resolved, waiting for the fix note",
            "Resolved. Please post the fix note so the next person finds it.",
            use_kinds(&[ActionKind::PostFix]),
        ),
        (
            closed_with_note(),
            "Closed",
            "Closed. The fix note is in the knowledge channel.",
            Vec::new(),
        ),
        (
            cancelled,
            "Cancelled",
            "Cancelled. Thank you for raising it.",
            Vec::new(),
        ),
    ] {
        let card = root_card(&incident, &policy, "en", &PlainMarkup);
        assert_eq!(card.fields[1].value, state);
        assert!(
            card.fields.iter().all(|f| f.label != "Now paging"),
            "{state}"
        );
        assert_eq!(card.hint.as_deref(), Some(hint));
        let shown: Vec<ActionKind> = card.buttons.iter().map(|b| b.action.kind).collect();
        assert_eq!(shown, kinds, "{state}");
        assert!(card
            .buttons
            .iter()
            .take(1)
            .all(|b| b.style == ButtonStyle::Primary));
    }
}

#[test]
fn the_root_card_shows_where_paging_stands() {
    let policy = policy("en");
    for (phase, step, expected_en, expected_ko) in [
        (
            Phase::Holders { repages_sent: 2 },
            0,
            "Step 1 of 2 (team-lead): Alice",
            "2단계 중 1단계(team-lead): Alice",
        ),
        (
            Phase::Deputies,
            0,
            "Step 1 of 2 (team-lead): deputies of Alice",
            "2단계 중 1단계(team-lead): Alice님의 대리인",
        ),
        (
            Phase::WholeChannel { rounds: 3 },
            2,
            "Everyone in the channel",
            "채널 전체",
        ),
    ] {
        let mut incident = incident();
        incident.cursor.phase = phase;
        incident.cursor.step = step;
        for (locale, expected) in [("en", expected_en), ("ko", expected_ko)] {
            let card = root_card(&incident, &policy, locale, &PlainMarkup);
            assert_eq!(card.fields[3].value, expected, "{locale}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Pages.

#[test]
fn a_first_page_in_the_thread() {
    let effect = || page("alice", Means::Thread, PageReason::First, 0);

    let english = render_one("en", &incident(), effect());
    let korean = render_one("ko", &incident(), effect());

    assert_eq!(english.target, Target::Thread);
    assert_eq!(
        text_of(&english),
        "Alice: You're paged for INC-7, step 1 of its path. \
         To take it over, press Acknowledge or react with :eyes:."
    );
    assert_eq!(
        text_of(&korean),
        "Alice님, INC-7 건으로 호출되었어요. 에스컬레이션 경로의 1단계예요. \
         맡아 주실 수 있다면 '담당하기'를 누르거나 :eyes: 반응을 남겨 주세요."
    );
}

#[test]
fn a_repage_in_the_thread() {
    let effect = || page("alice", Means::Thread, PageReason::Repage { n: 2 }, 0);

    assert_eq!(
        text_of(&render_one("en", &incident(), effect())),
        "Alice: INC-7 still needs an owner (reminder 2). \
         To take it over, press Acknowledge or react with :eyes:."
    );
    assert_eq!(
        text_of(&render_one("ko", &incident(), effect())),
        "Alice님, INC-7 건을 맡아 줄 분을 아직 찾고 있어요(2번째 알림). \
         맡아 주실 수 있다면 '담당하기'를 누르거나 :eyes: 반응을 남겨 주세요."
    );
}

#[test]
fn a_deputy_page_by_direct_message_says_why() {
    let reason = PageReason::Deputy { of: "alice".into() };
    let message = render_one("en", &incident(), page("bob", Means::Direct, reason, 0));

    assert_eq!(message.target, Target::Person("bob".into()));
    assert_eq!(message.locale, "en");
    let card = card_of(&message);
    assert_eq!(card.title, "INC-7 · SEV1 Critical");
    assert_eq!(card.summary, "Checkout fails for every card");
    assert_eq!(fields(card), vec![("Reported by", "Rita")]);
    assert_eq!(
        card.hint.as_deref(),
        Some(
            "Alice hasn't been able to take INC-7 yet, so you're paged as their deputy. \
             To take it over, press Acknowledge or react with :eyes:."
        )
    );
    assert_eq!(
        card.buttons[0],
        button("Acknowledge", ActionKind::Acknowledge, ButtonStyle::Primary)
    );
    assert_eq!(
        card.fallback,
        "Alice hasn't been able to take INC-7 yet, so you're paged as their deputy. \
         INC-7 · SEV1 Critical: Checkout fails for every card"
    );
}

#[test]
fn a_direct_message_is_in_the_recipients_locale() {
    let reason = PageReason::Deputy { of: "alice".into() };
    let message = render_one("en", &incident(), page("mina", Means::Direct, reason, 0));

    assert_eq!(message.locale, "ko");
    let card = card_of(&message);
    assert_eq!(card.title, "INC-7 · SEV1 Critical");
    assert_eq!(
        card.hint.as_deref(),
        Some(
            "Alice님이 아직 INC-7 건을 맡지 못해서 대리인으로 호출되었어요. \
             맡아 주실 수 있다면 '담당하기'를 누르거나 :eyes: 반응을 남겨 주세요."
        )
    );
    assert_eq!(
        card.fallback,
        "Alice님이 아직 INC-7 건을 맡지 못해서 대리인으로 호출되었어요. \
         INC-7 · SEV1 Critical: Checkout fails for every card"
    );
}

#[test]
fn a_stand_in_page_for_someone_absent() {
    let effect = || {
        page(
            "bob",
            Means::Thread,
            PageReason::StandIn { of: "alice".into() },
            0,
        )
    };
    let skipped = || Event::Skipped {
        person: "alice".into(),
        deputy: Some("bob".into()),
        reason: SkipReason::Absent { until: at(3, 9, 0) },
    };

    assert_eq!(
        text_of(&render_one("en", &incident(), effect())),
        "Bob: Alice is away, so you're paged for INC-7 in their place. \
         To take it over, press Acknowledge or react with :eyes:."
    );
    assert_eq!(
        text_of(&render_one("ko", &incident(), effect())),
        "Bob님, Alice님이 부재 중이라 대신 INC-7 건으로 호출되었어요. \
         맡아 주실 수 있다면 '담당하기'를 누르거나 :eyes: 반응을 남겨 주세요."
    );
    assert_eq!(
        announce("en", &incident(), skipped()),
        "Alice is away until 2024-05-03 09:00 UTC, so Bob stands in."
    );
    assert_eq!(
        announce("ko", &incident(), skipped()),
        "Alice님이 2024-05-03 09:00 UTC까지 부재 중이라 Bob님이 대신해요."
    );
}

#[test]
fn a_hand_over_page_carries_no_ack_instructions() {
    let incident = acknowledged_by("carol");
    let message = render_one(
        "en",
        &incident,
        page("carol", Means::Direct, PageReason::Reassigned, 0),
    );
    let card = card_of(&message);

    assert_eq!(
        card.hint.as_deref(),
        Some("INC-7 was handed over to you. It's yours now.")
    );
    let kinds: Vec<ActionKind> = card.buttons.iter().map(|b| b.action.kind).collect();
    assert_eq!(kinds, vec![ActionKind::Resolve, ActionKind::PostFix]);
}

#[test]
fn a_channel_mention_page_reaches_everyone() {
    let message = render_one(
        "en",
        &incident(),
        page("carol", Means::Channel, PageReason::First, 1),
    );

    assert_eq!(message.target, Target::Channel);
    assert_eq!(
        text_of(&message),
        "@channel Carol is being paged for INC-7. If you can help, please join the thread.\n\
         INC-7 · SEV1 Critical: Checkout fails for every card"
    );
}

#[test]
fn a_webhook_page_sends_facts_and_a_plain_text() {
    let message = render_one(
        "ko",
        &incident(),
        page(
            "carol",
            Means::Webhook("pager".into()),
            PageReason::First,
            1,
        ),
    );

    assert_eq!(message.target, Target::Webhook("pager".into()));
    assert_eq!(message.locale, "ko");
    let Body::Json(body) = &message.body else {
        panic!("expected JSON, got {:?}", message.body);
    };
    assert_eq!(
        *body,
        serde_json::json!({
            "incident": "INC-7",
            "incident_number": 7,
            "team": "payments",
            "severity": "sev1",
            "severity_label": "SEV1 Critical",
            "summary": "Checkout fails for every card",
            "state": "open",
            "person": "carol",
            "person_name": "Carol",
            "reason": "first",
            "stands_in_for": null,
            "step": 2,
            "locale": "ko",
            "text": "INC-7 · SEV1 Critical: Checkout fails for every card\n\
                     INC-7 건으로 호출되었어요. 에스컬레이션 경로의 2단계예요.",
        })
    );
}

#[test]
fn a_webhook_page_for_a_deputy_names_whom_they_stand_in_for() {
    let reason = PageReason::Deputy { of: "alice".into() };
    let message = render_one(
        "en",
        &incident(),
        page("bob", Means::Webhook("pager".into()), reason, 0),
    );
    let Body::Json(body) = &message.body else {
        panic!("expected JSON");
    };

    assert_eq!(body["reason"], "deputy");
    assert_eq!(body["stands_in_for"], "alice");
    assert_eq!(
        body["text"],
        "INC-7 · SEV1 Critical: Checkout fails for every card\n\
         Alice hasn't been able to take INC-7 yet, so you're paged as their deputy."
    );
}

#[test]
fn the_whole_channel_is_paged_once_the_path_is_spent() {
    let english = render_one("en", &incident(), Effect::PageChannel { round: 2 });
    let korean = render_one("ko", &incident(), Effect::PageChannel { round: 2 });

    assert_eq!(english.target, Target::Channel);
    assert_eq!(
        text_of(&english),
        "@channel INC-7 still needs an owner, and everyone on its path has been paged \
         (round 2). If you can take it over, please look at the thread.\n\
         INC-7 · SEV1 Critical: Checkout fails for every card"
    );
    assert_eq!(
        text_of(&korean),
        "@channel INC-7 건을 맡아 줄 분이 아직 없어서 경로의 모든 분을 호출했어요(2회차). \
         맡아 주실 수 있는 분은 스레드를 확인해 주세요.\n\
         INC-7 · SEV1 Critical: Checkout fails for every card"
    );
}

// ---------------------------------------------------------------------------------------
// The thread: every event, in both languages.

#[test]
fn every_event_reads_well_in_english_and_korean() {
    let absent = SkipReason::Absent { until: at(3, 9, 0) };
    let paged = |person: &str, means: Vec<Means>, reason, step| Event::Paged {
        person: person.into(),
        means,
        reason,
        step,
    };
    let table: Vec<(Event, &str, &str)> = vec![
        (
            Event::Opened { reporter: slack("U_RITA"), severity: "sev1".into() },
            "Thank you for raising INC-7, Rita. Paging has started, and this thread keeps the whole timeline.",
            "Rita님, INC-7 건을 알려 주셔서 감사해요. 호출을 시작했고, 진행 상황은 모두 이 스레드에 남겨요.",
        ),
        (
            paged("carol", vec![Means::Thread, Means::Webhook("pager".into())], PageReason::First, 1),
            "Paged Carol by thread mention, pager webhook (step 2).",
            "Carol님을 호출했어요(2단계, 스레드 멘션, pager 웹훅).",
        ),
        (
            paged("alice", vec![Means::Direct], PageReason::Repage { n: 2 }, 0),
            "Paged Alice again by direct message (reminder 2).",
            "Alice님을 다시 호출했어요(2번째 알림, DM).",
        ),
        (
            paged("bob", vec![Means::Direct], PageReason::Deputy { of: "alice".into() }, 0),
            "Paged Bob by direct message as deputy for Alice (step 1).",
            "Alice님의 대리인인 Bob님을 호출했어요(1단계, DM).",
        ),
        (
            paged("bob", vec![Means::Direct], PageReason::StandIn { of: "alice".into() }, 0),
            "Paged Bob by direct message in place of Alice, who is away (step 1).",
            "Alice님이 부재 중이라 대신 Bob님을 호출했어요(1단계, DM).",
        ),
        (
            paged("carol", vec![Means::Direct], PageReason::SeverityChanged, 1),
            "Paged Carol by direct message on the new path (step 2).",
            "새 경로에 따라 Carol님을 호출했어요(2단계, DM).",
        ),
        (
            paged("carol", vec![Means::Direct], PageReason::Reassigned, 0),
            "Told Carol about the hand-over by direct message.",
            "Carol님에게 담당 변경을 알렸어요(DM).",
        ),
        (
            Event::Skipped { person: "alice".into(), deputy: None, reason: absent.clone() },
            "Alice is away until 2024-05-03 09:00 UTC and no deputy is available, so paging moves on.",
            "Alice님이 2024-05-03 09:00 UTC까지 부재 중이고 대신할 대리인이 없어서 다음 순서로 넘어가요.",
        ),
        (
            Event::Skipped { person: "bob".into(), deputy: None, reason: SkipReason::AlreadyPaged },
            "Bob is already paged on this step.",
            "Bob님은 이 단계에서 이미 호출되었어요.",
        ),
        (
            Event::Climbed { step: 1 },
            "Paging moves up to step 2 of the path.",
            "에스컬레이션 경로의 2단계로 올라가요.",
        ),
        (
            Event::ChannelPaged { round: 1 },
            "Paged everyone in the channel (round 1).",
            "채널 전체를 호출했어요(1회차).",
        ),
        (
            Event::Acknowledged { by: "alice".into() },
            "Alice has taken over INC-7. Thank you, Rita, for raising it.",
            "Alice님이 INC-7 건을 맡았어요. Rita님, 알려 주셔서 감사해요.",
        ),
        (
            Event::Acknowledged { by: "rita".into() },
            "Rita has taken over INC-7.",
            "Rita님이 INC-7 건을 맡았어요.",
        ),
        (
            Event::Reassigned { from: None, to: "carol".into(), by: slack("U_ALICE") },
            "Alice handed INC-7 to Carol, who owns it now.",
            "Alice님이 INC-7 건을 Carol님에게 넘겼어요. 이제 Carol님이 담당자예요.",
        ),
        (
            Event::Reassigned { from: Some("alice".into()), to: "carol".into(), by: slack("U_BOB") },
            "Bob handed INC-7 over from Alice to Carol, who owns it now.",
            "Bob님이 INC-7 건을 Alice님에게서 Carol님에게 넘겼어요. 이제 Carol님이 담당자예요.",
        ),
        (
            Event::SeverityChanged { from: "sev1".into(), to: "sev2".into(), by: slack("U_ALICE") },
            "Alice changed the severity of INC-7: SEV1 Critical → SEV2 High.",
            "Alice님이 INC-7 건의 심각도를 바꿨어요: SEV1 Critical → SEV2 High",
        ),
        (
            Event::StatusUpdate { by: slack("U_ALICE"), text: "Rolled back the release".into() },
            "Update from Alice: Rolled back the release",
            "Alice님의 업데이트: Rolled back the release",
        ),
        (
            Event::Followed { by: slack("U_MINA") },
            "Mina is following INC-7 and will get updates by direct message.",
            "이제 Mina님도 INC-7 건의 소식을 DM으로 받아요.",
        ),
        (
            Event::Resolved { by: slack("U_ALICE") },
            "Alice resolved INC-7. Thank you, everyone who helped.",
            "Alice님이 INC-7 건을 해결했어요. 함께해 주신 모든 분께 감사해요.",
        ),
        (
            Event::FixNoteAdded { by: slack("U_ALICE") },
            "Alice posted the fix note, and INC-7 is closed. The note is in the knowledge channel for the next person.",
            "Alice님이 해결 노트를 남겨 주셔서 INC-7 건을 종료했어요. 다음 분을 위해 노트를 지식 공유 채널에 올렸어요.",
        ),
        (
            Event::FixNoteRequested { reminder: 0 },
            "Asked for the fix note of INC-7.",
            "INC-7 건의 해결 노트를 요청했어요.",
        ),
        (
            Event::FixNoteRequested { reminder: 3 },
            "Reminded the thread about the fix note of INC-7 (reminder 3).",
            "INC-7 건의 해결 노트를 다시 요청했어요(3번째 알림).",
        ),
        (
            Event::Cancelled { by: slack("U_RITA") },
            "Rita cancelled INC-7, and paging has stopped. Thank you for raising it: when in doubt, escalating is always the right call.",
            "Rita님이 INC-7 건을 취소해서 호출을 멈췄어요. 알려 주셔서 감사해요. 애매할 때는 에스컬레이션하는 것이 언제나 옳은 선택이에요.",
        ),
        (
            Event::Cancelled { by: slack("U_ALICE") },
            "Alice cancelled INC-7, and paging has stopped. Thank you, Rita, for raising it: when in doubt, escalating is always the right call.",
            "Alice님이 INC-7 건을 취소해서 호출을 멈췄어요. Rita님, 알려 주셔서 감사해요. 애매할 때는 에스컬레이션하는 것이 언제나 옳은 선택이에요.",
        ),
    ];

    for (event, english, korean) in table {
        assert_eq!(
            announce("en", &incident(), event.clone()),
            english,
            "{event:?}"
        );
        assert_eq!(
            announce("ko", &incident(), event.clone()),
            korean,
            "{event:?}"
        );
    }
}

#[test]
fn followers_hear_about_events_in_their_own_locale() {
    let mut incident = incident();
    incident.followers = BTreeSet::from([slack("U_MINA"), slack("U_RITA"), slack("U_ZED")]);
    let event = Event::StatusUpdate {
        by: slack("U_RITA"),
        text: "Checkout works again".into(),
    };

    let messages = render("en", &incident, Effect::NotifyFollowers { event });

    let sent: Vec<(&Target, &str, &str)> = messages
        .iter()
        .map(|m| (&m.target, m.locale.as_str(), text_of(m)))
        .collect();
    assert_eq!(
        sent,
        vec![
            (
                &Target::User(slack("U_MINA")),
                "ko",
                "INC-7 · SEV1 Critical 소식: Rita님의 업데이트: Checkout works again"
            ),
            (
                &Target::User(slack("U_ZED")),
                "en",
                "Update on INC-7 · SEV1 Critical: Update from Rita: Checkout works again"
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// The fix note.

#[test]
fn the_first_ask_for_the_fix_note_is_friendly_and_has_the_button() {
    let incident = Incident {
        state: State::Resolved,
        ..acknowledged_by("alice")
    };
    let english = render_one("en", &incident, Effect::AskForFixNote { reminder: 0 });
    let korean = render_one("ko", &incident, Effect::AskForFixNote { reminder: 0 });

    assert_eq!(english.target, Target::Thread);
    let card = card_of(&english);
    assert_eq!(card.title, "Fix note for INC-7 · SEV1 Critical");
    assert_eq!(
        card.summary,
        "Alice: INC-7 is resolved, thank you! Could you write a short fix note: what happened, \
         what fixed it, and how to prevent it? It helps the next person who runs into this."
    );
    assert_eq!(
        card.buttons,
        vec![button(
            "Post fix",
            ActionKind::PostFix,
            ButtonStyle::Primary
        )]
    );
    assert_eq!(
        card_of(&korean).summary,
        "Alice님, INC-7 건이 해결되었어요. 수고 많으셨어요! 무슨 일이 있었는지, 무엇으로 \
         해결했는지, 어떻게 예방할 수 있는지 짧게 해결 노트를 남겨 주시겠어요? 같은 문제를 \
         겪을 다음 분께 큰 도움이 돼요."
    );
}

#[test]
fn a_fix_note_reminder_counts_and_falls_back_to_the_reporter() {
    let incident = Incident {
        state: State::Resolved,
        ..incident()
    };
    let english = render_one("en", &incident, Effect::AskForFixNote { reminder: 2 });
    let korean = render_one("ko", &incident, Effect::AskForFixNote { reminder: 2 });

    assert_eq!(
        card_of(&english).summary,
        "Rita: a friendly reminder (2) that the fix note for INC-7 is still missing. \
         A few lines are enough, and they save the next person time."
    );
    assert_eq!(
        card_of(&korean).summary,
        "Rita님, INC-7 건의 해결 노트를 아직 기다리고 있어요(2번째 알림). \
         몇 줄이면 충분해요. 다음 분이 같은 문제를 훨씬 빨리 해결할 수 있어요."
    );
    assert_eq!(card_of(&korean).buttons[0].label, "해결 노트 작성");
}

#[test]
fn the_fix_note_is_published_to_the_knowledge_channel() {
    let message = render_one("en", &closed_with_note(), Effect::PublishFixNote);

    assert_eq!(message.target, Target::Knowledge);
    let card = card_of(&message);
    assert_eq!(card.title, "Fix note: INC-7 · SEV1 Critical");
    assert_eq!(card.summary, "Checkout fails for every card");
    assert_eq!(
        fields(card),
        vec![
            ("What happened", "Every card payment failed for 20 minutes"),
            (
                "Why it happened",
                "An expired certificate on the card gateway"
            ),
            (
                "What fixed it",
                "Renewed the certificate and restarted the gateway"
            ),
            ("How to prevent it", "Not given"),
            ("Links", "https://wiki.test/runbooks/gateway"),
            ("Incident", "INC-7"),
            ("Team", "Payments"),
            ("Written by", "Alice"),
        ]
    );
    // Its author and admins edit it from the post; the button opens the filled form.
    let buttons: Vec<(String, String)> = card
        .buttons
        .iter()
        .map(|b| (b.label.clone(), b.action.encode()))
        .collect();
    assert_eq!(buttons, [("Edit".to_owned(), "fixedit:7".to_owned())]);
    assert_eq!(
        card.hint, None,
        "a note never edited says nothing about edits"
    );
    assert_eq!(
        card.fallback,
        "Fix note for INC-7 · SEV1 Critical: Every card payment failed for 20 minutes"
    );

    let korean = render_one("ko", &closed_with_note(), Effect::PublishFixNote);
    let labels: Vec<&str> = card_of(&korean)
        .fields
        .iter()
        .map(|f| f.label.as_str())
        .collect();
    assert_eq!(
        labels,
        vec![
            "상황 요약",
            "원인",
            "해결 방법",
            "재발 방지",
            "링크",
            "인시던트",
            "팀",
            "작성자"
        ]
    );
    assert_eq!(card_of(&korean).fields[3].value, "없음");
}

#[test]
fn publishing_without_a_fix_note_sends_nothing() {
    assert_eq!(
        render("en", &incident(), Effect::PublishFixNote),
        Vec::new()
    );
}

#[test]
fn the_fix_note_form_is_labelled_in_both_languages() {
    let english = fix_note_form("en");
    let korean = fix_note_form("ko");

    assert_eq!(english.title, "Post the fix note");
    assert_eq!(english.submit, "Post");
    assert_eq!(english.summary.label, "What happened");
    assert_eq!(english.summary.hint, "What did people notice, and when?");
    assert_eq!(
        english.links.hint,
        "One link per line: dashboards, pull requests, documents"
    );
    assert_eq!(korean.title, "해결 노트 작성");
    assert_eq!(korean.fix.label, "해결 방법");
    assert_eq!(korean.fix.hint, "무엇으로 해결했나요?");
}

// ---------------------------------------------------------------------------------------
// Replies, alerts and help.

#[test]
fn every_rejection_has_a_helpful_reply() {
    let table: Vec<(Rejection, &str, &str)> = vec![
        (
            Rejection::UnknownPerson { action: "acknowledge" },
            "You're not in the escalation policy yet, so you can't acknowledge incidents. An admin can add you.",
            "아직 에스컬레이션 정책에 등록되지 않아서 인시던트를 맡을 수 없어요. 관리자에게 등록을 요청해 주세요.",
        ),
        (
            Rejection::NotEligible { action: "resolve" },
            "Only people on this incident's path, their deputies and admins can resolve it. If you can help, say so in the thread.",
            "이 인시던트를 해결 처리할 수 있는 사람은 에스컬레이션 경로에 있는 분과 그 대리인, 관리자예요. 도울 수 있다면 스레드에 알려 주세요.",
        ),
        (
            Rejection::AlreadyAcknowledged { by: "alice".into() },
            "Alice has already taken this incident over. You can follow it to get updates.",
            "이미 Alice님이 이 인시던트를 맡고 있어요. 팔로우하면 소식을 받을 수 있어요.",
        ),
        (
            Rejection::NotActive { state: State::Resolved },
            "This incident is already resolved, so that is no longer possible.",
            "이 인시던트는 이미 해결되어서 지금은 할 수 없어요.",
        ),
        (
            Rejection::NotActive { state: State::Cancelled },
            "This incident is cancelled, so that is no longer possible.",
            "이 인시던트는 취소되어서 지금은 할 수 없어요.",
        ),
        (
            Rejection::AlreadyClosed,
            "The fix note for this incident is already captured. Thank you!",
            "이 인시던트의 해결 노트는 이미 등록되어 있어요. 감사해요!",
        ),
        (
            Rejection::UnknownSeverity("sev9".into()),
            "There's no severity named sev9. The severities are: SEV1 Critical, SEV2 High.",
            "없는 심각도예요: sev9. 사용할 수 있는 심각도: SEV1 Critical, SEV2 High",
        ),
        (
            Rejection::UnknownTeam("ops".into()),
            "There's no team named ops. The teams are: payments.",
            "없는 팀이에요: ops. 등록된 팀: payments",
        ),
        (
            Rejection::UnknownAssignee("zed".into()),
            "There's no one named zed in the escalation policy.",
            "에스컬레이션 정책에 없는 사람이에요: zed",
        ),
        (
            Rejection::NoPath { severity: "sev2".into(), team: "payments".into() },
            "SEV2 High has no escalation path for the Payments team yet. Please pick another severity, and tell an admin so they can add one.",
            "SEV2 High 심각도에는 아직 Payments 팀의 에스컬레이션 경로가 없어요. 다른 심각도를 골라 주시고, 관리자에게 경로 추가를 요청해 주세요.",
        ),
        (
            Rejection::Unchanged,
            "Nothing to change: it's already that way.",
            "바꿀 내용이 없어요. 이미 그렇게 되어 있어요.",
        ),
        (
            Rejection::Empty { field: "summary" },
            "Please add a short description of the problem.",
            "어떤 문제인지 짧게 설명해 주세요.",
        ),
        (
            Rejection::Empty { field: "fix" },
            "Please describe what fixed it.",
            "무엇으로 해결했는지 적어 주세요.",
        ),
    ];
    let policy = policy("en");

    for (rejection, english, korean) in table {
        assert_eq!(
            rejection_reply(&rejection, &policy, "en", &PlainMarkup),
            english
        );
        assert_eq!(
            rejection_reply(&rejection, &policy, "ko", &PlainMarkup),
            korean
        );
    }
}

#[test]
fn admins_are_alerted_in_plain_words() {
    let alert = Alert::DeliveryFailed {
        incident: IncidentId(7),
        what: "the page to Alice".into(),
        code: "channel_not_found".into(),
    };

    assert_eq!(
        alert_text(&alert, &policy("en"), "en", &PlainMarkup),
        "Escalator could not deliver the page to Alice for INC-7: the platform answered \
         channel_not_found. Please check that the bot can reach that channel or person. \
         Paging for the incident goes on."
    );
    assert_eq!(
        alert_text(&alert, &policy("en"), "ko", &PlainMarkup),
        "INC-7 건의 메시지를 전달하지 못했어요(the page to Alice). 플랫폼 응답: \
         channel_not_found. 봇이 해당 채널이나 사람에게 접근할 수 있는지 확인해 주세요. \
         이 인시던트의 호출은 계속 진행돼요."
    );
}

#[test]
fn help_lists_the_no_blame_rule_severities_and_commands() {
    let expected = "\
How to escalate
When in doubt, escalate. Nobody will be blamed for raising an incident.

Severities
SEV1 Critical
It is, for example:
• Customers cannot pay
It is not:
• One customer's card is declined
Who is paged, in order: team-lead (within 10m) → Carol (within 10m), then the whole incident channel.

SEV2 High
It is, for example:
• Payments are slow
Who is paged, in order: Carol (within 10m), then the whole incident channel.

Commands
/escalate — Open the form with the severity picker and each severity's criteria.
/escalate SEVERITY WHAT HAPPENED — Open an incident and page the right people.
/escalate help — Show this help.
/escalate ack [INC-ID] — Take an incident over.
/escalate resolve [INC-ID] — Mark an incident as fixed.
/escalate cancel [INC-ID] — Withdraw an incident. No blame, ever.
/escalate status [INC-ID] — Show where an incident stands.
/escalate follow [INC-ID] — Get updates on an incident by direct message.
/escalate update [INC-ID] TEXT — Post a status update to the thread and the followers.
/escalate reassign [INC-ID] PERSON — Hand an incident over to someone else.
/escalate severity [INC-ID] SEVERITY — Change an incident's severity.
/escalate why [INC-ID] — Show the next page of an incident, by which step, and who was passed over.
/escalate criteria — Show what counts as an incident, and what does not.
/escalate kb WORDS · kb edit INC-ID · kb skip [INC-ID] REASON — Search the fix notes; edit a fix note (its author and admins); or close a resolved incident with nothing to note, saying why.
/escalate away [PERSON] [from DATE] until DATE [REASON] · away list · away cancel — Mark yourself away (admins: anyone), in your own time zone, so your deputy is paged.
/escalate stats [30d] [TEAM] — Show where escalations stall, per severity.
/escalate admin show · audit [N] · deputy PERSON DEPUTY · holder TEAM POSITION PEOPLE · admins add|remove PERSON · emoji ack|resolve NAMES · step add|set|remove|move SEVERITY TEAM N … · reload · export — Admins only: show and change the live policy.
In an incident thread, mention me instead of typing the command, and leave out the incident id: @escalator ack.

In an incident thread, react with :eyes: to take the incident over, or with :white_check_mark: to resolve it.";

    assert_eq!(help_text(&policy("en"), "en", &PlainMarkup), expected);

    let korean = help_text(&policy("en"), "ko", &PlainMarkup);
    assert!(korean.starts_with(
        "에스컬레이션하는 방법\n애매하면 에스컬레이션하세요. \
         인시던트를 알렸다는 이유로 비난받는 사람은 없어요.\n\n심각도\nSEV1 Critical\n예를 들면 이런 경우예요:\n"
    ));
    assert!(korean.contains("\n/escalate ack [INC-번호] — 인시던트를 맡아요.\n"));
}

// ---------------------------------------------------------------------------------------
// Markup, no blame, and catalog coverage across everything.

/// A Slack-like markup, to see that rendering asks the markup for every platform piece.
struct Tagged;

impl Markup for Tagged {
    fn person(&self, person: &Person) -> String {
        match person.accounts.get(&Platform::Slack) {
            Some(account) => format!("<@{account}>"),
            None => self.escape(&person.name),
        }
    }
    fn user(&self, user: &UserRef) -> String {
        format!("<@{}>", user.id)
    }
    fn everyone(&self) -> String {
        "<!channel>".into()
    }
    fn bold(&self, text: &str) -> String {
        format!("*{text}*")
    }
    fn link(&self, url: &str, label: &str) -> String {
        format!("<{url}|{label}>")
    }
    fn escape(&self, text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
    fn emoji(&self, name: &str) -> String {
        format!(":{name}:")
    }
    fn time(&self, at: Timestamp) -> String {
        format!("<!date^{}>", at.timestamp())
    }
}

#[test]
fn platform_markup_is_used_for_mentions_and_user_text() {
    let policy = policy("en");
    let mut incident = incident();
    incident.summary = "Refunds <EU> & <US> fail".into();
    incident.cursor.step_paged = vec!["alice".into(), "dan".into()];

    let card = root_card(&incident, &policy, "en", &Tagged);

    assert_eq!(card.summary, "Refunds &lt;EU&gt; &amp; &lt;US&gt; fail");
    assert_eq!(fields(&card)[2], ("Reported by", "<@U_RITA>"));
    assert_eq!(
        fields(&card)[3],
        ("Now paging", "Step 1 of 2 (team-lead): <@U_ALICE>, Dan")
    );
    assert_eq!(fields(&card)[5], ("Opened", "<!date^1714642200>"));
    let channel = render_effect(
        &Delivery {
            incident: incident.clone(),
            effect: Effect::PageChannel { round: 1 },
            root: None,
            knowledge: None,
            policy: Arc::new(policy.clone()),
            attempt: 0,
            key: None,
        },
        &PolicyLocale,
        &Tagged,
    );
    assert!(text_of(&channel.messages[0]).starts_with("<!channel> INC-7 still needs an owner"));

    let help = help_text(&policy, "en", &Tagged);
    assert!(help.starts_with("*How to escalate*\n"));
    assert!(help.contains("\n*SEV1 Critical*\n"));
}

/// Every effect the engine can emit, with every event and page reason.
fn every_effect() -> Vec<(Incident, Effect)> {
    let by = slack("U_ALICE");
    let events = vec![
        Event::Opened {
            reporter: slack("U_RITA"),
            severity: "sev1".into(),
        },
        Event::Paged {
            person: "bob".into(),
            means: vec![Means::Direct],
            reason: PageReason::First,
            step: 0,
        },
        Event::Skipped {
            person: "alice".into(),
            deputy: Some("bob".into()),
            reason: SkipReason::Absent { until: at(3, 9, 0) },
        },
        Event::Climbed { step: 1 },
        Event::ChannelPaged { round: 1 },
        Event::Acknowledged { by: "alice".into() },
        Event::Reassigned {
            from: Some("alice".into()),
            to: "carol".into(),
            by: by.clone(),
        },
        Event::SeverityChanged {
            from: "sev1".into(),
            to: "sev2".into(),
            by: by.clone(),
        },
        Event::StatusUpdate {
            by: by.clone(),
            text: "Rolled back".into(),
        },
        Event::Followed {
            by: slack("U_MINA"),
        },
        Event::Resolved { by: by.clone() },
        Event::FixNoteAdded { by: by.clone() },
        Event::FixNoteRequested { reminder: 1 },
        Event::Cancelled { by: by.clone() },
    ];
    let reasons = vec![
        PageReason::First,
        PageReason::Repage { n: 1 },
        PageReason::Deputy { of: "alice".into() },
        PageReason::StandIn { of: "alice".into() },
        PageReason::SeverityChanged,
        PageReason::Reassigned,
    ];
    let means = vec![
        Means::Thread,
        Means::Direct,
        Means::Channel,
        Means::Webhook("pager".into()),
    ];

    let mut followed = incident();
    followed.followers = BTreeSet::from([slack("U_MINA"), slack("U_ZED")]);
    let mut effects = vec![
        (incident(), Effect::PostRoot),
        (acknowledged_by("alice"), Effect::RefreshRoot),
        (incident(), Effect::PageChannel { round: 1 }),
        (incident(), Effect::AskForFixNote { reminder: 0 }),
        (incident(), Effect::AskForFixNote { reminder: 1 }),
        (closed_with_note(), Effect::PublishFixNote),
    ];
    for reason in reasons {
        for single in &means {
            effects.push((incident(), page("bob", single.clone(), reason.clone(), 0)));
        }
    }
    for event in events {
        effects.push((
            followed.clone(),
            Effect::Announce {
                event: event.clone(),
            },
        ));
        effects.push((followed.clone(), Effect::NotifyFollowers { event }));
    }
    effects
}

fn all_texts(message: &Message) -> Vec<String> {
    match &message.body {
        Body::Text(text) => vec![text.clone()],
        Body::Card(card) => {
            let mut texts = vec![
                card.title.clone(),
                card.summary.clone(),
                card.fallback.clone(),
            ];
            texts.extend(card.hint.clone());
            texts.extend(
                card.fields
                    .iter()
                    .flat_map(|f| [f.label.clone(), f.value.clone()]),
            );
            texts.extend(card.buttons.iter().map(|b| b.label.clone()));
            texts
        }
        Body::Json(json) => vec![json["text"].as_str().unwrap_or_default().to_owned()],
    }
}

#[test]
fn every_effect_renders_from_the_catalog_in_both_languages() {
    for team_locale in ["en", "ko"] {
        for (incident, effect) in every_effect() {
            let messages = render(team_locale, &incident, effect.clone());
            assert!(!messages.is_empty(), "{effect:?}");
            for message in &messages {
                assert!(["en", "ko"].contains(&message.locale.as_str()));
                for text in all_texts(message) {
                    assert!(!text.trim().is_empty(), "{team_locale} {effect:?}");
                    assert!(!text.contains(['{', '}', '\u{2068}']), "{text}");
                }
            }
        }
    }
    assert_eq!(escalator::i18n::catalog().misses(), Vec::<String>::new());
}

#[test]
fn nothing_the_bot_says_blames_anyone() {
    let forbidden = [
        "unnecessary",
        "false alarm",
        "not needed",
        "mistake",
        "should not have",
        "shouldn't have",
        "why did you",
        "justify",
        "wasted",
        "불필요",
        "잘못",
        "괜히",
        "허위",
        "왜 ",
    ];
    for team_locale in ["en", "ko"] {
        for (incident, effect) in every_effect() {
            for message in render(team_locale, &incident, effect.clone()) {
                for text in all_texts(&message) {
                    let lower = text.to_lowercase();
                    for word in forbidden {
                        assert!(!lower.contains(word), "{word:?} in {text:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn cancelling_thanks_the_reporter_in_both_languages() {
    for (by, locale, thanks) in [
        ("U_RITA", "en", "Thank you for raising it"),
        ("U_BOB", "en", "Thank you, Rita, for raising it"),
        ("U_RITA", "ko", "알려 주셔서 감사해요"),
        ("U_BOB", "ko", "Rita님, 알려 주셔서 감사해요"),
    ] {
        let event = Event::Cancelled { by: slack(by) };
        let text = event_text(&event, &incident(), &policy(locale), locale, &PlainMarkup);
        assert!(text.contains(thanks), "{text}");
    }
}

#[test]
fn related_fixes_are_listed_in_the_thread_in_the_team_language() {
    let fixes = vec![
        escalator::engine::RelatedFix {
            incident: IncidentId(3),
            title: "Expired gateway certificate".into(),
            severity: "sev1".into(),
            team: "payments".into(),
            written_at: at(1, 12, 0),
            channel: Some("C_OLD".into()),
        },
        escalator::engine::RelatedFix {
            incident: IncidentId(5),
            title: "카드 결제 승인 실패".into(),
            severity: "sev1".into(),
            team: "payments".into(),
            written_at: at(2, 8, 0),
            channel: None,
        },
    ];
    let effect = Effect::ShowRelatedFixes { fixes };
    let english = render_one("en", &incident(), effect.clone());
    let korean = render_one("ko", &incident(), effect);

    assert_eq!(english.target, Target::Thread);
    assert_eq!(
        text_of(&english),
        "Past fixes that may help:\n\
         INC-3 · SEV1 Critical · payments · 2024-05-01: Expired gateway certificate \
         (thread in #C_OLD)\n\
         INC-5 · SEV1 Critical · payments · 2024-05-02: 카드 결제 승인 실패 (thread in #C_INC)"
    );
    assert_eq!(
        text_of(&korean),
        "도움이 될 수 있는 지난 해결 노트:\n\
         INC-3 · SEV1 Critical · payments · 2024-05-01: Expired gateway certificate \
         (#C_OLD 스레드)\n\
         INC-5 · SEV1 Critical · payments · 2024-05-02: 카드 결제 승인 실패 (#C_INC 스레드)"
    );
}

#[test]
fn the_criteria_review_counts_notes_skips_with_their_reasons_and_missing_notes() {
    let policy = policy("en");
    let mut sev1 = escalator::stats::SeverityStats::new("sev1".into());
    sev1.count = 4;
    sev1.fix_notes_captured = 2;
    sev1.fix_notes_skipped = 1;
    sev1.skip_reasons = vec![escalator::stats::SkipReason {
        incident: IncidentId(3),
        reason: "duplicate of INC-2".into(),
    }];
    sev1.fix_notes_missing = 1;
    let review = escalator::review::Review {
        since: at(1, 9, 0),
        stats: escalator::stats::Stats {
            severities: vec![sev1],
        },
    };
    for (locale, counts, reasons) in [
        (
            "en",
            "Fix notes: 2 captured, 1 closed with nothing to note, 1 missing.",
            "Nothing to note: INC-3 (duplicate of INC-2).",
        ),
        (
            "ko",
            "해결 노트: 작성 2건, 남길 내용 없음 1건, 누락 1건.",
            "남길 내용 없음: INC-3 (duplicate of INC-2).",
        ),
    ] {
        let text = escalator::review::review_text(&review, &policy, locale, &PlainMarkup);
        assert!(text.contains(counts), "{locale}: {text}");
        assert!(text.contains(reasons), "{locale}: {text}");
    }
}
