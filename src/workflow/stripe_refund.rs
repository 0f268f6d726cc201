//! Refunds through Stripe, exactly once: the ledger row is written before any call, every
//! attempt sends the row's idempotency key, the HTTP call happens outside any transaction, and
//! the customer hears "issued" only when Stripe says `succeeded`.

use super::engine::{Engine, EngineError};
use super::refusal::Refusal;
use super::turn::{Post, Turn};
use crate::domain::case::{Case, Decision, Flag};
use crate::domain::timeline::EventKind;
use crate::domain::{Address, Currency, Money, Order};
use crate::domain::{AgentAction, CaseId, DraftId, JobKind, Purpose};
use crate::payments::stripe::{Client, NewRefund, Refund, RefundStatus, StripeError, Target};
use crate::replies::Reply;
use crate::store::{NewProcessorRefund, PendingRefund};
use chrono::{DateTime, Duration, Utc};

/// The scheduled job that calls Stripe for a case's pending refund.
const STRIPE_JOB: JobKind = JobKind::StripeRefund;

/// An attempt with no clear answer (crash, timeout, 5xx) runs again after this, with the same
/// key; the job is moved here before the call, so even a crash mid-call is retried. Doubles
/// from 5 minutes up to 6 hours, so an outage is not hammered.
fn retry_after(attempts_before: i64) -> Duration {
    let minutes = 5i64 << attempts_before.clamp(0, 7);
    Duration::minutes(minutes.min(6 * 60))
}

/// Stripe said `pending`/`requires_action`: look again this much later.
fn recheck_after() -> Duration {
    Duration::hours(1)
}

/// One call to make, read and committed before the call goes out.
pub(super) struct Attempt {
    refund: PendingRefund,
    target: Target,
}

fn target_of(order: &Order) -> Option<Target> {
    match (&order.charge_id, &order.payment_intent_id) {
        (Some(charge), _) => Some(Target::Charge(charge.clone())),
        (None, Some(intent)) => Some(Target::PaymentIntent(intent.clone())),
        (None, None) => None,
    }
}

impl Engine {
    /// Calls Stripe for an attempt without holding a transaction or the engine's lock, then
    /// records the answer in a transaction of its own.
    pub(super) async fn call_stripe(&self, attempt: Attempt, now: DateTime<Utc>) -> Result<(), EngineError> {
        let client = self.settings.stripe.clone().ok_or_else(|| EngineError::Internal("no Stripe client".into()))?;
        let refund = &attempt.refund;
        let result = match &refund.processor_refund_id {
            // Stripe already has it: follow its status rather than create it again.
            Some(id) => client.retrieve_refund(id).await,
            None => match reconcile(&client, &attempt).await {
                Ok(Some(found)) => Ok(found),
                Ok(None) => {
                    client
                        .create_refund(&NewRefund {
                            target: &attempt.target,
                            amount_minor: refund.amount_minor,
                            case_id: refund.case_id.0,
                            idempotency_key: &refund.idempotency_key,
                        })
                        .await
                }
                Err(e) => Err(e),
            },
        };
        let _one_at_a_time = self.serial.lock().await;
        let mut turn = Turn::begin(self, now).await?;
        turn.finish_stripe_attempt(&attempt, result).await?;
        turn.commit().await
    }
}

/// Before a retry of an attempt whose answer never came: the refund Stripe may already have
/// made for this case, found by our `metadata[case_id]` and amount. This is what keeps a retry
/// safe once Stripe has forgotten the idempotency key (after 24 hours).
async fn reconcile(client: &Client, attempt: &Attempt) -> Result<Option<Refund>, StripeError> {
    if attempt.refund.attempts == 0 {
        return Ok(None);
    }
    let case = attempt.refund.case_id.0.to_string();
    let refunds = client.list_refunds(&attempt.target).await?;
    Ok(refunds.into_iter().find(|r| {
        r.metadata.get("case_id") == Some(&case)
            && r.amount == attempt.refund.amount_minor
            && !matches!(r.status, RefundStatus::Failed | RefundStatus::Canceled)
    }))
}

