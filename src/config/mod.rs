//! The `bot-config/` folder: platform settings, teams, people and severities.
//!
//! [`Config::load`] reads the four TOML files, rejects unknown keys, checks every
//! reference and rule it can, and builds the typed [`Settings`] and the engine's
//! [`Policy`]. It reports every problem it finds, each naming the file, line, column and
//! field. Secrets are never in the files: the settings name environment variables, read
//! with [`SlackSettings::secrets`] and [`DiscordSettings::token`] when the bot starts.
//!
//! `bot-config/README.md` documents every key.

pub mod change;
pub mod describe;
mod error;
pub mod export;
mod raw;
mod validate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;

use crate::engine::policy::{Policy, Webhook};
use crate::engine::Platform;

pub use error::{ConfigError, ConfigErrors, Location};

/// The file with platform, storage and policy-wide settings.
pub const SETTINGS_FILE: &str = "escalator.toml";
/// The file with teams and their channels.
pub const TEAMS_FILE: &str = "teams.toml";
/// The file with people, positions and deputies.
pub const PEOPLE_FILE: &str = "people.toml";
/// The file with severities, criteria and paths.
pub const SEVERITIES_FILE: &str = "severities.toml";

/// The locales messages exist in.
pub const LOCALES: &[&str] = &["en", "ko"];

/// A loaded and validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The config folder, as given.
    pub dir: PathBuf,
    /// Platform, storage and webhook settings.
    pub settings: Settings,
    /// The escalation policy. Its `webhooks` hold only the webhooks configured with a
    /// literal `url` until [`Config::resolve_webhooks`] adds the `url_env` ones.
    pub policy: Policy,
}

/// Everything from `escalator.toml` that is not policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Slack, when configured.
    pub slack: Option<SlackSettings>,
    /// Discord, when configured.
    pub discord: Option<DiscordSettings>,
    /// Where data is kept.
    pub storage: StorageSettings,
    /// The HTTP listener: health, readiness, metrics and Slack's HTTP mode.
    pub http: HttpSettings,
    /// How a requested stop treats deliveries in flight.
    pub shutdown: ShutdownSettings,
    /// Where each webhook's URL comes from, by name.
    pub webhooks: BTreeMap<String, WebhookSource>,
}

/// Slack's Web API, the default `slack.api_base_url`.
pub const SLACK_API_BASE_URL: &str = "https://slack.com/api";

/// How the bot receives Slack events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlackMode {
    /// Socket Mode: an outgoing WebSocket; needs no public URL.
    #[default]
    Socket,
    /// The HTTP Events API: Slack posts signed requests to the `[http]` listener.
    Http,
}

/// `[slack]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlackSettings {
    /// Socket Mode or HTTP.
    pub mode: SlackMode,
    /// The Web API base URL, without a trailing slash.
    pub api_base_url: String,
    /// The variable holding the bot token (`xoxb-`).
    pub bot_token_env: String,
    /// The variable holding the app-level token (`xapp-`), needed in Socket Mode.
    pub app_token_env: String,
    /// The variable holding the signing secret, needed in HTTP mode.
    pub signing_secret_env: String,
    /// The slash command, e.g. `/escalate`.
    pub command: String,
}

impl Default for SlackSettings {
    fn default() -> Self {
        Self {
            mode: SlackMode::Socket,
            api_base_url: SLACK_API_BASE_URL.to_owned(),
            bot_token_env: "SLACK_BOT_TOKEN".to_owned(),
            app_token_env: "SLACK_APP_TOKEN".to_owned(),
            signing_secret_env: "SLACK_SIGNING_SECRET".to_owned(),
            command: "/escalate".to_owned(),
        }
    }
}

/// The Slack secrets, read from the environment. Their `Debug` is redacted.
#[derive(Debug)]
pub struct SlackSecrets {
    /// The bot token.
    pub bot_token: SecretString,
    /// The app-level token; always present in Socket Mode.
    pub app_token: Option<SecretString>,
    /// The signing secret; always present in HTTP mode.
    pub signing_secret: Option<SecretString>,
}

