//! The case lifecycle: intake hand-over, verdicts, drafts for agents, escalations to managers,
//! refunds, follow-ups and reminders. Each inbound event is one `Turn` in one transaction.

mod background;
mod card;
mod customer;
mod engine;
mod incidents;
mod jobs;
mod live;
mod managers;
mod propose;
mod questions;
mod refusal;
mod screen;
mod settings;
mod snippets;
mod staff;
mod stripe_events;
mod stripe_orders;
mod stripe_refund;
mod turn;

pub use engine::{Engine, EngineError};
pub use settings::{DigestSchedule, IncidentRules, Live, Processor, Roles, Settings, Sla};

/// What the engine reports as it works, for whoever keeps metrics (the engine knows no
/// exporter). `source` names where the event came from (`discord`, `jsonl`, `local`).
pub trait Observer: Send + Sync {
    fn event_handled(&self, source: &str, elapsed: std::time::Duration);
}

/// An observer that ignores everything.
pub struct NoObserver;

impl Observer for NoObserver {
    fn event_handled(&self, _: &str, _: std::time::Duration) {}
}
