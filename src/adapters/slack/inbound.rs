//! Inbound Slack events, whichever way they arrive (Socket Mode or HTTP): each becomes a
//! request for the responder, and its response becomes a Slack reply, modal or nothing.
//!
//! Slack waits at most three seconds for an acknowledgement, and Socket Mode acknowledges
//! only when the handler returns. Handlers therefore do the decision (a sled commit, a few
//! milliseconds) and open modals inline, and send follow-up messages from spawned tasks.

use std::collections::HashMap;
use std::sync::Arc;

use slack_morphism::prelude::*;
use tracing::field::Empty;
use tracing::{debug, instrument, warn, Instrument, Span};

use crate::adapters::reply::reply_text;
use crate::adapters::request::{Request, RequestKind};
use crate::adapters::respond::{Reply, Responder, Response};
use crate::engine::{FixNote, IncidentId, Platform, UserRef};
use crate::i18n;
use crate::render::{self, FormField};

use super::blocks::{escalate_view, fix_note_view, text_content, EscalateFormText, SlackMarkup};
use super::client::{count_failure, kind_of, Client, Token};
use super::events::{self, input};

/// Everything inbound handlers need, shared by the Socket Mode and HTTP listeners.
pub struct SlackInbound {
    responder: Responder,
    client: Arc<Client>,
    token: Token,
    bot_user: String,
}

/// Records the channel a request concerns on the current (inbound event's) span.
fn record_channel(request: &Request) {
    let channel = match &request.kind {
        RequestKind::Command { channel, .. } | RequestKind::EscalateForm { channel, .. } => {
            Some(channel.as_str())
        }
        RequestKind::Reaction { message, .. } => Some(message.channel.as_str()),
        RequestKind::Button { channel, .. } => channel.as_deref(),
        RequestKind::FixNoteForm { .. } => None,
    };
    if let Some(channel) = channel {
        Span::current().record("channel", channel);
    }
}

/// Records an interaction's workspace and identity on the current span.
fn record_interaction(event: &SlackInteractionEvent) {
    let span = Span::current();
    match event {
        SlackInteractionEvent::BlockActions(actions) => {
            span.record("workspace", actions.team.id.0.as_str());
            span.record("event_id", actions.trigger_id.0.as_str());
        }
        SlackInteractionEvent::ViewSubmission(submission) => {
            span.record("workspace", submission.team.id.0.as_str());
            span.record("event_id", submission.view.state_params.id.0.as_str());
        }
        _ => {}
    }
}

impl SlackInbound {
    /// Handlers answering through `responder`, posting with the bot `token`; events by
    /// `bot_user` (the bot itself) are ignored.
    pub fn new(responder: Responder, client: Arc<Client>, token: Token, bot_user: String) -> Self {
        Self {
            responder,
            client,
            token,
            bot_user,
        }
    }

    /// The reader's language: theirs if they are in the policy, else that of the team
    /// whose channel they wrote in, else the default.
    fn locale_of(&self, user: &UserRef, channel: Option<&str>) -> String {
        let policy = self.responder.escalator().policy();
        let person = policy
            .person_by_account(Platform::Slack, &user.id)
            .map(|p| p.id.clone());
        let team = channel
            .and_then(|channel| policy.team_for_channel(Platform::Slack, channel))
            .map(|team| team.id.clone());
        i18n::pick_locale(&policy, person.as_ref(), team.as_ref()).to_owned()
    }

    fn text_of(&self, reply: &Reply, user: &UserRef, channel: Option<&str>) -> String {
        let policy = self.responder.escalator().policy();
        reply_text(reply, &policy, &self.locale_of(user, channel), &SlackMarkup)
    }

