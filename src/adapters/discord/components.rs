//! Discord markup and message JSON: cards become an embed with buttons, the fix-note form
//! becomes a modal, and the `/escalate` command is described for registration.
//!
//! Everything is written as the JSON Discord documents; tests read it back with
//! serenity's types, so a field Discord would reject shows up here first.

use serde_json::{json, Value};

use crate::engine::policy::{Person, Policy};
use crate::engine::{IncidentId, Platform, Timestamp, UserRef};
use crate::render::{Button, ButtonStyle, Card, Digest, FixNoteForm, FormField, Markup};

/// The custom id prefix of the fix-note modal; the incident number follows.
pub const FIX_NOTE_MODAL: &str = "fix-note:";

/// The custom ids of the fix-note modal's inputs.
pub mod input {
    /// What happened.
    pub const SUMMARY: &str = "summary";
    /// Why it happened.
    pub const CAUSE: &str = "cause";
    /// What fixed it.
    pub const FIX: &str = "fix";
    /// How to prevent it.
    pub const PREVENTION: &str = "prevention";
    /// Related links.
    pub const LINKS: &str = "links";
}

/// Interaction response types (Discord's `InteractionCallbackType`).
pub mod callback {
    /// A message, shown at once.
    pub const MESSAGE: u8 = 4;
    /// "Thinking…"; the message follows by editing the original response.
    pub const DEFERRED_MESSAGE: u8 = 5;
    /// A modal form.
    pub const MODAL: u8 = 9;
}

/// The message flag that shows a response to its user only.
pub const EPHEMERAL: u64 = 64;

/// Discord's markdown: `<@123>` mentions, `**bold**`, `[label](url)` links.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiscordMarkup;

impl Markup for DiscordMarkup {
    fn person(&self, person: &Person) -> String {
        match person.accounts.get(&Platform::Discord) {
            Some(id) => format!("<@{id}>"),
            None => self.escape(&person.name),
        }
    }

    fn user(&self, user: &UserRef) -> String {
        format!("<@{}>", user.id)
    }

    fn everyone(&self) -> String {
        "@here".to_owned()
    }

    fn bold(&self, text: &str) -> String {
        format!("**{text}**")
    }

    fn link(&self, url: &str, label: &str) -> String {
        if url == label {
            return format!("<{url}>");
        }
        format!("[{}]({})", self.escape(label), url.replace(')', "%29"))
    }

    fn escape(&self, text: &str) -> String {
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(
                c,
                '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '[' | ']' | '#'
            ) {
                escaped.push('\\');
            }
            escaped.push(c);
            // A zero-width space keeps `@everyone` and `@here` in user text from pinging.
            if c == '@' {
                escaped.push('\u{200b}');
            }
        }
        escaped
    }

    fn emoji(&self, name: &str) -> String {
        match unicode_of(name) {
            Some(emoji) => emoji.to_owned(),
            None => format!(":{name}:"),
        }
    }

    fn channel(&self, id: &str) -> String {
        format!("<#{id}>")
    }

    fn time(&self, at: Timestamp) -> String {
        format!("<t:{}:f>", at.timestamp())
    }
}

/// Emoji names the policy may use, with the unicode Discord sends in reaction events.
const EMOJI: &[(&str, &str)] = &[
    ("eyes", "👀"),
    ("white_check_mark", "✅"),
    ("heavy_check_mark", "✔"),
    ("+1", "👍"),
    ("thumbsup", "👍"),
    ("ok_hand", "👌"),
    ("raised_hand", "✋"),
    ("rotating_light", "🚨"),
    ("fire", "🔥"),
    ("wrench", "🔧"),
    ("memo", "📝"),
    ("pray", "🙏"),
];

fn unicode_of(name: &str) -> Option<&'static str> {
    EMOJI
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, emoji)| *emoji)
}

/// The policy name of a unicode emoji from a reaction event, when it has one; otherwise
/// the emoji itself (a policy may list raw unicode too). Variation selectors are ignored.
pub fn emoji_name(unicode: &str) -> String {
    let bare: String = unicode.chars().filter(|c| *c != '\u{fe0f}').collect();
    EMOJI
        .iter()
        .find(|(_, emoji)| *emoji == bare)
        .map(|(name, _)| (*name).to_owned())
        .unwrap_or(bare)
}

