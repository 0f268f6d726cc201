//! When the next digest is due: the first `weekday` at `hour`:00 in the seller's time zone
//! after a given instant (a local hour skipped by a clock change moves to the next one).

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The first `weekday` `hour`:00 in `tz` strictly after `after`.
pub fn next_due(after: DateTime<Utc>, weekday: Weekday, hour: u32, tz: Tz) -> DateTime<Utc> {
    let local = after.with_timezone(&tz).date_naive();
    for days in 0..=8 {
        let day = local + Duration::days(days);
        if day.weekday() != weekday {
            continue;
        }
        // A missing local hour (spring forward) resolves to the hour after it.
        let candidate = (hour..hour + 3).find_map(|h| {
            let naive = day.and_hms_opt(h.min(23), 0, 0)?;
            tz.from_local_datetime(&naive).earliest()
        });
        if let Some(at) = candidate.map(|c| c.with_timezone(&Utc)).filter(|at| *at > after) {
            return at;
        }
    }
    // Unreachable for a valid hour: a week always holds the weekday.
    after + Duration::weeks(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_next_weekday_and_hour_in_the_zone() {
        // 2026-11-23 is a Monday.
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(next_due(at("2026-11-23T12:00:00Z"), Weekday::Mon, 9, Tz::UTC), at("2026-11-30T09:00:00Z"));
        assert_eq!(next_due(at("2026-11-23T08:59:59Z"), Weekday::Mon, 9, Tz::UTC), at("2026-11-23T09:00:00Z"));
        assert_eq!(next_due(at("2026-11-23T12:00:00Z"), Weekday::Fri, 17, berlin), at("2026-11-27T16:00:00Z"));
        // Summer time in Berlin: 9:00 local is 7:00 UTC.
        assert_eq!(next_due(at("2026-06-01T00:00:00Z"), Weekday::Mon, 9, berlin), at("2026-06-01T07:00:00Z"));
    }
}
