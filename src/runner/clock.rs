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

/// 9999-12-31T23:59:59Z.
fn latest() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).expect("the end of the year 9999 is a time")
}

impl AdapterClock {
    pub fn new(start: Option<DateTime<Utc>>) -> AdapterClock {
        AdapterClock { start, advanced: Duration::zero() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.start.unwrap_or_else(Utc::now) + self.advanced
    }

    /// Moves the clock on by `secs`; refused (the clock unchanged) past `MAX_ADVANCE_SECS` in
    /// one step or past the end of the year 9999 (the last time a stored RFC 3339 timestamp can
    /// hold), so no input can make time overflow.
    pub fn advance(&mut self, secs: u64) -> Result<(), String> {
        if secs > MAX_ADVANCE_SECS {
            return Err(format!("`advance_secs` {secs} is more than {MAX_ADVANCE_SECS} (about 100 years) at once"));
        }
        let base = self.start.unwrap_or_else(Utc::now);
        let advanced = self.advanced + Duration::seconds(secs as i64);
        match base.checked_add_signed(advanced) {
            Some(then) if then <= latest() => {
                self.advanced = advanced;
                Ok(())
            }
            _ => Err(format!("`advance_secs` {secs} would move the clock past the end of the year 9999")),
        }
    }
}
