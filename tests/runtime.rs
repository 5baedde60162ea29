//! The runtime on paused tokio time: a real store on a temp folder, a policy built here,
//! and a chat that records every delivery with the virtual time it happened at.
//!
//! The path used throughout (times from the opening at 09:00):
//!
//! - step 1: the payments team lead (alice) by direct message; ack within 15 min,
//!   re-paged twice, every 5 min; alice's deputy is bob.
//! - step 2: carol by direct message; ack within 10 min, no re-pages, no deputy.
//!
//! So alice is paged at 09:00, 09:05 and 09:10, bob (deputy) at 09:15, carol at 09:30,
//! and the whole channel at 09:40, 09:50, ...

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use escalator::engine::policy::{
    Means, Path, Person, Policy, PositionHold, Severity, Step, Target, Team, TeamChannels,
};
use escalator::engine::{
    Effect, Event, IncidentId, Intent, OpenRequest, PageReason, Platform, Rejection, State,
    Timestamp, UserRef,
};
use escalator::ports::{
    Alert, Chat, ChatError, Clock, Delivered, Delivery, MessageRef, TokioClock,
};
use escalator::runtime::{Escalator, RuntimeError};
use escalator::stats::{compute, compute_stored, records, Filter};
use escalator::store::{Store, StoreOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const T0: &str = "2024-05-01T09:00:00Z";

fn at(text: &str) -> Timestamp {
    text.parse().expect("test timestamps are valid")
}

/// `minutes` and `seconds` after 09:00.
fn t(minutes: i64, seconds: i64) -> Timestamp {
    at(T0) + chrono::TimeDelta::minutes(minutes) + chrono::TimeDelta::seconds(seconds)
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

fn person(id: &str, deputy: Option<&str>, positions: Vec<PositionHold>) -> Person {
    Person {
        id: id.into(),
        name: id.to_owned(),
        accounts: BTreeMap::from([(Platform::Slack, format!("U-{id}"))]),
        positions,
        deputy: deputy.map(Into::into),
        locale: None,
        timezone: chrono_tz::UTC,
    }
}

fn policy() -> Policy {
    let team = Team {
        id: "payments".into(),
        name: "Payments".to_owned(),
        chat: BTreeMap::from([(
            Platform::Slack,
            TeamChannels {
                channels: vec!["C-payments".to_owned()],
                incident_channel: "C-incidents".to_owned(),
                knowledge_channel: "C-knowledge".to_owned(),
            },
        )]),
        locale: None,
    };
    let lead = PositionHold {
        team: Some("payments".into()),
        position: "team-lead".into(),
    };
    let path = Path {
        steps: vec![
            Step {
                target: Target::Position("team-lead".into()),
                means: vec![Means::Direct],
                ack_within: minutes(15),
                repages: 2,
                repage_every: minutes(5),
            },
            Step {
                target: Target::Person("carol".into()),
                means: vec![Means::Direct],
                ack_within: minutes(10),
                repages: 0,
                repage_every: minutes(5),
            },
        ],
    };
    Policy {
        teams: BTreeMap::from([("payments".into(), team)]),
        people: [
            person("alice", Some("bob"), vec![lead]),
            person("bob", None, vec![]),
            person("carol", None, vec![]),
        ]
        .into_iter()
        .map(|person| (person.id.clone(), person))
        .collect(),
        severities: vec![Severity {
            id: "sev1".into(),
            name: "Critical".to_owned(),
            criteria: vec!["checkout is down".to_owned()],
            counter_examples: vec![],
            default_path: Some(path),
            team_paths: BTreeMap::new(),
        }],
        admins: BTreeSet::new(),
        ack_emoji: vec!["eyes".to_owned()],
        resolve_emoji: vec!["white_check_mark".to_owned()],
        fix_note_reminder_every: Duration::from_secs(24 * 60 * 60),
        criteria_review_every: Duration::from_secs(90 * 24 * 60 * 60),
        default_locale: "en".to_owned(),
        webhooks: BTreeMap::new(),
    }
}

fn request(summary: &str) -> OpenRequest {
    OpenRequest {
        platform: Platform::Slack,
        team: "payments".into(),
        severity: "sev1".into(),
        summary: summary.to_owned(),
        reporter: UserRef::slack("U-reporter"),
        channel: "C-payments".to_owned(),
    }
}

/// One call the chat received.
#[derive(Clone, Debug, PartialEq)]
struct Call {
    at: Timestamp,
    incident: IncidentId,
    effect: Effect,
    attempt: u32,
    has_root: bool,
    failed: Option<ChatError>,
    /// The incident's state as the delivery saw it.
    state: State,
}

/// A chat that records every call and fails the ones it is told to.
struct RecordingChat {
    clock: Arc<dyn Clock>,
    calls: Mutex<Vec<Call>>,
    failures: Mutex<Vec<(IncidentId, Effect, VecDeque<ChatError>)>>,
    slow: Mutex<Vec<(IncidentId, Effect, Duration)>>,
    alerts: Mutex<Vec<Alert>>,
}

impl RecordingChat {
    fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self {
            clock,
            calls: Mutex::new(Vec::new()),
            failures: Mutex::new(Vec::new()),
            slow: Mutex::new(Vec::new()),
            alerts: Mutex::new(Vec::new()),
        })
    }

    /// Makes the next delivery of `effect` for incident `id` take `time` to answer.
    fn slow(&self, id: u64, effect: Effect, time: Duration) {
        let mut slow = self.slow.lock().expect("not poisoned");
        slow.push((IncidentId(id), effect, time));
    }

    /// Makes the next deliveries of `effect` for incident `id` fail with `errors`.
    fn fail(&self, id: u64, effect: Effect, errors: Vec<ChatError>) {
        let mut failures = self.failures.lock().expect("not poisoned");
        failures.push((IncidentId(id), effect, errors.into()));
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("not poisoned").clone()
    }

    /// Successful pages (of people or the channel) as (time, who, why).
    fn pages(&self) -> Vec<(Timestamp, String, String)> {
        self.calls()
            .into_iter()
            .filter(|call| call.failed.is_none())
            .filter_map(|call| match call.effect {
                Effect::Page { person, reason, .. } => {
                    Some((call.at, person.to_string(), reason_name(&reason)))
                }
                Effect::PageChannel { round } => {
                    Some((call.at, "channel".to_owned(), format!("round {round}")))
                }
                _ => None,
            })
            .collect()
    }

    fn alerts(&self) -> Vec<Alert> {
        self.alerts.lock().expect("not poisoned").clone()
    }
}

