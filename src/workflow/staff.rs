//! What agents do: approve, edit or reject drafts, write their own replies, mark refunds.
//! Every action is permission-checked here; a refusal comes back as a value and is told once.

use super::engine::EngineError;
use super::propose::{DraftOrigin, CUSTOM_DRAFT};
use super::refusal::{Handled, Refusal};
use super::turn::{Post, Turn};
use crate::domain::case::{Case, CaseState, Decision, Outcome};
use crate::domain::timeline::EventKind;
use crate::domain::Address;
use crate::domain::{AgentAction, ButtonAction, ButtonId, Choice, DraftId, JobKind, Money, Purpose};
use crate::payments::Processor;
use crate::replies::Reply;
use crate::store::{ButtonRecord, DraftRecord, DraftStatus, EditButtons};
use chrono::Duration;

/// How a refund reaches the customer and how long it takes, as the bot tells them (in English:
/// the labels translate it).
pub(super) const REFUND_METHOD: &str = "your original payment method";
pub(super) const REFUND_TIMELINE: &str = "5–10 business days";

impl Turn<'_> {
    /// Any button press; `form_text` is the text of the form behind an `edit` button.
    pub async fn on_click(&mut self, user: &str, button: &str, form_text: Option<&str>) -> Result<(), EngineError> {
        let found = match ButtonId::parse(button) {
            Some(id) => self.tx.find_button(id).await?,
            None => None,
        };
        let Some(button) = found else {
            return self.refuse(user, None, Refusal::ButtonUnknown).await;
        };
        let handled = if let ButtonAction::Manager(action) = button.action {
            // Before the expiry check: a decision's buttons go with it, and a late press is
            // told who decided, as a late reaction is.
            self.on_manager_click(user, &button, action).await?
        } else if !button.message.active || button.retired {
            Err(Refusal::ButtonExpired)
        } else {
            match &button.message.recipient {
                Address::Dm(owner) if *owner == self.person(user) => self.on_customer_click(user, &button).await?,
                Address::Dm(_) => Err(Refusal::ButtonNotYours { button: button.id }),
                _ if matches!(button.message.purpose, Purpose::IncidentDrafts(_)) => {
                    self.on_incident_drafts_click(user, &button).await?
                }
                _ => self.on_agent_click(user, &button, form_text).await?,
            }
        };
        match handled {
            Ok(()) => Ok(()),
            Err(refusal) => self.refuse(user, button.message.case_id, refusal).await,
        }
    }

    async fn on_agent_click(
        &mut self,
        user: &str,
        button: &ButtonRecord,
        form_text: Option<&str>,
    ) -> Result<Handled, EngineError> {
        let case_id =
            button.message.case_id.ok_or_else(|| EngineError::Internal(format!("button {} has no case", button.id)))?;
        if !self.engine.is_agent(user, &self.roles) {
            return Ok(Err(Refusal::NotAnAgent { action: button.action.clone() }));
        }
        let mut case = self
            .tx
            .load_case(case_id)
            .await?
            .ok_or_else(|| EngineError::Internal(format!("case {case_id} missing")))?;
        let form_text = form_text.map(crate::intake::understand::clean).filter(|t| !t.is_empty());
        let handled = match (button.action.agent(), button.message.purpose, form_text) {
            (
                Some(AgentAction::Approve | AgentAction::ApproveNoRefund | AgentAction::ApproveFullRefund),
                Purpose::Draft(_),
                _,
            ) => self.approve(user, &mut case, button).await?,
            (Some(AgentAction::Reject), Purpose::Draft(_), _) => self.reject(user, &mut case, button).await?,
            (Some(AgentAction::Edit), Purpose::Draft(_), Some(text)) => {
                self.edit_draft(user, &mut case, button, &text).await?
            }
            (Some(AgentAction::Edit), Purpose::Rejected(_) | Purpose::Handoff, Some(text)) => {
                self.write_reply(user, &mut case, button, &text).await?;
                Ok(())
            }
            (Some(AgentAction::Edit), _, None) => Err(Refusal::EditWithoutText),
            (Some(AgentAction::MarkRefunded), Purpose::Refund(Some(draft)), _) => {
                self.mark_refunded(user, &mut case, button, draft).await?
            }
            (Some(action @ (AgentAction::TakeOver | AgentAction::HandBack | AgentAction::Close)), _, _) => {
                self.live_action(user, &mut case, action).await?
            }
            // Any other pair means nothing (a customer's button never sits on a staff post).
            (
                Some(
                    AgentAction::Approve
                    | AgentAction::ApproveNoRefund
                    | AgentAction::ApproveFullRefund
                    | AgentAction::Reject
                    | AgentAction::Edit
                    | AgentAction::MarkRefunded
                    | AgentAction::ApproveIncident,
                )
                | None,
                purpose,
                _,
            ) => Err(Refusal::ActionDoesNothing { action: button.action.clone(), purpose }),
        };
        self.save(&case).await?;
        Ok(handled)
    }

    /// The pending draft a button belongs to, or the refusal that it is settled.
    async fn live_draft(&mut self, button: &ButtonRecord) -> Result<Result<DraftRecord, Refusal>, EngineError> {
        let draft = match button.message.purpose {
            Purpose::Draft(id) => self.tx.find_draft(id).await?,
            _ => None,
        };
        match draft {
            Some(draft) if draft.status == DraftStatus::Pending => Ok(Ok(draft)),
            _ => Ok(Err(Refusal::DraftAlreadyHandled)),
        }
    }

    /// Settles the draft behind a button once (the first agent wins; a later click is refused)
    /// and turns its post into a record of who did what.
    async fn settle_draft(
        &mut self,
        user: &str,
        case: &Case,
        button: &ButtonRecord,
        status: DraftStatus,
    ) -> Result<Result<DraftRecord, Refusal>, EngineError> {
        let draft = match self.live_draft(button).await? {
            Ok(draft) => draft,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if !self.tx.decide_draft(draft.id.0, status, user, self.now).await? {
            return Ok(Err(Refusal::DraftAlreadyHandled));
        }
        let decided = Reply::DraftDecided {
            case_id: case.id.0,
            action: status.code().into(),
            actor: user.into(),
            text: draft.text.clone(),
        };
        let decided = self.render(&decided)?;
        self.tx.edit_message(button.message.id, &decided, EditButtons::Remove, self.now).await?;
        Ok(Ok(draft))
    }

    pub(super) async fn approve(
        &mut self,
        user: &str,
        case: &mut Case,
        button: &ButtonRecord,
    ) -> Result<Handled, EngineError> {
        let draft = match self.live_draft(button).await? {
            Ok(draft) => draft,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let (decision, choice) = self.decision_of(case, button, &draft).await?;
        if let Some(refusal) = self.refund_would_overdraw(case, decision.as_ref()).await? {
            // Refused before anything is decided or told; the draft stays to edit or reject.
            return Ok(Err(refusal));
        }
        let draft = match self.settle_draft(user, case, button, DraftStatus::Approved).await? {
            Ok(draft) => draft,
            Err(refusal) => return Ok(Err(refusal)),
        };
        self.tx.cancel_job(JobKind::AgentReminder, case.id).await?;
        let detail = format!("draft {} sent to the customer{choice}", draft.id);
        self.event(case.id, user, EventKind::Approved, &detail).await?;
        let buttons = match &decision {
            Some(Decision::Deny { alternatives }) => {
                alternatives.iter().map(|r| (Choice::Resolution(*r).into(), r.label().to_string())).collect()
            }
            _ => vec![],
        };
        self.tell_text(case, draft.text.clone(), Purpose::Reply, None, buttons).await?;
        case.decision = decision.clone();
        self.carry_out(user, case, decision, draft.id).await?;
        Ok(Ok(()))
    }

    /// What approving with this button does: the draft's decision, or on an agent's own reply
    /// the agent's choice of no refund or a refund of what is left (with words for the timeline).
    async fn decision_of(
        &mut self,
        case: &Case,
        button: &ButtonRecord,
        draft: &DraftRecord,
    ) -> Result<(Option<Decision>, &'static str), EngineError> {
        let drafted: Option<Decision> =
            serde_json::from_str(&draft.decision_json).map_err(|e| EngineError::Internal(e.to_string()))?;
        Ok(match button.action {
            ButtonAction::Agent(AgentAction::ApproveNoRefund) => {
                (Some(Decision::Deny { alternatives: vec![] }), "; the agent chose no refund")
            }
            ButtonAction::Agent(AgentAction::ApproveFullRefund) => {
                let order = self.load_order(case).await?;
                let left = order.unrefunded();
                let partial = left.minor() < order.amount.minor();
                (Some(Decision::refund(left, partial)), "; the agent chose to refund what is left")
            }
            _ => (drafted, ""),
        })
    }

    /// With Stripe, whether approving would refund more than the order has left (our ledger
    /// refuses before any call out).
    async fn refund_would_overdraw(
        &mut self,
        case: &Case,
        decision: Option<&Decision>,
    ) -> Result<Option<Refusal>, EngineError> {
        match decision {
            Some(Decision::Refund { amount_minor, .. }) if self.engine.settings.processor == Processor::Stripe => {
                self.over_refund(case, *amount_minor).await
            }
            _ => Ok(None),
        }
    }

    /// What an approved draft does to the case.
    async fn carry_out(
        &mut self,
        user: &str,
        case: &mut Case,
        decision: Option<Decision>,
        draft: DraftId,
    ) -> Result<(), EngineError> {
        match decision {
            Some(Decision::Refund { amount_minor, currency, .. }) => {
                case.state = CaseState::AwaitingRefund;
                let order = self.load_order(case).await?;
                if self.engine.settings.processor == Processor::Stripe
                    && self.start_stripe_refund(user, case, &order, amount_minor, currency, draft).await?
                {
                    return Ok(());
                }
                let reply = Reply::AgentMarkRefunded {
                    case_id: case.id.0,
                    amount: Money::from_minor(amount_minor, currency).to_string(),
                    order_id: order.order_id.to_string(),
                    approved_by: user.to_string(),
                };
                let mut post = Post::to(Address::Agents, Purpose::Refund(Some(draft)));
                // Manual processing, or Stripe on an order with no charge to refund: staff
                // issue the money and mark it.
                post.buttons = vec![(AgentAction::MarkRefunded.into(), "Mark refunded".into())];
                self.post(case.id, reply, post).await?;
            }
            Some(Decision::Deny { alternatives }) => {
                case.outcome = Outcome::Denied;
                case.state = if alternatives.is_empty() { CaseState::Closed } else { CaseState::AwaitingCustomer };
            }
            Some(Decision::Alternative { resolution }) => {
                case.resolution = Some(resolution);
                case.close(Outcome::Alternative);
            }
            // A reply written for a conversation handed over to a person: the agent carries on
            // outside the refund flow.
            None => case.close(Outcome::Cancelled),
        }
        Ok(())
    }

    async fn edit_draft(
        &mut self,
        user: &str,
        case: &mut Case,
        button: &ButtonRecord,
        text: &str,
    ) -> Result<Handled, EngineError> {
        let draft = match self.live_draft(button).await? {
            Ok(draft) => draft,
            Err(refusal) => return Ok(Err(refusal)),
        };
        self.tx.update_draft_text(draft.id, text).await?;
        let order = self.load_order(case).await?;
        let reply = self.agent_draft_reply(case, Some(&order), &format!("Edited by {user}"), text);
        let rendered = self.staff_text(case.id, &reply).await?;
        self.tx.edit_message(button.message.id, &rendered, EditButtons::Keep, self.now).await?;
        self.event(case.id, user, EventKind::Edited, &format!("draft {}: {text}", draft.id)).await?;
        Ok(Ok(()))
    }

    async fn reject(&mut self, user: &str, case: &mut Case, button: &ButtonRecord) -> Result<Handled, EngineError> {
        let draft = match self.settle_draft(user, case, button, DraftStatus::Rejected).await? {
            Ok(draft) => draft,
            Err(refusal) => return Ok(Err(refusal)),
        };
        self.event(
            case.id,
            user,
            EventKind::Rejected,
            &format!("draft {} discarded; the agent writes the reply", draft.id),
        )
        .await?;
        let mut post = Post::to(Address::Agents, Purpose::Rejected(draft.id));
        post.buttons = vec![(AgentAction::Edit.into(), "Write the reply".into())];
        post.expects = Some("text");
        self.post(case.id, Reply::AgentRejected { case_id: case.id.0, actor: user.into() }, post).await?;
        Ok(Ok(()))
    }

    /// The agent's own reply after a reject or a hand-off becomes a new draft to approve;
    /// the case's decision stays what it was.
    async fn write_reply(
        &mut self,
        user: &str,
        case: &mut Case,
        button: &ButtonRecord,
        text: &str,
    ) -> Result<(), EngineError> {
        let done =
            Reply::DraftDecided { case_id: case.id.0, action: "edited".into(), actor: user.into(), text: text.into() };
        let done = self.render(&done)?;
        self.tx.edit_message(button.message.id, &done, EditButtons::Remove, self.now).await?;
        let origin = DraftOrigin { kind: CUSTOM_DRAFT, heading: format!("Reply written by {user}") };
        let decision = case.decision.clone();
        let order = match case.order_id.is_some() {
            true => Some(self.load_order(case).await?),
            false => None,
        };
        self.propose(case, order.as_ref(), decision, text.to_string(), origin).await
    }

    async fn mark_refunded(
        &mut self,
        user: &str,
        case: &mut Case,
        button: &ButtonRecord,
        draft: DraftId,
    ) -> Result<Handled, EngineError> {
        let Some(Decision::Refund { amount_minor, currency, partial }) = case.decision.clone() else {
            return Ok(Err(Refusal::NoApprovedRefund));
        };
        let key = format!("draft:{draft}");
        let recorded =
            self.tx.record_refund(case, amount_minor, currency.code(), "manual", user, &key, self.now).await?;
        if !recorded {
            return Ok(Err(Refusal::RefundAlreadyRecorded));
        }
        let amount = Money::from_minor(amount_minor, currency);
        let done = Reply::RefundRecorded { case_id: case.id.0, amount: amount.to_string(), actor: user.into() };
        let done = self.render(&done)?;
        self.tx.edit_message(button.message.id, &done, EditButtons::Remove, self.now).await?;
        self.event(case.id, user, EventKind::Refunded, &format!("{amount} issued by staff (manual)")).await?;
        self.refund_issued(case, amount, partial).await?;
        Ok(Ok(()))
    }

    /// The money is on its way: the outcome follows what is left of the order, the customer is
    /// told how and when, and the feedback question is scheduled.
    pub(super) async fn refund_issued(
        &mut self,
        case: &mut Case,
        amount: Money,
        partial: bool,
    ) -> Result<(), EngineError> {
        let order = self.load_order(case).await?;
        case.outcome = if order.unrefunded().is_zero() { Outcome::Refunded } else { Outcome::PartiallyRefunded };
        case.state = CaseState::AwaitingFeedback;
        let reply = Reply::RefundIssued {
            amount: amount.to_string(),
            method: REFUND_METHOD.into(),
            timeline: REFUND_TIMELINE.into(),
            partial,
        };
        self.tell(case, reply, None, vec![]).await?;
        let followup = Duration::days(i64::from(self.engine.settings.sla.followup_days));
        self.tx.schedule(JobKind::Followup, case.id, self.now + followup).await?;
        Ok(())
    }
}
