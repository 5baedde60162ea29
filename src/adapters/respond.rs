//! Platform-neutral handling of chat requests: parse, find the incident, ask the runtime,
//! and say what to show the user.
//!
//! Adapters call [`Responder::handle`] with a [`Request`] and render the [`Response`] in
//! their platform's markup. Nothing here knows Slack or Discord.

use std::sync::Arc;

use tracing::{debug, error, warn};

use crate::adapters::request::{FixNoteFields, Request, RequestKind};
use crate::command::{self, Command, ParseError, UserArg};
use crate::engine::policy::Policy;
use crate::engine::{
    FixNote, Incident, IncidentId, Intent, OpenRequest, PersonId, Platform, Rejection, SeverityId,
    UserRef,
};
use crate::knowledge::Hit;
use crate::ports::MessageRef;
use crate::render::{Action, ActionKind};
use crate::runtime::{Escalator, RuntimeError};
use crate::store::StoreError;

/// What the adapter should do for the user.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// Show this reply to the user only.
    Reply(Reply),
    /// Open the escalation form (severity picker and summary) for `channel`.
    OpenEscalateForm {
        /// Where `/escalate` was typed.
        channel: String,
    },
    /// Open the fix-note form for `incident`.
    OpenFixNoteForm {
        /// The incident.
        incident: IncidentId,
        /// The note to edit, which fills the form; `None` for a new note.
        note: Option<Box<FixNote>>,
    },
    /// Nothing to show (a reaction, a retried event).
    Nothing,
}

/// A reply shown to one user; the render module words it in their language.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// The incident was opened; thanks for raising it.
    Opened {
        /// The new incident.
        incident: Box<Incident>,
        /// Who was paged first.
        paged: Vec<PersonId>,
    },
    /// The request was carried out.
    Done {
        /// The incident acted on.
        incident: IncidentId,
        /// What was done.
        what: Done,
    },
    /// The engine refused.
    Rejected {
        /// The incident concerned.
        incident: Option<IncidentId>,
        /// Why.
        rejection: Rejection,
    },
    /// The command did not parse.
    Unparsed(ParseError),
    /// The help text.
    Help,
    /// The criteria of every severity.
    Criteria,
    /// Where an incident stands.
    Status(Box<Incident>),
    /// `/escalate` was typed in a channel that belongs to no team.
    NoTeam {
        /// The channel.
        channel: String,
    },
    /// A command without an incident id outside an incident thread.
    WhichIncident,
    /// A reaction on a digest of pages, which concerns several incidents: the buttons
    /// act on one each.
    DigestReaction,
    /// A form was asked for where none can open (a mention has no trigger for one).
    NoFormHere {
        /// The incident whose fix note was to be edited.
        incident: IncidentId,
    },
    /// No incident has this id.
    UnknownIncident(IncidentId),
    /// A plain name that matches no configured person.
    UnknownUser(String),
    /// A mentioned chat user who is not a configured person.
    NotInPolicy(UserRef),
    /// Fix notes matching a search.
    Knowledge {
        /// The query.
        query: String,
        /// The best matches, best first.
        hits: Vec<Hit>,
        /// The platform asked on, whose incident channels the hits point to.
        platform: Platform,
    },
    /// Why an incident pages whom it pages.
    Why(crate::adapters::why::Why),
    /// Statistics on where escalations stall.
    Stats(crate::adapters::stats::StatsReply),
    /// A team id that no team has.
    UnknownTeam(String),
    /// What `/escalate admin` did.
    Admin(crate::adapters::admin::AdminReply),
    /// What `/escalate away` did.
    Away(crate::adapters::away::AwayReply),
    /// The store takes no writes (a full disk): nothing was recorded, and nobody paged.
    NotStored {
        /// Whether the request would have opened a new incident.
        is_new_incident: bool,
    },
    /// Something failed on our side; the reference is in the logs.
    Failed {
        /// A reference the operator can grep for.
        reference: String,
    },
}

/// What a successful request did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    /// Acknowledged: the incident is the user's now.
    Acknowledged,
    /// Resolved.
    Resolved,
    /// Cancelled.
    Cancelled,
    /// Following.
    Followed,
    /// Update posted.
    Updated,
    /// Handed to someone.
    Reassigned(PersonId),
    /// Severity changed.
    SeverityChanged(SeverityId),
    /// Fix note saved and published.
    FixNoteSaved,
    /// Closed with nothing to note.
    FixNoteSkipped,
    /// Fix note edited, re-indexed and its post updated.
    FixNoteEdited,
}

