//! Refunds that went back in a period: the one query the ledger export, the report and the
//! weekly digest read (each keeps the columns it needs).

use super::{from_ts, ts, StoreResult, Tx};
use crate::domain::CaseId;
use chrono::{DateTime, Utc};
use sqlx::Row;

/// One executed refund, with its order, its case's reason and who approved it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundWentBack {
    pub at: DateTime<Utc>,
    pub order_id: String,
    pub email: String,
    /// The order's product; empty when the order is no longer stored.
    pub product: String,
    pub amount_minor: i64,
    pub currency: String,
    pub processor: String,
    pub processor_refund_id: Option<String>,
    pub status: String,
    pub case_id: CaseId,
    /// The reason of the refund's case (`reason` codes), when the customer gave one.
    pub reason: Option<String>,
    /// The agent who approved the reply that carried the refund.
    pub approved_by: Option<String>,
    /// The manager who approved it as an exception, when it needed one.
    pub exception_by: Option<String>,
    /// Who recorded the money as gone (staff with `manual`, the processor otherwise).
    pub recorded_by: String,
}

impl Tx<'_> {
    /// Refunds that succeeded in `[since, until)`, in time order. A pending, failed or
    /// drafted refund is not money that went back and is not listed.
    pub async fn refunds_went_back(
        &mut self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<RefundWentBack>> {
        let rows = sqlx::query(
            // The approving draft is looked up among its case's drafts (by index): the refund's
            // key names one of them, and matching the key against every draft would make a
            // year of refunds quadratic.
            "SELECT r.created_at, r.order_id, r.email, COALESCE(o.product, '') AS product, r.amount_minor, r.currency,
                    r.processor, r.processor_refund_id, r.status, r.case_id, c.reason, r.recorded_by,
                    d.decided_by AS approved_by,
                    (SELECT e.decided_by FROM escalations e WHERE e.case_id = r.case_id AND e.status = 'approved'
                     ORDER BY e.id DESC LIMIT 1) AS exception_by
             FROM refunds r
             LEFT JOIN cases c ON c.id = r.case_id
             LEFT JOIN orders o ON o.order_id = r.order_id
             LEFT JOIN drafts d ON d.case_id = r.case_id AND r.approval_key = 'draft:' || CAST(d.id AS TEXT)
             WHERE r.status = 'succeeded' AND r.created_at >= $1 AND r.created_at < $2
             ORDER BY r.created_at, r.id",
        )
        .bind(ts(since))
        .bind(ts(until))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RefundWentBack {
                    at: from_ts(&r.try_get::<String, _>("created_at")?)?,
                    order_id: r.try_get("order_id")?,
                    email: r.try_get("email")?,
                    product: r.try_get("product")?,
                    amount_minor: r.try_get("amount_minor")?,
                    currency: r.try_get("currency")?,
                    processor: r.try_get("processor")?,
                    processor_refund_id: r.try_get("processor_refund_id")?,
                    status: r.try_get("status")?,
                    case_id: CaseId(r.try_get("case_id")?),
                    reason: r.try_get("reason")?,
                    approved_by: r.try_get("approved_by")?,
                    exception_by: r.try_get("exception_by")?,
                    recorded_by: r.try_get("recorded_by")?,
                })
            })
            .collect()
    }
}
