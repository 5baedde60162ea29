//! The `/escalate` grammar as the chat adapters use it: text taken from real Slack and
//! Discord payloads, every error a user can meet with its position and reply, text in
//! Korean, emoji and non-breaking spaces, and properties over arbitrary text.

use escalator::command::{
    display_text, parse, Admin, Command, Expected, ParseError, ParseErrorKind, UserArg,
    UserMention, Verb,
};
use escalator::engine::{IncidentId, SeverityId};
use proptest::prelude::*;

fn severities() -> Vec<SeverityId> {
    ["sev1", "sev2", "SEV3"].map(SeverityId::from).to_vec()
}

fn escalate(severity: &str, summary: &str) -> Command {
    Command::Escalate {
        severity: severity.into(),
        summary: summary.to_owned(),
    }
}

/// The `text` field of a slash command body, decoded as Slack's form encoding demands.
fn slack_text(body: &str) -> String {
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(body).expect("form body");
    fields
        .into_iter()
        .find_map(|(name, value)| (name == "text").then_some(value))
        .expect("a text field")
}

/// A slash command body in the shape Slack posts it; only `text` varies.
fn slack_body(encoded_text: &str) -> String {
    format!(
        "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example\
         &channel_id=C2147483705&channel_name=incidents&user_id=U2147483697&user_name=steve\
         &command=%2Fescalate&text={encoded_text}\
         &response_url=http%3A%2F%2F127.0.0.1%3A9%2Fcommands%2F1234%2F5678\
         &trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456"
    )
}

#[test]
fn slack_slash_command_text_with_escapes() {
    let mention = |id: &str, label: Option<&str>| UserMention {
        id: id.to_owned(),
        label: label.map(str::to_owned),
    };
    let cases = [
        // The workspace's "escape channels, users, and links" setting on.
        (
            "reassign+INC-42+%3C%40U0123ABC%7Cdana%3E",
            Command::Reassign {
                incident: Some(IncidentId(42)),
                user: UserArg::Mention(mention("U0123ABC", Some("dana"))),
            },
        ),
        // Newer payloads drop the name after the id.
        (
            "reassign+%3C%40W0123ABC%3E",
            Command::Reassign {
                incident: None,
                user: UserArg::Mention(mention("W0123ABC", None)),
            },
        ),
        // The setting off: the name arrives as typed.
        (
            "reassign+%40dana",
            Command::Reassign {
                incident: None,
                user: UserArg::Name("dana".to_owned()),
            },
        ),
        (
            "sev1+checkout+fails+in+%3C%23C0123ABC%7Cshop%3E%2C+see+\
             %3Chttps%3A%2F%2Fgrafana.example%2Fd%2Fshop%3Fa%3D1%26amp%3Bb%3D2%7Cthe+board%3E+%3C%21here%3E",
            escalate(
                "sev1",
                "checkout fails in <#C0123ABC|shop>, see \
                 <https://grafana.example/d/shop?a=1&amp;b=2|the board> <!here>",
            ),
        ),
        (
            "sev2+%26lt%3Bp99%26gt%3B+%26gt%3B+2s+%26amp%3B+rising",
            escalate("sev2", "&lt;p99&gt; &gt; 2s &amp; rising"),
        ),
        ("", Command::OpenModal),
    ];
    for (encoded, expected) in cases {
        let text = slack_text(&slack_body(encoded));
        assert_eq!(parse(&text, &severities()), Ok(expected), "{text:?}");
    }
}

#[test]
fn slack_summaries_read_as_plain_text() {
    let text = slack_text(&slack_body(
        "sev1+%3C%21subteam%5ES0123%7C%40payments%3E+%3C%40U0123ABC%3E+sees+\
         %3Chttps%3A%2F%2Fx.example%2F%3Fa%3D1%26amp%3Bb%3D2%7Cerrors%3E+%26amp%3B+%3C%21channel%3E",
    ));
    let Ok(Command::Escalate { summary, .. }) = parse(&text, &severities()) else {
        panic!("not an escalation: {text:?}");
    };
    assert_eq!(
        display_text(&summary),
        "@payments <@U0123ABC> sees errors (https://x.example/?a=1&b=2) & @channel"
    );
}

