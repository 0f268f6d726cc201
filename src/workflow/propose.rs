//! From a confirmed request to a decision proposal: the verdict, the draft agents approve,
//! or the escalation managers decide.

use super::engine::EngineError;
use super::managers::decision_buttons;
use super::turn::{Post, Turn};
use crate::domain::case::{Case, CaseState, Decision, Flag};
use crate::domain::timeline::EventKind;
use crate::domain::Address;
use crate::domain::{AgentAction, ButtonAction, JobKind, Purpose};
use crate::domain::{Money, Order, Resolution};
use crate::events::{APPROVE_EMOJI, DENY_EMOJI};
use crate::policy::{self, History, RefundRequest, Verdict, VerdictOutcome};
use crate::replies::Reply;
use chrono::Duration;

/// How a draft came about, shown as the heading of the agents' post.
pub(super) struct DraftOrigin {
    pub kind: &'static str,
    pub heading: String,
}

impl Turn<'_> {
    pub(super) async fn load_order(&mut self, case: &Case) -> Result<Order, EngineError> {
        let id =
            case.order_id.as_ref().ok_or_else(|| EngineError::Internal(format!("case {} has no order", case.id)))?;
        self.tx
            .find_order(id)
            .await?
            .ok_or_else(|| EngineError::Internal(format!("order {id} of case {} is gone", case.id)))
    }

    /// The customer confirmed: decide what to propose and tell them it is with the team.
    pub(super) async fn submit(&mut self, case: &mut Case) -> Result<(), EngineError> {
        let order = self.load_order(case).await?;
        let resolution = case.resolution.unwrap_or(Resolution::Refund);
        if resolution != Resolution::Refund {
            let text = self.render_for(
                case,
                &Reply::AlternativeConfirmed {
                    product: order.product.clone(),
                    resolution_label: resolution.label().into(),
                },
            )?;
            let origin = DraftOrigin {
                kind: "alternative",
                heading: format!("Request for {}", resolution.label().to_lowercase()),
            };
            self.propose(case, Some(&order), Some(Decision::Alternative { resolution }), text, origin).await?;
            return self.acknowledge(case, false).await;
        }
        let verdict = self.evaluate(case, &order).await?;
        self.event(
            case.id,
            "bot",
            EventKind::Verdict,
            &format!("{} ({}): {}", outcome_code(&verdict), verdict.rule, verdict.rules.join(" ")),
        )
        .await?;
        if verdict.repeat_refunder {
            case.flag(Flag::RepeatRefunder);
        }
        case.verdict = Some(verdict.clone());
        case.policy_hash = Some(verdict.policy_hash.clone());
        // Part of a spike: the case waits for the managers' one decision on the incident.
        if self.join_spike(case, &order).await? {
            return self.acknowledge(case, true).await;
        }
        let escalated = self.proceed_with_verdict(case, &order, &verdict).await?;
        self.acknowledge(case, escalated).await
    }

    /// The draft the verdict calls for, or the escalation to managers (true then).
    pub(super) async fn proceed_with_verdict(
        &mut self,
        case: &mut Case,
        order: &Order,
        verdict: &Verdict,
    ) -> Result<bool, EngineError> {
        let order = order.clone();
        let verdict = verdict.clone();
        let origin = DraftOrigin { kind: "verdict", heading: "New refund request".into() };
        match verdict.outcome {
            VerdictOutcome::FullRefund => {
                let reply = Reply::Approved {
                    product: order.product.clone(),
                    order_id: order.order_id.to_string(),
                    amount: verdict.amount().to_string(),
                    rules: verdict.rules.clone(),
                };
                let text = self.render_for(case, &reply)?;
                self.propose(case, Some(&order), Some(Decision::refund(verdict.amount(), false)), text, origin).await?;
            }
            VerdictOutcome::PartialRefund => {
                let reply = Reply::ApprovedPartial {
                    product: order.product.clone(),
                    order_id: order.order_id.to_string(),
                    amount: verdict.amount().to_string(),
                    amount_paid: order.amount.to_string(),
                    percent: verdict.percent.unwrap_or(0),
                    rules: verdict.rules.clone(),
                };
                let text = self.render_for(case, &reply)?;
                self.propose(case, Some(&order), Some(Decision::refund(verdict.amount(), true)), text, origin).await?;
            }
            VerdictOutcome::NotEligible => {
                let reply = Reply::Denied {
                    product: order.product.clone(),
                    order_id: order.order_id.to_string(),
                    rules: verdict.rules.clone(),
                    alternatives: labels(&verdict.alternatives),
                };
                let text = self.render_for(case, &reply)?;
                let decision = Decision::Deny { alternatives: verdict.alternatives.clone() };
                self.propose(case, Some(&order), Some(decision), text, origin).await?;
            }
            VerdictOutcome::ManagerReview => {
                self.escalate(case, &order, &verdict).await?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn evaluate(&mut self, case: &Case, order: &Order) -> Result<Verdict, EngineError> {
        let same_email_orders =
            self.tx.orders_by_email(&order.email).await?.into_iter().filter(|o| o.order_id != order.order_id).collect();
        let history = History { same_email_orders, refunds_at: self.tx.refund_times_for_email(&order.email).await? };
        let request = RefundRequest {
            reason: case.reason.unwrap_or(crate::domain::Reason::Other),
            requested_at: case.requested_at,
        };
        Ok(policy::evaluate(&self.engine.policy(), order, &request, &history))
    }

    async fn acknowledge(&mut self, case: &Case, escalated: bool) -> Result<(), EngineError> {
        let sla = &self.engine.settings.sla;
        let reply = if escalated {
            Reply::EscalatedAck { case_id: case.id.0, reply_within: hours_words(sla.manager_reminder_hours) }
        } else {
            Reply::Submitted { case_id: case.id.0, reply_within: minutes_words(sla.agent_reminder_minutes) }
        };
        self.tell(case, reply, None, vec![]).await?;
        Ok(())
    }

    /// Posts a draft reply to agents with approve / edit / reject; approving it does `decision`.
    pub(super) async fn propose(
        &mut self,
        case: &mut Case,
        order: Option<&Order>,
        decision: Option<Decision>,
        text: String,
        origin: DraftOrigin,
    ) -> Result<(), EngineError> {
        let decision_json = serde_json::to_string(&decision).map_err(|e| EngineError::Internal(e.to_string()))?;
        let draft_id = self.tx.insert_draft(case.id, origin.kind, &text, &decision_json, self.now).await?;
        let buttons = match origin.kind {
            CUSTOM_DRAFT => custom_draft_buttons(decision.as_ref(), order),
            _ => draft_buttons(),
        };
        case.decision = decision;
        case.state = CaseState::AwaitingAgent;
        let reply = self.agent_draft_reply(case, order, &origin.heading, &text);
        let mut post = Post::to(Address::Agents, Purpose::Draft(draft_id));
        post.buttons = buttons;
        let message = self.post(case.id, reply, post).await?;
        self.tx.set_draft_message(draft_id, message).await?;
        self.event(case.id, "bot", EventKind::Draft, &format!("{}: draft {draft_id} posted to agents", origin.heading))
            .await?;
        self.schedule_agent_reminder(case).await
    }

    pub(super) fn agent_draft_reply(&self, case: &Case, order: Option<&Order>, heading: &str, draft: &str) -> Reply {
        let verdict = case.verdict.as_ref();
        let unknown = || "—".to_string();
        Reply::AgentDraft {
            case_id: case.id.0,
            heading: heading.to_string(),
            customer: case.customer.to_string(),
            order_id: order.map_or_else(unknown, |o| o.order_id.to_string()),
            product: order.map_or_else(unknown, |o| o.product.clone()),
            amount_paid: order.map_or_else(unknown, |o| o.amount.to_string()),
            reason_label: case.reason.map_or("—", |r| r.label()).to_string(),
            details: case.details.clone().unwrap_or_default(),
            resolution_label: case.resolution.map_or("—", |r| r.label()).to_string(),
            verdict_label: verdict.map_or_else(|| "No policy check (not a refund)".to_string(), verdict_label),
            verdict_amount: match &case.decision {
                Some(Decision::Refund { amount_minor, currency, .. }) => {
                    Money::from_minor(*amount_minor, *currency).to_string()
                }
                _ => "nothing".to_string(),
            },
            rules: verdict.map(|v| v.rules.clone()).unwrap_or_default(),
            flags: case.flags.iter().map(|f| f.code().to_string()).collect(),
            draft: draft.to_string(),
        }
    }

    /// Outside the policy: managers are pinged and decide by reacting (or with the buttons).
    async fn escalate(&mut self, case: &mut Case, order: &Order, verdict: &Verdict) -> Result<(), EngineError> {
        let escalation = self.tx.insert_escalation(case.id, self.now).await?;
        case.state = CaseState::AwaitingManager;
        let reply = Reply::ManagerEscalation {
            case_id: case.id.0,
            customer: case.customer.to_string(),
            order_id: order.order_id.to_string(),
            product: order.product.clone(),
            amount_paid: order.amount.to_string(),
            verdict_amount: verdict.amount().to_string(),
            reason_label: case.reason.map_or("—", |r| r.label()).to_string(),
            details: case.details.clone().unwrap_or_default(),
            rules: verdict.rules.clone(),
            flags: case.flags.iter().map(|f| f.code().to_string()).collect(),
        };
        let mut post = Post::to(Address::Managers, Purpose::Escalation(escalation));
        post.mentions = vec!["role:managers".into()];
        post.reactions = vec![APPROVE_EMOJI.into(), DENY_EMOJI.into()];
        post.buttons = decision_buttons();
        let message = self.post(case.id, reply, post).await?;
        self.tx.set_escalation_message(escalation, message).await?;
        self.event(case.id, "bot", EventKind::Escalated, "outside the policy: asked managers to decide").await?;
        let hours = Duration::hours(i64::from(self.engine.settings.sla.manager_reminder_hours));
        self.tx.schedule(JobKind::ManagerReminder, case.id, self.now + hours).await?;
        Ok(())
    }

    pub(super) async fn schedule_agent_reminder(&mut self, case: &Case) -> Result<(), EngineError> {
        let minutes = Duration::minutes(i64::from(self.engine.settings.sla.agent_reminder_minutes));
        self.tx.schedule(JobKind::AgentReminder, case.id, self.now + minutes).await?;
        Ok(())
    }
}

/// The origin of a draft an agent wrote themselves (after a reject or a hand-off).
pub(super) const CUSTOM_DRAFT: &str = "custom";

/// An agent's own reply says in words what happens; the buttons make the agent say whether
/// money moves, rather than the earlier draft's decision deciding it silently.
fn custom_draft_buttons(decision: Option<&Decision>, order: Option<&Order>) -> Vec<(ButtonAction, String)> {
    let mut buttons = match (decision, order) {
        (Some(Decision::Refund { amount_minor, currency, .. }), _) => vec![
            (AgentAction::Approve.into(), format!("Send & refund {}", Money::from_minor(*amount_minor, *currency))),
            (AgentAction::ApproveNoRefund.into(), "Send, no refund".into()),
        ],
        (_, Some(order)) if !order.unrefunded().is_zero() => vec![
            (AgentAction::Approve.into(), "Send, no refund".into()),
            (AgentAction::ApproveFullRefund.into(), format!("Send & refund {}", order.unrefunded())),
        ],
        _ => vec![(AgentAction::Approve.into(), "Approve & send".into())],
    };
    buttons.extend(edit_and_reject());
    buttons
}

pub(super) fn draft_buttons() -> Vec<(ButtonAction, String)> {
    let mut buttons = vec![(AgentAction::Approve.into(), "Approve & send".into())];
    buttons.extend(edit_and_reject());
    buttons
}

fn edit_and_reject() -> [(ButtonAction, String); 2] {
    [(AgentAction::Edit.into(), "Edit".into()), (AgentAction::Reject.into(), "Reject".into())]
}

pub(super) fn labels(resolutions: &[Resolution]) -> Vec<String> {
    resolutions.iter().map(|r| r.label().to_string()).collect()
}

fn outcome_code(verdict: &Verdict) -> &'static str {
    match verdict.outcome {
        VerdictOutcome::FullRefund => "full_refund",
        VerdictOutcome::PartialRefund => "partial_refund",
        VerdictOutcome::NotEligible => "not_eligible",
        VerdictOutcome::ManagerReview => "manager_review",
    }
}

fn verdict_label(verdict: &Verdict) -> String {
    match verdict.outcome {
        VerdictOutcome::FullRefund => "Full refund".to_string(),
        VerdictOutcome::PartialRefund => {
            format!("Partial refund ({}%)", verdict.percent.unwrap_or(0))
        }
        VerdictOutcome::NotEligible => "Not eligible under the policy".to_string(),
        VerdictOutcome::ManagerReview => "Manager review".to_string(),
    }
}

pub(super) fn minutes_words(minutes: u32) -> String {
    match minutes {
        0..=59 => format!("{minutes} minutes"),
        60 => "an hour".to_string(),
        m if m % 60 == 0 => format!("{} hours", m / 60),
        m => format!("{m} minutes"),
    }
}

pub(super) fn hours_words(hours: u32) -> String {
    match hours {
        1 => "an hour".to_string(),
        h if h % 24 == 0 && h >= 48 => format!("{} days", h / 24),
        h => format!("{h} hours"),
    }
}
