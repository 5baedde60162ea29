//! Crashes and stops of the real `escalator` binary against the local Slack workspace.
//!
//! - The crash loop kills the bot with SIGKILL at random points of escalations, many
//!   times over, and restarts it on the same data. Afterwards it checks, from what the
//!   workspace's people saw, that nothing they were told about is missing from the
//!   store, that every page that came due reached its person, and that nobody got the
//!   same message twice. The run is seeded: the seed is printed, and
//!   `ESCALATOR_CRASH_SEED=N` replays it (`ESCALATOR_CRASH_CYCLES=N` changes the count).
//! - A kill while Slack's answer to a page is on its way (the page is posted, the bot
//!   never hears so) must not page the person again after the restart.
//! - SIGTERM lets a slow delivery finish within `[shutdown] grace`, or leaves it in the
//!   outbox for the next start, which sends it once.
//! - A delivery that failed half-way is retried without repeating the half that went
//!   out.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use escalator::engine::policy::Means;
use escalator::engine::{Event, IncidentId};
use escalator::store::{Store, StoreOptions};
use escalator::workspace::{
    blocks_text, ChannelMessage, Fault, FaultRule, SlackWorkspace, WorkspaceOptions,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::*;

/// Crash cycles per run unless `ESCALATOR_CRASH_CYCLES` says otherwise.
const CYCLES: u32 = 50;

/// Slack's Socket Mode redelivers unacknowledged events; a short timeout lets a reaction
/// sent to a bot that died reach the next one quickly.
fn options() -> WorkspaceOptions {
    WorkspaceOptions {
        redelivery_timeout: Some(Duration::from_millis(700)),
        max_redeliveries: 5,
        ..WorkspaceOptions::default()
    }
}

/// Short deadlines, so that pages come due during the run: Alice at once, again after
/// 1 s, her deputy Bob after 2 s, then Carol.
const TIMING: Timing = Timing {
    ack_seconds: 2,
    repages: 1,
    repage_seconds: 1,
};

fn config_in(dir: &Path, workspace: &SlackWorkspace, grace: Option<&str>) -> PathBuf {
    let config = socket_config(workspace, dir, TIMING);
    if let Some(grace) = grace {
        let settings = config.join("escalator.toml");
        let mut text = std::fs::read_to_string(&settings).unwrap();
        text.push_str(&format!("\n[shutdown]\ngrace = \"{grace}\"\n"));
        std::fs::write(settings, text).unwrap();
    }
    config
}

/// Starts the bot once the workspace has seen the previous one go.
async fn start(workspace: &SlackWorkspace, config: &Path, log: PathBuf) -> BotProcess {
    assert!(
        workspace
            .wait_until(PATIENCE, |ws| ws.connection_count() == 0)
            .await,
        "the previous bot's connection never closed"
    );
    spawn_connected(workspace, config, &log).await
}

fn open_store(dir: &Path) -> Store {
    Store::open_existing(
        &dir.join("data"),
        StoreOptions {
            cache_bytes: 4 * 1024 * 1024,
        },
    )
    .expect("the stopped bot's store opens")
}

fn seed() -> u64 {
    match std::env::var("ESCALATOR_CRASH_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .expect("ESCALATOR_CRASH_SEED is a number"),
        Err(_) => rand::random(),
    }
}

fn cycles() -> u32 {
    std::env::var("ESCALATOR_CRASH_CYCLES")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(CYCLES)
}

/// Everything a reader sees of a message: its text and its blocks.
fn seen(message: &ChannelMessage) -> String {
    let blocks = message.blocks.as_ref().map(blocks_text).unwrap_or_default();
    format!("{}\n{blocks}", message.text)
}

/// The incident numbers a text names (`INC-12`).
fn incidents_named(text: &str) -> Vec<u64> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("INC-") {
        let digits: String = text[at + 4..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(number) = digits.parse() {
            found.push(number);
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// The bot's root messages in the incident channel, by incident number.
fn roots(workspace: &SlackWorkspace) -> BTreeMap<u64, ChannelMessage> {
    let mut roots = BTreeMap::new();
    for message in workspace.messages(INCIDENTS) {
        if !message.is_bot {
            continue;
        }
        if let Some(number) = incidents_named(&seen(&message)).first() {
            roots.entry(*number).or_insert(message);
        }
    }
    roots
}

/// One thing people do to the bot, sent without waiting for the bot to answer: the bot
/// may die before it does.
async fn act(workspace: &SlackWorkspace, rng: &mut StdRng, cycle: u32) -> String {
    let roots = roots(workspace);
    let pick = |rng: &mut StdRng| -> Option<(u64, ChannelMessage)> {
        let all: Vec<_> = roots.iter().collect();
        (!all.is_empty()).then(|| {
            let (number, root) = all[rng.gen_range(0..all.len())];
            (*number, root.clone())
        })
    };
    let choice = if roots.is_empty() {
        0
    } else {
        rng.gen_range(0..6)
    };
    let outbound = match choice {
        0 | 1 => workspace.slash_command_payload(
            REPORTER,
            PAYMENTS,
            &format!("sev1 crash loop {cycle}: checkout fails"),
        ),
        2 => {
            let (_, root) = pick(rng).expect("roots exist");
            let who = [ALICE, BOB, CAROL][rng.gen_range(0..3)];
            workspace.reaction_payload(who, INCIDENTS, &root.ts, "eyes", true)
        }
        3 => {
            let (number, _) = pick(rng).expect("roots exist");
            workspace.slash_command_payload(REPORTER, PAYMENTS, &format!("resolve INC-{number}"))
        }
        4 => {
            let (number, root) = pick(rng).expect("roots exist");
            workspace.button_payload(BOB, INCIDENTS, &root.ts, &format!("fix:{number}"), None)
        }
        _ => {
            let open = workspace
                .views()
                .into_iter()
                .rfind(|view| view.status == escalator::workspace::ViewStatus::Open);
            match open {
                Some(view) => workspace.view_submission_payload(
                    &view.user,
                    &view.id,
                    &[
                        ("summary", "summary", "Checkout failed after a deploy"),
                        ("cause", "cause", "A bad gateway setting"),
                        ("fix", "fix", "Rolled the setting back"),
                        ("prevention", "prevention", "Check the setting in CI"),
                        ("links", "links", "https://wiki.example/gateway"),
                    ],
                ),
                None => workspace.slash_command_payload(REPORTER, PAYMENTS, "help"),
            }
        }
    };
    match outbound {
        Ok(outbound) => {
            let label = format!("{:?}", outbound.kind);
            workspace.send(outbound);
            label
        }
        // A view that expired or a message that is gone: nothing to send.
        Err(error) => format!("skipped ({error})"),
    }
}

/// Waits a random while, or until the bot posts its next message (and a hair longer):
/// the moment between a platform call and its record is the one worth dying in.
async fn wait_for_the_kill(workspace: &SlackWorkspace, rng: &mut StdRng) {
    if rng.gen_bool(0.5) {
        let posted = workspace.calls_to("chat.postMessage").len();
        workspace
            .wait_until(Duration::from_secs(2), |ws| {
                ws.calls_to("chat.postMessage").len() > posted
            })
            .await;
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..15))).await;
    } else {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..900))).await;
    }
}

