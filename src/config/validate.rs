//! Turns the parsed files into `Settings` and `Policy`, checking every rule on the way.
//!
//! Checks run in dependency order (settings, teams, people, severities, then the rules
//! that need the whole policy) and keep going after a problem, so one run reports
//! everything. A value that failed its own check is left out of what later checks see,
//! which keeps one mistake from being reported many times over.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use toml::Spanned;

use super::error::{ConfigError, ConfigErrors};
use super::raw::{self, Source};
use super::{
    Config, DiscordSettings, HttpSettings, Settings, ShutdownSettings, SlackMode, SlackSettings,
    StorageSettings, WebhookSource, LOCALES, PEOPLE_FILE, SETTINGS_FILE, SEVERITIES_FILE,
    TEAMS_FILE,
};
use crate::engine::policy::{Person, Policy, Step, Webhook};
use crate::engine::{PersonId, SeverityId, TeamId};

/// The four files, read and parsed.
struct Files {
    settings: (Source, raw::SettingsFile),
    teams: (Source, raw::TeamsFile),
    people: (Source, raw::PeopleFile),
    severities: (Source, raw::SeveritiesFile),
}

pub(crate) fn load(dir: &Path) -> Result<Config, ConfigErrors> {
    check_files(dir, read_files(dir)?)
}

/// Checks the four files given as `(name, text)` as if they were in `dir`.
pub(crate) fn load_texts(dir: &Path, texts: &[(&str, String)]) -> Result<Config, ConfigErrors> {
    let mut errors = Vec::new();
    let parsed = |name: &str| -> Option<Source> {
        let text = texts.iter().find(|(file, _)| *file == name)?.1.clone();
        Some(Source {
            path: dir.join(name),
            text,
        })
    };
    let sources = (
        parsed(SETTINGS_FILE),
        parsed(TEAMS_FILE),
        parsed(PEOPLE_FILE),
        parsed(SEVERITIES_FILE),
    );
    let (Some(settings), Some(teams), Some(people), Some(severities)) = sources else {
        let error = ConfigError::without_location(dir, "", "a config file is missing");
        return Err(ConfigErrors(vec![error]));
    };
    let settings = parse_one(settings, &mut errors);
    let teams = parse_one(teams, &mut errors);
    let people = parse_one(people, &mut errors);
    let severities = parse_one(severities, &mut errors);
    match (settings, teams, people, severities) {
        (Some(settings), Some(teams), Some(people), Some(severities)) => check_files(
            dir,
            Files {
                settings,
                teams,
                people,
                severities,
            },
        ),
        _ => Err(ConfigErrors::sorted(errors)),
    }
}

fn parse_one<T: DeserializeOwned>(
    source: Source,
    errors: &mut Vec<ConfigError>,
) -> Option<(Source, T)> {
    match source.parse::<T>() {
        Ok(parsed) => Some((source, parsed)),
        Err(error) => {
            errors.push(error);
            None
        }
    }
}