/// Cuts `text` to `limit` characters, marking the cut.
pub fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// How many messages one long reply may take; what is left after that is cut.
pub const MAX_REPLY_PARTS: usize = 8;

/// Splits `text` into messages of at most `limit` characters, at line ends where it can.
/// A code block split between two messages is closed at the end of the first and opened
/// again (with its language) at the start of the next, so both show as code. At most
/// [`MAX_REPLY_PARTS`] messages; the last one is cut if more would be needed.
pub fn split_text(text: &str, limit: usize) -> Vec<String> {
    let mut splitter = Splitter {
        limit,
        parts: Vec::new(),
        current: String::new(),
        fence: None,
    };
    for line in text.split('\n') {
        splitter.add_line(line);
    }
    let mut parts = splitter.finish();
    if parts.len() > MAX_REPLY_PARTS {
        parts.truncate(MAX_REPLY_PARTS);
        let last = parts.last_mut().expect("at least one part");
        *last = cut(&format!("{last}\n…"), limit);
    }
    parts
}

/// What closes a code block at the end of a message.
const CLOSE_FENCE: &str = "\n```";

/// The state of [`split_text`]: the messages so far and the one being filled.
struct Splitter {
    limit: usize,
    parts: Vec<String>,
    current: String,
    /// The line that opened the code block the next line is in, if it is in one.
    fence: Option<String>,
}

impl Splitter {
    /// Adds `line` to the current message, starting new messages as it needs.
    fn add_line(&mut self, line: &str) {
        let is_fence = line.trim_start().starts_with("```");
        // Room kept for closing the code block, should the message end inside it.
        let reserve = if self.fence.is_some() || is_fence {
            CLOSE_FENCE.chars().count()
        } else {
            0
        };
        let mut rest = line;
        loop {
            if self.length_with(rest) + reserve <= self.limit {
                self.append(rest);
                break;
            }
            if self.holds_nothing_new() {
                // Even alone the line does not fit: take what does (at least a character).
                let room = self
                    .limit
                    .saturating_sub(self.length_with("") + reserve)
                    .max(1);
                let (head, tail) = split_at_char(rest, room);
                self.append(head);
                rest = tail;
            }
            self.start_next();
            // A line that did not fit goes whole into the next message; an empty one is
            // dropped, as the break between the messages shows it.
            if rest.is_empty() {
                break;
            }
        }
        if is_fence {
            self.fence = match self.fence {
                Some(_) => None,
                None => Some(line.trim_start().to_owned()),
            };
        }
    }

    /// The current message's length with `line` added on a line of its own.
    fn length_with(&self, line: &str) -> usize {
        let separator = usize::from(!self.current.is_empty());
        self.current.chars().count() + separator + line.chars().count()
    }

    /// Whether the current message is empty, or holds only the reopened code block.
    fn holds_nothing_new(&self) -> bool {
        self.current.is_empty() || self.fence.as_deref() == Some(self.current.as_str())
    }

    fn append(&mut self, line: &str) {
        if !self.current.is_empty() {
            self.current.push('\n');
        }
        self.current.push_str(line);
    }

    /// Ends the current message, closing its code block, and opens the block again in the
    /// next one.
    fn start_next(&mut self) {
        if self.fence.is_some() {
            self.current.push_str(CLOSE_FENCE);
        }
        self.parts.push(std::mem::take(&mut self.current));
        if let Some(open) = &self.fence {
            self.current.push_str(open);
        }
    }

    fn finish(mut self) -> Vec<String> {
        if !self.current.is_empty() || self.parts.is_empty() {
            self.parts.push(self.current);
        }
        self.parts
    }
}

/// `text` split after its first `count` characters.
fn split_at_char(text: &str, count: usize) -> (&str, &str) {
    let at = text
        .char_indices()
        .nth(count)
        .map_or(text.len(), |(index, _)| index);
    text.split_at(at)
}

