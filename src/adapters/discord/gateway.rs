//! The gateway connection, on serenity: it receives interactions and reactions and hands
//! them to [`DiscordInbound`].
//!
//! Intents are only what the bot reads: guilds (channels and threads), reactions in guilds
//! and in direct messages. The privileged message-content intent is not asked for; fix
//! notes come through a modal.
//!
//! serenity finds the gateway's address with `GET /api/v10/gateway` and sends REST calls
//! to the configured base URL only while its own rate limiter is off; against anything
//! but discord.com the limiter is therefore off, and [`super::rest::Rest`] handles 429s.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serenity::all::{
    ClientBuilder, Context, EventHandler, GatewayIntents, HttpBuilder, Interaction, Reaction,
    Ready, ShardManager,
};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::inbound::DiscordInbound;

/// The real service's base URL.
pub const DISCORD_BASE_URL: &str = "https://discord.com";

/// How long the first READY may take.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The gateway intents the bot asks for.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::DIRECT_MESSAGE_REACTIONS
}

struct Handler {
    inbound: Arc<DiscordInbound>,
    ready: mpsc::Sender<()>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        info!(platform = "discord", bot_user = %ready.user.id, guilds = ready.guilds.len(), "discord gateway ready");
        let _ = self.ready.try_send(());
    }

    async fn resume(&self, _ctx: Context, _resumed: serenity::model::event::ResumedEvent) {
        info!(platform = "discord", "discord gateway session resumed");
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        // Each interaction runs on its own task, so a slow one never holds up the next
        // one's three-second deadline.
        let inbound = Arc::clone(&self.inbound);
        tokio::spawn(async move { inbound.interaction(interaction).await });
    }

    async fn reaction_add(&self, _ctx: Context, reaction: Reaction) {
        let inbound = Arc::clone(&self.inbound);
        tokio::spawn(async move { inbound.reaction(reaction).await });
    }

    async fn reaction_remove(&self, _ctx: Context, reaction: Reaction) {
        // Taking a reaction back does not hand the incident back; it is only noted.
        debug!(platform = "discord", message_id = %reaction.message_id, has_user = reaction.user_id.is_some(), "reaction removed");
    }
}

/// Why the gateway did not start.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// serenity refused to build the client.
    #[error("could not build the Discord client: {0}")]
    Client(String),
    /// READY did not arrive in time.
    #[error("the Discord gateway did not become ready within {READY_TIMEOUT:?}")]
    NotReady,
}

/// A running gateway connection.
pub struct Gateway {
    shards: Arc<ShardManager>,
    task: tokio::task::JoinHandle<()>,
}

impl Gateway {
    /// Connects with `token` and delivers events to `inbound`; returns after READY.
    pub async fn start(
        base_url: &str,
        token: &SecretString,
        inbound: Arc<DiscordInbound>,
    ) -> Result<Self, GatewayError> {
        let mut http = HttpBuilder::new(token.expose_secret());
        if base_url.trim_end_matches('/') != DISCORD_BASE_URL {
            http = http
                .proxy(base_url.trim_end_matches('/'))
                .ratelimiter_disabled(true);
        }
        let (ready, mut is_ready) = mpsc::channel(4);
        let handler = Handler { inbound, ready };
        let mut client = ClientBuilder::new_with_http(http.build(), intents())
            .event_handler(handler)
            .await
            .map_err(|error| GatewayError::Client(error.to_string()))?;
        let shards = Arc::clone(&client.shard_manager);
        let task = tokio::spawn(async move {
            if let Err(error) = client.start().await {
                warn!(platform = "discord", error = %error, "discord gateway stopped");
            }
        });
        match tokio::time::timeout(READY_TIMEOUT, is_ready.recv()).await {
            Ok(Some(())) => Ok(Self { shards, task }),
            _ => {
                shards.shutdown_all().await;
                task.abort();
                Err(GatewayError::NotReady)
            }
        }
    }

    /// Closes the connection.
    pub async fn shutdown(self) {
        self.shards.shutdown_all().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}