/// What a message the bot posted belongs to.
enum Linked {
    /// One incident's message.
    Incident(IncidentId),
    /// A digest of several incidents' pages.
    Digest,
    /// Nothing the store knows (yet).
    Unknown,
}

/// How often, and how far apart, a message not yet linked to an incident is looked up
/// again; the total stays well inside Slack's three seconds for an acknowledgement.
const LINK_RETRIES: u32 = 10;
const LINK_RETRY_DELAY: std::time::Duration = std::time::Duration::from_millis(150);

/// How many search results a reply shows.
const SEARCH_LIMIT: usize = 5;

/// Handles requests for one platform.
pub struct Responder {
    escalator: Arc<Escalator>,
    platform: Platform,
}

impl Responder {
    /// A responder for `platform` deciding through `escalator`.
    pub fn new(escalator: Arc<Escalator>, platform: Platform) -> Self {
        Self {
            escalator,
            platform,
        }
    }

    /// The runtime behind this responder.
    pub fn escalator(&self) -> &Arc<Escalator> {
        &self.escalator
    }

    /// Handles one request.
    pub async fn handle(&self, request: Request) -> Response {
        let Request { user, dedupe, kind } = request;
        match kind {
            RequestKind::Command {
                channel,
                thread,
                text,
            } => self.command(user, dedupe, channel, thread, &text).await,
            RequestKind::Reaction { message, emoji } => {
                self.reaction(user, dedupe, &message, &emoji).await
            }
            RequestKind::Button { action, .. } => self.button(user, dedupe, &action).await,
            RequestKind::EscalateForm {
                channel,
                severity,
                summary,
            } => {
                self.escalate(user, dedupe, channel, SeverityId(severity), summary)
                    .await
            }
            RequestKind::FixNoteForm { incident, fields } => {
                self.fix_note(user, dedupe, incident, fields).await
            }
        }
    }

