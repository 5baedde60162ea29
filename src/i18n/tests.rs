use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::*;
use crate::engine::policy::{Person, Team};

/// One value for every argument any message uses; a message that uses another one fails
/// to format, and the completeness test names it.
fn sample_args() -> Vec<(&'static str, FluentValue<'static>)> {
    let texts = [
        "incident",
        "severity",
        "target",
        "people",
        "reporter",
        "owner",
        "emoji",
        "title",
        "summary",
        "state",
        "of",
        "person",
        "text",
        "everyone",
        "reason",
        "means",
        "name",
        "until",
        "deputy",
        "by",
        "to",
        "from",
        "who",
        "fix",
        "action",
        "known",
        "team",
        "field",
        "ack",
        "resolve",
        "what",
        "code",
        "query",
        "date",
        "suggestion",
        "verb",
        "expected",
        "usage",
        "reference",
        "damage",
        "snapshot",
        "last",
        "moved",
        "channel",
        "paged",
        "incidents",
    ];
    let numbers = ["step", "steps", "n", "round", "count", "skipped"];
    texts
        .into_iter()
        .map(|name| (name, FluentValue::from(name)))
        .chain(numbers.into_iter().map(|name| (name, FluentValue::from(2))))
        .collect()
}

#[test]
fn the_builtin_catalogs_load_without_errors() {
    let catalog = Catalog::builtin();

    assert_eq!(catalog.load_errors(), &[] as &[String]);
    assert_eq!(catalog.locales(), vec![FALLBACK_LOCALE, "ko"]);
}

#[test]
fn english_and_korean_have_exactly_the_same_keys() {
    let catalog = Catalog::builtin();
    let english = catalog.keys("en");
    let korean = catalog.keys("ko");
    let english_set: BTreeSet<&String> = english.iter().collect();
    let korean_set: BTreeSet<&String> = korean.iter().collect();

    assert!(english.len() > 100, "only {} keys found", english.len());
    assert_eq!(english.len(), english_set.len(), "duplicate keys in en");
    assert_eq!(korean.len(), korean_set.len(), "duplicate keys in ko");
    let only_english: Vec<_> = english_set.difference(&korean_set).collect();
    let only_korean: Vec<_> = korean_set.difference(&english_set).collect();
    assert!(only_english.is_empty(), "missing in ko: {only_english:?}");
    assert!(only_korean.is_empty(), "missing in en: {only_korean:?}");
}

#[test]
fn every_message_formats_plainly_with_sample_arguments_in_every_locale() {
    let catalog = Catalog::builtin();
    let args = sample_args();

    for locale in catalog.locales() {
        for key in catalog.keys(locale) {
            let text = catalog.text(locale, &key, &args);
            assert!(!text.trim().is_empty(), "{locale}/{key} is empty");
            assert!(
                !text.contains('\u{2068}'),
                "{locale}/{key} has isolation marks"
            );
            // Adapters escape user text only, so catalog text must need no escaping.
            assert!(
                !text.contains(['&', '<', '>']),
                "{locale}/{key} has markup: {text}"
            );
        }
    }
    assert_eq!(catalog.misses(), Vec::<String>::new());
}

#[test]
fn korean_is_chosen_by_language_subtag() {
    let catalog = Catalog::builtin();

    for locale in ["ko", "ko-KR", "KO_kr"] {
        assert_eq!(
            catalog.text(locale, "button-resolve", &[]),
            "해결 완료",
            "{locale}"
        );
    }
    assert_eq!(catalog.text("en-GB", "button-resolve", &[]), "Resolve");
    assert!(catalog.supports("ko-KR"));
    assert!(!catalog.supports("fr"));
}

#[test]
fn arguments_are_inserted_without_isolation_marks() {
    let catalog = Catalog::builtin();
    let args = [("step", FluentValue::from(3)), ("incident", "INC-7".into())];

    assert_eq!(
        catalog.text("en", "page-first", &args),
        "You're paged for INC-7, step 3 of its path."
    );
    assert_eq!(
        catalog.text("ko", "page-first", &args),
        "INC-7 건으로 호출되었어요. 에스컬레이션 경로의 3단계예요."
    );
}

