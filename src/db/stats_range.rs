//! A range of office days as the rollup's levels can answer it: the whole months inside it
//! (one `call_monthly_stats` row per person and month) and the days left at either end
//! (`call_daily_stats`). Days are `YYYY-MM-DD`; `0000-00-00` and `9999-99-99` are the open
//! ends a list without dates asks for.

use chrono::{Datelike, Months, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// `(first, last)` months (`YYYY-MM`) wholly inside the range.
    pub months: Option<(String, String)>,
    /// `(first, last)` day spans not covered by `months`.
    pub days: Vec<(String, String)>,
}

const OPEN_START: &str = "0000-00-00";
const OPEN_END: &str = "9999-99-99";

fn month_of(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    (first_of_month(day) + Months::new(1))
        .pred_opt()
        .unwrap_or(day)
}

/// Splits the days `from..=to`. A bound that is not a date (nor an open end) leaves the whole
/// range to the days.
pub fn split(from: &str, to: &str) -> Split {
    let days_only = || Split {
        months: None,
        days: vec![(from.to_string(), to.to_string())],
    };
    let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    // the first whole month, and the days before it that belong to none
    let (first_month, head) = if from == OPEN_START {
        ("0000-00".to_string(), None)
    } else {
        let Some(start) = parse(from) else {
            return days_only();
        };
        if start.day() == 1 {
            (month_of(start), None)
        } else {
            let head = (from.to_string(), day_text(last_of_month(start)));
            (
                month_of(last_of_month(start) + chrono::Days::new(1)),
                Some(head),
            )
        }
    };
    let (last_month, tail) = if to == OPEN_END {
        ("9999-99".to_string(), None)
    } else {
        let Some(end) = parse(to) else {
            return days_only();
        };
        if end == last_of_month(end) {
            (month_of(end), None)
        } else {
            let tail = (day_text(first_of_month(end)), to.to_string());
            let before = first_of_month(end).pred_opt().unwrap_or(end);
            (month_of(before), Some(tail))
        }
    };
    if first_month > last_month {
        return days_only();
    }
    Split {
        months: Some((first_month, last_month)),
        days: head.into_iter().chain(tail).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn whole_months_and_the_days_at_either_end() {
        assert_eq!(
            split("2025-12-03", "2026-12-02"),
            Split {
                months: Some(s("2026-01", "2026-11")),
                days: vec![s("2025-12-03", "2025-12-31"), s("2026-12-01", "2026-12-02")],
            }
        );
        assert_eq!(
            split("2026-01-01", "2026-02-28"),
            Split {
                months: Some(s("2026-01", "2026-02")),
                days: vec![],
            }
        );
        // a leap February ends on the 29th
        assert_eq!(split("2028-02-01", "2028-02-28").months, None);
        assert_eq!(
            split("2028-02-01", "2028-02-29").months,
            Some(s("2028-02", "2028-02"))
        );
    }

    #[test]
    fn ranges_within_a_month_are_days() {
        assert_eq!(
            split("2026-11-03", "2026-11-29"),
            Split {
                months: None,
                days: vec![s("2026-11-03", "2026-11-29")],
            }
        );
        // the end of one month to the start of the next: no whole month between
        assert_eq!(split("2026-10-31", "2026-11-01").months, None);
    }

    #[test]
    fn open_ends_cover_every_month() {
        assert_eq!(
            split(OPEN_START, OPEN_END),
            Split {
                months: Some(s("0000-00", "9999-99")),
                days: vec![],
            }
        );
        assert_eq!(
            split(OPEN_START, "2026-12-02"),
            Split {
                months: Some(s("0000-00", "2026-11")),
                days: vec![s("2026-12-01", "2026-12-02")],
            }
        );
        assert_eq!(
            split("2026-12-02", OPEN_END),
            Split {
                months: Some(s("2027-01", "9999-99")),
                days: vec![s("2026-12-02", "2026-12-31")],
            }
        );
        assert_eq!(split("junk", OPEN_END).days, vec![s("junk", OPEN_END)]);
    }
}
