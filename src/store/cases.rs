//! Cases, their timeline, refunds, feedback and inbound de-duplication, inside a `Tx` (their
//! scheduled jobs are `jobs.rs`).

use super::{conflict_or, from_ts, ts, StoreError, StoreResult, Tx};
use crate::domain::case::{Case, CaseState, Outcome};
use crate::domain::timeline::EventKind;
use crate::domain::{CaseId, ChatUserId, Email, OrderId, Reason, Resolution};
use crate::language::{Detection, Language, LanguageSource};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

pub(super) const CASE_COLUMNS: &str = "id, customer, order_id, email, reason, details, resolution, state, outcome,
    intake_json, verdict_json, policy_hash, decision_json, flags_json, strikes,
    requested_at, opened_at, updated_at, last_customer_at, language, language_source";

fn json_col<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> StoreResult<Option<T>> {
    let Some(text) = row.try_get::<Option<String>, _>(col)? else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn case_from_row(row: &AnyRow) -> StoreResult<Case> {
    let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("case {what} `{value}`"));
    let state: String = row.try_get("state")?;
    let outcome: String = row.try_get("outcome")?;
    let reason: Option<String> = row.try_get("reason")?;
    let resolution: Option<String> = row.try_get("resolution")?;
    let email: Option<String> = row.try_get("email")?;
    let order_id: Option<String> = row.try_get("order_id")?;
    let language: Option<String> = row.try_get("language")?;
    let language_source: Option<String> = row.try_get("language_source")?;
    let language = match (language, language_source) {
        (Some(language), Some(source)) => {
            Some(Detection { language: Language::read(&language)?, source: LanguageSource::read(&source)? })
        }
        _ => None,
    };
    Ok(Case {
        id: CaseId(row.try_get("id")?),
        customer: ChatUserId::parse(&row.try_get::<String, _>("customer")?),
        order_id: order_id.as_deref().map(|o| OrderId::parse(o).ok_or_else(|| corrupt("order", o))).transpose()?,
        email: email.as_deref().map(|e| Email::parse(e).ok_or_else(|| corrupt("email", e))).transpose()?,
        reason: reason.as_deref().map(|r| Reason::parse(r).ok_or_else(|| corrupt("reason", r))).transpose()?,
        details: row.try_get("details")?,
        resolution: resolution
            .as_deref()
            .map(|r| Resolution::parse(r).ok_or_else(|| corrupt("resolution", r)))
            .transpose()?,
        state: CaseState::read(&state)?,
        outcome: Outcome::read(&outcome)?,
        intake: json_col(row, "intake_json")?,
        verdict: json_col(row, "verdict_json")?,
        policy_hash: row.try_get("policy_hash")?,
        decision: json_col(row, "decision_json")?,
        flags: json_col(row, "flags_json")?.unwrap_or_default(),
        strikes: row.try_get::<i64, _>("strikes")? as u32,
        requested_at: from_ts(&row.try_get::<String, _>("requested_at")?)?,
        opened_at: from_ts(&row.try_get::<String, _>("opened_at")?)?,
        updated_at: from_ts(&row.try_get::<String, _>("updated_at")?)?,
        last_customer_at: from_ts(&row.try_get::<String, _>("last_customer_at")?)?,
        language,
    })
}

/// One line of a case's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    pub at: String,
    pub actor: String,
    pub kind: EventKind,
    pub detail: String,
}

/// A refund in the ledger, as `case show` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct RefundRow {
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub processor: String,
    pub recorded_by: String,
    pub created_at: String,
    /// Processor refunds only (absent for manual ones, so their output is unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor_refund_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedbackRow {
    pub score: i64,
    pub comment: Option<String>,
}

