//! A case's staff thread and its live conversation: whether the bot or people speak to the
//! customer, and who took the case over.

use super::code::codes;
use super::{CaseId, MessageId};
use chrono::{DateTime, Utc};

codes! {
    /// Who answers the customer of a case, as `case_threads.live` keeps it.
    pub enum LiveState ("live state") {
        /// The bot, by itself.
        Off => "off",
        /// People, from the case's thread; the bot relays.
        Live => "live",
    }
}

/// A case's staff thread: its card (the case's first post in the agents' channel) and the live
/// conversation, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseThread {
    pub case_id: CaseId,
    pub card: MessageId,
    /// The status line last shown on the card.
    pub card_status: Option<String>,
    pub live: LiveState,
    /// The agent who took the case over or first answered; `None` while a hand-off waits.
    pub agent: Option<String>,
    /// How the agent signs relayed messages (their display name, where the platform says).
    pub agent_name: Option<String>,
    /// Since when the customer waits for an agent's answer.
    pub waiting_since: Option<DateTime<Utc>>,
}

impl CaseThread {
    pub fn is_live(&self) -> bool {
        self.live == LiveState::Live
    }

    /// Goes live; `agent` is who took it over (`None`: the bot handed it to people).
    pub fn go_live(&mut self, agent: Option<(&str, &str)>) {
        self.live = LiveState::Live;
        if let Some((agent, name)) = agent {
            self.agent = Some(agent.to_string());
            self.agent_name = Some(name.to_string());
        }
    }

    /// Back to the bot: nobody holds the case, nobody is waited for.
    pub fn end_live(&mut self) {
        self.live = LiveState::Off;
        self.agent = None;
        self.agent_name = None;
        self.waiting_since = None;
    }
}
