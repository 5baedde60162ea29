//! Slack markup and Block Kit: cards become blocks, forms become modal views.
//!
//! Blocks are written as Block Kit JSON, the format Slack documents, and then read into
//! slack-morphism's types, so what is sent is exactly what the JSON says.

use serde_json::{json, Value};
use slack_morphism::prelude::*;

use crate::engine::policy::{Person, Policy};
use crate::engine::{IncidentId, Platform, Timestamp, UserRef};
use crate::render::{Button, ButtonStyle, Card, Digest, FixNoteForm, FormField, Markup};

use super::events::{input, ESCALATE_VIEW, FIX_NOTE_VIEW};

/// Slack's mrkdwn: `<@U123>` mentions, `*bold*`, `<url|label>` links.
#[derive(Clone, Copy, Debug, Default)]
pub struct SlackMarkup;

impl Markup for SlackMarkup {
    fn person(&self, person: &Person) -> String {
        match person.accounts.get(&Platform::Slack) {
            Some(id) => format!("<@{id}>"),
            None => self.escape(&person.name),
        }
    }

    fn user(&self, user: &UserRef) -> String {
        format!("<@{}>", user.id)
    }

    fn everyone(&self) -> String {
        "<!channel>".to_owned()
    }

    fn bold(&self, text: &str) -> String {
        format!("*{text}*")
    }

    fn link(&self, url: &str, label: &str) -> String {
        format!("<{}|{}>", url.replace('|', "%7C"), self.escape(label))
    }

    fn escape(&self, text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    fn emoji(&self, name: &str) -> String {
        format!(":{name}:")
    }

    fn code_block(&self, text: &str) -> String {
        // Slack reads entities even between fences, so the text is escaped first.
        let text = self.escape(text.trim_end()).replace("```", "ˋˋˋ");
        format!("```\n{text}\n```")
    }

    fn channel(&self, id: &str) -> String {
        format!("<#{id}>")
    }

    fn time(&self, at: Timestamp) -> String {
        let fallback = at.format("%Y-%m-%d %H:%M UTC");
        format!(
            "<!date^{}^{{date_short_pretty}} {{time}}|{fallback}>",
            at.timestamp()
        )
    }
}

/// Slack refuses a section text over 3,000 characters; longer texts are cut.
const SECTION_LIMIT: usize = 3000;

fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit - 1).collect();
    cut.push('…');
    cut
}

fn mrkdwn_section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_LIMIT)}})
}

fn button(button: &Button) -> Value {
    let mut element = json!({
        "type": "button",
        "action_id": button.action.encode(),
        "value": button.action.encode(),
        "text": {"type": "plain_text", "text": cut(&button.label, 75), "emoji": true},
    });
    if button.style == ButtonStyle::Primary {
        element["style"] = json!("primary");
    }
    element
}

/// The Block Kit JSON of a card.
pub fn card_blocks(card: &Card) -> Value {
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&card.title, 150), "emoji": true}}),
        mrkdwn_section(&card.summary),
    ];
    // Sections take at most ten fields.
    for chunk in card.fields.chunks(10) {
        let fields: Vec<Value> = chunk
            .iter()
            .map(|field| {
                let text = format!("*{}*\n{}", field.label, field.value);
                json!({"type": "mrkdwn", "text": cut(&text, 2000)})
            })
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if let Some(hint) = &card.hint {
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(hint, SECTION_LIMIT)}]}));
    }
    if !card.buttons.is_empty() {
        let elements: Vec<Value> = card.buttons.iter().map(button).collect();
        blocks.push(json!({"type": "actions", "elements": elements}));
    }
    Value::Array(blocks)
}

/// A message's content: a card as blocks with its fallback text, or plain text.
pub fn card_content(card: &Card) -> SlackMessageContent {
    // The JSON above is built from Block Kit's documented shapes; slack-morphism reads
    // every one of them, so this cannot fail for a well-formed card.
    let blocks: Vec<SlackBlock> = serde_json::from_value(card_blocks(card)).unwrap_or_default();
    SlackMessageContent::new()
        .with_text(cut(&card.fallback, 4000))
        .with_blocks(blocks)
}