fn check_files(dir: &Path, files: Files) -> Result<Config, ConfigErrors> {
    let mut check = Check::default();

    let settings = check.settings(&files.settings, dir);
    let teams = check.teams(&files.teams, &settings);
    let people = check.people(&files.people, &teams);
    check.deputy_cycles(&files.people.0, &files.people.1, &people);
    let (severities, paths) = check.severities(&files.severities, &teams, &people, &settings);
    let policy_table = &files.settings.1.policy;
    let settings_source = &files.settings.0;

    let policy = Policy {
        admins: check.admins(settings_source, &policy_table.admins, &people),
        ack_emoji: check.emoji(
            settings_source,
            policy_table.ack_emoji.as_deref(),
            "ack_emoji",
            &["eyes", "white_check_mark"],
        ),
        resolve_emoji: check.emoji(
            settings_source,
            policy_table.resolve_emoji.as_deref(),
            "resolve_emoji",
            &["heavy_check_mark"],
        ),
        fix_note_reminder_every: check
            .optional_duration(
                settings_source,
                policy_table.fix_note_reminder_every.as_ref(),
                "policy.fix_note_reminder_every",
            )
            .unwrap_or(Duration::from_secs(4 * 3600)),
        criteria_review_every: check
            .optional_duration(
                settings_source,
                policy_table.criteria_review_every.as_ref(),
                "policy.criteria_review_every",
            )
            .unwrap_or(Duration::from_secs(90 * 86400)),
        default_locale: check.default_locale(settings_source, policy_table.default_locale.as_ref()),
        webhooks: settings
            .webhooks
            .iter()
            .filter_map(|(name, source)| match source {
                WebhookSource::Url(url) => Some((name.clone(), Webhook { url: url.clone() })),
                WebhookSource::Env(_) => None,
            })
            .collect(),
        teams,
        people,
        severities,
    };
    check.emoji_overlap(settings_source, policy_table, &policy);
    check.paths(&files.severities.0, &paths, &policy);
    check.accounts(&files.people, &paths, &policy, &settings);

    if !check.errors.is_empty() {
        return Err(ConfigErrors::sorted(check.errors));
    }
    Ok(Config {
        dir: dir.to_path_buf(),
        settings,
        policy,
    })
}

fn read_files(dir: &Path) -> Result<Files, ConfigErrors> {
    let mut errors = Vec::new();
    let settings = read_one(dir, SETTINGS_FILE, &mut errors);
    let teams = read_one(dir, TEAMS_FILE, &mut errors);
    let people = read_one(dir, PEOPLE_FILE, &mut errors);
    let severities = read_one(dir, SEVERITIES_FILE, &mut errors);
    match (settings, teams, people, severities) {
        (Some(settings), Some(teams), Some(people), Some(severities)) => Ok(Files {
            settings,
            teams,
            people,
            severities,
        }),
        _ => Err(ConfigErrors::sorted(errors)),
    }
}

fn read_one<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<(Source, T)> {
    let source = Source::read(dir, name)
        .map_err(|error| errors.push(error))
        .ok()?;
    parse_one(source, errors)
}

/// A path as written, with what validation needs to point back at it.
pub(crate) struct CheckedPath {
    severity: SeverityId,
    /// `severity[sev1].path[payments]`.
    field: String,
    /// The team it is for; `None` for the default path.
    team: Option<TeamId>,
    /// Whether `team` names a configured team (always true for the default path).
    is_known_team: bool,
    steps: Vec<CheckedStep>,
}

/// A step as written: the step when it is valid, and spans for errors.
pub(crate) struct CheckedStep {
    field: String,
    step: Option<Step>,
    span: Range<usize>,
    position_span: Option<Range<usize>>,
}

#[derive(Default)]
struct Check {
    errors: Vec<ConfigError>,
}

