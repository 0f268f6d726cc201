//! The outbox drain of a chat platform, by lane: a lane is one destination (a customer's DM, a
//! staff channel); its actions go out in order, lanes side by side. A surge of cards paced by
//! the agents' channel (Slack: one post a second) then no longer holds up a customer's reply,
//! which waits at most for the round in flight (about [`ROUND`], or one paced post), not for
//! the whole surge.

use super::outbox::{call, Deliver, Drained};
use super::settle::Settler;
use crate::events::Outbound;
use crate::store::OutboxRecord;
use std::collections::HashMap;
use std::future::Future;

/// Deliveries in flight at once, across lanes: enough that a slow lane (one waiting for its
/// channel's pace) does not hold up the others, few enough that the deliveries' own database
/// writes (a platform message id, a DM channel) do not queue for the pool's connections.
pub const AT_ONCE: usize = 4;
/// Actions read per lane for one round.
pub const PER_LANE: i64 = 20;
/// A lane starts no further action once its round is this old: a round lasts about this long,
/// or one delivery when a lane is paced slower (Slack's one post a second per channel), which is
/// what a new action of another lane waits at most before the next round reads it.
pub const ROUND: std::time::Duration = std::time::Duration::from_millis(500);

/// Delivers one batch lane by lane: a round of at most [`PER_LANE`] actions per lane and about
/// [`ROUND`], the lanes delivered concurrently (at most [`AT_ONCE`] deliveries at a time), each
/// lane in order (it stops at its first failure, so nothing of that destination overtakes it
/// this round). True when a lane has more than this round delivered.
pub(super) async fn side_by_side<'r, F, Fut>(
    batch: &'r [OutboxRecord],
    deliver: &Deliver<F>,
    mut settler: Settler<'r>,
) -> anyhow::Result<(Drained, bool)>
where
    F: FnMut(Outbound) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let lanes = by_lane(batch);
    let full_lane = lanes.iter().any(|lane| lane.len() as i64 >= PER_LANE);
    let (done, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let cut_short = std::sync::atomic::AtomicBool::new(false);
    let cut_short = &cut_short;
    let slots = tokio::sync::Semaphore::new(AT_ONCE);
    let slots = &slots;
    let rounds = futures_util::future::join_all(lanes.into_iter().map(|lane| {
        let done = done.clone();
        async move {
            for (place, record) in lane.into_iter().enumerate() {
                if place > 0 && started.elapsed() >= ROUND {
                    // The rest waits for the next round, with every other lane's news.
                    cut_short.store(true, std::sync::atomic::Ordering::Relaxed);
                    break;
                }
                let slot = slots.acquire().await.expect("the semaphore is never closed");
                let outcome = match serde_json::from_str::<Outbound>(&record.action_json) {
                    Ok(action) => call(deliver, action).await,
                    Err(error) => Err(anyhow::Error::new(error).context("reading an outbox action")),
                };
                drop(slot);
                let failed = outcome.is_err();
                let _ = done.send((record, outcome));
                if failed {
                    break;
                }
            }
        }
    }));
    drop(done);
    // Outcomes are written while the lanes go on: the settling waits for the database (on
    // SQLite, for a write lock a delivery may hold), so it must not stop the lanes' polling.
    let settling = async {
        while let Some((record, outcome)) = outcomes.recv().await {
            settler.record(record, outcome).await?;
        }
        settler.finish().await
    };
    let (_, settled) = tokio::join!(rounds, settling);
    Ok((settled?, full_lane || cut_short.load(std::sync::atomic::Ordering::Relaxed)))
}

/// The batch's records by lane, each lane oldest first; lanes in the order of their oldest.
fn by_lane(batch: &[OutboxRecord]) -> Vec<Vec<&OutboxRecord>> {
    let mut index: HashMap<Option<&str>, usize> = HashMap::new();
    let mut lanes: Vec<Vec<&OutboxRecord>> = Vec::new();
    for record in batch {
        let slot = *index.entry(record.lane.as_deref()).or_insert_with(|| {
            lanes.push(Vec::new());
            lanes.len() - 1
        });
        lanes[slot].push(record);
    }
    lanes
}
