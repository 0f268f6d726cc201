//! Order files for `orders import`: JSON lines or CSV (docs/configuration.md#order-files). A file is read
//! whole before anything is stored, so one bad row imports nothing.

use crate::domain::{Currency, Email, Money, Order, OrderId};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A bad order file, by line (1-based; a CSV's header is line 1).
#[derive(Debug, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct OrdersFileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// One order as written in a file, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrder {
    order_id: String,
    email: String,
    sku: String,
    product: String,
    amount: String,
    currency: String,
    purchased_at: String,
    #[serde(default)]
    usage: BTreeMap<String, f64>,
    #[serde(default)]
    refunded: Option<String>,
    #[serde(default)]
    charge_id: Option<String>,
    #[serde(default)]
    payment_intent_id: Option<String>,
}

impl RawOrder {
    fn validate(self) -> Result<Order, String> {
        let order_id = OrderId::parse(&self.order_id)
            .ok_or_else(|| format!("order_id `{}` is not a valid order id", self.order_id))?;
        let email =
            Email::parse(&self.email).ok_or_else(|| format!("email `{}` is not an email address", self.email))?;
        let currency = Currency::parse(&self.currency).map_err(|e| e.to_string())?;
        let amount = Money::parse(&self.amount, currency).map_err(|e| format!("amount: {e}"))?;
        let refunded = match self.refunded.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(raw) => Money::parse(raw, currency).map_err(|e| format!("refunded: {e}"))?,
            None => Money::zero(currency),
        };
        if refunded.minor() > amount.minor() {
            return Err(format!("refunded {refunded} is more than the amount {amount}"));
        }
        let purchased_at = DateTime::parse_from_rfc3339(self.purchased_at.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("purchased_at `{}` is not an RFC 3339 time ({e})", self.purchased_at))?;
        if let Some((metric, value)) = self.usage.iter().find(|(_, v)| !v.is_finite() || **v < 0.0) {
            return Err(format!("usage.{metric} = {value} must be a number of zero or more"));
        }
        let non_empty = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if self.sku.trim().is_empty() || self.product.trim().is_empty() {
            return Err("sku and product must not be empty".into());
        }
        Ok(Order {
            order_id,
            email,
            sku: self.sku.trim().to_string(),
            product: self.product.trim().to_string(),
            amount,
            purchased_at,
            usage: self.usage,
            refunded,
            charge_id: non_empty(self.charge_id),
            payment_intent_id: non_empty(self.payment_intent_id),
        })
    }
}

/// Reads `.jsonl` or `.csv` by its extension.
pub fn parse_orders(path: &Path) -> Result<Vec<Order>, OrdersFileError> {
    let source = path.display().to_string();
    let fail = |line, message: String| OrdersFileError { file: source.clone(), line, message };
    let text = std::fs::read_to_string(path).map_err(|e| fail(0, format!("cannot read the file: {e}")))?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl") | Some("ndjson") => parse_jsonl(&text, &source),
        Some("csv") => parse_csv(&text, &source),
        _ => Err(fail(0, "expected a .jsonl or .csv file".into())),
    }
}

/// One JSON object a line; blank lines are skipped. A later line wins for a repeated order id.
pub fn parse_jsonl(text: &str, source: &str) -> Result<Vec<Order>, OrdersFileError> {
    let mut orders = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |message: String| OrdersFileError { file: source.to_string(), line: index + 1, message };
        let raw: RawOrder = serde_json::from_str(line).map_err(|e| fail(e.to_string()))?;
        orders.push(raw.validate().map_err(fail)?);
    }
    Ok(orders)
}

/// CSV with a header of the same names; usage as `usage.<metric>` columns; empty cells are absent.
pub fn parse_csv(text: &str, source: &str) -> Result<Vec<Order>, OrdersFileError> {
    let fail = |line: usize, message: String| OrdersFileError { file: source.to_string(), line, message };
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| fail(1, e.to_string()))?.clone();
    let mut orders = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| fail(e.position().map_or(0, |p| p.line() as usize), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut object = serde_json::Map::new();
        let mut usage = serde_json::Map::new();
        for (name, value) in headers.iter().zip(record.iter()) {
            if value.is_empty() {
                continue;
            }
            if let Some(metric) = name.strip_prefix("usage.") {
                let number: f64 = value.parse().map_err(|_| fail(line, format!("{name} `{value}` is not a number")))?;
                usage.insert(metric.to_string(), serde_json::json!(number));
            } else {
                object.insert(name.to_string(), serde_json::Value::String(value.to_string()));
            }
        }
        object.insert("usage".into(), serde_json::Value::Object(usage));
        let raw: RawOrder =
            serde_json::from_value(serde_json::Value::Object(object)).map_err(|e| fail(line, e.to_string()))?;
        orders.push(raw.validate().map_err(|m| fail(line, m))?);
    }
    Ok(orders)
}