/// Takes every incident over, so that paging stops and the bot falls quiet.
async fn acknowledge_everything(workspace: &SlackWorkspace) {
    for root in roots(workspace).values() {
        let acked = root
            .reactions
            .iter()
            .any(|r| r.users.iter().any(|u| u == CAROL));
        if !acked {
            let outbound = workspace
                .reaction_payload(CAROL, INCIDENTS, &root.ts, "eyes", true)
                .unwrap();
            workspace.send(outbound);
        }
    }
}

/// Waits until the bot has made no Web API call for `quiet`.
async fn wait_for_quiet(workspace: &SlackWorkspace, quiet: Duration) {
    let mut seen = workspace.calls().len();
    for _ in 0..60 {
        tokio::time::sleep(quiet).await;
        let now = workspace.calls().len();
        if now == seen {
            return;
        }
        seen = now;
    }
    panic!("the bot never fell quiet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_the_bot_loses_nothing_and_repeats_nothing() {
    let seed = seed();
    let cycles = cycles();
    println!("crash loop seed {seed} ({cycles} cycles); replay with ESCALATOR_CRASH_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    let workspace = workspace(options()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path(), &workspace, None);
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();

    for cycle in 0..cycles {
        let mut bot = start(&workspace, &config, logs.join(format!("{cycle}.log"))).await;
        for _ in 0..rng.gen_range(1..=3) {
            act(&workspace, &mut rng, cycle).await;
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..250))).await;
        }
        wait_for_the_kill(&workspace, &mut rng).await;
        bot.kill();
        // Sometimes stay down long enough for a page to come due meanwhile.
        if rng.gen_bool(0.2) {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..1500))).await;
        }
    }

    // A last, undisturbed run: everything pending goes out, then every incident is
    // taken over so that paging stops, and the bot is stopped cleanly.
    let mut bot = start(&workspace, &config, logs.join("final.log")).await;
    for _ in 0..3 {
        wait_for_quiet(&workspace, Duration::from_millis(1500)).await;
        acknowledge_everything(&workspace).await;
    }
    wait_for_quiet(&workspace, Duration::from_millis(2000)).await;
    assert!(bot.terminate().await.success(), "{}", bot.log_text());

    let found_again = count_in_logs(&logs, "not sent again");
    let in_flight = count_in_logs(&logs, "may have been delivered before the last stop");
    println!(
        "starts that found deliveries in flight: {in_flight}; messages found posted by a killed run: {found_again}"
    );

    let store = open_store(dir.path());
    check_nothing_told_is_missing(&workspace, &store, seed);
    check_pages_went_out_once(&workspace, &store, seed);
    check_no_message_twice(&workspace, seed);
}