fn reason_name(reason: &PageReason) -> String {
    match reason {
        PageReason::First => "first".to_owned(),
        PageReason::Repage { n } => format!("repage {n}"),
        PageReason::Deputy { of } => format!("deputy of {of}"),
        other => format!("{other:?}"),
    }
}

fn page(at: Timestamp, who: &str, why: &str) -> (Timestamp, String, String) {
    (at, who.to_owned(), why.to_owned())
}

#[async_trait]
impl Chat for RecordingChat {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Delivered, ChatError> {
        let id = delivery.incident.id;
        let failed = {
            let mut failures = self.failures.lock().expect("not poisoned");
            failures
                .iter_mut()
                .find(|(incident, effect, _)| *incident == id && *effect == delivery.effect)
                .and_then(|(_, _, errors)| errors.pop_front())
        };
        self.calls.lock().expect("not poisoned").push(Call {
            at: self.clock.now(),
            incident: id,
            effect: delivery.effect.clone(),
            attempt: delivery.attempt,
            has_root: delivery.root.is_some(),
            failed: failed.clone(),
            state: delivery.incident.state,
        });
        let delay = {
            let mut slow = self.slow.lock().expect("not poisoned");
            let found = slow
                .iter()
                .position(|(incident, effect, _)| *incident == id && *effect == delivery.effect);
            found.map(|index| slow.remove(index).2)
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        if let Some(error) = failed {
            return Err(error);
        }

        let message = |channel: &str, id: String| MessageRef {
            platform: Platform::Slack,
            channel: channel.to_owned(),
            id,
        };
        Ok(match &delivery.effect {
            Effect::PostRoot => Delivered {
                root: Some(message("C-incidents", format!("root-{}", id.0))),
                linked: vec![],
                knowledge: None,
                digest: None,
            },
            Effect::Page { person, .. } => Delivered {
                root: None,
                linked: vec![message(&format!("D-{person}"), format!("dm-{}", id.0))],
                knowledge: None,
                digest: None,
            },
            _ => Delivered::default(),
        })
    }

    async fn alert_admins(&self, _policy: &Policy, alert: &Alert) -> Result<(), ChatError> {
        self.alerts
            .lock()
            .expect("not poisoned")
            .push(alert.clone());
        Ok(())
    }
}

fn open_store(dir: &std::path::Path) -> Store {
    Store::open(
        dir,
        StoreOptions {
            cache_bytes: 4 * 1024 * 1024,
        },
    )
    .expect("the store opens")
}

/// A running escalator and what stops it.
struct Running {
    escalator: Arc<Escalator>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), RuntimeError>>,
}