/// A digest of pages: its opening line, then one section per incident with its
/// Acknowledge button beside it, so that 40 pages stay within Slack's 50 blocks.
pub fn digest_blocks(digest: &Digest) -> Value {
    let mut blocks = vec![mrkdwn_section(&digest.heading)];
    for item in &digest.items {
        let mut section = mrkdwn_section(&item.text);
        section["accessory"] = button(&item.button);
        blocks.push(section);
    }
    Value::Array(blocks)
}

/// A digest's content: its blocks, and its text for notifications.
pub fn digest_content(digest: &Digest) -> SlackMessageContent {
    // Built from Block Kit's documented shapes, which slack-morphism reads.
    let blocks: Vec<SlackBlock> = serde_json::from_value(digest_blocks(digest)).unwrap_or_default();
    let mut text = digest.fallback.clone();
    for item in &digest.items {
        text.push('\n');
        text.push_str(&item.text);
    }
    SlackMessageContent::new()
        .with_text(cut(&text, 39_000))
        .with_blocks(blocks)
}

/// Text in sections (each within Slack's limit, split between lines) and a row of
/// buttons, each an action id and a label; the first button is the primary one.
pub fn text_with_buttons(text: &str, buttons: &[(&str, String)]) -> SlackMessageContent {
    let mut sections: Vec<String> = vec![String::new()];
    for line in text.lines() {
        let last = sections.last_mut().expect("there is always a section");
        if !last.is_empty() && last.chars().count() + line.chars().count() + 1 > SECTION_LIMIT {
            sections.push(String::new());
        }
        let last = sections.last_mut().expect("there is always a section");
        if !last.is_empty() {
            last.push('\n');
        }
        last.push_str(line);
    }
    let mut blocks: Vec<Value> = sections
        .iter()
        .filter(|section| !section.trim().is_empty())
        .map(|section| mrkdwn_section(section))
        .collect();
    let elements: Vec<Value> = buttons
        .iter()
        .enumerate()
        .map(|(index, (action, label))| {
            let mut element = json!({
                "type": "button",
                "action_id": action,
                "value": action,
                "text": {"type": "plain_text", "text": cut(label, 75), "emoji": true},
            });
            if index == 0 {
                element["style"] = json!("primary");
            }
            element
        })
        .collect();
    blocks.push(json!({"type": "actions", "elements": elements}));
    // Built from Block Kit's documented shapes, which slack-morphism reads.
    let blocks: Vec<SlackBlock> = serde_json::from_value(Value::Array(blocks)).unwrap_or_default();
    SlackMessageContent::new()
        .with_text(cut(text, 39_000))
        .with_blocks(blocks)
}

/// Plain mrkdwn text content.
pub fn text_content(text: &str) -> SlackMessageContent {
    SlackMessageContent::new().with_text(cut(text, 39_000))
}

fn text_input(name: &str, field: &FormField, is_multiline: bool, is_optional: bool) -> Value {
    let mut input = json!({
        "type": "input",
        "block_id": name,
        "optional": is_optional,
        "label": {"type": "plain_text", "text": cut(&field.label, 2000)},
        "element": {
            "type": "plain_text_input",
            "action_id": name,
            "multiline": is_multiline,
            "placeholder": {"type": "plain_text", "text": cut(&field.hint, 150)},
        },
    });
    if !field.value.is_empty() {
        input["element"]["initial_value"] = json!(cut(&field.value, 3000));
    }
    input
}

/// The fix-note modal for `incident`.
pub fn fix_note_view(form: &FixNoteForm, incident: IncidentId) -> Value {
    json!({
        "type": "modal",
        "callback_id": FIX_NOTE_VIEW,
        "private_metadata": incident.to_string(),
        "title": {"type": "plain_text", "text": cut(&form.title, 24)},
        "submit": {"type": "plain_text", "text": cut(&form.submit, 24)},
        "blocks": [
            text_input(input::SUMMARY, &form.summary, false, false),
            text_input(input::CAUSE, &form.cause, true, false),
            text_input(input::FIX, &form.fix, true, false),
            text_input(input::PREVENTION, &form.prevention, true, false),
            text_input(input::LINKS, &form.links, true, true),
        ],
    })
}

/// Labels of the escalation form, already in the reader's language.
pub struct EscalateFormText {
    /// The modal's title.
    pub title: String,
    /// The submit button.
    pub submit: String,
    /// The severity picker.
    pub severity: FormField,
    /// The summary input.
    pub summary: FormField,
    /// The word that introduces a counter-example, e.g. "Not".
    pub not_label: String,
}

