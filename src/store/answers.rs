//! What a question is answered from: the customer's latest refund and latest proven order.

use super::cases::RefundRow;
use super::{StoreResult, Tx};
use crate::domain::{ChatUserId, OrderId};
use sqlx::Row;

impl Tx<'_> {
    /// The customer's latest refund that did not fail, on any of their cases.
    pub async fn latest_refund_of(&mut self, customer: &ChatUserId) -> StoreResult<Option<RefundRow>> {
        let row = sqlx::query(
            "SELECT r.case_id FROM refunds r JOIN cases c ON c.id = r.case_id
             WHERE c.customer = $1 AND r.status <> 'failed' ORDER BY r.id DESC LIMIT 1",
        )
        .bind(customer.to_string())
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let case = crate::domain::CaseId(row.try_get("case_id")?);
        let refunds = self.refunds_of_case(case).await?;
        Ok(refunds.into_iter().rev().find(|r| r.status != "failed"))
    }

    /// The order of the customer's latest case that proved one.
    pub async fn last_order_of(&mut self, customer: &ChatUserId) -> StoreResult<Option<OrderId>> {
        let row = sqlx::query(
            "SELECT order_id FROM cases WHERE customer = $1 AND order_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(customer.to_string())
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.try_get::<String, _>("order_id")).transpose()?.and_then(|id| OrderId::parse(&id)))
    }
}