    async fn command(
        &self,
        user: UserRef,
        dedupe: Option<String>,
        channel: String,
        thread: Option<MessageRef>,
        text: &str,
    ) -> Response {
        let policy = self.escalator.policy();
        let severities: Vec<SeverityId> = policy.severities.iter().map(|s| s.id.clone()).collect();
        let command = match command::parse(text, &severities) {
            Ok(command) => command,
            Err(error) => return Response::Reply(Reply::Unparsed(error)),
        };

        match command {
            Command::OpenModal => Response::OpenEscalateForm { channel },
            Command::Escalate { severity, summary } => {
                self.escalate(user, dedupe, channel, severity, summary)
                    .await
            }
            Command::Help => Response::Reply(Reply::Help),
            Command::Criteria => Response::Reply(Reply::Criteria),
            Command::Kb { query } => self.search(query),
            Command::KbEdit { incident } => match self.target(incident, thread.as_ref()).await {
                Ok(id) => self.edit_form(&user, id),
                Err(reply) => Response::Reply(reply),
            },
            Command::KbSkip { incident, reason } => {
                let intent = Intent::SkipFixNote {
                    by: user,
                    reason: command::display_text(&reason),
                };
                self.act(
                    self.target(incident, thread.as_ref()).await,
                    intent,
                    dedupe,
                    Done::FixNoteSkipped,
                )
                .await
            }
            Command::Status { incident } => match self.target(incident, thread.as_ref()).await {
                Ok(id) => self.status(id),
                Err(reply) => Response::Reply(reply),
            },
            Command::Ack { incident } => {
                let intent = Intent::Acknowledge { by: user };
                self.act(
                    self.target(incident, thread.as_ref()).await,
                    intent,
                    dedupe,
                    Done::Acknowledged,
                )
                .await
            }
            Command::Resolve { incident } => {
                let intent = Intent::Resolve { by: user };
                self.act(
                    self.target(incident, thread.as_ref()).await,
                    intent,
                    dedupe,
                    Done::Resolved,
                )
                .await
            }
            Command::Cancel { incident } => {
                let intent = Intent::Cancel { by: user };
                self.act(
                    self.target(incident, thread.as_ref()).await,
                    intent,
                    dedupe,
                    Done::Cancelled,
                )
                .await
            }
            Command::Follow { incident } => {
                let intent = Intent::Follow { by: user };
                self.act(
                    self.target(incident, thread.as_ref()).await,
                    intent,
                    dedupe,
                    Done::Followed,
                )
                .await
            }
            Command::Update { incident, text } => {
                let text = command::display_text(&text);
                let intent = Intent::Update { by: user, text };
                self.act(
                    self.target(incident, thread.as_ref()).await,
                    intent,
                    dedupe,
                    Done::Updated,
                )
                .await
            }
            Command::Reassign { incident, user: to } => {
                let Some(person) = resolve_person(&policy, self.platform, &to) else {
                    let reply = match &to {
                        UserArg::Mention(mention) => Reply::NotInPolicy(UserRef {
                            platform: self.platform,
                            id: mention.id.clone(),
                        }),
                        UserArg::Name(name) => Reply::UnknownUser(name.clone()),
                    };
                    return Response::Reply(reply);
                };
                let intent = Intent::Reassign {
                    to: person.clone(),
                    by: user,
                };
                self.act(
                    self.target(incident, thread.as_ref()).await,
                    intent,
                    dedupe,
                    Done::Reassigned(person),
                )
                .await
            }
            Command::Severity { incident, severity } => {
                let intent = Intent::ChangeSeverity {
                    to: severity.clone(),
                    by: user,
                };
                let done = Done::SeverityChanged(severity);
                self.act(
                    self.target(incident, thread.as_ref()).await,
                    intent,
                    dedupe,
                    done,
                )
                .await
            }
            Command::Stats { since, team } => {
                // The figures read every incident in the period, which takes a while on a
                // large store: off the async workers, so other events go on meanwhile.
                let escalator = Arc::clone(&self.escalator);
                let figures = tokio::task::spawn_blocking(move || {
                    crate::adapters::stats::handle(&escalator, since, team)
                })
                .await;
                Response::Reply(
                    figures.unwrap_or_else(|error| failed("compute statistics", &error)),
                )
            }
            Command::Away(away) => Response::Reply(
                crate::adapters::away::handle(&self.escalator, self.platform, &user, away).await,
            ),
            Command::Why { incident } => match self.target(incident, thread.as_ref()).await {
                Ok(id) => Response::Reply(crate::adapters::why::explain(&self.escalator, id)),
                Err(reply) => Response::Reply(reply),
            },
            Command::Admin(admin) => Response::Reply(
                crate::adapters::admin::handle(&self.escalator, self.platform, &user, admin).await,
            ),
        }
    }

    /// The incident a command means: its id, or the thread it was typed in.
    async fn target(
        &self,
        incident: Option<IncidentId>,
        thread: Option<&MessageRef>,
    ) -> Result<IncidentId, Reply> {
        if let Some(id) = incident {
            return Ok(id);
        }
        let Some(thread) = thread else {
            return Err(Reply::WhichIncident);
        };
        match self.linked_message(thread).await {
            Linked::Incident(id) => Ok(id),
            Linked::Digest | Linked::Unknown => Err(Reply::WhichIncident),
        }
    }

    async fn escalate(
        &self,
        user: UserRef,
        dedupe: Option<String>,
        channel: String,
        severity: SeverityId,
        summary: String,
    ) -> Response {
        let policy = self.escalator.policy();
        let team = policy
            .team_for_channel(self.platform, &channel)
            .or_else(|| single_team(&policy));
        let Some(team) = team else {
            return Response::Reply(Reply::NoTeam { channel });
        };
        let request = OpenRequest {
            platform: self.platform,
            team: team.id.clone(),
            severity,
            summary: command::display_text(&summary),
            reporter: user,
            channel,
        };
        match self.escalator.open_incident(request, dedupe).await {
            Ok(decision) => {
                let paged = decision.incident.paged.iter().cloned().collect();
                Response::Reply(Reply::Opened {
                    incident: Box::new(decision.incident),
                    paged,
                })
            }
            Err(RuntimeError::Store(StoreError::Unwritable { .. })) => {
                Response::Reply(Reply::NotStored {
                    is_new_incident: true,
                })
            }
            Err(error) => self.refusal(None, error),
        }
    }