impl SlackSettings {
    /// Reads the secrets from `env` (usually `|name| std::env::var(name).ok()`). The bot
    /// token is always required, the app token in Socket Mode and the signing secret in
    /// HTTP mode; the errors name every missing variable.
    pub fn secrets(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<SlackSecrets, Vec<ConfigError>> {
        let mut missing = Vec::new();
        let mut read = |field: &str, name: &str, required: bool| {
            let value = env(name).filter(|value| !value.trim().is_empty());
            if value.is_none() && required {
                missing.push(missing_variable(&format!("slack.{field}"), name));
            }
            value.map(SecretString::from)
        };
        let bot_token = read("bot_token_env", &self.bot_token_env, true);
        let app_token = read(
            "app_token_env",
            &self.app_token_env,
            self.mode == SlackMode::Socket,
        );
        let signing_secret = read(
            "signing_secret_env",
            &self.signing_secret_env,
            self.mode == SlackMode::Http,
        );
        match bot_token {
            Some(bot_token) if missing.is_empty() => Ok(SlackSecrets {
                bot_token,
                app_token,
                signing_secret,
            }),
            _ => Err(missing),
        }
    }
}

/// `[discord]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscordSettings {
    /// The API base URL, without a trailing slash.
    pub api_base_url: String,
    /// The variable holding the bot token.
    pub token_env: String,
    /// The application id, when given.
    pub application_id: Option<String>,
    /// The guild commands are registered in, when given.
    pub guild_id: Option<String>,
    /// The application's public key (64 hex digits), when interactions come over HTTP;
    /// it checks the Ed25519 signature of each request to `/discord/interactions`.
    pub public_key: Option<String>,
}

impl Default for DiscordSettings {
    fn default() -> Self {
        Self {
            api_base_url: "https://discord.com".to_owned(),
            token_env: "DISCORD_TOKEN".to_owned(),
            application_id: None,
            guild_id: None,
            public_key: None,
        }
    }
}

impl DiscordSettings {
    /// Reads the bot token from `env`; the error names the missing variable.
    pub fn token(&self, env: impl Fn(&str) -> Option<String>) -> Result<SecretString, ConfigError> {
        env(&self.token_env)
            .filter(|value| !value.trim().is_empty())
            .map(SecretString::from)
            .ok_or_else(|| missing_variable("discord.token_env", &self.token_env))
    }
}

fn missing_variable(field: &str, name: &str) -> ConfigError {
    ConfigError::without_location(
        Path::new(SETTINGS_FILE),
        field,
        format!("the environment variable `{name}` is not set"),
    )
}

/// `[storage]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageSettings {
    /// The data folder; a relative `data_dir` is joined to the config folder.
    pub data_dir: PathBuf,
    /// The store's cache size in megabytes.
    pub cache_mb: u64,
    /// How often the running bot writes a snapshot of the store.
    pub snapshot_every: std::time::Duration,
    /// How many snapshots are kept, newest first; at least 1.
    pub snapshots_kept: usize,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            cache_mb: 32,
            snapshot_every: std::time::Duration::from_secs(3600),
            snapshots_kept: 24,
        }
    }
}

/// `[http]`: the one HTTP listener. It always serves `/healthz`, `/readyz` and
/// `/metrics`; in Slack's HTTP mode it also serves Slack's routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpSettings {
    /// The address it binds; port 0 picks a free port.
    pub listen: SocketAddr,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        }
    }
}

/// `[shutdown]`: what a requested stop (SIGTERM, SIGINT) waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShutdownSettings {
    /// How long deliveries already under way may take to finish; what has not finished
    /// by then stays in the outbox and continues at the next start.
    pub grace: Duration,
}

/// The default `shutdown.grace`: well inside the 30 s most service managers wait between
/// SIGTERM and SIGKILL, and longer than a platform call normally takes.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self {
            grace: DEFAULT_SHUTDOWN_GRACE,
        }
    }
}

