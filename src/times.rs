//! Times on the wire (contract §3): out as ISO 8601 UTC with milliseconds and `Z`; in as ISO 8601
//! with any offset, epoch milliseconds, or a `YYYY-MM-DD` office-local date.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

/// `2025-12-26T10:30:00.000Z`
pub fn iso_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn iso_opt(ms: Option<i64>) -> Option<String> {
    ms.map(iso_ms)
}

/// An ISO 8601 time with an offset (`Z` or `+08:00`) → epoch ms.
pub fn parse_iso(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A JSON time field: an ISO string or a number of epoch ms.
pub fn parse_json_time(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::String(s) => parse_iso(s),
        serde_json::Value::Number(n) => n.as_i64().filter(|ms| *ms >= 0),
        _ => None,
    }
}

/// The first millisecond of a local day in the office zone. A day that starts inside a DST gap
/// starts at the first valid instant after midnight.
pub fn day_start_ms(day: NaiveDate, tz: Tz) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) => t.timestamp_millis(),
        chrono::LocalResult::Ambiguous(first, _) => first.timestamp_millis(),
        chrono::LocalResult::None => {
            // skip forward through the gap one minute at a time (gaps are at most a few hours)
            (1..=24 * 60)
                .find_map(|m| {
                    tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m)))
                        .earliest()
                })
                .map(|t| t.timestamp_millis())
                .unwrap_or_else(|| midnight.and_utc().timestamp_millis())
        }
    }
}

/// The office-local date of an instant.
pub fn local_day(ms: i64, tz: Tz) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

/// A `startDate`/`endDate` query value: `YYYY-MM-DD` (office-local) or a full ISO time.
/// Returns the instant; `end` makes a bare date mean "through the end of that day" (exclusive
/// bound: the start of the next day).
pub fn parse_date_bound(text: &str, tz: Tz, end: bool) -> Option<i64> {
    if let Ok(day) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let day = if end { day.succ_opt()? } else { day };
        return Some(day_start_ms(day, tz));
    }
    let ms = parse_iso(text)?;
    Some(if end { ms + 1 } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        assert_eq!(iso_ms(1_766_672_373_918), "2025-12-25T14:19:33.918Z");
        assert_eq!(
            parse_iso("2025-12-25T22:19:33.918+08:00"),
            Some(1_766_672_373_918)
        );
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn local_day_bounds() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let start = parse_date_bound("2025-12-25", tz, false).unwrap();
        assert_eq!(iso_ms(start), "2025-12-24T16:00:00.000Z");
        let end = parse_date_bound("2025-12-25", tz, true).unwrap();
        assert_eq!(iso_ms(end), "2025-12-25T16:00:00.000Z");
        // 23:30 local on the 25th is still the 25th
        assert_eq!(
            local_day(end - 30 * 60 * 1000, tz),
            NaiveDate::from_ymd_opt(2025, 12, 25).unwrap()
        );
    }

    #[test]
    fn dst_gap_day_starts_after_the_gap() {
        // Havana skips midnight → 01:00 on its spring-forward day
        let tz: Tz = "America/Havana".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 3, 10).unwrap();
        let start = day_start_ms(day, tz);
        assert_eq!(local_day(start, tz), day);
    }
}
