//! What customers do: messages (the intake conversation, feedback, questions while a case is
//! with staff) and their button presses.

use super::engine::EngineError;
use super::refusal::{Handled, Refusal};
use super::turn::{Post, Turn};
use crate::domain::case::{Case, CaseState, Outcome};
use crate::domain::timeline::EventKind;
use crate::domain::Address;
use crate::domain::{ButtonAction, JobKind, Purpose};
use crate::domain::{ChatUserId, Resolution};
use crate::intake::{self, understand, Choice, Effect, HandOffWhy, Input, OrderBrief, OrderCheck};
use crate::replies::Reply;
use crate::store::ButtonRecord;
use crate::understanding::Reading;

/// Messages longer than this are kept whole but the customer is told we saw it all.
const LONG_MESSAGE_CHARS: usize = 2000;

impl Turn<'_> {
    pub async fn on_message(&mut self, user: &str, raw_text: &str) -> Result<(), EngineError> {
        let text = understand::clean(raw_text);
        let reading = self.engine.settings.understanding.read(&text);
        let customer = self.person(user);
        let active = self.tx.active_case_for(&customer).await?;
        // While a case is live the customer talks to people, unless they started a newer
        // request with the bot since.
        if let Some(live) = self.tx.live_case_of(&customer).await? {
            let newer_intake = active.as_ref().is_some_and(|a| a.id != live && a.state == CaseState::Intake);
            if !newer_intake {
                return self.relay_in(live, &text).await;
            }
        }
        // A question asked outside any request is answered without opening a case.
        let settled = active.as_ref().is_none_or(|a| matches!(a.state, CaseState::AwaitingFeedback));
        if settled && self.answer_question(&customer, &text, &reading).await? {
            return Ok(());
        }
        let (mut case, opened) = match active {
            Some(waiting) if names_another_order(&waiting, &text, &reading) => {
                let detail = "named another order: a new request";
                self.event(waiting.id, &customer.to_string(), EventKind::NewRequest, detail).await?;
                (self.open_case(&customer, &text).await?, true)
            }
            Some(mut case) => {
                self.learn_language(&mut case, &text).await?;
                (case, false)
            }
            None => (self.open_case(&customer, &text).await?, true),
        };
        self.event(case.id, user, EventKind::Message, &text).await?;
        if case.state == CaseState::Intake {
            case.last_customer_at = self.now;
        }
        if self.screen(&mut case, &text, &reading).await? {
            return self.save(&case).await;
        }
        let length = text.chars().count();
        if length > LONG_MESSAGE_CHARS {
            self.tell(&case, Reply::LongMessage { kept_chars: length }, None, vec![]).await?;
        }
        match case.state {
            CaseState::Intake => {
                // A first message is answered by the greeting unless it already names the order.
                let greeting_is_enough =
                    opened && understand::identity(&text, &reading) == understand::Identity::default();
                if text.is_empty() {
                    let hint = "It looks like that message was empty.";
                    self.tell(&case, Reply::NotUnderstood { hint: hint.into() }, None, vec![]).await?;
                } else if greeting_is_enough {
                    // What it said is kept for when the order is known.
                    case.intake = case.intake.take().map(|state| intake::remember(state, &text, &reading));
                } else {
                    self.run_intake(&mut case, Input::Read(&text, &reading)).await?;
                }
            }
            CaseState::FeedbackComment => self.take_feedback_comment(&mut case, &text).await?,
            CaseState::AwaitingCustomer => match reading.resolution {
                Some(resolution) if self.offered(&case, resolution) => {
                    self.accept_alternative(&mut case, resolution).await?
                }
                _ => self.tell_status(&case).await?,
            },
            _ => self.tell_status(&case).await?,
        }
        self.save(&case).await
    }

    /// Starts a new case: acknowledge at once, in the language of `text` (the first message),
    /// and ask for the order.
    pub(super) async fn open_case(&mut self, customer: &ChatUserId, text: &str) -> Result<Case, EngineError> {
        let id = self.tx.create_case(customer, self.now).await?;
        let mut case =
            self.tx.load_case(id).await?.ok_or_else(|| EngineError::Internal(format!("case {id} vanished")))?;
        self.learn_language(&mut case, text).await?;
        self.event(id, &customer.to_string(), EventKind::Opened, "customer started a request").await?;
        let (state, effects) = intake::start();
        case.intake = Some(state);
        self.apply_effects(&mut case, effects).await?;
        let idle = chrono::Duration::hours(i64::from(self.engine.settings.sla.idle_timeout_hours));
        self.tx.schedule(JobKind::IdleTimeout, id, self.now + idle).await?;
        Ok(case)
    }

    /// Feeds one input to the intake and carries out what it asks, including order look-ups.
    pub(super) async fn run_intake(&mut self, case: &mut Case, input: Input<'_>) -> Result<(), EngineError> {
        let effects = self.feed(case, input);
        self.apply_effects(case, effects).await
    }

    async fn apply_effects(&mut self, case: &mut Case, effects: Vec<Effect>) -> Result<(), EngineError> {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Say(prompt) => {
                    self.tell(case, prompt.reply, prompt.expects, prompt.buttons).await?;
                }
                Effect::CheckOrder { order_id, email } => {
                    let check = self.check_order(case, &order_id, &email).await?;
                    queue.extend(self.feed(case, Input::Checked(check)));
                }
                Effect::CheckSuffix { suffix, email } => {
                    let check = self.check_suffix(case, &suffix, &email).await?;
                    queue.extend(self.feed(case, Input::Checked(check)));
                }
                Effect::ListOrders { email } => {
                    let candidates = self.candidates(case, &email).await?;
                    queue.extend(self.feed(case, Input::Checked(OrderCheck::Candidates(candidates))));
                }
                Effect::HandOff(why) => self.hand_off(case, why).await?,
                Effect::Submit { reason, details, resolution } => {
                    case.reason = Some(reason);
                    case.details = Some(details);
                    case.resolution = Some(resolution);
                    self.event(
                        case.id,
                        &case.customer.to_string(),
                        EventKind::Confirmed,
                        &format!("{reason}, wants {resolution}"),
                    )
                    .await?;
                    self.tx.cancel_job(JobKind::IdleTimeout, case.id).await?;
                    self.submit(case).await?;
                }
                Effect::ChoseSupport { reason, details } => {
                    // People help from here: the case is live until an agent closes it (with
                    // outcome `alternative`) or hands it back.
                    case.reason = Some(reason);
                    case.details = Some(details.clone());
                    case.resolution = Some(Resolution::Support);
                    case.state = CaseState::AwaitingAgent;
                    case.intake = None;
                    self.tx.cancel_job(JobKind::IdleTimeout, case.id).await?;
                    self.event(case.id, &case.customer.to_string(), EventKind::Alternative, "chose help from support")
                        .await?;
                    self.post_support_request(case, details, true).await?;
                    self.go_live_by_bot(case, "the customer chose help from support").await?;
                }
                Effect::Cancel => {
                    case.close(Outcome::Cancelled);
                    self.tx.cancel_job(JobKind::IdleTimeout, case.id).await?;
                    self.event(
                        case.id,
                        &case.customer.to_string(),
                        EventKind::Cancelled,
                        "the customer ended the conversation",
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Runs one intake step and returns what it asks for; the intake ends when it says so.
    fn feed(&mut self, case: &mut Case, input: Input<'_>) -> Vec<Effect> {
        let Some(state) = case.intake.take() else {
            return vec![];
        };
        let (next, effects) = intake::step(state, input);
        case.intake = next;
        effects
    }

    async fn check_order(
        &mut self,
        case: &mut Case,
        order_id: &crate::domain::OrderId,
        email: &crate::domain::Email,
    ) -> Result<OrderCheck, EngineError> {
        let mut order = self.tx.find_order(order_id).await?;
        if order.is_none() {
            // A Stripe charge id names its order too (ours are upper-cased as typed; its are not).
            order = self.tx.find_order_by_charge_ignoring_case(order_id.as_str()).await?;
        }
        if order.is_none() && self.wants_stripe_lookup(case, order_id, email).await? {
            // This run is rolled back; the next one finds the order if Stripe has it.
            return Ok(OrderCheck::NoMatch);
        }
        if order.is_none() && self.looked_up.unanswered.contains(order_id) {
            self.event(case.id, "bot", EventKind::OrderCheckFailed, &format!("Stripe did not answer about {order_id}"))
                .await?;
            return Ok(OrderCheck::Unavailable);
        }
        let Some(order) = order.filter(|o| &o.email == email) else {
            self.event(
                case.id,
                "bot",
                EventKind::OrderNotMatched,
                &format!("order id {order_id} with the email given"),
            )
            .await?;
            return Ok(OrderCheck::NoMatch);
        };
        if let Some(open) = self.tx.open_case_for_order(&order.order_id, case.id).await? {
            let detail = format!("order {} already has case {open}", order.order_id);
            self.event(case.id, "bot", EventKind::DuplicateRequest, &detail).await?;
            return Ok(OrderCheck::AlreadyOpen(open));
        }
        case.order_id = Some(order.order_id.clone());
        case.email = Some(order.email.clone());
        self.tx.remember_email(&case.customer, &order.email).await?;
        self.event(case.id, "bot", EventKind::OrderProven, &format!("{} ({})", order.order_id, order.product)).await?;
        Ok(OrderCheck::Proven(brief(&order)))
    }

    /// "My order ends with 614": the email's one order whose id ends so, checked like a typed id.
    async fn check_suffix(
        &mut self,
        case: &mut Case,
        suffix: &str,
        email: &crate::domain::Email,
    ) -> Result<OrderCheck, EngineError> {
        let orders = self.tx.orders_by_email(email).await?;
        let mut ending = orders.iter().filter(|o| o.order_id.as_str().ends_with(suffix));
        match (ending.next(), ending.next()) {
            (Some(only), None) => {
                let order_id = only.order_id.clone();
                self.check_order(case, &order_id, email).await
            }
            _ => {
                let detail = format!("no single order ending with {suffix} for the email given");
                self.event(case.id, "bot", EventKind::OrderNotMatched, &detail).await?;
                Ok(OrderCheck::NoMatch)
            }
        }
    }

    /// Orders of an email, offered only to a customer who proved that email before.
    async fn candidates(&mut self, case: &Case, email: &crate::domain::Email) -> Result<Vec<OrderBrief>, EngineError> {
        if !self.tx.has_proved_email(&case.customer, email).await? {
            return Ok(vec![]);
        }
        let orders = self.tx.orders_by_email(email).await?;
        Ok(orders.iter().filter(|o| !o.unrefunded().is_zero()).map(brief).collect())
    }

    async fn hand_off(&mut self, case: &mut Case, why: HandOffWhy) -> Result<(), EngineError> {
        case.state = CaseState::AwaitingAgent;
        case.intake = None;
        self.tx.cancel_job(JobKind::IdleTimeout, case.id).await?;
        let (attempts, detail) = match why {
            HandOffWhy::NoMatch { attempts } => (attempts, format!("to agents after {attempts} failed order checks")),
            HandOffWhy::Unclear => (0, "to agents: the answers could not be understood".into()),
            HandOffWhy::RecordsDown => (0, "to agents: the order records did not answer".into()),
            HandOffWhy::StillMissing => (0, "to agents: the customer could not give both order id and email".into()),
        };
        self.event(case.id, "bot", EventKind::HandedOff, &detail).await?;
        let reply = Reply::AgentHandoff {
            case_id: case.id.0,
            customer: case.customer.to_string(),
            why: why.code().to_string(),
            attempts,
        };
        let mut post = Post::to(Address::Agents, Purpose::Handoff);
        post.mentions = vec!["role:agents".into()];
        self.post(case.id, reply, post).await?;
        self.go_live_by_bot(case, &detail).await
    }

    /// Asks agents to help the customer; `live` when the conversation goes live with it (then
    /// the agents' role is pinged once).
    async fn post_support_request(&mut self, case: &Case, details: String, live: bool) -> Result<(), EngineError> {
        let product = match &case.order_id {
            Some(id) => self.tx.find_order(id).await?.map(|o| o.product).unwrap_or_default(),
            None => String::new(),
        };
        let customer = case.customer.to_string();
        let reply = Reply::AgentSupportRequest { case_id: case.id.0, customer, product, details, live };
        let mut post = Post::to(Address::Agents, Purpose::Support);
        if live {
            post.mentions = vec!["role:agents".into()];
        }
        self.post(case.id, reply, post).await?;
        Ok(())
    }

    /// Where the case stands; while it waits for staff, with a way to ask about another order
    /// (not while the customer has choices or a feedback question open: those buttons would go).
    pub(super) async fn tell_status(&mut self, case: &Case) -> Result<(), EngineError> {
        let reply = Reply::CaseInReview { case_id: case.id.0, status: case.state.status_words().to_string() };
        let waits_for_staff =
            matches!(case.state, CaseState::AwaitingAgent | CaseState::AwaitingManager | CaseState::AwaitingRefund);
        let buttons = match waits_for_staff {
            true => vec![(ButtonAction::NewRequest, "Ask about another order".to_string())],
            false => vec![],
        };
        self.tell(case, reply, None, buttons).await?;
        Ok(())
    }

    fn offered(&self, case: &Case, resolution: Resolution) -> bool {
        matches!(&case.decision, Some(crate::domain::Decision::Deny { alternatives }) if alternatives.contains(&resolution))
    }

    async fn accept_alternative(&mut self, case: &mut Case, resolution: Resolution) -> Result<(), EngineError> {
        case.resolution = Some(resolution);
        case.close(Outcome::Alternative);
        self.event(case.id, &case.customer.to_string(), EventKind::Alternative, resolution.code()).await?;
        let reply = Reply::AlternativeChosen { resolution_label: resolution.label().to_string() };
        self.tell(case, reply, None, vec![]).await?;
        let details = format!("The customer accepted: {}.", resolution.label());
        self.post_support_request(case, details, false).await
    }

    async fn take_feedback_comment(&mut self, case: &mut Case, text: &str) -> Result<(), EngineError> {
        let comment = (!understand::is_skip(text)).then_some(text);
        let score = self.tx.feedback_of(case.id).await?.map_or(0, |f| f.score as u8);
        self.tx.save_feedback(case.id, score, comment, self.now).await?;
        self.event(case.id, &case.customer.to_string(), EventKind::FeedbackComment, comment.unwrap_or("(skipped)"))
            .await?;
        case.state = CaseState::Closed;
        self.tell(case, Reply::FeedbackThanks { score }, None, vec![]).await?;
        Ok(())
    }

    /// A customer's button: intake choices, alternatives after a denial, feedback scores.
    pub(super) async fn on_customer_click(
        &mut self,
        user: &str,
        button: &ButtonRecord,
    ) -> Result<Handled, EngineError> {
        let Some(case_id) = button.message.case_id else {
            // Only an answer to a question is sent without a case.
            return self.on_answer_click(user, &button.action).await;
        };
        let mut case = self
            .tx
            .load_case(case_id)
            .await?
            .ok_or_else(|| EngineError::Internal(format!("case {case_id} missing")))?;
        self.event(case.id, user, EventKind::Clicked, &button.label).await?;
        self.learn_language(&mut case, "").await?;
        let handled = match (case.state, &button.action) {
            (_, ButtonAction::Feedback(score)) => return self.take_feedback_score(&mut case, score.stars()).await,
            (_, ButtonAction::NewRequest) => {
                let detail = "asked about another order: a new request";
                self.event(case.id, user, EventKind::NewRequest, detail).await?;
                let customer = case.customer.clone();
                self.open_case(&customer, "").await?;
                Ok(())
            }
            (CaseState::FeedbackComment, ButtonAction::FeedbackSkip) => {
                self.take_feedback_comment(&mut case, "skip").await?;
                Ok(())
            }
            (CaseState::Intake, ButtonAction::Choice(choice)) => {
                case.last_customer_at = self.now;
                self.run_intake(&mut case, Input::Choice(choice.clone())).await?;
                Ok(())
            }
            (CaseState::AwaitingCustomer, ButtonAction::Choice(Choice::Resolution(r))) if self.offered(&case, *r) => {
                self.accept_alternative(&mut case, *r).await?;
                Ok(())
            }
            // The question was answered or the case moved on (staff buttons never reach a customer).
            (
                _,
                ButtonAction::Choice(_)
                | ButtonAction::FeedbackSkip
                | ButtonAction::Agent(_)
                | ButtonAction::Manager(_)
                | ButtonAction::Answered,
            ) => Err(Refusal::ButtonExpired),
        };
        self.save(&case).await?;
        Ok(handled)
    }

    async fn take_feedback_score(&mut self, case: &mut Case, score: u8) -> Result<Handled, EngineError> {
        if case.state != CaseState::AwaitingFeedback || !(1..=5).contains(&score) {
            return Ok(Err(Refusal::ButtonExpired));
        }
        self.tx.save_feedback(case.id, score, None, self.now).await?;
        self.event(case.id, &case.customer.to_string(), EventKind::Feedback, &format!("score {score}")).await?;
        case.state = CaseState::FeedbackComment;
        let skip = vec![(ButtonAction::FeedbackSkip, "Nothing to add".to_string())];
        self.tell(case, Reply::FeedbackCommentAsk { score }, Some("feedback_comment"), skip).await?;
        self.save(case).await?;
        Ok(Ok(()))
    }
}

pub(super) fn brief(order: &crate::domain::Order) -> OrderBrief {
    OrderBrief {
        order_id: order.order_id.to_string(),
        product: order.product.clone(),
        amount_paid: order.amount.to_string(),
    }
}

/// Whether a message to a case that waits for staff (or was refunded) names another order than
/// the case's: that is a new request, not a question about this one.
fn names_another_order(case: &Case, text: &str, reading: &Reading) -> bool {
    let waiting = !matches!(case.state, CaseState::Intake | CaseState::FeedbackComment);
    let named = understand::identity(text, reading).order_id;
    waiting && named.is_some_and(|order| case.order_id.as_ref() != Some(&order))
}
