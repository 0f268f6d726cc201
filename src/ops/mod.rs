//! Running it for months: health and metrics over HTTP, policy reload, shutdown signals.

pub mod metrics;
mod reload;

pub use metrics::Metrics;
pub use reload::watch_policy;

use crate::app::App;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which chat platforms are connected right now.
#[derive(Default)]
pub struct Health {
    platforms: Mutex<BTreeMap<String, bool>>,
}

impl Health {
    pub fn set(&self, platform: &str, connected: bool) {
        self.platforms.lock().expect("health lock").insert(platform.to_string(), connected);
    }

    fn down(&self) -> Vec<String> {
        let platforms = self.platforms.lock().expect("health lock");
        platforms.iter().filter(|(_, up)| !**up).map(|(name, _)| format!("{name} is not connected")).collect()
    }
}

async fn healthz(State(app): State<Arc<App>>) -> impl IntoResponse {
    let mut problems = app.health.down();
    let ping = tokio::time::timeout(Duration::from_secs(2), app.engine.store().ping()).await;
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

async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    match app.engine.metrics.render(app.engine.store(), chrono::Utc::now()).await {
        Ok(text) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, format!("metrics unavailable: {error:#}\n")).into_response(),
    }
}

/// Serves `/healthz` and `/metrics` on `listen` until the process ends.
pub async fn serve(listen: &str, app: Arc<App>) -> anyhow::Result<()> {
    let mut router =
        Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics)).with_state(app.clone());
    if app.loaded.config.payments.processor == crate::config::Processor::Stripe {
        match crate::http::webhook_secrets() {
            Some(secrets) => router = router.merge(crate::http::stripe_routes(app.clone(), secrets)),
            None => tracing::warn!("STRIPE_WEBHOOK_SECRET is not set: no Stripe webhook endpoint"),
        }
    }
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

/// Resolves at the first SIGTERM or SIGINT; a second one ends the process at once.
pub async fn shutdown_signal() {
    wait_for_signal().await;
    tracing::info!("shutting down: finishing the work in flight (signal again to stop at once)");
    tokio::spawn(async {
        wait_for_signal().await;
        tracing::warn!("second signal: stopping now");
        std::process::exit(130);
    });
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
