//! Spike incidents: how many requests a product had in a period, the incident open for it, its
//! cases, and the one decision managers take for all of them.

use super::{from_ts, ts, StoreResult, Tx};
use crate::domain::{CaseId, IncidentId, MessageId, Reason};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// Where an incident stands, as `incidents.state` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentState {
    Open,
    Approved,
    Denied,
}

impl IncidentState {
    pub fn code(self) -> &'static str {
        match self {
            IncidentState::Open => "open",
            IncidentState::Approved => "approved",
            IncidentState::Denied => "denied",
        }
    }

    fn read(code: &str) -> Option<IncidentState> {
        [IncidentState::Open, IncidentState::Approved, IncidentState::Denied].into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone)]
pub struct IncidentRecord {
    pub id: IncidentId,
    pub sku: String,
    pub product: String,
    /// `None`: every reason of the product.
    pub reason: Option<Reason>,
    pub state: IncidentState,
    pub message_id: Option<MessageId>,
    pub opened_at: DateTime<Utc>,
    pub decided_by: Option<String>,
}

/// A case of an incident, as its post lists it.
#[derive(Debug, Clone)]
pub struct IncidentCase {
    pub case_id: CaseId,
    pub customer: String,
    pub reason: Option<Reason>,
    pub details: Option<String>,
    pub state: String,
    pub outcome: String,
}

const INCIDENT_COLUMNS: &str = "id, sku, product, reason, state, message_id, opened_at, decided_by";

fn incident_from_row(row: &sqlx::any::AnyRow) -> StoreResult<IncidentRecord> {
    let state: String = row.try_get("state")?;
    let reason: Option<String> = row.try_get("reason")?;
    Ok(IncidentRecord {
        id: IncidentId(row.try_get("id")?),
        sku: row.try_get("sku")?,
        product: row.try_get("product")?,
        reason: reason.as_deref().map(Reason::read).transpose()?,
        state: IncidentState::read(&state)
            .ok_or_else(|| super::StoreError::Corrupt(format!("incident state `{state}`")))?,
        message_id: row.try_get::<Option<i64>, _>("message_id")?.map(MessageId),
        opened_at: from_ts(&row.try_get::<String, _>("opened_at")?)?,
        decided_by: row.try_get("decided_by")?,
    })
}

