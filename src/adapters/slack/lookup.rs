//! Finding a message the bot posted by its delivery key, so that a resend after a crash
//! does not post it twice.
//!
//! Every message posted for an outbox entry carries Slack message metadata: the event
//! type [`EVENT_TYPE`] with the message's key in the payload. Slack returns metadata in
//! `conversations.history` and `conversations.replies` when asked with
//! `include_all_metadata`; the lookup reads the channel (or the thread) from shortly
//! before the entry was queued. Direct messages are looked up in the channel
//! `conversations.open` returns for the person, the same one they were posted in.
//!
//! A digest (several pages to one person in one message) carries the keys of all its
//! pages in [`KEYS_FIELD`], separated by spaces, so a page delivered in a digest is found
//! by its own key like any other.

use std::collections::HashMap;

use slack_morphism::prelude::*;
use tracing::debug;

use crate::engine::{Platform, Timestamp};
use crate::ports::{ChatError, MessageRef};

use super::client::{classify, kind_of};

/// The metadata event type of every message the bot posts for an outbox entry.
pub const EVENT_TYPE: &str = "escalator_delivery";
/// The payload field that holds the message's key.
pub const KEY_FIELD: &str = "delivery_key";
/// The payload field of a digest that holds the keys of its pages, separated by spaces.
pub const KEYS_FIELD: &str = "delivery_keys";
/// How far before the entry was queued the lookup starts, for clocks that disagree.
const CLOCK_MARGIN: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// Messages per page, Slack's recommended maximum.
const PAGE_SIZE: u16 = 200;
/// Pages read at most; a channel that busy since the entry was queued is searched no
/// further, and the message is sent again.
const MAX_PAGES: usize = 10;

type Session<'a> = SlackClientSession<'a, SlackClientHyperHttpsConnector>;

/// The metadata that tags a message with `key`.
pub fn metadata(key: &str) -> SlackMessageMetadata {
    SlackMessageMetadata::new(EVENT_TYPE.to_owned())
        .with_event_payload(HashMap::from([(KEY_FIELD.to_owned(), key.to_owned())]))
}

/// The metadata that tags a digest with the keys of its pages.
pub fn digest_metadata(keys: &[String]) -> SlackMessageMetadata {
    SlackMessageMetadata::new(EVENT_TYPE.to_owned())
        .with_event_payload(HashMap::from([(KEYS_FIELD.to_owned(), keys.join(" "))]))
}

/// The keys a message carries, and whether it is a digest.
fn keys_of(content: &SlackMessageContent) -> (Vec<&str>, bool) {
    let Some(payload) = content
        .metadata
        .as_ref()
        .filter(|metadata| metadata.event_type == EVENT_TYPE)
        .and_then(|metadata| metadata.event_payload.as_ref())
    else {
        return (Vec::new(), false);
    };
    if let Some(keys) = payload.get(KEYS_FIELD) {
        return (keys.split(' ').collect(), true);
    }
    (
        payload
            .get(KEY_FIELD)
            .map(String::as_str)
            .into_iter()
            .collect(),
        false,
    )
}

/// Whether a message carries `key`, alone or among a digest's.
pub fn carries(content: &SlackMessageContent, key: &str) -> bool {
    keys_of(content).0.contains(&key)
}

/// A message found by one of the keys looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The message.
    pub message: MessageRef,
    /// Whether it is a digest of several pages.
    pub is_digest: bool,
}

/// The messages in the top level of `channel`, posted no earlier than shortly before
/// `since`, that carry any of `keys`, by key.
pub async fn find_posted_any(
    session: &Session<'_>,
    channel: &str,
    keys: &[String],
    since: Timestamp,
) -> Result<HashMap<String, Found>, ChatError> {
    let oldest = slack_ts(since - CLOCK_MARGIN);
    let mut found: HashMap<String, Found> = HashMap::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (messages, next) = history(session, channel, &oldest, cursor.take()).await?;
        for message in &messages {
            let (carried, is_digest) = keys_of(&message.content);
            for key in carried
                .into_iter()
                .filter(|key| keys.iter().any(|k| k == key))
            {
                found.entry(key.to_owned()).or_insert_with(|| Found {
                    message: MessageRef {
                        platform: Platform::Slack,
                        channel: channel.to_owned(),
                        id: message.origin.ts.0.clone(),
                    },
                    is_digest,
                });
            }
        }
        if found.len() == keys.len() {
            break;
        }
        match next {
            Some(next) if !next.is_empty() => cursor = Some(next),
            _ => break,
        }
    }
    Ok(found)
}

