//! Sent messages, their buttons, drafts, escalations and the outbox, all inside a `Tx`.

use super::records::*;
use super::{ts, StoreError, StoreResult, Tx};
use crate::domain::{Address, ButtonAction, ButtonId, CaseId, MessageId, Platform, Purpose, PurposeKind};
use crate::events::{ButtonOut, Outbound};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A message to send; written to `messages`, `buttons` and the outbox together.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub case_id: Option<CaseId>,
    pub to: Address,
    pub purpose: Purpose,
    pub text: String,
    pub expects: Option<String>,
    /// (action, label) pairs.
    pub buttons: Vec<(ButtonAction, String)>,
    pub mentions: Vec<String>,
    pub reactions: Vec<String>,
    /// A file posted with the message (the digest's chart).
    pub attachment: Option<crate::events::Attachment>,
    /// Where a note to one person may be shown to them alone (`Outbound::Send::privately_in`).
    pub privately_in: Option<Address>,
}

impl NewMessage {
    /// A message with no buttons, expectations, mentions or reactions yet.
    pub fn new(to: Address, purpose: Purpose, text: String) -> NewMessage {
        NewMessage {
            case_id: None,
            to,
            purpose,
            text,
            expects: None,
            buttons: Vec::new(),
            mentions: Vec::new(),
            reactions: Vec::new(),
            attachment: None,
            privately_in: None,
        }
    }
}

/// What an edit does to the buttons of the edited message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditButtons {
    Keep,
    Remove,
}

