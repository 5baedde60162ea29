//! Errors of the workspace's own API (starting it, driving it), as opposed to the Slack
//! errors it answers on the wire, which are data.

use std::time::Duration;

/// What went wrong while starting or driving the workspace.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// The listening socket could not be bound.
    #[error("could not bind the workspace server on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),

    /// The setup names no such user.
    #[error("unknown user {0}")]
    UnknownUser(String),

    /// The setup names no such channel, and no DM has that id.
    #[error("unknown channel {0}")]
    UnknownChannel(String),

    /// No message with that timestamp exists in the channel.
    #[error("no message {ts} in channel {channel}")]
    MessageNotFound {
        /// Channel searched.
        channel: String,
        /// Timestamp looked for.
        ts: String,
    },

    /// The message has no button with that `action_id`.
    #[error("message {ts} has no element with action_id {action_id}")]
    ActionNotFound {
        /// Message searched.
        ts: String,
        /// The missing action id.
        action_id: String,
    },

    /// No view with that id was opened.
    #[error("no open view {0}")]
    ViewNotFound(String),

    /// A view submission leaves a required input empty; Slack's client would refuse it.
    #[error("view {view_id} requires input block {block_id}")]
    MissingRequiredInput {
        /// The view.
        view_id: String,
        /// The empty required block.
        block_id: String,
    },

    /// The envelope id was never delivered.
    #[error("unknown envelope {0}")]
    UnknownEnvelope(String),

    /// The bot did not acknowledge an envelope within the wait.
    #[error("envelope {envelope_id} not acknowledged within {waited:?}")]
    NotAcknowledged {
        /// The envelope.
        envelope_id: String,
        /// How long the workspace waited.
        waited: Duration,
    },

    /// A signed HTTP request to the bot failed below HTTP.
    #[error("could not send the signed request to {url}: {source}")]
    Http {
        /// Target URL.
        url: String,
        /// Cause.
        #[source]
        source: reqwest::Error,
    },

    /// The target of a signed HTTP request is not on 127.0.0.1 or localhost.
    #[error("refusing to send a signed request to a non-loopback URL {0}")]
    NotLoopback(String),
}
