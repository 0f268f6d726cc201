//! Decisions waiting for people: drafts for agents and escalations for managers. Settling one
//! is a conditional update, so of two people acting at once the first wins.

use super::records::{DraftRecord, DraftStatus, EscalationRecord, EscalationStatus};
use super::{from_ts, ts, StoreResult, Tx};
use crate::domain::{CaseId, DraftId, EscalationId, MessageId};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

const DRAFT_COLUMNS: &str = "id, case_id, kind, text, decision_json, status, message_id, created_at";
const ESCALATION_COLUMNS: &str = "id, case_id, message_id, status, created_at, decided_by";

fn draft_from_row(row: &AnyRow) -> StoreResult<DraftRecord> {
    Ok(DraftRecord {
        id: DraftId(row.try_get("id")?),
        case_id: CaseId(row.try_get("case_id")?),
        kind: row.try_get("kind")?,
        text: row.try_get("text")?,
        decision_json: row.try_get("decision_json")?,
        status: DraftStatus::read(&row.try_get::<String, _>("status")?)?,
        message_id: row.try_get::<Option<i64>, _>("message_id")?.map(MessageId),
        created_at: from_ts(&row.try_get::<String, _>("created_at")?)?,
    })
}

fn escalation_from_row(row: &AnyRow) -> StoreResult<EscalationRecord> {
    Ok(EscalationRecord {
        id: EscalationId(row.try_get("id")?),
        case_id: CaseId(row.try_get("case_id")?),
        message_id: row.try_get::<Option<i64>, _>("message_id")?.map(MessageId),
        status: EscalationStatus::read(&row.try_get::<String, _>("status")?)?,
        created_at: from_ts(&row.try_get::<String, _>("created_at")?)?,
        decided_by: row.try_get("decided_by")?,
    })
}

impl Tx<'_> {
    pub async fn insert_draft(
        &mut self,
        case: CaseId,
        kind: &str,
        text: &str,
        decision_json: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<DraftId> {
        // A case has one live draft: a new one supersedes whatever was pending.
        sqlx::query("UPDATE drafts SET status = 'superseded' WHERE case_id = $1 AND status = 'pending'")
            .bind(case.0)
            .execute(self.conn())
            .await?;
        let row = sqlx::query(
            "INSERT INTO drafts (case_id, kind, text, decision_json, status, created_at)
             VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
        )
        .bind(case.0)
        .bind(kind)
        .bind(text)
        .bind(decision_json)
        .bind(ts(now))
        .fetch_one(self.conn())
        .await?;
        Ok(DraftId(row.try_get("id")?))
    }

    pub async fn set_draft_message(&mut self, draft: DraftId, message: MessageId) -> StoreResult<()> {
        self.attach_message("drafts", draft.0, message).await
    }

    pub async fn find_draft(&mut self, id: DraftId) -> StoreResult<Option<DraftRecord>> {
        let sql = format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = $1");
        let row = sqlx::query(&sql).bind(id.0).fetch_optional(self.conn()).await?;
        row.as_ref().map(draft_from_row).transpose()
    }

    pub async fn pending_draft(&mut self, case: CaseId) -> StoreResult<Option<DraftRecord>> {
        let sql = format!(
            "SELECT {DRAFT_COLUMNS} FROM drafts WHERE case_id = $1 AND status = 'pending' ORDER BY id DESC LIMIT 1"
        );
        let row = sqlx::query(&sql).bind(case.0).fetch_optional(self.conn()).await?;
        row.as_ref().map(draft_from_row).transpose()
    }

    pub async fn update_draft_text(&mut self, id: DraftId, text: &str) -> StoreResult<()> {
        sqlx::query("UPDATE drafts SET text = $1 WHERE id = $2").bind(text).bind(id.0).execute(self.conn()).await?;
        Ok(())
    }

    /// Settles a pending draft; false when someone else already did (the race is lost).
    pub async fn decide_draft(
        &mut self,
        id: i64,
        status: DraftStatus,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.settle("drafts", id, status.code(), actor, now).await
    }

    pub async fn insert_escalation(&mut self, case: CaseId, now: DateTime<Utc>) -> StoreResult<EscalationId> {
        let row = sqlx::query(
            "INSERT INTO escalations (case_id, status, created_at) VALUES ($1, 'pending', $2) RETURNING id",
        )
        .bind(case.0)
        .bind(ts(now))
        .fetch_one(self.conn())
        .await?;
        Ok(EscalationId(row.try_get("id")?))
    }

    pub async fn set_escalation_message(&mut self, id: EscalationId, message: MessageId) -> StoreResult<()> {
        self.attach_message("escalations", id.0, message).await
    }

    pub async fn find_escalation(&mut self, id: EscalationId) -> StoreResult<Option<EscalationRecord>> {
        let sql = format!("SELECT {ESCALATION_COLUMNS} FROM escalations WHERE id = $1");
        let row = sqlx::query(&sql).bind(id.0).fetch_optional(self.conn()).await?;
        row.as_ref().map(escalation_from_row).transpose()
    }

    pub async fn pending_escalation(&mut self, case: CaseId) -> StoreResult<Option<EscalationRecord>> {
        let sql = format!("SELECT {ESCALATION_COLUMNS} FROM escalations WHERE case_id = $1 AND status = 'pending' ORDER BY id DESC LIMIT 1");
        let row = sqlx::query(&sql).bind(case.0).fetch_optional(self.conn()).await?;
        row.as_ref().map(escalation_from_row).transpose()
    }

    /// Settles a pending escalation; false when another decision came first.
    pub async fn decide_escalation(
        &mut self,
        id: EscalationId,
        status: EscalationStatus,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.settle("escalations", id.0, status.code(), actor, now).await
    }

    /// Settles a pending row of `table` (drafts, escalations) with a conditional update, so that
    /// of two people acting at once exactly one wins.
    async fn settle(
        &mut self,
        table: &str,
        id: i64,
        status: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let sql = format!(
            "UPDATE {table} SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'pending'"
        );
        let done = sqlx::query(&sql).bind(status).bind(actor).bind(ts(now)).bind(id).execute(self.conn()).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the post that carries a draft or an escalation.
    async fn attach_message(&mut self, table: &str, id: i64, message: MessageId) -> StoreResult<()> {
        let sql = format!("UPDATE {table} SET message_id = $1 WHERE id = $2");
        sqlx::query(&sql).bind(message.0).bind(id).execute(self.conn()).await?;
        Ok(())
    }
}
