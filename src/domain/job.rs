//! Scheduled work: what a job does, as the `jobs` table keeps it.

use super::code::codes;

codes! {
    /// What a scheduled job does, as written in `jobs.kind`.
    pub enum JobKind ("job kind") {
        /// Reminds agents of a draft waiting for them, again and again until it is settled.
        AgentReminder => "agent_reminder",
        /// Reminds managers of an escalation waiting for them.
        ManagerReminder => "manager_reminder",
        /// Asks the customer for feedback some days after the refund.
        Followup => "followup",
        /// Closes an intake the customer stopped answering.
        IdleTimeout => "idle_timeout",
        /// Calls Stripe for a case's pending refund (and retries it).
        StripeRefund => "stripe_refund",
        /// Reminds agents in the thread of a live case whose customer waits for an answer.
        LiveReminder => "live_reminder",
        /// Forgets the customers whose last case ended before `[retention] days` (no case).
        RetentionSweep => "retention_sweep",
        /// Posts the weekly digest to managers (no case).
        WeeklyDigest => "weekly_digest",
    }
}

impl JobKind {
    /// Whether a job of this kind belongs to no case (one of it at most, in the whole database).
    pub fn without_case(self) -> bool {
        matches!(self, JobKind::RetentionSweep | JobKind::WeeklyDigest)
    }
}
