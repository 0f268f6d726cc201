//! One event's unit of work: the transaction, the clock reading, and the ways to speak.

use super::engine::{Engine, EngineError};
use crate::domain::case::Case;
use crate::domain::timeline::EventKind;
use crate::domain::{Address, AgentAction, ButtonAction, CaseId, ChatUserId, MessageId, Platform, Purpose};
use crate::language::{Detection, Language, LanguageSource};
use crate::replies::Reply;
use crate::store::{NewMessage, Tx};
use chrono::{DateTime, Utc};

pub(crate) struct Turn<'e> {
    pub engine: &'e Engine,
    pub tx: Tx<'static>,
    pub now: DateTime<Utc>,
    /// The platform the event came from: its users are this platform's users.
    pub platform: Platform,
    /// The acting person's platform roles, for permission checks.
    pub roles: Vec<String>,
    /// Orders this turn missed that Stripe may know: the engine rolls the turn back, fetches
    /// them outside any transaction and runs the event again.
    pub order_lookups: Vec<super::stripe_orders::OrderLookup>,
    /// What Stripe was already asked for this event, so the next run takes a miss as a miss.
    pub looked_up: super::stripe_orders::LookedUp,
    /// The acting person's language as their platform reports it (Discord interactions).
    pub platform_language: Option<Language>,
    /// How the acting person is shown (their display name), where the event says.
    pub name: Option<String>,
    /// Cases whose staff posts or state this turn changed: their cards are brought up to date
    /// before the commit.
    pub touched: std::collections::BTreeSet<CaseId>,
    /// Cards posted in this turn: still queued, so their status goes into the post itself.
    pub fresh_cards: Vec<MessageId>,
}

/// The label of the button that makes a case live.
pub(crate) const TAKE_OVER: &str = "Take over";

/// A staff post: where it goes and what it carries.
pub(crate) struct Post {
    pub to: Address,
    pub purpose: Purpose,
    pub buttons: Vec<(ButtonAction, String)>,
    pub mentions: Vec<String>,
    pub reactions: Vec<String>,
    pub expects: Option<&'static str>,
}

impl Post {
    pub fn to(to: Address, purpose: Purpose) -> Post {
        Post { to, purpose, buttons: vec![], mentions: vec![], reactions: vec![], expects: None }
    }
}

