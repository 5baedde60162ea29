//! The live policy written back as the four `bot-config/` files.
//!
//! [`PolicyFiles::of`] turns the settings and a [`Policy`] into documents that mirror the
//! files; [`PolicyFiles::texts`] prints them as TOML. Loading those texts with the same
//! checks as `check-config` ([`PolicyFiles::load`]) gives the policy back, which is how
//! every admin change is validated and how `admin export` and `escalator config export`
//! produce files that pass `check-config`.
//!
//! Comments and the order of keys in the original files are not kept: the export says
//! what the policy is, not how it was first written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::{
    Config, ConfigErrors, Settings, SlackMode, WebhookSource, PEOPLE_FILE, SETTINGS_FILE,
    SEVERITIES_FILE, TEAMS_FILE,
};
use crate::engine::policy::{Path as StepPath, Person, Policy, Severity, Step, Target, Team};
use crate::engine::Platform;

/// Where the live policy came from: the config folder and its non-policy settings.
#[derive(Clone, Debug)]
pub struct PolicySource {
    /// The config folder.
    pub dir: PathBuf,
    /// The settings read from its `escalator.toml`.
    pub settings: Settings,
}

impl PolicySource {
    /// The source of a loaded config.
    pub fn of(config: &Config) -> Self {
        Self {
            dir: config.dir.clone(),
            settings: config.settings.clone(),
        }
    }
}

/// The four files as documents.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyFiles {
    /// `escalator.toml`.
    pub settings: SettingsDoc,
    /// `teams.toml`.
    pub teams: TeamsDoc,
    /// `people.toml`.
    pub people: PeopleDoc,
    /// `severities.toml`.
    pub severities: SeveritiesDoc,
}

/// `escalator.toml`.
#[derive(Clone, Debug, Serialize)]
pub struct SettingsDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    slack: Option<BTreeMap<&'static str, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discord: Option<BTreeMap<&'static str, String>>,
    storage: StorageDoc,
    http: BTreeMap<&'static str, String>,
    policy: PolicyDoc,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    webhooks: BTreeMap<String, BTreeMap<&'static str, String>>,
}

#[derive(Clone, Debug, Serialize)]
struct StorageDoc {
    data_dir: String,
    cache_mb: u64,
}

#[derive(Clone, Debug, Serialize)]
struct PolicyDoc {
    admins: Vec<String>,
    default_locale: String,
    ack_emoji: Vec<String>,
    resolve_emoji: Vec<String>,
    fix_note_reminder_every: String,
    criteria_review_every: String,
}

/// `teams.toml`.
#[derive(Clone, Debug, Serialize)]
pub struct TeamsDoc {
    team: Vec<TeamDoc>,
}

#[derive(Clone, Debug, Serialize)]
struct TeamDoc {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slack: Option<ChannelsDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discord: Option<ChannelsDoc>,
}

#[derive(Clone, Debug, Serialize)]
struct ChannelsDoc {
    channels: Vec<String>,
    incident_channel: String,
    knowledge_channel: String,
}

/// `people.toml`.
#[derive(Clone, Debug, Serialize)]
pub struct PeopleDoc {
    person: Vec<PersonDoc>,
}

#[derive(Clone, Debug, Serialize)]
struct PersonDoc {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    slack: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discord: Option<String>,
    positions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deputy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    timezone: String,
}

/// `severities.toml`.
#[derive(Clone, Debug, Serialize)]
pub struct SeveritiesDoc {
    /// The severities, most severe first.
    pub severity: Vec<SeverityDoc>,
}

/// `[[severity]]`.
#[derive(Clone, Debug, Serialize)]
pub struct SeverityDoc {
    /// The id.
    pub id: String,
    name: String,
    criteria: Vec<String>,
    counter_examples: Vec<String>,
    /// The default path first, then the team paths by team id.
    pub path: Vec<PathDoc>,
}

/// `[[severity.path]]`.
#[derive(Clone, Debug, Serialize)]
pub struct PathDoc {
    /// The team, or none for the default path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// The steps in order.
    pub steps: Vec<StepDoc>,
}

/// One step as the file writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StepDoc {
    /// A position, or …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// … one person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// `thread`, `dm`, `channel` or `webhook:NAME`.
    pub means: Vec<String>,
    /// A duration such as `10m`.
    pub ack_within: String,
    /// How many re-pages; left out when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repages: Option<u32>,
    /// The time between re-pages; left out when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repage_every: Option<String>,
}

