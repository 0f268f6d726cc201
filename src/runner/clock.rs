//! The time an adapter runs at: the wall clock, or a fixed start moved only by ticks.

use chrono::{DateTime, Duration, Utc};

/// The time an adapter runs at: the wall clock, or a fixed start moved only by ticks.
#[derive(Debug, Clone)]
pub struct AdapterClock {
    start: Option<DateTime<Utc>>,
    advanced: Duration,
}

impl AdapterClock {
    pub fn new(start: Option<DateTime<Utc>>) -> AdapterClock {
        AdapterClock { start, advanced: Duration::zero() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.start.unwrap_or_else(Utc::now) + self.advanced
    }

    pub fn advance(&mut self, secs: u64) {
        self.advanced += Duration::seconds(secs.min(i64::MAX as u64 / 1000) as i64);
    }
}
