//! The `/escalate` command: the text a user typed, turned into a [`Command`].
//!
//! Slack and Discord both hand over one line of text after `/escalate`. [`parse`] reads
//! it without touching the store or the platform; the caller then resolves what is left
//! open: which incident a command without an id means (the thread it was typed in), who
//! a [`UserArg::Name`] is, and whether the user may do it.
//!
//! Grammar. Verbs ignore ASCII case; words are separated by any Unicode whitespace,
//! non-breaking spaces included; free text (summary, update, query, raw arguments) is
//! kept verbatim from its first word to its last.
//!
//! ```text
//! (empty)                                     OpenModal         this module
//! <severity> <summary…>                       Escalate          escalate.rs
//! help                                        Help              help.rs
//! ack | resolve | cancel | status | follow
//!     | why   [incident]                      Ack, …, Why       lifecycle.rs
//! update [incident] <text…>                   Update            update.rs
//! reassign [incident] <user>                  Reassign          reassign.rs
//! severity [incident] <severity>              Severity          severity.rs
//! kb <query…> | criteria                      Kb, Criteria      later.rs
//! kb edit [incident] | kb skip [incident] <reason…>
//!                                             KbEdit, KbSkip    later.rs
//! away [user] [from <when>] until <when> …   Away              away.rs
//! stats [period] [team]                     Stats             stats.rs
//! admin show | audit [n] | deputy …         Admin             admin.rs
//! ```
//!
//! Every verb has a settled grammar in its own module; `kb` and `criteria` share
//! later.rs.
//!
//! A verb wins over a severity of the same name, so a configuration check should reject
//! severity ids spelled like one of [`Verb::ALL`].

mod admin;
mod away;
mod error;
mod escalate;
mod help;
mod later;
mod lifecycle;
mod markup;
mod reassign;
mod severity;
mod stats;
mod token;
mod update;

use std::fmt;

use crate::engine::{IncidentId, SeverityId};

pub use admin::{Admin, StepEdit, StepOptions, StepTarget};
pub use away::Away;
pub use error::{Expected, ParseError, ParseErrorKind};
pub use markup::{display_text, Markup, UserMention};
pub use reassign::UserArg;

use token::Tokens;

/// What a user asked for with `/escalate`.
///
/// An `incident` of `None` means the incident of the thread the command was typed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Nothing after `/escalate`: open the modal with the severity picker.
    OpenModal,
    /// Open an incident.
    Escalate {
        /// The configured severity, spelled as configured.
        severity: SeverityId,
        /// The reporter's words, trimmed, with the platform's escapes left in place
        /// (see [`display_text`]).
        summary: String,
    },
    /// Show the commands and the severities with their criteria.
    Help,
    /// Take the incident over.
    Ack {
        /// Which incident.
        incident: Option<IncidentId>,
    },
    /// Mark the incident fixed.
    Resolve {
        /// Which incident.
        incident: Option<IncidentId>,
    },
    /// Withdraw the incident.
    Cancel {
        /// Which incident.
        incident: Option<IncidentId>,
    },
    /// Show where the incident stands.
    Status {
        /// Which incident.
        incident: Option<IncidentId>,
    },
    /// Be kept informed of the incident.
    Follow {
        /// Which incident.
        incident: Option<IncidentId>,
    },
    /// Post a status update to the incident and its followers.
    Update {
        /// Which incident.
        incident: Option<IncidentId>,
        /// The update, trimmed, escapes left in place.
        text: String,
    },
    /// Hand the incident to someone else.
    Reassign {
        /// Which incident.
        incident: Option<IncidentId>,
        /// The new assignee.
        user: UserArg,
    },
    /// Change the incident's severity.
    Severity {
        /// Which incident.
        incident: Option<IncidentId>,
        /// The new severity, spelled as configured.
        severity: SeverityId,
    },
    /// Search the fix notes.
    Kb {
        /// The search words, trimmed, escapes left in place.
        query: String,
    },
    /// Edit the incident's fix note (its author and admins).
    KbEdit {
        /// Which incident.
        incident: Option<IncidentId>,
    },
    /// Close a resolved incident with nothing to note, saying why.
    KbSkip {
        /// Which incident.
        incident: Option<IncidentId>,
        /// Why there is nothing to note, trimmed, escapes left in place.
        reason: String,
    },
    /// Explain why the incident paged whom it paged.
    Why {
        /// Which incident.
        incident: Option<IncidentId>,
    },
    /// Show the criteria of every severity.
    Criteria,
    /// Show where escalations stall.
    Stats {
        /// How far back to look; `None` for all time.
        since: Option<std::time::Duration>,
        /// Only this team, as typed.
        team: Option<String>,
    },
    /// Mark someone away, or list or cancel their absences.
    Away(Away),
    /// Show or change the live policy.
    Admin(Admin),
}

