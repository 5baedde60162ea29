//! The words of a reply, in the reader's language and the platform's markup.

use fluent_bundle::FluentValue;

use crate::adapters::respond::{Done, Reply};
use crate::command::{ParseError, ParseErrorKind};
use crate::engine::policy::Policy;
use crate::engine::{IncidentId, PersonId};
use crate::i18n;
use crate::render::{self, Markup, Words};

/// The locale to answer `person` in: theirs, else the policy's default.
pub fn reader_locale<'p>(policy: &'p Policy, person: Option<&PersonId>) -> &'p str {
    i18n::pick_locale(policy, person, None)
}

/// The text of `reply` in `locale`.
pub fn reply_text(reply: &Reply, policy: &Policy, locale: &str, markup: &dyn Markup) -> String {
    let words = Words::new(policy, locale, markup);
    let id = |incident: &IncidentId| FluentValue::from(incident.to_string());
    match reply {
        Reply::Opened { incident, paged } => {
            let channel = policy
                .teams
                .get(&incident.team)
                .and_then(|team| team.chat.get(&incident.platform))
                .map(|chat| markup.channel(&chat.incident_channel))
                .unwrap_or_default();
            let key = if paged.is_empty() {
                "reply-opened-channel"
            } else {
                "reply-opened"
            };
            let people = words.list(paged.iter().map(|person| words.person(person)));
            words.t(
                key,
                &[
                    ("incident", id(&incident.id)),
                    ("channel", channel.into()),
                    ("paged", people.into()),
                    ("count", paged.len().into()),
                ],
            )
        }
        Reply::Done { incident, what } => done_text(&words, *incident, what),
        Reply::Rejected { rejection, .. } => {
            render::rejection_reply(rejection, policy, locale, markup)
        }
        Reply::Unparsed(error) => parse_error_text(&words, policy, error, markup),
        Reply::Help => render::help_text(policy, locale, markup),
        Reply::Criteria => render::criteria_text(policy, locale, markup),
        Reply::Status(incident) => {
            let card = render::root_card(incident, policy, locale, markup);
            let mut text = words.t(
                "reply-status",
                &[
                    ("title", words.title(incident).into()),
                    ("state", words.state(incident.state).into()),
                ],
            );
            // The first line already says the state.
            let state_label = words.t("card-field-state", &[]);
            for field in card
                .fields
                .iter()
                .filter(|field| field.label != state_label)
            {
                text.push_str(&format!("\n{}: {}", field.label, field.value));
            }
            text
        }
        Reply::NoTeam { .. } => words.t("reply-no-team", &[]),
        Reply::WhichIncident => words.t("reply-which-incident", &[]),
        Reply::DigestReaction => words.t("reply-digest-reaction", &[]),
        Reply::NoFormHere { incident } => {
            words.t("reply-no-form-here", &[("incident", id(incident))])
        }
        Reply::UnknownIncident(incident) => {
            words.t("reply-unknown-incident", &[("incident", id(incident))])
        }
        Reply::UnknownUser(name) => words.t(
            "reply-unknown-user",
            &[("name", markup.escape(name).into())],
        ),
        Reply::NotInPolicy(user) => {
            words.t("reply-not-in-policy", &[("name", markup.user(user).into())])
        }
        Reply::Knowledge {
            query,
            hits,
            platform,
        } => knowledge_text(&words, query, hits, *platform),
        Reply::Why(why) => crate::adapters::why::why_text(&words, why, markup),
        Reply::Stats(stats) => crate::adapters::stats::stats_text(&words, stats),
        Reply::UnknownTeam(team) => {
            let known = words.list(policy.teams.keys().map(|id| markup.escape(id.as_str())));
            words.t(
                "reply-unknown-team",
                &[
                    ("team", markup.escape(team).into()),
                    ("known", known.into()),
                ],
            )
        }
        Reply::Admin(admin) => crate::adapters::admin::admin_text(&words, admin),
        Reply::Away(away) => crate::adapters::away::away_text(&words, away),
        Reply::NotStored { is_new_incident } => {
            let key = if *is_new_incident {
                "reply-not-stored-incident"
            } else {
                "reply-not-stored"
            };
            words.t(key, &[])
        }
        Reply::Failed { reference } => {
            words.t("reply-failed", &[("reference", reference.clone().into())])
        }
    }
}

