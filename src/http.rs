//! The bot's one HTTP listener: `/healthz`, `/readyz` and `/metrics`, with the platform
//! routes (Slack's HTTP mode) mounted beside them.
//!
//! - `/healthz`: 200 `ok` while the process serves requests at all (liveness).
//! - `/readyz`: 200 `ready` when the store answers a read, the runtime is running and
//!   the store takes writes, every platform is connected (its last call did not fail transiently); otherwise
//!   503 with the first check that failed, in plain words.
//! - `/metrics`: the runtime's counters in Prometheus's text format (see `metrics`).
//!
//! No route reveals incident content, people or secrets.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info};

use crate::runtime::Escalator;

/// The content type of the text exposition format.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The health, readiness and metrics routes, with `platform_routes` merged in.
pub fn router(escalator: Arc<Escalator>, platform_routes: Router) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(escalator)
        .merge(platform_routes)
}

/// Binds `addr`; the bot does this before connecting to any platform, so that a port in
/// use is reported at once.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serves `router` on `listener` until `stopped` turns true.
pub fn serve(
    listener: TcpListener,
    router: Router,
    mut stopped: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    if let Ok(addr) = listener.local_addr() {
        info!(addr = %addr, "http listening");
    }
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await
    })
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Why the bot is not ready, or `None` when it is.
fn unready_reason(escalator: &Escalator) -> Option<&'static str> {
    if let Err(error) = escalator.store().earliest_timer() {
        error!(error = %error, "readiness check could not read the store");
        return Some("the store cannot be read");
    }
    if !escalator.store().is_writable() {
        return Some("the store cannot be written (is the disk full?); new incidents are refused");
    }
    if !escalator.is_running() {
        return Some("the runtime is not running");
    }
    if !escalator.metrics().is_connected() {
        return Some("a chat platform is not connected");
    }
    None
}

async fn readyz(State(escalator): State<Arc<Escalator>>) -> Response {
    match unready_reason(&escalator) {
        None => (StatusCode::OK, "ready\n").into_response(),
        Some(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")).into_response(),
    }
}

async fn metrics(State(escalator): State<Arc<Escalator>>) -> Response {
    let outbox = match escalator.store_gauge() {
        Ok(outbox) => outbox,
        Err(error) => {
            error!(error = %error, "metrics could not read the outbox");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let text = escalator.metrics().render(outbox);
    ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response()
}
