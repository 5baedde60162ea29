//! Slack events turned into platform-neutral requests. Pure functions, tested on real
//! payloads; the listener in `socket` and `http` calls them.

use slack_morphism::prelude::*;

use crate::adapters::request::{FixNoteFields, Request, RequestKind};
use crate::engine::{IncidentId, Platform, UserRef};
use crate::ports::MessageRef;

/// `callback_id` of the escalation form.
pub const ESCALATE_VIEW: &str = "escalate";
/// `callback_id` of the fix-note form.
pub const FIX_NOTE_VIEW: &str = "fix_note";

/// The block and action ids of the forms' inputs; each input is its own block.
pub mod input {
    /// Severity picker.
    pub const SEVERITY: &str = "severity";
    /// Incident summary.
    pub const SUMMARY: &str = "summary";
    /// Fix note: cause.
    pub const CAUSE: &str = "cause";
    /// Fix note: fix.
    pub const FIX: &str = "fix";
    /// Fix note: prevention.
    pub const PREVENTION: &str = "prevention";
    /// Fix note: links.
    pub const LINKS: &str = "links";
}

fn slack_user(id: &SlackUserId) -> UserRef {
    UserRef::slack(id.0.clone())
}

fn message(channel: &str, ts: &str) -> MessageRef {
    MessageRef {
        platform: Platform::Slack,
        channel: channel.to_owned(),
        id: ts.to_owned(),
    }
}

/// A slash command. Slack sends a new `trigger_id` with every invocation and keeps it on
/// redelivery, so it identifies the command.
pub fn command_request(event: &SlackCommandEvent) -> Request {
    Request {
        user: slack_user(&event.user_id),
        dedupe: Some(format!("slack:command:{}", event.trigger_id.0)),
        kind: RequestKind::Command {
            channel: event.channel_id.0.clone(),
            thread: None,
            text: event.text.clone().unwrap_or_default(),
        },
    }
}

/// An Events API callback, or `None` for events the bot does not act on: its own,
/// other bots', reactions on files, and event types it did not subscribe to.
pub fn push_request(callback: &SlackPushEventCallback, bot_user: &str) -> Option<Request> {
    let dedupe = Some(format!("slack:event:{}", callback.event_id.0));
    match &callback.event {
        SlackEventCallbackBody::ReactionAdded(reaction) => {
            if reaction.user.0 == bot_user {
                return None;
            }
            let SlackReactionsItem::Message(item) = &reaction.item else {
                return None;
            };
            let channel = item.origin.channel.as_ref()?;
            Some(Request {
                user: slack_user(&reaction.user),
                dedupe,
                kind: RequestKind::Reaction {
                    message: message(&channel.0, &item.origin.ts.0),
                    emoji: reaction.reaction.0.clone(),
                },
            })
        }
        SlackEventCallbackBody::AppMention(mention) => {
            if mention.user.0 == bot_user {
                return None;
            }
            let text = mention.content.text.clone().unwrap_or_default();
            let thread = mention
                .origin
                .thread_ts
                .as_ref()
                .map(|ts| message(&mention.channel.0, &ts.0));
            Some(Request {
                user: slack_user(&mention.user),
                dedupe,
                kind: RequestKind::Command {
                    channel: mention.channel.0.clone(),
                    thread,
                    text: strip_leading_mention(&text, bot_user).to_owned(),
                },
            })
        }
        _ => None,
    }
}

/// The text after a leading `<@BOT>` mention (and the mention of anyone else who is the
/// bot under another label).
fn strip_leading_mention<'t>(text: &'t str, bot_user: &str) -> &'t str {
    let trimmed = text.trim_start();
    let Some(rest) = trimmed.strip_prefix("<@") else {
        return trimmed;
    };
    let Some(end) = rest.find('>') else {
        return trimmed;
    };
    let id = rest[..end].split('|').next().unwrap_or_default();
    if id == bot_user {
        rest[end + 1..].trim_start()
    } else {
        trimmed
    }
}

/// A button click or a submitted form, or `None` for interactions the bot does not own.
pub fn interaction_request(event: &SlackInteractionEvent) -> Option<Request> {
    match event {
        SlackInteractionEvent::BlockActions(actions) => {
            let user = actions.user.as_ref()?;
            let action = actions.actions.as_ref()?.first()?;
            let channel = match &actions.container {
                SlackInteractionActionContainer::Message(container) => {
                    container.channel_id.as_ref().map(|c| c.0.clone())
                }
                _ => actions.channel.as_ref().map(|c| c.id.0.clone()),
            };
            Some(Request {
                user: slack_user(&user.id),
                dedupe: Some(format!("slack:action:{}", actions.trigger_id.0)),
                kind: RequestKind::Button {
                    action: action.action_id.0.clone(),
                    channel,
                },
            })
        }
        SlackInteractionEvent::ViewSubmission(submission) => view_request(submission),
        _ => None,
    }
}

