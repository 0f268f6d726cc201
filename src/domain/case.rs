//! A refund case as the engine sees it: who asked, about which order, where it stands.

use super::code::codes;
use super::{CaseId, ChatUserId, Currency, Email, Intake, Money, OrderId, Reason, Resolution, Verdict};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

codes! {
    /// Where a case is in its life; each state names who the case waits for.
    pub enum CaseState ("case state") {
        /// The customer is talking to the bot.
        Intake => "intake",
        /// A draft reply waits for an agent.
        AwaitingAgent => "awaiting_agent",
        /// An escalation waits for a manager's reaction.
        AwaitingManager => "awaiting_manager",
        /// Approved: staff issue the money, then mark it refunded.
        AwaitingRefund => "awaiting_refund",
        /// The customer was offered alternatives.
        AwaitingCustomer => "awaiting_customer",
        /// Refunded; the feedback question is scheduled or asked.
        AwaitingFeedback => "awaiting_feedback",
        /// The customer gave a score and may add a comment.
        FeedbackComment => "feedback_comment",
        Closed => "closed",
    }
}

codes! {
    /// How a case ended, or `Open` while it has not (docs/case-json.md).
    pub enum Outcome ("case outcome") {
        Open => "open",
        Refunded => "refunded",
        PartiallyRefunded => "partially_refunded",
        Denied => "denied",
        Alternative => "alternative",
        Cancelled => "cancelled",
    }
}

impl CaseState {
    /// Plain words for a customer asking where their case stands.
    pub fn status_words(self) -> &'static str {
        match self {
            CaseState::Intake => "we're still gathering the details",
            CaseState::AwaitingAgent => "a member of our team is reviewing it",
            CaseState::AwaitingManager => "a senior member of our team is reviewing it",
            CaseState::AwaitingRefund => "your refund is approved and being issued",
            CaseState::AwaitingCustomer => "we've replied and are waiting to hear which option you'd like",
            CaseState::AwaitingFeedback | CaseState::FeedbackComment => "your refund has been issued",
            CaseState::Closed => "it's closed",
        }
    }
}

/// What approving a draft does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Decision {
    Refund { amount_minor: i64, currency: Currency, partial: bool },
    Deny { alternatives: Vec<Resolution> },
    Alternative { resolution: Resolution },
}

impl Decision {
    pub fn refund(amount: Money, partial: bool) -> Decision {
        Decision::Refund { amount_minor: amount.minor(), currency: amount.currency(), partial }
    }
}

codes! {
    /// Case flags (docs/case-json.md), kept in `flags_json` as their codes.
    pub enum Flag ("flag") {
        /// The customer's third message insulting the staff.
        Abusive => "abusive",
        /// The customer wrote of a chargeback, or Stripe reported a dispute on the charge.
        ChargebackRisk => "chargeback_risk",
        /// The verdict's rule 5 applied.
        RepeatRefunder => "repeat_refunder",
        /// The customer wrote of a lawyer, a court or a consumer authority.
        LegalThreat => "legal_threat",
    }
}

#[derive(Debug, Clone)]
pub struct Case {
    pub id: CaseId,
    pub customer: ChatUserId,
    pub order_id: Option<OrderId>,
    pub email: Option<Email>,
    pub reason: Option<Reason>,
    pub details: Option<String>,
    pub resolution: Option<Resolution>,
    pub state: CaseState,
    pub outcome: Outcome,
    pub intake: Option<Intake>,
    pub verdict: Option<Verdict>,
    pub policy_hash: Option<String>,
    pub decision: Option<Decision>,
    pub flags: Vec<Flag>,
    pub strikes: u32,
    pub requested_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_customer_at: DateTime<Utc>,
    /// The language the customer writes in, once their words or their platform tell.
    pub language: Option<crate::language::Detection>,
}

impl Case {
    /// Adds a flag once; returns whether it is new.
    pub fn flag(&mut self, flag: Flag) -> bool {
        if self.has_flag(flag) {
            return false;
        }
        self.flags.push(flag);
        true
    }

    pub fn has_flag(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }

    /// Closes the case with an outcome; the intake conversation ends with it.
    pub fn close(&mut self, outcome: Outcome) {
        self.state = CaseState::Closed;
        self.outcome = outcome;
        self.intake = None;
    }
}
