//! Past fix notes as lines of text: the `/escalate kb` reply and the related fixes shown
//! in a new incident's thread share one line format.

use crate::engine::policy::Policy;
use crate::engine::{IncidentId, Platform, RelatedFix, SeverityId, TeamId, Timestamp};

use super::{Markup, Words};

/// One past fix note, borrowed, as a line shows it.
pub struct FixLine<'a> {
    /// The past incident.
    pub incident: IncidentId,
    /// The note's summary.
    pub title: &'a str,
    /// The incident's severity.
    pub severity: &'a SeverityId,
    /// The incident's team.
    pub team: &'a TeamId,
    /// When the note was written.
    pub written_at: Timestamp,
    /// The channel of the incident's thread, when known.
    pub channel: Option<&'a str>,
}

/// The line for one past fix note: id, severity, team, date, title and where its thread
/// is (the thread's channel, else the team's incident channel on `platform`).
pub fn fix_line(words: &Words<'_>, platform: Platform, line: &FixLine<'_>) -> String {
    let markup = words.markup;
    let channel = line
        .channel
        .map(str::to_owned)
        .or_else(|| {
            let team = words.policy.teams.get(line.team)?;
            Some(team.chat.get(&platform)?.incident_channel.clone())
        })
        .map(|channel| markup.channel(&channel))
        .unwrap_or_default();
    words.t(
        "kb-hit",
        &[
            ("incident", line.incident.to_string().into()),
            ("severity", words.severity(line.severity).into()),
            ("team", markup.escape(line.team.as_str()).into()),
            (
                "date",
                line.written_at.format("%Y-%m-%d").to_string().into(),
            ),
            ("title", markup.escape(line.title).into()),
            ("channel", channel.into()),
        ],
    )
}

/// The thread message listing past fixes related to a new incident.
pub fn related_text(
    fixes: &[RelatedFix],
    policy: &Policy,
    platform: Platform,
    locale: &str,
    markup: &dyn Markup,
) -> String {
    let words = Words::new(policy, locale, markup);
    let mut text = words.t("related-title", &[("count", fixes.len().into())]);
    for fix in fixes {
        let line = FixLine {
            incident: fix.incident,
            title: &fix.title,
            severity: &fix.severity,
            team: &fix.team,
            written_at: fix.written_at,
            channel: fix.channel.as_deref(),
        };
        text.push('\n');
        text.push_str(&fix_line(&words, platform, &line));
    }
    text
}