fn button(button: &Button) -> Value {
    let style = match button.style {
        ButtonStyle::Primary => 1,
        _ => 2,
    };
    json!({
        "type": 2,
        "style": style,
        "label": cut(&button.label, 80),
        "custom_id": button.action.encode(),
    })
}

/// A card as a message body: an embed with its fields, and its buttons in one row.
pub fn card_message(card: &Card) -> Value {
    let fields: Vec<Value> = card
        .fields
        .iter()
        .take(25)
        .map(|field| {
            json!({"name": cut(&field.label, 256), "value": cut(&field.value, 1024), "inline": true})
        })
        .collect();
    let mut embed = json!({
        "title": cut(&card.title, 256),
        "description": cut(&card.summary, 4096),
        "fields": fields,
    });
    if let Some(hint) = &card.hint {
        embed["footer"] = json!({"text": cut(hint, 2048)});
    }
    let mut message = json!({
        "content": "",
        "embeds": [embed],
        "allowed_mentions": {"parse": ["users"]},
    });
    if !card.buttons.is_empty() {
        let buttons: Vec<Value> = card.buttons.iter().take(5).map(button).collect();
        message["components"] = json!([{"type": 1, "components": buttons}]);
    }
    message
}

/// A digest of pages as a message body: the opening line, one embed per incident (at
/// most 10, Discord's limit, each short enough for the 6,000 characters all embeds may
/// hold) and their Acknowledge buttons in rows of five, each naming its incident.
pub fn digest_message(digest: &Digest) -> Value {
    let embeds: Vec<Value> = digest
        .items
        .iter()
        .take(10)
        .map(|item| json!({"description": cut(&item.text, 550)}))
        .collect();
    let buttons: Vec<Value> = digest
        .items
        .iter()
        .take(25)
        .map(|item| {
            let labelled = Button {
                label: format!("{} · {}", item.button.label, item.incident),
                ..item.button.clone()
            };
            button(&labelled)
        })
        .collect();
    let rows: Vec<Value> = buttons
        .chunks(5)
        .map(|row| json!({"type": 1, "components": row}))
        .collect();
    json!({
        "content": cut(&digest.heading, 2000),
        "embeds": embeds,
        "components": rows,
        "allowed_mentions": {"parse": ["users"]},
    })
}

/// A plain text message body; user mentions in it notify, `@here` does too.
pub fn text_message(text: &str) -> Value {
    json!({
        "content": cut(text, 2000),
        "allowed_mentions": {"parse": ["users", "everyone"]},
    })
}

fn text_input(name: &str, field: &FormField, is_paragraph: bool, is_required: bool) -> Value {
    let mut row = json!({
        "type": 1,
        "components": [{
            "type": 4,
            "custom_id": name,
            "label": cut(&field.label, 45),
            "style": if is_paragraph { 2 } else { 1 },
            "placeholder": cut(&field.hint, 100),
            "required": is_required,
        }],
    });
    if !field.value.is_empty() {
        row["components"][0]["value"] = json!(cut(&field.value, 4000));
    }
    row
}

/// The fix-note modal for `incident`, as an interaction response.
pub fn fix_note_modal(form: &FixNoteForm, incident: IncidentId) -> Value {
    json!({
        "type": callback::MODAL,
        "data": {
            "custom_id": format!("{FIX_NOTE_MODAL}{}", incident.0),
            "title": cut(&form.title, 45),
            "components": [
                text_input(input::SUMMARY, &form.summary, false, true),
                text_input(input::CAUSE, &form.cause, true, true),
                text_input(input::FIX, &form.fix, true, true),
                text_input(input::PREVENTION, &form.prevention, true, true),
                text_input(input::LINKS, &form.links, true, false),
            ],
        },
    })
}

/// The subcommands of `/escalate` that act on an incident, with the grammar's verb.
pub const LIFECYCLE_SUBCOMMANDS: &[&str] = &["ack", "resolve", "cancel", "status", "follow"];