/// How many lines of the bot's logs contain `text`.
fn count_in_logs(logs: &Path, text: &str) -> usize {
    std::fs::read_dir(logs)
        .unwrap()
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .map(|log| log.lines().filter(|line| line.contains(text)).count())
        .sum()
}

/// Everything the bot told anyone, with where: answers to commands (in the socket
/// acknowledgement or through the response URL), ephemeral replies, and its messages in
/// channels, threads and direct messages.
fn told(workspace: &SlackWorkspace) -> Vec<(String, String)> {
    let mut told = Vec::new();
    for ack in workspace.acks() {
        if let Some(payload) = ack.payload {
            told.push(("a command's answer".to_owned(), payload.to_string()));
        }
    }
    for reply in workspace.responses() {
        told.push(("a reply".to_owned(), reply.body.to_string()));
    }
    for user in [REPORTER, ALICE, BOB, CAROL] {
        for ephemeral in workspace.ephemerals(user) {
            told.push(("an ephemeral reply".to_owned(), ephemeral.text));
        }
    }
    for message in workspace.all_messages().iter().filter(|m| m.is_bot) {
        let place = if message.channel == KNOWLEDGE {
            "the knowledge channel".to_owned()
        } else {
            format!("a message in {}", message.channel)
        };
        told.push((place, seen(message)));
    }
    told
}

/// Incidents, acks, resolutions and fix notes people were told about are in the store.
fn check_nothing_told_is_missing(workspace: &SlackWorkspace, store: &Store, seed: u64) {
    let told = told(workspace);
    assert!(
        told.iter()
            .any(|(_, text)| !incidents_named(text).is_empty()),
        "seed {seed}: the run opened no incident"
    );
    for (place, text) in &told {
        for number in incidents_named(text) {
            let Some(incident) = store.incident(IncidentId(number)).unwrap() else {
                panic!("seed {seed}: INC-{number} was named in {place} but is not stored: {text}");
            };
            let timeline = store.timeline(IncidentId(number)).unwrap();
            let has = |wanted: fn(&Event) -> bool| timeline.iter().any(|e| wanted(&e.event));
            let says = |phrase: &str| text.contains(&phrase.replace('#', &number.to_string()));

            if says("has taken over INC-#") {
                assert!(
                    has(|e| matches!(e, Event::Acknowledged { .. })),
                    "seed {seed}: {place} says INC-{number} was taken over; the store does not"
                );
            }
            if says("resolved INC-#") || says("INC-# is resolved") {
                assert!(
                    has(|e| matches!(e, Event::Resolved { .. })),
                    "seed {seed}: {place} says INC-{number} was resolved; the store does not"
                );
            }
            let is_fix_note = place == "the knowledge channel"
                || says("fix note for INC-# is saved")
                || says("posted the fix note, and INC-# is closed");
            if is_fix_note {
                assert!(
                    incident.fix_note.is_some(),
                    "seed {seed}: {place} shows INC-{number}'s fix note; the store has none"
                );
            }
        }
    }
}