/// The words `/escalate` understands before any argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `help`
    Help,
    /// `ack`
    Ack,
    /// `resolve`
    Resolve,
    /// `cancel`
    Cancel,
    /// `status`
    Status,
    /// `follow`
    Follow,
    /// `update`
    Update,
    /// `reassign`
    Reassign,
    /// `severity`
    Severity,
    /// `kb`
    Kb,
    /// `why`
    Why,
    /// `criteria`
    Criteria,
    /// `stats`
    Stats,
    /// `away`
    Away,
    /// `admin`
    Admin,
}

impl Verb {
    /// Every verb, in the order help lists them.
    pub const ALL: [Verb; 15] = [
        Verb::Help,
        Verb::Ack,
        Verb::Resolve,
        Verb::Cancel,
        Verb::Status,
        Verb::Follow,
        Verb::Update,
        Verb::Reassign,
        Verb::Severity,
        Verb::Kb,
        Verb::Why,
        Verb::Criteria,
        Verb::Stats,
        Verb::Away,
        Verb::Admin,
    ];

    /// The verb as typed, in lowercase.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Help => "help",
            Verb::Ack => "ack",
            Verb::Resolve => "resolve",
            Verb::Cancel => "cancel",
            Verb::Status => "status",
            Verb::Follow => "follow",
            Verb::Update => "update",
            Verb::Reassign => "reassign",
            Verb::Severity => "severity",
            Verb::Kb => "kb",
            Verb::Why => "why",
            Verb::Criteria => "criteria",
            Verb::Stats => "stats",
            Verb::Away => "away",
            Verb::Admin => "admin",
        }
    }

    /// How the command is written after `/escalate`, with placeholders that are valid
    /// chat markup (no angle brackets).
    pub fn usage(self) -> &'static str {
        match self {
            Verb::Help => "help",
            Verb::Ack => "ack [INC-42]",
            Verb::Resolve => "resolve [INC-42]",
            Verb::Cancel => "cancel [INC-42]",
            Verb::Status => "status [INC-42]",
            Verb::Follow => "follow [INC-42]",
            Verb::Update => "update [INC-42] what changed",
            Verb::Reassign => "reassign [INC-42] @person",
            Verb::Severity => "severity [INC-42] severity",
            Verb::Kb => "kb search words",
            Verb::Why => "why [INC-42]",
            Verb::Criteria => "criteria",
            Verb::Stats => "stats [30d] [team]",
            Verb::Away => "away [@person] [from 2026-12-20] until 2026-12-24 [reason]",
            Verb::Admin => "admin show | audit [n] | deputy person deputy | holder team position people | admins add|remove person | emoji ack|resolve names | step add|set|remove|move … | reload | export",
        }
    }

    /// The verb a word names, ignoring ASCII case.
    pub fn from_word(word: &str) -> Option<Verb> {
        Verb::ALL
            .into_iter()
            .find(|verb| verb.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses the text after `/escalate`.
///
/// `known_severities` are the configured severity ids; a severity word matches one of
/// them ignoring ASCII case, and a bare number `N` matches `sevN` when that exists.
pub fn parse(text: &str, known_severities: &[SeverityId]) -> Result<Command, ParseError> {
    let mut args = Tokens::new(text);
    let Some(first) = args.take() else {
        return Ok(Command::OpenModal);
    };

    if let Some(verb) = Verb::from_word(first.text) {
        return parse_verb(verb, args, known_severities);
    }
    if let Some(severity) = severity::find(first.text, known_severities) {
        return escalate::parse(severity, args);
    }

    let candidates = Verb::ALL
        .iter()
        .map(|verb| verb.as_str())
        .chain(known_severities.iter().map(SeverityId::as_str));
    let kind = ParseErrorKind::UnknownVerb {
        verb: first.text.to_owned(),
        suggestion: error::closest(first.text, candidates).map(str::to_owned),
    };
    Err(ParseError::new(kind, first.position))
}

/// Hands the words after a verb to that verb's parser.
fn parse_verb(verb: Verb, args: Tokens<'_>, known: &[SeverityId]) -> Result<Command, ParseError> {
    let on_incident = |args| lifecycle::parse(verb, args);
    match verb {
        Verb::Help => help::parse(args),
        Verb::Ack => on_incident(args).map(|incident| Command::Ack { incident }),
        Verb::Resolve => on_incident(args).map(|incident| Command::Resolve { incident }),
        Verb::Cancel => on_incident(args).map(|incident| Command::Cancel { incident }),
        Verb::Status => on_incident(args).map(|incident| Command::Status { incident }),
        Verb::Follow => on_incident(args).map(|incident| Command::Follow { incident }),
        Verb::Why => on_incident(args).map(|incident| Command::Why { incident }),
        Verb::Update => update::parse(args),
        Verb::Reassign => reassign::parse(args),
        Verb::Severity => severity::parse(args, known),
        Verb::Kb => later::parse_kb(args),
        Verb::Criteria => later::parse_criteria(args),
        Verb::Stats => stats::parse(args),
        Verb::Away => away::parse(args),
        Verb::Admin => admin::parse(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn severities() -> Vec<SeverityId> {
        ["sev1", "sev2"].map(SeverityId::from).to_vec()
    }

    #[test]
    fn the_first_word_picks_modal_verb_or_severity() {
        let cases = [
            ("", Ok(Command::OpenModal)),
            (" \u{a0}\t\n", Ok(Command::OpenModal)),
            ("HeLp", Ok(Command::Help)),
            ("ACK", Ok(Command::Ack { incident: None })),
            (
                "sev2 disk full",
                Ok(Command::Escalate {
                    severity: "sev2".into(),
                    summary: "disk full".to_owned(),
                }),
            ),
            (
                "  hlep",
                Err(ParseError::new(
                    ParseErrorKind::UnknownVerb {
                        verb: "hlep".to_owned(),
                        suggestion: Some("help".to_owned()),
                    },
                    2,
                )),
            ),
            (
                "sev3 disk full",
                Err(ParseError::new(
                    ParseErrorKind::UnknownVerb {
                        verb: "sev3".to_owned(),
                        suggestion: Some("sev1".to_owned()),
                    },
                    0,
                )),
            ),
            (
                "the database is down",
                Err(ParseError::new(
                    ParseErrorKind::UnknownVerb {
                        verb: "the".to_owned(),
                        suggestion: None,
                    },
                    0,
                )),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text, &severities()), expected, "{text:?}");
        }
    }

    #[test]
    fn every_verb_reads_back_from_its_name() {
        for verb in Verb::ALL {
            assert_eq!(Verb::from_word(verb.as_str()), Some(verb));
            assert_eq!(Verb::from_word(&verb.as_str().to_uppercase()), Some(verb));
            assert!(!verb.usage().contains(['<', '>']), "{verb}");
        }
        assert_eq!(Verb::from_word("acknowledge"), None);
    }
}