/// The `/escalate` command for registration: `open` with the severity as choices (each
/// carrying its criteria) and a summary, and one subcommand per grammar verb.
pub fn escalate_command(policy: &Policy, descriptions: &CommandText) -> Value {
    let choices: Vec<Value> = policy
        .severities
        .iter()
        .take(25)
        .map(|severity| {
            let mut name = format!(
                "{} · {} — {}",
                severity.id.as_str().to_uppercase(),
                severity.name,
                severity.criteria.join("; ")
            );
            if let Some(example) = severity.counter_examples.first() {
                name.push_str(&format!(" ({}: {example})", descriptions.not_label));
            }
            json!({"name": cut(&name, 100), "value": severity.id.as_str()})
        })
        .collect();
    let incident = |required: bool| json!({"type": 4, "name": "incident", "description": cut(&descriptions.incident, 100), "required": required, "min_value": 1});
    let mut subcommands = vec![json!({
        "type": 1,
        "name": "open",
        "description": cut(&descriptions.open, 100),
        "options": [
            {"type": 3, "name": "severity", "description": cut(&descriptions.severity, 100), "required": true, "choices": choices},
            {"type": 3, "name": "summary", "description": cut(&descriptions.summary, 100), "required": true, "max_length": 1000},
        ],
    })];
    for verb in LIFECYCLE_SUBCOMMANDS {
        subcommands.push(json!({
            "type": 1, "name": verb, "description": cut(&descriptions.verb(verb), 100),
            "options": [incident(false)],
        }));
    }
    subcommands.push(json!({
        "type": 1, "name": "update", "description": cut(&descriptions.verb("update"), 100),
        "options": [
            {"type": 3, "name": "text", "description": cut(&descriptions.text, 100), "required": true, "max_length": 1000},
            incident(false),
        ],
    }));
    subcommands.push(json!({
        "type": 1, "name": "reassign", "description": cut(&descriptions.verb("reassign"), 100),
        "options": [
            {"type": 6, "name": "user", "description": cut(&descriptions.user, 100), "required": true},
            incident(false),
        ],
    }));
    let severity_choices: Vec<Value> = policy
        .severities
        .iter()
        .take(25)
        .map(|s| json!({"name": cut(&format!("{} · {}", s.id.as_str().to_uppercase(), s.name), 100), "value": s.id.as_str()}))
        .collect();
    subcommands.push(json!({
        "type": 1, "name": "severity", "description": cut(&descriptions.verb("severity"), 100),
        "options": [
            {"type": 3, "name": "severity", "description": cut(&descriptions.severity, 100), "required": true, "choices": severity_choices},
            incident(false),
        ],
    }));
    subcommands.push(json!({
        "type": 1, "name": "skip", "description": cut(&descriptions.verb("skip"), 100),
        "options": [
            {"type": 3, "name": "reason", "description": cut(&descriptions.reason, 100), "required": true, "max_length": 1000},
            incident(false),
        ],
    }));
    for verb in ["why", "criteria"] {
        let options = if verb == "why" {
            vec![incident(false)]
        } else {
            Vec::new()
        };
        subcommands.push(json!({
            "type": 1, "name": verb, "description": cut(&descriptions.verb(verb), 100),
            "options": options,
        }));
    }
    // The rest of these commands' grammar goes in one text option, as typed on Slack.
    for (verb, option, description, is_required) in [
        ("kb", "words", &descriptions.words, true),
        ("away", "when", &descriptions.when, false),
        ("stats", "filter", &descriptions.filter, false),
    ] {
        subcommands.push(json!({
            "type": 1, "name": verb, "description": cut(&descriptions.verb(verb), 100),
            "options": [
                {"type": 3, "name": option, "description": cut(description, 100), "required": is_required, "max_length": 1000},
            ],
        }));
    }
    subcommands.push(json!({
        "type": 1, "name": "help", "description": cut(&descriptions.verb("help"), 100),
    }));
    json!({
        "name": "escalate",
        "type": 1,
        "description": cut(&descriptions.command, 100),
        "options": subcommands,
    })
}