#[test]
fn discord_option_text_with_mentions() {
    let interaction = r#"{
        "type": 2,
        "data": {
            "name": "escalate",
            "type": 1,
            "options": [
                { "name": "text", "type": 3, "value": "reassign #42 <@!123456789012345678>" }
            ]
        }
    }"#;
    let value: serde_json::Value = serde_json::from_str(interaction).expect("json");
    let text = value["data"]["options"][0]["value"].as_str().expect("text");

    let expected = Command::Reassign {
        incident: Some(IncidentId(42)),
        user: UserArg::Mention(UserMention {
            id: "123456789012345678".to_owned(),
            label: None,
        }),
    };
    assert_eq!(parse(text, &severities()), Ok(expected));

    for (text, expected) in [
        ("reassign <@&987654321098765432>", Err(("not-a-user", 9))),
        ("reassign <#987654321098765432>", Err(("not-a-user", 9))),
        (
            "sev2 latency < 5 ms is fine, > 2 s is not <:sadge:123>",
            Ok(escalate(
                "sev2",
                "latency < 5 ms is fine, > 2 s is not <:sadge:123>",
            )),
        ),
    ] {
        let got = parse(text, &severities()).map_err(|e| (e.kind.code(), e.position));
        assert_eq!(got, expected, "{text:?}");
    }
}

#[test]
fn korean_emoji_and_unicode_whitespace() {
    let cases = [
        (
            "sev1 결제 API가 500을 반환해요",
            escalate("sev1", "결제 API가 500을 반환해요"),
        ),
        (
            "SEV1\u{a0}\u{a0}결제 API가\u{a0}500을 반환해요\u{a0}",
            escalate("sev1", "결제 API가\u{a0}500을 반환해요"),
        ),
        (
            "1\u{3000}🔥 :fire: checkout down 🔥",
            escalate("sev1", "🔥 :fire: checkout down 🔥"),
        ),
        (
            "sev3\u{2003}\u{202f}db\u{2009}down",
            escalate("SEV3", "db\u{2009}down"),
        ),
        ("sev2 👩‍💻🚨", escalate("sev2", "👩‍💻🚨")),
        (
            "\tack\u{a0}\u{a0}#12\u{a0}",
            Command::Ack {
                incident: Some(IncidentId(12)),
            },
        ),
        (
            "update\u{a0}INC-7\u{a0}롤백 완료, 모니터링 중 👀",
            Command::Update {
                incident: Some(IncidentId(7)),
                text: "롤백 완료, 모니터링 중 👀".to_owned(),
            },
        ),
        (
            "reassign\u{a0}@김민지",
            Command::Reassign {
                incident: None,
                user: UserArg::Name("김민지".to_owned()),
            },
        ),
        (
            "kb 결제\u{a0}타임아웃",
            Command::Kb {
                query: "결제\u{a0}타임아웃".to_owned(),
            },
        ),
        (
            "admin\u{a0}audit\u{a0}5",
            Command::Admin(Admin::Audit { n: 5 }),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse(text, &severities()), Ok(expected), "{text:?}");
    }
}

