//! The engine: takes one inbound event at a time, runs it in one transaction, commits the
//! state change together with the outbound actions it caused.

use super::settings::Settings;
use super::stripe_orders::{LookedUp, OrderLookup};
use super::turn::Turn;
use super::Observer;
use crate::domain::{Address, AgentAction, ButtonAction, ButtonId, Platform, Purpose};
use crate::events::Inbound;
use crate::language::Language;
use crate::policy::Policy;
use crate::replies::{Replies, RepliesError, Reply};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::sync::{Arc, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("rendering a reply: {0}")]
    Render(#[from] RepliesError),
    #[error("{0}")]
    Internal(String),
}

/// How one run of an event ended.
enum Run {
    /// A platform event seen before: skipped.
    Duplicate,
    Committed,
    /// Rolled back: it named orders that Stripe may know.
    NeedsOrders(Vec<OrderLookup>),
}

pub struct Engine {
    pub(super) store: Store,
    policy: RwLock<Arc<Policy>>,
    pub(super) replies: Replies,
    pub(super) settings: Settings,
    observer: Arc<dyn Observer>,
    /// One event at a time per process: SQLite has one writer anyway, and it keeps a customer's
    /// messages in the order they arrived.
    pub(super) serial: tokio::sync::Mutex<()>,
    /// Whether this process has put its jobs without a case (retention, digest) in the table.
    background_scheduled: std::sync::atomic::AtomicBool,
}