/// The escalation modal opened by `/escalate` alone: each severity with its criteria and
/// counter-examples as the option's description.
pub fn escalate_view(text: &EscalateFormText, policy: &Policy, channel: &str) -> Value {
    let options: Vec<Value> = policy
        .severities
        .iter()
        .map(|severity| {
            let label = format!(
                "{} · {}",
                severity.id.as_str().to_uppercase(),
                severity.name
            );
            let mut description = severity.criteria.join("; ");
            if let Some(example) = severity.counter_examples.first() {
                description.push_str(&format!(" — {}: {example}", text.not_label));
            }
            json!({
                "text": {"type": "plain_text", "text": cut(&label, 75)},
                "description": {"type": "plain_text", "text": cut(&description, 75)},
                "value": severity.id.as_str(),
            })
        })
        .collect();
    let criteria: Vec<Value> = policy
        .severities
        .iter()
        .map(|severity| {
            let mut lines = format!(
                "*{} · {}*",
                severity.id.as_str().to_uppercase(),
                severity.name
            );
            for criterion in &severity.criteria {
                lines.push_str(&format!("\n• {}", SlackMarkup.escape(criterion)));
            }
            for example in &severity.counter_examples {
                lines.push_str(&format!("\n✗ {}", SlackMarkup.escape(example)));
            }
            json!({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(&lines, 3000)}]})
        })
        .collect();

    let mut blocks = vec![json!({
        "type": "input",
        "block_id": input::SEVERITY,
        "label": {"type": "plain_text", "text": cut(&text.severity.label, 2000)},
        "element": {
            "type": "static_select",
            "action_id": input::SEVERITY,
            "placeholder": {"type": "plain_text", "text": cut(&text.severity.hint, 150)},
            "options": options,
        },
    })];
    blocks.extend(criteria);
    blocks.push(text_input(input::SUMMARY, &text.summary, true, false));
    json!({
        "type": "modal",
        "callback_id": ESCALATE_VIEW,
        "private_metadata": channel,
        "title": {"type": "plain_text", "text": cut(&text.title, 24)},
        "submit": {"type": "plain_text", "text": cut(&text.submit, 24)},
        "blocks": blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Action, ActionKind, Field};

    fn card() -> Card {
        Card {
            title: "INC-7 · SEV1 Critical".into(),
            summary: "Card payments fail".into(),
            fields: vec![Field {
                label: "State".into(),
                value: "open".into(),
            }],
            hint: Some("React with :eyes: to take it".into()),
            buttons: vec![Button {
                label: "Acknowledge".into(),
                action: Action {
                    kind: ActionKind::Acknowledge,
                    incident: IncidentId(7),
                },
                style: ButtonStyle::Primary,
            }],
            fallback: "INC-7 · SEV1 Critical: Card payments fail".into(),
        }
    }

    #[test]
    fn a_card_becomes_blocks_slack_morphism_reads() {
        let blocks = card_blocks(&card());
        let parsed: Vec<SlackBlock> = serde_json::from_value(blocks.clone()).unwrap();
        assert_eq!(parsed.len(), 5);
        assert_eq!(blocks[4]["elements"][0]["action_id"], "ack:7");
        assert_eq!(blocks[4]["elements"][0]["style"], "primary");
        let content = card_content(&card());
        assert_eq!(content.blocks.map(|b| b.len()), Some(5));
    }

    #[test]
    fn user_text_is_escaped_and_mentions_are_slack_forms() {
        assert_eq!(SlackMarkup.escape("a<b>&c"), "a&lt;b&gt;&amp;c");
        assert_eq!(SlackMarkup.user(&UserRef::slack("U1")), "<@U1>");
        assert_eq!(
            SlackMarkup.link("https://x.test/?a=1", "docs"),
            "<https://x.test/?a=1|docs>"
        );
    }

    #[test]
    fn long_texts_are_cut_to_slacks_limits() {
        let long = "x".repeat(5000);
        let cut = cut(&long, SECTION_LIMIT);
        assert_eq!(cut.chars().count(), SECTION_LIMIT);
        assert!(cut.ends_with('…'));
    }
}
