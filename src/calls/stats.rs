//! Statistics (§5.4, §5.5, the shipped app's periods of §13), read from the per-day rollup with
//! the formulas of contract §9; days in the office zone.

use chrono::{Datelike, Duration, NaiveDate};

use crate::auth::{Caller, Scope};
use crate::db::{self, stats::PersonTotals, stats::StatsFilter, stats::Totals};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// The longest range §5.5 answers day by day.
pub const MAX_DAYS: i64 = 3660;

/// round(100 × part / whole), 0 when whole is 0.
pub fn percent(part: i64, whole: i64) -> i64 {
    ratio(100 * part, whole)
}

/// round(a / b) for non-negative numbers, 0 when b is 0.
pub fn ratio(a: i64, b: i64) -> i64 {
    if b <= 0 { 0 } else { (2 * a + b) / (2 * b) }
}

/// The rollup's key for a day.
pub fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Today in the office's zone.
pub fn today(state: &State) -> NaiveDate {
    crate::times::local_day(state.clock.now_ms(), state.config.timezone)
}

/// The shipped app's periods: today, this week (Monday to today), this month (the 1st to today).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Today,
    Week,
    Month,
}

impl Period {
    pub const NAMES: [&str; 3] = ["today", "week", "month"];

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "today" => Some(Self::Today),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    /// The first day of the period that ends on `day`.
    pub fn first_day(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Today => day,
            Self::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }
}

/// The caller's own totals over `from..=to` (the phone shows its person's numbers, whatever
/// the role).
pub async fn own_totals(
    state: &State,
    caller: &Caller,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Totals> {
    let filter = StatsFilter {
        scope: Scope::Own(caller.user_id.clone()),
        user_id: None,
        department: None,
    };
    let (from, to) = (day_text(from), day_text(to));
    Ok(state
        .db
        .run(move |c| db::stats::totals(c, &filter, &from, &to))
        .await?)
}

/// §5.5: the range's sum, every day of it (days without calls as zeros), every person in it,
/// and today's calls.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub sum: Totals,
    pub days: Vec<(String, Totals)>,
    pub users: Vec<PersonTotals>,
    /// The people's totals summed per department, most calls first (issue 14).
    pub departments: Vec<(String, Totals)>,
    pub today: Totals,
}

/// Sums people's totals per department, most calls first, then by name.
fn per_department(users: &[PersonTotals]) -> Vec<(String, Totals)> {
    let mut sums: std::collections::BTreeMap<&str, Totals> = Default::default();
    for p in users {
        sums.entry(p.department.as_str())
            .or_default()
            .add(&p.totals);
    }
    let mut out: Vec<(String, Totals)> =
        sums.into_iter().map(|(d, t)| (d.to_string(), t)).collect();
    out.sort_by(|a, b| b.1.total.cmp(&a.1.total).then_with(|| a.0.cmp(&b.0)));
    out
}

/// §5.5 for the days `from..=to` in the caller's scope, optionally one person or department.
pub async fn report(
    state: &State,
    caller: &Caller,
    from: NaiveDate,
    to: NaiveDate,
    user_id: Option<String>,
    department: Option<String>,
) -> ApiResult<Report> {
    let days = (to - from).num_days() + 1;
    if days < 1 {
        return Err(ApiError::invalid_field(
            "endDate",
            "开始日期不能晚于结束日期",
        ));
    }
    if days > MAX_DAYS {
        return Err(ApiError::invalid("日期范围过长（最多10年）"));
    }
    let filter = StatsFilter {
        scope: caller.scope(),
        user_id,
        department,
    };
    let (f, t, d) = (day_text(from), day_text(to), day_text(today(state)));
    let (daily, users, today) = state
        .db
        .run(move |c| {
            let daily = db::stats::by_day(c, &filter, &f, &t)?;
            let users = db::stats::by_user(c, &filter, &f, &t)?;
            let today = db::stats::totals(c, &filter, &d, &d)?;
            Ok::<_, ApiError>((daily, users, today))
        })
        .await?;
    let mut sum = Totals::default();
    let mut rows = daily.into_iter().peekable();
    let mut all_days = Vec::with_capacity(days as usize);
    for day in from.iter_days().take(days as usize) {
        let key = day_text(day);
        let t = match rows.peek() {
            Some((d, _)) if *d == key => rows.next().map(|(_, t)| t).unwrap_or_default(),
            _ => Totals::default(),
        };
        sum.add(&t);
        all_days.push((key, t));
    }
    Ok(Report {
        sum,
        days: all_days,
        departments: per_department(&users),
        users,
        today,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_the_documents_examples() {
        assert_eq!(percent(8, 12), 67);
        assert_eq!(ratio(2700, 12), 225);
        assert_eq!(percent(120, 156), 77);
        assert_eq!(ratio(28800, 156), 185);
        assert_eq!(percent(1, 0), 0);
        assert_eq!(percent(1, 2), 50);
        assert_eq!(percent(1, 8), 13); // 12.5 rounds up
    }

    #[test]
    fn periods_start_on_monday_and_the_first() {
        let wed = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(Period::Today.first_day(wed), wed);
        assert_eq!(
            Period::Week.first_day(wed),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(
            Period::Month.first_day(wed),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }
}
