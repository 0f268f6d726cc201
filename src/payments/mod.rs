//! Payment processors the bot can refund through (Stripe; `manual` needs no code), and the
//! verification of their webhooks.

pub mod charges;
pub mod stripe;
pub mod webhook;

use serde::Deserialize;

/// Who moves the money for an approved refund: staff by hand (`manual`, the bot records it)
/// or Stripe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Processor {
    Manual,
    Stripe,
}