impl Running {
    fn start(escalator: Arc<Escalator>, chat: Arc<RecordingChat>) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let chats: Vec<Arc<dyn Chat>> = vec![chat];
        let task = tokio::spawn(Arc::clone(&escalator).run(chats, stopped));
        Self {
            escalator,
            stop,
            task,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("the runtime does not panic")
            .expect("the runtime stops cleanly");
    }
}

/// Test fixtures: a temp folder, paused time at 09:00, the clock and the chat.
struct Setup {
    dir: tempfile::TempDir,
    origin: Instant,
    clock: Arc<dyn Clock>,
    chat: Arc<RecordingChat>,
}

impl Setup {
    fn new() -> Self {
        let clock: Arc<dyn Clock> = Arc::new(TokioClock::starting_at(at(T0)));
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            origin: Instant::now(),
            chat: RecordingChat::new(Arc::clone(&clock)),
            clock,
        }
    }

    fn escalator(&self) -> Arc<Escalator> {
        self.escalator_with(policy())
    }

    fn escalator_with(&self, policy: Policy) -> Arc<Escalator> {
        let store = open_store(self.dir.path());
        Escalator::new(store, Arc::new(policy), Arc::clone(&self.clock))
    }

    /// Lets virtual time run until `minutes:seconds` after 09:00.
    async fn run_until(&self, minutes: u64, seconds: u64) {
        tokio::time::sleep_until(self.origin + Duration::from_secs(minutes * 60 + seconds)).await;
        assert_eq!(self.clock.now(), t(minutes as i64, seconds as i64));
    }
}

/// The thread line that goes with alice's first page by direct message.
fn paged_alice() -> Event {
    Event::Paged {
        person: "alice".into(),
        means: vec![Means::Direct],
        reason: PageReason::First,
        step: 0,
    }
}

fn ack_by(user: &str) -> Intent {
    Intent::Acknowledge {
        by: UserRef::slack(user),
    }
}

