//! What managers do: decide escalations by reacting ✅ / ❌ on the post that pinged them. Only
//! managers may; anyone else's reaction is removed and recorded.

use super::engine::EngineError;
use super::propose::{labels, DraftOrigin};
use super::refusal::{Handled, Refusal};
use super::turn::Turn;
use crate::domain::case::Decision;
use crate::domain::timeline::EventKind;
use crate::domain::{CaseId, EscalationId, JobKind, MessageId, Purpose};
use crate::events::{APPROVE_EMOJI, DENY_EMOJI};
use crate::replies::Reply;
use crate::store::{EditButtons, EscalationStatus};

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
        if let Purpose::Incident(incident) = message.purpose {
            return match self.incident_reaction(user, message.id, incident, approve, emoji).await? {
                Ok(()) => Ok(()),
                Err(refusal) => self.refuse(user, None, refusal).await,
            };
        }
        let (Some(case_id), Purpose::Escalation(escalation_id)) = (message.case_id, message.purpose) else {
            return Ok(());
        };
        match self.escalation_reaction(user, case_id, message.id, escalation_id, approve, emoji).await? {
            Ok(()) => Ok(()),
            Err(refusal) => self.refuse(user, Some(case_id), refusal).await,
        }
    }

    /// ✅ / ❌ on an escalation: only a manager's counts, and only the first.
    async fn escalation_reaction(
        &mut self,
        user: &str,
        case_id: CaseId,
        message: MessageId,
        escalation_id: EscalationId,
        approve: bool,
        emoji: &str,
    ) -> Result<Handled, EngineError> {
        if !self.engine.is_manager(user, &self.roles) {
            self.tx.unreact(Some(case_id), message, user, emoji, self.now).await?;
            return Ok(Err(Refusal::NotAManager { emoji: emoji.into() }));
        }
        let status = if approve { EscalationStatus::Approved } else { EscalationStatus::Denied };
        if !self.tx.decide_escalation(escalation_id, status, user, self.now).await? {
            let by = self.tx.find_escalation(escalation_id).await?.and_then(|e| e.decided_by).unwrap_or_default();
            return Ok(Err(Refusal::EscalationAlreadyDecided { case_id, decided_by: by, emoji: emoji.into() }));
        }
        self.decide_exception(user, case_id, message, approve, emoji).await?;
        Ok(Ok(()))
    }

    async fn decide_exception(
        &mut self,
        user: &str,
        case_id: CaseId,
        message: MessageId,
        approve: bool,
        emoji: &str,
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
        self.tx.react(Some(case.id), message, emoji, self.now).await?;
        self.event(
            case.id,
            user,
            if approve { EventKind::ExceptionApproved } else { EventKind::ExceptionDenied },
            "manager decision",
        )
        .await?;
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
