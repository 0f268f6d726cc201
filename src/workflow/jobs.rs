//! Scheduled work: reminders to agents and managers, the feedback question, idle intakes,
//! Stripe refunds.

use super::engine::EngineError;
use super::stripe_refund::Attempt;
use super::turn::{Post, Turn};
use crate::domain::case::{CaseState, Outcome};
use crate::domain::timeline::EventKind;
use crate::domain::Address;
use crate::domain::Purpose;
use crate::domain::{ButtonAction, CaseId, JobKind, Score};
use crate::replies::Reply;
use crate::store::Job;
use chrono::{DateTime, Duration, Utc};

impl Turn<'_> {
    /// Runs one claimed job: the one place each kind meets its handler. A job without the case
    /// its kind needs is logged and dropped. A Stripe refund returns the call to make once the
    /// job's transaction is committed.
    pub async fn run_job(&mut self, job: &Job) -> Result<Option<Attempt>, EngineError> {
        if job.kind.without_case() {
            return self.run_background(job).await.map(|()| None);
        }
        let Some(case_id) = job.case_id else {
            tracing::warn!(job = job.id, kind = %job.kind, "a job without a case: dropped");
            return Ok(None);
        };
        match job.kind {
            JobKind::StripeRefund => self.begin_stripe_attempt(case_id).await,
            JobKind::LiveReminder => self.remind_live(case_id).await.map(|()| None),
            JobKind::AgentReminder | JobKind::ManagerReminder | JobKind::Followup | JobKind::IdleTimeout => {
                self.run_case_job(job.kind, case_id).await.map(|()| None)
            }
            // Kinds without a case were run above; one written with a case is dropped.
            JobKind::RetentionSweep | JobKind::WeeklyDigest => Ok(None),
        }
    }

    /// A reminder, the feedback question or an idle timeout, if the case still waits for it. A
    /// reminder reschedules itself from now, so a long pause produces one reminder, not a burst.
    async fn run_case_job(&mut self, kind: JobKind, case_id: CaseId) -> Result<(), EngineError> {
        let Some(mut case) = self.tx.load_case(case_id).await? else {
            return Ok(());
        };
        let sla = self.engine.settings.sla.clone();
        match (kind, case.state) {
            (JobKind::AgentReminder, CaseState::AwaitingAgent) => {
                let since = self.tx.pending_draft(case.id).await?.map_or(case.updated_at, |d| d.created_at);
                let reply = Reply::AgentReminder { case_id: case.id.0, waiting: waited(since, self.now) };
                let mut post = Post::to(Address::Agents, Purpose::Reminder);
                post.mentions = vec!["role:agents".into()];
                self.post(case.id, reply, post).await?;
                self.event(case.id, "bot", EventKind::Reminder, "agents reminded").await?;
                let next = self.now + Duration::minutes(i64::from(sla.agent_reminder_minutes));
                self.tx.schedule(JobKind::AgentReminder, case.id, next).await?;
            }
            (JobKind::ManagerReminder, CaseState::AwaitingManager) => {
                let since = self.tx.pending_escalation(case.id).await?.map_or(case.updated_at, |e| e.created_at);
                let reply = Reply::ManagerReminder { case_id: case.id.0, waiting: waited(since, self.now) };
                let mut post = Post::to(Address::Managers, Purpose::Reminder);
                post.mentions = vec!["role:managers".into()];
                self.post(case.id, reply, post).await?;
                self.event(case.id, "bot", EventKind::Reminder, "managers reminded").await?;
                let next = self.now + Duration::hours(i64::from(sla.manager_reminder_hours));
                self.tx.schedule(JobKind::ManagerReminder, case.id, next).await?;
            }
            (JobKind::Followup, CaseState::AwaitingFeedback) => {
                let order = self.load_order(&case).await?;
                let buttons = Score::all().map(|s| (ButtonAction::Feedback(s), "★".repeat(s.stars().into()))).collect();
                let reply = Reply::FeedbackRequest { product: order.product, case_id: case.id.0 };
                self.tell(&case, reply, None, buttons).await?;
                self.event(case.id, "bot", EventKind::Followup, "asked for feedback").await?;
            }
            (JobKind::IdleTimeout, CaseState::Intake) => {
                let mut deadline = case.last_customer_at + Duration::hours(i64::from(sla.idle_timeout_hours));
                if self.tx.thread_of(case.id).await?.is_some_and(|t| t.is_live()) {
                    // People talk to the customer: the intake waits for the hand-back.
                    deadline = self.now + Duration::hours(i64::from(sla.idle_timeout_hours));
                }
                if deadline > self.now {
                    self.tx.schedule(JobKind::IdleTimeout, case.id, deadline).await?;
                    return Ok(());
                }
                self.tell(&case, Reply::IdleClosed {}, None, vec![]).await?;
                case.close(Outcome::Cancelled);
                self.event(case.id, "bot", EventKind::Closed, "no answer from the customer; conversation closed")
                    .await?;
                self.save(&case).await?;
            }
            // The case moved on since the job was scheduled (or the kind is run above): nothing to do.
            _ => {}
        }
        Ok(())
    }
}

/// "45 minutes", "3 hours", "2 days".
pub(super) fn waited(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    match minutes {
        0..=1 => "a minute".into(),
        2..=119 => format!("{minutes} minutes"),
        m if m < 48 * 60 => format!("{} hours", m / 60),
        m => format!("{} days", m / (24 * 60)),
    }
}