fn done_text(words: &Words<'_>, incident: IncidentId, what: &Done) -> String {
    let id = ("incident", FluentValue::from(incident.to_string()));
    match what {
        Done::Acknowledged => words.t("reply-done-acknowledged", &[id]),
        Done::Resolved => words.t("reply-done-resolved", &[id]),
        Done::Cancelled => words.t("reply-done-cancelled", &[id]),
        Done::Followed => words.t("reply-done-followed", &[id]),
        Done::Updated => words.t("reply-done-updated", &[id]),
        Done::Reassigned(person) => words.t(
            "reply-done-reassigned",
            &[id, ("person", words.person(person).into())],
        ),
        Done::SeverityChanged(severity) => words.t(
            "reply-done-severity",
            &[id, ("severity", words.severity(severity).into())],
        ),
        Done::FixNoteSaved => words.t("reply-done-fix-note", &[id]),
        Done::FixNoteSkipped => words.t("reply-done-fix-note-skipped", &[id]),
        Done::FixNoteEdited => words.t("reply-done-fix-note-edited", &[id]),
    }
}

fn knowledge_text(
    words: &Words<'_>,
    query: &str,
    hits: &[crate::knowledge::Hit],
    platform: crate::engine::Platform,
) -> String {
    let query = ("query", FluentValue::from(words.markup.escape(query)));
    if hits.is_empty() {
        return words.t("kb-none", &[query]);
    }
    let mut text = words.t("kb-title", &[query]);
    for hit in hits {
        let line = render::FixLine {
            incident: hit.incident,
            title: &hit.title,
            severity: &hit.severity,
            team: &hit.team,
            written_at: hit.written_at,
            channel: hit.thread.as_ref().map(|thread| thread.channel.as_str()),
        };
        text.push('\n');
        text.push_str(&render::fix_line(words, platform, &line));
    }
    text
}

/// User text echoed in an error: one line, no markup characters, at most 40 characters.
fn echo(text: &str, markup: &dyn Markup) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '`'))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .take(40)
        .collect();
    markup.escape(cleaned.trim())
}

fn parse_error_text(
    words: &Words<'_>,
    policy: &Policy,
    error: &ParseError,
    markup: &dyn Markup,
) -> String {
    let text = |value: &str| FluentValue::from(echo(value, markup));
    match &error.kind {
        ParseErrorKind::UnknownVerb {
            verb,
            suggestion: Some(suggestion),
        } => words.t(
            "parse-unknown-verb-suggest",
            &[("text", text(verb)), ("suggestion", text(suggestion))],
        ),
        ParseErrorKind::UnknownVerb { verb, .. } => {
            words.t("parse-unknown-verb", &[("text", text(verb))])
        }
        ParseErrorKind::MissingSummary { severity } => words.t(
            "parse-missing-summary",
            &[("severity", text(severity.as_str()))],
        ),
        ParseErrorKind::MissingArgument { verb, expected } => words.t(
            "parse-missing-argument",
            &[
                ("verb", verb.as_str().into()),
                ("expected", expected.as_str().into()),
                ("usage", verb.usage().into()),
            ],
        ),
        ParseErrorKind::NotAnIncident { text: word, .. } => {
            words.t("parse-not-an-incident", &[("text", text(word))])
        }
        ParseErrorKind::UnknownSeverity {
            text: word,
            suggestion: Some(suggestion),
        } => words.t(
            "parse-unknown-severity-suggest",
            &[
                ("text", text(word)),
                ("suggestion", text(suggestion.as_str())),
            ],
        ),
        ParseErrorKind::UnknownSeverity { text: word, .. } => {
            let known = words.list(policy.severities.iter().map(|s| words.severity(&s.id)));
            words.t(
                "parse-unknown-severity",
                &[("text", text(word)), ("known", known.into())],
            )
        }
        ParseErrorKind::NotAUser { text: word } => {
            words.t("parse-not-a-user", &[("text", text(word))])
        }
        ParseErrorKind::NotADateTime { text: word } => {
            words.t("parse-not-a-date-time", &[("text", text(word))])
        }
        ParseErrorKind::TrailingInput { verb, text: rest } => words.t(
            "parse-trailing-input",
            &[
                ("verb", verb.as_str().into()),
                ("text", text(rest)),
                ("usage", verb.usage().into()),
            ],
        ),
    }
}
