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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub outcome: VerdictOutcome,
    /// The amount to refund; for `manager_review` what a manager would approve; 0 for a no.
    pub amount_minor: i64,
    pub currency: Currency,
    /// The partial tier's percent when the amount is a partial.
    pub percent: Option<u32>,
    /// The rule that decided.
    pub rule: String,
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
