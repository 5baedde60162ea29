//! A readable account of what happens in the workspace, broadcast as it happens, so
//! `escalator demo` can print the conversation and tests can wait for a step.
//!
//! User ids are already resolved to names and mentions such as `<@U123>` are rewritten
//! to `@name` when an event is made.

use std::fmt;

use chrono::{DateTime, Utc};

/// One thing that happened in the workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: WorkspaceEventKind,
}

/// What happened, with names resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkspaceEventKind {
    /// A message appeared in a channel (or in a thread of it).
    MessagePosted {
        /// `#name` of the channel.
        channel: String,
        /// Author's name.
        author: String,
        /// Whether it is a thread reply.
        in_thread: bool,
        /// Readable text.
        text: String,
    },
    /// A message was edited.
    MessageUpdated {
        /// `#name` of the channel.
        channel: String,
        /// Author's name.
        author: String,
        /// New readable text.
        text: String,
    },
    /// The bot (or a user) wrote in a direct message.
    DirectMessage {
        /// Author's name.
        from: String,
        /// Recipient's name.
        to: String,
        /// Readable text.
        text: String,
    },
    /// A message only one user sees.
    EphemeralShown {
        /// `#name` of the channel.
        channel: String,
        /// Who sees it.
        user: String,
        /// Readable text.
        text: String,
    },
    /// A modal opened.
    ModalOpened {
        /// Who sees it.
        user: String,
        /// Its title.
        title: String,
    },
    /// A modal changed (views.update or a submission answer).
    ModalUpdated {
        /// Who sees it.
        user: String,
        /// Its title.
        title: String,
    },
    /// A modal closed.
    ModalClosed {
        /// Who saw it.
        user: String,
        /// Its title.
        title: String,
    },
    /// A reaction was added.
    ReactionAdded {
        /// Who reacted.
        by: String,
        /// Emoji name.
        reaction: String,
        /// `#name` of the channel.
        channel: String,
    },
    /// A reaction was removed.
    ReactionRemoved {
        /// Who un-reacted.
        by: String,
        /// Emoji name.
        reaction: String,
        /// `#name` of the channel.
        channel: String,
    },
    /// A user ran a slash command.
    CommandRun {
        /// Who.
        user: String,
        /// `#name` of the channel.
        channel: String,
        /// The command and its text.
        command: String,
    },
    /// A user clicked a button.
    ButtonClicked {
        /// Who.
        user: String,
        /// The button's label, or its action id.
        label: String,
    },
    /// A user submitted a modal.
    ViewSubmitted {
        /// Who.
        user: String,
        /// Its title.
        title: String,
    },
    /// Something posted to the webhook sink.
    WebhookCalled {
        /// Hook name.
        name: String,
        /// A short form of the body.
        summary: String,
    },
    /// The bot opened a Socket Mode connection.
    Connected {
        /// Connections now open.
        connections: usize,
    },
    /// A Socket Mode connection closed.
    Disconnected {
        /// Connections now open.
        connections: usize,
    },
    /// An envelope was sent again because it was not acknowledged.
    Redelivered {
        /// What it carried.
        what: String,
        /// Its `retry_attempt`.
        attempt: u32,
    },
    /// A Web API call was refused with 429.
    RateLimited {
        /// Method.
        method: String,
        /// Seconds in `Retry-After`.
        retry_after_secs: u64,
    },
}

impl fmt::Display for WorkspaceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.at.format("%H:%M:%S"))?;
        fmt::Display::fmt(&self.kind, f)
    }
}

