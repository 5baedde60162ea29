//! What a workspace is started with: the team, the bot, its people and channels, and the
//! knobs that make it behave like a busy or unreliable Slack.

use std::time::Duration;

/// Everything [`super::SlackWorkspace::start`] needs to know about the workspace it serves.
#[derive(Debug, Clone)]
pub struct WorkspaceSetup {
    /// Team id, `T…`.
    pub team_id: String,
    /// Team name shown by `auth.test`.
    pub team_name: String,
    /// Team domain, as in `https://DOMAIN.slack.com`; carried by commands and interactions.
    pub team_domain: String,
    /// The bot's user id, `U…`.
    pub bot_user_id: String,
    /// The bot's bot id, `B…`.
    pub bot_id: String,
    /// The bot's app id, `A…`.
    pub app_id: String,
    /// The bot's user name (the `user` of `auth.test`).
    pub bot_name: String,
    /// Bot token the Web API expects; `None` accepts any `xoxb-` token.
    pub bot_token: Option<String>,
    /// App-level token `apps.connections.open` expects; `None` accepts any `xapp-` token.
    pub app_token: Option<String>,
    /// The legacy verification token carried in payloads as `token`.
    pub verification_token: String,
    /// The slash command [`super::SlackWorkspace::slash_command`] sends.
    pub command: String,
    /// The people of the workspace (the bot is added to `users.info` automatically).
    pub users: Vec<WorkspaceUser>,
    /// The public channels.
    pub channels: Vec<WorkspaceChannel>,
    /// Timing, limits and delivery behaviour.
    pub options: WorkspaceOptions,
}

impl WorkspaceSetup {
    /// A setup with the given team and bot ids, no people, no channels and default options.
    pub fn new(team_id: &str, bot_user_id: &str, app_id: &str) -> Self {
        Self {
            team_id: team_id.to_string(),
            team_name: "Escalator Local".to_string(),
            team_domain: "escalator-local".to_string(),
            bot_user_id: bot_user_id.to_string(),
            bot_id: "B0LOCALBOT".to_string(),
            app_id: app_id.to_string(),
            bot_name: "escalator".to_string(),
            bot_token: None,
            app_token: None,
            verification_token: "local-verification-token".to_string(),
            command: "/escalate".to_string(),
            users: Vec::new(),
            channels: Vec::new(),
            options: WorkspaceOptions::default(),
        }
    }

    /// Adds a person.
    pub fn with_user(mut self, user: WorkspaceUser) -> Self {
        self.users.push(user);
        self
    }

    /// Adds a channel.
    pub fn with_channel(mut self, channel: WorkspaceChannel) -> Self {
        self.channels.push(channel);
        self
    }

    /// Names the tokens the Web API accepts; other tokens get `invalid_auth`.
    pub fn with_tokens(mut self, bot_token: &str, app_token: &str) -> Self {
        self.bot_token = Some(bot_token.to_string());
        self.app_token = Some(app_token.to_string());
        self
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: WorkspaceOptions) -> Self {
        self.options = options;
        self
    }
}

/// A person (or another bot) in the workspace.
#[derive(Debug, Clone)]
pub struct WorkspaceUser {
    /// User id, `U…` or `W…`.
    pub id: String,
    /// Handle, e.g. `alice`.
    pub name: String,
    /// Full name, e.g. `Alice Martin`.
    pub real_name: String,
    /// Whether this account is a bot.
    pub is_bot: bool,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub tz: String,
}

impl WorkspaceUser {
    /// A human user.
    pub fn new(id: &str, name: &str, real_name: &str, tz: &str) -> Self {
        Self {
            id: id.to_string(),
            name: name.to_string(),
            real_name: real_name.to_string(),
            is_bot: false,
            tz: tz.to_string(),
        }
    }
}

/// A public channel.
#[derive(Debug, Clone)]
pub struct WorkspaceChannel {
    /// Channel id, `C…`.
    pub id: String,
    /// Name without `#`.
    pub name: String,
    /// Whether the bot was invited; posting to a channel it is not in gets `not_in_channel`.
    pub is_bot_member: bool,
}

impl WorkspaceChannel {
    /// A channel the bot is a member of.
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_string(),
            name: name.to_string(),
            is_bot_member: true,
        }
    }

    /// A channel the bot was not invited to.
    pub fn without_bot(id: &str, name: &str) -> Self {
        Self {
            is_bot_member: false,
            ..Self::new(id, name)
        }
    }
}

/// Timing, limits and delivery behaviour of the workspace.
#[derive(Debug, Clone)]
pub struct WorkspaceOptions {
    /// How long an envelope may stay unacknowledged before it is sent again with
    /// `retry_attempt` incremented; `None` turns automatic redelivery off.
    pub redelivery_timeout: Option<Duration>,
    /// How many times an envelope is sent again at most (Slack: 3).
    pub max_redeliveries: u32,
    /// Slack retries only Events API envelopes; set this to retry slash commands and
    /// interactions too.
    pub redeliver_all_kinds: bool,
    /// How long the driving API waits for an acknowledgement before giving up.
    pub ack_wait: Duration,
    /// Slack's acknowledgement deadline; a slash command acknowledged later shows the
    /// user an `operation_timeout` notice.
    pub ack_deadline: Duration,
    /// Messages per second one channel accepts through `chat.postMessage` before the
    /// workspace answers 429 with `Retry-After`; `None` means no limit.
    pub post_rate_limit_per_channel: Option<u32>,
    /// How long a `trigger_id` may be exchanged for a view (Slack: 3 s); `None` never expires.
    pub trigger_ttl: Option<Duration>,
    /// How long a connection told to disconnect stays open before the workspace closes it.
    pub disconnect_grace: Duration,
    /// Whether a user message mentioning the bot also sends an `app_mention` event.
    pub send_app_mentions: bool,
}

impl Default for WorkspaceOptions {
    fn default() -> Self {
        Self {
            redelivery_timeout: Some(Duration::from_secs(3)),
            max_redeliveries: 3,
            redeliver_all_kinds: false,
            ack_wait: Duration::from_secs(10),
            ack_deadline: Duration::from_secs(3),
            post_rate_limit_per_channel: None,
            trigger_ttl: Some(Duration::from_secs(3)),
            disconnect_grace: Duration::from_secs(2),
            send_app_mentions: false,
        }
    }
}
