//! Scheduled jobs (reminders, follow-ups, the digest, sweeps): scheduled, moved, cancelled, and
//! claimed once when due, inside a `Tx`.

use super::{from_ts, ts, StoreResult, Tx};
use crate::domain::{CaseId, JobKind};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// A due scheduled job; most belong to a case, some (a digest, a sweep) to none.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub case_id: Option<CaseId>,
    pub due_at: DateTime<Utc>,
}

impl Tx<'_> {
    /// Schedules (or moves) the one job of this kind for a case.
    pub async fn schedule(&mut self, kind: JobKind, case: CaseId, due: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO jobs (kind, case_id, due_at) VALUES ($1, $2, $3)
             ON CONFLICT (kind, case_id) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(kind.code())
        .bind(case.0)
        .bind(ts(due))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Schedules a job that belongs to no case, unless one of its kind is already there.
    pub async fn schedule_once(&mut self, kind: JobKind, due: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("INSERT INTO jobs (kind, case_id, due_at) VALUES ($1, NULL, $2) ON CONFLICT DO NOTHING")
            .bind(kind.code())
            .bind(ts(due))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn cancel_job(&mut self, kind: JobKind, case: CaseId) -> StoreResult<()> {
        sqlx::query("DELETE FROM jobs WHERE kind = $1 AND case_id = $2")
            .bind(kind.code())
            .bind(case.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The earliest due job, removed from the table: running it happens in this same
    /// transaction, so a crash before the commit leaves the job in place. Only kinds this
    /// version knows are claimed: a job a newer version scheduled waits for a replica that can
    /// run it.
    pub async fn claim_due_job(&mut self, now: DateTime<Utc>) -> StoreResult<Option<Job>> {
        let known = JobKind::ALL.iter().map(|kind| format!("'{kind}'")).collect::<Vec<_>>().join(", ");
        // SKIP LOCKED: a job another replica is running is not waited for, nor run twice.
        let sql = format!(
            "SELECT id, kind, case_id, due_at FROM jobs WHERE due_at <= $1 AND kind IN ({known})
             ORDER BY due_at, id LIMIT 1 {}",
            self.lock_rows("FOR UPDATE SKIP LOCKED")
        );
        let row = sqlx::query(&sql).bind(ts(now)).fetch_optional(self.conn()).await?;
        let Some(row) = row else { return Ok(None) };
        let job = Job {
            id: row.try_get("id")?,
            kind: JobKind::read(&row.try_get::<String, _>("kind")?)?,
            case_id: row.try_get::<Option<i64>, _>("case_id")?.map(CaseId),
            due_at: from_ts(&row.try_get::<String, _>("due_at")?)?,
        };
        sqlx::query("DELETE FROM jobs WHERE id = $1").bind(job.id).execute(self.conn()).await?;
        Ok(Some(job))
    }
}
