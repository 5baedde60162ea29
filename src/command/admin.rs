//! Admin commands: the live policy, shown and changed in chat.
//!
//! ```text
//! admin show                          Admin(Show)       the live policy
//! admin audit [n]                     Admin(Audit)      the latest n changes (10)
//! admin deputy <person> <user|none>   Admin(Deputy)     set or clear a deputy
//! admin holder <team|all> <position> <user…>   Admin(Holders)   who holds a position
//! admin admins add|remove <user>      Admin(Admins)     add or remove an admin
//! admin emoji ack|resolve <name…>     Admin(Emoji)      replace reaction emoji
//! admin step add <sev> <team|default> <n> <position|@user> [options]   insert a step
//! admin step set <sev> <team|default> <n> <options>                    change its timing
//! admin step remove <sev> <team|default> <n>                           remove a step
//! admin step move <sev> <team|default> <n> <m>                         move step n to m
//! admin reload                        Admin(Reload)     make bot-config/ the live policy
//! admin export                        Admin(Export)     the live policy as bot-config/ files
//! ```
//!
//! Step options, in any order: `means thread,dm,channel,webhook:NAME`, `ack 5m`,
//! `repages 2`, `every 2m`. A new step without them is paged by thread and direct
//! message and has 10 minutes. `default` names the severity's default path.
//!
//! Only admins may run these; the caller checks that before anything else.

use super::error::{Expected, ParseError, ParseErrorKind};
use super::reassign::user_arg;
use super::token::Tokens;
use super::{Command, UserArg, Verb};

/// How many audit records `admin audit` shows by default.
pub const DEFAULT_AUDIT: usize = 10;

/// What `admin` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admin {
    /// Show the live policy.
    Show,
    /// Show the latest audit records.
    Audit {
        /// How many.
        n: usize,
    },
    /// Set or clear a person's deputy.
    Deputy {
        /// Whose deputy.
        person: UserArg,
        /// The new deputy; `None` clears it.
        deputy: Option<UserArg>,
    },
    /// Replace who holds a position in a team, or company-wide with `all`.
    Holders {
        /// The team as typed; `None` for `all`.
        team: Option<String>,
        /// The position as typed.
        position: String,
        /// The new holders.
        users: Vec<UserArg>,
    },
    /// Add or remove an admin.
    Admins {
        /// `true` to add, `false` to remove.
        is_add: bool,
        /// Who.
        user: UserArg,
    },
    /// Replace the emoji that acknowledge or resolve.
    Emoji {
        /// `true` for the acknowledging emoji, `false` for the resolving ones.
        is_ack: bool,
        /// The names, with any colons around them removed.
        names: Vec<String>,
    },
    /// Change one step of a path.
    Step {
        /// The severity as typed.
        severity: String,
        /// The team as typed; `None` for `default`.
        team: Option<String>,
        /// What to do with the step.
        edit: StepEdit,
    },
    /// Make `bot-config/` the live policy again.
    Reload,
    /// The live policy as `bot-config/` files.
    Export,
}

/// What `admin step` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepEdit {
    /// Insert a step at `at` (1-based).
    Add {
        /// Its place.
        at: usize,
        /// Whom it pages.
        target: StepTarget,
        /// Its means and timing.
        options: StepOptions,
    },
    /// Change the timing or means of step `at`.
    Set {
        /// The step.
        at: usize,
        /// What changes.
        options: StepOptions,
    },
    /// Remove step `at`.
    Remove {
        /// The step.
        at: usize,
    },
    /// Move step `from` to place `to`.
    Move {
        /// The step.
        from: usize,
        /// Its new place.
        to: usize,
    },
}

/// Whom a new step pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepTarget {
    /// Everyone holding a position, as typed.
    Position(String),
    /// One person.
    Person(UserArg),
}

/// Step options as typed; `None` leaves a value as it is (or at its default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepOptions {
    /// `means`: the means, split at commas.
    pub means: Option<Vec<String>>,
    /// `ack`: the ack deadline.
    pub ack_within: Option<String>,
    /// `repages`: how many re-pages.
    pub repages: Option<u32>,
    /// `every`: the time between re-pages.
    pub repage_every: Option<String>,
}

