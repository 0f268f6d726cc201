//! The time an adapter runs at: the wall clock, or a fixed start moved only by ticks.

use chrono::{DateTime, Duration, Utc};

/// The longest one tick may move the clock: 100 years.
pub const MAX_ADVANCE_SECS: u64 = 100 * 366 * 24 * 3600;

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

    /// Moves the clock on by `secs`; refused (the clock unchanged) past `MAX_ADVANCE` in one
    /// step or past what a date can hold, so no input can make time overflow.
    pub fn advance(&mut self, secs: u64) -> Result<(), String> {
        if secs > MAX_ADVANCE_SECS {
            return Err(format!("`advance_secs` {secs} is more than {MAX_ADVANCE_SECS} (about 100 years) at once"));
        }
        let advanced = self.advanced + Duration::seconds(secs as i64);
        let start = self.start.unwrap_or_else(Utc::now);
        start
            .checked_add_signed(advanced)
            .ok_or_else(|| format!("`advance_secs` {secs} moves the clock past the year 262143"))?;
        self.advanced = advanced;
        Ok(())
    }
}
