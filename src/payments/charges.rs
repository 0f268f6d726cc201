//! Stripe charges read as orders, for sellers who import no orders file: a charge found by its
//! id, or the charges of the Stripe customers with the purchase email.

use super::stripe::{Client, StripeError};
use crate::domain::{Currency, Email, Money, Order, OrderId};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Metadata keys a seller's checkout may set on a charge, read as the order's fields.
/// `usage_<metric>` keys carry usage (`usage_progress = 0.4`, `usage_downloads = 2`).
const META_ORDER_ID: &str = "order_id";
const META_PRODUCT: &str = "product";
const META_SKU: &str = "sku";
const META_USAGE_PREFIX: &str = "usage_";

/// The parts of a Stripe charge an order needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Charge {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_refunded: i64,
    pub currency: String,
    pub created: i64,
    #[serde(default)]
    pub paid: bool,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub receipt_email: Option<String>,
    /// The number on Stripe's receipt email (`Receipt #1234-5678`), what a customer has at hand.
    #[serde(default)]
    pub receipt_number: Option<String>,
    #[serde(default)]
    pub billing_details: BillingDetails,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BillingDetails {
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Customer {
    id: String,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct List<T> {
    data: Vec<T>,
}

impl Charge {
    /// The purchase email: the one on the card's billing details, the receipt's, else the
    /// Stripe customer's (passed in by whoever fetched the customer).
    fn email(&self, customer_email: Option<&str>) -> Option<Email> {
        [self.billing_details.email.as_deref(), self.receipt_email.as_deref(), customer_email]
            .into_iter()
            .flatten()
            .find_map(Email::parse)
    }

    /// The order this charge is, or why it is not one (unpaid, no email, odd currency).
    pub fn to_order(&self, customer_email: Option<&str>) -> Result<Order, String> {
        if !self.paid || self.status != "succeeded" {
            return Err(format!("charge {} is not a completed payment ({})", self.id, self.status));
        }
        // The seller's own order id, else the receipt's number, else the charge id.
        let raw_id = self.metadata.get(META_ORDER_ID).or(self.receipt_number.as_ref()).unwrap_or(&self.id);
        let order_id =
            OrderId::parse(raw_id).ok_or_else(|| format!("charge {}: `{raw_id}` is no order id", self.id))?;
        let email = self.email(customer_email).ok_or_else(|| format!("charge {} names no email", self.id))?;
        let currency = Currency::parse(&self.currency).map_err(|e| format!("charge {}: {e}", self.id))?;
        let purchased_at = DateTime::<Utc>::from_timestamp(self.created, 0)
            .ok_or_else(|| format!("charge {}: bad creation time {}", self.id, self.created))?;
        let usage = self
            .metadata
            .iter()
            .filter_map(|(key, value)| Some((key.strip_prefix(META_USAGE_PREFIX)?, value.trim().parse::<f64>().ok()?)))
            .filter(|(metric, value)| !metric.is_empty() && value.is_finite())
            .map(|(metric, value)| (metric.to_string(), value))
            .collect();
        let product = self
            .metadata
            .get(META_PRODUCT)
            .or(self.description.as_ref())
            .filter(|p| !p.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| "Stripe payment".to_string());
        Ok(Order {
            order_id,
            email,
            sku: self.metadata.get(META_SKU).cloned().unwrap_or_default(),
            product,
            amount: Money::from_minor(self.amount, currency),
            purchased_at,
            usage,
            refunded: Money::from_minor(self.amount_refunded, currency),
            charge_id: Some(self.id.clone()),
            payment_intent_id: self.payment_intent.clone(),
        })
    }
}

impl Client {
    /// `GET /v1/charges/{id}`; `None` when Stripe has no such charge.
    pub async fn retrieve_charge(&self, id: &str) -> Result<Option<Charge>, StripeError> {
        // An id is one path segment; anything else cannot be a charge id.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Ok(None);
        }
        match self.get_json::<Charge>(&format!("/v1/charges/{id}"), &[]).await {
            Ok(charge) => Ok(Some(charge)),
            Err(StripeError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Orders made by the Stripe customers with this email (`GET /v1/customers?email=`, then
    /// each one's charges), with a charge found by id (a guest checkout has no customer).
    /// Charges that are no orders (unpaid, no email) are skipped.
    pub async fn orders_for(&self, email: &Email, charge_id: Option<&str>) -> Result<Vec<Order>, StripeError> {
        let mut orders = Vec::new();
        let customers: List<Customer> =
            self.get_json("/v1/customers", &[("email", email.as_str()), ("limit", "100")]).await?;
        for customer in &customers.data {
            let charges: List<Charge> =
                self.get_json("/v1/charges", &[("customer", customer.id.as_str()), ("limit", "100")]).await?;
            orders.extend(charges.data.iter().filter_map(|c| usable(c.to_order(customer.email.as_deref()))));
        }
        let found_already = |id: &str| orders.iter().any(|o: &Order| o.charge_id.as_deref() == Some(id));
        if let Some(id) = charge_id.filter(|id| !found_already(id)) {
            orders.extend(self.order_of_charge(id).await?);
        }
        Ok(orders)
    }

    /// The order a charge is, with its Stripe customer's email when the charge names none.
    pub async fn order_of_charge(&self, id: &str) -> Result<Option<Order>, StripeError> {
        let Some(charge) = self.retrieve_charge(id).await? else {
            return Ok(None);
        };
        let customer_email = match &charge.customer {
            Some(customer) if charge.email(None).is_none() => {
                self.get_json::<Customer>(&format!("/v1/customers/{customer}"), &[]).await?.email
            }
            _ => None,
        };
        Ok(usable(charge.to_order(customer_email.as_deref())))
    }
}

fn usable(order: Result<Order, String>) -> Option<Order> {
    order.map_err(|why| tracing::debug!("Stripe charge skipped: {why}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(json: serde_json::Value) -> Charge {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_charge_reads_as_an_order() {
        let c = charge(serde_json::json!({
            "id": "ch_1", "amount": 4900, "amount_refunded": 900, "currency": "usd", "created": 1_700_000_000,
            "paid": true, "status": "succeeded", "description": "Course", "receipt_email": "Ann@Example.com",
            "payment_intent": "pi_1",
            "metadata": {"order_id": "ORD-7", "usage_progress": "0.4", "usage_": "1", "usage_bad": "x", "sku": "course-1"}
        }));
        let order = c.to_order(None).unwrap();
        assert_eq!(order.order_id.as_str(), "ORD-7");
        assert_eq!(order.email.as_str(), "ann@example.com");
        assert_eq!((order.amount.minor(), order.refunded.minor()), (4900, 900));
        assert_eq!(order.amount.currency().code(), "USD");
        assert_eq!(order.usage, BTreeMap::from([("progress".to_string(), 0.4)]));
        assert_eq!((order.product.as_str(), order.sku.as_str()), ("Course", "course-1"));
        assert_eq!(order.charge_id.as_deref(), Some("ch_1"));
    }

    #[test]
    fn a_receipt_number_is_the_order_id_when_the_seller_set_none() {
        let c = charge(serde_json::json!({"id": "ch_9", "amount": 500, "currency": "eur", "created": 1,
            "paid": true, "status": "succeeded", "receipt_number": "1234-5678",
            "billing_details": {"email": "Bo@Example.com"}}));
        let order = c.to_order(None).unwrap();
        assert_eq!(order.order_id.as_str(), "1234-5678");
        assert_eq!((order.email.as_str(), order.charge_id.as_deref()), ("bo@example.com", Some("ch_9")));
    }

    #[test]
    fn unpaid_or_anonymous_charges_are_no_orders() {
        let base = serde_json::json!({"id": "ch_2", "amount": 100, "currency": "usd", "created": 1, "paid": true,
            "status": "succeeded"});
        assert!(charge(base.clone()).to_order(None).unwrap_err().contains("no email"));
        assert!(charge(base.clone()).to_order(Some("b@example.com")).is_ok());
        let mut failed = base;
        failed["status"] = "failed".into();
        assert!(charge(failed).to_order(Some("b@example.com")).is_err());
    }
}