/// Parses what follows `admin`.
pub(crate) fn parse(mut args: Tokens<'_>) -> Result<Command, ParseError> {
    let Some(word) = args.take() else {
        return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end()));
    };
    let admin = match word.text.to_ascii_lowercase().as_str() {
        "show" => Admin::Show,
        "audit" => {
            let n = match args.peek().map(|word| (word, word.text.parse::<usize>())) {
                Some((_, Ok(n))) if n > 0 => {
                    args.take();
                    n
                }
                _ => DEFAULT_AUDIT,
            };
            Admin::Audit { n }
        }
        "deputy" => {
            let missing = |position| ParseError::missing(Verb::Admin, Expected::User, position);
            let person = user_arg(args.take().ok_or_else(|| missing(args.end()))?)?;
            let Some(word) = args.take() else {
                return Err(missing(args.end()));
            };
            let deputy = if word.text.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(user_arg(word)?)
            };
            Admin::Deputy { person, deputy }
        }
        "holder" => {
            let missing = |position| ParseError::missing(Verb::Admin, Expected::Text, position);
            let team = args.take().ok_or_else(|| missing(args.end()))?;
            let position = args.take().ok_or_else(|| missing(args.end()))?;
            let mut users = Vec::new();
            while let Some(word) = args.take() {
                users.push(user_arg(word)?);
            }
            if users.is_empty() {
                return Err(ParseError::missing(Verb::Admin, Expected::User, args.end()));
            }
            Admin::Holders {
                team: (!team.text.eq_ignore_ascii_case("all")).then(|| team.text.to_owned()),
                position: position.text.to_owned(),
                users,
            }
        }
        "admins" => {
            let is_add = match args.take() {
                Some(word) if word.text.eq_ignore_ascii_case("add") => true,
                Some(word) if word.text.eq_ignore_ascii_case("remove") => false,
                Some(word) => return Err(unexpected(word.text, word.position)),
                None => return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end())),
            };
            let Some(word) = args.take() else {
                return Err(ParseError::missing(Verb::Admin, Expected::User, args.end()));
            };
            Admin::Admins {
                is_add,
                user: user_arg(word)?,
            }
        }
        "emoji" => {
            let is_ack = match args.take() {
                Some(word) if word.text.eq_ignore_ascii_case("ack") => true,
                Some(word) if word.text.eq_ignore_ascii_case("resolve") => false,
                Some(word) => return Err(unexpected(word.text, word.position)),
                None => return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end())),
            };
            let mut names = Vec::new();
            while let Some(word) = args.take() {
                names.push(word.text.trim_matches(':').to_owned());
            }
            if names.is_empty() {
                return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end()));
            }
            Admin::Emoji { is_ack, names }
        }
        "step" => step(&mut args)?,
        "reload" => Admin::Reload,
        "export" => Admin::Export,
        _ => {
            let kind = ParseErrorKind::TrailingInput {
                verb: Verb::Admin,
                text: word.text.to_owned(),
            };
            return Err(ParseError::new(kind, word.position));
        }
    };
    args.finish(Verb::Admin)?;
    Ok(Command::Admin(admin))
}

/// Parses what follows `admin step`.
fn step(args: &mut Tokens<'_>) -> Result<Admin, ParseError> {
    let missing = |position| ParseError::missing(Verb::Admin, Expected::Text, position);
    let action = args.take().ok_or_else(|| missing(args.end()))?;
    let severity = args.take().ok_or_else(|| missing(args.end()))?;
    let team = args.take().ok_or_else(|| missing(args.end()))?;
    let at = number(args)?;
    let edit = match action.text.to_ascii_lowercase().as_str() {
        "add" => {
            let word = args.take().ok_or_else(|| missing(args.end()))?;
            let target = if word.text.starts_with('<') || word.text.starts_with('@') {
                StepTarget::Person(user_arg(word)?)
            } else {
                StepTarget::Position(word.text.to_owned())
            };
            let options = step_options(args)?;
            StepEdit::Add {
                at,
                target,
                options,
            }
        }
        "set" => {
            let options = step_options(args)?;
            if options == StepOptions::default() {
                return Err(missing(args.end()));
            }
            StepEdit::Set { at, options }
        }
        "remove" => StepEdit::Remove { at },
        "move" => StepEdit::Move {
            from: at,
            to: number(args)?,
        },
        _ => return Err(unexpected(action.text, action.position)),
    };
    Ok(Admin::Step {
        severity: severity.text.to_owned(),
        team: (!team.text.eq_ignore_ascii_case("default")).then(|| team.text.to_owned()),
        edit,
    })
}

/// A step number (1 or more).
fn number(args: &mut Tokens<'_>) -> Result<usize, ParseError> {
    let Some(word) = args.take() else {
        return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end()));
    };
    match word.text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(unexpected(word.text, word.position)),
    }
}

/// `means …`, `ack …`, `repages …` and `every …`, in any order, to the end.
fn step_options(args: &mut Tokens<'_>) -> Result<StepOptions, ParseError> {
    let mut options = StepOptions::default();
    while let Some(key) = args.take() {
        let Some(value) = args.take() else {
            return Err(ParseError::missing(Verb::Admin, Expected::Text, args.end()));
        };
        match key.text.to_ascii_lowercase().as_str() {
            "means" => {
                let means = value.text.split(',').filter(|m| !m.is_empty());
                options.means = Some(means.map(str::to_owned).collect());
            }
            "ack" => options.ack_within = Some(value.text.to_owned()),
            "every" => options.repage_every = Some(value.text.to_owned()),
            "repages" => match value.text.parse::<u32>() {
                Ok(n) => options.repages = Some(n),
                Err(_) => return Err(unexpected(value.text, value.position)),
            },
            _ => return Err(unexpected(key.text, key.position)),
        }
    }
    Ok(options)
}

