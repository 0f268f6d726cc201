//! `[slack] mode = "events"`: Slack's Events API and interactivity as HTTP requests to
//! `POST /slack/events` on `[http] listen`. The signature (`v0=` HMAC-SHA256 of
//! `v0:{timestamp}:{raw body}` with the signing secret) is checked on the raw body before
//! anything is parsed, and requests more than five minutes old are refused. Slack's retries
//! (`X-Slack-Retry-Num`) are answered 2xx; the engine skips an `event_id` it has handled.

use super::Slack;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

/// The Slack platform once `run` has started it; until then requests get a 503 (Slack retries).
static SERVING: Mutex<Option<Arc<Slack>>> = Mutex::new(None);

/// How far a request's timestamp may be from now.
const MAX_AGE_SECS: i64 = 300;

pub(super) fn serving(slack: Arc<Slack>) {
    *SERVING.lock().unwrap_or_else(|p| p.into_inner()) = Some(slack);
}

/// `POST /slack/events`, merged into the server of `crate::ops::serve`.
pub fn routes() -> Router {
    Router::new().route("/slack/events", post(events))
}

/// Whether `signature` is Slack's for this timestamp and raw body (constant-time compare).
pub fn verify(secret: &str, timestamp: &str, body: &[u8], signature: &str, now: i64) -> bool {
    let Ok(at) = timestamp.parse::<i64>() else { return false };
    // `abs_diff`: a sender-chosen timestamp at the end of i64 must not overflow.
    if now.abs_diff(at) > MAX_AGE_SECS as u64 {
        return false;
    }
    let Some(hex) = signature.strip_prefix("v0=") else { return false };
    let Some(expected) = decode_hex(hex) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

async fn events(headers: HeaderMap, body: Bytes) -> Response {
    let Some(slack) = SERVING.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "Slack is not started yet\n").into_response();
    };
    let Some(secret) = slack.signing_secret.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let timestamp = header(&headers, "x-slack-request-timestamp");
    let signature = header(&headers, "x-slack-signature");
    if !verify(secret, timestamp, &body, signature, chrono::Utc::now().timestamp()) {
        tracing::warn!("a /slack/events request with a bad or stale signature; refused");
        return (StatusCode::UNAUTHORIZED, "bad signature\n").into_response();
    }
    let form = header(&headers, "content-type").starts_with("application/x-www-form-urlencoded");
    if form {
        let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        if let Some(payload) = field("payload") {
            let Ok(payload) = serde_json::from_str::<Value>(&payload) else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            // Answer within Slack's 3 s: an empty 200 takes a press and closes a modal.
            tokio::spawn(async move { slack.on_interaction(payload).await });
            return StatusCode::OK.into_response();
        }
        if field("command").as_deref() == Some("/refund") {
            let (Some(user), Some(trigger)) = (field("user_id"), field("trigger_id")) else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            let text = slack.on_command(user, trigger).await;
            return axum::Json(json!({"response_type": "ephemeral", "text": text})).into_response();
        }
        return StatusCode::OK.into_response();
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match payload["type"].as_str() {
        Some("url_verification") => axum::Json(json!({"challenge": payload["challenge"]})).into_response(),
        Some("event_callback") => {
            let retry = header(&headers, "x-slack-retry-num");
            if !retry.is_empty() {
                tracing::debug!(%retry, "a Slack retry; handled once by its event_id");
            }
            tokio::spawn(async move { slack.on_push(payload).await });
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, ts: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("v0:{ts}:").as_bytes());
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        format!("v0={}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    #[test]
    fn signatures_are_checked_on_the_raw_body_and_the_time() {
        let body = br#"{"type":"url_verification","challenge":"c"}"#;
        let good = sign("secret", "1000", body);
        assert!(verify("secret", "1000", body, &good, 1100));
        assert!(!verify("other", "1000", body, &good, 1100), "another secret");
        assert!(!verify("secret", "1000", b"{}", &good, 1100), "another body");
        assert!(!verify("secret", "1000", body, &good, 1000 + 301), "stale");
        assert!(!verify("secret", "1000", body, "v0=zz", 1000));
        assert!(!verify("secret", "x", body, &good, 1000));
    }
}
