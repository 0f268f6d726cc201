//! The outbox drain: every committed outbound action handed to its platform at least once,
//! with a stable id, retried with backoff, and kept as a dead letter when it cannot go. One
//! loop reads the batches; they are handed out oldest first (here) or by lane (`lanes.rs`).

use super::lanes::{side_by_side, PER_LANE};
use super::settle::Settler;
use crate::domain::Platform;
use crate::events::Outbound;
use crate::store::{OutboxRecord, Store};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Mutex;

/// Deliveries are given up after this many failures (about 17 minutes of backoff in all).
pub const MAX_ATTEMPTS: i64 = 10;

/// What one drain did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    pub delivered: usize,
    pub failed: usize,
    pub dead: usize,
    /// Refused by the platform for good ([`Refused`]): not retried, reported to staff.
    pub refused: usize,
}

impl std::ops::AddAssign for Drained {
    fn add_assign(&mut self, more: Drained) {
        self.delivered += more.delivered;
        self.failed += more.failed;
        self.dead += more.dead;
        self.refused += more.refused;
    }
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
const BATCH: i64 = 100;

/// The delivery a drain was given, shared by the lanes it runs side by side (each call only
/// makes the future, so the lock is never held while a delivery runs).
pub(super) type Deliver<F> = Mutex<F>;

/// How a drain reads and hands out its batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// The platform's due rows oldest first, one after another; a failure does not stop the
    /// rest of the batch.
    Oldest,
    /// At most [`PER_LANE`] rows of each lane, the lanes side by side (`lanes.rs`).
    ByLane,
}

/// Hands every due outbox action of `platform` to `deliver`, oldest first, marking each delivered after
/// `deliver` succeeds (a crash in between redelivers it: at least once, with a stable id).
/// A failure is retried with backoff; after `MAX_ATTEMPTS` it becomes a dead letter, logged and
/// shown in `case show`, never silently dropped.
///
/// On PostgreSQL the batch's rows stay locked while they are delivered, so another replica
/// skips them; on SQLite each batch is read in a short transaction and the outcomes are written
/// in short ones (see `settle.rs`), so callers keep to one drain per process.
pub async fn drain_outbox<F, Fut>(
    store: &Store,
    platform: Platform,
    now: DateTime<Utc>,
    deliver: F,
) -> anyhow::Result<Drained>
where
    F: FnMut(Outbound) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    drain(store, platform, now, Order::Oldest, deliver).await
}

/// Hands every due outbox action of `platform` to `deliver` lane by lane (see `lanes.rs`), with
/// the marking, retries, dead letters and row locks of [`drain_outbox`].
pub async fn drain_lanes<F, Fut>(
    store: &Store,
    platform: Platform,
    now: DateTime<Utc>,
    deliver: F,
) -> anyhow::Result<Drained>
where
    F: FnMut(Outbound) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    drain(store, platform, now, Order::ByLane, deliver).await
}

/// The one drain loop: batch after batch until one was all that was due, or a delivery failed
/// (retries wait for their backoff).
async fn drain<F, Fut>(
    store: &Store,
    platform: Platform,
    now: DateTime<Utc>,
    order: Order,
    deliver: F,
) -> anyhow::Result<Drained>
where
    F: FnMut(Outbound) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let deliver: Deliver<F> = Mutex::new(deliver);
    let mut drained = Drained::default();
    loop {
        let mut tx = store.begin().await?;
        let batch = match order {
            Order::Oldest => tx.undelivered(platform, BATCH, now).await?,
            Order::ByLane => tx.undelivered_by_lane(platform, PER_LANE, BATCH, now).await?,
        };
        if batch.is_empty() {
            return Ok(drained);
        }
        let settler = Settler::open(store, tx, now).await?;
        let (done, more) = match order {
            Order::Oldest => one_by_one(&batch, &deliver, settler).await?,
            Order::ByLane => side_by_side(&batch, &deliver, settler).await?,
        };
        drained += done;
        // A full batch (or a lane with more) may have more behind it; whoever writes more
        // drains after committing.
        if drained.failed + drained.dead > 0 || !(more || batch.len() as i64 >= BATCH) {
            return Ok(drained);
        }
    }
}

/// Delivers one batch in order, every row whatever became of the one before; nothing more to
/// say about what is left (only a full batch is).
async fn one_by_one<'r, F, Fut>(
    batch: &'r [OutboxRecord],
    deliver: &Deliver<F>,
    mut settler: Settler<'r>,
) -> anyhow::Result<(Drained, bool)>
where
    F: FnMut(Outbound) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for record in batch {
        let action: Outbound = serde_json::from_str(&record.action_json)?;
        let outcome = call(deliver, action).await;
        settler.record(record, outcome).await?;
    }
    Ok((settler.finish().await?, false))
}

/// Starts one delivery (the lock is released before it runs).
pub(super) fn call<F, Fut>(deliver: &Deliver<F>, action: Outbound) -> Fut
where
    F: FnMut(Outbound) -> Fut,
{
    let mut deliver = deliver.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    deliver(action)
}
