//! Payment processors the bot can refund through (Stripe; `manual` needs no code), and the
//! verification of their webhooks.

pub mod charges;
pub mod stripe;
pub mod webhook;
