//! One event's unit of work: the transaction, the clock reading, and the ways to speak.

use super::engine::{Engine, EngineError};
use crate::domain::case::Case;
use crate::domain::timeline::EventKind;
use crate::domain::{Address, ButtonAction, CaseId, ChatUserId, MessageId, Platform, Purpose};
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
}

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
            engine,
            tx,
            now,
        })
    }

    /// The acting person, as a user of the event's platform.
    pub fn person(&self, user: &str) -> ChatUserId {
        ChatUserId::on(self.platform, user)
    }

    pub async fn commit(self) -> Result<(), EngineError> {
        self.tx.commit().await?;
        Ok(())
    }

    pub fn render(&self, reply: &Reply) -> Result<String, EngineError> {
        Ok(self.engine.replies.render(reply)?)
    }

    /// Sends a reply to the case's customer.
    pub async fn tell(
        &mut self,
        case: &Case,
        reply: Reply,
        expects: Option<&'static str>,
        buttons: Vec<(ButtonAction, String)>,
    ) -> Result<MessageId, EngineError> {
        let text = self.render(&reply)?;
        self.tell_text(case, text, Purpose::Customer, expects, buttons).await
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
        Ok(self.tx.send(message, self.now).await?)
    }

    /// A direct note to anyone (a refusal, see `Turn::refuse`), outside any conversation's flow.
    pub async fn notify(&mut self, user: &str, case: Option<CaseId>, reply: Reply) -> Result<(), EngineError> {
        let text = self.render(&reply)?;
        let mut message = NewMessage::new(Address::Dm(self.person(user)), Purpose::Notice, text);
        message.case_id = case;
        self.tx.send(message, self.now).await?;
        Ok(())
    }

    /// Posts to a staff channel.
    pub async fn post(&mut self, case: CaseId, reply: Reply, post: Post) -> Result<MessageId, EngineError> {
        let text = self.render(&reply)?;
        let message = NewMessage {
            case_id: Some(case),
            to: post.to,
            purpose: post.purpose,
            text,
            expects: post.expects.map(str::to_string),
            buttons: post.buttons,
            mentions: post.mentions,
            reactions: post.reactions,
        };
        Ok(self.tx.send(message, self.now).await?)
    }

    pub async fn event(&mut self, case: CaseId, actor: &str, kind: EventKind, detail: &str) -> Result<(), EngineError> {
        Ok(self.tx.add_event(case, self.now, actor, kind, detail).await?)
    }

    pub async fn save(&mut self, case: &Case) -> Result<(), EngineError> {
        Ok(self.tx.save_case(case, self.now).await?)
    }
}
