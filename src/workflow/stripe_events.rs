//! Stripe webhook events, once each: refund updates settle the ledger like a job's answer; a
//! dispute flags its case (or opens one) and gives managers the evidence a reply to the bank
//! needs; a closed dispute is recorded, and a lost one counts as money returned.

use super::engine::{Engine, EngineError};
use super::turn::{Post, Turn};
use crate::domain::case::{Case, CaseState, Flag, Outcome};
use crate::domain::timeline::EventKind;
use crate::domain::Address;
use crate::domain::Purpose;
use crate::domain::{CaseId, ChatUserId, Currency, Money, Order};
use crate::payments::stripe::{Dispute, Refund};
use crate::payments::webhook::Event;
use crate::replies::Reply;
use crate::store::NewMessage;
use chrono::{DateTime, Utc};

/// The "customer" of a case opened by a dispute: the bank's, not a chat user's.
const DISPUTE_CUSTOMER_PREFIX: &str = "stripe:";
/// The customer's last messages quoted as evidence.
const TRANSCRIPT_MESSAGES: usize = 8;
const TRANSCRIPT_CHARS: usize = 300;

fn shortened(text: &str) -> String {
    match text.char_indices().nth(TRANSCRIPT_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl Engine {
    /// Handles one verified event in one transaction; an event id seen before is skipped
    /// (Stripe delivers at least once). Returns whether it was new.
    pub async fn handle_stripe_event(&self, event: &Event, now: DateTime<Utc>) -> Result<bool, EngineError> {
        if event.kind == "charge.dispute.created" {
            // Outside the transaction: the disputed order may be known only to Stripe.
            if let Some(charge) = event.data.object["charge"].as_str() {
                self.ensure_order_of_charge(charge, now).await?;
            }
        }
        let _one_at_a_time = self.serial.lock().await;
        let mut turn = Turn::begin(self, now).await?;
        if !turn.tx.first_sighting(&format!("stripe:{}", event.id), now).await? {
            return Ok(false);
        }
        let object = &event.data.object;
        match event.kind.as_str() {
            "refund.updated" | "refund.created" => {
                if let Ok(refund) = serde_json::from_value::<Refund>(object.clone()) {
                    turn.on_stripe_refund(refund).await?;
                }
            }
            "charge.refunded" => {
                // The charge carries its refunds; each settles its own ledger row.
                let refunds = object["refunds"]["data"].as_array().cloned();
                for refund in refunds.unwrap_or_default() {
                    if let Ok(refund) = serde_json::from_value::<Refund>(refund) {
                        turn.on_stripe_refund(refund).await?;
                    }
                }
            }
            "charge.dispute.created" | "charge.dispute.closed" => {
                match serde_json::from_value::<Dispute>(object.clone()) {
                    Ok(dispute) if event.kind.ends_with("created") => turn.on_dispute(&dispute).await?,
                    Ok(dispute) => turn.on_dispute_closed(&dispute).await?,
                    Err(e) => tracing::warn!(event = %event.id, "unreadable dispute: {e}"),
                }
            }
            other => tracing::debug!("Stripe event {other} ignored"),
        }
        turn.commit().await?;
        Ok(true)
    }
}

impl Turn<'_> {
    async fn on_stripe_refund(&mut self, refund: Refund) -> Result<(), EngineError> {
        let case = refund.metadata.get("case_id").and_then(|c| c.parse().ok()).map(CaseId);
        let Some(pending) = self.tx.pending_refund_for_event(&refund.id, case).await? else {
            // Not ours, or already settled by the job.
            return Ok(());
        };
        self.settle_from_event(pending, refund).await
    }

    /// A dispute opened: the case about the charge is flagged, or one is opened when nobody
    /// asked the bot about it; managers get the evidence a reply to the bank needs.
    async fn on_dispute(&mut self, dispute: &Dispute) -> Result<(), EngineError> {
        let charge = dispute.charge.as_str();
        let reason = dispute.reason_or_none();
        let mut case = match self.case_of_charge(charge).await? {
            Some(case) => case,
            None => match self.tx.find_order_by_charge(charge).await? {
                Some(order) => self.open_dispute_case(&order, dispute).await?,
                None => {
                    let reply = Reply::ManagerDisputeUnknownCharge {
                        dispute_id: dispute.id.clone(),
                        reason: reason.to_string(),
                        charge_id: charge.to_string(),
                    };
                    return self.alert_managers(None, reply).await;
                }
            },
        };
        if case.flag(Flag::ChargebackRisk) {
            self.event(case.id, "stripe", EventKind::Flagged, Flag::ChargebackRisk.code()).await?;
        }
        let detail = format!("dispute {} opened at Stripe: {reason}", dispute.id);
        self.event(case.id, "stripe", EventKind::Dispute, &detail).await?;
        let evidence = self.dispute_evidence(&case, dispute).await?;
        let mut post = Post::to(Address::Managers, Purpose::Alert);
        post.mentions = vec!["role:managers".into()];
        self.post(case.id, evidence, post).await?;
        self.save(&case).await
    }

    /// A case for a dispute on an order nobody asked about: it waits for managers, who answer
    /// the bank at Stripe; `charge.dispute.closed` closes it.
    async fn open_dispute_case(&mut self, order: &Order, dispute: &Dispute) -> Result<Case, EngineError> {
        let customer = ChatUserId::parse(&format!("{DISPUTE_CUSTOMER_PREFIX}{}", dispute.id));
        let id = self.tx.create_case(&customer, self.now).await?;
        let mut case =
            self.tx.load_case(id).await?.ok_or_else(|| EngineError::Internal(format!("case {id} vanished")))?;
        case.intake = None;
        case.state = CaseState::AwaitingManager;
        case.order_id = Some(order.order_id.clone());
        case.email = Some(order.email.clone());
        let reason = dispute.reason_or_none();
        case.details = Some(format!("Stripe dispute {}: {reason}", dispute.id));
        let detail = format!("dispute {} on {} with no refund request before it", dispute.id, order.order_id);
        self.event(id, "stripe", EventKind::Opened, &detail).await?;
        Ok(case)
    }

    async fn dispute_evidence(&mut self, case: &Case, dispute: &Dispute) -> Result<Reply, EngineError> {
        let order = self.load_order(case).await?;
        let usage = order.usage.iter().map(|(metric, value)| format!("{metric} {value}")).collect::<Vec<_>>();
        let due_by = dispute
            .evidence_details
            .as_ref()
            .and_then(|e| e.due_by)
            .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string());
        let timeline = self.tx.timeline(case.id).await?;
        let customer = case.customer.to_string();
        let said = timeline.iter().filter(|e| e.kind == EventKind::Message && e.actor == customer);
        let mut transcript: Vec<String> = said.map(|e| shortened(&e.detail)).collect();
        transcript.drain(..transcript.len().saturating_sub(TRANSCRIPT_MESSAGES));
        Ok(Reply::ManagerDispute {
            case_id: case.id.0,
            dispute_id: dispute.id.clone(),
            reason: dispute.reason_or_none().to_string(),
            order_id: order.order_id.to_string(),
            product: order.product.clone(),
            amount_paid: order.amount.to_string(),
            purchased_on: order.purchased_at.format("%Y-%m-%d").to_string(),
            charge_id: dispute.charge.clone(),
            due_by: due_by.unwrap_or_default(),
            usage: usage.join(", "),
            rules: case.verdict.as_ref().map(|v| v.rules.clone()).unwrap_or_default(),
            // Enough of the hash to tell policy versions apart in chat.
            policy_hash: case.verdict.as_ref().map(|v| v.policy_hash.chars().take(12).collect()).unwrap_or_default(),
            transcript,
        })
    }

    /// A dispute closed: the timeline and managers hear how; a lost dispute is money returned,
    /// recorded in the ledger so the order cannot be refunded a second time.
    async fn on_dispute_closed(&mut self, dispute: &Dispute) -> Result<(), EngineError> {
        let Some(mut case) = self.case_of_charge(&dispute.charge).await? else {
            tracing::warn!(dispute = %dispute.id, "a dispute closed on a charge no case refers to");
            return Ok(());
        };
        let status = dispute.status.clone().unwrap_or_else(|| "closed".into());
        let lost = status == "lost";
        self.event(case.id, "stripe", EventKind::DisputeClosed, &format!("dispute {} {status}", dispute.id)).await?;
        let order = self.load_order(&case).await?;
        let currency = Currency::parse(&dispute.currency).unwrap_or(order.amount.currency());
        let amount = Money::from_minor(dispute.amount, currency);
        if lost {
            let key = format!("dispute:{}", dispute.id);
            self.tx.record_refund(&case, dispute.amount, currency.code(), "dispute", "stripe", &key, self.now).await?;
        }
        if case.customer.to_string().starts_with(DISPUTE_CUSTOMER_PREFIX) && case.state != CaseState::Closed {
            let outcome = match (lost, dispute.amount < order.amount.minor()) {
                (true, true) => Outcome::PartiallyRefunded,
                (true, false) => Outcome::Refunded,
                (false, _) => Outcome::Denied,
            };
            case.close(outcome);
        }
        let reply = Reply::ManagerDisputeClosed {
            case_id: case.id.0,
            dispute_id: dispute.id.clone(),
            status,
            lost,
            amount: amount.to_string(),
        };
        self.post(case.id, reply, Post::to(Address::Managers, Purpose::Alert)).await?;
        self.save(&case).await
    }

    async fn case_of_charge(&mut self, charge: &str) -> Result<Option<Case>, EngineError> {
        match self.tx.case_for_charge(charge).await? {
            Some(id) => Ok(self.tx.load_case(id).await?),
            None => Ok(None),
        }
    }

    async fn alert_managers(&mut self, case: Option<CaseId>, reply: Reply) -> Result<(), EngineError> {
        let text = self.render(&reply)?;
        let mut message = NewMessage::new(Address::Managers, Purpose::Alert, text);
        message.case_id = case;
        message.mentions = vec!["role:managers".into()];
        self.tx.send(message, self.now).await?;
        Ok(())
    }
}