#[tokio::test(start_paused = true)]
async fn a_silent_path_pages_at_the_configured_instants() {
    let setup = Setup::new();
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    let opened = running
        .escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");
    assert_eq!(opened.incident.id, IncidentId(1));

    setup.run_until(55, 0).await;
    assert_eq!(
        setup.chat.pages(),
        vec![
            page(t(0, 0), "alice", "first"),
            page(t(5, 0), "alice", "repage 1"),
            page(t(10, 0), "alice", "repage 2"),
            page(t(15, 0), "bob", "deputy of alice"),
            page(t(30, 0), "carol", "first"),
            page(t(40, 0), "channel", "round 1"),
            page(t(50, 0), "channel", "round 2"),
        ]
    );

    // The first direct message goes in its own lane, maybe before the root message;
    // everything else follows the root.
    let calls = setup.chat.calls();
    let posted = calls
        .iter()
        .position(|call| call.effect == Effect::PostRoot)
        .expect("the root message is posted");
    assert!(!calls[posted].has_root);
    assert!(calls[..posted].iter().all(|call| matches!(
        call.effect,
        Effect::Page {
            means: Means::Direct,
            ..
        }
    )));
    assert!(calls[posted + 1..].iter().all(|call| call.has_root));
    let store = running.escalator.store();
    let dm = MessageRef {
        platform: Platform::Slack,
        channel: "D-alice".to_owned(),
        id: "dm-1".to_owned(),
    };
    assert_eq!(
        store.incident_for_message(&dm).expect("reads"),
        Some(IncidentId(1))
    );
    assert_eq!(store.outbox().expect("reads"), vec![]);
    assert_eq!(
        store.timers().expect("reads"),
        vec![(t(60, 0), IncidentId(1))]
    );
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_acknowledgement_stops_paging() {
    let setup = Setup::new();
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    let escalator = Arc::clone(&running.escalator);
    escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");

    setup.run_until(7, 0).await;
    let acked = escalator
        .apply(
            IncidentId(1),
            ack_by("U-alice"),
            Some("slack:Ev-ack".to_owned()),
        )
        .await
        .expect("acknowledges");
    assert_eq!(acked.incident.state, State::Acknowledged);

    setup.run_until(60, 0).await;
    assert_eq!(
        setup.chat.pages(),
        vec![
            page(t(0, 0), "alice", "first"),
            page(t(5, 0), "alice", "repage 1")
        ]
    );
    let after_ack: Vec<(Timestamp, Effect)> = setup
        .chat
        .calls()
        .into_iter()
        .filter(|call| call.at > t(5, 0))
        .map(|call| (call.at, call.effect))
        .collect();
    assert_eq!(
        after_ack,
        vec![
            (
                t(7, 0),
                Effect::Announce {
                    event: Event::Acknowledged { by: "alice".into() }
                }
            ),
            (t(7, 0), Effect::RefreshRoot),
        ]
    );
    assert_eq!(escalator.store().timers().expect("reads"), vec![]);

    // The same inbound event again is recognised and changes nothing.
    let again = escalator
        .apply(
            IncidentId(1),
            ack_by("U-alice"),
            Some("slack:Ev-ack".to_owned()),
        )
        .await;
    assert!(matches!(again, Err(RuntimeError::Duplicate)), "{again:?}");
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_restart_mid_escalation_fires_the_overdue_repage_once() {
    let setup = Setup::new();
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    running
        .escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");
    setup.run_until(2, 0).await;
    running.stop().await;

    // Down from 09:02 to 09:12; the re-page due at 09:05 is missed.
    setup.run_until(12, 0).await;
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    setup.run_until(16, 59).await;
    assert_eq!(
        setup.chat.pages(),
        vec![
            page(t(0, 0), "alice", "first"),
            page(t(12, 0), "alice", "repage 1")
        ]
    );

    // The rest of the step keeps its spacing, counted from the late re-page.
    setup.run_until(23, 0).await;
    assert_eq!(
        setup.chat.pages()[2..],
        [
            page(t(17, 0), "alice", "repage 2"),
            page(t(22, 0), "bob", "deputy of alice"),
        ]
    );
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn undelivered_effects_are_sent_on_start() {
    let setup = Setup::new();
    let escalator = setup.escalator();
    escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");
    assert_eq!(escalator.store().outbox().expect("reads").len(), 4);
    drop(escalator);

    setup.run_until(1, 0).await;
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    setup.run_until(1, 30).await;
    // The direct message goes in its own lane, so only the channel's calls keep an order.
    let (pages, channel): (Vec<_>, Vec<_>) = setup
        .chat
        .calls()
        .into_iter()
        .map(|call| (call.at, call.effect))
        .partition(|(_, effect)| matches!(effect, Effect::Page { .. }));
    assert_eq!(
        pages,
        vec![(
            t(1, 0),
            Effect::Page {
                person: "alice".into(),
                means: Means::Direct,
                reason: PageReason::First,
                step: 0
            }
        )]
    );
    assert_eq!(
        channel,
        vec![
            (t(1, 0), Effect::PostRoot),
            (
                t(1, 0),
                Effect::Announce {
                    event: paged_alice()
                }
            ),
            (t(1, 0), Effect::RefreshRoot),
        ]
    );
    assert_eq!(running.escalator.store().outbox().expect("reads"), vec![]);
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn rate_limits_and_transient_failures_are_retried_and_delivered_once() {
    let setup = Setup::new();
    setup.chat.fail(
        1,
        Effect::PostRoot,
        vec![
            ChatError::RateLimited {
                retry_after: Duration::from_secs(30),
            },
            ChatError::Transient("timeout".to_owned()),
            ChatError::Transient("502".to_owned()),
        ],
    );
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    let escalator = Arc::clone(&running.escalator);
    escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");
    escalator
        .open_incident(request("refunds stuck"), None)
        .await
        .expect("opens");

    setup.run_until(2, 0).await;
    let calls = setup.chat.calls();
    let root_calls: Vec<&Call> = calls
        .iter()
        .filter(|call| call.incident == IncidentId(1) && call.effect == Effect::PostRoot)
        .collect();
    assert_eq!(
        root_calls
            .iter()
            .map(|call| call.attempt)
            .collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    assert_eq!(
        root_calls
            .iter()
            .filter(|call| call.failed.is_none())
            .count(),
        1
    );
    assert_eq!(root_calls[0].at, t(0, 0));
    assert_eq!(root_calls[1].at, t(0, 30));
    // The back-off doubles with every failed attempt (the rate limit counts) and takes
    // up to half off: after the 2nd failure 1–2 s, after the 3rd 2–4 s.
    let first_backoff = root_calls[2].at - root_calls[1].at;
    let second_backoff = root_calls[3].at - root_calls[2].at;
    assert!(
        (1000..=2000).contains(&first_backoff.num_milliseconds()),
        "{first_backoff}"
    );
    assert!(
        (2000..=4000).contains(&second_backoff.num_milliseconds()),
        "{second_backoff}"
    );

    // The rate limit held the incident channel; the back-off only incident 1's thread.
    // Direct messages went out at once, in their own lane.
    let delivered = |id: u64| -> Vec<(Timestamp, Effect)> {
        calls
            .iter()
            .filter(|call| call.incident == IncidentId(id) && call.failed.is_none())
            .map(|call| (call.at, call.effect.clone()))
            .collect()
    };
    let alice_first = Effect::Page {
        person: "alice".into(),
        means: Means::Direct,
        reason: PageReason::First,
        step: 0,
    };
    for id in [1, 2] {
        assert_eq!(delivered(id)[0], (t(0, 0), alice_first.clone()), "{id}");
    }
    assert_eq!(delivered(2)[1], (t(0, 30), Effect::PostRoot));
    let incident_1: Vec<Effect> = delivered(1).into_iter().map(|(_, e)| e).collect();
    assert!(
        matches!(
            incident_1[..],
            [
                Effect::Page { .. },
                Effect::PostRoot,
                Effect::Announce { .. },
                Effect::RefreshRoot
            ]
        ),
        "{incident_1:?}"
    );
    assert_eq!(delivered(1)[1].0, root_calls[3].at);
    assert_eq!(escalator.store().outbox().expect("reads"), vec![]);
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_permanent_failure_alerts_the_admins_and_moves_on() {
    let setup = Setup::new();
    let alice_first = Effect::Page {
        person: "alice".into(),
        means: Means::Direct,
        reason: PageReason::First,
        step: 0,
    };
    setup.chat.fail(
        1,
        alice_first.clone(),
        vec![ChatError::Permanent {
            code: "channel_not_found".to_owned(),
        }],
    );
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    running
        .escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");

    setup.run_until(1, 0).await;
    assert_eq!(
        setup.chat.alerts(),
        vec![Alert::DeliveryFailed {
            incident: IncidentId(1),
            what: "a page to alice by dm".to_owned(),
            code: "channel_not_found".to_owned(),
        }]
    );
    // The direct message has its own lane, so only the channel's calls keep an order.
    let (pages, channel): (Vec<_>, Vec<_>) = setup
        .chat
        .calls()
        .into_iter()
        .map(|call| (call.effect, call.failed.is_none()))
        .partition(|(effect, _)| matches!(effect, Effect::Page { .. }));
    assert_eq!(pages, vec![(alice_first, false)]);
    assert_eq!(
        channel,
        vec![
            (Effect::PostRoot, true),
            (
                Effect::Announce {
                    event: paged_alice()
                },
                true
            ),
            (Effect::RefreshRoot, true),
        ]
    );
    assert_eq!(running.escalator.store().outbox().expect("reads"), vec![]);
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn refusals_unknown_incidents_and_duplicates_are_told_apart() {
    let setup = Setup::new();
    let escalator = setup.escalator();

    let mut unknown_team = request("checkout fails");
    unknown_team.team = "marketing".into();
    let refused = escalator.open_incident(unknown_team, None).await;
    assert!(
        matches!(&refused, Err(RuntimeError::Rejected(Rejection::UnknownTeam(team))) if team.as_str() == "marketing"),
        "{refused:?}"
    );

    let key = Some("slack:Ev-open".to_owned());
    let opened = escalator
        .open_incident(request("checkout fails"), key.clone())
        .await
        .expect("opens");
    assert_eq!(
        opened.incident.id,
        IncidentId(1),
        "a refused open burns no number"
    );
    let again = escalator
        .open_incident(request("checkout fails"), key)
        .await;
    assert!(matches!(again, Err(RuntimeError::Duplicate)), "{again:?}");
    assert_eq!(escalator.store().incidents().expect("reads").len(), 1);

    let missing = escalator
        .apply(IncidentId(9), ack_by("U-alice"), None)
        .await;
    assert!(
        matches!(missing, Err(RuntimeError::UnknownIncident(IncidentId(9)))),
        "{missing:?}"
    );
    let stranger = escalator
        .apply(IncidentId(1), ack_by("U-stranger"), None)
        .await;
    assert_eq!(
        stranger.map(|_| ()).map_err(|error| error.to_string()),
        Err("you are not in the escalation policy, so you cannot acknowledge".to_owned())
    );
}

/// The usual policy, paging the team lead by a mention in the incident thread.
fn thread_policy() -> Policy {
    let mut policy = policy();
    let path = policy.severities[0]
        .default_path
        .as_mut()
        .expect("the test policy has a path");
    path.steps[0].means = vec![Means::Thread];
    policy
}

/// A call as incident number and effect name, e.g. `1 post_root`.
fn call_name(call: &Call) -> String {
    let name = match &call.effect {
        Effect::PostRoot => "post_root",
        Effect::RefreshRoot => "refresh_root",
        Effect::Page { .. } => "page",
        Effect::Announce { .. } => "announce",
        _ => "other",
    };
    format!("{} {name}", call.incident.0)
}

#[tokio::test(start_paused = true)]
async fn a_slow_channel_does_not_delay_a_page_elsewhere() {
    let setup = Setup::new();
    setup.chat.slow(1, Effect::PostRoot, minutes(4));
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    running
        .escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");

    // The incident channel hangs on the root message; alice's direct message goes on.
    setup.run_until(0, 1).await;
    assert_eq!(setup.chat.pages(), vec![page(t(0, 0), "alice", "first")]);
    // The two lanes start at the same instant, in either order.
    let mut names: Vec<String> = setup.chat.calls().iter().map(call_name).collect();
    names.sort();
    assert_eq!(names, vec!["1 page", "1 post_root"]);

    setup.run_until(4, 1).await;
    let channel: Vec<String> = setup
        .chat
        .calls()
        .iter()
        .map(call_name)
        .filter(|name| name != "1 page")
        .collect();
    assert_eq!(channel, vec!["1 post_root", "1 announce", "1 refresh_root"]);
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_page_goes_before_status_posts_queued_in_the_same_channel() {
    let setup = Setup::new();
    setup.chat.slow(1, Effect::PostRoot, minutes(1));
    let running = Running::start(
        setup.escalator_with(thread_policy()),
        Arc::clone(&setup.chat),
    );
    let escalator = Arc::clone(&running.escalator);
    escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");
    setup.run_until(0, 5).await;
    let update = Intent::Update {
        by: UserRef::slack("U-alice"),
        text: "rolling back".to_owned(),
    };
    escalator
        .apply(IncidentId(1), update, None)
        .await
        .expect("updated");
    setup.run_until(0, 10).await;
    escalator
        .open_incident(request("refunds stuck"), None)
        .await
        .expect("opens");

    // Everything goes to the incident channel; while incident 1's root message hangs,
    // both incidents queue status posts there, and incident 2 a root message and a page.
    setup.run_until(2, 0).await;
    let names: Vec<String> = setup.chat.calls().iter().map(call_name).collect();
    assert_eq!(
        names,
        vec![
            "1 post_root",
            "1 page",
            "2 post_root",
            "2 page",
            "1 refresh_root",
            "1 announce",
            "2 refresh_root",
        ]
    );
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn queued_root_message_updates_merge_into_one_with_the_newest_state() {
    let setup = Setup::new();
    setup.chat.slow(1, Effect::PostRoot, minutes(1));
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    let escalator = Arc::clone(&running.escalator);
    escalator
        .open_incident(request("checkout fails"), None)
        .await
        .expect("opens");
    setup.run_until(0, 5).await;
    escalator
        .apply(IncidentId(1), ack_by("U-alice"), None)
        .await
        .expect("acknowledged");
    setup.run_until(0, 10).await;
    let resolve = Intent::Resolve {
        by: UserRef::slack("U-alice"),
    };
    escalator
        .apply(IncidentId(1), resolve, None)
        .await
        .expect("resolved");

    // Three decisions queued an update of the root message while it was being posted.
    setup.run_until(2, 0).await;
    let updates: Vec<State> = setup
        .chat
        .calls()
        .into_iter()
        .filter(|call| call.effect == Effect::RefreshRoot)
        .map(|call| call.state)
        .collect();
    assert_eq!(updates, vec![State::Resolved]);
    assert_eq!(escalator.store().outbox().expect("reads"), vec![]);
    running.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_figures_read_one_incident_at_a_time_match_those_of_every_record_at_once() {
    let setup = Setup::new();
    let running = Running::start(setup.escalator(), Arc::clone(&setup.chat));
    let escalator = Arc::clone(&running.escalator);
    for n in 1..=4 {
        escalator
            .open_incident(request(&format!("problem {n}")), None)
            .await
            .expect("opens");
        setup.run_until(5 * n, 0).await;
    }
    for (id, user) in [(1, "U-alice"), (3, "U-bob")] {
        escalator
            .apply(IncidentId(id), ack_by(user), None)
            .await
            .expect("acknowledges");
    }
    setup.run_until(40, 0).await;

    let store = escalator.store();
    let everything = records(store).expect("the store reads");
    let since_ten = Filter {
        since: Some(t(10, 0)),
        team: None,
    };
    for filter in [
        Filter::default(),
        since_ten.clone(),
        Filter {
            since: None,
            team: Some("payments".into()),
        },
        Filter {
            since: None,
            team: Some("nobody".into()),
        },
    ] {
        let stats = compute_stored(store, &filter).expect("the store reads");
        assert_eq!(stats, compute(&everything, &filter), "{filter:?}");
    }
    let counted = |filter: &Filter| -> usize {
        let stats = compute_stored(store, filter).expect("the store reads");
        stats.severities.iter().map(|severity| severity.count).sum()
    };
    assert_eq!(counted(&Filter::default()), 4);
    assert_eq!(
        counted(&since_ten),
        2,
        "the incidents opened at 09:00 and 09:05 are left out"
    );
    running.stop().await;
}

/// A hook for [`Escalator::snapshot_in_chunks`] that reports each pause between chunks
/// and waits until `resume` lets the snapshot go on.
fn pausing_hook(
    paused: tokio::sync::mpsc::UnboundedSender<()>,
    resume: Arc<tokio::sync::Notify>,
) -> impl FnMut() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    move || {
        let paused = paused.clone();
        let resume = Arc::clone(&resume);
        Box::pin(async move {
            let _ = paused.send(());
            resume.notified().await;
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_decision_goes_through_while_a_snapshot_is_between_chunks() {
    let setup = Setup::new();
    let escalator = setup.escalator();
    for n in 1..=5 {
        escalator
            .open_incident(request(&format!("checkout fails {n}")), None)
            .await
            .expect("opens");
    }

    let (paused, mut pauses) = tokio::sync::mpsc::unbounded_channel();
    let resume = Arc::new(tokio::sync::Notify::new());
    let snapshotting = Arc::clone(&escalator);
    let hook = pausing_hook(paused, Arc::clone(&resume));
    let snapshot = tokio::spawn(async move { snapshotting.snapshot_in_chunks(5, 2, hook).await });

    // The snapshot has read incidents 1 and 2 and waits before the next chunk. A snapshot
    // that held decisions off from start to end would keep these waiting until the
    // timeout (virtual time runs ahead while every task waits).
    pauses
        .recv()
        .await
        .expect("the snapshot pauses after its first chunk");
    let opened = tokio::time::timeout(
        minutes(1),
        escalator.open_incident(request("refunds stuck"), None),
    )
    .await
    .expect("an incident opens while the snapshot is under way")
    .expect("opens");
    assert_eq!(opened.incident.id, IncidentId(6));
    let acked = tokio::time::timeout(
        minutes(1),
        escalator.apply(IncidentId(1), ack_by("U-alice"), None),
    )
    .await
    .expect("an acknowledgement goes through while the snapshot is under way")
    .expect("acknowledges");
    assert_eq!(acked.incident.state, State::Acknowledged);

    resume.notify_one();
    let mut later_pauses = 0;
    while pauses.recv().await.is_some() {
        later_pauses += 1;
        resume.notify_one();
    }
    let snapshot = snapshot
        .await
        .expect("the snapshot task does not panic")
        .expect("the snapshot is written");
    // Chunks of two: 1–2, then 3–4, 5–6 and the rest (the outbox and dedupe keys).
    assert_eq!(later_pauses, 3);
    let counters = snapshot
        .counters()
        .expect("the first line holds the counters");
    assert_eq!(counters.next_incident_id, 7);
}

/// Every state an incident was seen in: the record, its timeline, and the outbox entries
/// queued for it by then.
type States = BTreeMap<
    IncidentId,
    Vec<(
        escalator::engine::Incident,
        Vec<escalator::engine::Entry>,
        BTreeSet<u64>,
    )>,
>;

fn note_state(store: &Store, states: &mut States, id: IncidentId) {
    let incident = store.incident(id).expect("reads").expect("exists");
    let timeline = store.timeline(id).expect("reads");
    let queued = store
        .outbox()
        .expect("reads")
        .into_iter()
        .filter(|(_, entry)| entry.incident == id)
        .map(|(seq, _)| seq)
        .collect();
    states
        .entry(id)
        .or_default()
        .push((incident, timeline, queued));
}

/// One step of decisions while a snapshot waits between chunks: an incident opened, two
/// others acknowledged or cancelled (refusals are fine), an audit record, and the
/// delivery of the oldest queued effect recorded as the dispatcher records it.
async fn decide_meanwhile(
    escalator: &Escalator,
    step: u64,
    states: &mut States,
    delivered: &mut BTreeMap<u64, MessageRef>,
) {
    let store = escalator.store();
    let opened = escalator
        .open_incident(request(&format!("opened during the snapshot {step}")), None)
        .await
        .expect("opens");
    note_state(store, states, opened.incident.id);
    let by = UserRef::slack("U-alice");
    for (id, intent) in [
        (IncidentId(step), ack_by("U-alice")),
        (IncidentId(2 * step + 3), Intent::Cancel { by }),
    ] {
        if escalator.apply(id, intent, None).await.is_ok() {
            note_state(store, states, id);
        }
    }

    let record = escalator::store::AuditRecord {
        at: escalator.now(),
        actor: "alice".to_owned(),
        action: format!("change-{step}"),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    };
    store.append_audit(&record).await.expect("appends");

    let (seq, entry) = store.outbox().expect("reads")[0].clone();
    let root = MessageRef {
        platform: Platform::Slack,
        channel: "C-incidents".to_owned(),
        id: format!("root-for-{seq}"),
    };
    let posted = Delivered {
        root: Some(root.clone()),
        ..Delivered::default()
    };
    store
        .record_delivery(seq, entry.incident, &posted)
        .await
        .expect("records");
    delivered.insert(seq, root);
}

#[tokio::test(start_paused = true)]
async fn a_snapshot_taken_between_decisions_restores_to_a_consistent_store() {
    let setup = Setup::new();
    let escalator = setup.escalator();
    let store = escalator.store().clone();
    let mut states = States::new();
    for n in 1..=7 {
        let opened = escalator
            .open_incident(request(&format!("checkout fails {n}")), None)
            .await
            .expect("opens");
        note_state(&store, &mut states, opened.incident.id);
    }

    let (paused, mut pauses) = tokio::sync::mpsc::unbounded_channel();
    let resume = Arc::new(tokio::sync::Notify::new());
    let snapshotting = Arc::clone(&escalator);
    let hook = pausing_hook(paused, Arc::clone(&resume));
    let snapshot = tokio::spawn(async move { snapshotting.snapshot_in_chunks(5, 2, hook).await });
    let mut delivered = BTreeMap::new();
    let mut step = 0;
    while pauses.recv().await.is_some() {
        step += 1;
        let deciding = decide_meanwhile(&escalator, step, &mut states, &mut delivered);
        tokio::time::timeout(minutes(1), deciding)
            .await
            .expect("decisions go on while the snapshot waits between chunks");
        resume.notify_one();
    }
    let snapshot = snapshot
        .await
        .expect("the snapshot task does not panic")
        .expect("the snapshot is written");
    assert!(step >= 4, "the snapshot paused {step} times");

    let restored_dir = tempfile::tempdir().expect("temp dir");
    let (restored, _) = escalator::store::recovery::replace_with(
        restored_dir.path(),
        &snapshot.path,
        StoreOptions::default(),
        at(T0),
    )
    .expect("the snapshot restores and passes the check");
    assert_eq!(restored.check().expect("checks"), None);

    // The counters were read last: nothing that happened meanwhile gets its number again.
    let counters = restored.counters().expect("reads");
    assert_eq!(counters, store.counters().expect("reads"));
    assert_eq!(snapshot.counters().expect("reads"), counters);
    let incidents = restored.incidents().expect("reads");
    assert!(incidents
        .iter()
        .all(|incident| incident.id.0 < counters.next_incident_id));
    let outbox = restored.outbox().expect("reads");
    assert!(outbox
        .iter()
        .all(|(seq, _)| *seq < counters.next_outbox_seq));
    let audit = restored.audit(usize::MAX).expect("reads");
    assert!(!audit.is_empty());
    assert!(audit.iter().all(|(seq, _)| *seq < counters.next_audit_seq));

    // Each incident is one state it was in, with that state's timeline, and the effects
    // queued by then are still queued or were delivered, with the delivery recorded.
    let ids: Vec<IncidentId> = incidents.iter().map(|incident| incident.id).collect();
    assert!((1..=7).all(|id| ids.contains(&IncidentId(id))), "{ids:?}");
    let queued: BTreeSet<u64> = outbox.iter().map(|(seq, _)| *seq).collect();
    for incident in incidents {
        let id = incident.id;
        let timeline = restored.timeline(id).expect("reads");
        let seen = states[&id]
            .iter()
            .find(|(state, entries, _)| *state == incident && *entries == timeline);
        let Some((_, _, was_queued)) = seen else {
            panic!("incident {id} was restored in a state it never had with that timeline");
        };
        for seq in was_queued {
            let is_recorded = delivered.get(seq).is_some_and(|root| {
                restored.incident_for_message(root).expect("reads") == Some(id)
            });
            assert!(
                queued.contains(seq) || is_recorded,
                "the effect {seq} of incident {id} is lost"
            );
        }
    }
}
