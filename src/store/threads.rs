//! Case threads and live conversations (`case_threads`), a card's changing buttons, the question
//! a hand-back asks again, and deliveries a platform refused for good, inside a `Tx`.

use super::{from_ts, ts, StoreError, StoreResult, Tx};
use crate::domain::{
    Address, AgentAction, ButtonAction, ButtonId, CaseId, CaseThread, ChatUserId, LiveState, MessageId, Platform,
};
use crate::events::{ButtonOut, Outbound};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

const THREAD_COLUMNS: &str = "case_id, card_message_id, card_status, live, agent, agent_name, waiting_since";

fn thread_from_row(row: &AnyRow) -> StoreResult<CaseThread> {
    let waiting: Option<String> = row.try_get("waiting_since")?;
    Ok(CaseThread {
        case_id: CaseId(row.try_get("case_id")?),
        card: MessageId(row.try_get("card_message_id")?),
        card_status: row.try_get("card_status")?,
        live: LiveState::read(&row.try_get::<String, _>("live")?)?,
        agent: row.try_get("agent")?,
        agent_name: row.try_get("agent_name")?,
        waiting_since: waiting.as_deref().map(from_ts).transpose()?,
    })
}

/// A question the bot asked a customer, to ask again after a hand-back.
#[derive(Debug, Clone)]
pub struct OpenPrompt {
    pub text: String,
    pub expects: Option<String>,
    pub buttons: Vec<(ButtonAction, String)>,
}

/// A delivery a platform refused for good, not yet reported to staff.
#[derive(Debug, Clone)]
pub struct Refused {
    pub outbox_id: i64,
    pub case_id: Option<CaseId>,
    pub action: Outbound,
    pub error: String,
}

/// A live case of a platform's customer, for the catch-up at start-up.
#[derive(Debug, Clone)]
pub struct LiveCustomer {
    pub case_id: CaseId,
    pub customer: ChatUserId,
}

/// A LIKE pattern for the outbox row that sends `message`: a send is serialized with its tag
/// and id first (`Outbound::Send`'s field order).
fn send_pattern(message: MessageId) -> String {
    format!("{{\"kind\":\"send\",\"id\":\"{message}\",%")
}

/// The buttons that steer a live conversation: on a card they change with the case.
fn is_live_control(action: &ButtonAction) -> bool {
    matches!(action, ButtonAction::Agent(AgentAction::TakeOver | AgentAction::HandBack | AgentAction::Close))
}

