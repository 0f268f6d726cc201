//! The time an adapter runs at: the wall clock, or a fixed start moved only by ticks.

use chrono::{DateTime, Duration, Utc};

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

    /// Moves the clock by `secs`, or refuses and stays when that would pass the end of the
    /// year 9999 (the last time a stored RFC 3339 timestamp can hold).
    pub fn try_advance(&mut self, secs: u64) -> Result<(), String> {
        let base = self.start.unwrap_or_else(Utc::now);
        let advanced =
            i64::try_from(secs).ok().and_then(Duration::try_seconds).and_then(|s| self.advanced.checked_add(&s));
        match advanced {
            Some(advanced) if base.checked_add_signed(advanced).is_some_and(|t| t <= latest()) => {
                self.advanced = advanced;
                Ok(())
            }
            _ => Err(format!("advance_secs {secs} would move the clock past the end of the year 9999")),
        }
    }

    /// Moves the clock by `secs`, stopping at the end of the year 9999.
    pub fn advance(&mut self, secs: u64) {
        if self.try_advance(secs).is_err() {
            self.advanced = latest() - self.start.unwrap_or_else(Utc::now);
        }
    }
}
