//! Checks `severities.toml`: criteria, paths and steps, and the rules that need the whole
//! policy (who holds each position, steps that page the same people again, accounts).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use toml::Spanned;

use super::super::describe::format_duration;
use super::super::raw::{self, Source};
use super::super::{Settings, PEOPLE_FILE, SETTINGS_FILE};
use super::{is_id, Check, CheckedPath, CheckedStep};
use crate::engine::policy::{
    Means, Path as EscalationPath, Person, Policy, Severity, Step, Target, Team,
};
use crate::engine::{PersonId, PositionId, SeverityId, TeamId};

impl Check {
    pub(super) fn severities(
        &mut self,
        (source, file): &(Source, raw::SeveritiesFile),
        teams: &BTreeMap<TeamId, Team>,
        people: &BTreeMap<PersonId, Person>,
        settings: &Settings,
    ) -> (Vec<Severity>, Vec<CheckedPath>) {
        let mut severities: Vec<Severity> = Vec::new();
        let mut checked_paths = Vec::new();
        if file.severity.is_empty() {
            self.push(source.error(
                0..0,
                "severity",
                "no severity is defined: add a [[severity]] with its criteria and path, so \
                 that /escalate can open an incident",
            ));
        }

        for table in &file.severity {
            let id = SeverityId::from(table.id.get_ref().as_str());
            let field = format!("severity[{id}]");
            self.id(source, &table.id, &format!("{field}.id"));
            if severities.iter().any(|severity| severity.id == id) {
                self.push(source.error(
                    table.id.span(),
                    format!("{field}.id"),
                    format!("a severity `{id}` is already defined"),
                ));
                continue;
            }
            if crate::command::Verb::from_word(id.as_str()).is_some() {
                // `/escalate ack …` must stay a command; a severity spelled like a verb
                // could never be chosen on the command line.
                self.push(source.error(
                    table.id.span(),
                    format!("{field}.id"),
                    format!("`{id}` is a command word of /escalate; choose another severity id"),
                ));
            }
            self.non_empty(source, &table.name, &format!("{field}.name"));
            self.criteria(source, &table.criteria, &field);

            let mut severity = Severity {
                id: id.clone(),
                name: table.name.get_ref().trim().to_owned(),
                criteria: table.criteria.get_ref().clone(),
                counter_examples: table.counter_examples.clone(),
                default_path: None,
                team_paths: BTreeMap::new(),
            };
            let mut covered: BTreeSet<Option<TeamId>> = BTreeSet::new();
            for path in &table.path {
                let Some(checked) = self.path(
                    source,
                    path,
                    &field,
                    &id,
                    teams,
                    people,
                    settings,
                    &mut covered,
                ) else {
                    continue;
                };
                let steps: Vec<Step> = checked
                    .steps
                    .iter()
                    .filter_map(|step| step.step.clone())
                    .collect();
                if !steps.is_empty() {
                    match &checked.team {
                        None => severity.default_path = Some(EscalationPath { steps }),
                        Some(team) if checked.is_known_team => {
                            severity
                                .team_paths
                                .insert(team.clone(), EscalationPath { steps });
                        }
                        Some(_) => {}
                    }
                }
                checked_paths.push(checked);
            }
            self.coverage(source, &table.id, &field, teams, &covered);
            severities.push(severity);
        }
        (severities, checked_paths)
    }

    fn criteria(&mut self, source: &Source, criteria: &Spanned<Vec<String>>, field: &str) {
        if criteria.get_ref().is_empty() {
            self.push(source.error(
                criteria.span(),
                format!("{field}.criteria"),
                "list at least one criterion, so people can tell when to use this severity",
            ));
        }
        if criteria
            .get_ref()
            .iter()
            .any(|criterion| criterion.trim().is_empty())
        {
            self.push(source.error(
                criteria.span(),
                format!("{field}.criteria"),
                "a criterion is empty",
            ));
        }
    }

