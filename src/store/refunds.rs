//! Processor refunds in the ledger: a `pending` row written before the call, its attempts, and
//! the outcome. Manual refunds stay in `cases.rs` (`record_refund`), written already succeeded.

use super::{ts, StoreError, StoreResult, Tx};
use crate::domain::case::Case;
use crate::domain::CaseId;
use chrono::{DateTime, Utc};
use sqlx::Row;

/// A refund waiting on its processor, with everything the next attempt needs.
#[derive(Debug, Clone)]
pub struct PendingRefund {
    pub id: i64,
    pub case_id: CaseId,
    pub amount_minor: i64,
    pub idempotency_key: String,
    pub processor_refund_id: Option<String>,
    pub attempts: i64,
    /// `draft:<id>`: the approval this refund carries out.
    pub approval_key: String,
}

/// A processor refund row to write before calling out.
#[derive(Debug, Clone)]
pub struct NewProcessorRefund<'a> {
    pub amount_minor: i64,
    pub currency: &'a str,
    pub processor: &'a str,
    pub actor: &'a str,
    pub approval_key: &'a str,
    pub idempotency_key: &'a str,
}

impl Tx<'_> {
    /// Writes a `pending` processor refund once per approval key; false if that approval
    /// already has one.
    pub async fn open_processor_refund(
        &mut self,
        case: &Case,
        refund: &NewProcessorRefund<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let (Some(order), Some(email)) = (&case.order_id, &case.email) else {
            return Err(StoreError::Corrupt(format!("case {} has no proven order", case.id)));
        };
        let done = sqlx::query(
            "INSERT INTO refunds (case_id, order_id, email, amount_minor, currency, status, processor, recorded_by, approval_key, created_at, idempotency_key)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10) ON CONFLICT (approval_key) DO NOTHING",
        )
        .bind(case.id.0)
        .bind(order.as_str())
        .bind(email.as_str())
        .bind(refund.amount_minor)
        .bind(refund.currency)
        .bind(refund.processor)
        .bind(refund.actor)
        .bind(refund.approval_key)
        .bind(ts(now))
        .bind(refund.idempotency_key)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// What this bot has in flight for an order: pending refunds count against what is left,
    /// so two approvals cannot both spend the same money.
    pub async fn pending_refunded_minor(&mut self, order_id: &str) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS pending FROM refunds WHERE order_id = $1 AND status = 'pending'",
        )
        .bind(order_id)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("pending")?)
    }

    /// The case's oldest pending processor refund, locked for this attempt.
    pub async fn pending_processor_refund(&mut self, case: CaseId) -> StoreResult<Option<PendingRefund>> {
        let sql = format!(
            "SELECT id, case_id, amount_minor, idempotency_key, processor_refund_id, attempts, approval_key FROM refunds
             WHERE case_id = $1 AND status = 'pending' AND idempotency_key IS NOT NULL ORDER BY id LIMIT 1 {}",
            self.lock_rows("FOR UPDATE")
        );
        let row = sqlx::query(&sql).bind(case.0).fetch_optional(self.conn()).await?;
        row.map(|r| {
            Ok(PendingRefund {
                id: r.try_get("id")?,
                case_id: CaseId(r.try_get("case_id")?),
                amount_minor: r.try_get("amount_minor")?,
                idempotency_key: r.try_get("idempotency_key")?,
                processor_refund_id: r.try_get("processor_refund_id")?,
                attempts: r.try_get("attempts")?,
                approval_key: r.try_get("approval_key")?,
            })
        })
        .transpose()
    }

    /// The pending refund Stripe knows by this id, else the case's pending one.
    pub async fn pending_refund_for_event(
        &mut self,
        processor_refund_id: &str,
        case: Option<CaseId>,
    ) -> StoreResult<Option<PendingRefund>> {
        let row = sqlx::query("SELECT case_id FROM refunds WHERE processor_refund_id = $1 AND status = 'pending'")
            .bind(processor_refund_id)
            .fetch_optional(self.conn())
            .await?;
        let case = match row {
            Some(row) => Some(CaseId(row.try_get("case_id")?)),
            None => case,
        };
        match case {
            Some(case) => self.pending_processor_refund(case).await,
            None => Ok(None),
        }
    }

    /// The latest case about the order paid by this charge.
    pub async fn case_for_charge(&mut self, charge: &str) -> StoreResult<Option<CaseId>> {
        let row = sqlx::query(
            "SELECT c.id FROM cases c JOIN orders o ON o.order_id = c.order_id
             WHERE o.charge_id = $1 ORDER BY c.id DESC LIMIT 1",
        )
        .bind(charge)
        .fetch_optional(self.conn())
        .await?;
        row.map(|r| Ok(CaseId(r.try_get("id")?))).transpose()
    }

    /// Frees a failed processor refund's approval key, so staff can still record the refund
    /// of that approval by hand (*Mark refunded*); the failed row stays in the ledger.
    pub async fn release_approval_key(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE refunds SET approval_key = approval_key || ':failed:' || CAST(id AS TEXT) WHERE id = $1 AND status = 'failed'",
        )
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Counts an attempt before the call goes out (committed before it, so a crash leaves a trace).
    pub async fn count_refund_attempt(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE refunds SET attempts = attempts + 1 WHERE id = $1").bind(id).execute(self.conn()).await?;
        Ok(())
    }

    /// Records what the processor said. Only a pending row moves, so a late answer cannot undo
    /// an outcome already recorded.
    pub async fn settle_processor_refund(
        &mut self,
        id: i64,
        status: &str,
        processor_refund_id: Option<&str>,
        last_error: Option<&str>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE refunds SET status = $1, processor_refund_id = COALESCE($2, processor_refund_id), last_error = $3
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(status)
        .bind(processor_refund_id)
        .bind(last_error)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
