//! Orders missing from the imported ones, fetched from Stripe: a turn that misses an order asks
//! for it, the engine rolls that turn back, fetches the customer's charges outside any
//! transaction, stores them as orders and runs the event again.

use super::engine::{Engine, EngineError};
use super::turn::Turn;
use crate::domain::case::Case;
use crate::domain::timeline::EventKind;
use crate::domain::{Email, Order, OrderId};
use chrono::{DateTime, Utc};

/// One order a customer named that the database does not have.
#[derive(Debug, Clone)]
pub struct OrderLookup {
    pub order_id: OrderId,
    pub email: Email,
    /// The id as the customer typed it: Stripe ids are case-sensitive, our order ids are not.
    pub typed_id: Option<String>,
}

/// The orders an event already asked Stripe for, and those Stripe could not be asked about.
#[derive(Debug, Clone, Default)]
pub struct LookedUp {
    pub asked: Vec<OrderId>,
    /// No answer (Stripe down or failing): the customer is told to try again, not "not found".
    pub unanswered: Vec<OrderId>,
}

impl Turn<'_> {
    /// Whether a missed order should be asked of Stripe first (it is then queued on the turn).
    pub(super) async fn wants_stripe_lookup(
        &mut self,
        case: &Case,
        order_id: &OrderId,
        email: &Email,
    ) -> Result<bool, EngineError> {
        if self.engine.settings.stripe.is_none() || self.looked_up.asked.contains(order_id) {
            return Ok(false);
        }
        let typed_id = self.typed_spelling(case, order_id).await?;
        self.order_lookups.push(OrderLookup { order_id: order_id.clone(), email: email.clone(), typed_id });
        Ok(true)
    }

    /// The customer's own spelling of an order id, from their messages in this case.
    async fn typed_spelling(&mut self, case: &Case, order_id: &OrderId) -> Result<Option<String>, EngineError> {
        let timeline = self.tx.timeline(case.id).await?;
        let customer = case.customer.to_string();
        let said = timeline.iter().rev().filter(|e| e.kind == EventKind::Message && e.actor == customer);
        let typed = said.flat_map(|e| tokens(&e.detail)).find(|t| t.eq_ignore_ascii_case(order_id.as_str()));
        Ok(typed.map(str::to_string))
    }
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_#.".contains(c)))
        .map(|t| t.trim_matches(|c| c == '.' || c == '#'))
        .filter(|t| !t.is_empty())
}

impl Engine {
    /// Fetches the looked-up orders from Stripe and adds those not known yet, noting in
    /// `looked_up` what was asked and what got no answer. Stripe being unreachable is logged,
    /// not fatal: the customer hears that the order cannot be checked just now.
    pub(super) async fn import_stripe_orders(
        &self,
        lookups: &[OrderLookup],
        now: DateTime<Utc>,
        looked_up: &mut LookedUp,
    ) -> Result<(), EngineError> {
        let Some(client) = self.settings.stripe.clone() else {
            return Ok(());
        };
        let mut orders = Vec::new();
        for lookup in lookups {
            looked_up.asked.push(lookup.order_id.clone());
            // Only something shaped like a charge id is fetched by id.
            let charge_id = lookup.typed_id.as_deref().filter(|id| id.starts_with("ch_") || id.starts_with("py_"));
            match client.orders_for(&lookup.email, charge_id).await {
                Ok(found) => orders.extend(found),
                Err(e) => {
                    tracing::warn!(order = %lookup.order_id, "looking the order up on Stripe failed: {e}");
                    looked_up.unanswered.push(lookup.order_id.clone());
                }
            }
        }
        self.store_fetched_orders(&orders, now).await
    }

    async fn store_fetched_orders(&self, orders: &[Order], now: DateTime<Utc>) -> Result<(), EngineError> {
        if orders.is_empty() {
            return Ok(());
        }
        let _one_at_a_time = self.serial.lock().await;
        let mut tx = self.store.begin().await?;
        let added = tx.add_missing_orders(orders, now).await?;
        tx.commit().await?;
        tracing::info!(fetched = orders.len(), added, "orders fetched from Stripe");
        Ok(())
    }

    /// Makes sure the order a charge paid is stored, fetching it from Stripe when it is not
    /// (a dispute can arrive on a charge nobody asked the bot about). Best effort, like the
    /// look-ups above.
    pub(super) async fn ensure_order_of_charge(&self, charge: &str, now: DateTime<Utc>) -> Result<(), EngineError> {
        let Some(client) = self.settings.stripe.clone() else {
            return Ok(());
        };
        let mut tx = self.store.begin().await?;
        let known = tx.find_order_by_charge(charge).await?.is_some();
        drop(tx);
        if known {
            return Ok(());
        }
        match client.order_of_charge(charge).await {
            Ok(Some(order)) => self.store_fetched_orders(&[order], now).await?,
            Ok(None) => tracing::warn!(charge, "Stripe knows no order for this charge"),
            Err(e) => tracing::warn!(charge, "fetching the charge from Stripe failed: {e}"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn finds_the_typed_spelling() {
        let found: Vec<_> = tokens("It was ch_3AbC9x, bought with ann@example.com. (#ORD-7.)").collect();
        assert!(found.contains(&"ch_3AbC9x"));
        assert!(found.contains(&"ORD-7"));
    }
}
