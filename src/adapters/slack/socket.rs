//! Socket Mode: the bot opens a WebSocket to Slack, so it needs no public URL.
//!
//! slack-morphism calls plain `fn` callbacks and hands them shared state by type; the
//! `SlackInbound` handle travels that way. It acknowledges an envelope only when the
//! callback returns, and the callbacks here always return, so a failure is answered to
//! the user rather than left for Slack to redeliver.

use std::sync::Arc;

use slack_morphism::prelude::*;
use tracing::{debug, info, warn};

use super::client::{Client, Token};
use super::inbound::SlackInbound;

async fn inbound(states: &SlackClientEventsUserState) -> Option<Arc<SlackInbound>> {
    states
        .read()
        .await
        .get_user_state::<Arc<SlackInbound>>()
        .cloned()
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let Some(inbound) = inbound(&states).await else {
        return Err("the Slack listener has no handler".into());
    };
    Ok(inbound.command(event).await)
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let Some(inbound) = inbound(&states).await else {
        return Err("the Slack listener has no handler".into());
    };
    inbound.push(event).await;
    Ok(())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let Some(inbound) = inbound(&states).await else {
        return Err("the Slack listener has no handler".into());
    };
    Ok(inbound.interaction(event).await)
}

fn on_error(
    error: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<Client>,
    _states: SlackClientEventsUserState,
) -> axum::http::StatusCode {
    // The error's text can quote a payload; log only that it happened.
    warn!(
        error_kind = error_kind(error.as_ref()),
        "slack listener error"
    );
    axum::http::StatusCode::BAD_REQUEST
}

fn error_kind(error: &(dyn std::error::Error + 'static)) -> &'static str {
    match error.downcast_ref::<slack_morphism::errors::SlackClientError>() {
        Some(client_error) => super::client::kind_of(client_error),
        None => "handler_error",
    }
}

/// A running Socket Mode connection.
pub struct SocketMode {
    listener: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
    /// Turns Nagle's algorithm off on the connections as they are made (see `nagle`).
    nagle_off: tokio::task::JoinHandle<()>,
}

impl SocketMode {
    /// Connects with the app-level token and starts delivering events to `inbound`.
    pub async fn start(
        client: Arc<Client>,
        app_token: &Token,
        inbound: Arc<SlackInbound>,
        reconnect_seconds: u64,
    ) -> Result<Self, slack_morphism::errors::SlackClientError> {
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(client)
                .with_error_handler(on_error)
                .with_user_state(inbound),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_command_events(on_command)
            .with_push_events(on_push)
            .with_interaction_events(on_interaction);
        let config = SlackClientSocketModeConfig::new()
            .with_max_connections_count(1)
            .with_reconnect_timeout_in_seconds(reconnect_seconds);
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        listener.listen_for(app_token.api_token()).await?;
        listener.start().await;
        info!(platform = "slack", mode = "socket", "connected to Slack");
        let nagle_off = tokio::spawn(async {
            loop {
                let changed = super::nagle::sweep();
                if changed > 0 {
                    debug!(sockets = changed, "Nagle's algorithm turned off");
                }
                tokio::time::sleep(super::nagle::SWEEP_EVERY).await;
            }
        });
        Ok(Self {
            listener,
            nagle_off,
        })
    }

    /// Closes the connection.
    pub async fn shutdown(&self) {
        self.nagle_off.abort();
        self.listener.shutdown().await;
    }
}
