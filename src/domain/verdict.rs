//! A policy verdict as a value: what the rules decided, for how much, and the trace of every
//! rule checked (the policy module computes it; cases keep it).

use super::code::codes;
use super::{Currency, Money, Resolution};
use serde::{Deserialize, Serialize};

codes! {
    /// What the policy says about a request.
    pub enum VerdictOutcome ("verdict outcome") {
        FullRefund => "full_refund",
        PartialRefund => "partial_refund",
        NotEligible => "not_eligible",
        ManagerReview => "manager_review",
    }
}

codes! {
    /// The policy rule that decided a verdict (docs/configuration.md, verdict rules).
    pub enum RuleId ("policy rule") {
        /// Rule 1: nothing is left to refund.
        AlreadyRefunded => "already_refunded",
        /// Rule 2: a confirmed duplicate purchase.
        DuplicatePurchase => "duplicate_purchase",
        /// Rule 3: outside the refund window.
        Window => "window",
        /// Rule 4: used more than any tier covers.
        Usage => "usage",
        /// Rule 4: used little enough for a full refund.
        FullRefund => "full_refund",
        /// Rule 4: a partial tier.
        PartialRefund => "partial_refund",
        /// Rule 5: too many earlier refunds.
        RepeatRefunder => "repeat_refunder",
        /// Rule 6: above what can be approved without a manager.
        AutoApproveMax => "auto_approve_max",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub outcome: VerdictOutcome,
    /// The amount to refund; for `manager_review` what a manager would approve; 0 for a no.
    pub amount_minor: i64,
    pub currency: Currency,
    /// The partial tier's percent when the amount is a partial.
    pub percent: Option<u32>,
    /// The rule that decided.
    pub rule: RuleId,
    /// One plain line per rule checked.
    pub rules: Vec<String>,
    pub alternatives: Vec<Resolution>,
    pub repeat_refunder: bool,
    pub policy_hash: String,
}

impl Verdict {
    pub fn amount(&self) -> Money {
        Money::from_minor(self.amount_minor, self.currency)
    }
}