#[test]
fn every_error_kind_with_its_position_and_reply() {
    let start_with_severity = "Start with a severity and a summary, or see `/escalate help`.";
    let cases = [
        (
            "  hlep",
            ParseErrorKind::UnknownVerb {
                verb: "hlep".to_owned(),
                suggestion: Some("help".to_owned()),
            },
            2,
            "`hlep` is not a command or severity. Did you mean `help`?".to_owned(),
        ),
        (
            "결제 API가 500을 반환해요",
            ParseErrorKind::UnknownVerb {
                verb: "결제".to_owned(),
                suggestion: None,
            },
            0,
            format!("`결제` is not a command or severity. {start_with_severity}"),
        ),
        (
            "<!channel> db down",
            ParseErrorKind::UnknownVerb {
                verb: "<!channel>".to_owned(),
                suggestion: None,
            },
            0,
            format!("`!channel` is not a command or severity. {start_with_severity}"),
        ),
        (
            "🔥\u{a0}SEV3\u{a0}",
            ParseErrorKind::UnknownVerb {
                verb: "🔥".to_owned(),
                suggestion: None,
            },
            0,
            format!("`🔥` is not a command or severity. {start_with_severity}"),
        ),
        (
            "\u{a0}SEV3\u{a0}",
            ParseErrorKind::MissingSummary {
                severity: "SEV3".into(),
            },
            5,
            "Add a one-line summary after the severity, \
             e.g. `/escalate SEV3 checkout fails for every customer`."
                .to_owned(),
        ),
        (
            "update #4",
            ParseErrorKind::MissingArgument {
                verb: Verb::Update,
                expected: Expected::Text,
            },
            9,
            "`update` needs some text: `/escalate update [INC-42] what changed`.".to_owned(),
        ),
        (
            "reassign INC-4",
            ParseErrorKind::MissingArgument {
                verb: Verb::Reassign,
                expected: Expected::User,
            },
            14,
            "`reassign` needs a person: `/escalate reassign [INC-42] @person`.".to_owned(),
        ),
        (
            "severity",
            ParseErrorKind::MissingArgument {
                verb: Verb::Severity,
                expected: Expected::Severity,
            },
            8,
            "`severity` needs a severity: `/escalate severity [INC-42] severity`.".to_owned(),
        ),
        (
            "kb",
            ParseErrorKind::MissingArgument {
                verb: Verb::Kb,
                expected: Expected::Query,
            },
            2,
            "`kb` needs something to search for: `/escalate kb search words`.".to_owned(),
        ),
        (
            "ack 결제",
            ParseErrorKind::NotAnIncident {
                verb: Verb::Ack,
                text: "결제".to_owned(),
            },
            4,
            "`결제` is not an incident id; incident ids look like `INC-42`.".to_owned(),
        ),
        (
            "severity #4 sev9",
            ParseErrorKind::UnknownSeverity {
                text: "sev9".to_owned(),
                suggestion: Some("sev1".into()),
            },
            12,
            "`sev9` is not a configured severity. Did you mean `sev1`?".to_owned(),
        ),
        (
            "severity critical",
            ParseErrorKind::UnknownSeverity {
                text: "critical".to_owned(),
                suggestion: None,
            },
            9,
            "`critical` is not a configured severity; `/escalate help` lists them.".to_owned(),
        ),
        (
            "reassign\u{a0}<!subteam^S0123|@payments>",
            ParseErrorKind::NotAUser {
                text: "<!subteam^S0123|@payments>".to_owned(),
            },
            9,
            "`!subteam^S0123|@payments` is not a person; \
             mention one, e.g. `/escalate reassign @dana`."
                .to_owned(),
        ),
        (
            "resolve INC-4 결제 복구됨",
            ParseErrorKind::TrailingInput {
                verb: Verb::Resolve,
                text: "결제 복구됨".to_owned(),
            },
            14,
            "Unexpected `결제 복구됨` at the end; use `/escalate resolve [INC-42]`.".to_owned(),
        ),
    ];
    for (text, kind, position, reply) in cases {
        let error = parse(text, &severities()).expect_err(text);
        assert_eq!(error, ParseError { kind, position }, "{text:?}");
        assert_eq!(error.to_string(), reply, "{text:?}");
    }
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        ("x", "unknown-verb"),
        ("sev1", "missing-summary"),
        ("kb", "missing-argument"),
        ("ack x", "not-an-incident"),
        ("severity x", "unknown-severity"),
        ("reassign <!here>", "not-a-user"),
        ("help x", "trailing-input"),
    ];
    for (text, code) in codes {
        let error = parse(text, &severities()).expect_err(text);
        assert_eq!(error.kind.code(), code, "{text:?}");
    }
}

