//! Writing a drain's outcomes: delivered, refused for good, retried with backoff, or kept as a
//! dead letter; in the batch's own transaction on PostgreSQL, in short ones on SQLite.

use super::outbox::{Drained, Refused, MAX_ATTEMPTS};
use crate::domain::timeline::EventKind;
use crate::store::{Backend, OutboxRecord, Store, Tx};
use chrono::{DateTime, Duration, Utc};

/// On SQLite, delivered rows are marked together, at the latest this long after the first of
/// them was delivered: instant deliveries (jsonl, console) share one commit per batch, slow ones
/// (Discord's paced calls) are still marked within moments.
const MARK_WITHIN: std::time::Duration = std::time::Duration::from_millis(100);

/// Waits 2, 4, 8 ... seconds between attempts, at most five minutes.
fn backoff(attempts: i64) -> Duration {
    Duration::seconds(2i64.saturating_pow(attempts.clamp(1, 20) as u32).min(300))
}

/// Takes one batch's outcomes as they come. On PostgreSQL the batch's transaction stays open
/// (its rows stay locked, so another replica skips them) and each outcome is written in it.
/// SQLite has one writer: a transaction held open across a delivery that writes (a Discord
/// message id, say) would fail with "database is locked", so the batch's read is committed at
/// once and the outcomes are written in short transactions (see `MARK_WITHIN`).
pub(super) struct Settler<'r> {
    store: &'r Store,
    held: Option<Tx<'static>>,
    unmarked: Vec<(&'r OutboxRecord, anyhow::Result<()>)>,
    first_unmarked: Option<std::time::Instant>,
    now: DateTime<Utc>,
    drained: Drained,
}

impl<'r> Settler<'r> {
    /// Takes over the transaction that read the batch.
    pub(super) async fn open(store: &'r Store, read: Tx<'static>, now: DateTime<Utc>) -> anyhow::Result<Settler<'r>> {
        let held = match store.backend() {
            Backend::Postgres => Some(read),
            Backend::Sqlite => {
                read.commit().await?;
                None
            }
        };
        Ok(Settler { store, held, unmarked: Vec::new(), first_unmarked: None, now, drained: Drained::default() })
    }

    /// One delivery's outcome.
    pub(super) async fn record(&mut self, record: &'r OutboxRecord, outcome: anyhow::Result<()>) -> anyhow::Result<()> {
        match self.held.as_mut() {
            Some(tx) => settle(tx, record, outcome, self.now, &mut self.drained).await,
            None => {
                self.unmarked.push((record, outcome));
                let first = *self.first_unmarked.get_or_insert_with(std::time::Instant::now);
                if first.elapsed() >= MARK_WITHIN {
                    self.settle_unmarked().await?;
                    self.first_unmarked = None;
                }
                Ok(())
            }
        }
    }

    /// Writes what is left and commits the batch: what it did.
    pub(super) async fn finish(mut self) -> anyhow::Result<Drained> {
        self.settle_unmarked().await?;
        if let Some(tx) = self.held {
            tx.commit().await?;
        }
        Ok(self.drained)
    }

    /// Writes the outcomes delivered so far in one transaction.
    async fn settle_unmarked(&mut self) -> anyhow::Result<()> {
        if self.unmarked.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        for (record, outcome) in self.unmarked.drain(..) {
            settle(&mut tx, record, outcome, self.now, &mut self.drained).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Records one delivery's outcome: delivered, retry later, or dead letter.
async fn settle(
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
