//! What chat users ask of the bot, in platform-neutral form.
//!
//! Each adapter turns its platform's events (a slash command, a reaction, a button, a
//! submitted form) into a `Request`; `handle` (in `crate::adapters::respond`) turns a
//! request into runtime calls and a `Response` the adapter shows the user.

use crate::engine::{IncidentId, UserRef};
use crate::ports::MessageRef;

/// One thing a user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Who asked.
    pub user: UserRef,
    /// A key that is the same for every delivery of this event, so a retried event is
    /// processed once.
    pub dedupe: Option<String>,
    /// What they asked for.
    pub kind: RequestKind,
}

/// The kinds of request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// `/escalate …` typed in a channel, or the bot mentioned in a thread.
    Command {
        /// The channel it was typed in.
        channel: String,
        /// The thread it was typed in, if any (mentions only; slash commands have none).
        thread: Option<MessageRef>,
        /// The text after the command name (or after the mention).
        text: String,
    },
    /// A reaction on a message.
    Reaction {
        /// The message reacted to.
        message: MessageRef,
        /// The emoji's name, without colons (`eyes`), or a unicode emoji.
        emoji: String,
    },
    /// A button on one of the bot's messages.
    Button {
        /// The button's encoded action, e.g. `ack:42`.
        action: String,
        /// Where the button was.
        channel: Option<String>,
    },
    /// The escalation form (opened by `/escalate` alone) was submitted.
    EscalateForm {
        /// The channel `/escalate` was typed in.
        channel: String,
        /// The severity picked.
        severity: String,
        /// The summary typed.
        summary: String,
    },
    /// The fix-note form was submitted.
    FixNoteForm {
        /// The incident it belongs to.
        incident: IncidentId,
        /// The fields typed.
        fields: FixNoteFields,
    },
}

/// The fields of the fix-note form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixNoteFields {
    /// What happened.
    pub summary: String,
    /// Why it happened.
    pub cause: String,
    /// What fixed it.
    pub fix: String,
    /// How to prevent it.
    pub prevention: String,
    /// Related links, one per line.
    pub links: String,
}
