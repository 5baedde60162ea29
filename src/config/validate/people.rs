//! Checks `people.toml`: ids, accounts, positions, deputies, locales and time zones.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono_tz::Tz;

use super::super::raw::{self, Source};
use super::super::TEAMS_FILE;
use super::{is_id, Check};
use crate::engine::policy::{Person, PositionHold, Team};
use crate::engine::{PersonId, Platform, PositionId, TeamId};

impl Check {
    pub(super) fn people(
        &mut self,
        (source, file): &(Source, raw::PeopleFile),
        teams: &BTreeMap<TeamId, Team>,
    ) -> BTreeMap<PersonId, Person> {
        let ids: BTreeSet<&str> = file
            .person
            .iter()
            .map(|table| table.id.get_ref().as_str())
            .collect();
        let mut people = BTreeMap::new();
        let mut accounts: BTreeMap<(Platform, String), PersonId> = BTreeMap::new();

        for table in &file.person {
            let id = PersonId::from(table.id.get_ref().as_str());
            let field = format!("person[{id}]");
            self.id(source, &table.id, &format!("{field}.id"));
            if people.contains_key(&id) {
                self.push(source.error(
                    table.id.span(),
                    format!("{field}.id"),
                    format!("a person `{id}` is already defined"),
                ));
                continue;
            }
            self.non_empty(source, &table.name, &format!("{field}.name"));

            let mut person_accounts = BTreeMap::new();
            for (platform, account) in [
                (Platform::Slack, &table.slack),
                (Platform::Discord, &table.discord),
            ] {
                let Some(account) = account else {
                    continue;
                };
                let account_field = format!("{field}.{platform}");
                self.non_empty(source, account, &account_field);
                let key = (platform, account.get_ref().clone());
                if let Some(owner) = accounts.get(&key) {
                    self.push(source.error(
                        account.span(),
                        account_field,
                        format!(
                            "{platform} user `{}` is already `{owner}`",
                            account.get_ref()
                        ),
                    ));
                    continue;
                }
                accounts.insert(key, id.clone());
                person_accounts.insert(platform, account.get_ref().clone());
            }

            let deputy = table.deputy.as_ref().and_then(|deputy| {
                if ids.contains(deputy.get_ref().as_str()) {
                    return Some(PersonId::from(deputy.get_ref().as_str()));
                }
                self.push(source.error(
                    deputy.span(),
                    format!("{field}.deputy"),
                    format!("no person `{}` in this file", deputy.get_ref()),
                ));
                None
            });
            let locale = table
                .locale
                .as_ref()
                .and_then(|locale| self.locale(source, locale, &format!("{field}.locale")));

            let person = Person {
                id: id.clone(),
                name: table.name.get_ref().trim().to_owned(),
                accounts: person_accounts,
                positions: self.positions(source, table, &field, teams),
                deputy,
                locale,
                timezone: self.timezone(source, table, &field),
            };
            people.insert(id, person);
        }
        people
    }

    fn positions(
        &mut self,
        source: &Source,
        table: &raw::PersonTable,
        field: &str,
        teams: &BTreeMap<TeamId, Team>,
    ) -> Vec<PositionHold> {
        let mut holds = Vec::new();
        for (index, value) in table.positions.iter().enumerate() {
            let field = format!("{field}.positions[{index}]");
            let (team, position) = match value.get_ref().split_once('/') {
                Some((team, position)) => (Some(TeamId::from(team)), position),
                None => (None, value.get_ref().as_str()),
            };
            if let Some(team) = team.as_ref().filter(|team| !teams.contains_key(*team)) {
                self.push(source.error(
                    value.span(),
                    field,
                    format!("no team `{team}` in {TEAMS_FILE}"),
                ));
                continue;
            }
            if !is_id(position) {
                self.push(source.error(
                    value.span(),
                    field,
                    format!("`{}` is not a position: write \"team/position\" or, for a company-wide one, \"position\"", value.get_ref()),
                ));
                continue;
            }
            holds.push(PositionHold {
                team,
                position: PositionId::from(position),
            });
        }
        holds
    }

    fn timezone(&mut self, source: &Source, table: &raw::PersonTable, field: &str) -> Tz {
        let Some(value) = &table.timezone else {
            return Tz::UTC;
        };
        Tz::from_str(value.get_ref().trim()).unwrap_or_else(|_| {
            self.push(source.error(
                value.span(),
                format!("{field}.timezone"),
                format!(
                    "unknown time zone `{}`; use an IANA name such as \"Europe/Berlin\"",
                    value.get_ref()
                ),
            ));
            Tz::UTC
        })
    }

    /// Reports every deputy cycle once, at the deputy of its first member in the file.
    pub(super) fn deputy_cycles(
        &mut self,
        source: &Source,
        file: &raw::PeopleFile,
        people: &BTreeMap<PersonId, Person>,
    ) {
        let mut reported: BTreeSet<PersonId> = BTreeSet::new();
        for table in &file.person {
            let start = PersonId::from(table.id.get_ref().as_str());
            if reported.contains(&start) {
                continue;
            }
            let Some(cycle) = deputy_cycle(people, &start) else {
                continue;
            };
            let Some(deputy) = &table.deputy else {
                continue;
            };
            let field = format!("person[{start}].deputy");
            let message = if cycle.len() == 1 {
                "a person cannot be their own deputy".to_owned()
            } else {
                let names: Vec<&str> = cycle.iter().chain([&start]).map(PersonId::as_str).collect();
                format!("deputies go round in a circle: {}", names.join(" -> "))
            };
            self.push(source.error(deputy.span(), field, message));
            reported.extend(cycle);
        }
    }
}

/// The deputy cycle through `start`, in order from `start`, if there is one.
pub(crate) fn deputy_cycle(
    people: &BTreeMap<PersonId, Person>,
    start: &PersonId,
) -> Option<Vec<PersonId>> {
    let mut cycle = vec![start.clone()];
    let mut current = people.get(start)?.deputy.clone();
    while let Some(next) = current {
        if &next == start {
            return Some(cycle);
        }
        if cycle.contains(&next) {
            // A cycle further down the chain that `start` only leads into.
            return None;
        }
        current = people.get(&next).and_then(|person| person.deputy.clone());
        cycle.push(next);
    }
    None
}
