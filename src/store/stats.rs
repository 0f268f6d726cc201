//! Read-only figures for reports: cases opened and feedback given in a period (the refunds
//! made are `went_back.rs`).

use super::cases::{case_from_row, CASE_COLUMNS};
use super::{ts, StoreResult, Tx};
use crate::domain::case::Case;
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Tx<'_> {
    /// Cases opened in `[since, until)`, oldest first.
    pub async fn cases_opened_between(&mut self, since: DateTime<Utc>, until: DateTime<Utc>) -> StoreResult<Vec<Case>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE opened_at >= $1 AND opened_at < $2 ORDER BY id");
        let rows = sqlx::query(&sql).bind(ts(since)).bind(ts(until)).fetch_all(self.conn()).await?;
        rows.iter().map(case_from_row).collect()
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