/// A word that is not one of the subcommand's keywords.
fn unexpected(text: &str, position: usize) -> ParseError {
    let kind = ParseErrorKind::TrailingInput {
        verb: Verb::Admin,
        text: text.to_owned(),
    };
    ParseError::new(kind, position)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn admin_grammar() {
        let name = |text: &str| UserArg::Name(text.to_owned());
        for (text, expected) in [
            ("admin show", Ok(Command::Admin(Admin::Show))),
            ("ADMIN audit", Ok(Command::Admin(Admin::Audit { n: 10 }))),
            ("admin audit 3", Ok(Command::Admin(Admin::Audit { n: 3 }))),
            (
                "admin deputy alice @carol",
                Ok(Command::Admin(Admin::Deputy {
                    person: name("alice"),
                    deputy: Some(name("carol")),
                })),
            ),
            (
                "admin deputy alice none",
                Ok(Command::Admin(Admin::Deputy {
                    person: name("alice"),
                    deputy: None,
                })),
            ),
            (
                "admin admins add <@UFRANK>",
                Ok(Command::Admin(Admin::Admins {
                    is_add: true,
                    user: UserArg::Mention(crate::command::UserMention {
                        id: "UFRANK".to_owned(),
                        label: None,
                    }),
                })),
            ),
            (
                "admin emoji resolve :heavy_check_mark: white_check_mark",
                Ok(Command::Admin(Admin::Emoji {
                    is_ack: false,
                    names: vec!["heavy_check_mark".to_owned(), "white_check_mark".to_owned()],
                })),
            ),
            (
                "admin holder payments team-lead bob @carol",
                Ok(Command::Admin(Admin::Holders {
                    team: Some("payments".to_owned()),
                    position: "team-lead".to_owned(),
                    users: vec![name("bob"), name("carol")],
                })),
            ),
            (
                "admin step add sev1 payments 2 @bob means dm ack 3m",
                Ok(Command::Admin(Admin::Step {
                    severity: "sev1".to_owned(),
                    team: Some("payments".to_owned()),
                    edit: StepEdit::Add {
                        at: 2,
                        target: StepTarget::Person(name("bob")),
                        options: StepOptions {
                            means: Some(vec!["dm".to_owned()]),
                            ack_within: Some("3m".to_owned()),
                            ..StepOptions::default()
                        },
                    },
                })),
            ),
            (
                "admin step set sev2 default 1 repages 2 every 1m",
                Ok(Command::Admin(Admin::Step {
                    severity: "sev2".to_owned(),
                    team: None,
                    edit: StepEdit::Set {
                        at: 1,
                        options: StepOptions {
                            repages: Some(2),
                            repage_every: Some("1m".to_owned()),
                            ..StepOptions::default()
                        },
                    },
                })),
            ),
            (
                "admin step move sev1 payments 3 1",
                Ok(Command::Admin(Admin::Step {
                    severity: "sev1".to_owned(),
                    team: Some("payments".to_owned()),
                    edit: StepEdit::Move { from: 3, to: 1 },
                })),
            ),
            ("admin reload", Ok(Command::Admin(Admin::Reload))),
            ("admin export", Ok(Command::Admin(Admin::Export))),
            (
                "admin step remove sev1 payments zero",
                Err(unexpected("zero", 32)),
            ),
            (
                "admin step set sev1 payments 1",
                Err(ParseError::missing(Verb::Admin, Expected::Text, 30)),
            ),
            (
                "admin holder all cto",
                Err(ParseError::missing(Verb::Admin, Expected::User, 20)),
            ),
            (
                "admin emoji wave",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Admin,
                        text: "wave".to_owned(),
                    },
                    12,
                )),
            ),
            (
                "admin",
                Err(ParseError::missing(Verb::Admin, Expected::Text, 5)),
            ),
            (
                "admin deputy alice",
                Err(ParseError::missing(Verb::Admin, Expected::User, 18)),
            ),
            (
                "admin severity add",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Admin,
                        text: "severity".to_owned(),
                    },
                    6,
                )),
            ),
            (
                "admin audit 3 more",
                Err(ParseError::new(
                    ParseErrorKind::TrailingInput {
                        verb: Verb::Admin,
                        text: "more".to_owned(),
                    },
                    14,
                )),
            ),
        ] {
            assert_eq!(parse(text, &[]), expected, "{text:?}");
        }
    }
}
