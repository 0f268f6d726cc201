//! What the engine is told at start: who the staff are, its timings, how refunds are paid, and
//! the words it treats as abuse. Its own types, filled from the configuration by `app`.

use crate::payments::stripe::Client;
pub use crate::payments::Processor;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Settings {
    pub roles: Roles,
    pub sla: Sla,
    pub processor: Processor,
    /// Set when `processor = "stripe"` (app start refuses to run without the key).
    pub stripe: Option<Arc<Client>>,
    /// How customers' messages are read: order id shapes, the seller's addresses, abusive words.
    pub understanding: Arc<crate::understanding::Understanding>,
    pub live: Live,
    /// Whether the staff platform keeps a thread per case (`chat::keeps_case_threads`): then a
    /// case's later staff posts go to its thread and its card shows where the case stands;
    /// otherwise they go to the agents' channel.
    pub case_threads: bool,
    /// `[retention] days`: customers whose last case ended longer ago are forgotten.
    pub retention_days: Option<u32>,
    /// `[incidents]`, when spikes become incidents.
    pub incidents: Option<IncidentRules>,
    /// `[digest]`, when the weekly digest is on.
    pub digest: Option<DigestSchedule>,
}

/// When the weekly digest goes to managers.
#[derive(Debug, Clone, Copy)]
pub struct DigestSchedule {
    pub weekday: chrono::Weekday,
    pub hour: u32,
    pub timezone: chrono_tz::Tz,
}

/// When requests about one product are a spike, and what a manager's ✅ does then.
#[derive(Debug, Clone)]
pub struct IncidentRules {
    pub window_hours: u32,
    pub factor: f64,
    pub min_cases: u32,
    pub bulk_send: bool,
}

/// How agents' messages in a case's thread reach the customer.
#[derive(Debug, Clone)]
pub struct Live {
    /// Signed only as the team, not with the agent's name.
    pub anonymous: bool,
    /// A thread message starting with this is an internal note.
    pub note_prefix: String,
}

/// Platform user ids or role/user-group ids allowed to act as agents and managers.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    pub agents: Vec<String>,
    pub managers: Vec<String>,
}

/// How long things may wait before the bot acts.
#[derive(Debug, Clone)]
pub struct Sla {
    /// A draft not handled by then is raised again to agents.
    pub agent_reminder_minutes: u32,
    /// An escalation not decided by then pings managers again.
    pub manager_reminder_hours: u32,
    /// After a refund succeeds, the customer is asked for feedback this much later.
    pub followup_days: u32,
    /// An intake with no answer for this long is closed.
    pub idle_timeout_hours: u32,
}
