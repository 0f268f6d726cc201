//! Spike incidents: when one product (or one product and reason) gets far more requests than
//! usual, its cases become one incident with one managers' post and one ping. A manager's ✅
//! refunds every open case of it as an exception (drafts agents approve together, or sent at
//! once with `bulk_send`); ❌ lets each case go its normal way. Each case's timeline says so.

use super::engine::EngineError;
use super::managers::{decision_buttons, Gesture};
use super::propose::DraftOrigin;
use super::refusal::{Handled, Refusal};
use super::settings::IncidentRules;
use super::turn::Turn;
use crate::domain::case::{Case, CaseState, Decision};
use crate::domain::timeline::EventKind;
use crate::domain::{Address, AgentAction, CaseId, IncidentId, JobKind, MessageId, Order, Purpose, Reason};
use crate::events::{APPROVE_EMOJI, DENY_EMOJI};
use crate::replies::Reply;
use crate::store::{ButtonRecord, EditButtons, EscalationStatus, IncidentRecord, IncidentState, NewMessage};
use chrono::Duration;

/// How far back the usual rate of requests is measured, before the window.
const BASELINE_DAYS: i64 = 28;

impl Turn<'_> {
    /// After a verdict: joins the open incident about this product, or opens one when this
    /// request makes a spike. True when the case now waits for the incident's decision.
    pub(super) async fn join_spike(&mut self, case: &mut Case, order: &Order) -> Result<bool, EngineError> {
        let (Some(rules), Some(reason)) = (self.engine.settings.incidents.clone(), case.reason) else {
            return Ok(false);
        };
        if let Some(incident) = self.tx.open_incident_for(&order.sku, Some(reason)).await? {
            self.join(case, &incident, &rules).await?;
            return Ok(true);
        }
        // The narrower spike first: "module 3 is broken" is one reason of one product.
        for scope in [Some(reason), None] {
            let Some((count, usual)) = self.spike(&order.sku, scope, case.id, &rules).await? else {
                continue;
            };
            let Some(id) = self.tx.create_incident(&order.sku, &order.product, scope, self.now).await? else {
                // Another request opened it first: join that one.
                let Some(incident) = self.tx.open_incident_for(&order.sku, Some(reason)).await? else {
                    return Ok(false);
                };
                self.join(case, &incident, &rules).await?;
                return Ok(true);
            };
            self.open_incident(case, order, id, scope, &rules, count, usual).await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// `Some((requests in the window, the usual number in as long))` when they make a spike.
    async fn spike(
        &mut self,
        sku: &str,
        reason: Option<Reason>,
        case: CaseId,
        rules: &IncidentRules,
    ) -> Result<Option<(i64, f64)>, EngineError> {
        let window_start = self.now - Duration::hours(i64::from(rules.window_hours));
        if self.tx.incident_decided_since(sku, window_start).await? {
            return Ok(None);
        }
        let (recent, usual) = self.rates(sku, reason, case, rules).await?;
        let spike = recent >= i64::from(rules.min_cases) && recent as f64 > rules.factor * usual;
        Ok(spike.then_some((recent, usual)))
    }

    /// Requests in the window (this one included) and the usual number in as long, from the
    /// 28 days before the window.
    async fn rates(
        &mut self,
        sku: &str,
        reason: Option<Reason>,
        case: CaseId,
        rules: &IncidentRules,
    ) -> Result<(i64, f64), EngineError> {
        let window = Duration::hours(i64::from(rules.window_hours));
        let start = self.now - window;
        let recent = self.tx.requests_for_product(sku, reason, start, self.now + Duration::seconds(1), case).await? + 1;
        let before =
            self.tx.requests_for_product(sku, reason, start - Duration::days(BASELINE_DAYS), start, case).await?;
        let usual = before as f64 * window.num_minutes() as f64 / Duration::days(BASELINE_DAYS).num_minutes() as f64;
        Ok((recent, usual))
    }

    #[allow(clippy::too_many_arguments)]
    async fn open_incident(
        &mut self,
        case: &mut Case,
        order: &Order,
        id: IncidentId,
        scope: Option<Reason>,
        rules: &IncidentRules,
        count: i64,
        usual: f64,
    ) -> Result<(), EngineError> {
        let since = self.now - Duration::hours(i64::from(rules.window_hours));
        for other in self.tx.cases_for_new_incident(&order.sku, scope, since).await? {
            if other != case.id && self.tx.join_incident(id, other, self.now).await? {
                self.event(other, "bot", EventKind::Incident, &format!("part of incident {id} ({})", order.product))
                    .await?;
            }
        }
        self.hold(case, id).await?;
        let reply = self.incident_post(id, &order.product, scope, rules.window_hours, count, usual).await?;
        let text = self.render(&reply)?;
        let mut message = NewMessage::new(Address::Managers, Purpose::Incident(id), text);
        // One ping for the whole spike, never one per case.
        message.mentions = vec!["role:managers".into()];
        message.reactions = vec![APPROVE_EMOJI.into(), DENY_EMOJI.into()];
        let label = |label: String| self.engine.replies.label_in(None, &label);
        message.buttons = decision_buttons().into_iter().map(|(action, text)| (action, label(text))).collect();
        let posted = self.tx.send(message, self.now).await?;
        self.tx.set_incident_message(id, posted).await?;
        tracing::info!(incident = id.0, sku = %order.sku, count, "spike: incident opened");
        Ok(())
    }

    /// A later request joins an open incident: its post shows it, managers are told without a ping.
    async fn join(
        &mut self,
        case: &mut Case,
        incident: &IncidentRecord,
        rules: &IncidentRules,
    ) -> Result<(), EngineError> {
        self.hold(case, incident.id).await?;
        let cases = self.tx.incident_cases(incident.id).await?.len();
        if let Some(message) = incident.message_id {
            let (count, usual) = self.rates(&incident.sku, incident.reason, case.id, rules).await?;
            let (product, scope, hours) = (&incident.product, incident.reason, rules.window_hours);
            let reply = self.incident_post(incident.id, product, scope, hours, count, usual).await?;
            let text = self.render(&reply)?;
            self.tx.edit_message(message, &text, EditButtons::Keep, self.now).await?;
        }
        let note = Reply::ManagerIncidentJoined { incident_id: incident.id.0, case_id: case.id.0, count: cases };
        let text = self.render(&note)?;
        let mut message = NewMessage::new(Address::Managers, Purpose::Notice, text);
        message.case_id = Some(case.id);
        self.tx.send(message, self.now).await?;
        Ok(())
    }

    /// The case joins the incident and waits for its decision.
    async fn hold(&mut self, case: &mut Case, id: IncidentId) -> Result<(), EngineError> {
        self.tx.join_incident(id, case.id, self.now).await?;
        case.state = CaseState::AwaitingManager;
        self.event(
            case.id,
            "bot",
            EventKind::Incident,
            &format!("part of incident {id}: waits for the managers' decision"),
        )
        .await
    }

    /// The managers' post: every case of the incident so far, with the figures of the spike.
    async fn incident_post(
        &mut self,
        id: IncidentId,
        product: &str,
        scope: Option<Reason>,
        window_hours: u32,
        count: i64,
        usual: f64,
    ) -> Result<Reply, EngineError> {
        let cases = self.tx.incident_cases(id).await?;
        let mut lines: Vec<String> = cases
            .iter()
            .map(|c| {
                let reason = c.reason.map_or("—", |r| r.label());
                let words = c.details.clone().unwrap_or_default();
                format!("#{} · {} · {reason}: {words}", c.case_id, c.customer)
            })
            .collect();
        // A post has a length limit; the timeline of each case has the rest.
        lines.truncate(40);
        Ok(Reply::ManagerIncident {
            incident_id: id.0,
            product: product.to_string(),
            reason_label: scope.map_or(String::new(), |r| r.label().to_string()),
            window_hours,
            count: usize::try_from(count).unwrap_or(cases.len()),
            usual: format!("{usual:.1}"),
            cases: lines,
        })
    }

    /// ✅ / ❌ (or a button) on an incident's post: only a manager's counts, and only the first,
    /// once for all.
    pub(super) async fn incident_reaction(
        &mut self,
        user: &str,
        message: MessageId,
        id: IncidentId,
        approve: bool,
        gesture: Gesture,
    ) -> Result<Handled, EngineError> {
        if !self.engine.is_manager(user, &self.roles) {
            if let Gesture::Reaction(emoji) = &gesture {
                self.tx.unreact(None, message, user, emoji, self.now).await?;
            }
            return Ok(Err(Refusal::NotAManager { gesture }));
        }
        let state = if approve { IncidentState::Approved } else { IncidentState::Denied };
        let Some(incident) = self.tx.find_incident(id).await? else {
            return Ok(Ok(()));
        };
        if !self.tx.decide_incident(id, state, user, self.now).await? {
            let decided_by = incident.decided_by.unwrap_or_default();
            return Ok(Err(Refusal::IncidentAlreadyDecided { incident: id, decided_by }));
        }
        let cases = self.tx.incident_cases(id).await?;
        let bulk_send = self.engine.settings.incidents.as_ref().is_some_and(|r| r.bulk_send);
        let decided = Reply::ManagerIncidentDecided {
            incident_id: id.0,
            product: incident.product.clone(),
            count: cases.len(),
            approved: approve,
            actor: user.into(),
            bulk_send,
        };
        let decided = self.render(&decided)?;
        self.tx.edit_message(message, &decided, EditButtons::Remove, self.now).await?;
        self.tx.react(None, message, gesture.emoji(), self.now).await?;
        let mut drafts = 0;
        for member in cases.iter().filter(|c| c.outcome == "open") {
            let Some(mut case) = self.tx.load_case(member.case_id).await? else { continue };
            if !matches!(case.state, CaseState::AwaitingAgent | CaseState::AwaitingManager) {
                continue;
            }
            if approve {
                self.refund_with_incident(user, &mut case, id).await?;
                drafts += 1;
            } else {
                self.release_from_incident(user, &mut case, id).await?;
            }
            self.save(&case).await?;
        }
        if approve && drafts > 0 {
            if bulk_send {
                self.approve_incident_drafts(user, id).await?;
            } else {
                let reply = Reply::AgentIncidentDrafts {
                    incident_id: id.0,
                    product: incident.product.clone(),
                    actor: user.into(),
                    count: drafts,
                };
                let text = self.render(&reply)?;
                let mut post = NewMessage::new(Address::Agents, Purpose::IncidentDrafts(id), text);
                post.buttons = vec![(AgentAction::ApproveIncident.into(), format!("Approve all {drafts}"))];
                self.tx.send(post, self.now).await?;
            }
        }
        Ok(Ok(()))
    }

    /// ✅: the case is refunded as an exception (what is left of the order), through a draft.
    async fn refund_with_incident(&mut self, user: &str, case: &mut Case, id: IncidentId) -> Result<(), EngineError> {
        if let Some(escalation) = self.tx.pending_escalation(case.id).await? {
            self.tx.decide_escalation(escalation.id, EscalationStatus::Approved, user, self.now).await?;
            self.tx.cancel_job(JobKind::ManagerReminder, case.id).await?;
        }
        let order = self.load_order(case).await?;
        let left = order.unrefunded();
        let partial = left.minor() < order.amount.minor();
        let detail = format!("decided with incident {id} by {user}: refund of {left} as an exception");
        self.event(case.id, user, EventKind::Incident, &detail).await?;
        let reply = Reply::ExceptionApproved {
            product: order.product.clone(),
            order_id: order.order_id.to_string(),
            amount: left.to_string(),
            partial,
        };
        let text = self.render(&reply)?;
        let origin = DraftOrigin { kind: "incident", heading: format!("Incident {id} approved by {user}") };
        self.propose(case, Some(&order), Some(Decision::refund(left, partial)), text, origin).await
    }

    /// ❌: a case the incident held goes its normal way (the draft or escalation its verdict
    /// calls for); one already with agents or managers stays where it is.
    async fn release_from_incident(&mut self, user: &str, case: &mut Case, id: IncidentId) -> Result<(), EngineError> {
        let detail = format!("incident {id} denied by {user}: the case goes its normal way");
        self.event(case.id, user, EventKind::Incident, &detail).await?;
        let held = case.state == CaseState::AwaitingManager && self.tx.pending_escalation(case.id).await?.is_none();
        let (true, Some(verdict)) = (held, case.verdict.clone()) else {
            return Ok(());
        };
        let order = self.load_order(case).await?;
        self.proceed_with_verdict(case, &order, &verdict).await?;
        Ok(())
    }

    /// The one button on an approved incident's agents' post.
    pub(super) async fn on_incident_drafts_click(
        &mut self,
        user: &str,
        button: &ButtonRecord,
    ) -> Result<Handled, EngineError> {
        if !self.engine.is_agent(user, &self.roles) {
            return Ok(Err(Refusal::NotAnAgent { action: button.action.clone() }));
        }
        let Purpose::IncidentDrafts(id) = button.message.purpose else {
            return Ok(Err(Refusal::ActionDoesNothing {
                action: button.action.clone(),
                purpose: button.message.purpose,
            }));
        };
        let (approved, skipped) = self.approve_incident_drafts(user, id).await?;
        if approved + skipped == 0 {
            return Ok(Err(Refusal::NoIncidentDrafts));
        }
        let done = Reply::AgentIncidentDraftsDone { incident_id: id.0, actor: user.into(), approved, skipped };
        let done = self.render(&done)?;
        self.tx.edit_message(button.message.id, &done, EditButtons::Remove, self.now).await?;
        Ok(Ok(()))
    }

    /// Approves every waiting draft of the incident as `user`, as their Approve buttons would;
    /// returns (approved, refused).
    async fn approve_incident_drafts(&mut self, user: &str, id: IncidentId) -> Result<(usize, usize), EngineError> {
        let (mut approved, mut skipped) = (0, 0);
        for (case_id, draft) in self.tx.incident_drafts(id).await? {
            let button = match self.tx.approve_button_of_draft(draft).await? {
                Some(button) => self.tx.find_button(button).await?,
                None => None,
            };
            let (Some(button), Some(mut case)) = (button, self.tx.load_case(case_id).await?) else {
                skipped += 1;
                continue;
            };
            match self.approve(user, &mut case, &button).await? {
                Ok(()) => approved += 1,
                Err(refusal) => {
                    skipped += 1;
                    tracing::info!(case = case_id.0, ?refusal, "incident draft left to approve on its own");
                }
            }
            self.save(&case).await?;
        }
        Ok((approved, skipped))
    }
}
