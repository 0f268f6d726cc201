//! Stripe webhooks on the `[http] listen` server: the signature is checked on the raw body
//! before anything else is read.

use crate::payments::webhook::{self, Event};
use crate::workflow::Engine;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use std::sync::Arc;

/// `STRIPE_WEBHOOK_SECRET`: the endpoint's signing secrets, comma-separated (two during a
/// rotation). None when unset: no webhook endpoint.
pub fn webhook_secrets() -> Option<Vec<String>> {
    let raw = std::env::var("STRIPE_WEBHOOK_SECRET").ok()?;
    let secrets: Vec<String> = raw.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    (!secrets.is_empty()).then_some(secrets)
}

#[derive(Clone)]
struct Hooks {
    engine: Arc<Engine>,
    secrets: Arc<Vec<String>>,
}

/// `POST /webhooks/stripe`, merged into the server of `crate::ops::serve`.
pub fn stripe_routes(engine: Arc<Engine>, secrets: Vec<String>) -> Router {
    Router::new()
        .route("/webhooks/stripe", post(stripe_webhook))
        .with_state(Hooks { engine, secrets: Arc::new(secrets) })
}

async fn stripe_webhook(State(hooks): State<Hooks>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let secrets: Vec<&str> = hooks.secrets.iter().map(String::as_str).collect();
    let now = Utc::now();
    if let Err(e) = webhook::verify(signature, &body, &secrets, now.timestamp()) {
        tracing::warn!("Stripe webhook refused: {e}");
        return StatusCode::BAD_REQUEST;
    }
    let Ok(event) = serde_json::from_slice::<Event>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    match hooks.engine.handle_stripe_event(&event, now).await {
        Ok(_) => StatusCode::OK,
        // Stripe retries a 5xx, and the event id keeps the retry from acting twice.
        Err(e) => {
            tracing::error!("Stripe event {}: {e}", event.id);
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