/// Every page the store says came due reached its person by direct message, once.
fn check_pages_went_out_once(workspace: &SlackWorkspace, store: &Store, seed: u64) {
    let (depth, _) = store.outbox_summary().unwrap();
    assert_eq!(depth, 0, "seed {seed}: deliveries were left undone");

    let accounts = [("alice", ALICE), ("bob", BOB), ("carol", CAROL)];
    let mut decided: HashMap<(String, u64), usize> = HashMap::new();
    for incident in store.incidents().unwrap() {
        for entry in store.timeline(incident.id).unwrap() {
            if let Event::Paged { person, means, .. } = &entry.event {
                if means.contains(&Means::Direct) {
                    *decided
                        .entry((person.to_string(), incident.id.0))
                        .or_default() += 1;
                }
            }
        }
    }
    assert!(!decided.is_empty(), "seed {seed}: no page came due");

    // Pages come from the outbox and carry its metadata; replies to what a person did
    // (a fix note saved, say) are direct messages too, but not pages.
    let mut received: HashMap<(String, u64), usize> = HashMap::new();
    for (person, user) in accounts {
        for message in workspace.dms(user).iter().filter(|m| m.metadata.is_some()) {
            for number in incidents_named(&seen(message)) {
                *received.entry((person.to_owned(), number)).or_default() += 1;
            }
        }
    }
    let mut keys: Vec<_> = decided.keys().chain(received.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let due = decided.get(&key).copied().unwrap_or(0);
        let got = received.get(&key).copied().unwrap_or(0);
        assert!(
            got >= due,
            "seed {seed}: {} was paged {due} times for INC-{} but received {got}",
            key.0,
            key.1
        );
        let user = accounts.iter().find(|(p, _)| *p == key.0).map(|(_, u)| *u);
        let shown: Vec<(String, Option<serde_json::Value>)> = workspace
            .dms(user.unwrap_or_default())
            .iter()
            .filter(|m| m.metadata.is_some() && incidents_named(&seen(m)).contains(&key.1))
            .map(|m| (m.text.clone(), m.metadata.clone()))
            .collect();
        assert!(
            got <= due,
            "seed {seed}: {} received {got} pages for INC-{} but was paged {due} times: {shown:#?}",
            key.0,
            key.1
        );
    }
}

/// No two of the bot's messages carry the same delivery key: no outbox message was
/// posted twice, wherever it went.
fn check_no_message_twice(workspace: &SlackWorkspace, seed: u64) {
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut untagged = 0;
    for message in workspace.all_messages().iter().filter(|m| m.is_bot) {
        // A digest of pages carries the keys of all its pages, separated by spaces.
        let payload = message.metadata.as_ref().map(|m| &m["event_payload"]);
        let tagged: Vec<&str> = payload
            .and_then(|p| p["delivery_key"].as_str().or(p["delivery_keys"].as_str()))
            .map(|keys| keys.split(' ').collect())
            .unwrap_or_default();
        if tagged.is_empty() {
            untagged += 1;
        }
        for key in tagged {
            *keys.entry(key.to_owned()).or_default() += 1;
        }
    }
    let repeated: Vec<_> = keys.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "seed {seed}: messages posted more than once: {repeated:?}"
    );
    // Everything in the incident and knowledge channels comes from the outbox, so it is
    // tagged; replies to what one person did (by response URL or direct message) are not.
    let untagged_in_channels: Vec<String> = workspace
        .all_messages()
        .iter()
        .filter(|m| m.is_bot && !m.via_response_url && m.metadata.is_none())
        .filter(|m| m.channel == INCIDENTS || m.channel == KNOWLEDGE)
        .map(|m| m.text.clone())
        .collect();
    assert!(
        untagged_in_channels.is_empty(),
        "seed {seed}: outbox messages went out untagged ({untagged} untagged in all): {untagged_in_channels:?}"
    );
}

