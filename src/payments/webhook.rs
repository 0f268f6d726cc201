//! Stripe webhook signatures: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, the HMAC-SHA256
//! of `"<t>.<raw body>"`, checked before the body is even parsed.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// A Stripe event, as much of it as the bot reads; `data.object` is read per event type.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// How far a signature's timestamp may be from our clock; older is treated as a replay.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("Stripe-Signature has no timestamp or no v1 signature")]
    Malformed,
    #[error("timestamp outside the {TOLERANCE_SECS} s tolerance")]
    Stale,
    #[error("no v1 signature matches")]
    NoMatch,
}

/// Accepts the body when any `v1` matches any of `secrets` (several during a rotation:
/// Stripe signs with each live secret, we may hold the old and the new one).
pub fn verify(header: &str, body: &[u8], secrets: &[&str], now_unix: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.extend(from_hex(sig)),
            // v0 and unknown schemes are ignored, as Stripe advises.
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return Err(SignatureError::Malformed);
    };
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now_unix.abs_diff(timestamp) > TOLERANCE_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    for secret in secrets {
        for signature in &signatures {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            // Constant-time comparison.
            if mac.verify_slice(signature).is_ok() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::NoMatch)
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// The header Stripe would send for `body` at `t` signed with `secret` (tests, tools).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","type":"charge.dispute.created"}"#;

    fn header(secret: &str, t: i64) -> String {
        format!("t={t},{}", sign(secret, t, BODY))
    }

    #[test]
    fn valid_signature() {
        assert_eq!(verify(&header("whsec_a", NOW), BODY, &["whsec_a"], NOW), Ok(()));
        // Inside the tolerance either way.
        let h = header("whsec_a", NOW - 299);
        assert_eq!(verify(&h, BODY, &["whsec_a"], NOW), Ok(()));
    }

    #[test]
    fn wrong_secret() {
        let h = header("whsec_other", NOW);
        assert_eq!(verify(&h, BODY, &["whsec_a"], NOW), Err(SignatureError::NoMatch));
    }

    #[test]
    fn stale_timestamp() {
        let h = header("whsec_a", NOW - 301);
        assert_eq!(verify(&h, BODY, &["whsec_a"], NOW), Err(SignatureError::Stale));
    }

    #[test]
    fn replayed_signature_on_another_body() {
        let h = header("whsec_a", NOW);
        let other = br#"{"id":"evt_2","type":"charge.refunded"}"#;
        assert_eq!(verify(&h, other, &["whsec_a"], NOW), Err(SignatureError::NoMatch));
    }

    #[test]
    fn rotated_secret_with_two_v1() {
        let h = format!("t={NOW},{},{}", sign("whsec_old", NOW, BODY), sign("whsec_new", NOW, BODY));
        assert_eq!(verify(&h, BODY, &["whsec_new"], NOW), Ok(()));
        assert_eq!(verify(&h, BODY, &["whsec_old"], NOW), Ok(()));
        assert_eq!(verify(&h, BODY, &["whsec_x"], NOW), Err(SignatureError::NoMatch));
    }

    #[test]
    fn malformed_headers() {
        for h in ["", "t=abc,v1=00", &format!("t={NOW}"), "v1=00"] {
            assert_eq!(verify(h, BODY, &["whsec_a"], NOW), Err(SignatureError::Malformed), "{h}");
        }
    }
}
