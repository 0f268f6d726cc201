//! Orders: the all-or-nothing import, and look-ups that add this bot's refunds to the imported ones.

use super::{from_ts, ts, StoreError, StoreResult, Tx};
use crate::domain::{Currency, Email, Money, Order, OrderId};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

const ORDER_SELECT: &str = "SELECT o.order_id, o.email, o.sku, o.product, o.amount_minor, o.currency, o.purchased_at,
    o.usage_json, o.imported_refunded_minor, o.charge_id, o.payment_intent_id,
    CAST(COALESCE((SELECT SUM(r.amount_minor) FROM refunds r WHERE r.order_id = o.order_id AND r.status = 'succeeded'), 0) AS BIGINT) AS bot_refunded
    FROM orders o";

fn order_from_row(row: &AnyRow) -> StoreResult<Order> {
    let corrupt = |what: String| StoreError::Corrupt(format!("order {what}"));
    let id: String = row.try_get("order_id")?;
    let currency: String = row.try_get("currency")?;
    let currency = Currency::parse(&currency).map_err(|e| corrupt(e.to_string()))?;
    let usage_json: String = row.try_get("usage_json")?;
    let email: String = row.try_get("email")?;
    let refunded = row.try_get::<i64, _>("imported_refunded_minor")? + row.try_get::<i64, _>("bot_refunded")?;
    Ok(Order {
        order_id: OrderId::parse(&id).ok_or_else(|| corrupt(format!("id `{id}`")))?,
        email: Email::parse(&email).ok_or_else(|| corrupt(format!("email of {id}")))?,
        sku: row.try_get("sku")?,
        product: row.try_get("product")?,
        amount: Money::from_minor(row.try_get("amount_minor")?, currency),
        purchased_at: from_ts(&row.try_get::<String, _>("purchased_at")?)?,
        usage: serde_json::from_str(&usage_json).map_err(|e| corrupt(format!("usage of {id}: {e}")))?,
        refunded: Money::from_minor(refunded, currency),
        charge_id: row.try_get("charge_id")?,
        payment_intent_id: row.try_get("payment_intent_id")?,
    })
}

impl Tx<'_> {
    /// Inserts or replaces orders by id. The caller commits, so a file imports whole or not at all.
    pub async fn upsert_orders(&mut self, orders: &[Order], now: DateTime<Utc>) -> StoreResult<()> {
        let replace = "DO UPDATE SET email = excluded.email, sku = excluded.sku,
            product = excluded.product, amount_minor = excluded.amount_minor, currency = excluded.currency,
            purchased_at = excluded.purchased_at, usage_json = excluded.usage_json,
            imported_refunded_minor = excluded.imported_refunded_minor, charge_id = excluded.charge_id,
            payment_intent_id = excluded.payment_intent_id, imported_at = excluded.imported_at";
        self.write_orders(orders, replace, now).await.map(|_| ())
    }

    /// Adds the orders not known yet and leaves known ones alone: an order fetched from the
    /// processor must not overwrite the imported refunded amount, which already counts ours.
    /// Returns how many were new.
    pub async fn add_missing_orders(&mut self, orders: &[Order], now: DateTime<Utc>) -> StoreResult<u64> {
        self.write_orders(orders, "DO NOTHING", now).await
    }

    async fn write_orders(&mut self, orders: &[Order], on_conflict: &str, now: DateTime<Utc>) -> StoreResult<u64> {
        let sql = format!(
            "INSERT INTO orders (order_id, email, sku, product, amount_minor, currency, purchased_at, usage_json,
                imported_refunded_minor, charge_id, payment_intent_id, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (order_id) {on_conflict}"
        );
        let mut written = 0;
        for order in orders {
            let usage = serde_json::to_string(&order.usage).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            written += sqlx::query(&sql)
                .bind(order.order_id.as_str())
                .bind(order.email.as_str())
                .bind(&order.sku)
                .bind(&order.product)
                .bind(order.amount.minor())
                .bind(order.amount.currency().code())
                .bind(ts(order.purchased_at))
                .bind(usage)
                .bind(order.refunded.minor())
                .bind(order.charge_id.clone())
                .bind(order.payment_intent_id.clone())
                .bind(ts(now))
                .execute(self.conn())
                .await?
                .rows_affected();
        }
        Ok(written)
    }

    pub async fn find_order(&mut self, id: &OrderId) -> StoreResult<Option<Order>> {
        let sql = format!("{ORDER_SELECT} WHERE o.order_id = $1");
        let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(self.conn()).await?;
        row.as_ref().map(order_from_row).transpose()
    }

    /// The order paid by a processor charge (the newest, should two name it).
    pub async fn find_order_by_charge(&mut self, charge: &str) -> StoreResult<Option<Order>> {
        let sql = format!("{ORDER_SELECT} WHERE o.charge_id = $1 ORDER BY o.purchased_at DESC LIMIT 1");
        let row = sqlx::query(&sql).bind(charge).fetch_optional(self.conn()).await?;
        row.as_ref().map(order_from_row).transpose()
    }

    /// The order whose charge id is `id` in any case (order ids are upper-cased as typed; Stripe
    /// ids are not, and never differ only by case).
    pub async fn find_order_by_charge_ignoring_case(&mut self, id: &str) -> StoreResult<Option<Order>> {
        let sql = format!("{ORDER_SELECT} WHERE UPPER(o.charge_id) = UPPER($1) ORDER BY o.purchased_at DESC LIMIT 1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(self.conn()).await?;
        row.as_ref().map(order_from_row).transpose()
    }

    pub async fn orders_by_email(&mut self, email: &Email) -> StoreResult<Vec<Order>> {
        let sql = format!("{ORDER_SELECT} WHERE o.email = $1 ORDER BY o.purchased_at");
        let rows = sqlx::query(&sql).bind(email.as_str()).fetch_all(self.conn()).await?;
        rows.iter().map(order_from_row).collect()
    }

    pub async fn count_orders(&mut self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM orders").fetch_one(self.conn()).await?;
        Ok(row.try_get("n")?)
    }
}
