//! Live conversations: people talk to a customer from the case's staff thread and the bot
//! relays both ways. Taking over, handing back and closing are agent actions checked here;
//! a thread message from someone who is not an agent is refused and never relayed.

use super::card::live_controls;
use super::engine::EngineError;
use super::refusal::{Handled, Refusal};
use super::turn::{Post, Turn};
use crate::domain::case::{Case, CaseState, Outcome};
use crate::domain::timeline::EventKind;
use crate::domain::{Address, AgentAction, CaseId, CaseThread, Intake, JobKind, MessageId, Purpose, Resolution};
use crate::events::Outbound;
use crate::replies::Reply;
use crate::store::DraftStatus;
use chrono::Duration;

/// The reaction that marks an agent's note in a case's thread as internal.
const NOTE_MARK: &str = "📝";

impl Turn<'_> {
    async fn load(&mut self, case: CaseId) -> Result<Case, EngineError> {
        self.tx.load_case(case).await?.ok_or_else(|| EngineError::Internal(format!("case {case} missing")))
    }

    async fn thread(&mut self, case: CaseId) -> Result<CaseThread, EngineError> {
        self.tx.thread_of(case).await?.ok_or_else(|| EngineError::Internal(format!("case {case} has no thread")))
    }

    /// A customer's message while their case is live: into the thread, quoted and attributed;
    /// the bot says nothing. The idle reminder counts from the first message not answered.
    pub(super) async fn relay_in(&mut self, case: CaseId, text: &str) -> Result<(), EngineError> {
        let mut case = self.load(case).await?;
        let mut thread = self.thread(case.id).await?;
        let customer = case.customer.to_string();
        let reply = Reply::LiveRelayIn { customer: customer.clone(), text: text.to_string() };
        self.post(case.id, reply, Post::to(Address::Thread(case.id), Purpose::Relay)).await?;
        self.event(case.id, &customer, EventKind::RelayedIn, text).await?;
        case.last_customer_at = self.now;
        if thread.waiting_since.is_none() {
            thread.waiting_since = Some(self.now);
            self.tx.save_thread(&thread).await?;
            self.schedule_live_reminder(case.id).await?;
        }
        self.save(&case).await
    }

    /// A message written in a case's thread: relayed to the customer when an agent wrote it in
    /// a live case (its `{{snippets}}` expanded), kept as a note when it starts with the note
    /// prefix (and marked 📝 where the platform told us the message's id, `written`), refused
    /// otherwise.
    pub async fn on_thread_message(
        &mut self,
        user: &str,
        to: &str,
        text: &str,
        written: Option<&str>,
    ) -> Result<(), EngineError> {
        let Some(Address::Thread(case_id)) = Address::parse(to) else {
            tracing::warn!(to, "a thread message to something that is not a thread: ignored");
            return Ok(());
        };
        let Some(case) = self.tx.load_case(case_id).await? else {
            tracing::warn!(%case_id, "a message in the thread of an unknown case: ignored");
            return Ok(());
        };
        let text = crate::intake::understand::clean(text);
        if !self.engine.is_agent(user, &self.roles) {
            self.event(
                case.id,
                user,
                EventKind::NotRelayed,
                &format!("written in the thread by {user}, who is not an agent"),
            )
            .await?;
            return self.notify_in_thread(user, case.id, Reply::ThreadNotAnAgent {}).await;
        }
        if let Some(note) = text.strip_prefix(self.engine.settings.live.note_prefix.as_str()) {
            if let Some(written) = written {
                self.tx.mark_written(case.id, &Address::Thread(case.id), written, NOTE_MARK, self.now).await?;
            }
            return self.event(case.id, user, EventKind::Note, note.trim()).await;
        }
        let Some(mut thread) = self.tx.thread_of(case.id).await? else {
            return Ok(());
        };
        if text.is_empty() {
            // Nothing to pass on (on Discord without the Message Content intent, every agent's
            // message reads empty: the README says to turn it on).
            tracing::warn!(%case_id, "an empty message in a case thread: nothing relayed");
            return Ok(());
        }
        if !thread.is_live() || case.state == CaseState::Closed {
            self.event(case.id, user, EventKind::NotRelayed, "the case is not live: kept in the thread").await?;
            return self.notify_in_thread(user, case.id, Reply::ThreadNotLive { case_id: case.id.0 }).await;
        }
        let name = self.display_name(user);
        let Some(text) = self.with_snippets(&case, user, &name, &text).await? else {
            return Ok(());
        };
        if thread.agent.is_none() {
            // The first agent to answer a hand-off holds the case.
            thread.go_live(Some((user, &name)));
        }
        let settings = &self.engine.settings.live;
        let reply = Reply::LiveRelayOut { agent: name, anonymous: settings.anonymous, text: text.clone() };
        let rendered = self.render(&reply)?;
        self.tell_text(&case, rendered, Purpose::Relay, None, vec![]).await?;
        self.event(case.id, user, EventKind::RelayedOut, &text).await?;
        thread.waiting_since = None;
        self.tx.save_thread(&thread).await?;
        self.tx.cancel_job(JobKind::LiveReminder, case.id).await?;
        self.touched.insert(case.id);
        Ok(())
    }

    /// *Take over*, *hand back* or *close*, pressed by an agent (checked by the caller) on a
    /// case's card or in its thread.
    pub(super) async fn live_action(
        &mut self,
        user: &str,
        case: &mut Case,
        action: AgentAction,
    ) -> Result<Handled, EngineError> {
        if case.state == CaseState::Closed {
            return Ok(Err(Refusal::ButtonExpired));
        }
        let mut thread = self.thread(case.id).await?;
        match action {
            AgentAction::TakeOver => self.take_over(user, case, &mut thread).await,
            AgentAction::HandBack => self.hand_back(user, case, &mut thread).await,
            AgentAction::Close => self.close_live(user, case, &mut thread).await,
            other => Err(EngineError::Internal(format!("`{other}` is not a live action"))),
        }
    }

    async fn take_over(
        &mut self,
        user: &str,
        case: &mut Case,
        thread: &mut CaseThread,
    ) -> Result<Handled, EngineError> {
        if let (true, Some(agent)) = (thread.is_live(), &thread.agent) {
            let agent = thread.agent_name.clone().unwrap_or_else(|| agent.clone());
            return Ok(Err(Refusal::AlreadyLive { case_id: case.id, agent }));
        }
        let name = self.display_name(user);
        thread.go_live(Some((user, &name)));
        self.tx.save_thread(thread).await?;
        // People answer now: the bot's own reminders and timeouts wait.
        self.tx.cancel_job(JobKind::AgentReminder, case.id).await?;
        let anonymous = self.engine.settings.live.anonymous;
        self.tell(case, Reply::LiveJoining { agent: name.clone(), anonymous }, None, vec![]).await?;
        let note_prefix = self.engine.settings.live.note_prefix.clone();
        let mut post = Post::to(Address::Thread(case.id), Purpose::Live);
        post.buttons = live_controls(case, thread);
        self.post(case.id, Reply::LiveStarted { case_id: case.id.0, agent: name, note_prefix }, post).await?;
        self.event(case.id, user, EventKind::TakenOver, "took the conversation over").await?;
        self.save(case).await?;
        Ok(Ok(()))
    }

    async fn hand_back(
        &mut self,
        user: &str,
        case: &mut Case,
        thread: &mut CaseThread,
    ) -> Result<Handled, EngineError> {
        if !thread.is_live() {
            return Ok(Err(Refusal::NotLive { case_id: case.id }));
        }
        thread.end_live();
        self.tx.save_thread(thread).await?;
        self.tx.cancel_job(JobKind::LiveReminder, case.id).await?;
        self.event(case.id, user, EventKind::HandedBack, "gave the conversation back to the bot").await?;
        let actor = self.display_name(user);
        let ended = Reply::LiveEnded { case_id: case.id.0, actor, closed: false };
        self.post(case.id, ended, Post::to(Address::Thread(case.id), Purpose::Live)).await?;
        self.tell(case, Reply::LiveHandedBack {}, None, vec![]).await?;
        self.carry_on(case).await?;
        self.save(case).await?;
        Ok(Ok(()))
    }

    /// After a hand-back: the bot asks its open question again, starts over a conversation it
    /// had handed off before knowing the order, or says where the case stands.
    async fn carry_on(&mut self, case: &mut Case) -> Result<(), EngineError> {
        case.last_customer_at = self.now;
        if case.state == CaseState::Intake {
            let idle = Duration::hours(i64::from(self.engine.settings.sla.idle_timeout_hours));
            self.tx.schedule(JobKind::IdleTimeout, case.id, self.now + idle).await?;
            if let Some(prompt) = self.tx.open_prompt(case.id, &case.customer).await? {
                let expects = prompt.expects.as_deref().and_then(known_expectation);
                self.tell_text(case, prompt.text, Purpose::Customer, expects, prompt.buttons).await?;
            }
            return Ok(());
        }
        let handed_off_in_intake = case.state == CaseState::AwaitingAgent
            && case.order_id.is_none()
            && self.tx.pending_draft(case.id).await?.is_none();
        if handed_off_in_intake {
            case.state = CaseState::Intake;
            case.intake = Some(Intake::Identify { order_id: None, email: None, failures: 0, unclear: 0, said: None });
            let idle = Duration::hours(i64::from(self.engine.settings.sla.idle_timeout_hours));
            self.tx.schedule(JobKind::IdleTimeout, case.id, self.now + idle).await?;
            self.tell(case, Reply::Greeting { restarted: true }, Some("order_id"), vec![]).await?;
            return Ok(());
        }
        if case.state == CaseState::AwaitingAgent && self.tx.pending_draft(case.id).await?.is_some() {
            self.schedule_agent_reminder(case).await?;
        }
        let status = case.state.status_words().to_string();
        self.tell(case, Reply::CaseInReview { case_id: case.id.0, status }, None, vec![]).await?;
        Ok(())
    }

    async fn close_live(
        &mut self,
        user: &str,
        case: &mut Case,
        thread: &mut CaseThread,
    ) -> Result<Handled, EngineError> {
        if !super::card::can_close(case) {
            let status = case.state.status_words().to_string();
            return Ok(Err(Refusal::CannotCloseYet { case_id: case.id, status }));
        }
        if let Some(draft) = self.tx.pending_draft(case.id).await? {
            // Nobody approves a reply to a conversation that is over.
            self.tx.decide_draft(draft.id.0, DraftStatus::Superseded, user, self.now).await?;
        }
        // A refund keeps its outcome; a support hand-off ends as the alternative it was.
        let outcome = match (case.outcome, case.resolution) {
            (Outcome::Open, Some(Resolution::Support)) => Outcome::Alternative,
            (Outcome::Open, _) => Outcome::Cancelled,
            (decided, _) => decided,
        };
        case.close(outcome);
        thread.end_live();
        self.tx.save_thread(thread).await?;
        for kind in [JobKind::LiveReminder, JobKind::AgentReminder, JobKind::IdleTimeout, JobKind::ManagerReminder] {
            self.tx.cancel_job(kind, case.id).await?;
        }
        self.event(case.id, user, EventKind::Closed, &format!("conversation closed by {user} ({outcome})")).await?;
        let actor = self.display_name(user);
        let ended = Reply::LiveEnded { case_id: case.id.0, actor, closed: true };
        self.post(case.id, ended, Post::to(Address::Thread(case.id), Purpose::Live)).await?;
        self.tell(case, Reply::LiveClosed { case_id: case.id.0 }, None, vec![]).await?;
        self.save(case).await?;
        Ok(Ok(()))
    }

    /// The bot hands the conversation to people (three failed proofs, unclear answers, order
    /// records down, support chosen): the case goes live with nobody holding it yet, and the
    /// customer is waited for from now.
    pub(super) async fn go_live_by_bot(&mut self, case: &Case, why: &str) -> Result<(), EngineError> {
        let mut thread = self.thread(case.id).await?;
        thread.go_live(None);
        thread.waiting_since = Some(self.now);
        self.tx.save_thread(&thread).await?;
        self.tx.cancel_job(JobKind::AgentReminder, case.id).await?;
        self.schedule_live_reminder(case.id).await?;
        self.touched.insert(case.id);
        self.event(case.id, "bot", EventKind::TakenOver, &format!("live: {why}")).await
    }

    async fn schedule_live_reminder(&mut self, case: CaseId) -> Result<(), EngineError> {
        let minutes = Duration::minutes(i64::from(self.engine.settings.sla.agent_reminder_minutes));
        self.tx.schedule(JobKind::LiveReminder, case, self.now + minutes).await?;
        Ok(())
    }

    /// The reminder of a live case whose customer waits for an answer; again every interval.
    pub(super) async fn remind_live(&mut self, case: CaseId) -> Result<(), EngineError> {
        let Some(case) = self.tx.load_case(case).await? else { return Ok(()) };
        let Some(thread) = self.tx.thread_of(case.id).await? else { return Ok(()) };
        let Some(since) = thread.waiting_since.filter(|_| thread.is_live() && case.state != CaseState::Closed) else {
            return Ok(());
        };
        let reply = Reply::LiveReminder { case_id: case.id.0, waiting: super::jobs::waited(since, self.now) };
        let mut post = Post::to(Address::Thread(case.id), Purpose::Reminder);
        post.mentions = vec![match &thread.agent {
            Some(agent) => format!("user:{agent}"),
            None => "role:agents".into(),
        }];
        self.post(case.id, reply, post).await?;
        self.event(case.id, "bot", EventKind::Reminder, "agents reminded: the customer waits in a live conversation")
            .await?;
        self.schedule_live_reminder(case.id).await
    }

    /// The platform says a message of ours could not be delivered (the customer closed their
    /// DMs): recorded as refused, then reported.
    pub async fn on_refused(&mut self, message: &str, error: &str) -> Result<(), EngineError> {
        let Some(id) = MessageId::parse(message) else {
            tracing::warn!(message, "a refusal for a message id that is not ours: ignored");
            return Ok(());
        };
        if self.tx.refuse_message(id, error, self.now).await? {
            self.report_refusals().await?;
        }
        Ok(())
    }

    /// Tells staff, once each, of deliveries to customers that their platform refused: in the
    /// case's thread and timeline. Refused staff posts go to the timeline only (their channel
    /// is what failed).
    pub async fn report_refusals(&mut self) -> Result<(), EngineError> {
        for refused in self.tx.unreported_refusals().await? {
            self.tx.mark_refusal_reported(refused.outbox_id, self.now).await?;
            let Some(case) = refused.case_id else { continue };
            let (to, text) = match &refused.action {
                Outbound::Send { to, text, .. } => (to.clone(), text.clone()),
                other => (String::new(), format!("{other:?}")),
            };
            self.event(case, "bot", EventKind::RelayFailed, &format!("{to}: {}", refused.error)).await?;
            let Some(Address::Dm(customer)) = Address::parse(&to) else { continue };
            let reply = Reply::LiveRelayFailed {
                case_id: case.0,
                customer: customer.to_string(),
                error: refused.error.clone(),
                text,
            };
            self.post(case, reply, Post::to(Address::Thread(case), Purpose::Alert)).await?;
        }
        Ok(())
    }
}

/// What a stored question waits for, as the platforms know it.
fn known_expectation(expects: &str) -> Option<&'static str> {
    ["order_id", "email", "details", "feedback_comment", "text"].into_iter().find(|known| *known == expects)
}
