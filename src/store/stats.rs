//! Read-only figures for reports: cases opened, refunds made and feedback given in a period.

use super::cases::{case_from_row, CASE_COLUMNS};
use super::{from_ts, ts, StoreResult, Tx};
use crate::domain::case::Case;
use chrono::{DateTime, Utc};
use sqlx::Row;

/// A succeeded refund, as reports count it.
#[derive(Debug, Clone)]
pub struct RefundFact {
    pub amount_minor: i64,
    pub currency: String,
    pub processor: String,
    pub at: DateTime<Utc>,
}

impl Tx<'_> {
    /// Cases opened in `[since, until)`, oldest first.
    pub async fn cases_opened_between(&mut self, since: DateTime<Utc>, until: DateTime<Utc>) -> StoreResult<Vec<Case>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE opened_at >= $1 AND opened_at < $2 ORDER BY id");
        let rows = sqlx::query(&sql).bind(ts(since)).bind(ts(until)).fetch_all(self.conn()).await?;
        rows.iter().map(case_from_row).collect()
    }

    /// Money that went back in `[since, until)`: succeeded refunds, by any processor.
    pub async fn refunds_between(
        &mut self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<RefundFact>> {
        let rows = sqlx::query(
            "SELECT amount_minor, currency, processor, created_at FROM refunds
             WHERE status = 'succeeded' AND created_at >= $1 AND created_at < $2 ORDER BY id",
        )
        .bind(ts(since))
        .bind(ts(until))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RefundFact {
                    amount_minor: r.try_get("amount_minor")?,
                    currency: r.try_get("currency")?,
                    processor: r.try_get("processor")?,
                    at: from_ts(&r.try_get::<String, _>("created_at")?)?,
                })
            })
            .collect()
    }

    /// Feedback scores given in `[since, until)`.
    pub async fn feedback_scores_between(
        &mut self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query("SELECT CAST(score AS BIGINT) AS score FROM feedback WHERE at >= $1 AND at < $2")
            .bind(ts(since))
            .bind(ts(until))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| Ok(r.try_get("score")?)).collect()
    }
}
