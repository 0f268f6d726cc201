//! A purchase as the seller's records know it, and the purchase email that proves it.

use super::{Money, OrderId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// A purchase email, trimmed and lower-cased so that a customer's typing matches the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Option<Email> {
        let email = raw.trim().trim_end_matches(['.', ',', ';', ')', '!', '?']).to_lowercase();
        let (local, domain) = email.split_once('@')?;
        let plausible = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"'".contains(c))
            && !domain.contains('@');
        plausible.then_some(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Email::parse(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not an email address")))
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One purchase. `usage` holds the product's usage metrics (course progress, downloads).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub order_id: OrderId,
    pub email: Email,
    pub sku: String,
    pub product: String,
    pub amount: Money,
    pub purchased_at: DateTime<Utc>,
    pub usage: BTreeMap<String, f64>,
    /// What has already been refunded, by any means (imported, or recorded by this bot).
    pub refunded: Money,
    pub charge_id: Option<String>,
    pub payment_intent_id: Option<String>,
}

impl Order {
    /// What is still refundable; never negative.
    pub fn unrefunded(&self) -> Money {
        let left = self.amount.minor() - self.refunded.minor();
        Money::from_minor(left.max(0), self.amount.currency())
    }

    /// A usage metric's value; a missing metric counts as no use at all.
    pub fn usage_of(&self, metric: &str) -> f64 {
        self.usage.get(metric).copied().unwrap_or(0.0)
    }
}
