//! The outbox drain: every committed outbound action handed to its platform at least once,
//! with a stable id, retried with backoff, and kept as a dead letter when it cannot go.

use crate::domain::timeline::EventKind;
use crate::domain::Platform;
use crate::events::Outbound;
use crate::store::{Backend, OutboxRecord, Store, Tx};
use chrono::{DateTime, Duration, Utc};
use std::future::Future;

/// Deliveries are given up after this many failures (about 17 minutes of backoff in all).
pub const MAX_ATTEMPTS: i64 = 10;

/// Waits 2, 4, 8 ... seconds between attempts, at most five minutes.
fn backoff(attempts: i64) -> Duration {
    Duration::seconds(2i64.saturating_pow(attempts.clamp(1, 20) as u32).min(300))
}

/// What one drain did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    pub delivered: usize,
    pub failed: usize,
    pub dead: usize,
    /// Refused by the platform for good ([`Refused`]): not retried, reported to staff.
    pub refused: usize,
}

/// The error an adapter's delivery returns when the platform refuses it for good (Discord
/// 50007: the customer closed their DMs or left; Slack `messages_tab_disabled`): retrying would
/// only fail again, so the row is kept as refused and staff are told once.
#[derive(Debug, thiserror::Error)]
#[error("refused by the platform: {reason}")]
pub struct Refused {
    pub reason: String,
}

/// Rows read per batch.
pub(super) const BATCH: i64 = 100;

/// On SQLite, delivered rows are marked together, at the latest this long after the first of
/// them was delivered: instant deliveries (jsonl, console) share one commit per batch, slow ones
/// (Discord's paced calls) are still marked within moments.
pub(super) const MARK_WITHIN: std::time::Duration = std::time::Duration::from_millis(100);

/// Hands every due outbox action of `platform` to `deliver`, oldest first, marking each delivered after
/// `deliver` succeeds (a crash in between redelivers it: at least once, with a stable id).
/// A failure is retried with backoff; after `MAX_ATTEMPTS` it becomes a dead letter, logged and
/// shown in `case show`, never silently dropped.
///
/// On PostgreSQL the batch's rows stay locked while they are delivered, so another replica
/// skips them. SQLite has one writer: a transaction held open across a delivery that writes
/// (a Discord message id, say) would fail with "database is locked", so there each batch is read
/// in a short transaction and the outcomes are written in short ones (see `MARK_WITHIN`);
/// callers keep to one drain per process.
pub async fn drain_outbox<F, Fut>(
    store: &Store,
    platform: Platform,
    now: DateTime<Utc>,
    mut deliver: F,
) -> anyhow::Result<Drained>
where
    F: FnMut(Outbound) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let hold_locks = store.backend() == Backend::Postgres;
    let mut drained = Drained::default();
    loop {
        let mut tx = store.begin().await?;
        let batch = tx.undelivered(platform, BATCH, now).await?;
        if batch.is_empty() {
            return Ok(drained);
        }
        let mut held = if hold_locks {
            Some(tx)
        } else {
            tx.commit().await?;
            None
        };
        let mut unmarked = Vec::new();
        let mut first_unmarked = None;
        for record in &batch {
            let action: Outbound = serde_json::from_str(&record.action_json)?;
            let outcome = deliver(action).await;
            match held.as_mut() {
                Some(tx) => settle(tx, record, outcome, now, &mut drained).await?,
                None => {
                    unmarked.push((record, outcome));
                    let first = *first_unmarked.get_or_insert_with(std::time::Instant::now);
                    if first.elapsed() >= MARK_WITHIN {
                        settle_all(store, &mut unmarked, now, &mut drained).await?;
                        first_unmarked = None;
                    }
                }
            }
        }
        settle_all(store, &mut unmarked, now, &mut drained).await?;
        if let Some(tx) = held {
            tx.commit().await?;
        }
        // A short batch was all that was due; whoever writes more drains after committing.
        if drained.failed + drained.dead > 0 || (batch.len() as i64) < BATCH {
            // Retries wait for their backoff; the rest of this batch went through above.
            return Ok(drained);
        }
    }
}

/// Writes the outcomes delivered so far in one transaction.
pub(super) async fn settle_all(
    store: &Store,
    unmarked: &mut Vec<(&OutboxRecord, anyhow::Result<()>)>,
    now: DateTime<Utc>,
    drained: &mut Drained,
) -> anyhow::Result<()> {
    if unmarked.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    for (record, outcome) in unmarked.drain(..) {
        settle(&mut tx, record, outcome, now, drained).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records one delivery's outcome: delivered, retry later, or dead letter.
pub(super) async fn settle(
    tx: &mut Tx<'_>,
    record: &OutboxRecord,
    outcome: anyhow::Result<()>,
    now: DateTime<Utc>,
    drained: &mut Drained,
) -> anyhow::Result<()> {
    let Err(error) = outcome else {
        tx.mark_delivered(record.id, now).await?;
        drained.delivered += 1;
        return Ok(());
    };
    if let Some(refused) = error.downcast_ref::<Refused>() {
        tracing::warn!(outbox_id = record.id, reason = %refused.reason, "the platform refused a delivery for good");
        tx.mark_refused(record.id, &refused.reason, now).await?;
        drained.refused += 1;
        return Ok(());
    }
    let attempts = record.attempts + 1;
    let error = format!("{error:#}");
    if attempts < MAX_ATTEMPTS {
        tracing::warn!(outbox_id = record.id, attempts, %error, "delivery failed; will retry");
        tx.mark_failed(record.id, &error, Some(now + backoff(attempts)), now).await?;
        drained.failed += 1;
        return Ok(());
    }
    tracing::error!(outbox_id = record.id, case_id = ?record.case_id.map(|c| c.0), attempts, %error, "giving up on an outbound action: dead letter");
    tx.mark_failed(record.id, &error, None, now).await?;
    if let Some(case) = record.case_id {
        tx.add_event(case, now, "bot", EventKind::DeadLetter, &format!("delivery failed {attempts} times: {error}"))
            .await?;
    }
    drained.dead += 1;
    Ok(())
}
