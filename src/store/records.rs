//! Rows the engine reads back: sent messages, their buttons, drafts, escalations, outbox entries.

use crate::domain::code::codes;
use crate::domain::{Address, ButtonAction, ButtonId, CaseId, DraftId, EscalationId, MessageId, Platform, Purpose};
use chrono::{DateTime, Utc};

codes! {
    /// Where a draft reply stands: pending until an agent settles it or a newer one replaces it.
    pub enum DraftStatus ("draft status") {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        /// A newer draft for the case replaced it.
        Superseded => "superseded",
    }
}

codes! {
    /// Where an escalation stands: pending until a manager reacts.
    pub enum EscalationStatus ("escalation status") {
        Pending => "pending",
        Approved => "approved",
        Denied => "denied",
    }
}

#[derive(Debug, Clone)]
pub struct MessageRecord {
    pub id: MessageId,
    pub case_id: Option<CaseId>,
    pub recipient: Address,
    /// The platform that delivered it.
    pub platform: Platform,
    pub purpose: Purpose,
    pub text: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct ButtonRecord {
    pub id: ButtonId,
    pub message: MessageRecord,
    pub action: ButtonAction,
    pub label: String,
    /// Taken off its message (a card's live controls change with the case).
    pub retired: bool,
}

#[derive(Debug, Clone)]
pub struct DraftRecord {
    pub id: DraftId,
    pub case_id: CaseId,
    pub kind: String,
    pub text: String,
    pub decision_json: String,
    pub status: DraftStatus,
    pub message_id: Option<MessageId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct EscalationRecord {
    pub id: EscalationId,
    pub case_id: CaseId,
    pub message_id: Option<MessageId>,
    pub status: EscalationStatus,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OutboxRecord {
    pub id: i64,
    pub case_id: Option<CaseId>,
    pub action_json: String,
    pub attempts: i64,
    /// Its destination (`lane_of`); none on rows from before lanes, which form one lane.
    pub lane: Option<String>,
}
