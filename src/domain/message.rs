//! What a message the bot sends is for: its purpose, and the draft, escalation or incident it
//! is about (what its buttons do is in `button`).

use super::code::codes;
use super::{DraftId, EscalationId, IncidentId};
use std::fmt;

codes! {
    /// A message's purpose as written in `messages.purpose`; `Purpose` adds the reference.
    pub enum PurposeKind ("message purpose") {
        Customer => "customer",
        Reply => "reply",
        Notice => "notice",
        Draft => "draft",
        Rejected => "rejected",
        Handoff => "handoff",
        Support => "support",
        Refund => "refund",
        RefundNote => "refund_note",
        Escalation => "escalation",
        Reminder => "reminder",
        Alert => "alert",
        Relay => "relay",
        Live => "live",
        Incident => "incident",
        IncidentDrafts => "incident_drafts",
    }
}

/// What a sent message is for, with the draft or escalation it is about. Stored as its kind
/// (`messages.purpose`) and that reference (`messages.ref_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// The bot speaking to a customer.
    Customer,
    /// An approved draft, sent to the customer.
    Reply,
    /// A note outside any conversation's flow (a refusal, a notice to managers).
    Notice,
    /// A draft reply for agents to approve, edit or reject.
    Draft(DraftId),
    /// The agents' post after a rejected draft, where an agent writes the reply.
    Rejected(DraftId),
    /// A conversation handed over to agents.
    Handoff,
    /// A request for help from support.
    Support,
    /// A refund staff issue; with the approved draft when they can mark it refunded.
    Refund(Option<DraftId>),
    /// A refund sent to the payment processor.
    RefundNote,
    /// A case for managers to decide by reacting.
    Escalation(EscalationId),
    Reminder,
    Alert,
    /// A message relayed in a live conversation: the customer's into the staff thread, an
    /// agent's to the customer.
    Relay,
    /// A live conversation starting, changing hands or ending.
    Live,
    /// A spike incident for managers to decide, for all its cases at once, by reacting.
    Incident(IncidentId),
    /// The agents' post with one button that approves every draft of an approved incident.
    IncidentDrafts(IncidentId),
}

impl Purpose {
    pub fn kind(self) -> PurposeKind {
        match self {
            Purpose::Customer => PurposeKind::Customer,
            Purpose::Reply => PurposeKind::Reply,
            Purpose::Notice => PurposeKind::Notice,
            Purpose::Draft(_) => PurposeKind::Draft,
            Purpose::Rejected(_) => PurposeKind::Rejected,
            Purpose::Handoff => PurposeKind::Handoff,
            Purpose::Support => PurposeKind::Support,
            Purpose::Refund(_) => PurposeKind::Refund,
            Purpose::RefundNote => PurposeKind::RefundNote,
            Purpose::Escalation(_) => PurposeKind::Escalation,
            Purpose::Reminder => PurposeKind::Reminder,
            Purpose::Alert => PurposeKind::Alert,
            Purpose::Relay => PurposeKind::Relay,
            Purpose::Live => PurposeKind::Live,
            Purpose::Incident(_) => PurposeKind::Incident,
            Purpose::IncidentDrafts(_) => PurposeKind::IncidentDrafts,
        }
    }

    /// The id of the draft or escalation this message is about, as `messages.ref_id` keeps it.
    pub fn reference(self) -> Option<i64> {
        match self {
            Purpose::Draft(draft) | Purpose::Rejected(draft) => Some(draft.0),
            Purpose::Refund(draft) => draft.map(|d| d.0),
            Purpose::Escalation(escalation) => Some(escalation.0),
            Purpose::Incident(incident) | Purpose::IncidentDrafts(incident) => Some(incident.0),
            Purpose::Customer
            | Purpose::Reply
            | Purpose::Notice
            | Purpose::Handoff
            | Purpose::Support
            | Purpose::RefundNote
            | Purpose::Reminder
            | Purpose::Alert
            | Purpose::Relay
            | Purpose::Live => None,
        }
    }

    /// Reads the two columns back; `None` when the kind needs a reference that is missing.
    /// A reference on a kind that has none is ignored.
    pub fn from_parts(kind: PurposeKind, reference: Option<i64>) -> Option<Purpose> {
        Some(match kind {
            PurposeKind::Customer => Purpose::Customer,
            PurposeKind::Reply => Purpose::Reply,
            PurposeKind::Notice => Purpose::Notice,
            PurposeKind::Draft => Purpose::Draft(DraftId(reference?)),
            PurposeKind::Rejected => Purpose::Rejected(DraftId(reference?)),
            PurposeKind::Handoff => Purpose::Handoff,
            PurposeKind::Support => Purpose::Support,
            PurposeKind::Refund => Purpose::Refund(reference.map(DraftId)),
            PurposeKind::RefundNote => Purpose::RefundNote,
            PurposeKind::Escalation => Purpose::Escalation(EscalationId(reference?)),
            PurposeKind::Reminder => Purpose::Reminder,
            PurposeKind::Alert => Purpose::Alert,
            PurposeKind::Relay => Purpose::Relay,
            PurposeKind::Live => Purpose::Live,
            PurposeKind::Incident => Purpose::Incident(IncidentId(reference?)),
            PurposeKind::IncidentDrafts => Purpose::IncidentDrafts(IncidentId(reference?)),
        })
    }
}

/// The kind's code (`draft`), as staff read it in a refusal.
impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind().code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip_through_their_two_columns() {
        let all = [
            Purpose::Customer,
            Purpose::Reply,
            Purpose::Notice,
            Purpose::Draft(DraftId(3)),
            Purpose::Rejected(DraftId(4)),
            Purpose::Handoff,
            Purpose::Support,
            Purpose::Refund(Some(DraftId(5))),
            Purpose::Refund(None),
            Purpose::RefundNote,
            Purpose::Escalation(EscalationId(6)),
            Purpose::Reminder,
            Purpose::Alert,
            Purpose::Relay,
            Purpose::Live,
        ];
        for purpose in all {
            let kind = PurposeKind::read(purpose.kind().code()).unwrap();
            assert_eq!(Purpose::from_parts(kind, purpose.reference()), Some(purpose));
        }
        assert_eq!(Purpose::from_parts(PurposeKind::Draft, None), None);
        assert_eq!(Purpose::from_parts(PurposeKind::Escalation, None), None);
        assert_eq!(PurposeKind::read("memo").unwrap_err().to_string(), "unknown message purpose `memo`");
        assert_eq!(Purpose::Draft(DraftId(3)).to_string(), "draft");
    }
}
