//! Refusals as values: what a person may not do, recorded and told through a reply template.

use super::engine::EngineError;
use super::managers::Gesture;
use super::turn::Turn;
use crate::domain::timeline::EventKind;
use crate::domain::{ButtonAction, ButtonId, CaseId, IncidentId, Money, OrderId, Purpose};
use crate::replies::Reply;

/// Why a person's action was not carried out. Each one is told through its own reply template;
/// an internal failure is an [`EngineError`] instead, which never reaches a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A button whose message has moved on (edited, or a newer question asked).
    ButtonExpired,
    /// A button id that was never given out.
    ButtonUnknown,
    /// A button of someone else's conversation.
    ButtonNotYours { button: ButtonId },
    /// A staff button pressed by someone who is not an agent.
    NotAnAgent { action: ButtonAction },
    /// An Edit button pressed without the form's text.
    EditWithoutText,
    /// A button whose action means nothing on the message it sits on.
    ActionDoesNothing { action: ButtonAction, purpose: Purpose },
    /// The draft behind the button was settled already (approved or rejected).
    DraftAlreadyHandled,
    /// With Stripe, approving would refund more than the order has left: `spent` counts
    /// refunds already made and those still pending.
    RefundWouldOverdraw { amount: Money, order_id: OrderId, paid: Money, spent: Money },
    /// *Mark refunded* on a case whose decision is not a refund.
    NoApprovedRefund,
    /// *Mark refunded* a second time for the same approval.
    RefundAlreadyRecorded,
    /// *Take over* on a case an agent already holds.
    AlreadyLive { case_id: CaseId, agent: String },
    /// *Hand back* on a case the bot answers already.
    NotLive { case_id: CaseId },
    /// *Close* while a manager decides or a refund is on its way (`status` in plain words).
    CannotCloseYet { case_id: CaseId, status: String },
    /// ✅ / ❌ or a decision button by someone who is not a manager (a reaction is taken away).
    NotAManager { gesture: Gesture },
    /// ✅ / ❌ or a decision button on an escalation that `decided_by` decided first.
    EscalationAlreadyDecided { case_id: CaseId, decided_by: String, gesture: Gesture },
    /// ✅ / ❌ on an incident that `decided_by` decided first.
    IncidentAlreadyDecided { incident: IncidentId, decided_by: String },
    /// The incident's drafts were all approved or handled already.
    NoIncidentDrafts,
}

/// What a person's action came to: carried out, or refused (and the refusal still to be told).
pub(crate) type Handled = Result<(), Refusal>;

impl Refusal {
    /// The detail of the case's `refused` timeline event, for the refusals that are recorded.
    fn timeline_detail(&self) -> Option<String> {
        match self {
            Refusal::ButtonNotYours { button } => Some(format!("pressed {button} from someone else's conversation")),
            Refusal::NotAnAgent { action } => Some(format!("`{action}` by someone who is not an agent")),
            Refusal::RefundWouldOverdraw { amount, order_id, paid, spent } => Some(format!(
                "a refund of {amount} would exceed order {order_id}: {paid} paid, \
                 {spent} already refunded or in progress"
            )),
            Refusal::RefundAlreadyRecorded => Some("refund already recorded for this approval".into()),
            Refusal::NotAManager { gesture } => Some(format!("{gesture} by someone who is not a manager")),
            Refusal::EscalationAlreadyDecided { decided_by, gesture, .. } => {
                Some(format!("{gesture} after the decision by {decided_by}"))
            }
            Refusal::ButtonExpired
            | Refusal::ButtonUnknown
            | Refusal::EditWithoutText
            | Refusal::ActionDoesNothing { .. }
            | Refusal::DraftAlreadyHandled
            | Refusal::NoApprovedRefund
            | Refusal::AlreadyLive { .. }
            | Refusal::NotLive { .. }
            | Refusal::CannotCloseYet { .. }
            | Refusal::IncidentAlreadyDecided { .. }
            | Refusal::NoIncidentDrafts => None,
        }
    }

    /// Whether the note to the person is filed under the case: not when the case is someone
    /// else's conversation.
    fn filed_under_case(&self) -> bool {
        !matches!(self, Refusal::ButtonNotYours { .. })
    }

    /// What the person is told.
    pub fn reply(&self) -> Reply {
        match self {
            Refusal::ButtonExpired => Reply::ButtonExpired {},
            Refusal::ButtonUnknown => Reply::ButtonUnknown {},
            Refusal::ButtonNotYours { .. } => Reply::ButtonNotYours {},
            Refusal::NotAnAgent { .. } => Reply::NotAnAgent {},
            Refusal::EditWithoutText => Reply::EditWithoutText {},
            Refusal::ActionDoesNothing { action, purpose } => {
                Reply::ActionDoesNothing { action: action.to_string(), purpose: purpose.to_string() }
            }
            Refusal::DraftAlreadyHandled => Reply::DraftAlreadyHandled {},
            Refusal::RefundWouldOverdraw { amount, order_id, paid, spent } => Reply::RefundWouldOverdraw {
                amount: amount.to_string(),
                order_id: order_id.to_string(),
                amount_paid: paid.to_string(),
                spent: spent.to_string(),
            },
            Refusal::NoApprovedRefund => Reply::NoApprovedRefund {},
            Refusal::RefundAlreadyRecorded => Reply::RefundAlreadyRecorded {},
            Refusal::NotAManager { .. } => Reply::NotAManager {},
            Refusal::AlreadyLive { case_id, agent } => Reply::AlreadyLive { case_id: case_id.0, agent: agent.clone() },
            Refusal::NotLive { case_id } => Reply::NotLive { case_id: case_id.0 },
            Refusal::CannotCloseYet { case_id, status } => {
                Reply::CannotCloseYet { case_id: case_id.0, status: status.clone() }
            }
            Refusal::EscalationAlreadyDecided { case_id, decided_by, .. } => {
                Reply::EscalationAlreadyDecided { case_id: case_id.0, decided_by: decided_by.clone() }
            }
            Refusal::IncidentAlreadyDecided { incident, decided_by } => {
                Reply::IncidentAlreadyDecided { incident_id: incident.0, decided_by: decided_by.clone() }
            }
            Refusal::NoIncidentDrafts => Reply::DraftAlreadyHandled {},
        }
    }
}

impl Turn<'_> {
    /// Delivers a refusal of `user`'s action on `case`: the `refused` timeline event where the
    /// refusal is recorded, then the note telling them why.
    pub(super) async fn refuse(
        &mut self,
        user: &str,
        case: Option<CaseId>,
        refusal: Refusal,
    ) -> Result<(), EngineError> {
        if let (Some(case), Some(detail)) = (case, refusal.timeline_detail()) {
            self.event(case, user, EventKind::Refused, &detail).await?;
        }
        let filed = case.filter(|_| refusal.filed_under_case());
        self.notify(user, filed, refusal.reply()).await
    }
}