/// A duration as people write it in the files: one whole unit where one fits (`90d`,
/// `36h`, `15m`, `3s`), humantime's spelling otherwise. Humantime alone would write 90
/// days as `2months 29days 2h 52m 48s`.
fn duration_text(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if duration.subsec_nanos() == 0 && seconds > 0 {
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if seconds % size == 0 {
                return format!("{}{unit}", seconds / size);
            }
        }
    }
    humantime::format_duration(duration).to_string()
}

impl StepDoc {
    /// The step as the file writes it.
    pub fn of(step: &Step) -> Self {
        let (position, person) = match &step.target {
            Target::Position(position) => (Some(position.to_string()), None),
            Target::Person(person) => (None, Some(person.to_string())),
        };
        let has_repages = step.repages > 0;
        Self {
            position,
            person,
            means: step.means.iter().map(ToString::to_string).collect(),
            ack_within: duration_text(step.ack_within),
            repages: has_repages.then_some(step.repages),
            repage_every: has_repages.then(|| duration_text(step.repage_every)),
        }
    }
}

impl PolicyFiles {
    /// The files that say `policy`, with the settings of `source`.
    pub fn of(source: &PolicySource, policy: &Policy) -> Self {
        Self {
            settings: settings_doc(source, policy),
            teams: TeamsDoc {
                team: policy.teams.values().map(team_doc).collect(),
            },
            people: PeopleDoc {
                person: policy.people.values().map(person_doc).collect(),
            },
            severities: SeveritiesDoc {
                severity: policy.severities.iter().map(severity_doc).collect(),
            },
        }
    }

    /// Each file's name and TOML text.
    pub fn texts(&self) -> Vec<(&'static str, String)> {
        vec![
            (SETTINGS_FILE, print(&self.settings)),
            (TEAMS_FILE, print(&self.teams)),
            (PEOPLE_FILE, print(&self.people)),
            (SEVERITIES_FILE, print(&self.severities)),
        ]
    }

    /// Loads the texts with every check `check-config` makes, as if they were in
    /// `source.dir`; the webhooks whose URL comes from the environment are taken from
    /// `policy` (the policy these files were made from), since they are not in the files.
    pub fn load(&self, source: &PolicySource, policy: &Policy) -> Result<Policy, ConfigErrors> {
        let texts = self.texts();
        let mut config = super::validate::load_texts(&source.dir, &texts)?;
        for (name, webhook) in &policy.webhooks {
            config
                .policy
                .webhooks
                .entry(name.clone())
                .or_insert_with(|| webhook.clone());
        }
        Ok(config.policy)
    }

    /// Writes the four files into `dir`, creating it when missing.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, text) in self.texts() {
            std::fs::write(dir.join(name), text)?;
        }
        Ok(())
    }
}

/// The TOML text of one document. The documents are plain tables of strings, numbers
/// and arrays, which TOML always holds, so printing cannot fail.
fn print<T: Serialize>(document: &T) -> String {
    toml::to_string(document).unwrap_or_default()
}

fn settings_doc(source: &PolicySource, policy: &Policy) -> SettingsDoc {
    let settings = &source.settings;
    let slack = settings.slack.as_ref().map(|slack| {
        let mode = match slack.mode {
            SlackMode::Socket => "socket",
            SlackMode::Http => "http",
        };
        BTreeMap::from([
            ("mode", mode.to_owned()),
            ("api_base_url", slack.api_base_url.clone()),
            ("bot_token_env", slack.bot_token_env.clone()),
            ("app_token_env", slack.app_token_env.clone()),
            ("signing_secret_env", slack.signing_secret_env.clone()),
            ("command", slack.command.clone()),
        ])
    });
    let discord = settings.discord.as_ref().map(|discord| {
        let mut table = BTreeMap::from([
            ("api_base_url", discord.api_base_url.clone()),
            ("token_env", discord.token_env.clone()),
        ]);
        if let Some(id) = &discord.application_id {
            table.insert("application_id", id.clone());
        }
        if let Some(id) = &discord.guild_id {
            table.insert("guild_id", id.clone());
        }
        table
    });
    // A data folder inside the config folder is written relative to it, as it usually
    // was, so the export can replace the folder it came from.
    let data_dir = settings.storage.data_dir.as_path();
    let data_dir = data_dir.strip_prefix(&source.dir).unwrap_or(data_dir);
    let webhooks = settings
        .webhooks
        .iter()
        .map(|(name, webhook)| {
            let entry = match webhook {
                WebhookSource::Url(url) => ("url", url.clone()),
                WebhookSource::Env(variable) => ("url_env", variable.clone()),
            };
            (name.clone(), BTreeMap::from([entry]))
        })
        .collect();
    SettingsDoc {
        slack,
        discord,
        storage: StorageDoc {
            data_dir: data_dir.display().to_string(),
            cache_mb: settings.storage.cache_mb,
        },
        http: BTreeMap::from([("listen", settings.http.listen.to_string())]),
        policy: PolicyDoc {
            admins: policy.admins.iter().map(ToString::to_string).collect(),
            default_locale: policy.default_locale.clone(),
            ack_emoji: policy.ack_emoji.clone(),
            resolve_emoji: policy.resolve_emoji.clone(),
            fix_note_reminder_every: duration_text(policy.fix_note_reminder_every),
            criteria_review_every: duration_text(policy.criteria_review_every),
        },
        webhooks,
    }
}