impl fmt::Display for WorkspaceEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MessagePosted {
                channel,
                author,
                in_thread,
                text,
            } => {
                let arrow = if *in_thread { "  ↳ " } else { "" };
                write!(f, "{channel} {arrow}{author}: {text}")
            }
            Self::MessageUpdated {
                channel,
                author,
                text,
            } => {
                write!(f, "{channel} {author} (edited): {text}")
            }
            Self::DirectMessage { from, to, text } => write!(f, "DM {from} → {to}: {text}"),
            Self::EphemeralShown {
                channel,
                user,
                text,
            } => {
                write!(f, "{channel} (only {user} sees) {text}")
            }
            Self::ModalOpened { user, title } => write!(f, "modal \"{title}\" opened for {user}"),
            Self::ModalUpdated { user, title } => {
                write!(f, "modal \"{title}\" updated for {user}")
            }
            Self::ModalClosed { user, title } => write!(f, "modal \"{title}\" closed for {user}"),
            Self::ReactionAdded {
                by,
                reaction,
                channel,
            } => {
                write!(f, "{channel} :{reaction}: added by {by}")
            }
            Self::ReactionRemoved {
                by,
                reaction,
                channel,
            } => {
                write!(f, "{channel} :{reaction}: removed by {by}")
            }
            Self::CommandRun {
                user,
                channel,
                command,
            } => write!(f, "{channel} {user}: {command}"),
            Self::ButtonClicked { user, label } => write!(f, "{user} clicked [{label}]"),
            Self::ViewSubmitted { user, title } => write!(f, "{user} submitted \"{title}\""),
            Self::WebhookCalled { name, summary } => write!(f, "webhook {name} called: {summary}"),
            Self::Connected { connections } => {
                write!(f, "bot connected over Socket Mode ({connections} open)")
            }
            Self::Disconnected { connections } => {
                write!(f, "Socket Mode connection closed ({connections} open)")
            }
            Self::Redelivered { what, attempt } => {
                write!(f, "{what} not acknowledged, sent again (retry {attempt})")
            }
            Self::RateLimited {
                method,
                retry_after_secs,
            } => {
                write!(
                    f,
                    "{method} rate limited (retry after {retry_after_secs} s)"
                )
            }
        }
    }
}

/// Rewrites `<@U…>` and `<@U…|label>` mentions with `resolve`, as `@name`.
pub(crate) fn resolve_mentions(text: &str, resolve: impl Fn(&str) -> String) -> String {
    resolve_marked(text, "<@", '@', resolve)
}

/// Rewrites `<#C…>` and `<#C…|name>` channel mentions with `resolve`, as `#name`.
pub(crate) fn resolve_channel_mentions(text: &str, resolve: impl Fn(&str) -> String) -> String {
    resolve_marked(text, "<#", '#', resolve)
}

/// Rewrites every `{open}ID>` or `{open}ID|label>` in `text` as `sigil` + `resolve(ID)`.
fn resolve_marked(text: &str, open: &str, sigil: char, resolve: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        out.push_str(&rest[..start]);
        let after = &rest[start + open.len()..];
        let Some(end) = after.find('>') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let id = after[..end].split('|').next().unwrap_or_default();
        out.push(sigil);
        out.push_str(&resolve(id));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_mentions_become_names() {
        let resolve = |id: &str| {
            if id == "C1" {
                "incidents".to_string()
            } else {
                id.to_string()
            }
        };
        assert_eq!(
            resolve_channel_mentions("see <#C1> and <#C2|other> now", resolve),
            "see #incidents and #C2 now"
        );
        assert_eq!(
            resolve_channel_mentions("broken <#C1", resolve),
            "broken <#C1"
        );
    }

    #[test]
    fn mentions_become_names() {
        let resolve = |id: &str| {
            if id == "U1" {
                "alice".to_string()
            } else {
                id.to_string()
            }
        };
        let cases = [
            ("hi <@U1>!", "hi @alice!"),
            ("<@U1|al> and <@U2>", "@alice and @U2"),
            ("no mention", "no mention"),
            ("broken <@U1", "broken <@U1"),
        ];
        for (input, expected) in cases {
            assert_eq!(resolve_mentions(input, resolve), expected);
        }
    }

    #[test]
    fn events_read_like_a_chat() {
        let kind = WorkspaceEventKind::ReactionAdded {
            by: "bob".into(),
            reaction: "eyes".into(),
            channel: "#incidents".into(),
        };
        assert_eq!(kind.to_string(), "#incidents :eyes: added by bob");
    }
}