impl Tx<'_> {
    /// Requests about a product (and reason, when given) that reached a verdict, made in
    /// `[since, until)`, other than `except`.
    pub async fn requests_for_product(
        &mut self,
        sku: &str,
        reason: Option<Reason>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        except: CaseId,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM cases c JOIN orders o ON o.order_id = c.order_id
             WHERE o.sku = $1 AND ($2 IS NULL OR c.reason = $2) AND c.verdict_json IS NOT NULL
               AND c.requested_at >= $3 AND c.requested_at < $4 AND c.id <> $5",
        )
        .bind(sku)
        .bind(reason.map(|r| r.code()))
        .bind(ts(since))
        .bind(ts(until))
        .bind(except.0)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// The undecided incident a request about this product and reason joins: one about that
    /// reason, else one about the whole product. Locked, so a decision waits for the join.
    pub async fn open_incident_for(
        &mut self,
        sku: &str,
        reason: Option<Reason>,
    ) -> StoreResult<Option<IncidentRecord>> {
        let sql = format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE state = 'open' AND sku = $1 AND (reason IS NULL OR reason = $2)
             ORDER BY reason IS NULL, id LIMIT 1 {}",
            self.lock_rows("FOR UPDATE")
        );
        let row = sqlx::query(&sql).bind(sku).bind(reason.map(|r| r.code())).fetch_optional(self.conn()).await?;
        row.as_ref().map(incident_from_row).transpose()
    }

    /// Whether an incident about this product was decided since `since`: its spike is being
    /// handled, and the requests after it go their normal way instead of a new ping.
    pub async fn incident_decided_since(&mut self, sku: &str, since: DateTime<Utc>) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM incidents WHERE sku = $1 AND state <> 'open' AND decided_at >= $2 LIMIT 1",
        )
        .bind(sku)
        .bind(ts(since))
        .fetch_optional(self.conn())
        .await?;
        Ok(row.is_some())
    }

    pub async fn find_incident(&mut self, id: IncidentId) -> StoreResult<Option<IncidentRecord>> {
        let sql = format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = $1 {}", self.lock_rows("FOR UPDATE"));
        let row = sqlx::query(&sql).bind(id.0).fetch_optional(self.conn()).await?;
        row.as_ref().map(incident_from_row).transpose()
    }

    /// Opens an incident; `None` when another one for the same product and reason opened first.
    pub async fn create_incident(
        &mut self,
        sku: &str,
        product: &str,
        reason: Option<Reason>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IncidentId>> {
        let row = sqlx::query(
            "INSERT INTO incidents (sku, product, reason, state, opened_at) VALUES ($1, $2, $3, 'open', $4)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(sku)
        .bind(product)
        .bind(reason.map(|r| r.code()))
        .bind(ts(now))
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?.map(IncidentId))
    }

    pub async fn set_incident_message(&mut self, id: IncidentId, message: MessageId) -> StoreResult<()> {
        sqlx::query("UPDATE incidents SET message_id = $1 WHERE id = $2")
            .bind(message.0)
            .bind(id.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Adds a case to an incident; false when the case already belongs to one.
    pub async fn join_incident(&mut self, id: IncidentId, case: CaseId, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO incident_cases (incident_id, case_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id.0)
        .bind(case.0)
        .bind(ts(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Open cases about this product (and reason) requested since `since`, waiting for staff
    /// and in no incident yet: those a new incident gathers.
    pub async fn cases_for_new_incident(
        &mut self,
        sku: &str,
        reason: Option<Reason>,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<CaseId>> {
        let rows = sqlx::query(
            "SELECT c.id FROM cases c JOIN orders o ON o.order_id = c.order_id
             WHERE o.sku = $1 AND ($2 IS NULL OR c.reason = $2) AND c.requested_at >= $3 AND c.outcome = 'open'
               AND c.state IN ('awaiting_agent', 'awaiting_manager')
               AND NOT EXISTS (SELECT 1 FROM incident_cases ic WHERE ic.case_id = c.id)
             ORDER BY c.id",
        )
        .bind(sku)
        .bind(reason.map(|r| r.code()))
        .bind(ts(since))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok(CaseId(r.try_get("id")?))).collect()
    }

    /// The incident's cases, oldest first.
    pub async fn incident_cases(&mut self, id: IncidentId) -> StoreResult<Vec<IncidentCase>> {
        let rows = sqlx::query(
            "SELECT c.id, c.customer, c.reason, c.details, c.state, c.outcome FROM incident_cases ic
             JOIN cases c ON c.id = ic.case_id WHERE ic.incident_id = $1 ORDER BY c.id",
        )
        .bind(id.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let reason: Option<String> = r.try_get("reason")?;
                Ok(IncidentCase {
                    case_id: CaseId(r.try_get("id")?),
                    customer: r.try_get("customer")?,
                    reason: reason.as_deref().map(Reason::read).transpose()?,
                    details: r.try_get("details")?,
                    state: r.try_get("state")?,
                    outcome: r.try_get("outcome")?,
                })
            })
            .collect()
    }

    /// The incident a case belongs to.
    pub async fn incident_of_case(&mut self, case: CaseId) -> StoreResult<Option<IncidentId>> {
        let row = sqlx::query("SELECT incident_id FROM incident_cases WHERE case_id = $1")
            .bind(case.0)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.try_get("incident_id")).transpose()?.map(IncidentId))
    }

    /// Settles an open incident once; false when it was already decided (the first wins).
    pub async fn decide_incident(
        &mut self,
        id: IncidentId,
        state: IncidentState,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE incidents SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'open'",
        )
        .bind(state.code())
        .bind(by)
        .bind(ts(now))
        .bind(id.0)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The pending drafts of an incident's cases made by its decision, oldest first.
    pub async fn incident_drafts(&mut self, id: IncidentId) -> StoreResult<Vec<(CaseId, i64)>> {
        let rows = sqlx::query(
            "SELECT d.case_id, d.id FROM drafts d JOIN incident_cases ic ON ic.case_id = d.case_id
             WHERE ic.incident_id = $1 AND d.status = 'pending' AND d.kind = 'incident' ORDER BY d.id",
        )
        .bind(id.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok((CaseId(r.try_get("case_id")?), r.try_get("id")?))).collect()
    }

    /// The approve button on a draft's post.
    pub async fn approve_button_of_draft(&mut self, draft: i64) -> StoreResult<Option<crate::domain::ButtonId>> {
        let row = sqlx::query(
            "SELECT b.id FROM buttons b JOIN drafts d ON d.message_id = b.message_id
             WHERE d.id = $1 AND b.action = 'approve' ORDER BY b.id LIMIT 1",
        )
        .bind(draft)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?.map(crate::domain::ButtonId))
    }

    /// Incidents waiting for managers, for the metrics.
    pub async fn open_incidents(&mut self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM incidents WHERE state = 'open'")
            .fetch_one(self.conn())
            .await?;
        Ok(row.try_get("n")?)
    }
}