fn team_doc(team: &Team) -> TeamDoc {
    let channels = |platform: Platform| {
        team.chat.get(&platform).map(|chat| ChannelsDoc {
            channels: chat.channels.clone(),
            incident_channel: chat.incident_channel.clone(),
            knowledge_channel: chat.knowledge_channel.clone(),
        })
    };
    TeamDoc {
        id: team.id.to_string(),
        name: team.name.clone(),
        locale: team.locale.clone(),
        slack: channels(Platform::Slack),
        discord: channels(Platform::Discord),
    }
}

fn person_doc(person: &Person) -> PersonDoc {
    let positions = person
        .positions
        .iter()
        .map(|hold| match &hold.team {
            Some(team) => format!("{team}/{}", hold.position),
            None => hold.position.to_string(),
        })
        .collect();
    PersonDoc {
        id: person.id.to_string(),
        name: person.name.clone(),
        slack: person.accounts.get(&Platform::Slack).cloned(),
        discord: person.accounts.get(&Platform::Discord).cloned(),
        positions,
        deputy: person.deputy.as_ref().map(ToString::to_string),
        locale: person.locale.clone(),
        timezone: person.timezone.name().to_owned(),
    }
}

fn path_doc(team: Option<String>, path: &StepPath) -> PathDoc {
    PathDoc {
        team,
        steps: path.steps.iter().map(StepDoc::of).collect(),
    }
}

fn severity_doc(severity: &Severity) -> SeverityDoc {
    let default = severity
        .default_path
        .as_ref()
        .map(|path| path_doc(None, path));
    let teams = severity
        .team_paths
        .iter()
        .map(|(team, path)| path_doc(Some(team.to_string()), path));
    SeverityDoc {
        id: severity.id.to_string(),
        name: severity.name.clone(),
        criteria: severity.criteria.clone(),
        counter_examples: severity.counter_examples.clone(),
        path: default.into_iter().chain(teams).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_in_one_whole_unit_where_one_fits() {
        let cases = [
            (Duration::from_secs(90 * 86_400), "90d"),
            (Duration::from_secs(36 * 3_600), "36h"),
            (Duration::from_secs(90 * 60), "90m"),
            (Duration::from_secs(3), "3s"),
            (Duration::from_millis(1_500), "1s 500ms"),
        ];
        for (duration, text) in cases {
            assert_eq!(duration_text(duration), text);
            assert_eq!(humantime::parse_duration(text).unwrap(), duration);
        }
    }

    #[test]
    fn the_example_config_round_trips_through_its_export() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/bot-config");
        let config = Config::load(dir).unwrap();
        let source = PolicySource::of(&config);
        let files = PolicyFiles::of(&source, &config.policy);
        let loaded = files.load(&source, &config.policy).unwrap();
        assert_eq!(loaded, config.policy);

        let out = tempfile::tempdir().unwrap();
        files.write(out.path()).unwrap();
        let again = Config::load(out.path()).unwrap();
        assert_eq!(again.policy, config.policy);
        assert_eq!(again.settings.webhooks, config.settings.webhooks);
        assert_eq!(again.settings.slack, config.settings.slack);
    }
}