/// The admins' `/escalate-admin` command for registration: the admin grammar in one text
/// option. Discord shows it only to members who may manage the server (server settings
/// can widen that); the bot itself still refuses anyone who is not an admin in the policy.
pub fn admin_command(descriptions: &CommandText) -> Value {
    json!({
        "name": "escalate-admin",
        "type": 1,
        "description": cut(&descriptions.admin, 100),
        "default_member_permissions": MANAGE_GUILD.to_string(),
        "contexts": [0],
        "options": [
            {"type": 3, "name": "command", "description": cut(&descriptions.admin_command, 100), "required": true, "max_length": 1000},
        ],
    })
}

/// Discord's Manage Server permission bit.
const MANAGE_GUILD: u64 = 1 << 5;

/// The descriptions of `/escalate` and its options, in the policy's default language.
pub struct CommandText {
    /// The command.
    pub command: String,
    /// `open`.
    pub open: String,
    /// The severity option.
    pub severity: String,
    /// The summary option.
    pub summary: String,
    /// The incident option.
    pub incident: String,
    /// The update text option.
    pub text: String,
    /// The user option.
    pub user: String,
    /// The reason option of `skip`.
    pub reason: String,
    /// The search words option of `kb`.
    pub words: String,
    /// The option of `away`.
    pub when: String,
    /// The option of `stats`.
    pub filter: String,
    /// `/escalate-admin`.
    pub admin: String,
    /// Its command option.
    pub admin_command: String,
    /// The word introducing a counter-example.
    pub not_label: String,
    /// Descriptions of the other subcommands, by verb.
    pub verbs: Vec<(String, String)>,
}

/// The command's descriptions from the catalog, in `locale`.
pub fn command_text(locale: &str) -> CommandText {
    let t = |key: &str| crate::i18n::text(locale, key, &[]);
    CommandText {
        command: t("discord-command"),
        open: t("discord-command-open"),
        severity: t("discord-option-severity"),
        summary: t("discord-option-summary"),
        incident: t("discord-option-incident"),
        text: t("discord-option-text"),
        user: t("discord-option-user"),
        reason: t("discord-option-reason"),
        words: t("discord-option-words"),
        when: t("discord-option-when"),
        filter: t("discord-option-filter"),
        admin: t("discord-command-admin"),
        admin_command: t("discord-option-admin-command"),
        not_label: t("escalate-form-not"),
        verbs: [
            "ack", "resolve", "cancel", "status", "follow", "update", "reassign", "severity",
            "skip", "why", "criteria", "kb", "away", "stats", "help",
        ]
        .iter()
        .map(|verb| ((*verb).to_owned(), t(&format!("discord-command-{verb}"))))
        .collect(),
    }
}

impl CommandText {
    fn verb(&self, verb: &str) -> String {
        self.verbs
            .iter()
            .find(|(name, _)| name == verb)
            .map(|(_, text)| text.clone())
            .unwrap_or_else(|| verb.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fences_balance(part: &str) -> bool {
        part.lines()
            .filter(|line| line.trim_start().starts_with("```"))
            .count()
            % 2
            == 0
    }

    #[test]
    fn a_short_reply_stays_one_message() {
        assert_eq!(split_text("all fine", 2000), vec!["all fine".to_owned()]);
        assert_eq!(split_text("", 2000), vec![String::new()]);
    }

    #[test]
    fn long_text_splits_at_line_ends_within_the_limit_and_loses_nothing() {
        let text: Vec<String> = (0..300).map(|n| format!("line {n} of the reply")).collect();
        let text = text.join("\n");
        let parts = split_text(&text, 2000);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|part| part.chars().count() <= 2000));
        assert_eq!(parts.join("\n"), text);
    }

