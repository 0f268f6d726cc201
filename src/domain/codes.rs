//! Reason and resolution codes (CONTRACTS section 3) with the words customers see.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why the customer asks for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    TechnicalIssue,
    NotAsDescribed,
    AccidentalPurchase,
    DuplicatePurchase,
    ChangedMind,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::TechnicalIssue,
        Reason::NotAsDescribed,
        Reason::AccidentalPurchase,
        Reason::DuplicatePurchase,
        Reason::ChangedMind,
        Reason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::TechnicalIssue => "technical_issue",
            Reason::NotAsDescribed => "not_as_described",
            Reason::AccidentalPurchase => "accidental_purchase",
            Reason::DuplicatePurchase => "duplicate_purchase",
            Reason::ChangedMind => "changed_mind",
            Reason::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// The button label a customer sees.
    pub fn label(self) -> &'static str {
        match self {
            Reason::TechnicalIssue => "Something doesn't work",
            Reason::NotAsDescribed => "It's not what was described",
            Reason::AccidentalPurchase => "I bought it by accident",
            Reason::DuplicatePurchase => "I was charged twice",
            Reason::ChangedMind => "I changed my mind",
            Reason::Other => "Something else",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What the customer would like, or what staff offer instead of a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Refund,
    StoreCredit,
    Exchange,
    Support,
}

impl Resolution {
    pub const ALL: [Resolution; 4] =
        [Resolution::Refund, Resolution::StoreCredit, Resolution::Exchange, Resolution::Support];

    pub fn code(self) -> &'static str {
        match self {
            Resolution::Refund => "refund",
            Resolution::StoreCredit => "store_credit",
            Resolution::Exchange => "exchange",
            Resolution::Support => "support",
        }
    }

    pub fn parse(code: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Resolution::Refund => "A refund",
            Resolution::StoreCredit => "Store credit",
            Resolution::Exchange => "An exchange for another product",
            Resolution::Support => "Help from our support team",
        }
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
