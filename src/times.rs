//! Times on the wire (contract §3): out as ISO 8601 UTC with milliseconds and `Z`; in as ISO 8601
//! with any offset, epoch milliseconds, or a `YYYY-MM-DD` office-local date.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

/// Milliseconds since the Unix epoch by the system clock. The server's rules read `Clock`
/// (`State::clock`) instead; this is for the command line and `Clock` itself.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The server's one clock (`State::clock`), in the unit every time column holds: every rule that
/// reads the time reads it — the dial timeout, the wrap-up, retry delays, pacing windows and
/// quiet hours, retention, export and bind expiry, login delays — so a test moves it forward
/// instead of sleeping. It runs with the system clock, plus however far `advance` has pushed
/// it (only tests do); timers that wait on it (`sleep_until`) wake when it moves.
#[derive(Debug, Default)]
pub struct Clock {
    ahead_ms: std::sync::atomic::AtomicU64,
    moved: tokio::sync::Notify,
}

impl Clock {
    fn ahead(&self) -> u64 {
        self.ahead_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Epoch milliseconds now.
    pub fn now_ms(&self) -> i64 {
        now_ms() + self.ahead() as i64
    }

    /// A monotonic instant now.
    pub fn instant(&self) -> std::time::Instant {
        std::time::Instant::now() + std::time::Duration::from_millis(self.ahead())
    }

    /// Moves the clock forward by `by`, and wakes whoever sleeps on it.
    pub fn advance(&self, by: std::time::Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.ahead_ms
            .fetch_add(by, std::sync::atomic::Ordering::Relaxed);
        self.moved.notify_waiters();
    }

    /// Sleeps until this clock reads `at_ms` (at once if it already does), at most `most`.
    pub async fn sleep_until(&self, at_ms: i64, most: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + most;
        loop {
            let moved = self.moved.notified();
            let left = u64::try_from(at_ms - self.now_ms()).unwrap_or(0);
            if left == 0 || tokio::time::Instant::now() >= deadline {
                return;
            }
            let wake = (tokio::time::Instant::now() + std::time::Duration::from_millis(left))
                .min(deadline);
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {}
                () = moved => {}
            }
        }
    }
}

/// `2025-12-26T10:30:00.000Z`
pub fn iso_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn iso_opt(ms: Option<i64>) -> Option<String> {
    ms.map(iso_ms)
}

/// An incoming time → epoch ms. ISO 8601 with an offset (`Z`, `+08:00`, `+0800`, a space for
/// the `T`); without one (`2025-12-28T09:00:00`, as Java's LocalDateTime writes it) or a bare
/// `YYYY-MM-DD` it is office time — what a salesperson typing it means; a string of 12–16
/// digits is epoch ms. A time outside `SANE_MS` (2000 to 2100) is refused: nobody in the
/// office means it, and the database would show it as 1970 or overflow.
pub fn parse_time(text: &str, tz: Tz) -> Option<i64> {
    parse_any_time(text, tz).filter(|ms| SANE_MS.contains(ms))
}

/// The times DialBox takes: from 2000-01-01 to 2100-01-01 (UTC), in epoch ms.
pub const SANE_MS: std::ops::Range<i64> = 946_684_800_000..4_102_444_800_000;

fn parse_any_time(text: &str, tz: Tz) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    // epoch ms as text; shorter digit strings (a date written 20251228, epoch seconds) would
    // silently land in 1970, so they are not taken as ms
    if (12..=16).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    const WITH_OFFSET: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"];
    if let Some(t) = WITH_OFFSET
        .iter()
        .find_map(|f| DateTime::parse_from_str(text, f).ok())
    {
        return Some(t.timestamp_millis());
    }
    const LOCAL: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    if let Some(local) = LOCAL
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
    {
        // a local time inside a DST gap does not exist: the first instant after it is meant
        return tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.timestamp_millis());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|day| day_start_ms(day, tz))
}

/// A JSON time field: a string as `parse_time` reads it, or a number of epoch ms.
pub fn parse_json_time(value: &serde_json::Value, tz: Tz) -> Option<i64> {
    match value {
        serde_json::Value::String(s) => parse_time(s, tz),
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.abs() < 1e15)
                    .map(|f| f.round() as i64)
            })
            .filter(|ms| SANE_MS.contains(ms)),
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
    let ms = parse_time(text, tz)?;
    Some(if end { ms + 1 } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        let utc: Tz = "UTC".parse().unwrap();
        assert_eq!(iso_ms(1_766_672_373_918), "2025-12-25T14:19:33.918Z");
        assert_eq!(
            parse_time("2025-12-25T22:19:33.918+08:00", utc),
            Some(1_766_672_373_918)
        );
        assert_eq!(parse_time("yesterday", utc), None);
        assert_eq!(parse_time("", utc), None);
        assert_eq!(parse_time("2025-13-45", utc), None);
        assert_eq!(parse_time("20251228", utc), None);
        assert_eq!(
            parse_time("1766883600", utc),
            None,
            "epoch seconds are not ms"
        );
    }

    #[test]
    fn the_forms_phones_and_people_write() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let want = Some(1_766_883_600_000); // 2025-12-28T01:00:00Z = 09:00 in Beijing
        for text in [
            "2025-12-28T01:00:00Z",
            "2025-12-28T09:00:00+08:00",
            "2025-12-28T09:00:00+0800",
            "2025-12-28 09:00:00+08:00",
            "2025-12-28T09:00:00",
            "2025-12-28 09:00:00",
            "2025-12-28T09:00",
            "2025-12-28T09:00:00.000",
            "1766883600000",
        ] {
            assert_eq!(parse_time(text, tz), want, "{text}");
        }
        // a bare date is the start of that office day
        assert_eq!(parse_time("2025-12-28", tz), Some(1_766_851_200_000));
        let n = |v: serde_json::Value| parse_json_time(&v, tz);
        assert_eq!(n(serde_json::json!(1_766_883_600_000i64)), want);
        assert_eq!(n(serde_json::json!(1_766_883_600_000.4)), want);
        assert_eq!(n(serde_json::json!(-5)), None);
        assert_eq!(n(serde_json::json!(true)), None);
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
