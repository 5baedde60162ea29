//! A running bot: the store, the runtime and the chat adapters, wired together.
//!
//! `escalator run` and `escalator demo` both start the bot through [`Bot::start`], so the
//! demo exercises exactly the code a real workspace gets.

use std::future::Future;
use std::sync::Arc;

use secrecy::SecretString;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::adapters::deadline::{Deadline, DELIVERY_DEADLINE};
use crate::adapters::discord::gateway::Gateway;
use crate::adapters::discord::inbound::DiscordInbound;
use crate::adapters::discord::interactions;
use crate::adapters::discord::outbound::DiscordChat;
use crate::adapters::discord::rest::Rest;
use crate::adapters::discord::{components, DISCORD_RETRIES};
use crate::adapters::respond::Responder;
use crate::adapters::slack::client::{self as slack_client, kind_of, Token};
use crate::adapters::slack::http as slack_http;
use crate::adapters::slack::inbound::SlackInbound;
use crate::adapters::slack::outbound::SlackChat;
use crate::adapters::slack::socket::SocketMode;
use crate::config::export::PolicySource;
use crate::config::{Config, DiscordSettings, SlackMode, SlackSecrets, SlackSettings};
use crate::engine::Platform;
use crate::http;
use crate::ports::{Alert, Chat, Clock};
use crate::runtime::storage::SnapshotPolicy;
use crate::runtime::{Escalator, RuntimeError};
use crate::store::recovery::{self, Restored};
use crate::store::{StoreError, StoreOptions};

/// Why the bot could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The data folder could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Slack answered, but refused the bot (a wrong or revoked token, a missing scope).
    #[error("Slack refused the bot at {url}: {code}; check the token and the app's scopes")]
    SlackRefused {
        /// The API base URL.
        url: String,
        /// Slack's error code, e.g. `invalid_auth`.
        code: String,
    },
    /// Slack could not be reached.
    #[error("could not reach Slack at {url} ({reason}); check the network and slack.api_base_url")]
    SlackUnreachable {
        /// The API base URL.
        url: String,
        /// What went wrong, without secrets.
        reason: String,
    },
    /// The HTTP listener could not bind.
    #[error("could not listen for HTTP on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// Discord refused the bot token, could not be reached, or its gateway did not start.
    #[error("could not connect to Discord at {url}: {reason}")]
    DiscordUnreachable {
        /// The API base URL.
        url: String,
        /// What went wrong, without secrets.
        reason: String,
    },
    /// No platform is configured.
    #[error("no chat platform is configured; add a [slack] or [discord] table to escalator.toml")]
    NoPlatform,
    /// The runtime stopped unexpectedly.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// The secrets a bot needs, read from the environment by the caller.
pub struct Secrets {
    /// Slack's tokens, when Slack is configured.
    pub slack: Option<SlackSecrets>,
    /// Discord's bot token, when Discord is configured.
    pub discord: Option<SecretString>,
}

