//! Jobs that belong to no case: put in the table once per process start (one of each kind in
//! the whole database, whatever replicas start), then each reschedules itself.

use super::engine::{Engine, EngineError};
use super::turn::Turn;
use crate::digest::{next_due, Digest, Facts};
use crate::domain::{Address, JobKind, Purpose};
use crate::events::Attachment;
use crate::store::{Job, NewMessage};
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
        if let Some(digest) = self.settings.digest {
            tx.schedule_once(JobKind::WeeklyDigest, next_due(now, digest.weekday, digest.hour, digest.timezone))
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Turn<'_> {
    /// Runs a job that belongs to no case.
    pub(super) async fn run_background(&mut self, job: &Job) -> Result<(), EngineError> {
        match job.kind {
            JobKind::RetentionSweep => self.retention_sweep().await,
            JobKind::WeeklyDigest => self.weekly_digest(job.due_at).await,
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

impl Turn<'_> {
    /// The weekly digest, once per week whatever restarts and replicas do; with the digest
    /// turned off the job ends and is not scheduled again. A digest sent late (the bot was
    /// down) still covers the week that ended when it was due.
    async fn weekly_digest(&mut self, due: DateTime<Utc>) -> Result<(), EngineError> {
        let Some(schedule) = self.engine.settings.digest else {
            return Ok(());
        };
        let until = due.min(self.now);
        let week = until.with_timezone(&schedule.timezone).date_naive().to_string();
        if self.tx.record_digest(&week, self.now).await? {
            let facts = Facts::load(&mut self.tx, until).await?;
            let digest = Digest::build(until, &facts);
            let name = digest.chart_name();
            let text = self.render(&digest.reply(&name))?;
            let mut message = NewMessage::new(Address::Managers, Purpose::Notice, text);
            match digest.chart_png() {
                Ok(png) => message.attachment = Some(Attachment::new(name, "image/png", &png)),
                // The figures still go out; the log says why the picture did not.
                Err(error) => tracing::error!(%error, "the digest's chart could not be drawn"),
            }
            let posted = self.tx.send(message, self.now).await?;
            self.tx.set_digest_message(&week, posted).await?;
            tracing::info!(week = %week, requests = digest.requests, "weekly digest posted to managers");
        }
        let next = next_due(self.now, schedule.weekday, schedule.hour, schedule.timezone);
        self.tx.schedule_once(JobKind::WeeklyDigest, next).await?;
        Ok(())
    }
}
