//! Checks `teams.toml`.

use std::collections::BTreeMap;

use toml::Spanned;

use super::super::raw::{self, Source};
use super::super::{Settings, SETTINGS_FILE};
use super::Check;
use crate::engine::policy::{Team, TeamChannels};
use crate::engine::{Platform, TeamId};

impl Check {
    pub(super) fn teams(
        &mut self,
        (source, file): &(Source, raw::TeamsFile),
        settings: &Settings,
    ) -> BTreeMap<TeamId, Team> {
        let mut teams = BTreeMap::new();
        // Which team each channel belongs to, per platform, to catch a channel in two teams.
        let mut owners: BTreeMap<(Platform, String), TeamId> = BTreeMap::new();
        if file.team.is_empty() {
            self.push(source.error(
                0..0,
                "team",
                "no team is defined: add a [[team]] with its channels, so that an incident \
                 reported there has a team to page",
            ));
        }

        for table in &file.team {
            let id = TeamId::from(table.id.get_ref().as_str());
            let field = format!("team[{id}]");
            self.id(source, &table.id, &format!("{field}.id"));
            if teams.contains_key(&id) {
                self.push(source.error(
                    table.id.span(),
                    format!("{field}.id"),
                    format!("a team `{id}` is already defined"),
                ));
                continue;
            }
            self.non_empty(source, &table.name, &format!("{field}.name"));
            let locale = table
                .locale
                .as_ref()
                .and_then(|locale| self.locale(source, locale, &format!("{field}.locale")));

            let mut chat = BTreeMap::new();
            for (platform, channels, is_configured) in [
                (Platform::Slack, &table.slack, settings.slack.is_some()),
                (
                    Platform::Discord,
                    &table.discord,
                    settings.discord.is_some(),
                ),
            ] {
                let field = format!("{field}.{platform}");
                match (channels, is_configured) {
                    (Some(channels), true) => {
                        let channels = self.channels(source, channels, &field, &id, platform, &mut owners);
                        chat.insert(platform, channels);
                    }
                    (Some(channels), false) => self.push(source.error(
                        channels.span(),
                        field,
                        format!("{platform} is not configured: add a [{platform}] table to {SETTINGS_FILE} or remove this one"),
                    )),
                    (None, true) => self.push(source.error(
                        table.id.span(),
                        field,
                        format!("{platform} is configured but this team has no [team.{platform}] table with its channels"),
                    )),
                    (None, false) => {}
                }
            }

            teams.insert(
                id.clone(),
                Team {
                    id,
                    name: table.name.get_ref().trim().to_owned(),
                    chat,
                    locale,
                },
            );
        }
        teams
    }

    fn channels(
        &mut self,
        source: &Source,
        table: &Spanned<raw::ChannelsTable>,
        field: &str,
        team: &TeamId,
        platform: Platform,
        owners: &mut BTreeMap<(Platform, String), TeamId>,
    ) -> TeamChannels {
        let table = table.get_ref();
        self.non_empty(
            source,
            &table.incident_channel,
            &format!("{field}.incident_channel"),
        );
        self.non_empty(
            source,
            &table.knowledge_channel,
            &format!("{field}.knowledge_channel"),
        );

        let named = table
            .channels
            .iter()
            .enumerate()
            .map(|(index, channel)| (channel, format!("{field}.channels[{index}]")))
            .chain([(&table.incident_channel, format!("{field}.incident_channel"))]);
        for (channel, channel_field) in named {
            self.non_empty(source, channel, &channel_field);
            let key = (platform, channel.get_ref().clone());
            match owners.get(&key) {
                Some(owner) if owner != team => self.push(source.error(
                    channel.span(),
                    channel_field,
                    format!(
                        "channel `{}` already belongs to team `{owner}`",
                        channel.get_ref()
                    ),
                )),
                Some(_) => {}
                None => {
                    owners.insert(key, team.clone());
                }
            }
        }

        TeamChannels {
            channels: table
                .channels
                .iter()
                .map(|channel| channel.get_ref().clone())
                .collect(),
            incident_channel: table.incident_channel.get_ref().clone(),
            knowledge_channel: table.knowledge_channel.get_ref().clone(),
        }
    }
}
