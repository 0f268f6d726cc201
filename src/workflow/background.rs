//! Jobs that belong to no case: put in the table once per process start (one of each kind in
//! the whole database, whatever replicas start), then each reschedules itself.

use super::engine::{Engine, EngineError};
use super::turn::Turn;
use crate::domain::JobKind;
use chrono::{DateTime, Duration, Utc};

/// Customers one retention pass forgets at most; the next pass follows a minute later.
const RETENTION_BATCH: i64 = 200;

impl Engine {
    /// Schedules the jobs without a case that the configuration turns on, unless one is there.
    pub(super) async fn schedule_background(&self, now: DateTime<Utc>) -> Result<(), EngineError> {
        let mut tx = self.store.begin().await?;
        if self.settings.retention_days.is_some() {
            tx.schedule_once(JobKind::RetentionSweep, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Turn<'_> {
    /// Runs a job that belongs to no case.
    pub(super) async fn run_background(&mut self, kind: JobKind) -> Result<(), EngineError> {
        match kind {
            JobKind::RetentionSweep => self.retention_sweep().await,
            // Kinds about a case never come here.
            JobKind::AgentReminder
            | JobKind::ManagerReminder
            | JobKind::Followup
            | JobKind::IdleTimeout
            | JobKind::StripeRefund
            | JobKind::LiveReminder => Ok(()),
        }
    }

    /// Forgets the customers past `[retention] days`; with retention turned off the job ends
    /// and is not scheduled again.
    async fn retention_sweep(&mut self) -> Result<(), EngineError> {
        let Some(days) = self.engine.settings.retention_days else {
            return Ok(());
        };
        let cutoff = self.now - Duration::days(i64::from(days));
        let erased = crate::privacy::sweep(&mut self.tx, cutoff, RETENTION_BATCH, self.now).await?;
        if !erased.is_empty() {
            let cases: usize = erased.iter().map(|e| e.cases.len()).sum();
            tracing::info!(customers = erased.len(), cases, "retention: personal data erased");
        }
        let next = if erased.len() as i64 >= RETENTION_BATCH { Duration::minutes(1) } else { Duration::days(1) };
        self.tx.schedule_once(JobKind::RetentionSweep, self.now + next).await?;
        Ok(())
    }
}