    async fn act(
        &self,
        target: Result<IncidentId, Reply>,
        intent: Intent,
        dedupe: Option<String>,
        done: Done,
    ) -> Response {
        let id = match target {
            Ok(id) => id,
            Err(reply) => return Response::Reply(reply),
        };
        match self.escalator.apply(id, intent, dedupe).await {
            Ok(_) => Response::Reply(Reply::Done {
                incident: id,
                what: done,
            }),
            Err(error) => self.refusal(Some(id), error),
        }
    }

    fn refusal(&self, incident: Option<IncidentId>, error: RuntimeError) -> Response {
        match error {
            RuntimeError::Rejected(rejection) => Response::Reply(Reply::Rejected {
                incident,
                rejection,
            }),
            RuntimeError::Duplicate => Response::Nothing,
            RuntimeError::UnknownIncident(id) => Response::Reply(Reply::UnknownIncident(id)),
            RuntimeError::Store(StoreError::Unwritable { .. }) => {
                Response::Reply(Reply::NotStored {
                    is_new_incident: false,
                })
            }
            other => Response::Reply(failed("record the decision", &other)),
        }
    }

    fn status(&self, id: IncidentId) -> Response {
        match self.escalator.store().incident(id) {
            Ok(Some(incident)) => Response::Reply(Reply::Status(Box::new(incident))),
            Ok(None) => Response::Reply(Reply::UnknownIncident(id)),
            Err(error) => Response::Reply(failed("read the incident", &error)),
        }
    }

    fn search(&self, query: String) -> Response {
        let hits = self
            .escalator
            .knowledge()
            .and_then(|knowledge| knowledge.search(&query, SEARCH_LIMIT));
        match hits {
            Ok(hits) => Response::Reply(Reply::Knowledge {
                query,
                hits,
                platform: self.platform,
            }),
            Err(error) => Response::Reply(failed("search the fix notes", &error)),
        }
    }

    /// A reaction acknowledges or resolves the incident of the message it is on. Anything
    /// else, and any refusal, is ignored quietly: reactions are not commands.
    async fn reaction(
        &self,
        user: UserRef,
        dedupe: Option<String>,
        message: &MessageRef,
        emoji: &str,
    ) -> Response {
        let policy = self.escalator.policy();
        let intent = if policy.ack_emoji.iter().any(|e| e == emoji) {
            Intent::Acknowledge { by: user }
        } else if policy.resolve_emoji.iter().any(|e| e == emoji) {
            Intent::Resolve { by: user }
        } else {
            return Response::Nothing;
        };
        let incident = match self.linked_message(message).await {
            Linked::Incident(id) => id,
            Linked::Digest => {
                debug!("reaction on a page digest answered");
                return Response::Reply(Reply::DigestReaction);
            }
            Linked::Unknown => return Response::Nothing,
        };
        match self.escalator.apply(incident, intent, dedupe).await {
            Ok(_) => {}
            Err(RuntimeError::Rejected(rejection)) => {
                debug!(incident_id = %incident, reason = %rejection, "reaction ignored");
            }
            Err(RuntimeError::Duplicate) => debug!(incident_id = %incident, "retried reaction"),
            Err(error) => error!(incident_id = %incident, error = %error, "reaction not recorded"),
        }
        Response::Nothing
    }

    /// What a message belongs to. A page or a digest can be reacted to a moment before
    /// its delivery is recorded, so an unknown message is looked up again for a short
    /// while.
    async fn linked_message(&self, message: &MessageRef) -> Linked {
        for attempt in 0..=LINK_RETRIES {
            if self.escalator.store().is_digest(message).unwrap_or(false) {
                return Linked::Digest;
            }
            match self.escalator.store().incident_for_message(message) {
                Ok(Some(id)) => return Linked::Incident(id),
                Ok(None) if attempt < LINK_RETRIES => {
                    tokio::time::sleep(LINK_RETRY_DELAY).await;
                }
                Ok(None) => return Linked::Unknown,
                Err(error) => {
                    error!(error = %error, "could not look up the message's incident");
                    return Linked::Unknown;
                }
            }
        }
        Linked::Unknown
    }

