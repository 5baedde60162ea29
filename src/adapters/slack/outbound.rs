//! Delivering engine effects to Slack: the root message and its thread, pages by mention,
//! direct message, whole channel and webhook, fix notes in the knowledge channel.
//!
//! Every message posted for an outbox entry carries the entry's key in its metadata;
//! when an earlier attempt may have posted it, the key is looked up first (see
//! [`super::lookup`]), so a resend after a crash posts nothing twice.
//!
//! Several pages to one person may come as a digest: one direct message with a section
//! and an Acknowledge button per incident, tagged with every page's key.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use slack_morphism::prelude::*;
use tracing::{debug, info, warn};

use crate::engine::policy::Policy;
use crate::engine::{Effect, Incident, Platform};
use crate::ports::{Alert, Chat, ChatError, Delivered, Delivery, MessageRef};
use crate::render::{self, Body, Markup, Message, PolicyLocale, Target};

use super::blocks::{card_content, digest_content, text_content, text_with_buttons, SlackMarkup};
use super::client::{classify, kind_of, Client, Token};
use super::lookup;
use crate::adapters::resend::MessageKeys;

/// How long a webhook call may take before it counts as failed.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// The Slack side of the `Chat` port.
pub struct SlackChat {
    client: Arc<Client>,
    token: Token,
    webhooks: reqwest::Client,
    workspace_url: Option<String>,
}

/// The outcome of each page of a digest, in order.
type Outcomes = Vec<Result<Delivered, ChatError>>;

