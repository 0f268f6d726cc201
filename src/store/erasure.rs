//! Erasing a customer's personal data: finding their cases, blanking the columns known to
//! hold their words, and the record of the erasure itself (which never names them). The scrub
//! of every text column (`scrub.rs`) runs after this, for whatever quotes them elsewhere.

use super::{from_ts, ts, StoreResult, Tx};
use crate::domain::timeline::EventKind;
use crate::domain::{CaseId, ChatUserId};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// What an erased text becomes.
pub const ERASED: &str = "[erased]";

/// Timeline kinds whose detail the bot wrote from figures and codes (a verdict, an amount, a
/// reminder). Every other kind's detail (the customer's words, relayed messages, notes, and any
/// kind added later) is blanked: a new kind is private until someone decides otherwise.
const KEPT_DETAILS: &[EventKind] = &[
    EventKind::Confirmed,
    EventKind::Verdict,
    EventKind::Escalated,
    EventKind::Approved,
    EventKind::Rejected,
    EventKind::ExceptionApproved,
    EventKind::ExceptionDenied,
    EventKind::Refunded,
    EventKind::RefundStarted,
    EventKind::RefundPending,
    EventKind::RefundRetry,
    EventKind::RefundFailed,
    EventKind::Alternative,
    EventKind::Cancelled,
    EventKind::Closed,
    EventKind::Reminder,
    EventKind::Followup,
    EventKind::Feedback,
    EventKind::Flagged,
    EventKind::Erased,
];

/// One case of the person being forgotten.
#[derive(Debug, Clone)]
pub struct PersonCase {
    pub id: CaseId,
    pub customer: String,
    pub state: String,
    pub outcome: String,
    pub updated_at: DateTime<Utc>,
    pub erased: bool,
}

/// Why a case cannot be erased yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Busy {
    /// Not decided: its outcome is still `open`.
    Open { state: String },
    /// A refund is still with the processor.
    RefundPending,
    /// Messages of the case wait to be delivered.
    Undelivered,
}

