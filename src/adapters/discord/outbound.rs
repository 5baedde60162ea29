//! Delivering engine effects to Discord: the root message in the team's incident channel
//! with a thread started from it, pages by mention in the thread and by direct message,
//! edits of the root, and fix notes in the knowledge channel (a forum gets one post per
//! note, a text channel one message).
//!
//! Every new message carries a nonce derived from its delivery key, with
//! `enforce_nonce`, so that a resend within Discord's window returns the message posted
//! before rather than posting it again.
//!
//! A thread started from a message has the message's id, so the root's id is also the
//! thread's channel id; nothing else needs remembering.
//!
//! Several pages to one person may come as a digest: one direct message with an embed
//! and an Acknowledge button per incident. Its nonce is made from the keys of all its
//! pages, so a resend of the same digest within Discord's window is not posted twice;
//! the dispatcher resends a digest with the same pages (see `runtime::lanes`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::engine::policy::{Policy, TeamChannels};
use crate::engine::{Effect, Incident, Platform};
use crate::ports::{Alert, Chat, ChatError, Delivered, Delivery, MessageRef};
use crate::render::Markup;
use crate::render::{self, Body, Message, PolicyLocale, Target};

use super::components::{card_message, cut, digest_message, text_message, DiscordMarkup};
use super::rest::{code_name, Rest, RestError};
use crate::adapters::resend::{discord_nonce, MessageKeys};

/// Discord's channel type of a forum.
const FORUM_CHANNEL: u64 = 15;
/// Discord's channel type of a public thread.
const PUBLIC_THREAD: u64 = 11;
/// Discord's error code for starting a second thread from one message.
const THREAD_ALREADY_CREATED: u64 = 160_004;

/// The Discord side of the `Chat` port.
pub struct DiscordChat {
    rest: Arc<Rest>,
    forums: Mutex<HashMap<String, bool>>,
    webhooks: reqwest::Client,
}

/// A REST failure as the dispatcher sees it: a wait, a retry, or a plain-words code.
pub fn chat_error(error: RestError) -> ChatError {
    match error {
        RestError::RateLimited { retry_after, .. } => ChatError::RateLimited { retry_after },
        RestError::Transport(reason) => ChatError::Transient(reason),
        RestError::Refused { status, code } => ChatError::Permanent {
            code: code_name(status, code),
        },
    }
}