    fn coverage(
        &mut self,
        source: &Source,
        id: &Spanned<String>,
        field: &str,
        teams: &BTreeMap<TeamId, Team>,
        covered: &BTreeSet<Option<TeamId>>,
    ) {
        if covered.contains(&None) {
            return;
        }
        for team in teams.keys() {
            if !covered.contains(&Some(team.clone())) {
                self.push(source.error(
                    id.span(),
                    format!("{field}.path"),
                    format!("no path covers team `{team}`: add a default path (one without `team`) or one with team = \"{team}\""),
                ));
            }
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "a path is checked against everything loaded before it"
    )]
    fn path(
        &mut self,
        source: &Source,
        table: &raw::PathTable,
        severity_field: &str,
        severity: &SeverityId,
        teams: &BTreeMap<TeamId, Team>,
        people: &BTreeMap<PersonId, Person>,
        settings: &Settings,
        covered: &mut BTreeSet<Option<TeamId>>,
    ) -> Option<CheckedPath> {
        let team = table
            .team
            .as_ref()
            .map(|team| TeamId::from(team.get_ref().as_str()));
        let label = team.as_ref().map_or("default", TeamId::as_str);
        let field = format!("{severity_field}.path[{label}]");

        let is_known_team = match (&table.team, &team) {
            (Some(span), Some(id)) if !teams.contains_key(id) => {
                self.push(source.error(
                    span.span(),
                    format!("{field}.team"),
                    format!("no team `{id}` in teams.toml"),
                ));
                false
            }
            _ => true,
        };
        if !covered.insert(team.clone()) {
            let (span, what) = match &table.team {
                Some(span) => (
                    span.span(),
                    format!("a path for team `{label}` is already defined"),
                ),
                None => (
                    table.steps.span(),
                    "a default path (one without `team`) is already defined".to_owned(),
                ),
            };
            self.push(source.error(span, field, what));
            return None;
        }
        if table.steps.get_ref().is_empty() {
            self.push(source.error(
                table.steps.span(),
                format!("{field}.steps"),
                "a path needs at least one step",
            ));
        }

        let steps = table
            .steps
            .get_ref()
            .iter()
            .enumerate()
            .map(|(index, step)| {
                self.step(
                    source,
                    step,
                    &format!("{field}.steps[{index}]"),
                    people,
                    settings,
                )
            })
            .collect();
        Some(CheckedPath {
            severity: severity.clone(),
            field,
            team,
            is_known_team,
            steps,
        })
    }

    fn step(
        &mut self,
        source: &Source,
        raw_step: &Spanned<raw::StepTable>,
        field: &str,
        people: &BTreeMap<PersonId, Person>,
        settings: &Settings,
    ) -> CheckedStep {
        let table = raw_step.get_ref();
        let target = match (&table.position, &table.person) {
            (Some(position), None) if is_id(position.get_ref()) => Some(Target::Position(
                PositionId::from(position.get_ref().as_str()),
            )),
            (Some(position), None) => {
                self.id(source, position, &format!("{field}.position"));
                None
            }
            (None, Some(person))
                if people.contains_key(&PersonId::from(person.get_ref().as_str())) =>
            {
                Some(Target::Person(PersonId::from(person.get_ref().as_str())))
            }
            (None, Some(person)) => {
                self.push(source.error(
                    person.span(),
                    format!("{field}.person"),
                    format!("no person `{}` in {PEOPLE_FILE}", person.get_ref()),
                ));
                None
            }
            _ => {
                self.push(source.error(
                    raw_step.span(),
                    field,
                    "give exactly one of `position` and `person`",
                ));
                None
            }
        };
        let means = self.means(source, &table.means, field, settings);
        let timing = self.timing(source, table, field);

        let step = match (target, means, timing) {
            (Some(target), Some(means), Some((ack_within, repages, repage_every))) => Some(Step {
                target,
                means,
                ack_within,
                repages,
                repage_every,
            }),
            _ => None,
        };
        CheckedStep {
            field: field.to_owned(),
            step,
            span: raw_step.span(),
            position_span: table.position.as_ref().map(Spanned::span),
        }
    }

    fn means(
        &mut self,
        source: &Source,
        values: &Spanned<Vec<Spanned<String>>>,
        field: &str,
        settings: &Settings,
    ) -> Option<Vec<Means>> {
        if values.get_ref().is_empty() {
            self.push(source.error(
                values.span(),
                format!("{field}.means"),
                "list at least one means: \"thread\", \"dm\", \"channel\" or \"webhook:NAME\"",
            ));
            return None;
        }
        let mut all = Vec::new();
        let mut is_valid = true;
        for (index, value) in values.get_ref().iter().enumerate() {
            let means_field = format!("{field}.means[{index}]");
            let means = match value.get_ref().as_str() {
                "thread" => Means::Thread,
                "dm" => Means::Direct,
                "channel" => Means::Channel,
                other => match other.strip_prefix("webhook:") {
                    Some(name) if settings.webhooks.contains_key(name) => {
                        Means::Webhook(name.to_owned())
                    }
                    Some(name) => {
                        self.push(source.error(
                            value.span(),
                            means_field,
                            format!("no webhook `{name}` in [webhooks] of {SETTINGS_FILE}"),
                        ));
                        is_valid = false;
                        continue;
                    }
                    None => {
                        self.push(source.error(value.span(), means_field, format!("unknown means `{other}`; use \"thread\", \"dm\", \"channel\" or \"webhook:NAME\"")));
                        is_valid = false;
                        continue;
                    }
                },
            };
            if all.contains(&means) {
                self.push(source.error(
                    value.span(),
                    means_field,
                    format!("`{means}` is listed twice"),
                ));
                continue;
            }
            all.push(means);
        }
        is_valid.then_some(all)
    }