#[test]
fn long_input_is_echoed_shortened() {
    let word = "x".repeat(100);
    let error = parse(&format!("ack {word}"), &severities()).expect_err("not an id");
    assert_eq!(
        error.to_string(),
        format!(
            "`{}…` is not an incident id; incident ids look like `INC-42`.",
            "x".repeat(40)
        )
    );
}

/// Text built from the pieces that stress the grammar: forms, their broken halves,
/// entities, verbs, ids, Korean, emoji and every kind of space.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<",
        ">",
        "|",
        "@",
        "#",
        "!",
        "&",
        "&amp;",
        "&lt;",
        "&gt;",
        "^",
        ":",
        "//",
        "https",
        "<@U1>",
        "<@U1|a b>",
        "<@!12>",
        "<@&34>",
        "<#C1|ops>",
        "<!here>",
        "<!subteam^S1|@x>",
        "<https://x.example/?a=1&amp;b=2|a b>",
        "<mailto:a@x.example>",
        "<:e:1>",
        " ",
        "  ",
        "\u{a0}",
        "\t",
        "\n",
        "\u{3000}",
        "sev1",
        "SEV3",
        "1",
        "ack",
        "update",
        "reassign",
        "severity",
        "kb",
        "help",
        "why",
        "away",
        "until",
        "from",
        "list",
        "2026-12-24",
        "2026-12-24T09:00",
        "09:00",
        "INC-4",
        "#4",
        "+1",
        "4",
        "U1",
        "결제",
        "🔥",
        "👩‍💻",
        ":fire:",
        "`",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|pieces| pieces.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), tricky_text()]
}

/// The chars of `text` from `position` on.
fn from_position(text: &str, position: usize) -> String {
    text.chars().skip(position).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn errors_point_into_the_text_at_what_they_name(text in any_text()) {
        let Err(error) = parse(&text, &severities()) else {
            return Ok(());
        };
        prop_assert!(error.position <= text.chars().count());

        let named = match &error.kind {
            ParseErrorKind::UnknownVerb { verb, .. } => Some(verb),
            ParseErrorKind::NotAnIncident { text, .. }
            | ParseErrorKind::UnknownSeverity { text, .. }
            | ParseErrorKind::NotAUser { text }
            | ParseErrorKind::NotADateTime { text }
            | ParseErrorKind::TrailingInput { text, .. } => Some(text),
            ParseErrorKind::MissingSummary { .. } | ParseErrorKind::MissingArgument { .. } => None,
        };
        if let Some(named) = named {
            prop_assert!(from_position(&text, error.position).starts_with(named.as_str()));
        } else {
            prop_assert!(from_position(&text, error.position).trim().is_empty());
        }

        let reply = error.to_string();
        prop_assert!(!reply.contains(['<', '>']), "{}", reply);
    }

    #[test]
    fn escalate_keeps_any_summary(
        prefix in prop::sample::select(vec!["sev1 ", "SEV1\u{a0}", "1\t", " sev1\n"]),
        summary in any_text(),
    ) {
        prop_assume!(!summary.trim().is_empty());
        let text = format!("{prefix}{summary}");
        prop_assert_eq!(parse(&text, &severities()), Ok(escalate("sev1", summary.trim())));
    }

    #[test]
    fn update_keeps_any_text_that_does_not_open_with_an_incident(text in any_text()) {
        let first = text.split_whitespace().next();
        prop_assume!(first.is_some_and(|word| word.parse::<IncidentId>().is_err()));
        let expected = Command::Update { incident: None, text: text.trim().to_owned() };
        prop_assert_eq!(parse(&format!("update {text}"), &severities()), Ok(expected));
    }

    #[test]
    fn display_text_changes_only_escapes(text in any_text()) {
        let shown = display_text(&text);
        if !text.contains(['<', '&']) {
            prop_assert_eq!(shown, text);
        }
    }
}