/// Opens the bot's DM channel with `user` the way the bot does, so that a fault can be
/// aimed at it before the bot pages there.
async fn dm_channel_of(workspace: &SlackWorkspace, user: &str) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/conversations.open", workspace.api_base_url()))
        .bearer_auth(BOT_TOKEN)
        .json(&serde_json::json!({ "users": user }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["channel"]["id"].as_str().unwrap().to_owned()
}

/// Alice's first-page DMs for INC-1.
fn first_pages(workspace: &SlackWorkspace) -> usize {
    workspace
        .dms(ALICE)
        .iter()
        .filter(|m| seen(m).contains("paged for INC-1, step 1"))
        .count()
}

#[tokio::test]
async fn a_page_posted_just_before_a_kill_is_not_sent_again() {
    let workspace = workspace(options()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path(), &workspace, None);
    let alice_dm = dm_channel_of(&workspace, ALICE).await;

    // Slack takes Alice's page at once but answers late; the bot dies before the answer.
    let mut bot = start(&workspace, &config, dir.path().join("first.log")).await;
    workspace.inject(
        FaultRule::new(
            "chat.postMessage",
            Fault::SlowAnswer(Duration::from_secs(60)),
        )
        .for_channel(&alice_dm)
        .always(),
    );
    let opened = workspace
        .slash_command_payload(REPORTER, PAYMENTS, "sev1 Refunds are stuck")
        .unwrap();
    workspace.send(opened);
    expect(&workspace, "Alice's page", |ws| first_pages(ws) == 1).await;
    bot.kill();
    workspace.clear_faults();

    // The restarted bot finds the page it posted and goes on with the path.
    let mut bot = start(&workspace, &config, dir.path().join("second.log")).await;
    expect(&workspace, "the deputy's page", |ws| {
        !ws.dms(BOB).is_empty()
    })
    .await;
    assert!(bot.terminate().await.success());
    assert_eq!(
        first_pages(&workspace),
        1,
        "Alice got her first page once; log:\n{}",
        bot.log_text()
    );
}

/// A bot with `grace` to finish its deliveries on stop, whose Slack holds Alice's page
/// for `delay`; returns once the page is under way.
async fn page_under_way_at_stop(
    grace: &str,
    delay: Duration,
) -> (SlackWorkspace, tempfile::TempDir, PathBuf, BotProcess) {
    let workspace = workspace(options()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path(), &workspace, Some(grace));
    let alice_dm = dm_channel_of(&workspace, ALICE).await;
    workspace
        .inject(FaultRule::new("chat.postMessage", Fault::Delay(delay)).for_channel(&alice_dm));

    let bot = start(&workspace, &config, dir.path().join("first.log")).await;
    workspace
        .slash_command(REPORTER, PAYMENTS, "sev1 Refunds are stuck")
        .await
        .unwrap();
    expect(&workspace, "the page under way", |ws| {
        ws.calls_to("conversations.open").len() > 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    (workspace, dir, config, bot)
}

/// SIGTERM while Slack is slow to take Alice's page: the grace is long enough, so the
/// page goes out before the bot stops, and the next start does not send it again.
#[tokio::test]
async fn a_stop_lets_a_slow_delivery_finish_within_the_grace() {
    let (workspace, dir, config, mut bot) =
        page_under_way_at_stop("20s", Duration::from_secs(2)).await;
    assert_eq!(first_pages(&workspace), 0, "the page is still under way");
    assert!(bot.terminate().await.success(), "{}", bot.log_text());
    assert_eq!(
        first_pages(&workspace),
        1,
        "the page finished before the stop"
    );
    assert!(!bot.log_text().contains("shutdown grace ran out"));

    let mut bot = start(&workspace, &config, dir.path().join("second.log")).await;
    expect(&workspace, "the re-page", |ws| ws.dms(ALICE).len() >= 2).await;
    assert!(bot.terminate().await.success());
    assert_eq!(first_pages(&workspace), 1, "the page was not sent again");
}

/// SIGTERM while Slack does not answer for longer than the grace: the bot stops when the
/// grace runs out, and the next start sends the page, once.
#[tokio::test]
async fn a_delivery_that_outlasts_the_grace_stays_in_the_outbox_for_the_next_start() {
    let (workspace, dir, config, mut bot) =
        page_under_way_at_stop("1s", Duration::from_secs(60)).await;
    // `terminate` fails the test unless the bot exits within ten seconds.
    assert!(bot.terminate().await.success(), "{}", bot.log_text());
    assert!(
        bot.log_text().contains("shutdown grace ran out"),
        "{}",
        bot.log_text()
    );
    assert_eq!(first_pages(&workspace), 0);
    {
        let store = open_store(dir.path());
        let waiting = store.outbox().unwrap();
        assert!(
            waiting.iter().any(|(_, entry)| entry.in_flight),
            "the page waits in the outbox, marked in flight: {waiting:?}"
        );
    }

    let mut bot = start(&workspace, &config, dir.path().join("second.log")).await;
    expect(&workspace, "the page", |ws| first_pages(ws) == 1).await;
    expect(&workspace, "the re-page", |ws| ws.dms(ALICE).len() >= 2).await;
    assert!(bot.terminate().await.success());
    assert_eq!(first_pages(&workspace), 1, "the page was sent once");
}

/// Not only crashes: a delivery that fails half-way is retried without repeating the
/// half that went out. Two followers get an update by direct message; Slack refuses
/// the second one once, and the retry must not send the first follower a second copy.
#[tokio::test]
async fn a_retry_after_a_half_done_delivery_does_not_repeat_the_done_half() {
    let workspace = workspace(options()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path(), &workspace, None);
    let guest_dm = dm_channel_of(&workspace, GUEST).await;
    let mut bot = start(&workspace, &config, dir.path().join("bot.log")).await;

    workspace
        .slash_command(REPORTER, PAYMENTS, "sev2 Refunds are stuck")
        .await
        .unwrap();
    for follower in [BOB, GUEST] {
        workspace
            .slash_command(follower, PAYMENTS, "follow INC-1")
            .await
            .unwrap();
    }
    expect(&workspace, "both follows announced", |ws| {
        thread_count(ws, "is following INC-1") == 2
    })
    .await;

    // Followers are notified in the order of their user ids: Bob, then the guest.
    workspace.inject(FaultRule::new("chat.postMessage", Fault::Status(500)).for_channel(&guest_dm));
    workspace
        .slash_command(REPORTER, PAYMENTS, "update INC-1 rollback is running")
        .await
        .unwrap();
    let updates = |ws: &SlackWorkspace, user: &str| {
        ws.dms(user)
            .iter()
            .filter(|m| m.text.contains("rollback is running"))
            .count()
    };
    expect(&workspace, "the guest's update after the retry", |ws| {
        updates(ws, GUEST) == 1
    })
    .await;
    assert!(bot.terminate().await.success());
    assert_eq!(
        workspace
            .calls_to("chat.postMessage")
            .iter()
            .filter(|call| call.status == 500)
            .count(),
        1,
        "the guest's update failed once"
    );
    assert_eq!(updates(&workspace, BOB), 1, "Bob got the update once");
}

/// Alice's first-page DMs for incident `n`, alone or in a digest.
fn first_pages_of(workspace: &SlackWorkspace, n: u64) -> usize {
    workspace
        .dms(ALICE)
        .iter()
        .filter(|m| seen(m).contains(&format!("paged for INC-{n}, step 1")))
        .count()
}

/// Two kills, each while Slack holds its answer to a page Alice already has: first a
/// lone page with more pages queued behind it, then the digest those pages went in. Each
/// restart finds what was posted by its keys, and every first page arrives once.
#[tokio::test]
async fn pages_posted_alone_or_in_a_digest_before_a_kill_are_not_sent_again() {
    let workspace = workspace(options()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path(), &workspace, None);
    let alice_dm = dm_channel_of(&workspace, ALICE).await;
    let slow_answers = || {
        FaultRule::new(
            "chat.postMessage",
            Fault::SlowAnswer(Duration::from_secs(60)),
        )
        .for_channel(&alice_dm)
        .always()
    };

    let mut bot = start(&workspace, &config, dir.path().join("first.log")).await;
    workspace.inject(slow_answers());
    for n in 1..=4 {
        workspace
            .slash_command(REPORTER, PAYMENTS, &format!("sev1 Storm {n}"))
            .await
            .unwrap();
    }
    expect(&workspace, "the first page", |ws| {
        first_pages_of(ws, 1) == 1
    })
    .await;
    {
        // The bot is still waiting for Slack's answer, so the later pages are queued.
        tokio::time::sleep(Duration::from_millis(300)).await;
        bot.kill();
        let store = open_store(dir.path());
        assert!(store.outbox().unwrap().len() >= 3);
    }

    let mut bot = start(&workspace, &config, dir.path().join("second.log")).await;
    expect(&workspace, "the digest", |ws| {
        ws.dms(ALICE)
            .iter()
            .any(|m| (2..=4).all(|n| seen(m).contains(&format!("paged for INC-{n}, step 1"))))
    })
    .await;
    bot.kill();
    workspace.clear_faults();

    let mut bot = start(&workspace, &config, dir.path().join("third.log")).await;
    expect(&workspace, "the deputy's pages", |ws| {
        let bob: Vec<String> = ws.dms(BOB).iter().map(seen).collect();
        (1..=4).all(|n| bob.iter().any(|t| t.contains(&format!("INC-{n}"))))
    })
    .await;
    assert!(bot.terminate().await.success());
    for n in 1..=4 {
        assert_eq!(
            first_pages_of(&workspace, n),
            1,
            "INC-{n}: Alice got her first page once; log:\n{}",
            bot.log_text()
        );
    }
    check_no_message_twice(&workspace, 0);
}