fn message_from_row(row: &AnyRow) -> StoreResult<MessageRecord> {
    let recipient: String = row.try_get("recipient")?;
    let platform: String = row.try_get("platform")?;
    let purpose: String = row.try_get("purpose")?;
    let reference: Option<i64> = row.try_get("ref_id")?;
    let purpose = Purpose::from_parts(PurposeKind::read(&purpose)?, reference)
        .ok_or_else(|| StoreError::Corrupt(format!("message purpose `{purpose}` without its reference")))?;
    Ok(MessageRecord {
        id: MessageId(row.try_get("id")?),
        case_id: row.try_get::<Option<i64>, _>("case_id")?.map(CaseId),
        recipient: Address::parse(&recipient)
            .ok_or_else(|| StoreError::Corrupt(format!("message recipient `{recipient}` is no address")))?,
        platform: Platform::read(&platform)?,
        purpose,
        text: row.try_get("text")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

/// The outbox lane of a destination. A case's thread hangs off its card: what goes there waits
/// for the card, in the agents' lane (a thread starts only once its card is out).
pub(super) fn lane_of(to: &Address) -> String {
    match to {
        Address::Thread(_) => Address::Agents.to_string(),
        to => to.to_string(),
    }
}

const MESSAGE_COLUMNS: &str = "id, case_id, recipient, platform, purpose, ref_id, text, active";

/// An outbox row as `undelivered` and `undelivered_by_lane` select it.
fn outbox_record(row: &AnyRow) -> StoreResult<OutboxRecord> {
    Ok(OutboxRecord {
        id: row.try_get("id")?,
        case_id: row.try_get::<Option<i64>, _>("case_id")?.map(CaseId),
        action_json: row.try_get("action_json")?,
        attempts: row.try_get("attempts")?,
        lane: row.try_get("lane")?,
    })
}

impl Tx<'_> {
    /// Records a message and queues its delivery; returns its id.
    pub async fn send(&mut self, msg: NewMessage, now: DateTime<Utc>) -> StoreResult<MessageId> {
        let is_prompt = !msg.buttons.is_empty() || msg.expects.is_some();
        let to = msg.to.to_string();
        let platform = msg.to.platform(self.staff);
        if let (Some(case), false, true) = (msg.case_id, msg.to.is_staff(), is_prompt) {
            // Only the latest question to a customer is live: older buttons are refused.
            sqlx::query("UPDATE messages SET active = 0 WHERE case_id = $1 AND recipient = $2 AND active = 1")
                .bind(case.0)
                .bind(&to)
                .execute(self.conn())
                .await?;
        }
        let id: i64 = sqlx::query(
            "INSERT INTO messages (case_id, recipient, platform, purpose, ref_id, text, active, created_at, expects)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) RETURNING id",
        )
        .bind(msg.case_id.map(|c| c.0))
        .bind(&to)
        .bind(platform.code())
        .bind(msg.purpose.kind().code())
        .bind(msg.purpose.reference())
        .bind(&msg.text)
        .bind(ts(now))
        .bind(msg.expects.clone())
        .fetch_one(self.conn())
        .await?
        .try_get("id")?;
        let message_id = MessageId(id);
        let mut buttons = Vec::with_capacity(msg.buttons.len());
        for (action, label) in msg.buttons {
            let button_id: i64 =
                sqlx::query("INSERT INTO buttons (message_id, action, label) VALUES ($1, $2, $3) RETURNING id")
                    .bind(id)
                    .bind(action.to_string())
                    .bind(&label)
                    .fetch_one(self.conn())
                    .await?
                    .try_get("id")?;
            let style = action.style();
            buttons.push(ButtonOut { id: ButtonId(button_id).to_string(), action: action.to_string(), label, style });
        }
        let action = Outbound::Send {
            id: message_id.to_string(),
            to,
            case: msg.case_id.map(|c| c.0),
            text: msg.text,
            expects: msg.expects,
            buttons,
            mentions: msg.mentions,
            reactions: msg.reactions,
            attachment: msg.attachment.map(Box::new),
            privately_in: msg.privately_in.map(|a| a.to_string()),
        };
        self.enqueue(msg.case_id, platform, &lane_of(&msg.to), &action, now).await?;
        Ok(message_id)
    }

    /// Replaces a sent message's text; removing its buttons makes them inactive for good.
    pub async fn edit_message(
        &mut self,
        id: MessageId,
        text: &str,
        buttons: EditButtons,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let message = self.find_message(id).await?.ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let active = buttons == EditButtons::Keep && message.active;
        sqlx::query("UPDATE messages SET text = $1, active = $2 WHERE id = $3")
            .bind(text)
            .bind(i64::from(active))
            .bind(id.0)
            .execute(self.conn())
            .await?;
        let buttons = if active { self.live_buttons_of(id).await? } else { Vec::new() };
        let action = Outbound::Edit { id: id.to_string(), text: text.to_string(), buttons };
        self.enqueue(message.case_id, message.platform, &lane_of(&message.recipient), &action, now).await
    }

    pub async fn react(
        &mut self,
        case: Option<CaseId>,
        message: MessageId,
        emoji: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (platform, lane) = self.destination_of(message).await?;
        let action = Outbound::React { message: message.to_string(), emoji: emoji.to_string() };
        self.enqueue(case, platform, &lane, &action, now).await
    }

    /// Removes another person's reaction (a refused decision) on platforms that allow it.
    pub async fn unreact(
        &mut self,
        case: Option<CaseId>,
        message: MessageId,
        user: &str,
        emoji: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (platform, lane) = self.destination_of(message).await?;
        let action =
            Outbound::Unreact { message: message.to_string(), user: user.to_string(), emoji: emoji.to_string() };
        self.enqueue(case, platform, &lane, &action, now).await
    }

    /// The platform and lane of a sent message: reactions and edits go where it went, after it.
    async fn destination_of(&mut self, message: MessageId) -> StoreResult<(Platform, String)> {
        let found = self.find_message(message).await?;
        found.map(|m| (m.platform, lane_of(&m.recipient))).ok_or_else(|| StoreError::NotFound(message.to_string()))
    }

    /// Queues an action. `lane` is its destination (a customer's DM, a staff channel): actions
    /// of one lane go out in order, lanes side by side, so a customer's reply never waits
    /// behind a surge of staff cards paced by their channel.
    pub(super) async fn enqueue(
        &mut self,
        case: Option<CaseId>,
        platform: Platform,
        lane: &str,
        action: &Outbound,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let json = serde_json::to_string(action).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO outbox (case_id, platform, lane, action_json, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(case.map(|c| c.0))
        .bind(platform.code())
        .bind(lane)
        .bind(json)
        .bind(ts(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn find_message(&mut self, id: MessageId) -> StoreResult<Option<MessageRecord>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1");
        let row = sqlx::query(&sql).bind(id.0).fetch_optional(self.conn()).await?;
        row.as_ref().map(message_from_row).transpose()
    }

    pub async fn find_button(&mut self, id: ButtonId) -> StoreResult<Option<ButtonRecord>> {
        let row = sqlx::query("SELECT message_id, action, label, retired FROM buttons WHERE id = $1")
            .bind(id.0)
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let message_id = MessageId(row.try_get("message_id")?);
        let message = self
            .find_message(message_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("button {id} without its message")))?;
        let action = ButtonAction::read(&row.try_get::<String, _>("action")?)?;
        let retired = row.try_get::<i64, _>("retired")? != 0;
        Ok(Some(ButtonRecord { id, message, action, label: row.try_get("label")?, retired }))
    }

    /// One platform's outbound actions due for delivery, oldest first. On PostgreSQL a row
    /// another replica is delivering is skipped, not waited for.
    pub async fn undelivered(
        &mut self,
        platform: Platform,
        limit: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<OutboxRecord>> {
        let sql = format!(
            "SELECT id, case_id, action_json, attempts, lane FROM outbox
             WHERE platform = $1 AND delivered_at IS NULL AND dead_at IS NULL
               AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
             ORDER BY id LIMIT $3 {}",
            self.lock_rows("FOR UPDATE SKIP LOCKED")
        );
        let rows = sqlx::query(&sql).bind(platform.code()).bind(ts(now)).bind(limit).fetch_all(self.conn()).await?;
        rows.iter().map(outbox_record).collect()
    }

    /// Like `undelivered`, but at most `per_lane` of each lane (the oldest due ones), so one
    /// destination's backlog cannot fill the batch while another destination waits.
    pub async fn undelivered_by_lane(
        &mut self,
        platform: Platform,
        per_lane: i64,
        limit: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<OutboxRecord>> {
        let sql = format!(
            "SELECT id, case_id, action_json, attempts, lane FROM outbox WHERE id IN (
                 SELECT id FROM (
                     SELECT id, ROW_NUMBER() OVER (PARTITION BY lane ORDER BY id) AS place FROM outbox
                     WHERE platform = $1 AND delivered_at IS NULL AND dead_at IS NULL
                       AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
                 ) AS due WHERE place <= $3
             )
             ORDER BY id LIMIT $4 {}",
            self.lock_rows("FOR UPDATE SKIP LOCKED")
        );
        let rows = sqlx::query(&sql)
            .bind(platform.code())
            .bind(ts(now))
            .bind(per_lane)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(outbox_record).collect()
    }

    /// How many posts (sends) wait undelivered in one lane of a platform, retries included.
    pub async fn posts_waiting(&mut self, platform: Platform, lane: &str) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS waiting FROM outbox
             WHERE platform = $1 AND lane = $2 AND delivered_at IS NULL AND dead_at IS NULL
               AND action_json LIKE '{\"kind\":\"send\"%'",
        )
        .bind(platform.code())
        .bind(lane)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("waiting")?)
    }

    pub async fn mark_delivered(&mut self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2")
            .bind(ts(now))
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records a failed delivery: retried at `retry_at`, or dead when `retry_at` is `None`.
    pub async fn mark_failed(
        &mut self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let dead_at = retry_at.is_none().then(|| ts(now));
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, dead_at = $3 WHERE id = $4",
        )
        .bind(error)
        .bind(retry_at.map(ts))
        .bind(dead_at)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Actions of a case that could not be delivered, for `case show`.
    pub async fn dead_letters(&mut self, case: CaseId) -> StoreResult<Vec<DeadLetter>> {
        let rows = sqlx::query(
            "SELECT action_json, attempts, last_error, dead_at FROM outbox WHERE case_id = $1 AND dead_at IS NOT NULL ORDER BY id",
        )
        .bind(case.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let action: String = row.try_get("action_json")?;
                Ok(DeadLetter {
                    action: serde_json::from_str(&action).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    attempts: row.try_get("attempts")?,
                    last_error: row.try_get::<Option<String>, _>("last_error")?.unwrap_or_default(),
                    dead_at: row.try_get::<Option<String>, _>("dead_at")?.unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// An outbound action given up on after repeated failures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeadLetter {
    pub action: serde_json::Value,
    pub attempts: i64,
    pub last_error: String,
    pub dead_at: String,
}