impl SlackChat {
    /// Delivers through `client` with the bot token.
    pub fn new(client: Arc<Client>, token: Token) -> Self {
        let webhooks = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            client,
            token,
            webhooks,
            workspace_url: None,
        }
    }

    /// Links digests to incident threads under `url`, the workspace's address as
    /// `auth.test` gives it (`https://example.slack.com/`).
    pub fn with_workspace_url(mut self, url: &str) -> Self {
        self.workspace_url = Some(url.to_owned());
        self
    }

    /// The permalink of a message, in the shape Slack documents for them.
    fn permalink(&self, message: &MessageRef) -> Option<String> {
        let base = self.workspace_url.as_deref()?.trim_end_matches('/');
        let ts: String = message.id.chars().filter(|c| *c != '.').collect();
        Some(format!("{base}/archives/{}/p{ts}", message.channel))
    }

    /// Delivers pages to one person as one digest; pages an earlier attempt posted (in
    /// a digest or alone) are found by their keys and not posted again.
    async fn send_digest(&self, deliveries: &[Delivery]) -> Result<Outcomes, ChatError> {
        let Some(Effect::Page { person, .. }) = deliveries.first().map(|d| &d.effect) else {
            return Ok(vec![Ok(Delivered::default()); deliveries.len()]);
        };
        let policy = deliveries[0].policy.as_ref();
        let Some(user) = policy
            .people
            .get(person)
            .and_then(|p| p.accounts.get(&Platform::Slack))
        else {
            warn!(person = %person, "person has no Slack account; digest skipped");
            return Ok(vec![Ok(Delivered::default()); deliveries.len()]);
        };
        let channel = self.open_dm(user).await?;
        // A page posts one direct message, the first to the person's channel.
        let keys: Vec<Option<String>> = deliveries
            .iter()
            .map(|d| d.key.as_ref().map(|key| key.message_key(&channel, 0)))
            .collect();
        let mut outcomes: Vec<Option<Result<Delivered, ChatError>>> =
            self.find_earlier(&channel, deliveries, &keys).await?;

        let rest: Vec<usize> = (0..deliveries.len())
            .filter(|index| outcomes[*index].is_none())
            .collect();
        if let [only] = rest.as_slice() {
            outcomes[*only] = Some(self.deliver(&deliveries[*only]).await);
        } else if !rest.is_empty() {
            let batch: Vec<Delivery> = rest.iter().map(|i| deliveries[*i].clone()).collect();
            let link = |root: &MessageRef, label: &str| {
                self.permalink(root)
                    .map(|url| SlackMarkup.link(&url, label))
            };
            let Some(digest) = render::render_digest(&batch, &PolicyLocale, &SlackMarkup, &link)
            else {
                return Ok(vec![Ok(Delivered::default()); deliveries.len()]);
            };
            let tags: Vec<String> = rest.iter().filter_map(|i| keys[*i].clone()).collect();
            let mut content = digest_content(&digest);
            if !tags.is_empty() {
                content = content.with_metadata(lookup::digest_metadata(&tags));
            }
            let posted = self.post(&channel, content, None, false).await?;
            info!(
                channel = channel.as_str(),
                pages = rest.len(),
                "page digest posted"
            );
            for index in rest {
                outcomes[index] = Some(Ok(digested(&posted)));
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|outcome| outcome.unwrap_or_else(|| Ok(Delivered::default())))
            .collect())
    }

    /// The outcomes of the pages an earlier attempt may have posted and did: found by
    /// their keys in the person's channel. `None` for each page still to send.
    async fn find_earlier(
        &self,
        channel: &str,
        deliveries: &[Delivery],
        keys: &[Option<String>],
    ) -> Result<Vec<Option<Result<Delivered, ChatError>>>, ChatError> {
        let mut outcomes = vec![None; deliveries.len()];
        let maybe: Vec<(usize, String)> = deliveries
            .iter()
            .zip(keys)
            .enumerate()
            .filter(|(_, (d, _))| d.key.as_ref().is_some_and(|k| k.maybe_delivered))
            .filter_map(|(index, (_, key))| Some((index, key.clone()?)))
            .collect();
        let since = deliveries
            .iter()
            .filter_map(|d| d.key.as_ref().filter(|k| k.maybe_delivered))
            .map(|k| k.queued_at)
            .min();
        let Some(since) = since else {
            return Ok(outcomes);
        };
        let wanted: Vec<String> = maybe.iter().map(|(_, key)| key.clone()).collect();
        let session = self.client.open_session(self.token.api_token());
        let found = lookup::find_posted_any(&session, channel, &wanted, since).await?;
        for (index, key) in maybe {
            let Some(found) = found.get(&key) else {
                continue;
            };
            info!(
                channel,
                delivery_key = key.as_str(),
                "page found posted by an earlier attempt; not sent again"
            );
            outcomes[index] = Some(Ok(if found.is_digest {
                digested(&found.message)
            } else {
                Delivered {
                    linked: vec![found.message.clone()],
                    ..Delivered::default()
                }
            }));
        }
        Ok(outcomes)
    }

    /// Posts a message tagged with the next key of `keys`, unless an earlier attempt of
    /// the same delivery already posted it, in which case that message is returned.
    async fn post_once(
        &self,
        post: Post<'_>,
        content: SlackMessageContent,
        keys: &mut MessageKeys<'_>,
    ) -> Result<MessageRef, ChatError> {
        let key = keys.next(post.channel);
        if let (Some(key), Some(since)) = (&key, keys.look_up_since()) {
            let session = self.client.open_session(self.token.api_token());
            let thread = post.thread.map(|thread| thread.id.as_str());
            if let Some(found) =
                lookup::find_posted(&session, post.channel, thread, key, since).await?
            {
                info!(
                    channel = post.channel,
                    delivery_key = key.as_str(),
                    "message found posted by an earlier attempt; not sent again"
                );
                return Ok(found);
            }
        }
        let content = match &key {
            Some(key) => content.with_metadata(lookup::metadata(key)),
            None => content,
        };
        self.post(post.channel, content, post.thread, post.is_broadcast)
            .await
    }

    async fn post(
        &self,
        channel: &str,
        content: SlackMessageContent,
        thread: Option<&MessageRef>,
        is_broadcast: bool,
    ) -> Result<MessageRef, ChatError> {
        let mut request = SlackApiChatPostMessageRequest::new(channel.into(), content);
        if let Some(thread) = thread {
            request = request.with_thread_ts(thread.id.clone().into());
            if is_broadcast {
                request = request.with_reply_broadcast(true);
            }
        }
        let session = self.client.open_session(self.token.api_token());
        let response = session.chat_post_message(&request).await.map_err(|error| {
            debug!(
                error_kind = kind_of(&error),
                method = "chat.postMessage",
                "slack call failed"
            );
            classify(&error)
        })?;
        Ok(MessageRef {
            platform: Platform::Slack,
            channel: response.channel.0,
            id: response.ts.0,
        })
    }

    async fn update(
        &self,
        root: &MessageRef,
        content: SlackMessageContent,
    ) -> Result<(), ChatError> {
        let request = SlackApiChatUpdateRequest::new(
            root.channel.clone().into(),
            content,
            root.id.clone().into(),
        );
        let session = self.client.open_session(self.token.api_token());
        session.chat_update(&request).await.map_err(|error| {
            debug!(
                error_kind = kind_of(&error),
                method = "chat.update",
                "slack call failed"
            );
            classify(&error)
        })?;
        Ok(())
    }

    async fn open_dm(&self, user: &str) -> Result<String, ChatError> {
        let request = SlackApiConversationsOpenRequest::new().with_users(vec![user.into()]);
        let session = self.client.open_session(self.token.api_token());
        let response = session
            .conversations_open(&request)
            .await
            .map_err(|error| {
                debug!(
                    error_kind = kind_of(&error),
                    method = "conversations.open",
                    "slack call failed"
                );
                classify(&error)
            })?;
        Ok(response.channel.id.0)
    }

    async fn dm(&self, user: &str, content: SlackMessageContent) -> Result<MessageRef, ChatError> {
        let channel = self.open_dm(user).await?;
        self.post(&channel, content, None, false).await
    }

    async fn dm_once(
        &self,
        user: &str,
        content: SlackMessageContent,
        keys: &mut MessageKeys<'_>,
    ) -> Result<MessageRef, ChatError> {
        let channel = self.open_dm(user).await?;
        self.post_once(Post::top(&channel), content, keys).await
    }

    /// Calls a webhook. The `Idempotency-Key` header lets a gateway that honours it drop
    /// a resend after a crash; one that does not may get the call twice.
    async fn call_webhook(
        &self,
        url: &str,
        body: &serde_json::Value,
        key: Option<&str>,
    ) -> Result<(), ChatError> {
        let mut request = self.webhooks.post(url).json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request
            .send()
            .await
            .map_err(|error| ChatError::Transient(format!("webhook: {}", error.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(ChatError::Transient(format!(
                "webhook_http_{}",
                status.as_u16()
            )));
        }
        Err(ChatError::Permanent {
            code: format!("webhook_http_{}", status.as_u16()),
        })
    }

    /// Sends one rendered message; returns it when reactions on it should act on the
    /// incident.
    async fn send(
        &self,
        delivery: &Delivery,
        message: &Message,
        delivered: &mut Delivered,
        keys: &mut MessageKeys<'_>,
    ) -> Result<(), ChatError> {
        let incident = &delivery.incident;
        let policy = delivery.policy.as_ref();
        let content = || match &message.body {
            Body::Card(card) => card_content(card),
            other => text_content(&other.plain_text()),
        };

        match &message.target {
            Target::Root => self.send_root(delivery, content(), delivered, keys).await,
            Target::Thread | Target::Channel => {
                let is_broadcast = message.target == Target::Channel;
                let post = match &delivery.root {
                    Some(root) => Post {
                        channel: &root.channel,
                        thread: Some(root),
                        is_broadcast,
                    },
                    None => Post::top(incident_channel(policy, incident)?),
                };
                let posted = self.post_once(post, content(), keys).await?;
                delivered.linked.push(posted);
                Ok(())
            }
            Target::Person(person) => {
                let Some(user) = policy
                    .people
                    .get(person)
                    .and_then(|p| p.accounts.get(&Platform::Slack))
                else {
                    warn!(incident_id = %incident.id, person = %person, "person has no Slack account; page skipped");
                    return Ok(());
                };
                delivered
                    .linked
                    .push(self.dm_once(user, content(), keys).await?);
                Ok(())
            }
            Target::User(user) if user.platform == Platform::Slack => {
                self.dm_once(&user.id, content(), keys).await?;
                Ok(())
            }
            Target::User(_) => Ok(()),
            Target::Knowledge => {
                if let Some(post) = &delivery.knowledge {
                    return self.update(post, content()).await;
                }
                let channel = team_channels(policy, incident)?.knowledge_channel.clone();
                delivered.knowledge =
                    Some(self.post_once(Post::top(&channel), content(), keys).await?);
                Ok(())
            }
            Target::Webhook(name) => {
                let Some(webhook) = policy.webhooks.get(name) else {
                    return Err(ChatError::Permanent {
                        code: format!("unknown_webhook_{name}"),
                    });
                };
                let body = match &message.body {
                    Body::Json(json) => json.clone(),
                    other => serde_json::json!({ "text": other.plain_text() }),
                };
                let key = keys.next(&format!("webhook:{name}"));
                self.call_webhook(&webhook.url, &body, key.as_deref()).await
            }
        }
    }

    /// Posts the root message, or edits it in place once it exists. A `PostRoot` whose
    /// earlier delivery posted but was not recorded would otherwise post a second root.
    async fn send_root(
        &self,
        delivery: &Delivery,
        content: SlackMessageContent,
        delivered: &mut Delivered,
        keys: &mut MessageKeys<'_>,
    ) -> Result<(), ChatError> {
        if let Some(root) = &delivery.root {
            return self.update(root, content).await;
        }
        if delivery.effect == Effect::RefreshRoot {
            // The root is not posted yet; its PostRoot renders the state as it is then.
            return Ok(());
        }
        let channel = incident_channel(&delivery.policy, &delivery.incident)?;
        let root = self.post_once(Post::top(channel), content, keys).await?;
        delivered.root = Some(root.clone());
        delivered.linked.push(root);
        Ok(())
    }
}

/// What a page delivered in the digest `message` leaves to record.
fn digested(message: &MessageRef) -> Delivered {
    Delivered {
        digest: Some(message.clone()),
        ..Delivered::default()
    }
}

/// Whether every delivery is a page by direct message, the only kind a digest carries.
/// Where a message goes: a channel, and the thread in it if any.
struct Post<'a> {
    channel: &'a str,
    thread: Option<&'a MessageRef>,
    is_broadcast: bool,
}

