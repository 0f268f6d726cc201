//! Stripe webhook events, once each: refund updates settle the ledger like a job's answer,
//! and a dispute flags the case and alerts managers with the evidence a dispute needs.

use super::case::FLAG_CHARGEBACK;
use super::engine::{Engine, EngineError};
use super::turn::Turn;
use crate::domain::CaseId;
use crate::events::MANAGERS;
use crate::payments::stripe::Refund;
use crate::payments::webhook::Event;
use crate::store::NewMessage;
use chrono::{DateTime, Utc};

impl Engine {
    /// Handles one verified event in one transaction; an event id seen before is skipped
    /// (Stripe delivers at least once). Returns whether it was new.
    pub async fn handle_stripe_event(&self, event: &Event, now: DateTime<Utc>) -> Result<bool, EngineError> {
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
            "charge.dispute.created" => {
                let charge = object["charge"].as_str().unwrap_or_default();
                let dispute = object["id"].as_str().unwrap_or_default();
                let reason = object["reason"].as_str().unwrap_or("no reason given");
                turn.on_dispute(charge, dispute, reason).await?;
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

    async fn on_dispute(&mut self, charge: &str, dispute: &str, reason: &str) -> Result<(), EngineError> {
        let Some(case_id) = self.tx.case_for_charge(charge).await? else {
            let text = format!("🚨 Dispute {dispute} ({reason}) opened on charge {charge}, which no case refers to.");
            return self.alert_managers(None, text).await;
        };
        let Some(mut case) = self.tx.load_case(case_id).await? else {
            return Ok(());
        };
        if case.flag(FLAG_CHARGEBACK) {
            self.event(case.id, "stripe", "flagged", "chargeback_risk").await?;
        }
        let detail = format!("dispute {dispute} opened at Stripe: {reason}");
        self.event(case.id, "stripe", "dispute", &detail).await?;
        let order = self.load_order(&case).await?;
        let usage =
            order.usage.iter().map(|(metric, value)| format!("{metric} {value}")).collect::<Vec<_>>().join(", ");
        let policy = case.verdict.as_ref().map_or_else(
            || "no verdict yet".to_string(),
            |v| format!("verdict {} under policy {}", v.rule, v.policy_hash),
        );
        let text = format!(
            "🚨 Case #{}: dispute {dispute} ({reason}) on {} ({}, {}), charge {charge}.\n\
             Evidence: usage {}; {policy}; transcript and timeline: `refund-bot case show {}`.",
            case.id,
            order.order_id,
            order.product,
            order.amount,
            if usage.is_empty() { "none recorded".into() } else { usage },
            case.id
        );
        self.alert_managers(Some(case.id), text).await?;
        self.save(&case).await
    }

    async fn alert_managers(&mut self, case: Option<CaseId>, text: String) -> Result<(), EngineError> {
        let message = NewMessage {
            case_id: case,
            to: MANAGERS.to_string(),
            purpose: "alert".into(),
            text,
            mentions: vec!["role:managers".into()],
            ..NewMessage::default()
        };
        self.tx.send(message, self.now).await?;
        Ok(())
    }
}