impl DiscordChat {
    /// Delivers through `rest`.
    pub fn new(rest: Arc<Rest>) -> Self {
        let webhooks = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            rest,
            forums: Mutex::new(HashMap::new()),
            webhooks,
        }
    }

    async fn post(&self, channel: &str, body: &Value) -> Result<MessageRef, ChatError> {
        let message = self
            .rest
            .post(&format!("/channels/{channel}/messages"), body)
            .await
            .map_err(chat_error)?;
        let id = message["id"].as_str().unwrap_or_default().to_owned();
        Ok(MessageRef {
            platform: Platform::Discord,
            channel: channel.to_owned(),
            id,
        })
    }

    /// Posts a message carrying the nonce of its key with `enforce_nonce`: should an
    /// earlier attempt have posted it within Discord's window of a few minutes, Discord
    /// returns that message instead of posting it again.
    async fn post_once(
        &self,
        channel: &str,
        body: &Value,
        keys: &mut MessageKeys<'_>,
    ) -> Result<MessageRef, ChatError> {
        let Some(key) = keys.next(channel) else {
            return self.post(channel, body).await;
        };
        let mut body = body.clone();
        body["nonce"] = json!(discord_nonce(&key));
        body["enforce_nonce"] = json!(true);
        self.post(channel, &body).await
    }

    async fn dm_channel(&self, user: &str) -> Result<String, ChatError> {
        let channel = self
            .rest
            .post("/users/@me/channels", &json!({ "recipient_id": user }))
            .await
            .map_err(chat_error)?;
        let Some(id) = channel["id"].as_str() else {
            return Err(ChatError::Transient("dm_channel_without_id".to_owned()));
        };
        Ok(id.to_owned())
    }

    async fn dm(&self, user: &str, body: &Value) -> Result<MessageRef, ChatError> {
        let channel = self.dm_channel(user).await?;
        self.post(&channel, body).await
    }

    async fn dm_once(
        &self,
        user: &str,
        body: &Value,
        keys: &mut MessageKeys<'_>,
    ) -> Result<MessageRef, ChatError> {
        let channel = self.dm_channel(user).await?;
        self.post_once(&channel, body, keys).await
    }

    /// Delivers pages to one person as one digest.
    async fn send_digest(
        &self,
        deliveries: &[Delivery],
    ) -> Result<Vec<Result<Delivered, ChatError>>, ChatError> {
        let skipped = || Ok(vec![Ok(Delivered::default()); deliveries.len()]);
        let Some(Effect::Page { person, .. }) = deliveries.first().map(|d| &d.effect) else {
            return skipped();
        };
        let Some(user) = deliveries[0]
            .policy
            .people
            .get(person)
            .and_then(|p| p.accounts.get(&Platform::Discord))
        else {
            warn!(person = %person, "person has no Discord account; digest skipped");
            return skipped();
        };
        // A thread started from the root has the root's id.
        let link = |root: &MessageRef, _: &str| Some(DiscordMarkup.channel(&root.id));
        let Some(digest) = render::render_digest(deliveries, &PolicyLocale, &DiscordMarkup, &link)
        else {
            return skipped();
        };
        let channel = self.dm_channel(user).await?;
        let mut body = digest_message(&digest);
        let keys: Vec<String> = deliveries
            .iter()
            .filter_map(|d| d.key.as_ref().map(|key| key.message_key(&channel, 0)))
            .collect();
        if !keys.is_empty() {
            // The nonce names this exact set of pages. A page of it that is dropped or
            // done before the resend changes the set, and the rest are posted again.
            body["nonce"] = json!(discord_nonce(&keys.join(" ")));
            body["enforce_nonce"] = json!(true);
        }
        let posted = self.post(&channel, &body).await?;
        info!(
            platform = "discord",
            pages = deliveries.len(),
            "page digest posted"
        );
        let delivered = Delivered {
            digest: Some(posted),
            ..Delivered::default()
        };
        Ok(vec![Ok(delivered); deliveries.len()])
    }

    async fn is_forum(&self, channel: &str) -> Result<bool, ChatError> {
        if let Some(known) = self
            .forums
            .lock()
            .ok()
            .and_then(|f| f.get(channel).copied())
        {
            return Ok(known);
        }
        let info = self
            .rest
            .get(&format!("/channels/{channel}"))
            .await
            .map_err(chat_error)?;
        let is_forum = info["type"].as_u64() == Some(FORUM_CHANNEL);
        if let Ok(mut forums) = self.forums.lock() {
            forums.insert(channel.to_owned(), is_forum);
        }
        Ok(is_forum)
    }

    /// Posts the fix note: a message in a text channel, or a post (a thread whose first
    /// message has the thread's id) in a forum. Returns the message to edit later.
    async fn publish_fix_note(
        &self,
        channel: &str,
        title: &str,
        body: &Value,
        keys: &mut MessageKeys<'_>,
    ) -> Result<MessageRef, ChatError> {
        if !self.is_forum(channel).await? {
            return self.post_once(channel, body, keys).await;
        }
        // FIXME(#7): a forum post has no nonce to enforce, so a resend after a crash
        // between creating the post and recording it creates a second post.
        let post = json!({"name": cut(title, 100), "message": body});
        let thread = self
            .rest
            .post(&format!("/channels/{channel}/threads"), &post)
            .await
            .map_err(chat_error)?;
        let thread_id = thread["id"].as_str().unwrap_or_default().to_owned();
        let message_id = thread["message"]["id"]
            .as_str()
            .map_or_else(|| thread_id.clone(), str::to_owned);
        Ok(MessageRef {
            platform: Platform::Discord,
            channel: thread_id,
            id: message_id,
        })
    }

    /// Calls a webhook. The `Idempotency-Key` header lets a gateway that honours it drop
    /// a resend after a crash; one that does not may get the call twice.
    async fn call_webhook(
        &self,
        url: &str,
        body: &Value,
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

    async fn send(
        &self,
        delivery: &Delivery,
        message: &Message,
        delivered: &mut Delivered,
        keys: &mut MessageKeys<'_>,
    ) -> Result<(), ChatError> {
        let incident = &delivery.incident;
        let policy = delivery.policy.as_ref();
        let body = match &message.body {
            Body::Card(card) => card_message(card),
            other => text_message(&other.plain_text()),
        };

        match &message.target {
            Target::Root => self.send_root(delivery, &body, delivered, keys).await,
            Target::Thread | Target::Channel => {
                let channel = match &delivery.root {
                    Some(root) => root.id.clone(),
                    None => team_channels(policy, incident)?.incident_channel.clone(),
                };
                delivered
                    .linked
                    .push(self.post_once(&channel, &body, keys).await?);
                Ok(())
            }
            Target::Person(person) => {
                let Some(user) = policy
                    .people
                    .get(person)
                    .and_then(|p| p.accounts.get(&Platform::Discord))
                else {
                    warn!(incident_id = %incident.id, person = %person, "person has no Discord account; page skipped");
                    return Ok(());
                };
                delivered
                    .linked
                    .push(self.dm_once(user, &body, keys).await?);
                Ok(())
            }
            Target::User(user) if user.platform == Platform::Discord => {
                self.dm_once(&user.id, &body, keys).await?;
                Ok(())
            }
            Target::User(_) => Ok(()),
            Target::Knowledge => {
                let channel = team_channels(policy, incident)?.knowledge_channel.clone();
                if let Some(post) = &delivery.knowledge {
                    self.rest
                        .patch(
                            &format!("/channels/{}/messages/{}", post.channel, post.id),
                            &body,
                        )
                        .await
                        .map_err(chat_error)?;
                    return Ok(());
                }
                let title = match &message.body {
                    Body::Card(card) => card.title.clone(),
                    _ => format!("INC-{}", incident.id.0),
                };
                delivered.knowledge =
                    Some(self.publish_fix_note(&channel, &title, &body, keys).await?);
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
                    other => json!({ "text": other.plain_text() }),
                };
                let key = keys.next(&format!("webhook:{name}"));
                self.call_webhook(&webhook.url, &body, key.as_deref()).await
            }
        }
    }

    /// Posts the root message and starts its thread, or edits the root once it exists.
    async fn send_root(
        &self,
        delivery: &Delivery,
        body: &Value,
        delivered: &mut Delivered,
        keys: &mut MessageKeys<'_>,
    ) -> Result<(), ChatError> {
        if let Some(root) = &delivery.root {
            self.rest
                .patch(
                    &format!("/channels/{}/messages/{}", root.channel, root.id),
                    body,
                )
                .await
                .map_err(chat_error)?;
            return Ok(());
        }
        if delivery.effect == Effect::RefreshRoot {
            // The root is not posted yet; its PostRoot renders the state as it is then.
            return Ok(());
        }
        let incident = &delivery.incident;
        let channel = team_channels(&delivery.policy, incident)?
            .incident_channel
            .clone();
        let root = self.post_once(&channel, body, keys).await?;
        let name = cut(&format!("INC-{} {}", incident.id.0, incident.summary), 100);
        let thread = self
            .rest
            .post(
                &format!("/channels/{channel}/messages/{}/threads", root.id),
                &json!({"name": name, "auto_archive_duration": 10080}),
            )
            .await;
        match thread {
            Ok(thread)
                if thread["type"].as_u64() == Some(PUBLIC_THREAD) || thread["id"].is_string() =>
            {
                info!(incident_id = %incident.id, platform = "discord", "incident thread started");
            }
            Ok(_) => {}
            // A resent root came back as the message posted before, with its thread.
            Err(error) if error.code() == Some(THREAD_ALREADY_CREATED) => {
                info!(incident_id = %incident.id, platform = "discord", "incident thread was started before");
            }
            // The root is posted; without a thread the timeline goes to the channel's
            // replies instead of failing the whole delivery and posting a second root.
            Err(error) => {
                warn!(incident_id = %incident.id, error = %error, "incident thread not started")
            }
        }
        delivered.root = Some(root.clone());
        delivered.linked.push(MessageRef {
            platform: Platform::Discord,
            channel: root.id.clone(),
            id: root.id.clone(),
        });
        delivered.linked.push(root);
        Ok(())
    }
}

