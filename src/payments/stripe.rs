//! A thin Stripe client: create and retrieve refunds over form-encoded HTTP (no SDK).

use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Where a refund goes: Stripe refunds either a charge or a payment intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Charge(String),
    PaymentIntent(String),
}

impl Target {
    fn param(&self) -> (&'static str, &str) {
        match self {
            Target::Charge(id) => ("charge", id),
            Target::PaymentIntent(id) => ("payment_intent", id),
        }
    }

    pub fn id(&self) -> &str {
        self.param().1
    }
}

/// A refund's lifecycle on Stripe's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Canceled,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::RequiresAction => "requires_action",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
            RefundStatus::Canceled => "canceled",
        }
    }
}

/// The parts of a Stripe refund object the bot acts on.
#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub status: RefundStatus,
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// Our `metadata[case_id]`, which lets a webhook find the case of a refund whose id the
    /// ledger never learned (an answer lost in a crash).
    #[serde(default)]
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// The parts of a Stripe dispute the bot acts on.
#[derive(Debug, Clone, Deserialize)]
pub struct Dispute {
    pub id: String,
    pub charge: String,
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// `won`, `lost`, `warning_closed`... once closed.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub evidence_details: Option<EvidenceDetails>,
}

impl Dispute {
    /// Stripe's reason code (`fraudulent`, `product_not_received`...), or words saying there is none.
    pub fn reason_or_none(&self) -> &str {
        self.reason.as_deref().unwrap_or("no reason given")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct EvidenceDetails {
    /// Unix time by which the seller must answer.
    #[serde(default)]
    pub due_by: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered and said no (4xx other than 429): retrying the same request is pointless.
    #[error("Stripe refused ({status}): {}: {message}", code.as_deref().unwrap_or("no code"))]
    Refused { status: u16, code: Option<String>, message: String },
    /// No clear answer (timeout, connection, 5xx, 429): the same request, with the same
    /// idempotency key, may be retried.
    #[error("Stripe unreachable or failing: {0}")]
    Transient(String),
}

impl StripeError {
    pub fn code(&self) -> Option<&str> {
        match self {
            StripeError::Refused { code, .. } => code.as_deref(),
            StripeError::Transient(_) => None,
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<String>,
    #[serde(default)]
    message: String,
}

/// One refund to create; `idempotency_key` comes from our ledger row so a retry is a replay.
#[derive(Debug, Clone)]
pub struct NewRefund<'a> {
    pub target: &'a Target,
    pub amount_minor: i64,
    pub case_id: i64,
    pub idempotency_key: &'a str,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    secret_key: String,
}

/// The key never reaches a log line, even through `{:?}`.
impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("stripe::Client").field("base", &self.base).field("secret_key", &"<redacted>").finish()
    }
}

impl Client {
    /// `base` is `[payments] stripe_api_base`; the key comes from `STRIPE_SECRET_KEY` only.
    pub fn new(base: &str, secret_key: String) -> Result<Client, StripeError> {
        let http = reqwest::Client::builder()
            // A refund call that hangs must not stall the job runner; the retry is safe.
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| StripeError::Transient(e.to_string()))?;
        Ok(Client { http, base: base.trim_end_matches('/').to_string(), secret_key })
    }

    /// `POST /v1/refunds`. A replay with the same key answers with the first refund.
    pub async fn create_refund(&self, refund: &NewRefund<'_>) -> Result<Refund, StripeError> {
        let (param, id) = refund.target.param();
        let form = [
            (param.to_string(), id.to_string()),
            ("amount".into(), refund.amount_minor.to_string()),
            ("metadata[case_id]".into(), refund.case_id.to_string()),
        ];
        let request = self
            .http
            .post(format!("{}/v1/refunds", self.base))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", refund.idempotency_key)
            .form(&form);
        self.send(request).await
    }

    /// `GET /v1/refunds/{id}`: where a pending refund stands now.
    pub async fn retrieve_refund(&self, id: &str) -> Result<Refund, StripeError> {
        self.get_json(&format!("/v1/refunds/{id}"), &[]).await
    }

    /// `GET /v1/refunds?charge=...` (or `payment_intent=`): the target's refunds, newest
    /// first, to reconcile an attempt whose answer we never got.
    pub async fn list_refunds(&self, target: &Target) -> Result<Vec<Refund>, StripeError> {
        #[derive(Deserialize)]
        struct List {
            data: Vec<Refund>,
        }
        let (param, id) = target.param();
        Ok(self.get_json::<List>("/v1/refunds", &[(param, id), ("limit", "100")]).await?.data)
    }

    /// `GET path?query`, read as `T`.
    pub(super) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, StripeError> {
        let request = self.http.get(format!("{}{path}", self.base)).query(query).bearer_auth(&self.secret_key);
        let body = self.send_raw(request).await?;
        serde_json::from_slice(&body).map_err(|e| StripeError::Transient(format!("unreadable answer to {path} ({e})")))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Refund, StripeError> {
        let body = self.send_raw(request).await?;
        serde_json::from_slice(&body).map_err(|e| StripeError::Transient(format!("unreadable refund ({e})")))
    }

    /// The body of a 2xx answer; anything else sorted into a refusal or a transient error.
    async fn send_raw(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, StripeError> {
        // `without_url`: the error text names no URL with query secrets; the key is a header.
        let response = request.send().await.map_err(|e| StripeError::Transient(e.without_url().to_string()))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| StripeError::Transient(e.without_url().to_string()))?;
        check_status(status.as_u16(), &body)?;
        Ok(body.to_vec())
    }
}

/// Sorts an HTTP answer into a refund, a refusal, or something worth retrying.
pub fn parse_response(status: u16, body: &[u8]) -> Result<Refund, StripeError> {
    check_status(status, body)?;
    serde_json::from_slice(body).map_err(|e| StripeError::Transient(format!("unreadable refund ({e})")))
}

/// A 2xx is fine; 429 and 5xx may be retried; any other status is Stripe's refusal.
fn check_status(status: u16, body: &[u8]) -> Result<(), StripeError> {
    if status == 429 || status >= 500 {
        return Err(StripeError::Transient(format!("HTTP {status}")));
    }
    if (200..300).contains(&status) {
        return Ok(());
    }
    let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => (b.error.code, b.error.message),
        Err(_) => (None, String::from_utf8_lossy(body).chars().take(200).collect()),
    };
    Err(StripeError::Refused { status, code, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_answers() {
        let ok = br#"{"id":"re_1","amount":4900,"status":"pending","charge":"ch_1"}"#;
        let refund = parse_response(200, ok).unwrap();
        assert_eq!((refund.id.as_str(), refund.status), ("re_1", RefundStatus::Pending));
        let refused =
            br#"{"error":{"code":"charge_disputed","message":"charged back","type":"invalid_request_error"}}"#;
        let err = parse_response(400, refused).unwrap_err();
        assert_eq!(err.code(), Some("charge_disputed"));
        assert!(matches!(parse_response(503, b""), Err(StripeError::Transient(_))));
        assert!(matches!(parse_response(429, b"{}"), Err(StripeError::Transient(_))));
    }

    #[test]
    fn debug_hides_the_key() {
        let client = Client::new("http://127.0.0.1:1", "sk_test_secret".into()).unwrap();
        assert!(!format!("{client:?}").contains("sk_test_secret"));
    }
}
