//! Questions answered without opening a case: the refund policy of the customer's product in
//! words, how long a refund takes, store credit, cancelling a subscription, the seller's
//! knowledge base (`kb/*.md`), and for a refunded customer where the money is. Each answer offers
//! "Request a refund" and "That answered it".

use super::engine::EngineError;
use super::refusal::{Handled, Refusal};
use super::turn::Turn;
use crate::domain::{Address, ButtonAction, ChatUserId, Currency, Money, Order, Purpose};
use crate::language::Language;
use crate::replies::Reply;
use crate::store::NewMessage;
use crate::understanding::{Reading, Topic};

impl Turn<'_> {
    /// Answers a question asked outside any open request; false when the message asks none
    /// (it then starts a request as before).
    pub(super) async fn answer_question(
        &mut self,
        customer: &ChatUserId,
        text: &str,
        reading: &Reading,
    ) -> Result<bool, EngineError> {
        let language = crate::language::detect(text).map(|d| d.language).or(self.platform_language);
        let policy = self.engine.policy();
        // A policy question is answered with the rules of the product the customer bought, when
        // an earlier case of theirs proved the order (looked up only for a question).
        let order = match reading.topic {
            Some(_) => self.last_order(customer).await?,
            None => None,
        };
        let product = order.as_ref().map(|o| crate::kb::KnownProduct { sku: &o.sku, name: &o.product });
        let Some(mut reply) = crate::kb::reply_to(text, reading, &self.engine.settings.kb, &policy, product) else {
            return Ok(false);
        };
        if reading.topic == Some(Topic::RefundStatus) && matches!(reply, Reply::AnswerQuestion { .. }) {
            if let Some(whereabouts) = self.refund_whereabouts(customer, language).await? {
                reply = whereabouts;
            }
        }
        self.send_answer(customer, language, reply, true).await?;
        Ok(true)
    }

    /// "Request a refund" or "That answered it" under an answer (no case holds those buttons).
    pub(super) async fn on_answer_click(&mut self, user: &str, action: &ButtonAction) -> Result<Handled, EngineError> {
        let customer = self.person(user);
        match action {
            ButtonAction::NewRequest => match self.tx.active_case_for(&customer).await? {
                Some(case) => self.tell_status(&case).await?,
                None => {
                    let case = self.open_case(&customer, "").await?;
                    self.save(&case).await?;
                }
            },
            ButtonAction::Answered => {
                let language = self.platform_language;
                self.send_answer(&customer, language, Reply::AnswerThanks {}, false).await?;
            }
            _ => return Ok(Err(Refusal::ButtonExpired)),
        }
        Ok(Ok(()))
    }

    /// The order of the customer's latest case that proved one.
    async fn last_order(&mut self, customer: &ChatUserId) -> Result<Option<Order>, EngineError> {
        match self.tx.last_order_of(customer).await? {
            Some(id) => Ok(self.tx.find_order(&id).await?),
            None => Ok(None),
        }
    }

    /// Where a refunded customer's money is: its amount, date and way.
    async fn refund_whereabouts(
        &mut self,
        customer: &ChatUserId,
        language: Option<Language>,
    ) -> Result<Option<Reply>, EngineError> {
        let Some(refund) = self.tx.latest_refund_of(customer).await? else {
            return Ok(None);
        };
        let amount = Currency::parse(&refund.currency)
            .map(|c| Money::from_minor(refund.amount_minor, c).to_string())
            .unwrap_or_else(|_| format!("{} {}", refund.amount_minor, refund.currency));
        let method = self.engine.replies.label_in(language, super::staff::REFUND_METHOD);
        Ok(Some(Reply::RefundWhereabouts {
            amount,
            date: refund.created_at.chars().take(10).collect(),
            method,
            sent: refund.status == "succeeded",
        }))
    }

    async fn send_answer(
        &mut self,
        customer: &ChatUserId,
        language: Option<Language>,
        reply: Reply,
        with_buttons: bool,
    ) -> Result<(), EngineError> {
        let text = self.engine.replies.render_in(language, &reply)?;
        let mut message = NewMessage::new(Address::Dm(customer.clone()), Purpose::Customer, text);
        let buttons = [(ButtonAction::NewRequest, "Request a refund"), (ButtonAction::Answered, "That answered it")];
        message.buttons = buttons
            .into_iter()
            .filter(|_| with_buttons)
            .map(|(action, label)| (action, self.engine.replies.label_in(language, label)))
            .collect();
        self.tx.send(message, self.now).await?;
        Ok(())
    }
}