    /// The step's ack deadline, re-page count and re-page interval, when they make sense.
    fn timing(
        &mut self,
        source: &Source,
        table: &raw::StepTable,
        field: &str,
    ) -> Option<(Duration, u32, Duration)> {
        let ack_within = self.duration(source, &table.ack_within, &format!("{field}.ack_within"));
        let repages = table
            .repages
            .as_ref()
            .map_or(0, |repages| *repages.get_ref());
        let repage_every = match (&table.repage_every, &table.repages) {
            (Some(every), _) => self.duration(source, every, &format!("{field}.repage_every")),
            (None, Some(count)) if repages > 0 => {
                self.push(source.error(
                    count.span(),
                    format!("{field}.repage_every"),
                    format!("repages = {repages} needs `repage_every`, the time between re-pages"),
                ));
                None
            }
            (None, _) => Some(Duration::ZERO),
        };
        let (ack_within, repage_every) = (ack_within?, repage_every?);

        let last = repage_every.saturating_mul(repages);
        if repages > 0 && last >= ack_within {
            let span = table
                .repages
                .as_ref()
                .map_or(table.ack_within.span(), Spanned::span);
            self.push(source.error(
                span,
                format!("{field}.repages"),
                format!(
                    "unreachable: re-page {repages} would go out {} after the first page, at or after the ack deadline of {}; lower `repages` or `repage_every`",
                    format_duration(last),
                    format_duration(ack_within)
                ),
            ));
            return None;
        }
        Some((ack_within, repages, repage_every))
    }

    /// The teams a checked path is used for.
    fn teams_of(path: &CheckedPath, policy: &Policy) -> Vec<TeamId> {
        match &path.team {
            Some(team) if path.is_known_team => vec![team.clone()],
            Some(_) => Vec::new(),
            None => {
                let own = policy
                    .severity(&path.severity)
                    .map(|severity| &severity.team_paths);
                policy
                    .teams
                    .keys()
                    .filter(|team| own.is_none_or(|own| !own.contains_key(*team)))
                    .cloned()
                    .collect()
            }
        }
    }

    /// Checks that every step reaches someone in every team it is used for, and that no
    /// step pages exactly the people an earlier step of the same path already paged.
    pub(super) fn paths(&mut self, source: &Source, paths: &[CheckedPath], policy: &Policy) {
        for path in paths {
            for team in Self::teams_of(path, policy) {
                let mut earlier: Vec<(usize, BTreeSet<PersonId>)> = Vec::new();
                for (index, checked) in path.steps.iter().enumerate() {
                    let Some(step) = &checked.step else {
                        continue;
                    };
                    let people: BTreeSet<PersonId> =
                        policy.step_people(&team, step).into_iter().collect();
                    if people.is_empty() {
                        let span = checked
                            .position_span
                            .clone()
                            .unwrap_or(checked.span.clone());
                        self.push(source.error(
                            span,
                            format!("{}.position", checked.field),
                            format!("no one holds position `{}` in team `{team}`", step.target),
                        ));
                        continue;
                    }
                    if let Some((first, _)) = earlier.iter().find(|(_, paged)| *paged == people) {
                        let names: Vec<&str> = people.iter().map(PersonId::as_str).collect();
                        self.push(source.error(
                            checked.span.clone(),
                            checked.field.clone(),
                            format!(
                                "never reached in team `{team}`: {}.steps[{first}] already pages exactly the same people ({})",
                                path.field,
                                names.join(", ")
                            ),
                        ));
                        continue;
                    }
                    earlier.push((index, people));
                }
            }
        }
    }

    /// Checks that everyone a step pages has an account on a configured platform.
    pub(super) fn accounts(
        &mut self,
        (source, file): &(Source, raw::PeopleFile),
        paths: &[CheckedPath],
        policy: &Policy,
        settings: &Settings,
    ) {
        let platforms = settings.platforms();
        if platforms.is_empty() {
            return;
        }
        let mut first_use: BTreeMap<PersonId, &str> = BTreeMap::new();
        for path in paths {
            for team in Self::teams_of(path, policy) {
                for checked in &path.steps {
                    let Some(step) = &checked.step else {
                        continue;
                    };
                    for person in policy.step_people(&team, step) {
                        first_use.entry(person).or_insert(&checked.field);
                    }
                }
            }
        }

        let names: Vec<String> = platforms.iter().map(ToString::to_string).collect();
        for (person, used_by) in first_use {
            let Some(found) = policy.people.get(&person) else {
                continue;
            };
            if platforms
                .iter()
                .any(|platform| found.accounts.contains_key(platform))
            {
                continue;
            }
            let Some(table) = file
                .person
                .iter()
                .find(|table| table.id.get_ref() == person.as_str())
            else {
                continue;
            };
            self.push(source.error(
                table.id.span(),
                format!("person[{person}]"),
                format!(
                    "is paged by {used_by} but has no account on a configured platform ({}); add e.g. `{} = \"...\"`",
                    names.join(", "),
                    names[0]
                ),
            ));
        }
    }
}