impl<'e> Turn<'e> {
    pub async fn begin(engine: &'e Engine, now: DateTime<Utc>) -> Result<Turn<'e>, EngineError> {
        let tx = engine.store.begin().await?;
        Ok(Turn {
            platform: Platform::Local,
            roles: Vec::new(),
            order_lookups: Vec::new(),
            looked_up: Default::default(),
            platform_language: None,
            name: None,
            touched: Default::default(),
            fresh_cards: Vec::new(),
            engine,
            tx,
            now,
        })
    }

    /// The acting person, as a user of the event's platform.
    pub fn person(&self, user: &str) -> ChatUserId {
        ChatUserId::on(self.platform, user)
    }

    /// Brings the cards of the cases this turn touched up to date, then commits.
    pub async fn commit(mut self) -> Result<(), EngineError> {
        self.refresh_cards().await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// How the acting person signs: their display name where the event gave one, else their id.
    pub fn display_name(&self, user: &str) -> String {
        self.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| user.to_string())
    }

    /// A reply in the seller's locale: staff posts, refusals to staff.
    pub fn render(&self, reply: &Reply) -> Result<String, EngineError> {
        Ok(self.engine.replies.render(reply)?)
    }

    /// A reply in the case's customer's language where a locale has it (drafts of the
    /// customer's answer too), else in the seller's.
    pub fn render_for(&self, case: &Case, reply: &Reply) -> Result<String, EngineError> {
        Ok(self.engine.replies.render_in(case.language.map(|d| d.language), reply)?)
    }

    /// Sends a reply to the case's customer, in their language, buttons included.
    pub async fn tell(
        &mut self,
        case: &Case,
        reply: Reply,
        expects: Option<&'static str>,
        buttons: Vec<(ButtonAction, String)>,
    ) -> Result<MessageId, EngineError> {
        let text = self.render_for(case, &reply)?;
        let language = case.language.map(|d| d.language);
        let buttons = buttons
            .into_iter()
            .map(|(action, label)| (action, self.engine.replies.label_in(language, &label)))
            .collect();
        self.tell_text(case, text, Purpose::Customer, expects, buttons).await
    }

    /// Takes a reading of the customer's language for the case when it is stronger than what
    /// the case had: their words (`text`, may be empty) and the platform's locale of this event.
    /// Kept at once, so staff posts of this turn carry the language note.
    pub async fn learn_language(&mut self, case: &mut Case, text: &str) -> Result<(), EngineError> {
        let from_platform =
            self.platform_language.map(|language| Detection { language, source: LanguageSource::Platform });
        for reading in [from_platform, crate::language::detect(text)].into_iter().flatten() {
            if reading.replaces(case.language) {
                case.language = Some(reading);
                self.tx.set_case_language(case.id, reading).await?;
            }
        }
        Ok(())
    }

    pub async fn tell_text(
        &mut self,
        case: &Case,
        text: String,
        purpose: Purpose,
        expects: Option<&'static str>,
        buttons: Vec<(ButtonAction, String)>,
    ) -> Result<MessageId, EngineError> {
        let mut message = NewMessage::new(Address::Dm(case.customer.clone()), purpose, text);
        message.case_id = Some(case.id);
        message.expects = expects.map(str::to_string);
        message.buttons = buttons;
        self.touched.insert(case.id);
        Ok(self.tx.send(message, self.now).await?)
    }

    /// A direct note to anyone (a refusal, see `Turn::refuse`), outside any conversation's flow;
    /// in the customer's language when it goes to the case's customer.
    pub async fn notify(&mut self, user: &str, case: Option<CaseId>, reply: Reply) -> Result<(), EngineError> {
        self.notify_privately(user, case, reply, None).await
    }

    /// `notify` about what someone wrote in a case's thread: shown to them alone in the thread
    /// where the platform can (`Outbound::Send::privately_in`), else by direct message.
    pub async fn notify_in_thread(&mut self, user: &str, case: CaseId, reply: Reply) -> Result<(), EngineError> {
        self.notify_privately(user, Some(case), reply, Some(Address::Thread(case))).await
    }

    async fn notify_privately(
        &mut self,
        user: &str,
        case: Option<CaseId>,
        reply: Reply,
        privately_in: Option<Address>,
    ) -> Result<(), EngineError> {
        // Staff hear the seller's locale; the case's customer their own language.
        let mut language = None;
        if let Some(id) = case {
            if let Some(about) = self.tx.load_case(id).await? {
                if about.customer == self.person(user) {
                    language = about.language.map(|d| d.language).or(self.platform_language);
                }
            }
        }
        let text = self.engine.replies.render_in(language, &reply)?;
        let mut message = NewMessage::new(Address::Dm(self.person(user)), Purpose::Notice, text);
        message.case_id = case;
        message.privately_in = privately_in;
        self.tx.send(message, self.now).await?;
        Ok(())
    }

    /// Posts to a staff channel, in the seller's locale. The case's first post in the agents'
    /// channel is its card; its later ones go to its thread (where the staff platform keeps
    /// threads: else to the agents' channel, as posts to a thread do there).
    pub async fn post(&mut self, case: CaseId, reply: Reply, post: Post) -> Result<MessageId, EngineError> {
        let text = self.staff_text(case, &reply).await?;
        let staff_thread = matches!(post.to, Address::Agents | Address::Thread(_));
        let card = match staff_thread {
            true => self.tx.thread_of(case).await?.map(|t| t.card),
            false => None,
        };
        let is_card = staff_thread && card.is_none();
        let to = match post.to {
            Address::Agents | Address::Thread(_) if is_card || !self.engine.settings.case_threads => Address::Agents,
            Address::Agents | Address::Thread(_) => Address::Thread(case),
            other => other,
        };
        let mut buttons = post.buttons;
        if is_card {
            buttons.push((AgentAction::TakeOver.into(), TAKE_OVER.into()));
        }
        let buttons =
            buttons.into_iter().map(|(action, label)| (action, self.engine.replies.label_in(None, &label))).collect();
        let message = NewMessage {
            case_id: Some(case),
            to,
            purpose: post.purpose,
            text,
            expects: post.expects.map(str::to_string),
            buttons,
            mentions: post.mentions,
            reactions: post.reactions,
            attachment: None,
            privately_in: None,
        };
        let id = self.tx.send(message, self.now).await?;
        if is_card {
            self.tx.create_thread(case, id).await?;
            self.fresh_cards.push(id);
        }
        self.touched.insert(case);
        Ok(id)
    }

    /// A staff post about a case in the seller's locale, with a note of the customer's language
    /// when it is another one: staff read the customer's words as written.
    pub async fn staff_text(&mut self, case: CaseId, reply: &Reply) -> Result<String, EngineError> {
        let mut text = self.render(reply)?;
        let language = self.tx.case_language(case).await?;
        if let Some(language) = language.filter(|l| Some(*l) != self.engine.replies.seller_language()) {
            let note = self.render(&Reply::LanguageNote { language: language.name().to_string() })?;
            text.push('\n');
            text.push_str(&note);
        }
        Ok(text)
    }

    pub async fn event(&mut self, case: CaseId, actor: &str, kind: EventKind, detail: &str) -> Result<(), EngineError> {
        Ok(self.tx.add_event(case, self.now, actor, kind, detail).await?)
    }

    pub async fn save(&mut self, case: &Case) -> Result<(), EngineError> {
        self.touched.insert(case.id);
        Ok(self.tx.save_case(case, self.now).await?)
    }
}