    /// A slash command; the returned content is shown to the user only. Slash commands
    /// carry no event id; their trigger id identifies them.
    #[instrument(skip_all, fields(
        platform = "slack",
        workspace = %event.team_id,
        channel = %event.channel_id,
        event_id = %event.trigger_id,
    ))]
    pub async fn command(&self, event: SlackCommandEvent) -> SlackCommandEventResponse {
        debug!(kind = "command", "slack event received");
        let request = events::command_request(&event);
        let user = request.user.clone();
        let content = match self.responder.handle(request).await {
            Response::Reply(reply) => {
                text_content(&self.text_of(&reply, &user, Some(&event.channel_id.0)))
            }
            Response::OpenEscalateForm { channel } => {
                let view = self.escalate_form(&user, &channel);
                match self.open_view(&event.trigger_id, view).await {
                    Ok(()) => SlackMessageContent::new(),
                    Err(reply) => text_content(&self.text_of(&reply, &user, Some(&channel))),
                }
            }
            Response::OpenFixNoteForm { incident, note } => {
                let view = self.fix_note_form(&user, incident, note.as_deref());
                match self.open_view(&event.trigger_id, view).await {
                    Ok(()) => SlackMessageContent::new(),
                    Err(reply) => {
                        text_content(&self.text_of(&reply, &user, Some(&event.channel_id.0)))
                    }
                }
            }
            Response::Nothing => SlackMessageContent::new(),
        };
        SlackCommandEventResponse::new(content)
    }

    /// An Events API callback: reactions and mentions.
    #[instrument(skip_all, fields(
        platform = "slack",
        workspace = %callback.team_id,
        channel = Empty,
        event_id = %callback.event_id,
    ))]
    pub async fn push(self: &Arc<Self>, callback: SlackPushEventCallback) {
        debug!(kind = "event", "slack event received");
        let Some(request) = events::push_request(&callback, &self.bot_user) else {
            debug!("event ignored");
            return;
        };
        record_channel(&request);
        let thread = match &request.kind {
            RequestKind::Command {
                channel, thread, ..
            } => Some((channel.clone(), thread.as_ref().map(|t| t.id.clone()))),
            _ => None,
        };
        let user = request.user.clone();
        let Some((channel, thread_ts)) = thread else {
            // Reactions answer nobody, and their message may need a moment to be linked to
            // its incident; handle them after acknowledging the event.
            let inbound = Arc::clone(self);
            let handling = async move {
                let request = inbound.with_thread_root(request).await;
                let channel = match &request.kind {
                    RequestKind::Reaction { message, .. } => Some(message.channel.clone()),
                    _ => None,
                };
                // A reaction is answered only when it cannot act (one on a page digest),
                // and only to the person who reacted.
                if let (Response::Reply(reply), Some(channel)) =
                    (inbound.responder.handle(request).await, channel)
                {
                    inbound.reply_later(channel, None, user, reply);
                }
            };
            // The event's span follows it into the task, so its decisions are logged with it.
            tokio::spawn(handling.instrument(Span::current()));
            return;
        };
        match self.responder.handle(request).await {
            Response::Reply(reply) => self.reply_later(channel, thread_ts, user, reply),
            // A mention carries no trigger id, so no form can open from it.
            Response::OpenFixNoteForm { incident, .. } => {
                let reply = Reply::NoFormHere { incident };
                self.reply_later(channel, thread_ts, user, reply);
            }
            _ => {}
        }
    }

    /// A reaction on a message the bot did not post (someone's reply in an incident
    /// thread) acts on the thread's incident: such a request is pointed at the thread's
    /// root, found with `conversations.replies`. Only acknowledge and resolve emoji are
    /// looked up, so other reactions cost no API call.
    async fn with_thread_root(&self, mut request: Request) -> Request {
        let RequestKind::Reaction { message, emoji } = &mut request.kind else {
            return request;
        };
        let policy = self.responder.escalator().policy();
        let is_action = policy.ack_emoji.contains(emoji) || policy.resolve_emoji.contains(emoji);
        let store = self.responder.escalator().store();
        if !is_action
            || !matches!(store.incident_for_message(message), Ok(None))
            || store.is_digest(message).unwrap_or(false)
        {
            return request;
        }
        let lookup = SlackApiConversationsRepliesRequest::new(
            message.channel.clone().into(),
            message.id.clone().into(),
        )
        .with_limit(1);
        let session = self.client.open_session(self.token.api_token());
        match session.conversations_replies(&lookup).await {
            Ok(replies) => {
                let thread_ts = replies
                    .messages
                    .first()
                    .and_then(|found| found.origin.thread_ts.clone());
                if let Some(thread_ts) = thread_ts.filter(|ts| ts.0 != message.id) {
                    message.id = thread_ts.0;
                }
            }
            Err(error) => {
                count_failure(self.responder.escalator().metrics(), &error);
                debug!(
                    error_kind = kind_of(&error),
                    method = "conversations.replies",
                    "thread lookup failed"
                );
            }
        }
        request
    }

    /// A button or a submitted form. A button's trigger id, or a form's view id, stands
    /// for the event id.
    #[instrument(skip_all, fields(
        platform = "slack",
        workspace = Empty,
        channel = Empty,
        event_id = Empty,
    ))]
    pub async fn interaction(
        self: &Arc<Self>,
        event: SlackInteractionEvent,
    ) -> SlackInteractionResponse {
        record_interaction(&event);
        debug!(kind = "interaction", "slack event received");
        let Some(request) = events::interaction_request(&event) else {
            return SlackInteractionResponse::Empty;
        };
        record_channel(&request);
        match &event {
            SlackInteractionEvent::BlockActions(actions) => {
                let trigger = actions.trigger_id.clone();
                let channel = match &request.kind {
                    RequestKind::Button { channel, .. } => channel.clone(),
                    _ => None,
                };
                self.button(request, trigger, channel).await;
                SlackInteractionResponse::Empty
            }
            SlackInteractionEvent::ViewSubmission(_) => self.submission(request).await,
            _ => SlackInteractionResponse::Empty,
        }
    }

    async fn button(
        self: &Arc<Self>,
        request: Request,
        trigger: SlackTriggerId,
        channel: Option<String>,
    ) {
        let user = request.user.clone();
        match self.responder.handle(request).await {
            Response::OpenFixNoteForm { incident, note } => {
                let view = self.fix_note_form(&user, incident, note.as_deref());
                if let Err(reply) = self.open_view(&trigger, view).await {
                    if let Some(channel) = channel {
                        self.reply_later(channel, None, user, reply);
                    }
                }
            }
            Response::Reply(reply) => {
                if let Some(channel) = channel {
                    self.reply_later(channel, None, user, reply);
                }
            }
            Response::OpenEscalateForm { .. } | Response::Nothing => {}
        }
    }

    async fn submission(self: &Arc<Self>, request: Request) -> SlackInteractionResponse {
        let user = request.user.clone();
        let (error_block, channel) = match &request.kind {
            RequestKind::EscalateForm { channel, .. } => (input::SUMMARY, Some(channel.clone())),
            _ => (input::FIX, None),
        };
        match self.responder.handle(request).await {
            Response::Reply(
                reply @ (Reply::Rejected { .. }
                | Reply::NoTeam { .. }
                | Reply::NotStored { .. }
                | Reply::Failed { .. }),
            ) => {
                let text = self.text_of(&reply, &user, channel.as_deref());
                let errors = HashMap::from([(error_block.to_owned(), text)]);
                SlackViewSubmissionResponse::Errors(SlackViewSubmissionErrorsResponse::new(errors))
                    .into()
            }
            Response::Reply(reply) => {
                match channel {
                    Some(channel) => self.reply_later(channel, None, user, reply),
                    None => self.dm_later(user, reply),
                }
                SlackInteractionResponse::Empty
            }
            _ => SlackInteractionResponse::Empty,
        }
    }

    fn escalate_form(&self, user: &UserRef, channel: &str) -> serde_json::Value {
        let locale = self.locale_of(user, Some(channel));
        let t = |key: &str| i18n::text(&locale, key, &[]);
        let field = |name: &str| FormField {
            label: t(&format!("escalate-form-{name}")),
            hint: t(&format!("escalate-form-{name}-hint")),
            value: String::new(),
        };
        let text = EscalateFormText {
            title: t("escalate-form-title"),
            submit: t("escalate-form-submit"),
            severity: field("severity"),
            summary: field("summary"),
            not_label: t("escalate-form-not"),
        };
        escalate_view(&text, &self.responder.escalator().policy(), channel)
    }

    /// The fix-note form, empty for a new note or filled with `note` to edit it.
    fn fix_note_form(
        &self,
        user: &UserRef,
        incident: IncidentId,
        note: Option<&FixNote>,
    ) -> serde_json::Value {
        let locale = self.locale_of(user, None);
        let form = match note {
            Some(note) => render::fix_note_edit_form(&locale, note),
            None => render::fix_note_form(&locale),
        };
        fix_note_view(&form, incident)
    }

    async fn open_view(
        &self,
        trigger: &SlackTriggerId,
        view: serde_json::Value,
    ) -> Result<(), Reply> {
        let view: SlackView = serde_json::from_value(view).map_err(|error| {
            warn!(error = %error, "modal view does not parse");
            failed_reply()
        })?;
        let request = SlackApiViewsOpenRequest::new(trigger.clone(), view);
        let session = self.client.open_session(self.token.api_token());
        session
            .views_open(&request)
            .await
            .map(|_| ())
            .map_err(|error| {
                count_failure(self.responder.escalator().metrics(), &error);
                warn!(
                    error_kind = kind_of(&error),
                    method = "views.open",
                    "could not open a modal"
                );
                failed_reply()
            })
    }

    /// Shows `reply` to `user` in `channel` (in a thread when given), after the handler
    /// has returned.
    fn reply_later(
        self: &Arc<Self>,
        channel: String,
        thread_ts: Option<String>,
        user: UserRef,
        reply: Reply,
    ) {
        let inbound = Arc::clone(self);
        tokio::spawn(async move {
            let text = inbound.text_of(&reply, &user, Some(&channel));
            let mut request = SlackApiChatPostEphemeralRequest::new(
                channel.into(),
                user.id.clone().into(),
                text_content(&text),
            );
            if let Some(ts) = thread_ts {
                request = request.with_thread_ts(ts.into());
            }
            let session = inbound.client.open_session(inbound.token.api_token());
            if let Err(error) = session.chat_post_ephemeral(&request).await {
                count_failure(inbound.responder.escalator().metrics(), &error);
                warn!(
                    error_kind = kind_of(&error),
                    method = "chat.postEphemeral",
                    "reply not shown"
                );
            }
        });
    }

    /// Sends `reply` to `user` by direct message, after the handler has returned.
    fn dm_later(self: &Arc<Self>, user: UserRef, reply: Reply) {
        let inbound = Arc::clone(self);
        tokio::spawn(async move {
            let text = inbound.text_of(&reply, &user, None);
            let session = inbound.client.open_session(inbound.token.api_token());
            let open =
                SlackApiConversationsOpenRequest::new().with_users(vec![user.id.clone().into()]);
            let channel = match session.conversations_open(&open).await {
                Ok(response) => response.channel.id,
                Err(error) => {
                    count_failure(inbound.responder.escalator().metrics(), &error);
                    warn!(
                        error_kind = kind_of(&error),
                        method = "conversations.open",
                        "reply not sent"
                    );
                    return;
                }
            };
            let post = SlackApiChatPostMessageRequest::new(channel, text_content(&text));
            if let Err(error) = session.chat_post_message(&post).await {
                count_failure(inbound.responder.escalator().metrics(), &error);
                warn!(
                    error_kind = kind_of(&error),
                    method = "chat.postMessage",
                    "reply not sent"
                );
            }
        });
    }
}

fn failed_reply() -> Reply {
    Reply::Failed {
        reference: format!("{:08x}", rand::random::<u32>()),
    }
}