/// The message carrying `key` in `channel` (in the thread of `thread`, if given),
/// posted no earlier than shortly before `since`.
pub async fn find_posted(
    session: &Session<'_>,
    channel: &str,
    thread: Option<&str>,
    key: &str,
    since: Timestamp,
) -> Result<Option<MessageRef>, ChatError> {
    let oldest = slack_ts(since - CLOCK_MARGIN);
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (messages, next) = match thread {
            Some(thread) => replies(session, channel, thread, &oldest, cursor.take()).await?,
            None => history(session, channel, &oldest, cursor.take()).await?,
        };
        if let Some(found) = messages.iter().find(|m| carries(&m.content, key)) {
            return Ok(Some(MessageRef {
                platform: Platform::Slack,
                channel: channel.to_owned(),
                id: found.origin.ts.0.clone(),
            }));
        }
        match next {
            Some(next) if !next.is_empty() => cursor = Some(next),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

type Page = (Vec<SlackHistoryMessage>, Option<String>);

async fn history(
    session: &Session<'_>,
    channel: &str,
    oldest: &str,
    cursor: Option<String>,
) -> Result<Page, ChatError> {
    let mut request = SlackApiConversationsHistoryRequest::new()
        .with_channel(channel.into())
        .with_oldest(oldest.into())
        .with_limit(PAGE_SIZE)
        .with_include_all_metadata(true);
    if let Some(cursor) = cursor {
        request = request.with_cursor(cursor.into());
    }
    let response = session
        .conversations_history(&request)
        .await
        .map_err(|error| failed("conversations.history", &error))?;
    let next = response
        .response_metadata
        .and_then(|metadata| metadata.next_cursor)
        .map(|cursor| cursor.0);
    Ok((response.messages, next))
}

/// `conversations.replies` with `include_all_metadata`, which slack-morphism's request
/// type does not carry, so the parameters are listed here.
async fn replies(
    session: &Session<'_>,
    channel: &str,
    thread: &str,
    oldest: &str,
    cursor: Option<String>,
) -> Result<Page, ChatError> {
    let params: Vec<(&str, Option<String>)> = vec![
        ("channel", Some(channel.to_owned())),
        ("ts", Some(thread.to_owned())),
        ("oldest", Some(oldest.to_owned())),
        ("limit", Some(PAGE_SIZE.to_string())),
        ("include_all_metadata", Some("true".to_owned())),
        ("cursor", cursor),
    ];
    let response: SlackApiConversationsRepliesResponse = session
        .http_session_api
        .http_get("conversations.replies", &params, None)
        .await
        .map_err(|error| failed("conversations.replies", &error))?;
    let next = response
        .response_metadata
        .and_then(|metadata| metadata.next_cursor)
        .map(|cursor| cursor.0);
    Ok((response.messages, next))
}

fn failed(method: &'static str, error: &slack_morphism::errors::SlackClientError) -> ChatError {
    debug!(error_kind = kind_of(error), method, "slack call failed");
    classify(error)
}

/// A time as a Slack `ts`: seconds and microseconds.
fn slack_ts(at: Timestamp) -> String {
    let micros = at.timestamp_micros().max(0);
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_through_slacks_json() {
        let content = SlackMessageContent::new()
            .with_text("page".to_owned())
            .with_metadata(metadata("4-1000/C1/0"));
        let json = serde_json::to_value(&content).expect("serialises");
        assert_eq!(json["metadata"]["event_type"], EVENT_TYPE);
        assert_eq!(json["metadata"]["event_payload"][KEY_FIELD], "4-1000/C1/0");

        let back: SlackMessageContent = serde_json::from_value(json).expect("parses");
        assert!(carries(&back, "4-1000/C1/0"));
        assert!(!carries(&back, "4-1000/C1/1"));
        assert!(!carries(&SlackMessageContent::new(), "4-1000/C1/0"));
    }

    #[test]
    fn a_digest_carries_every_key_of_its_pages() {
        let keys = vec!["4-1000/D1/0".to_owned(), "5-1001/D1/0".to_owned()];
        let content = SlackMessageContent::new()
            .with_text("digest".to_owned())
            .with_metadata(digest_metadata(&keys));
        let json = serde_json::to_value(&content).expect("serialises");
        let back: SlackMessageContent = serde_json::from_value(json).expect("parses");
        assert!(carries(&back, "4-1000/D1/0"));
        assert!(carries(&back, "5-1001/D1/0"));
        assert!(!carries(&back, "5-1001/D1/1"));
        assert_eq!(keys_of(&back), (vec!["4-1000/D1/0", "5-1001/D1/0"], true));
        assert_eq!(keys_of(&SlackMessageContent::new()), (vec![], false));
    }

    #[test]
    fn times_read_as_slack_timestamps() {
        let at = chrono::DateTime::from_timestamp(1_733_321_234, 100_000).expect("valid");
        assert_eq!(slack_ts(at), "1733321234.000100");
    }
}