/// A started bot.
pub struct Bot {
    escalator: Arc<Escalator>,
    /// The damaged store this start replaced, to tell the admins about once running.
    restored: Option<Restored>,
    snapshots: SnapshotPolicy,
    chats: Vec<Arc<dyn Chat>>,
    socket: Option<SocketMode>,
    gateway: Option<Gateway>,
    stop_http: watch::Sender<bool>,
    http: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Bot {
    /// Opens the store and connects to the configured platforms.
    pub async fn start(
        config: Config,
        secrets: Secrets,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BotError> {
        let storage = &config.settings.storage;
        let options = StoreOptions {
            cache_bytes: storage.cache_mb * 1024 * 1024,
        };
        let (store, restored) = recovery::open_checked(&storage.data_dir, options, clock.now())?;
        info!(data_dir = %storage.data_dir.display(), "store ready");
        // What the store's check read is freed by now; the system gets it back at once
        // rather than at the next regular trim.
        drop(tokio::task::spawn_blocking(crate::memory::give_back));
        crate::memory::give_back_regularly();
        let snapshots = SnapshotPolicy {
            every: storage.snapshot_every,
            keep: storage.snapshots_kept,
        };
        // Changes admins made in chat since the last reload are kept in the audit log and
        // laid over the files.
        let audit = store.audit(usize::MAX)?;
        let source = PolicySource::of(&config);
        let policy = crate::config::change::replay(config.policy.clone(), &source, &audit);
        let escalator = Escalator::new(store, Arc::new(policy), clock);
        escalator.set_shutdown_grace(config.settings.shutdown.grace);
        escalator.set_policy_source(source).await;
        if restored.is_some() {
            escalator.metrics().record_restored();
        }
        let counting = Arc::clone(&escalator);
        tokio::spawn(async move {
            if let Err(error) = counting.count_incidents().await {
                error!(error = %error, "could not count the stored incidents for metrics");
            }
        });

        // Bound before connecting, so that a port in use is reported at once.
        let addr = config.settings.http.listen;
        let listener = http::bind(addr)
            .await
            .map_err(|source| BotError::Listen { addr, source })?;

        let mut chats: Vec<Arc<dyn Chat>> = Vec::new();
        let mut socket = None;
        let mut gateway = None;
        let mut routes = axum::Router::new();
        // Both platforms may run at once, on the one store; each incident stays on the
        // platform it was raised on, because the dispatcher picks the adapter by it.
        if let (Some(slack), Some(slack_secrets)) = (config.settings.slack.as_ref(), secrets.slack)
        {
            let started = start_slack(&escalator, slack, slack_secrets).await?;
            escalator.metrics().record_connected(Platform::Slack);
            chats.push(started.chat);
            socket = started.socket;
            routes = routes.merge(started.routes);
        }
        if let (Some(discord), Some(token)) = (config.settings.discord.as_ref(), secrets.discord) {
            let started = start_discord(&escalator, discord, token).await?;
            escalator.metrics().record_connected(Platform::Discord);
            chats.push(started.chat);
            gateway = Some(started.gateway);
            routes = routes.merge(started.routes);
        }
        if chats.is_empty() {
            return Err(BotError::NoPlatform);
        }

        let (stop_http, stopped) = watch::channel(false);
        let router = http::router(Arc::clone(&escalator), routes);
        let http = http::serve(listener, router, stopped);
        Ok(Self {
            escalator,
            restored,
            snapshots,
            chats,
            socket,
            gateway,
            stop_http,
            http: Some(http),
        })
    }

    /// The runtime, for callers that inspect state (the demo).
    pub fn escalator(&self) -> &Arc<Escalator> {
        &self.escalator
    }

    /// Runs until `shutdown` completes, then disconnects.
    pub async fn run(self, shutdown: impl Future + Send) -> Result<(), BotError> {
        if let Some(restored) = &self.restored {
            self.escalator
                .alert(&self.chats, &restored_alert(restored))
                .await;
        }
        let (stop_review, review_stopped) = watch::channel(false);
        let review = tokio::spawn(crate::review::run(
            Arc::clone(&self.escalator),
            self.chats.clone(),
            review_stopped.clone(),
        ));
        let watch = tokio::spawn(Arc::clone(&self.escalator).watch_store(
            self.chats.clone(),
            self.snapshots,
            review_stopped,
        ));
        let result = Arc::clone(&self.escalator)
            .run(self.chats.clone(), shutdown)
            .await;
        let _ = stop_review.send(true);
        let _ = review.await;
        let _ = watch.await;
        if let Some(socket) = &self.socket {
            socket.shutdown().await;
        }
        if let Some(gateway) = self.gateway {
            gateway.shutdown().await;
        }
        let _ = self.stop_http.send(true);
        if let Some(http) = self.http {
            let _ = http.await;
        }
        self.escalator.store().flush().await?;
        if self.escalator.store().is_writable() {
            if let Err(error) = self.escalator.snapshot(self.snapshots.keep).await {
                warn!(error = %error, "could not write a snapshot at stop");
            }
        }
        result.map_err(BotError::from)
    }
}

/// The admins' alert about a store replaced by a snapshot at start.
fn restored_alert(restored: &Restored) -> Alert {
    Alert::StoreRestored {
        damage: restored.damage.clone(),
        snapshot_at: restored.snapshot.taken_at,
        last_written: restored.last_written,
        moved_to: restored.moved_to.display().to_string(),
    }
}

struct StartedSlack {
    chat: Arc<dyn Chat>,
    socket: Option<SocketMode>,
    /// Slack's routes in HTTP mode; empty in Socket Mode.
    routes: axum::Router,
}

async fn start_slack(
    escalator: &Arc<Escalator>,
    settings: &SlackSettings,
    secrets: SlackSecrets,
) -> Result<StartedSlack, BotError> {
    let client = slack_client::connect(&settings.api_base_url);
    let bot_token = Token::new(secrets.bot_token);
    let unreachable = |reason: String| BotError::SlackUnreachable {
        url: settings.api_base_url.clone(),
        reason,
    };
    let identity = client
        .open_session(bot_token.api_token())
        .auth_test()
        .await
        .map_err(|error| match &error {
            slack_morphism::errors::SlackClientError::ApiError(api) => BotError::SlackRefused {
                url: settings.api_base_url.clone(),
                code: api.code.clone(),
            },
            slack_morphism::errors::SlackClientError::HttpProtocolError(_) => {
                unreachable("the connection failed".to_owned())
            }
            other => unreachable(kind_of(other).to_owned()),
        })?;
    info!(platform = "slack", team_id = %identity.team_id, bot_user = %identity.user_id, "slack bot identified");

    let chat: Arc<dyn Chat> = Arc::new(Deadline::new(
        SlackChat::new(Arc::clone(&client), bot_token.clone())
            .with_workspace_url(identity.url.0.as_str()),
        DELIVERY_DEADLINE,
    ));
    let responder = Responder::new(Arc::clone(escalator), Platform::Slack);
    let inbound = Arc::new(SlackInbound::new(
        responder,
        Arc::clone(&client),
        bot_token,
        identity.user_id.0.clone(),
    ));

    match settings.mode {
        SlackMode::Socket => {
            let Some(app_token) = secrets.app_token else {
                return Err(unreachable(
                    "Socket Mode needs the app-level token".to_owned(),
                ));
            };
            let socket = SocketMode::start(client, &Token::new(app_token), inbound, 2)
                .await
                .map_err(|error| unreachable(kind_of(&error).to_owned()))?;
            Ok(StartedSlack {
                chat,
                socket: Some(socket),
                routes: axum::Router::new(),
            })
        }
        SlackMode::Http => {
            let Some(secret) = secrets.signing_secret else {
                return Err(unreachable("HTTP mode needs the signing secret".to_owned()));
            };
            info!(
                platform = "slack",
                mode = "http",
                "receiving Slack events over HTTP"
            );
            Ok(StartedSlack {
                chat,
                socket: None,
                routes: slack_http::router(inbound, &secret),
            })
        }
    }
}

struct StartedDiscord {
    chat: Arc<dyn Chat>,
    gateway: Gateway,
    /// The interactions endpoint, when a public key is configured; empty otherwise.
    routes: axum::Router,
}

async fn start_discord(
    escalator: &Arc<Escalator>,
    settings: &DiscordSettings,
    token: SecretString,
) -> Result<StartedDiscord, BotError> {
    let unreachable = |reason: String| BotError::DiscordUnreachable {
        url: settings.api_base_url.clone(),
        reason,
    };
    let rest = Arc::new(Rest::new(
        &settings.api_base_url,
        token.clone(),
        DISCORD_RETRIES,
    ));
    let me = rest
        .get("/users/@me")
        .await
        .map_err(|error| unreachable(error.to_string()))?;
    let bot_user = me["id"].as_str().unwrap_or_default().to_owned();
    let application = match &settings.application_id {
        Some(id) => id.clone(),
        None => {
            let application = rest
                .get("/applications/@me")
                .await
                .map_err(|error| unreachable(error.to_string()))?;
            application["id"].as_str().unwrap_or_default().to_owned()
        }
    };
    info!(platform = "discord", bot_user = %bot_user, application_id = %application, "discord bot identified");
    register_commands(escalator, &rest, &application, settings.guild_id.as_deref())
        .await
        .map_err(|error| unreachable(format!("registering /escalate: {error}")))?;

    let chat: Arc<dyn Chat> = Arc::new(DiscordChat::new(Arc::clone(&rest)));
    let responder = Responder::new(Arc::clone(escalator), Platform::Discord);
    let inbound = Arc::new(DiscordInbound::new(responder, rest, bot_user));
    let routes = match &settings.public_key {
        Some(key) => {
            // Validated with the config; checked again so that a bad key can never mean
            // an endpoint that accepts anything.
            let key =
                interactions::public_key(key).map_err(|error| unreachable(error.to_string()))?;
            info!(
                platform = "discord",
                route = interactions::ROUTE,
                "receiving Discord interactions over HTTP"
            );
            interactions::router(Arc::clone(&inbound), key)
        }
        None => axum::Router::new(),
    };
    let gateway = Gateway::start(&settings.api_base_url, &token, inbound)
        .await
        .map_err(|error| unreachable(error.to_string()))?;
    Ok(StartedDiscord {
        chat,
        gateway,
        routes,
    })
}

/// Registers `/escalate` and `/escalate-admin` in the guild (instant) or globally.
async fn register_commands(
    escalator: &Arc<Escalator>,
    rest: &Rest,
    application: &str,
    guild: Option<&str>,
) -> Result<(), crate::adapters::discord::rest::RestError> {
    let policy = escalator.policy();
    let locale = policy.default_locale.clone();
    let descriptions = components::command_text(&locale);
    let command = components::escalate_command(&policy, &descriptions);
    let admin = components::admin_command(&descriptions);
    let route = match guild {
        Some(guild) => format!("/applications/{application}/guilds/{guild}/commands"),
        None => format!("/applications/{application}/commands"),
    };
    rest.put(&route, &serde_json::Value::Array(vec![command, admin]))
        .await?;
    info!(
        platform = "discord",
        scope = if guild.is_some() { "guild" } else { "global" },
        "/escalate registered"
    );
    Ok(())
}