/// `$first, $first+1, ...` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl Tx<'_> {
    /// The chat users who proved `email` or opened a case with it.
    pub async fn users_of_email(&mut self, email: &str) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT customer FROM customer_emails WHERE email = $1
             UNION SELECT customer FROM cases WHERE email = $1 AND erased_at IS NULL ORDER BY customer",
        )
        .bind(email)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("customer")?)).collect()
    }

    /// The cases about any of `emails` or opened by any of `users`, oldest first.
    pub async fn cases_of_person(&mut self, emails: &[String], users: &[String]) -> StoreResult<Vec<PersonCase>> {
        if emails.is_empty() && users.is_empty() {
            return Ok(Vec::new());
        }
        let mut filter = Vec::new();
        if !emails.is_empty() {
            filter.push(format!("email IN ({})", placeholders(1, emails.len())));
        }
        if !users.is_empty() {
            filter.push(format!("customer IN ({})", placeholders(emails.len() + 1, users.len())));
        }
        let sql = format!(
            "SELECT id, customer, state, outcome, updated_at, erased_at FROM cases WHERE {} ORDER BY id",
            filter.join(" OR ")
        );
        let mut query = sqlx::query(&sql);
        for value in emails.iter().chain(users) {
            query = query.bind(value.clone());
        }
        let rows = query.fetch_all(self.conn()).await?;
        rows.iter()
            .map(|r| {
                Ok(PersonCase {
                    id: CaseId(r.try_get("id")?),
                    customer: r.try_get("customer")?,
                    state: r.try_get("state")?,
                    outcome: r.try_get("outcome")?,
                    updated_at: from_ts(&r.try_get::<String, _>("updated_at")?)?,
                    erased: r.try_get::<Option<String>, _>("erased_at")?.is_some(),
                })
            })
            .collect()
    }

    /// Whether the case still has work in flight that its personal data is needed for.
    pub async fn erasure_blocker(&mut self, case: &PersonCase) -> StoreResult<Option<Busy>> {
        if case.outcome == "open" {
            return Ok(Some(Busy::Open { state: case.state.clone() }));
        }
        let pending = sqlx::query("SELECT 1 AS one FROM refunds WHERE case_id = $1 AND status = 'pending' LIMIT 1")
            .bind(case.id.0)
            .fetch_optional(self.conn())
            .await?;
        if pending.is_some() {
            return Ok(Some(Busy::RefundPending));
        }
        let waiting = sqlx::query(
            "SELECT 1 AS one FROM outbox WHERE case_id = $1 AND delivered_at IS NULL AND dead_at IS NULL LIMIT 1",
        )
        .bind(case.id.0)
        .fetch_optional(self.conn())
        .await?;
        Ok(waiting.map(|_| Busy::Undelivered))
    }

    /// Writes the record of an erasure (who ran it, why, which cases; never whom it was about).
    pub async fn record_erasure(
        &mut self,
        actor: &str,
        cause: &str,
        cases: &[CaseId],
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let ids: Vec<String> = cases.iter().map(|c| c.0.to_string()).collect();
        let row = sqlx::query(
            "INSERT INTO erasures (at, actor, cause, cases, case_ids) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(ts(now))
        .bind(actor)
        .bind(cause)
        .bind(cases.len() as i64)
        .bind(ids.join(","))
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Blanks what one case holds of its customer: their words, the case's messages and
    /// drafts, the feedback comment; the case keeps its order, reason, verdict, outcome and
    /// refunds, is closed, and its jobs are dropped (nobody is left to remind or ask).
    pub async fn erase_case(&mut self, case: CaseId, pseudonym: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let now = ts(now);
        sqlx::query(
            "UPDATE cases SET customer = $1, email = NULL, details = NULL, intake_json = NULL, state = 'closed',
                updated_at = $2, erased_at = $2 WHERE id = $3",
        )
        .bind(pseudonym)
        .bind(&now)
        .bind(case.0)
        .execute(self.conn())
        .await?;
        let kept: Vec<String> = KEPT_DETAILS.iter().map(|k| format!("'{}'", k.code())).collect();
        let events = format!("UPDATE events SET detail = $1 WHERE case_id = $2 AND kind NOT IN ({})", kept.join(", "));
        sqlx::query(&events).bind(ERASED).bind(case.0).execute(self.conn()).await?;
        for sql in
            ["UPDATE messages SET text = $1 WHERE case_id = $2", "UPDATE drafts SET text = $1 WHERE case_id = $2"]
        {
            sqlx::query(sql).bind(ERASED).bind(case.0).execute(self.conn()).await?;
        }
        sqlx::query("UPDATE feedback SET comment = NULL WHERE case_id = $1").bind(case.0).execute(self.conn()).await?;
        sqlx::query("DELETE FROM jobs WHERE case_id = $1").bind(case.0).execute(self.conn()).await?;
        let rows = sqlx::query("SELECT id, action_json FROM outbox WHERE case_id = $1")
            .bind(case.0)
            .fetch_all(self.conn())
            .await?;
        for row in rows {
            let action: String = row.try_get("action_json")?;
            let blanked = blank_texts(&action);
            sqlx::query("UPDATE outbox SET action_json = $1 WHERE id = $2")
                .bind(blanked)
                .bind(row.try_get::<i64, _>("id")?)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Removes the person's identities from the tables keyed by them: proved emails, direct
    /// message channels and where the bot's DMs to them landed; the ledger's and the orders'
    /// email becomes the pseudonym, so amounts and counts stay.
    pub async fn erase_identities(
        &mut self,
        emails: &[String],
        users: &[ChatUserId],
        pseudonym_email: &str,
    ) -> StoreResult<u64> {
        let mut changed = 0;
        for email in emails {
            for sql in
                ["UPDATE refunds SET email = $1 WHERE email = $2", "UPDATE orders SET email = $1 WHERE email = $2"]
            {
                changed +=
                    sqlx::query(sql).bind(pseudonym_email).bind(email).execute(self.conn()).await?.rows_affected();
            }
            sqlx::query("DELETE FROM customer_emails WHERE email = $1").bind(email).execute(self.conn()).await?;
        }
        for user in users {
            let written = user.to_string();
            sqlx::query("DELETE FROM customer_emails WHERE customer = $1").bind(&written).execute(self.conn()).await?;
            sqlx::query(
                "DELETE FROM platform_messages WHERE message_id IN (SELECT id FROM messages WHERE recipient = $1)",
            )
            .bind(format!("dm:{written}"))
            .execute(self.conn())
            .await?;
            sqlx::query("UPDATE messages SET text = $1 WHERE recipient = $2")
                .bind(ERASED)
                .bind(format!("dm:{written}"))
                .execute(self.conn())
                .await?;
            sqlx::query("DELETE FROM platform_dm_channels WHERE platform = $1 AND user_id = $2")
                .bind(user.platform().code())
                .bind(user.platform_id())
                .execute(self.conn())
                .await?;
        }
        Ok(changed)
    }

    /// Erasures done since `since`, for the metrics and the digest.
    pub async fn erasures_since(&mut self, since: DateTime<Utc>) -> StoreResult<i64> {
        let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM erasures WHERE at >= $1")
            .bind(ts(since))
            .fetch_one(self.conn())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// The customers whose every case ended, all erasable, and whose latest case was last
    /// touched before `cutoff`: what `[retention] days` forgets. At most `limit`.
    pub async fn customers_past_retention(&mut self, cutoff: DateTime<Utc>, limit: i64) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT customer FROM cases WHERE erased_at IS NULL GROUP BY customer
             HAVING MAX(updated_at) < $1 AND SUM(CASE WHEN outcome = 'open' THEN 1 ELSE 0 END) = 0
             ORDER BY MAX(updated_at) LIMIT $2",
        )
        .bind(ts(cutoff))
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("customer")?)).collect()
    }

    /// The emails on a chat user's cases and the ones they proved.
    pub async fn emails_of_user(&mut self, user: &str) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT email FROM customer_emails WHERE customer = $1
             UNION SELECT email FROM cases WHERE customer = $1 AND email IS NOT NULL ORDER BY email",
        )
        .bind(user)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("email")?)).collect()
    }
}

/// An outbound action as JSON with every `text` value blanked (kept as JSON so a dead
/// letter still reads).
fn blank_texts(action: &str) -> String {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if key == "text" && value.is_string() {
                        *value = serde_json::Value::String(ERASED.into());
                    } else {
                        walk(value);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(action) {
        Ok(mut value) => {
            walk(&mut value);
            value.to_string()
        }
        Err(_) => format!("{{\"text\":\"{ERASED}\"}}"),
    }
}
