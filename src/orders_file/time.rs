//! `purchased_at` as exports write it: RFC 3339, a date alone, or a date and a time joined by
//! `T` or a space, with or without seconds and zone. A time without a zone is read in the
//! seller's time zone; a date alone is the first moment of that day there.

use chrono::{DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant `raw` names, times without a zone read in `zone`.
pub fn parse_time(raw: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let text = raw.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let bad = || {
        format!(
            "`{raw}` is not a time: write the date year first, as in 2026-11-01T14:30:00Z, \
             2026-11-01 14:30:00 +01:00, 2026-11-01 14:30 or 2026-11-01"
        )
    };
    let date = text.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).ok_or_else(bad)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return start_of_day(date, zone, raw);
    }
    let rest = rest.strip_prefix(['T', 't', ' ']).ok_or_else(bad)?.trim_start();
    let time_len = rest.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.')).unwrap_or(rest.len());
    let (clock, zone_text) = rest.split_at(time_len);
    let time = NaiveTime::parse_from_str(clock, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(clock, "%H:%M"))
        .map_err(|_| bad())?;
    let local = date.and_time(time);
    match zone_text.trim() {
        "" => in_zone(local, zone, raw),
        "Z" | "z" | "UTC" | "utc" | "GMT" => Ok(Utc.from_utc_datetime(&local)),
        offset => {
            let offset = parse_offset(offset).ok_or_else(bad)?;
            Ok(offset.from_local_datetime(&local).single().ok_or_else(bad)?.with_timezone(&Utc))
        }
    }
}

/// `+01:00`, `+0100`, `+01`, `-05:30`, also after `UTC` or `GMT` (`UTC+1` is not read).
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let text = text.strip_prefix("UTC").or_else(|| text.strip_prefix("GMT")).unwrap_or(text).trim();
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits = digits.replace(':', "");
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// A wall-clock time in `zone`. In the hour repeated when clocks go back, the earlier of the two
/// instants; a time in the hour skipped when they go forward does not exist and is refused.
fn in_zone(local: NaiveDateTime, zone: Tz, raw: &str) -> Result<DateTime<Utc>, String> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) => Ok(time.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.with_timezone(&Utc)),
        LocalResult::None => Err(format!("`{raw}` does not exist in {}: the clocks skip that time", zone.name())),
    }
}

/// Midnight in `zone`, or the first moment after it where a change of clocks skips midnight.
fn start_of_day(date: NaiveDate, zone: Tz, raw: &str) -> Result<DateTime<Utc>, String> {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=12)
        .map(|quarter| midnight + Duration::minutes(15 * quarter))
        .find_map(|local| zone.from_local_datetime(&local).earliest())
        .map(|time| time.with_timezone(&Utc))
        .ok_or_else(|| format!("`{raw}` has no start of day in {}", zone.name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn at(raw: &str, zone: Tz) -> String {
        parse_time(raw, zone).unwrap_or_else(|e| panic!("{raw}: {e}")).to_rfc3339()
    }

    #[test]
    fn reads_the_shapes_exports_write() {
        let berlin = Tz::Europe__Berlin;
        assert_eq!(at("2026-11-01T10:00:00Z", berlin), "2026-11-01T10:00:00+00:00");
        assert_eq!(at("2026-11-02T09:30:00+09:00", berlin), "2026-11-02T00:30:00+00:00");
        assert_eq!(at("2026-11-01", berlin), "2026-10-31T23:00:00+00:00", "a date is midnight where the seller is");
        assert_eq!(at("2026-11-01 14:30:00", berlin), "2026-11-01T13:30:00+00:00");
        assert_eq!(at("2026-11-01 14:30", berlin), "2026-11-01T13:30:00+00:00");
        assert_eq!(at("2026-07-01T14:30", berlin), "2026-07-01T12:30:00+00:00", "summer time");
        assert_eq!(at("2026-11-01 14:30:00.250", Tz::UTC), "2026-11-01T14:30:00.250+00:00");
        assert_eq!(at("2026-11-01 14:30:00 -0500", berlin), "2026-11-01T19:30:00+00:00", "Shopify");
        assert_eq!(at("2026-11-01 14:30:00 +01:00", Tz::UTC), "2026-11-01T13:30:00+00:00");
        assert_eq!(at("2026-11-01 14:30:00 UTC", berlin), "2026-11-01T14:30:00+00:00", "Gumroad");
        assert_eq!(at("2026-11-01 14:30Z", berlin), "2026-11-01T14:30:00+00:00");
        assert_eq!(at(" 2026-11-01 ", Tz::UTC), "2026-11-01T00:00:00+00:00");
    }

    #[test]
    fn changes_of_clocks_are_handled() {
        let berlin = Tz::Europe__Berlin;
        // 02:30 happens twice on 2026-10-25: the earlier one, in summer time.
        assert_eq!(at("2026-10-25 02:30", berlin), "2026-10-25T00:30:00+00:00");
        let err = parse_time("2026-03-29 02:30", berlin).unwrap_err();
        assert!(err.contains("does not exist in Europe/Berlin"), "{err}");
        // Santiago skips midnight when summer time starts: the day starts at 01:00.
        assert_eq!(at("2026-09-06", Tz::America__Santiago), "2026-09-06T04:00:00+00:00");
    }

    #[test]
    fn refuses_what_is_no_time() {
        for bad in [
            "yesterday",
            "11/01/2026",
            "01.11.2026",
            "2026-11-01 25:00",
            "2026-11-01 14",
            "2026-13-01",
            "2026-11-01 14:30 +25:00",
            "2026-11-01 14:30 CET",
            "",
        ] {
            let err = parse_time(bad, Tz::UTC).expect_err(bad);
            assert!(err.contains("year first"), "{bad}: {err}");
        }
    }
}