fn team_channels<'p>(
    policy: &'p Policy,
    incident: &Incident,
) -> Result<&'p TeamChannels, ChatError> {
    policy
        .teams
        .get(&incident.team)
        .and_then(|team| team.chat.get(&Platform::Discord))
        .ok_or_else(|| ChatError::Permanent {
            code: format!("team_{}_has_no_discord_channels", incident.team),
        })
}

#[async_trait]
impl Chat for DiscordChat {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Delivered, ChatError> {
        let rendered = render::render_effect(delivery, &PolicyLocale, &DiscordMarkup);
        let mut delivered = Delivered::default();
        let mut keys = MessageKeys::new(delivery.key.as_ref());
        for message in &rendered.messages {
            self.send(delivery, message, &mut delivered, &mut keys)
                .await?;
        }
        Ok(delivered)
    }

    async fn deliver_digest(&self, deliveries: &[Delivery]) -> Vec<Result<Delivered, ChatError>> {
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
            let Some(user) = policy
                .people
                .get(admin)
                .and_then(|person| person.accounts.get(&Platform::Discord))
            else {
                continue;
            };
            let locale = crate::i18n::pick_locale(policy, Some(admin), None);
            let text = render::alert_text(alert, policy, locale, &DiscordMarkup);
            let mut message = text_message(&text);
            if matches!(alert, Alert::CriteriaReview(_)) {
                message["components"] = review_buttons(locale);
            }
            self.dm(user, &message).await?;
        }
        Ok(())
    }
}

/// The criteria review's Confirm and Edit buttons as one row of components.
fn review_buttons(locale: &str) -> serde_json::Value {
    let buttons: Vec<serde_json::Value> = crate::review::buttons(locale)
        .iter()
        .enumerate()
        .map(|(index, (action, label))| {
            serde_json::json!({
                "type": 2,
                "style": if index == 0 { 1 } else { 2 },
                "label": label,
                "custom_id": action,
            })
        })
        .collect();
    serde_json::json!([{ "type": 1, "components": buttons }])
}