    #[test]
    fn a_code_block_split_between_messages_is_closed_and_opened_again() {
        let body: Vec<String> = (0..200)
            .map(|n| format!("key_{n} = \"value {n}\""))
            .collect();
        let text = format!(
            "Files:\n**people.toml**\n```toml\n{}\n```\nend",
            body.join("\n")
        );
        let parts = split_text(&text, 1000);
        assert!(parts.len() > 2, "{parts:?}");
        for part in &parts {
            assert!(part.chars().count() <= 1000, "{part}");
            assert!(fences_balance(part), "{part}");
        }
        assert!(parts[1].starts_with("```toml\n"), "{}", parts[1]);
        // Every line of the original is in some part, in order.
        let joined: Vec<&str> = parts
            .iter()
            .flat_map(|part| part.lines())
            .filter(|line| !line.starts_with("```"))
            .collect();
        let original: Vec<&str> = text
            .lines()
            .filter(|line| !line.starts_with("```"))
            .collect();
        assert_eq!(joined, original);
    }

    #[test]
    fn a_line_longer_than_a_message_is_cut_into_pieces() {
        let line = "가".repeat(4500);
        let parts = split_text(&line, 2000);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|part| part.chars().count() <= 2000));
        assert_eq!(parts.concat(), line);
    }

    #[test]
    fn a_line_longer_than_a_message_inside_a_code_block_shows_as_code_in_every_piece() {
        let text = format!("```\n{}\n```", "x".repeat(2500));
        let parts = split_text(&text, 1000);
        assert_eq!(parts.len(), 3, "{parts:?}");
        for part in &parts {
            assert!(part.chars().count() <= 1000, "{part}");
            assert!(
                part.starts_with("```\n") && part.ends_with("\n```"),
                "{part}"
            );
        }
        let code: String = parts
            .iter()
            .flat_map(|part| part.lines())
            .filter(|line| !line.starts_with("```"))
            .collect();
        assert_eq!(code, "x".repeat(2500));
    }

    #[test]
    fn a_reply_needing_too_many_messages_is_cut_after_the_last_one() {
        let text = "word ".repeat(2000).trim_end().replace(' ', "\n");
        let parts = split_text(&text, 100);
        assert_eq!(parts.len(), MAX_REPLY_PARTS);
        assert!(parts.last().unwrap().ends_with('…'));
        assert!(parts.iter().all(|part| part.chars().count() <= 100));
    }
    use crate::render::{Action, ActionKind, Field};

    fn card() -> Card {
        Card {
            title: "INC-7 · SEV1 Critical".into(),
            summary: "Card payments fail".into(),
            fields: vec![Field {
                label: "State".into(),
                value: "open".into(),
            }],
            hint: Some("React with 👀 to take it".into()),
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
    fn a_card_becomes_an_embed_and_a_row_serenity_reads() {
        let message = card_message(&card());
        let embed: serenity::all::Embed =
            serde_json::from_value(message["embeds"][0].clone()).unwrap();
        assert_eq!(embed.title.as_deref(), Some("INC-7 · SEV1 Critical"));
        let row: serenity::all::ActionRow =
            serde_json::from_value(message["components"][0].clone()).unwrap();
        let serenity::all::ActionRowComponent::Button(button) = &row.components[0] else {
            panic!("not a button: {row:?}");
        };
        assert_eq!(
            button.data,
            serenity::all::ButtonKind::NonLink {
                custom_id: "ack:7".into(),
                style: serenity::all::ButtonStyle::Primary
            }
        );
    }

    #[test]
    fn user_text_is_escaped_and_cannot_ping_everyone() {
        assert_eq!(DiscordMarkup.escape("a*b_c"), "a\\*b\\_c");
        assert_eq!(DiscordMarkup.escape("@everyone"), "@\u{200b}everyone");
        assert_eq!(DiscordMarkup.user(&UserRef::slack("1")), "<@1>");
        assert_eq!(
            DiscordMarkup.link("https://x.test/a", "runbook"),
            "[runbook](https://x.test/a)"
        );
    }

    #[test]
    fn unicode_reactions_map_to_policy_names() {
        assert_eq!(emoji_name("👀"), "eyes");
        assert_eq!(emoji_name("✔\u{fe0f}"), "heavy_check_mark");
        assert_eq!(emoji_name("🦀"), "🦀");
        assert_eq!(DiscordMarkup.emoji("eyes"), "👀");
        assert_eq!(DiscordMarkup.emoji("party_parrot"), ":party_parrot:");
    }
}
