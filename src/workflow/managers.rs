//! What managers do: decide escalations by reacting ✅ / ❌ on the post that pinged them, or
//! with its buttons (the fallback where reacting is awkward). Only managers may; anyone else's
//! reaction is removed and recorded, their press refused and recorded.

use super::engine::EngineError;
use super::propose::{labels, DraftOrigin};
use super::refusal::{Handled, Refusal};
use super::turn::Turn;
use crate::domain::case::Decision;
use crate::domain::timeline::EventKind;
use crate::domain::{ButtonAction, CaseId, EscalationId, JobKind, ManagerAction, MessageId, Purpose};
use crate::events::{APPROVE_EMOJI, DENY_EMOJI};
use crate::replies::Reply;
use crate::store::{ButtonRecord, EditButtons, EscalationStatus};
use std::fmt;

/// How a manager gave a decision: a reaction (its emoji as they chose it) or a button press.
/// Both take the same path; the timeline says which it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Gesture {
    Reaction(String),
    Button(ManagerAction),
}

impl Gesture {
    /// The reaction the bot leaves on the decided post, so it reads the same either way.
    pub(super) fn emoji(&self) -> &str {
        match self {
            Gesture::Reaction(emoji) => emoji,
            Gesture::Button(action) if action.approves() => APPROVE_EMOJI,
            Gesture::Button(_) => DENY_EMOJI,
        }
    }
}

/// As the timeline writes it: "reaction ✅", "button approve_exception".
impl fmt::Display for Gesture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gesture::Reaction(emoji) => write!(f, "reaction {emoji}"),
            Gesture::Button(action) => write!(f, "button {action}"),
        }
    }
}

/// The buttons of a post managers decide on, beside its ✅ / ❌ (labels in the seller's words).
pub(super) fn decision_buttons() -> Vec<(ButtonAction, String)> {
    vec![
        (ManagerAction::ApproveException.into(), "Approve exception".into()),
        (ManagerAction::DenyException.into(), "Deny".into()),
    ]
}

impl Turn<'_> {
    /// A reaction on a sent message: managers decide escalations with ✅ / ❌.
    pub async fn on_react(&mut self, user: &str, message: &str, emoji: &str) -> Result<(), EngineError> {
        let found = match MessageId::parse(message) {
            Some(id) => self.tx.find_message(id).await?,
            None => None,
        };
        let Some(message) = found else {
            return Ok(());
        };
        let approve = match emoji {
            APPROVE_EMOJI | "✔️" | "☑️" => true,
            DENY_EMOJI | "✖️" => false,
            _ => return Ok(()),
        };
        let gesture = Gesture::Reaction(emoji.into());
        let handled = match (message.case_id, message.purpose) {
            (_, Purpose::Incident(incident)) => {
                self.incident_reaction(user, message.id, incident, approve, gesture).await?
            }
            (Some(case_id), Purpose::Escalation(escalation)) => {
                self.escalation_reaction(user, case_id, message.id, escalation, approve, gesture).await?
            }
            _ => return Ok(()),
        };
        match handled {
            Ok(()) => Ok(()),
            Err(refusal) => self.refuse(user, message.case_id, refusal).await,
        }
    }

    /// A manager's button on an escalation or incident post: the same decision as its reaction.
    /// Its buttons go with the decision, yet a late press still reaches here, so it is refused
    /// naming who decided, as a late reaction is.
    pub(super) async fn on_manager_click(
        &mut self,
        user: &str,
        button: &ButtonRecord,
        action: ManagerAction,
    ) -> Result<Handled, EngineError> {
        let message = &button.message;
        let gesture = Gesture::Button(action);
        match (message.case_id, message.purpose) {
            (_, Purpose::Incident(incident)) => {
                self.incident_reaction(user, message.id, incident, action.approves(), gesture).await
            }
            (Some(case_id), Purpose::Escalation(escalation)) => {
                self.escalation_reaction(user, case_id, message.id, escalation, action.approves(), gesture).await
            }
            (_, purpose) => Ok(Err(Refusal::ActionDoesNothing { action: button.action.clone(), purpose })),
        }
    }

    /// ✅ / ❌ (or a button) on an escalation: only a manager's counts, and only the first.
    async fn escalation_reaction(
        &mut self,
        user: &str,
        case_id: CaseId,
        message: MessageId,
        escalation_id: EscalationId,
        approve: bool,
        gesture: Gesture,
    ) -> Result<Handled, EngineError> {
        if !self.engine.is_manager(user, &self.roles) {
            if let Gesture::Reaction(emoji) = &gesture {
                self.tx.unreact(Some(case_id), message, user, emoji, self.now).await?;
            }
            return Ok(Err(Refusal::NotAManager { gesture }));
        }
        let status = if approve { EscalationStatus::Approved } else { EscalationStatus::Denied };
        if !self.tx.decide_escalation(escalation_id, status, user, self.now).await? {
            let by = self.tx.find_escalation(escalation_id).await?.and_then(|e| e.decided_by).unwrap_or_default();
            return Ok(Err(Refusal::EscalationAlreadyDecided { case_id, decided_by: by, gesture }));
        }
        self.decide_exception(user, case_id, message, approve, &gesture).await?;
        Ok(Ok(()))
    }

    async fn decide_exception(
        &mut self,
        user: &str,
        case_id: CaseId,
        message: MessageId,
        approve: bool,
        gesture: &Gesture,
    ) -> Result<(), EngineError> {
        let mut case = self
            .tx
            .load_case(case_id)
            .await?
            .ok_or_else(|| EngineError::Internal(format!("case {case_id} missing")))?;
        self.tx.cancel_job(JobKind::ManagerReminder, case.id).await?;
        let decided =
            self.render(&Reply::EscalationDecided { case_id: case.id.0, approved: approve, actor: user.into() })?;
        self.tx.edit_message(message, &decided, EditButtons::Remove, self.now).await?;
        self.tx.react(Some(case.id), message, gesture.emoji(), self.now).await?;
        let kind = if approve { EventKind::ExceptionApproved } else { EventKind::ExceptionDenied };
        self.event(case.id, user, kind, &format!("manager decision by {gesture}")).await?;
        let order = self.load_order(&case).await?;
        let verdict = case
            .verdict
            .clone()
            .ok_or_else(|| EngineError::Internal(format!("case {case_id} escalated without a verdict")))?;
        let (decision, reply, heading) = if approve {
            let partial = verdict.percent.is_some();
            let reply = Reply::ExceptionApproved {
                product: order.product.clone(),
                order_id: order.order_id.to_string(),
                amount: verdict.amount().to_string(),
                partial,
            };
            (Decision::refund(verdict.amount(), partial), reply, format!("Exception approved by {user}"))
        } else {
            let alternatives = verdict.alternatives.clone();
            let reply = Reply::ExceptionDenied {
                product: order.product.clone(),
                order_id: order.order_id.to_string(),
                alternatives: labels(&alternatives),
            };
            (Decision::Deny { alternatives }, reply, format!("Exception denied by {user}"))
        };
        let text = self.render_for(&case, &reply)?;
        self.propose(&mut case, Some(&order), Some(decision), text, DraftOrigin { kind: "decision", heading }).await?;
        self.save(&case).await
    }
}
