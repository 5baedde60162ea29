//! A running bot: the store, the runtime and the chat adapters, wired together.
//!
//! `escalator run` and `escalator demo` both start the bot through [`Bot::start`], so the
//! demo exercises exactly the code a real workspace gets.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::watch;
use tracing::info;

use crate::adapters::respond::Responder;
use crate::adapters::slack::client::{self as slack_client, kind_of, Token};
use crate::adapters::slack::http as slack_http;
use crate::adapters::slack::inbound::SlackInbound;
use crate::adapters::slack::outbound::SlackChat;
use crate::adapters::slack::socket::SocketMode;
use crate::config::{Config, SlackMode, SlackSecrets, SlackSettings};
use crate::engine::Platform;
use crate::ports::{Chat, Clock};
use crate::runtime::{Escalator, RuntimeError};
use crate::store::{Store, StoreError, StoreOptions};

/// Why the bot could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The data folder could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Slack refused the bot token or could not be reached.
    #[error("could not connect to Slack at {url}: {reason}")]
    SlackUnreachable {
        /// The API base URL.
        url: String,
        /// What went wrong, without secrets.
        reason: String,
    },
    /// Slack's HTTP listener could not bind.
    #[error("could not listen for Slack on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// No platform is configured.
    #[error("no chat platform is configured; add a [slack] table to escalator.toml")]
    NoPlatform,
    /// The runtime stopped unexpectedly.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// The secrets a bot needs, read from the environment by the caller.
pub struct Secrets {
    /// Slack's tokens, when Slack is configured.
    pub slack: Option<SlackSecrets>,
}

/// A started bot.
pub struct Bot {
    escalator: Arc<Escalator>,
    chats: Vec<Arc<dyn Chat>>,
    socket: Option<SocketMode>,
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
        let store = Store::open(
            &storage.data_dir,
            StoreOptions {
                cache_bytes: storage.cache_mb * 1024 * 1024,
            },
        )?;
        info!(data_dir = %storage.data_dir.display(), "store opened");
        // Changes admins made in chat are kept in the audit log and laid over the files.
        let audit = store.audit(usize::MAX)?;
        let policy = crate::config::change::replay(config.policy.clone(), &audit);
        let escalator = Escalator::new(store, Arc::new(policy), clock);

        let (stop_http, stopped) = watch::channel(false);
        let (Some(slack), Some(slack_secrets)) = (config.settings.slack.as_ref(), secrets.slack)
        else {
            return Err(BotError::NoPlatform);
        };
        let started = start_slack(&escalator, slack, slack_secrets, stopped).await?;
        Ok(Self {
            escalator,
            chats: vec![started.chat],
            socket: started.socket,
            stop_http,
            http: started.http,
        })
    }

    /// The runtime, for callers that inspect state (the demo).
    pub fn escalator(&self) -> &Arc<Escalator> {
        &self.escalator
    }

    /// Runs until `shutdown` completes, then disconnects.
    pub async fn run(self, shutdown: impl Future + Send) -> Result<(), BotError> {
        let (stop_review, review_stopped) = watch::channel(false);
        let review = tokio::spawn(crate::review::run(
            Arc::clone(&self.escalator),
            self.chats.clone(),
            review_stopped,
        ));
        let result = Arc::clone(&self.escalator)
            .run(self.chats.clone(), shutdown)
            .await;
        let _ = stop_review.send(true);
        let _ = review.await;
        if let Some(socket) = &self.socket {
            socket.shutdown().await;
        }
        let _ = self.stop_http.send(true);
        if let Some(http) = self.http {
            let _ = http.await;
        }
        self.escalator.store().flush().await?;
        result.map_err(BotError::from)
    }
}

struct StartedSlack {
    chat: Arc<dyn Chat>,
    socket: Option<SocketMode>,
    http: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

async fn start_slack(
    escalator: &Arc<Escalator>,
    settings: &SlackSettings,
    secrets: SlackSecrets,
    mut stopped: watch::Receiver<bool>,
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
            slack_morphism::errors::SlackClientError::ApiError(api) => {
                unreachable(api.code.clone())
            }
            other => unreachable(kind_of(other).to_owned()),
        })?;
    info!(platform = "slack", team_id = %identity.team_id, bot_user = %identity.user_id, "slack bot identified");

    let chat: Arc<dyn Chat> = Arc::new(SlackChat::new(Arc::clone(&client), bot_token.clone()));
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
                http: None,
            })
        }
        SlackMode::Http => {
            let Some(secret) = secrets.signing_secret else {
                return Err(unreachable("HTTP mode needs the signing secret".to_owned()));
            };
            let addr = settings.http_listen;
            let router = slack_http::router(inbound, &secret);
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| BotError::Listen { addr, source })?;
            info!(platform = "slack", mode = "http", addr = %addr, "listening for Slack");
            let http = tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    })
                    .await
            });
            Ok(StartedSlack {
                chat,
                socket: None,
                http: Some(http),
            })
        }
    }
}