impl Tx<'_> {
    /// Opens a case in the intake state for a customer's first message.
    pub async fn create_case(&mut self, customer: &ChatUserId, now: DateTime<Utc>) -> StoreResult<CaseId> {
        let now = ts(now);
        let row = sqlx::query(
            "INSERT INTO cases (customer, state, outcome, requested_at, opened_at, updated_at, last_customer_at)
             VALUES ($1, 'intake', 'open', $2, $2, $2, $2) RETURNING id",
        )
        .bind(customer.to_string())
        .bind(&now)
        .fetch_one(self.conn())
        .await?;
        Ok(CaseId(row.try_get("id")?))
    }

    pub async fn load_case(&mut self, id: CaseId) -> StoreResult<Option<Case>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1 {}", self.lock_rows("FOR UPDATE"));
        let row = sqlx::query(&sql).bind(id.0).fetch_optional(self.conn()).await?;
        row.as_ref().map(case_from_row).transpose()
    }

    /// The customer's most recent case that is not closed, if any.
    pub async fn active_case_for(&mut self, customer: &ChatUserId) -> StoreResult<Option<Case>> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE customer = $1 AND state <> 'closed' ORDER BY id DESC LIMIT 1 {}",
            self.lock_rows("FOR UPDATE")
        );
        let row = sqlx::query(&sql).bind(customer.to_string()).fetch_optional(self.conn()).await?;
        row.as_ref().map(case_from_row).transpose()
    }

    /// The open case about an order, other than `except`.
    pub async fn open_case_for_order(&mut self, order: &OrderId, except: CaseId) -> StoreResult<Option<CaseId>> {
        let row = sqlx::query("SELECT id FROM cases WHERE order_id = $1 AND outcome = 'open' AND id <> $2 LIMIT 1")
            .bind(order.as_str())
            .bind(except.0)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?.map(CaseId))
    }

    /// Writes every mutable column of a case. A second open case for one order is a `Conflict`.
    pub async fn save_case(&mut self, case: &Case, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE cases SET order_id = $1, email = $2, reason = $3, details = $4, resolution = $5,
                state = $6, outcome = $7, intake_json = $8, verdict_json = $9, policy_hash = $10,
                decision_json = $11, flags_json = $12, strikes = $13, updated_at = $14, last_customer_at = $15
             WHERE id = $16",
        )
        .bind(case.order_id.as_ref().map(|o| o.as_str().to_string()))
        .bind(case.email.as_ref().map(|e| e.as_str().to_string()))
        .bind(case.reason.map(|r| r.code()))
        .bind(case.details.clone())
        .bind(case.resolution.map(|r| r.code()))
        .bind(case.state.code())
        .bind(case.outcome.code())
        .bind(case.intake.as_ref().map(to_json).transpose()?)
        .bind(case.verdict.as_ref().map(to_json).transpose()?)
        .bind(case.policy_hash.clone())
        .bind(case.decision.as_ref().map(to_json).transpose()?)
        .bind(to_json(&case.flags)?)
        .bind(i64::from(case.strikes))
        .bind(ts(now))
        .bind(ts(case.last_customer_at))
        .bind(case.id.0)
        .execute(self.conn())
        .await
        .map_err(|e| conflict_or(e, "another case for this order is already open"))?;
        Ok(())
    }

    /// Keeps the language read for a case at once (staff posts of the same turn read it back).
    pub async fn set_case_language(&mut self, case: CaseId, language: Detection) -> StoreResult<()> {
        sqlx::query("UPDATE cases SET language = $1, language_source = $2 WHERE id = $3")
            .bind(language.language.code())
            .bind(language.source.code())
            .bind(case.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The language a case's customer writes in, if it is known.
    pub async fn case_language(&mut self, case: CaseId) -> StoreResult<Option<Language>> {
        let row =
            sqlx::query("SELECT language FROM cases WHERE id = $1").bind(case.0).fetch_optional(self.conn()).await?;
        let code: Option<String> = row.map(|r| r.try_get("language")).transpose()?.flatten();
        Ok(code.as_deref().map(Language::read).transpose()?)
    }

    /// Appends to a case's timeline.
    pub async fn add_event(
        &mut self,
        case: CaseId,
        at: DateTime<Utc>,
        actor: &str,
        kind: EventKind,
        detail: &str,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO events (case_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(case.0)
            .bind(ts(at))
            .bind(actor)
            .bind(kind.code())
            .bind(detail)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn timeline(&mut self, case: CaseId) -> StoreResult<Vec<TimelineEvent>> {
        let rows = sqlx::query("SELECT at, actor, kind, detail FROM events WHERE case_id = $1 ORDER BY id")
            .bind(case.0)
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TimelineEvent {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    kind: EventKind::read(&r.try_get::<String, _>("kind")?)?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    pub async fn list_cases(&mut self, state: Option<&str>) -> StoreResult<Vec<Case>> {
        let sql =
            format!("SELECT {CASE_COLUMNS} FROM cases WHERE ($1 IS NULL OR state = $1 OR outcome = $1) ORDER BY id");
        let rows = sqlx::query(&sql).bind(state.map(str::to_string)).fetch_all(self.conn()).await?;
        rows.iter().map(case_from_row).collect()
    }

    /// Records a platform event id; false when it was seen before (a redelivery).
    pub async fn first_sighting(&mut self, key: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let done =
            sqlx::query("INSERT INTO inbound_seen (event_key, at) VALUES ($1, $2) ON CONFLICT (event_key) DO NOTHING")
                .bind(key)
                .bind(ts(now))
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a refund once per approval key; false if that approval was already refunded.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_refund(
        &mut self,
        case: &Case,
        amount_minor: i64,
        currency: &str,
        processor: &str,
        actor: &str,
        approval_key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let (Some(order), Some(email)) = (&case.order_id, &case.email) else {
            return Err(StoreError::Corrupt(format!("case {} has no proven order", case.id)));
        };
        let done = sqlx::query(
            "INSERT INTO refunds (case_id, order_id, email, amount_minor, currency, status, processor, recorded_by, approval_key, created_at)
             VALUES ($1, $2, $3, $4, $5, 'succeeded', $6, $7, $8, $9) ON CONFLICT (approval_key) DO NOTHING",
        )
        .bind(case.id.0)
        .bind(order.as_str())
        .bind(email.as_str())
        .bind(amount_minor)
        .bind(currency)
        .bind(processor)
        .bind(actor)
        .bind(approval_key)
        .bind(ts(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Times of the succeeded refunds this bot recorded for a purchase email.
    pub async fn refund_times_for_email(&mut self, email: &Email) -> StoreResult<Vec<DateTime<Utc>>> {
        let rows = sqlx::query("SELECT created_at FROM refunds WHERE email = $1 AND status = 'succeeded'")
            .bind(email.as_str())
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(|r| from_ts(&r.try_get::<String, _>("created_at")?)).collect()
    }

    pub async fn refunds_of_case(&mut self, case: CaseId) -> StoreResult<Vec<RefundRow>> {
        let rows = sqlx::query(
            "SELECT amount_minor, currency, status, processor, recorded_by, created_at, idempotency_key, processor_refund_id, last_error
             FROM refunds WHERE case_id = $1 ORDER BY id",
        )
        .bind(case.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RefundRow {
                    amount_minor: r.try_get("amount_minor")?,
                    currency: r.try_get("currency")?,
                    status: r.try_get("status")?,
                    processor: r.try_get("processor")?,
                    recorded_by: r.try_get("recorded_by")?,
                    created_at: r.try_get("created_at")?,
                    idempotency_key: r.try_get("idempotency_key")?,
                    processor_refund_id: r.try_get("processor_refund_id")?,
                    last_error: r.try_get("last_error")?,
                })
            })
            .collect()
    }

    pub async fn save_feedback(
        &mut self,
        case: CaseId,
        score: u8,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO feedback (case_id, score, comment, at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (case_id) DO UPDATE SET score = excluded.score, comment = COALESCE(excluded.comment, feedback.comment), at = excluded.at",
        )
        .bind(case.0)
        .bind(i64::from(score))
        .bind(comment.map(str::to_string))
        .bind(ts(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn feedback_of(&mut self, case: CaseId) -> StoreResult<Option<FeedbackRow>> {
        let row = sqlx::query("SELECT score, comment FROM feedback WHERE case_id = $1")
            .bind(case.0)
            .fetch_optional(self.conn())
            .await?;
        row.map(|r| Ok(FeedbackRow { score: r.try_get("score")?, comment: r.try_get("comment")? })).transpose()
    }

    /// Remembers that a chat user proved an email with an order id.
    pub async fn remember_email(&mut self, customer: &ChatUserId, email: &Email) -> StoreResult<()> {
        sqlx::query("INSERT INTO customer_emails (customer, email) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(customer.to_string())
            .bind(email.as_str())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn has_proved_email(&mut self, customer: &ChatUserId, email: &Email) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 AS one FROM customer_emails WHERE customer = $1 AND email = $2")
            .bind(customer.to_string())
            .bind(email.as_str())
            .fetch_optional(self.conn())
            .await?;
        Ok(row.is_some())
    }
}

impl super::Store {
    /// Cases, oldest first, optionally in one state or outcome (its own short transaction).
    pub async fn cases(&self, state: Option<&str>) -> StoreResult<Vec<Case>> {
        self.begin().await?.list_cases(state).await
    }
}