    async fn button(&self, user: UserRef, dedupe: Option<String>, action: &str) -> Response {
        if let Some(is_confirm) = crate::review::button(action) {
            let reply = crate::adapters::admin::review_button(
                &self.escalator,
                self.platform,
                &user,
                is_confirm,
            )
            .await;
            return Response::Reply(reply);
        }
        let Ok(Action { kind, incident }) = action.parse::<Action>() else {
            warn!(action, "unknown button action");
            return Response::Nothing;
        };
        let (intent, done) = match kind {
            ActionKind::Acknowledge => (Intent::Acknowledge { by: user }, Done::Acknowledged),
            ActionKind::Resolve => (Intent::Resolve { by: user }, Done::Resolved),
            // Once a note exists, Post fix edits it rather than starting from nothing.
            ActionKind::PostFix if !self.has_fix_note(incident) => {
                return Response::OpenFixNoteForm {
                    incident,
                    note: None,
                }
            }
            ActionKind::PostFix => return self.edit_form(&user, incident),
            ActionKind::EditFix => return self.edit_form(&user, incident),
        };
        self.act(Ok(incident), intent, dedupe, done).await
    }

    async fn fix_note(
        &self,
        user: UserRef,
        dedupe: Option<String>,
        incident: IncidentId,
        fields: FixNoteFields,
    ) -> Response {
        let note = FixNote {
            summary: fields.summary.trim().to_owned(),
            cause: fields.cause.trim().to_owned(),
            fix: fields.fix.trim().to_owned(),
            prevention: fields.prevention.trim().to_owned(),
            links: fields.links.split_whitespace().map(str::to_owned).collect(),
            author: user,
            written_at: self.escalator.now(),
        };
        // A submitted form edits the note once there is one, whichever button opened it.
        if self.has_fix_note(incident) {
            let by = note.author.clone();
            let intent = Intent::EditFixNote { by, note };
            return self
                .act(Ok(incident), intent, dedupe, Done::FixNoteEdited)
                .await;
        }
        let intent = Intent::AddFixNote { note };
        self.act(Ok(incident), intent, dedupe, Done::FixNoteSaved)
            .await
    }

    fn has_fix_note(&self, incident: IncidentId) -> bool {
        matches!(
            self.escalator.store().incident(incident),
            Ok(Some(Incident {
                fix_note: Some(_),
                ..
            }))
        )
    }

    /// The fix-note form filled with the note, for its author or an admin; anyone else
    /// is told why not, and nothing opens.
    fn edit_form(&self, user: &UserRef, id: IncidentId) -> Response {
        let incident = match self.escalator.store().incident(id) {
            Ok(Some(incident)) => incident,
            Ok(None) => return Response::Reply(Reply::UnknownIncident(id)),
            Err(error) => return Response::Reply(failed("read the incident", &error)),
        };
        let policy = self.escalator.policy();
        match crate::engine::may_edit_fix_note(&policy, &incident, user) {
            Ok(note) => Response::OpenFixNoteForm {
                incident: id,
                note: Some(Box::new(note.clone())),
            },
            Err(rejection) => Response::Reply(Reply::Rejected {
                incident: Some(id),
                rejection,
            }),
        }
    }
}

/// The only team, when there is exactly one.
fn single_team(policy: &Policy) -> Option<&crate::engine::policy::Team> {
    let mut teams = policy.teams.values();
    let first = teams.next()?;
    teams.next().is_none().then_some(first)
}

/// The configured person a command names: a platform mention, or a person id or name.
pub(crate) fn resolve_person(
    policy: &Policy,
    platform: Platform,
    user: &UserArg,
) -> Option<PersonId> {
    match user {
        UserArg::Mention(mention) => policy
            .person_by_account(platform, &mention.id)
            .map(|person| person.id.clone()),
        UserArg::Name(name) => policy
            .people
            .values()
            .find(|person| {
                person.id.as_str().eq_ignore_ascii_case(name)
                    || person.name.eq_ignore_ascii_case(name)
            })
            .map(|person| person.id.clone()),
    }
}

pub(crate) fn user_arg_text(user: &UserArg) -> String {
    match user {
        UserArg::Mention(mention) => mention.label.clone().unwrap_or_else(|| mention.id.clone()),
        UserArg::Name(name) => name.clone(),
    }
}

/// Logs an operator error under a fresh reference and returns the reply that quotes it.
pub(crate) fn failed(attempt: &str, error: &dyn std::fmt::Display) -> Reply {
    let reference = format!("{:08x}", rand::random::<u32>());
    error!(reference, attempt, error = %error, "request failed");
    Reply::Failed { reference }
}