fn is_id(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn is_env_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn text_or<'a>(value: Option<&'a Spanned<String>>, default: &'a str) -> &'a str {
    value.map_or(default, |value| value.get_ref().as_str())
}

impl Check {
    fn push(&mut self, error: ConfigError) {
        self.errors.push(error);
    }

    fn id(&mut self, source: &Source, value: &Spanned<String>, field: &str) {
        if !is_id(value.get_ref()) {
            self.push(source.error(
                value.span(),
                field,
                format!(
                    "`{}` is not a valid id: use lowercase letters, digits, `-` and `_`",
                    value.get_ref()
                ),
            ));
        }
    }

    fn non_empty(&mut self, source: &Source, value: &Spanned<String>, field: &str) {
        if value.get_ref().trim().is_empty() {
            self.push(source.error(value.span(), field, "must not be empty"));
        }
    }

    fn duration(
        &mut self,
        source: &Source,
        value: &Spanned<String>,
        field: &str,
    ) -> Option<Duration> {
        match humantime::parse_duration(value.get_ref().trim()) {
            Ok(duration) if duration.is_zero() => {
                self.push(source.error(
                    value.span(),
                    field,
                    "the duration must be longer than zero",
                ));
                None
            }
            Ok(duration) => Some(duration),
            Err(error) => {
                self.push(source.error(
                    value.span(),
                    field,
                    format!(
                        "`{}` is not a duration ({error}); write e.g. \"90s\", \"5m\", \"1h 30m\"",
                        value.get_ref()
                    ),
                ));
                None
            }
        }
    }

    fn optional_duration(
        &mut self,
        source: &Source,
        value: Option<&Spanned<String>>,
        field: &str,
    ) -> Option<Duration> {
        self.duration(source, value?, field)
    }

    fn locale(&mut self, source: &Source, value: &Spanned<String>, field: &str) -> Option<String> {
        if LOCALES.contains(&value.get_ref().as_str()) {
            return Some(value.get_ref().clone());
        }
        self.push(source.error(
            value.span(),
            field,
            format!(
                "unknown locale `{}`; known locales: {}",
                value.get_ref(),
                LOCALES.join(", ")
            ),
        ));
        None
    }

    fn url(
        &mut self,
        source: &Source,
        value: Option<&Spanned<String>>,
        field: &str,
        default: &str,
    ) -> String {
        let Some(value) = value else {
            return default.to_owned();
        };
        let text = value.get_ref().trim().trim_end_matches('/');
        match url::Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => text.to_owned(),
            Ok(_) | Err(_) => {
                self.push(source.error(
                    value.span(),
                    field,
                    format!("`{}` is not an http(s) URL", value.get_ref()),
                ));
                default.to_owned()
            }
        }
    }

    fn env_name(
        &mut self,
        source: &Source,
        value: Option<&Spanned<String>>,
        field: &str,
        default: &str,
    ) -> String {
        let Some(value) = value else {
            return default.to_owned();
        };
        if !is_env_name(value.get_ref()) {
            self.push(source.error(
                value.span(),
                field,
                format!("`{}` is not an environment variable name", value.get_ref()),
            ));
        }
        value.get_ref().clone()
    }

    fn settings(&mut self, (source, file): &(Source, raw::SettingsFile), dir: &Path) -> Settings {
        let slack = file
            .slack
            .as_ref()
            .map(|table| self.slack(source, table.get_ref()));
        let discord = file
            .discord
            .as_ref()
            .map(|table| self.discord(source, table.get_ref()));
        if slack.is_none() && discord.is_none() {
            self.push(source.error(
                0..0,
                "",
                "no chat platform is configured: add a [slack] (or [discord]) table",
            ));
        }
        Settings {
            slack,
            discord,
            storage: self.storage(source, &file.storage, dir),
            http: self.http(source, &file.http),
            shutdown: self.shutdown(source, &file.shutdown),
            webhooks: self.webhooks(source, &file.webhooks),
        }
    }

    fn slack(&mut self, source: &Source, table: &raw::SlackTable) -> SlackSettings {
        let defaults = SlackSettings::default();
        let mode = match table
            .mode
            .as_ref()
            .map(|mode| (mode, mode.get_ref().as_str()))
        {
            None | Some((_, "socket")) => SlackMode::Socket,
            Some((_, "http")) => SlackMode::Http,
            Some((mode, other)) => {
                self.push(source.error(
                    mode.span(),
                    "slack.mode",
                    format!("unknown mode `{other}`; use \"socket\" or \"http\""),
                ));
                SlackMode::Socket
            }
        };
        if let Some(value) = &table.http_listen {
            self.push(source.error(
                value.span(),
                "slack.http_listen",
                "moved: write the address as `listen` in the [http] table, which Slack's \
                 HTTP mode shares with /healthz and /metrics",
            ));
        }
        let command = text_or(table.command.as_ref(), &defaults.command).to_owned();
        if let Some(value) = &table.command {
            if !command.starts_with('/')
                || command.len() < 2
                || command.contains(char::is_whitespace)
            {
                self.push(source.error(
                    value.span(),
                    "slack.command",
                    format!("`{command}` is not a slash command such as \"/escalate\""),
                ));
            }
        }
        SlackSettings {
            mode,
            api_base_url: self.url(
                source,
                table.api_base_url.as_ref(),
                "slack.api_base_url",
                &defaults.api_base_url,
            ),
            bot_token_env: self.env_name(
                source,
                table.bot_token_env.as_ref(),
                "slack.bot_token_env",
                &defaults.bot_token_env,
            ),
            app_token_env: self.env_name(
                source,
                table.app_token_env.as_ref(),
                "slack.app_token_env",
                &defaults.app_token_env,
            ),
            signing_secret_env: self.env_name(
                source,
                table.signing_secret_env.as_ref(),
                "slack.signing_secret_env",
                &defaults.signing_secret_env,
            ),
            command,
        }
    }

    fn discord(&mut self, source: &Source, table: &raw::DiscordTable) -> DiscordSettings {
        let defaults = DiscordSettings::default();
        let mut snowflake = |value: &Option<Spanned<String>>, field: &str| {
            let value = value.as_ref()?;
            if value.get_ref().is_empty() || !value.get_ref().chars().all(|c| c.is_ascii_digit()) {
                self.push(source.error(
                    value.span(),
                    field,
                    format!("`{}` is not a Discord id (digits only)", value.get_ref()),
                ));
            }
            Some(value.get_ref().clone())
        };
        let application_id = snowflake(&table.application_id, "discord.application_id");
        let guild_id = snowflake(&table.guild_id, "discord.guild_id");
        let public_key = table.public_key.as_ref().map(|value| {
            if let Err(problem) =
                crate::adapters::discord::interactions::public_key(value.get_ref())
            {
                self.push(source.error(value.span(), "discord.public_key", problem.to_string()));
            }
            value.get_ref().clone()
        });
        DiscordSettings {
            api_base_url: self.url(
                source,
                table.api_base_url.as_ref(),
                "discord.api_base_url",
                &defaults.api_base_url,
            ),
            token_env: self.env_name(
                source,
                table.token_env.as_ref(),
                "discord.token_env",
                &defaults.token_env,
            ),
            application_id,
            guild_id,
            public_key,
        }
    }

    fn http(&mut self, source: &Source, table: &raw::HttpTable) -> HttpSettings {
        let defaults = HttpSettings::default();
        let Some(value) = &table.listen else {
            return defaults;
        };
        let listen = SocketAddr::from_str(value.get_ref()).unwrap_or_else(|_| {
            self.push(source.error(
                value.span(),
                "http.listen",
                format!(
                    "`{}` is not an address such as \"127.0.0.1:8080\"",
                    value.get_ref()
                ),
            ));
            defaults.listen
        });
        HttpSettings { listen }
    }

    fn shutdown(&mut self, source: &Source, table: &raw::ShutdownTable) -> ShutdownSettings {
        let grace = table
            .grace
            .as_ref()
            .and_then(|value| self.duration(source, value, "shutdown.grace"))
            .unwrap_or(crate::config::DEFAULT_SHUTDOWN_GRACE);
        ShutdownSettings { grace }
    }

    fn storage(
        &mut self,
        source: &Source,
        table: &raw::StorageTable,
        dir: &Path,
    ) -> StorageSettings {
        let defaults = StorageSettings::default();
        if let Some(value) = &table.data_dir {
            self.non_empty(source, value, "storage.data_dir");
        }
        let data_dir = table
            .data_dir
            .as_ref()
            .map_or(defaults.data_dir, |value| value.get_ref().into());
        let cache_mb = match &table.cache_mb {
            Some(value) if *value.get_ref() == 0 => {
                self.push(source.error(value.span(), "storage.cache_mb", "must be at least 1"));
                defaults.cache_mb
            }
            Some(value) => *value.get_ref(),
            None => defaults.cache_mb,
        };
        let snapshot_every = self
            .optional_duration(
                source,
                table.snapshot_every.as_ref(),
                "storage.snapshot_every",
            )
            .unwrap_or(defaults.snapshot_every);
        let snapshots_kept = match &table.snapshots_kept {
            Some(value) if *value.get_ref() == 0 || *value.get_ref() > 10_000 => {
                self.push(source.error(
                    value.span(),
                    "storage.snapshots_kept",
                    "must be between 1 and 10000",
                ));
                defaults.snapshots_kept
            }
            Some(value) => usize::try_from(*value.get_ref()).unwrap_or(defaults.snapshots_kept),
            None => defaults.snapshots_kept,
        };
        StorageSettings {
            data_dir: dir.join(data_dir),
            cache_mb,
            snapshot_every,
            snapshots_kept,
        }
    }

    fn webhooks(
        &mut self,
        source: &Source,
        tables: &BTreeMap<String, Spanned<raw::WebhookTable>>,
    ) -> BTreeMap<String, WebhookSource> {
        let mut webhooks = BTreeMap::new();
        for (name, table) in tables {
            let field = format!("webhooks.{name}");
            if !is_id(name) {
                self.push(source.error(table.span(), &field, format!("`{name}` is not a valid webhook name: use lowercase letters, digits, `-` and `_`")));
            }
            let webhook = match (&table.get_ref().url, &table.get_ref().url_env) {
                (Some(url), None) => {
                    WebhookSource::Url(self.url(source, Some(url), &format!("{field}.url"), ""))
                }
                (None, Some(env)) => WebhookSource::Env(self.env_name(
                    source,
                    Some(env),
                    &format!("{field}.url_env"),
                    "",
                )),
                _ => {
                    self.push(source.error(
                        table.span(),
                        &field,
                        "give exactly one of `url` and `url_env`",
                    ));
                    continue;
                }
            };
            webhooks.insert(name.clone(), webhook);
        }
        webhooks
    }

    fn default_locale(&mut self, source: &Source, value: Option<&Spanned<String>>) -> String {
        value
            .and_then(|value| self.locale(source, value, "policy.default_locale"))
            .unwrap_or_else(|| "en".to_owned())
    }

    fn emoji(
        &mut self,
        source: &Source,
        values: Option<&[Spanned<String>]>,
        key: &str,
        default: &[&str],
    ) -> Vec<String> {
        let Some(values) = values else {
            return default.iter().map(|name| name.to_string()).collect();
        };
        let mut names = Vec::new();
        for (index, value) in values.iter().enumerate() {
            // People copy emoji from Slack with their colons; the name is what matters.
            let name = value.get_ref().trim().trim_matches(':');
            if name.is_empty() || name.contains(char::is_whitespace) {
                self.push(source.error(
                    value.span(),
                    format!("policy.{key}[{index}]"),
                    format!("`{}` is not an emoji name", value.get_ref()),
                ));
                continue;
            }
            names.push(name.to_owned());
        }
        names
    }

    fn emoji_overlap(&mut self, source: &Source, table: &raw::PolicyTable, policy: &Policy) {
        let Some(values) = &table.resolve_emoji else {
            return;
        };
        for (index, value) in values.iter().enumerate() {
            let name = value.get_ref().trim().trim_matches(':');
            if policy.ack_emoji.iter().any(|ack| ack == name) {
                self.push(source.error(
                    value.span(),
                    format!("policy.resolve_emoji[{index}]"),
                    format!("`{name}` is also an ack emoji; one reaction cannot mean both"),
                ));
            }
        }
    }

    fn admins(
        &mut self,
        source: &Source,
        values: &[Spanned<String>],
        people: &BTreeMap<PersonId, Person>,
    ) -> BTreeSet<PersonId> {
        let mut admins = BTreeSet::new();
        for (index, value) in values.iter().enumerate() {
            let id = PersonId::from(value.get_ref().as_str());
            if !people.contains_key(&id) {
                self.push(source.error(
                    value.span(),
                    format!("policy.admins[{index}]"),
                    format!("no person `{id}` in {PEOPLE_FILE}"),
                ));
                continue;
            }
            admins.insert(id);
        }
        admins
    }
}

mod people;

pub(crate) use people::deputy_cycle;
mod severities;
mod teams;
