//! Where a customer's intake conversation stands, as a value stored with its case (the intake
//! module moves it on).

use super::{Email, OrderId, Reason, Resolution};
use serde::{Deserialize, Serialize};

/// The part of a proven order the conversation shows back to the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderBrief {
    pub order_id: String,
    pub product: String,
    pub amount_paid: String,
}

/// What the customer said before the bot asked: a clear reason, and their own words when they
/// explain enough to serve as the details. It is confirmed, not asked again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub reason: Option<Reason>,
    pub details: Option<String>,
}

/// Where the conversation is, carrying what has been gathered so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Intake {
    Identify {
        order_id: Option<OrderId>,
        email: Option<Email>,
        failures: u32,
        unclear: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        said: Option<Said>,
    },
    ChooseOrder {
        email: Email,
        candidates: Vec<OrderBrief>,
        unclear: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        said: Option<Said>,
    },
    Reason {
        order: OrderBrief,
        unclear: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carried: Option<Said>,
    },
    Details {
        order: OrderBrief,
        reason: Reason,
    },
    Support {
        order: OrderBrief,
        reason: Reason,
        details: String,
        unclear: u32,
    },
    Resolution {
        order: OrderBrief,
        reason: Reason,
        details: String,
        unclear: u32,
    },
    Confirm {
        order: OrderBrief,
        reason: Reason,
        details: String,
        resolution: Resolution,
        unclear: u32,
    },
}