impl Turn<'_> {
    /// Our ledger's refusal of a refund that would exceed the order, counting refunds still
    /// pending at the processor; `None` when it fits.
    pub(super) async fn over_refund(&mut self, case: &Case, amount_minor: i64) -> Result<Option<Refusal>, EngineError> {
        let order = self.load_order(case).await?;
        let pending = self.tx.pending_refunded_minor(order.order_id.as_str()).await?;
        let spent = order.refunded.minor() + pending;
        if spent + amount_minor <= order.amount.minor() {
            return Ok(None);
        }
        let money = |minor| Money::from_minor(minor, order.amount.currency());
        Ok(Some(Refusal::RefundWouldOverdraw {
            amount: money(amount_minor),
            order_id: order.order_id.clone(),
            paid: order.amount,
            spent: money(spent),
        }))
    }

    /// An approved refund with processor `stripe`: the pending ledger row, then the job that
    /// calls Stripe. False when the order names no charge or payment intent (staff refund it
    /// by hand instead).
    pub(super) async fn start_stripe_refund(
        &mut self,
        user: &str,
        case: &Case,
        order: &Order,
        amount_minor: i64,
        currency: Currency,
        draft: DraftId,
    ) -> Result<bool, EngineError> {
        let Some(target) = target_of(order) else {
            return Ok(false);
        };
        let approval_key = format!("draft:{draft}");
        // The charge id makes the key unique across databases sharing one Stripe account.
        let idempotency_key = format!("refund-bot-{}-case-{}-draft-{draft}", target.id(), case.id);
        let opened = self
            .tx
            .open_processor_refund(
                case,
                &NewProcessorRefund {
                    amount_minor,
                    currency: currency.code(),
                    processor: "stripe",
                    actor: user,
                    approval_key: &approval_key,
                    idempotency_key: &idempotency_key,
                },
                self.now,
            )
            .await?;
        if !opened {
            return Ok(true);
        }
        self.tx.schedule(STRIPE_JOB, case.id, self.now).await?;
        let amount = Money::from_minor(amount_minor, currency);
        self.event(case.id, user, EventKind::RefundStarted, &format!("{amount} sent to Stripe ({})", target.id()))
            .await?;
        let reply = Reply::AgentRefundSent {
            case_id: case.id.0,
            amount: amount.to_string(),
            order_id: order.order_id.to_string(),
            approved_by: user.to_string(),
        };
        self.post(case.id, reply, Post::to(Address::Agents, Purpose::RefundNote)).await?;
        Ok(true)
    }

    /// First half of a `stripe_refund` job, in the job's transaction: count the attempt and
    /// move the job to the retry time, so a crash during the call is retried with the same key.
    pub(super) async fn begin_stripe_attempt(&mut self, case_id: CaseId) -> Result<Option<Attempt>, EngineError> {
        if self.engine.settings.stripe.is_none() {
            tracing::warn!(case = %case_id, "a Stripe refund is pending but processor is not stripe");
            self.tx.schedule(STRIPE_JOB, case_id, self.now + recheck_after()).await?;
            return Ok(None);
        }
        let Some(refund) = self.tx.pending_processor_refund(case_id).await? else {
            return Ok(None);
        };
        let Some(case) = self.tx.load_case(case_id).await? else {
            return Ok(None);
        };
        let Some(target) = target_of(&self.load_order(&case).await?) else {
            return Ok(None);
        };
        self.tx.count_refund_attempt(refund.id).await?;
        self.tx.schedule(STRIPE_JOB, case_id, self.now + retry_after(refund.attempts)).await?;
        Ok(Some(Attempt { refund, target }))
    }

    /// A refund update from a webhook, recorded like a job's answer.
    pub(super) async fn settle_from_event(&mut self, refund: PendingRefund, answer: Refund) -> Result<(), EngineError> {
        let Some(case) = self.tx.load_case(refund.case_id).await? else {
            return Ok(());
        };
        let Some(target) = target_of(&self.load_order(&case).await?) else {
            return Ok(());
        };
        self.finish_stripe_attempt(&Attempt { refund, target }, Ok(answer)).await
    }

    /// Second half: record what Stripe said.
    async fn finish_stripe_attempt(
        &mut self,
        attempt: &Attempt,
        result: Result<Refund, StripeError>,
    ) -> Result<(), EngineError> {
        let id = attempt.refund.id;
        let Some(mut case) = self.tx.load_case(attempt.refund.case_id).await? else {
            return Ok(());
        };
        match result {
            Ok(refund) => match refund.status {
                RefundStatus::Succeeded => {
                    if self.tx.settle_processor_refund(id, "succeeded", Some(&refund.id), None).await? {
                        self.stripe_succeeded(&mut case, attempt, &refund.id).await?;
                    }
                }
                RefundStatus::Pending | RefundStatus::RequiresAction => {
                    self.tx.settle_processor_refund(id, "pending", Some(&refund.id), None).await?;
                    self.tx.schedule(STRIPE_JOB, case.id, self.now + recheck_after()).await?;
                    let detail = format!("Stripe refund {} is {}", refund.id, refund.status.as_str());
                    self.event(case.id, "bot", EventKind::RefundPending, &detail).await?;
                }
                RefundStatus::Failed | RefundStatus::Canceled => {
                    let why = format!(
                        "Stripe refund {} {}{}",
                        refund.id,
                        refund.status.as_str(),
                        refund.failure_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                    );
                    if self.tx.settle_processor_refund(id, "failed", Some(&refund.id), Some(&why)).await? {
                        self.stripe_failed(&mut case, attempt, &why).await?;
                    }
                }
            },
            Err(StripeError::Transient(why)) => {
                // Still pending: the job moved in the first half retries with the same key.
                self.tx.settle_processor_refund(id, "pending", None, Some(&why)).await?;
                tracing::warn!(case = %case.id, "Stripe refund attempt without an answer: {why}");
                self.event(case.id, "bot", EventKind::RefundRetry, &why).await?;
            }
            Err(refused) => {
                let why = refused.to_string();
                if self.tx.settle_processor_refund(id, "failed", None, Some(&why)).await? {
                    if refused.code() == Some("charge_disputed") && case.flag(Flag::ChargebackRisk) {
                        self.event(case.id, "bot", EventKind::Flagged, "charge disputed at Stripe").await?;
                    }
                    self.stripe_failed(&mut case, attempt, &why).await?;
                }
            }
        }
        self.save(&case).await
    }

    async fn stripe_succeeded(
        &mut self,
        case: &mut Case,
        attempt: &Attempt,
        stripe_id: &str,
    ) -> Result<(), EngineError> {
        self.tx.cancel_job(STRIPE_JOB, case.id).await?;
        // The order now counts this refund as succeeded.
        let order = self.load_order(case).await?;
        let amount = Money::from_minor(attempt.refund.amount_minor, order.amount.currency());
        self.event(case.id, "bot", EventKind::Refunded, &format!("{amount} refunded through Stripe ({stripe_id})"))
            .await?;
        let partial = matches!(case.decision, Some(Decision::Refund { partial: true, .. }));
        self.refund_issued(case, amount, partial).await
    }

    /// The refund will not happen through Stripe: agents hear why; the customer is not told it
    /// was issued, and the case stays awaiting its refund for staff to settle.
    async fn stripe_failed(&mut self, case: &mut Case, attempt: &Attempt, why: &str) -> Result<(), EngineError> {
        self.tx.cancel_job(STRIPE_JOB, case.id).await?;
        self.event(case.id, "bot", EventKind::RefundFailed, why).await?;
        let order = self.load_order(case).await?;
        let amount = Money::from_minor(attempt.refund.amount_minor, order.amount.currency());
        // Refunding a disputed charge would pay the customer twice: no way round Stripe then.
        let draft = attempt
            .refund
            .approval_key
            .strip_prefix("draft:")
            .and_then(|d| d.parse::<i64>().ok())
            .filter(|_| !case.has_flag(Flag::ChargebackRisk));
        let reply = Reply::AgentRefundFailed {
            case_id: case.id.0,
            amount: amount.to_string(),
            order_id: order.order_id.to_string(),
            target: attempt.target.id().to_string(),
            why: why.to_string(),
            can_mark_refunded: draft.is_some(),
        };
        let mut post = Post::to(Address::Agents, Purpose::Refund(draft.map(DraftId)));
        post.mentions = vec!["role:agents".into()];
        if draft.is_some() {
            self.tx.release_approval_key(attempt.refund.id).await?;
            post.buttons = vec![(AgentAction::MarkRefunded.into(), "Mark refunded".into())];
        }
        self.post(case.id, reply, post).await?;
        Ok(())
    }
}