impl Tx<'_> {
    /// The case's thread (locked on PostgreSQL: live changes of one case do not interleave).
    pub async fn thread_of(&mut self, case: CaseId) -> StoreResult<Option<CaseThread>> {
        let sql =
            format!("SELECT {THREAD_COLUMNS} FROM case_threads WHERE case_id = $1 {}", self.lock_rows("FOR UPDATE"));
        let row = sqlx::query(&sql).bind(case.0).fetch_optional(self.conn()).await?;
        row.as_ref().map(thread_from_row).transpose()
    }

    /// Makes `card` the case's card; the case's later staff posts go to its thread.
    pub async fn create_thread(&mut self, case: CaseId, card: MessageId) -> StoreResult<CaseThread> {
        sqlx::query("INSERT INTO case_threads (case_id, card_message_id, live) VALUES ($1, $2, 'off')")
            .bind(case.0)
            .bind(card.0)
            .execute(self.conn())
            .await
            .map_err(|e| super::conflict_or(e, "the case has a card already"))?;
        self.thread_of(case).await?.ok_or_else(|| StoreError::NotFound(format!("thread of case {case}")))
    }

    pub async fn save_thread(&mut self, thread: &CaseThread) -> StoreResult<()> {
        sqlx::query(
            "UPDATE case_threads SET card_status = $1, live = $2, agent = $3, agent_name = $4, waiting_since = $5
             WHERE case_id = $6",
        )
        .bind(thread.card_status.clone())
        .bind(thread.live.code())
        .bind(thread.agent.clone())
        .bind(thread.agent_name.clone())
        .bind(thread.waiting_since.map(ts))
        .bind(thread.case_id.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The customer's newest open case that people speak in, if any.
    pub async fn live_case_of(&mut self, customer: &ChatUserId) -> StoreResult<Option<CaseId>> {
        let row = sqlx::query(
            "SELECT c.id FROM cases c JOIN case_threads t ON t.case_id = c.id
             WHERE c.customer = $1 AND c.state <> 'closed' AND t.live = 'live' ORDER BY c.id DESC LIMIT 1",
        )
        .bind(customer.to_string())
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?.map(CaseId))
    }

    /// Open live cases whose customers are on `platform`, oldest first.
    pub async fn live_customers(&mut self, platform: Platform) -> StoreResult<Vec<LiveCustomer>> {
        let rows = sqlx::query(
            "SELECT c.id, c.customer FROM cases c JOIN case_threads t ON t.case_id = c.id
             WHERE c.state <> 'closed' AND t.live = 'live' ORDER BY c.id",
        )
        .fetch_all(self.conn())
        .await?;
        let mut live = Vec::new();
        for row in &rows {
            let customer = ChatUserId::parse(&row.try_get::<String, _>("customer")?);
            if customer.platform() == platform {
                live.push(LiveCustomer { case_id: CaseId(row.try_get("id")?), customer });
            }
        }
        Ok(live)
    }

    /// Rewrites a card: its text, and its live controls (take over, or hand back and close).
    /// The buttons of the flow (approve, edit ...) stay while the message is active; once the
    /// flow edited them away they are retired for good, so only the live controls come back.
    /// Without `keep_flow` (the case is closed) they are retired too. A `fresh` card (posted
    /// in this same transaction, so not delivered yet) has its queued post rewritten instead of
    /// an edit queued after it.
    #[allow(clippy::too_many_arguments)]
    pub async fn edit_card(
        &mut self,
        card: MessageId,
        text: &str,
        controls: Vec<(ButtonAction, String)>,
        keep_flow: bool,
        fresh: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let message = self.find_message(card).await?.ok_or_else(|| StoreError::NotFound(card.to_string()))?;
        let rows = sqlx::query("SELECT id, action FROM buttons WHERE message_id = $1 AND retired = 0 ORDER BY id")
            .bind(card.0)
            .fetch_all(self.conn())
            .await?;
        let mut kept = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let action = ButtonAction::read(&row.try_get::<String, _>("action")?)?;
            let wanted = is_live_control(&action) && controls.iter().any(|(a, _)| *a == action);
            let flow_still_open = !is_live_control(&action) && message.active && keep_flow;
            if wanted || flow_still_open {
                kept.push(action);
                continue;
            }
            sqlx::query("UPDATE buttons SET retired = 1 WHERE id = $1").bind(id).execute(self.conn()).await?;
        }
        for (action, label) in controls.into_iter().filter(|(a, _)| !kept.contains(a)) {
            sqlx::query("INSERT INTO buttons (message_id, action, label) VALUES ($1, $2, $3)")
                .bind(card.0)
                .bind(action.to_string())
                .bind(&label)
                .execute(self.conn())
                .await?;
        }
        let buttons = self.live_buttons_of(card).await?;
        sqlx::query("UPDATE messages SET text = $1, active = $2 WHERE id = $3")
            .bind(text)
            .bind(i64::from(!buttons.is_empty()))
            .bind(card.0)
            .execute(self.conn())
            .await?;
        if fresh && self.rewrite_queued_send(card, text, &buttons).await? {
            return Ok(());
        }
        let action = Outbound::Edit { id: card.to_string(), text: text.to_string(), buttons };
        self.enqueue(message.case_id, message.platform, &super::messages::lane_of(&message.recipient), &action, now)
            .await
    }

    /// Replaces the text and buttons of a message's send that is still queued; false when it
    /// is not queued any more.
    async fn rewrite_queued_send(
        &mut self,
        message: MessageId,
        text: &str,
        buttons: &[ButtonOut],
    ) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT id, action_json FROM outbox WHERE delivered_at IS NULL AND action_json LIKE $1 ORDER BY id LIMIT 1",
        )
        .bind(send_pattern(message))
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(false) };
        let mut action: Outbound = serde_json::from_str(&row.try_get::<String, _>("action_json")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if let Outbound::Send { text: queued_text, buttons: queued_buttons, .. } = &mut action {
            *queued_text = text.to_string();
            *queued_buttons = buttons.to_vec();
        }
        let json = serde_json::to_string(&action).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE outbox SET action_json = $1 WHERE id = $2")
            .bind(json)
            .bind(row.try_get::<i64, _>("id")?)
            .execute(self.conn())
            .await?;
        Ok(true)
    }

    /// A message's buttons that are not retired, as the platforms draw them.
    pub(super) async fn live_buttons_of(&mut self, id: MessageId) -> StoreResult<Vec<ButtonOut>> {
        let rows =
            sqlx::query("SELECT id, action, label FROM buttons WHERE message_id = $1 AND retired = 0 ORDER BY id")
                .bind(id.0)
                .fetch_all(self.conn())
                .await?;
        rows.iter()
            .map(|row| {
                let action = ButtonAction::read(&row.try_get::<String, _>("action")?)?;
                Ok(ButtonOut {
                    id: ButtonId(row.try_get("id")?).to_string(),
                    style: action.style(),
                    action: action.to_string(),
                    label: row.try_get("label")?,
                })
            })
            .collect()
    }

    /// The question the bot last asked the customer in a case that is still open (its active
    /// message with buttons or an expected answer).
    pub async fn open_prompt(&mut self, case: CaseId, customer: &ChatUserId) -> StoreResult<Option<OpenPrompt>> {
        let row = sqlx::query(
            "SELECT id, text, expects FROM messages WHERE case_id = $1 AND recipient = $2 AND active = 1
               AND (expects IS NOT NULL OR EXISTS (SELECT 1 FROM buttons b WHERE b.message_id = messages.id))
             ORDER BY id DESC LIMIT 1",
        )
        .bind(case.0)
        .bind(format!("dm:{customer}"))
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id = MessageId(row.try_get("id")?);
        let buttons = self.live_buttons_of(id).await?;
        let buttons = buttons
            .into_iter()
            .map(|b| Ok((ButtonAction::read(&b.action)?, b.label)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(OpenPrompt { text: row.try_get("text")?, expects: row.try_get("expects")?, buttons }))
    }

    /// Records that the platform refused a delivery for good: never retried, reported once.
    pub async fn mark_refused(&mut self, id: i64, error: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, refused = 1, dead_at = $2, next_attempt_at = NULL
             WHERE id = $3",
        )
        .bind(error)
        .bind(ts(now))
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The platform refused the delivery of one of our messages (reported by the adapter
    /// after the fact); false when no undelivered or delivered row of it is known.
    pub async fn refuse_message(&mut self, message: MessageId, error: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let row = sqlx::query("SELECT id FROM outbox WHERE refused = 0 AND action_json LIKE $1 ORDER BY id LIMIT 1")
            .bind(send_pattern(message))
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(false) };
        self.mark_refused(row.try_get("id")?, error, now).await?;
        Ok(true)
    }

    /// Refused deliveries staff have not been told of yet, oldest first.
    pub async fn unreported_refusals(&mut self) -> StoreResult<Vec<Refused>> {
        let sql = format!(
            "SELECT id, case_id, action_json, last_error FROM outbox WHERE refused = 1 AND refusal_reported_at IS NULL
             ORDER BY id LIMIT 50 {}",
            self.lock_rows("FOR UPDATE SKIP LOCKED")
        );
        let rows = sqlx::query(&sql).fetch_all(self.conn()).await?;
        rows.iter()
            .map(|row| {
                let action: String = row.try_get("action_json")?;
                Ok(Refused {
                    outbox_id: row.try_get("id")?,
                    case_id: row.try_get::<Option<i64>, _>("case_id")?.map(CaseId),
                    action: serde_json::from_str(&action).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    error: row.try_get::<Option<String>, _>("last_error")?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Reacts `emoji` on a message someone wrote in `place` (a case's thread), by the
    /// platform's id of it: after what is queued for that place.
    pub async fn mark_written(
        &mut self,
        case: CaseId,
        place: &Address,
        written: &str,
        emoji: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let action = Outbound::Mark { to: place.to_string(), written: written.to_string(), emoji: emoji.to_string() };
        self.enqueue(Some(case), place.platform(self.staff), &super::messages::lane_of(place), &action, now).await
    }

    pub async fn mark_refusal_reported(&mut self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET refusal_reported_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// The look-ups a chat adapter needs for case threads, each in its own short transaction.
impl super::Store {
    /// Whether a refused delivery waits to be reported: a plain read, no write lock taken (the
    /// runner asks every second).
    pub async fn has_unreported_refusals(&self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 AS one FROM outbox WHERE refused = 1 AND refusal_reported_at IS NULL LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// The case whose card is the platform's message `platform_message_id` (a Discord thread's
    /// id is its starter message's id).
    pub async fn case_of_card(&self, platform: &str, platform_message_id: &str) -> StoreResult<Option<CaseId>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT t.case_id FROM case_threads t JOIN platform_messages p ON p.message_id = t.card_message_id
             WHERE p.platform = $1 AND p.platform_message_id = $2",
        )
        .bind(platform)
        .bind(platform_message_id)
        .fetch_optional(tx.conn())
        .await?;
        Ok(row.map(|r| r.try_get("case_id")).transpose()?.map(CaseId))
    }

    /// Whether a case is closed (an adapter tidying up after a post reads it, never writes).
    pub async fn case_is_closed(&self, case: CaseId) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        Ok(tx.load_case(case).await?.is_some_and(|c| c.state == crate::domain::CaseState::Closed))
    }

    /// Where a case's card landed on a platform: (channel id, platform message id).
    pub async fn card_on(&self, case: CaseId, platform: &str) -> StoreResult<Option<(String, String)>> {
        let mut tx = self.begin().await?;
        let Some(thread) = tx.thread_of(case).await? else { return Ok(None) };
        tx.platform_message(thread.card, platform).await
    }

    /// A case's card as it reads now: its id, text and live buttons (a platform that has to
    /// post the card again, like Slack moving it out of a backlog thread, posts these).
    pub async fn card_now(&self, case: CaseId) -> StoreResult<Option<(MessageId, String, Vec<ButtonOut>)>> {
        let mut tx = self.begin().await?;
        let Some(thread) = tx.thread_of(case).await? else { return Ok(None) };
        let Some(card) = tx.find_message(thread.card).await? else { return Ok(None) };
        // As an edit would show it: an inactive message's buttons are gone.
        let buttons = if card.active { tx.live_buttons_of(card.id).await? } else { Vec::new() };
        Ok(Some((card.id, card.text, buttons)))
    }

    /// Open live cases whose customers are on `platform`.
    pub async fn live_customers(&self, platform: Platform) -> StoreResult<Vec<LiveCustomer>> {
        self.begin().await?.live_customers(platform).await
    }

    /// The platform ids of our messages in one channel (a customer's DM channel), as stored.
    pub async fn platform_messages_in(&self, platform: &str, channel_id: &str) -> StoreResult<Vec<String>> {
        let mut tx = self.begin().await?;
        let rows =
            sqlx::query("SELECT platform_message_id FROM platform_messages WHERE platform = $1 AND channel_id = $2")
                .bind(platform)
                .bind(channel_id)
                .fetch_all(tx.conn())
                .await?;
        rows.iter().map(|r| Ok(r.try_get("platform_message_id")?)).collect()
    }
}
