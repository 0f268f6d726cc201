//! The case lifecycle: intake hand-over, verdicts, drafts for agents, escalations to managers,
//! refunds, follow-ups and reminders. Each inbound event is one `Turn` in one transaction.

pub mod case;
mod customer;
mod engine;
mod jobs;
mod managers;
mod propose;
mod refusal;
mod staff;
mod stripe_events;
mod stripe_orders;
mod stripe_refund;
mod turn;

pub use engine::{Engine, EngineError, Settings};
