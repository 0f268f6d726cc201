//! Reason and resolution codes (docs/configuration.md#policy) with the words customers see.

use super::code::codes;

codes! {
    /// Why the customer asks for a refund.
    pub enum Reason ("reason") {
        TechnicalIssue => "technical_issue",
        NotAsDescribed => "not_as_described",
        AccidentalPurchase => "accidental_purchase",
        DuplicatePurchase => "duplicate_purchase",
        ChangedMind => "changed_mind",
        Other => "other",
    }
}

impl Reason {
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

codes! {
    /// What the customer would like, or what staff offer instead of a refund.
    pub enum Resolution ("resolution") {
        Refund => "refund",
        StoreCredit => "store_credit",
        Exchange => "exchange",
        Support => "support",
    }
}

impl Resolution {
    pub fn label(self) -> &'static str {
        match self {
            Resolution::Refund => "A refund",
            Resolution::StoreCredit => "Store credit",
            Resolution::Exchange => "An exchange for another product",
            Resolution::Support => "Help from our support team",
        }
    }
}
