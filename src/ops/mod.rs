//! Running it for months: health and metrics over HTTP, policy reload.

pub mod metrics;
pub mod probe;
mod reload;

pub use metrics::Metrics;
pub use reload::watch_policy;

use crate::runner::Health;
use crate::workflow::Engine;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;

/// What the HTTP handlers read.
#[derive(Clone)]
struct Served {
    engine: Arc<Engine>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
}

async fn healthz(State(Served { engine, health, .. }): State<Served>) -> impl IntoResponse {
    let mut problems = health.down();
    let ping = tokio::time::timeout(Duration::from_secs(2), engine.store().ping()).await;
    match ping {
        Ok(Ok(())) => {}
        Ok(Err(error)) => problems.insert(0, format!("database: {error}")),
        Err(_) => problems.insert(0, "database: no answer within 2 s".into()),
    }
    if problems.is_empty() {
        (StatusCode::OK, "ok\n".to_string())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", problems.join("\n")))
    }
}

async fn scrape(State(Served { engine, metrics, .. }): State<Served>) -> impl IntoResponse {
    match metrics.render(engine.store(), chrono::Utc::now()).await {
        Ok(text) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, format!("metrics unavailable: {error:#}\n")).into_response(),
    }
}

/// Serves `/healthz` and `/metrics` on `listen` until the process ends.
/// With Stripe as the processor, `/webhooks/stripe` too (when its secret is set).
pub async fn serve(
    listen: &str,
    engine: Arc<Engine>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
) -> anyhow::Result<()> {
    let stripe = engine.settings().processor == crate::payments::Processor::Stripe;
    let mut router = Router::new().route("/healthz", get(healthz)).route("/metrics", get(scrape)).with_state(Served {
        engine: engine.clone(),
        metrics,
        health,
    });
    if stripe {
        match crate::http::webhook_secrets() {
            Some(secrets) => router = router.merge(crate::http::stripe_routes(engine.clone(), secrets)),
            None => tracing::warn!("STRIPE_WEBHOOK_SECRET is not set: no Stripe webhook endpoint"),
        }
    }
    router = router.merge(crate::chat::slack::events_api::routes());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("[http] listen = \"{listen}\": {e}"))?;
    tracing::info!(%listen, "serving /healthz, /metrics and, with Stripe, /webhooks/stripe");
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "the HTTP server stopped");
        }
    });
    Ok(())
}