#[test]
fn gaps_fall_back_to_english_then_to_the_key() {
    let catalog = Catalog::from_sources(&[
        ("en", "hello = Hello, { $name }.\nonly-en = Only English\n"),
        ("ko", "hello = 안녕하세요, { $name }님.\n"),
    ]);
    let args = [("name", FluentValue::from("Mina"))];

    assert_eq!(catalog.text("ko", "hello", &args), "안녕하세요, Mina님.");
    assert_eq!(catalog.text("ko", "only-en", &args), "Only English");
    assert_eq!(catalog.text("fr", "hello", &args), "Hello, Mina.");
    assert_eq!(catalog.text("", "hello", &args), "Hello, Mina.");
    assert_eq!(catalog.text("ko", "nowhere", &args), "nowhere");
    assert_eq!(
        catalog.misses(),
        vec!["en/nowhere", "ko/nowhere", "ko/only-en"]
    );
}

#[test]
fn a_missing_argument_falls_back_instead_of_failing() {
    let catalog = Catalog::from_sources(&[
        ("en", "hello = Hello, { $name }.\n"),
        ("ko", "hello = 안녕하세요, { $nmae }님.\n"),
    ]);
    let args = [("name", FluentValue::from("Mina"))];

    assert_eq!(catalog.text("ko", "hello", &args), "Hello, Mina.");
    assert_eq!(catalog.misses(), vec!["ko/hello"]);
}

#[test]
fn a_syntax_error_is_reported_and_the_rest_still_loads() {
    let catalog = Catalog::from_sources(&[("en", "good = Fine\nbad = { $\n")]);

    assert_eq!(
        catalog.load_errors().len(),
        1,
        "{:?}",
        catalog.load_errors()
    );
    assert_eq!(catalog.text("en", "good", &[]), "Fine");
}

fn policy_with(person_locale: Option<&str>, team_locale: Option<&str>) -> Policy {
    let person = Person {
        id: "mina".into(),
        name: "Mina".into(),
        accounts: BTreeMap::new(),
        positions: Vec::new(),
        deputy: None,
        locale: person_locale.map(str::to_owned),
        timezone: chrono_tz::Asia::Seoul,
    };
    let team = Team {
        id: "payments".into(),
        name: "Payments".into(),
        chat: BTreeMap::new(),
        locale: team_locale.map(str::to_owned),
    };
    Policy {
        teams: BTreeMap::from([(team.id.clone(), team)]),
        people: BTreeMap::from([(person.id.clone(), person)]),
        severities: Vec::new(),
        admins: BTreeSet::new(),
        ack_emoji: Vec::new(),
        resolve_emoji: Vec::new(),
        fix_note_reminder_every: Duration::from_secs(3600),
        criteria_review_every: Duration::from_secs(86400),
        default_locale: "en".into(),
        webhooks: BTreeMap::new(),
    }
}

#[test]
fn the_locale_is_the_persons_then_the_teams_then_the_default() {
    let mina = PersonId::from("mina");
    let payments = TeamId::from("payments");
    let nobody = PersonId::from("nobody");

    for (person_locale, team_locale, person, team, expected) in [
        (Some("ko"), Some("en"), Some(&mina), Some(&payments), "ko"),
        (None, Some("ko"), Some(&mina), Some(&payments), "ko"),
        (None, None, Some(&mina), Some(&payments), "en"),
        (Some("ko"), None, None, Some(&payments), "en"),
        (None, Some("ko"), Some(&nobody), None, "en"),
        (None, Some("ko"), None, Some(&payments), "ko"),
    ] {
        let policy = policy_with(person_locale, team_locale);
        assert_eq!(
            pick_locale(&policy, person, team),
            expected,
            "{person_locale:?} {team_locale:?} {person:?} {team:?}"
        );
    }
}
