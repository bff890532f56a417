//! The pacing rules themselves, as data: quiet windows, gaps and caps, and how a list's rules
//! combine with the office's. Apart from the checks (`super`), which read the database, so that
//! the configuration can hold a rule set without reaching the database.

use chrono::{Datelike, NaiveDate, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;

pub(crate) const HOUR_MS: i64 = 3_600_000;
const DAY_MINUTES: u16 = 24 * 60;

/// A daily quiet window in office-local minutes, `[start, end)`; it runs past midnight when
/// `end <= start` (20:00–09:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quiet {
    pub start: u16,
    pub end: u16,
}

impl Quiet {
    /// `HH:MM-HH:MM`.
    pub fn parse(text: &str) -> Option<Self> {
        let (a, b) = text.trim().split_once('-')?;
        let minute = |t: &str| {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        let (start, end) = (minute(a)?, minute(b)?);
        (start != end).then_some(Self { start, end })
    }

    pub fn label(self) -> String {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        format!("{}-{}", hm(self.start), hm(self.end))
    }

    pub fn contains(self, minute: u16) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }
}

/// The rules. A cap of 0 and a gap of 0 are off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacing {
    pub min_gap_ms: i64,
    pub max_per_hour: u32,
    pub max_per_day: u32,
    pub quiet: Vec<Quiet>,
    /// Saturdays and Sundays are quiet all day.
    pub quiet_weekends: bool,
    /// Quiet hours refuse every dial (所有拨号). Off, they hold the power dialer and a person's
    /// own click asks to confirm (免打扰时段，仍要拨打？, issue 30 item 6).
    pub quiet_all_dials: bool,
}

impl Default for Pacing {
    /// Safe for a SIM on a Chinese carrier: 15 s between calls, 40 an hour, 200 a day, none at
    /// lunch (12:00–13:30) or at night (20:00–09:00). Weekends are left to the office (many work
    /// Saturdays): 设置 can add them.
    fn default() -> Self {
        Self {
            min_gap_ms: 15_000,
            max_per_hour: 40,
            max_per_day: 200,
            quiet: vec![
                Quiet {
                    start: 12 * 60,
                    end: 13 * 60 + 30,
                },
                Quiet {
                    start: 20 * 60,
                    end: 9 * 60,
                },
            ],
            quiet_weekends: false,
            quiet_all_dials: false,
        }
    }
}

impl Pacing {
    /// No rule at all (tests, benchmarks).
    pub fn off() -> Self {
        Self {
            min_gap_ms: 0,
            max_per_hour: 0,
            max_per_day: 0,
            quiet: vec![],
            quiet_weekends: false,
            quiet_all_dials: false,
        }
    }

    /// These rules without their quiet hours: a click the person confirmed in quiet hours.
    pub fn without_quiet(&self) -> Self {
        Self {
            quiet: vec![],
            quiet_weekends: false,
            ..self.clone()
        }
    }

    /// Both rule sets at once: the longer gap, the lower cap, every quiet window.
    pub fn stricter(&self, other: &Pacing) -> Pacing {
        let cap = |a: u32, b: u32| match (a, b) {
            (0, x) | (x, 0) => x,
            (a, b) => a.min(b),
        };
        let mut quiet = self.quiet.clone();
        quiet.extend(other.quiet.iter().filter(|q| !self.quiet.contains(q)));
        Pacing {
            min_gap_ms: self.min_gap_ms.max(other.min_gap_ms),
            max_per_hour: cap(self.max_per_hour, other.max_per_hour),
            max_per_day: cap(self.max_per_day, other.max_per_day),
            quiet,
            quiet_weekends: self.quiet_weekends || other.quiet_weekends,
            quiet_all_dials: self.quiet_all_dials || other.quiet_all_dials,
        }
    }

    /// The quiet rule at `at`: when the quiet time around it ends.
    pub(crate) fn quiet_until(&self, at: i64, tz: Tz) -> Option<i64> {
        let local = tz.timestamp_millis_opt(at).single()?;
        let day = local.date_naive();
        if self.quiet_weekends && matches!(local.weekday(), Weekday::Sat | Weekday::Sun) {
            let days = if local.weekday() == Weekday::Sat {
                2
            } else {
                1
            };
            return Some(crate::times::day_start_ms(
                day + chrono::Days::new(days),
                tz,
            ));
        }
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let window = self.quiet.iter().find(|q| q.contains(minute))?;
        let end_day = if window.start >= window.end && minute >= window.start {
            day + chrono::Days::new(1)
        } else {
            day
        };
        Some(at_minute(end_day, window.end, tz))
    }
}

fn at_minute(day: NaiveDate, minute: u16, tz: Tz) -> i64 {
    crate::times::day_start_ms(day, tz) + i64::from(minute % DAY_MINUTES) * 60_000
}
