//! What the weekly digest reads, each in one query (a year of cases is a few of them, not one
//! query per case): requests with their product and amount, times to the first answer and to
//! the outcome, reminders, feedback; and the digests already sent. Its refunds are the period's
//! `refunds_went_back` (`went_back.rs`).

use super::{from_ts, ts, StoreResult, Tx};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// A request as the digest counts it.
#[derive(Debug, Clone)]
pub struct RequestFact {
    pub opened_at: DateTime<Utc>,
    pub requested_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub outcome: String,
    pub product: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    /// When the first reply an agent approved went to the customer.
    pub first_answer_at: Option<DateTime<Utc>>,
    /// When the case got its outcome: its first refund, else its last change once closed.
    pub resolved_at: Option<DateTime<Utc>>,
}

fn opt_ts(row: &sqlx::any::AnyRow, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
    row.try_get::<Option<String>, _>(col)?.as_deref().map(from_ts).transpose()
}

impl Tx<'_> {
    /// Requests opened in `[since, until)`, oldest first.
    pub async fn requests_between(
        &mut self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<RequestFact>> {
        let rows = sqlx::query(
            // One aggregate per table joined in, not a subquery per case (refunds have no index
            // by case: a year of cases made that quadratic).
            "SELECT c.opened_at, c.requested_at, c.reason, c.outcome, c.updated_at, o.product, o.amount_minor, o.currency,
                    fa.first_answer_at, rf.refunded_at
             FROM cases c LEFT JOIN orders o ON o.order_id = c.order_id
             LEFT JOIN (SELECT case_id, MIN(created_at) AS first_answer_at FROM messages WHERE purpose = 'reply'
                        GROUP BY case_id) fa ON fa.case_id = c.id
             LEFT JOIN (SELECT case_id, MIN(created_at) AS refunded_at FROM refunds WHERE status = 'succeeded'
                        GROUP BY case_id) rf ON rf.case_id = c.id
             WHERE c.opened_at >= $1 AND c.opened_at < $2 ORDER BY c.id",
        )
        .bind(ts(since))
        .bind(ts(until))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let outcome: String = r.try_get("outcome")?;
                let updated = from_ts(&r.try_get::<String, _>("updated_at")?)?;
                let resolved_at = match (opt_ts(r, "refunded_at")?, outcome.as_str()) {
                    (Some(at), _) => Some(at),
                    (None, "open") => None,
                    (None, _) => Some(updated),
                };
                Ok(RequestFact {
                    opened_at: from_ts(&r.try_get::<String, _>("opened_at")?)?,
                    requested_at: from_ts(&r.try_get::<String, _>("requested_at")?)?,
                    reason: r.try_get("reason")?,
                    outcome,
                    product: r.try_get("product")?,
                    amount_minor: r.try_get("amount_minor")?,
                    currency: r.try_get("currency")?,
                    first_answer_at: opt_ts(r, "first_answer_at")?,
                    resolved_at,
                })
            })
            .collect()
    }

    /// Cases that had to be raised again (a reminder: a draft or escalation past its SLA).
    pub async fn sla_breaches_between(&mut self, since: DateTime<Utc>, until: DateTime<Utc>) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(DISTINCT case_id) AS BIGINT) AS n FROM events WHERE kind = 'reminder' AND at >= $1 AND at < $2",
        )
        .bind(ts(since))
        .bind(ts(until))
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Feedback given in `[since, until)`: (score, comment).
    pub async fn feedback_between(
        &mut self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT CAST(score AS BIGINT) AS score, comment FROM feedback WHERE at >= $1 AND at < $2 ORDER BY at",
        )
        .bind(ts(since))
        .bind(ts(until))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("score")?, r.try_get("comment")?))).collect()
    }

    /// Records the digest of the week starting `week_start`; false when it was sent already
    /// (by this process before a restart, or by another replica).
    pub async fn record_digest(&mut self, week_start: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query("INSERT INTO digests (week_start, sent_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(week_start)
            .bind(ts(now))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_digest_message(&mut self, week_start: &str, message: crate::domain::MessageId) -> StoreResult<()> {
        sqlx::query("UPDATE digests SET message_id = $1 WHERE week_start = $2")
            .bind(message.0)
            .bind(week_start)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
