//! The config files as written: serde types that mirror the TOML, with the spans of the
//! values that validation may complain about.
//!
//! Nothing here checks meaning; `validate` turns these into the typed settings and the
//! engine's `Policy`. Unknown keys are rejected here, by serde.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use toml::Spanned;

use super::error::ConfigError;

/// One config file's name and text.
pub(crate) struct Source {
    /// The folder joined with the file name, as shown in errors.
    pub path: PathBuf,
    /// The file's contents.
    pub text: String,
}

impl Source {
    /// Reads `name` from `dir`.
    pub fn read(dir: &Path, name: &str) -> Result<Self, ConfigError> {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Self { path, text }),
            Err(error) => Err(ConfigError::without_location(
                &path,
                "",
                format!("cannot read the file: {error}"),
            )),
        }
    }

    /// An error at the start of `span`.
    pub fn error(
        &self,
        span: std::ops::Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::at(&self.path, &self.text, span, field, message)
    }

    /// Deserializes the file, naming the field path of the first problem serde meets.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        let deserializer = toml::Deserializer::new(&self.text);
        let error = match serde_path_to_error::deserialize::<_, T>(deserializer) {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };

        let document = self
            .text
            .parse::<toml::Table>()
            .ok()
            .map(toml::Value::Table);
        let field = field_path(error.path(), document.as_ref());
        let error = error.into_inner();
        let message = error.message().trim().to_owned();
        match error.span() {
            Some(span) => Err(self.error(span, field, message)),
            None => Err(ConfigError::without_location(&self.path, field, message)),
        }
    }
}

/// Spells a serde path the way our errors do: array elements by their `id` (or a path by
/// its team) where they have one, by index otherwise.
fn field_path(path: &serde_path_to_error::Path, document: Option<&toml::Value>) -> String {
    use serde_path_to_error::Segment;

    let mut text = String::new();
    let mut node = document;
    let mut last_key = "";
    for segment in path.iter() {
        match segment {
            Segment::Map { key } if key.starts_with("$__serde_spanned") => {}
            Segment::Map { key } => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
                node = node.and_then(|value| value.get(key.as_str()));
                last_key = key;
            }
            Segment::Seq { index } => {
                let element = node.and_then(|value| value.get(*index));
                text.push_str(&format!("[{}]", element_label(element, last_key, *index)));
                node = element;
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    text
}

fn element_label(element: Option<&toml::Value>, key: &str, index: usize) -> String {
    let text_of = |name: &str| {
        element
            .and_then(|value| value.get(name))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    if let Some(id) = text_of("id") {
        return id;
    }
    if key == "path" {
        return text_of("team").unwrap_or_else(|| "default".to_owned());
    }
    index.to_string()
}

/// `escalator.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsFile {
    pub slack: Option<Spanned<SlackTable>>,
    pub discord: Option<Spanned<DiscordTable>>,
    #[serde(default)]
    pub storage: StorageTable,
    #[serde(default)]
    pub http: HttpTable,
    #[serde(default)]
    pub shutdown: ShutdownTable,
    #[serde(default)]
    pub policy: PolicyTable,
    #[serde(default)]
    pub webhooks: BTreeMap<String, Spanned<WebhookTable>>,
}

/// `[slack]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlackTable {
    pub mode: Option<Spanned<String>>,
    pub api_base_url: Option<Spanned<String>>,
    pub bot_token_env: Option<Spanned<String>>,
    pub app_token_env: Option<Spanned<String>>,
    pub signing_secret_env: Option<Spanned<String>>,
    /// Moved to `[http] listen`; read only to say so.
    pub http_listen: Option<Spanned<String>>,
    pub command: Option<Spanned<String>>,
}

/// `[http]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpTable {
    pub listen: Option<Spanned<String>>,
}

/// `[discord]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiscordTable {
    pub api_base_url: Option<Spanned<String>>,
    pub token_env: Option<Spanned<String>>,
    pub application_id: Option<Spanned<String>>,
    pub guild_id: Option<Spanned<String>>,
    pub public_key: Option<Spanned<String>>,
}

/// `[storage]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StorageTable {
    pub data_dir: Option<Spanned<String>>,
    pub cache_mb: Option<Spanned<u64>>,
    pub snapshot_every: Option<Spanned<String>>,
    pub snapshots_kept: Option<Spanned<u64>>,
}

/// `[shutdown]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShutdownTable {
    pub grace: Option<Spanned<String>>,
}

/// `[policy]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyTable {
    #[serde(default)]
    pub admins: Vec<Spanned<String>>,
    pub default_locale: Option<Spanned<String>>,
    pub ack_emoji: Option<Vec<Spanned<String>>>,
    pub resolve_emoji: Option<Vec<Spanned<String>>>,
    pub fix_note_reminder_every: Option<Spanned<String>>,
    pub criteria_review_every: Option<Spanned<String>>,
}

/// `[webhooks.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookTable {
    pub url: Option<Spanned<String>>,
    pub url_env: Option<Spanned<String>>,
}

/// `teams.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamsFile {
    #[serde(default)]
    pub team: Vec<TeamTable>,
}

/// `[[team]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamTable {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub locale: Option<Spanned<String>>,
    pub slack: Option<Spanned<ChannelsTable>>,
    pub discord: Option<Spanned<ChannelsTable>>,
}

/// `[team.slack]` and `[team.discord]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelsTable {
    #[serde(default)]
    pub channels: Vec<Spanned<String>>,
    pub incident_channel: Spanned<String>,
    pub knowledge_channel: Spanned<String>,
}

/// `people.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeopleFile {
    #[serde(default)]
    pub person: Vec<PersonTable>,
}

/// `[[person]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonTable {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub slack: Option<Spanned<String>>,
    pub discord: Option<Spanned<String>>,
    #[serde(default)]
    pub positions: Vec<Spanned<String>>,
    pub deputy: Option<Spanned<String>>,
    pub locale: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
}

/// `severities.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeveritiesFile {
    #[serde(default)]
    pub severity: Vec<SeverityTable>,
}

/// `[[severity]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeverityTable {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub criteria: Spanned<Vec<String>>,
    #[serde(default)]
    pub counter_examples: Vec<String>,
    #[serde(default)]
    pub path: Vec<PathTable>,
}

/// `[[severity.path]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PathTable {
    pub team: Option<Spanned<String>>,
    pub steps: Spanned<Vec<Spanned<StepTable>>>,
}

/// One entry of `steps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepTable {
    pub position: Option<Spanned<String>>,
    pub person: Option<Spanned<String>>,
    pub means: Spanned<Vec<Spanned<String>>>,
    pub ack_within: Spanned<String>,
    pub repages: Option<Spanned<u32>>,
    pub repage_every: Option<Spanned<String>>,
}