/// Where a webhook's URL comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookSource {
    /// Written in the file.
    Url(String),
    /// Read from this environment variable when the bot starts.
    Env(String),
}

impl Config {
    /// Loads and validates the config folder `dir`, reporting every problem found.
    ///
    /// When a file cannot be read or parsed, only those errors are reported: checking
    /// references against a file that did not parse would only add noise.
    pub fn load(dir: impl AsRef<Path>) -> Result<Config, ConfigErrors> {
        validate::load(dir.as_ref())
    }

    /// The platforms with a table in `escalator.toml`.
    pub fn platforms(&self) -> Vec<Platform> {
        self.settings.platforms()
    }

    /// Adds the webhooks whose URL is in an environment variable to the policy.
    pub fn resolve_webhooks(
        &mut self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigErrors> {
        let mut errors = Vec::new();
        for (name, source) in &self.settings.webhooks {
            let WebhookSource::Env(variable) = source else {
                continue;
            };
            match env(variable).filter(|value| !value.trim().is_empty()) {
                Some(url) => {
                    self.policy.webhooks.insert(name.clone(), Webhook { url });
                }
                None => errors.push(missing_variable(
                    &format!("webhooks.{name}.url_env"),
                    variable,
                )),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

impl Settings {
    /// The platforms configured, Slack first.
    pub fn platforms(&self) -> Vec<Platform> {
        let mut platforms = Vec::new();
        if self.slack.is_some() {
            platforms.push(Platform::Slack);
        }
        if self.discord.is_some() {
            platforms.push(Platform::Discord);
        }
        platforms
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(candidate, _)| candidate == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn socket_mode_needs_the_app_token_and_names_it() {
        let settings = SlackSettings::default();
        let errors = settings
            .secrets(env_of(&[("SLACK_BOT_TOKEN", "xoxb-1")]))
            .unwrap_err();
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            ["escalator.toml: slack.app_token_env: the environment variable `SLACK_APP_TOKEN` is not set"]
        );

        // Every missing variable is named at once.
        let errors = settings.secrets(env_of(&[])).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["slack.bot_token_env", "slack.app_token_env"]);
    }

    #[test]
    fn http_mode_needs_the_signing_secret_but_not_the_app_token() {
        let settings = SlackSettings {
            mode: SlackMode::Http,
            ..SlackSettings::default()
        };
        let secrets = settings
            .secrets(env_of(&[
                ("SLACK_BOT_TOKEN", "xoxb-1"),
                ("SLACK_SIGNING_SECRET", "s3"),
            ]))
            .unwrap();
        assert_eq!(secrets.bot_token.expose_secret(), "xoxb-1");
        assert!(secrets.app_token.is_none());
        assert_eq!(secrets.signing_secret.unwrap().expose_secret(), "s3");

        let errors = settings
            .secrets(env_of(&[("SLACK_BOT_TOKEN", "xoxb-1")]))
            .unwrap_err();
        assert_eq!(errors[0].field, "slack.signing_secret_env");
    }

    #[test]
    fn an_empty_variable_counts_as_missing_and_secrets_never_show_in_debug() {
        let settings = SlackSettings::default();
        let errors = settings
            .secrets(env_of(&[
                ("SLACK_BOT_TOKEN", " "),
                ("SLACK_APP_TOKEN", "xapp-1"),
            ]))
            .unwrap_err();
        assert_eq!(errors[0].field, "slack.bot_token_env");

        let secrets = settings
            .secrets(env_of(&[
                ("SLACK_BOT_TOKEN", "xoxb-secret-1"),
                ("SLACK_APP_TOKEN", "xapp-secret-2"),
            ]))
            .unwrap();
        let debug = format!("{secrets:?}");
        assert!(
            !debug.contains("secret-1") && !debug.contains("secret-2"),
            "{debug}"
        );
    }

    #[test]
    fn the_discord_token_names_its_variable() {
        let error = DiscordSettings::default().token(env_of(&[])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "escalator.toml: discord.token_env: the environment variable `DISCORD_TOKEN` is not set"
        );
    }
}