impl<'a> Post<'a> {
    /// A message at the top level of `channel`.
    fn top(channel: &'a str) -> Self {
        Self {
            channel,
            thread: None,
            is_broadcast: false,
        }
    }
}

fn team_channels<'p>(
    policy: &'p Policy,
    incident: &Incident,
) -> Result<&'p crate::engine::policy::TeamChannels, ChatError> {
    policy
        .teams
        .get(&incident.team)
        .and_then(|team| team.chat.get(&Platform::Slack))
        .ok_or_else(|| ChatError::Permanent {
            code: format!("team_{}_has_no_slack_channels", incident.team),
        })
}

fn incident_channel<'p>(policy: &'p Policy, incident: &Incident) -> Result<&'p str, ChatError> {
    team_channels(policy, incident).map(|chat| chat.incident_channel.as_str())
}

#[async_trait]
impl Chat for SlackChat {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Delivered, ChatError> {
        let rendered = render::render_effect(delivery, &PolicyLocale, &SlackMarkup);
        let mut delivered = Delivered::default();
        let mut keys = MessageKeys::new(delivery.key.as_ref());
        for message in &rendered.messages {
            self.send(delivery, message, &mut delivered, &mut keys)
                .await?;
        }
        Ok(delivered)
    }

    async fn deliver_digest(&self, deliveries: &[Delivery]) -> Outcomes {
        if !crate::ports::is_digest(deliveries) {
            return crate::ports::deliver_each(self, deliveries).await;
        }
        match self.send_digest(deliveries).await {
            Ok(outcomes) => outcomes,
            Err(error) => vec![Err(error); deliveries.len()],
        }
    }

    async fn alert_admins(&self, policy: &Policy, alert: &Alert) -> Result<(), ChatError> {
        for admin in &policy.admins {
            let Some(person) = policy.people.get(admin) else {
                continue;
            };
            let Some(user) = person.accounts.get(&Platform::Slack) else {
                continue;
            };
            let locale = crate::i18n::pick_locale(policy, Some(admin), None);
            let text = render::alert_text(alert, policy, locale, &SlackMarkup);
            let content = match alert {
                Alert::CriteriaReview(_) => {
                    text_with_buttons(&text, &crate::review::buttons(locale))
                }
                _ => text_content(&text),
            };
            self.dm(user, content).await?;
        }
        Ok(())
    }
}

/// The markup this adapter renders with, for callers that render replies.
pub fn markup() -> &'static dyn Markup {
    &SlackMarkup
}