fn view_request(submission: &SlackInteractionViewSubmissionEvent) -> Option<Request> {
    let view = &submission.view;
    let SlackView::Modal(modal) = &view.view else {
        return None;
    };
    let callback = modal.callback_id.as_ref()?.0.as_str();
    let metadata = modal.private_metadata.clone().unwrap_or_default();
    let values = |name: &str| input_value(&view.state_params, name);
    let kind = match callback {
        ESCALATE_VIEW => RequestKind::EscalateForm {
            channel: metadata,
            severity: values(input::SEVERITY),
            summary: values(input::SUMMARY),
        },
        FIX_NOTE_VIEW => RequestKind::FixNoteForm {
            incident: metadata.parse::<IncidentId>().ok()?,
            fields: FixNoteFields {
                summary: values(input::SUMMARY),
                cause: values(input::CAUSE),
                fix: values(input::FIX),
                prevention: values(input::PREVENTION),
                links: values(input::LINKS),
            },
        },
        _ => return None,
    };
    Some(Request {
        user: slack_user(&submission.user.id),
        dedupe: Some(format!("slack:view:{}", view.state_params.id.0)),
        kind,
    })
}

/// The value typed or picked in the input whose block id and action id are both `name`.
fn input_value(state: &SlackStatefulStateParams, name: &str) -> String {
    let Some(values) = state.state.as_ref().map(|s| &s.values) else {
        return String::new();
    };
    let Some(action) = values
        .get(&SlackBlockId(name.to_owned()))
        .and_then(|block| block.get(&SlackActionId(name.to_owned())))
    else {
        return String::new();
    };
    if let Some(option) = &action.selected_option {
        return option.value.clone();
    }
    action.value.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        let full = format!("{}/tests/fixtures/slack/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{full}: {error}"))
    }

    fn push(path: &str) -> SlackPushEventCallback {
        match serde_json::from_str::<SlackPushEvent>(&fixture(path)).unwrap() {
            SlackPushEvent::EventCallback(callback) => callback,
            other => panic!("not a callback: {other:?}"),
        }
    }

    #[test]
    fn a_reaction_on_a_message_becomes_a_reaction_request() {
        let request = push_request(&push("events/reaction_added.json"), "UBOT").unwrap();
        assert_eq!(request.user, UserRef::slack("U123ABC456"));
        assert_eq!(request.dedupe.as_deref(), Some("slack:event:Ev123ABC456"));
        assert_eq!(
            request.kind,
            RequestKind::Reaction {
                message: message("C123ABC456", "1360782400.498405"),
                emoji: "thumbsup".into(),
            }
        );
    }

    #[test]
    fn the_bots_own_reactions_are_ignored() {
        let callback = push("events/reaction_added_by_bot_self.json");
        let SlackEventCallbackBody::ReactionAdded(reaction) = &callback.event else {
            panic!("fixture is a reaction");
        };
        assert!(push_request(&callback, &reaction.user.0).is_none());
    }

    #[test]
    fn a_mention_becomes_a_command_in_its_thread() {
        let callback = push("events/app_mention.json");
        let request = push_request(&callback, "U111").unwrap();
        assert_eq!(request.user, UserRef::slack("U222"));
        assert_eq!(
            request.kind,
            RequestKind::Command {
                channel: "C111".into(),
                thread: None,
                text: String::new(),
            }
        );
    }

    #[test]
    fn leading_bot_mentions_are_stripped_and_others_kept() {
        assert_eq!(
            strip_leading_mention("<@UBOT> ack INC-4", "UBOT"),
            "ack INC-4"
        );
        assert_eq!(
            strip_leading_mention("<@UBOT|escalator> status", "UBOT"),
            "status"
        );
        assert_eq!(
            strip_leading_mention("<@UOTHER> hi", "UBOT"),
            "<@UOTHER> hi"
        );
        assert_eq!(strip_leading_mention("  help", "UBOT"), "help");
    }

    #[test]
    fn a_button_click_carries_its_action_and_channel() {
        let event: SlackInteractionEvent =
            serde_json::from_str(&fixture("interactive/block_actions_button.json")).unwrap();
        let request = interaction_request(&event).unwrap();
        assert_eq!(request.user, UserRef::slack("W111"));
        assert_eq!(
            request.kind,
            RequestKind::Button {
                action: "a".into(),
                channel: Some("C111".into())
            }
        );
        assert_eq!(
            request.dedupe.as_deref(),
            Some("slack:action:111.222.valid")
        );
    }

    #[test]
    fn forms_the_bot_did_not_open_are_ignored() {
        let event: SlackInteractionEvent =
            serde_json::from_str(&fixture("interactive/view_submission.json")).unwrap();
        assert!(interaction_request(&event).is_none());
    }
}
