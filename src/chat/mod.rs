//! Chat adapters: each maps a platform onto `Inbound` events and delivers `Outbound` actions.

pub mod console;
pub mod jsonl;

use crate::events::Outbound;
use crate::store::Store;
use chrono::{DateTime, Utc};

/// Hands every undelivered outbox action to `deliver`, oldest first, marking each delivered
/// after `deliver` returns. A crash in between redelivers it (at least once).
pub async fn drain_outbox<F>(
    store: &Store,
    now: DateTime<Utc>,
    mut deliver: F,
) -> anyhow::Result<usize>
where
    F: FnMut(&Outbound) -> anyhow::Result<()>,
{
    let mut delivered = 0;
    loop {
        let mut tx = store.begin().await?;
        let batch = tx.undelivered(100).await?;
        if batch.is_empty() {
            return Ok(delivered);
        }
        for record in &batch {
            let action: Outbound = serde_json::from_str(&record.action_json)?;
            deliver(&action)?;
            tx.mark_delivered(record.id, now).await?;
            delivered += 1;
        }
        tx.commit().await?;
    }
}

/// The time an adapter runs at: the wall clock, or a fixed start moved only by ticks.
#[derive(Debug, Clone)]
pub struct AdapterClock {
    start: Option<DateTime<Utc>>,
    advanced: chrono::Duration,
}

impl AdapterClock {
    pub fn new(start: Option<DateTime<Utc>>) -> AdapterClock {
        AdapterClock {
            start,
            advanced: chrono::Duration::zero(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.start.unwrap_or_else(Utc::now) + self.advanced
    }

    pub fn advance(&mut self, secs: u64) {
        self.advanced += chrono::Duration::seconds(secs.min(i64::MAX as u64 / 1000) as i64);
    }
}