impl Engine {
    /// `observer` hears of every event handled (metrics); `NoObserver` when nobody listens.
    pub fn new(
        store: Store,
        policy: Policy,
        replies: Replies,
        settings: Settings,
        observer: Arc<dyn Observer>,
    ) -> Engine {
        Engine {
            store,
            policy: RwLock::new(Arc::new(policy)),
            replies,
            settings,
            observer,
            serial: tokio::sync::Mutex::new(()),
            background_scheduled: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A reply rendered through the seller's templates, for what an adapter says by itself
    /// (the answer to `/refund` in a channel, a panel's text).
    pub fn render(&self, reply: &Reply) -> Result<String, EngineError> {
        Ok(self.replies.render(reply)?)
    }

    /// Like `render`, for a person whose platform reports their language (a Discord
    /// interaction's locale): in it where a locale has it.
    pub fn render_in(&self, language: Option<Language>, reply: &Reply) -> Result<String, EngineError> {
        Ok(self.replies.render_in(language, reply)?)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn policy(&self) -> Arc<Policy> {
        self.policy.read().expect("policy lock").clone()
    }

    /// Puts a new policy in force; cases already decided keep the verdict they have.
    pub fn set_policy(&self, policy: Policy) {
        *self.policy.write().expect("policy lock") = Arc::new(policy);
    }

    /// Handles one inbound event of the local chats (jsonl, console) at `now`. A tick runs
    /// whatever is due at `now`.
    pub async fn handle(&self, event: &Inbound, now: DateTime<Utc>) -> Result<(), EngineError> {
        if let Inbound::Tick { .. } = event {
            self.run_due_jobs(now).await?;
            return Ok(());
        }
        self.handle_keyed(Platform::Local, None, event, None, now).await.map(|_| ())
    }

    /// Handles an event from `platform` (its users are that platform's users); a platform
    /// event id seen before is skipped (a redelivery after a reconnect). Returns whether the
    /// event was new.
    pub async fn handle_once(
        &self,
        platform: Platform,
        event_key: &str,
        event: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        self.handle_keyed(platform, Some(event_key), event, None, now).await
    }

    /// `handle_once` for an event whose platform reports the person's language (Discord
    /// interactions carry their locale): a case takes it until the customer's own words tell.
    pub async fn handle_once_in(
        &self,
        platform: Platform,
        event_key: &str,
        event: &Inbound,
        language: Option<Language>,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        self.handle_keyed(platform, Some(event_key), event, language, now).await
    }

    async fn handle_keyed(
        &self,
        platform: Platform,
        event_key: Option<&str>,
        event: &Inbound,
        language: Option<Language>,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        let started = std::time::Instant::now();
        let mut looked_up = LookedUp::default();
        loop {
            match self.run_once(platform, event_key, event, language, now, &looked_up).await? {
                Run::Duplicate => return Ok(false),
                Run::Committed => break,
                // Outside the transaction and the lock, then the same event once more.
                Run::NeedsOrders(lookups) => self.import_stripe_orders(&lookups, now, &mut looked_up).await?,
            }
        }
        let platform = event_key.and_then(|k| k.split_once(':')).map_or("local", |(platform, _)| platform);
        self.observer.event_handled(platform, started.elapsed());
        Ok(true)
    }

    /// One run of an event in one transaction, committed unless it needs orders from Stripe.
    async fn run_once(
        &self,
        platform: Platform,
        event_key: Option<&str>,
        event: &Inbound,
        language: Option<Language>,
        now: DateTime<Utc>,
        looked_up: &LookedUp,
    ) -> Result<Run, EngineError> {
        let _one_at_a_time = self.serial.lock().await;
        let mut turn = Turn::begin(self, now).await?;
        turn.platform = platform;
        turn.platform_language = language;
        turn.roles = event.roles().to_vec();
        turn.name = event.name().map(str::to_string);
        turn.looked_up = looked_up.clone();
        if let Some(key) = event_key {
            if !turn.tx.first_sighting(key, now).await? {
                return Ok(Run::Duplicate);
            }
        }
        match event {
            Inbound::Message { user, text, to: None, .. } => turn.on_message(user, text).await?,
            Inbound::Message { user, text, to: Some(to), written, .. } => {
                turn.on_thread_message(user, to, text, written.as_deref()).await?
            }
            Inbound::Refused { message, error } => turn.on_refused(message, error).await?,
            Inbound::Click { user, button, .. } => turn.on_click(user, button, None).await?,
            Inbound::Submit { user, button, text, .. } => turn.on_click(user, button, Some(text)).await?,
            Inbound::React { user, message, emoji, .. } => turn.on_react(user, message, emoji).await?,
            Inbound::Tick { .. } => {}
        }
        if !turn.order_lookups.is_empty() {
            // Dropping the turn rolls it back: nothing of this run is kept or sent.
            return Ok(Run::NeedsOrders(std::mem::take(&mut turn.order_lookups)));
        }
        turn.commit().await?;
        Ok(Run::Committed)
    }

    /// Reports, once each, deliveries a platform refused for good (see `Turn::report_refusals`).
    pub async fn report_refusals(&self, now: DateTime<Utc>) -> Result<(), EngineError> {
        if !self.store.has_unreported_refusals().await? {
            return Ok(());
        }
        let _one_at_a_time = self.serial.lock().await;
        let mut turn = Turn::begin(self, now).await?;
        turn.report_refusals().await?;
        turn.commit().await
    }

    /// A notice to the managers' channel that belongs to no case (a refused policy, say).
    pub async fn notify_managers(&self, reply: &Reply, now: DateTime<Utc>) -> Result<(), EngineError> {
        let text = self.replies.render(reply)?;
        let mut tx = self.store.begin().await?;
        let mut message = crate::store::NewMessage::new(Address::Managers, Purpose::Notice, text);
        message.mentions = vec!["role:managers".into()];
        tx.send(message, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A setup problem on a platform (the bot lacks `permission` in `channel_id`) told to the
    /// managers once per platform, channel and permission, across restarts and replicas: the
    /// note and the notice commit together. Returns whether this call told them.
    pub async fn warn_managers_once(
        &self,
        platform: Platform,
        channel_id: &str,
        permission: &str,
        reply: &Reply,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        let text = self.replies.render(reply)?;
        let mut tx = self.store.begin().await?;
        if !tx.first_warning(platform, channel_id, permission, now).await? {
            return Ok(false);
        }
        let mut message = crate::store::NewMessage::new(Address::Managers, Purpose::Notice, text);
        message.mentions = vec!["role:managers".into()];
        tx.send(message, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Runs every job due at `now`, each in its own transaction; returns how many ran.
    pub async fn run_due_jobs(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        // The first run of a process schedules the jobs without a case, at its own clock.
        if !self.background_scheduled.load(std::sync::atomic::Ordering::Relaxed) {
            let _one_at_a_time = self.serial.lock().await;
            self.schedule_background(now).await?;
            self.background_scheduled.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let mut ran = 0;
        loop {
            let attempt = {
                let _one_at_a_time = self.serial.lock().await;
                let mut turn = Turn::begin(self, now).await?;
                let Some(job) = turn.tx.claim_due_job(now).await? else {
                    return Ok(ran);
                };
                let attempt = turn.run_job(&job).await?;
                turn.commit().await?;
                attempt
            };
            // A processor call runs with the transaction committed and the lock released.
            if let Some(attempt) = attempt {
                self.call_stripe(attempt, now).await?;
            }
            ran += 1;
        }
    }

    /// The text to prefill the form behind a button (an agent's Edit: the draft, or empty for
    /// a reply of their own); `None` when the button opens no form and is simply pressed.
    pub async fn form_behind(&self, button: &str) -> Result<Option<String>, EngineError> {
        let Some(id) = ButtonId::parse(button) else {
            return Ok(None);
        };
        let mut tx = self.store.begin().await?;
        let Some(button) = tx.find_button(id).await? else {
            return Ok(None);
        };
        if button.action != ButtonAction::Agent(AgentAction::Edit) {
            return Ok(None);
        }
        let draft = match button.message.purpose {
            Purpose::Draft(draft) => tx.find_draft(draft).await?.map(|d| d.text),
            _ => None,
        };
        Ok(Some(draft.unwrap_or_default()))
    }

    /// Whether the user, or one of their platform roles, is listed in `[roles] agents`.
    pub(super) fn is_agent(&self, user: &str, roles: &[String]) -> bool {
        let agents = &self.settings.roles.agents;
        agents.iter().any(|a| a == user || roles.contains(a))
    }

    pub(super) fn is_manager(&self, user: &str, roles: &[String]) -> bool {
        let managers = &self.settings.roles.managers;
        managers.iter().any(|m| m == user || roles.contains(m))
    }
}
