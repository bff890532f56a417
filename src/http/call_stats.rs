//! Statistics: §5.4 today, the shipped app's `GET /api/v1/mobile/stats?period=` (§13) and §5.5,
//! read from the per-day rollup with the formulas of contract §9; days in the office zone.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};
use warp::reply::Response;

use super::query::Query;
use super::reply;
use crate::auth::{Caller, Scope};
use crate::db::{self, stats::StatsFilter, stats::Totals};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// The longest range §5.5 answers day by day.
const MAX_DAYS: i64 = 3660;

/// round(100 × part / whole), 0 when whole is 0.
pub fn percent(part: i64, whole: i64) -> i64 {
    ratio(100 * part, whole)
}

/// round(a / b) for non-negative numbers, 0 when b is 0.
pub fn ratio(a: i64, b: i64) -> i64 {
    if b <= 0 { 0 } else { (2 * a + b) / (2 * b) }
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn today_in(state: &State) -> NaiveDate {
    crate::times::local_day(crate::times::now_ms(), state.config.timezone)
}

/// The §5.4 fields.
fn mobile_fields(t: &Totals) -> Value {
    json!({
        "totalCalls": t.total,
        "connectedCalls": t.connected,
        "missedCalls": t.total - t.connected,
        "inboundCalls": t.inbound,
        "outboundCalls": t.outbound,
        "totalDuration": t.duration,
        "avgDuration": ratio(t.duration, t.total),
        "connectRate": percent(t.connected, t.total),
    })
}

/// The phone's own user's totals over `from..=to` (the app shows its person's numbers).
async fn own_totals(
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
    state
        .db
        .run(move |c| db::stats::totals(c, &filter, &from, &to))
        .await
        .map_err(ApiError::from)
}

/// GET /api/v1/mobile/stats/today
pub async fn today(state: State, caller: Caller) -> ApiResult<Response> {
    let day = today_in(&state);
    let t = own_totals(&state, &caller, day, day).await?;
    Ok(reply::ok(mobile_fields(&t)))
}

/// GET /api/v1/mobile/stats
///
/// `period`: `today` (default), `week` (Monday to today), `month` (the 1st to today).
pub async fn period(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let day = today_in(&state);
    let from = match q.one_of("period", &["today", "week", "month"])?.as_deref() {
        Some("week") => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
        Some("month") => day.with_day(1).unwrap_or(day),
        _ => day,
    };
    let t = own_totals(&state, &caller, from, day).await?;
    Ok(reply::ok(mobile_fields(&t)))
}

/// GET /api/v1/calls/statistics
///
/// Default range: the 30 days up to today.
pub async fn statistics(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let tz = state.config.timezone;
    let today = today_in(&state);
    let to = q.day("endDate", tz)?.unwrap_or(today);
    let from = q.day("startDate", tz)?.unwrap_or(to - Duration::days(29));
    let days = (to - from).num_days() + 1;
    if days < 1 {
        return Err(ApiError::invalid("startDate 不能晚于 endDate"));
    }
    if days > MAX_DAYS {
        return Err(ApiError::invalid("日期范围过长（最多10年）"));
    }
    let filter = StatsFilter {
        scope: caller.scope(),
        user_id: q.text("userId"),
        department: q.text("department"),
    };
    let (f, t, d) = (day_text(from), day_text(to), day_text(today));
    let (daily, users, today_totals) = state
        .db
        .run(move |c| {
            let daily = db::stats::by_day(c, &filter, &f, &t)?;
            let users = db::stats::by_user(c, &filter, &f, &t)?;
            let today_totals = db::stats::totals(c, &filter, &d, &d)?;
            Ok::<_, ApiError>((daily, users, today_totals))
        })
        .await?;
    let mut sum = Totals::default();
    let mut rows = daily.into_iter().peekable();
    let mut daily_stats = Vec::with_capacity(days as usize);
    for day in from.iter_days().take(days as usize) {
        let key = day_text(day);
        let t = match rows.peek() {
            Some((d, _)) if *d == key => rows.next().map(|(_, t)| t).unwrap_or_default(),
            _ => Totals::default(),
        };
        sum.total += t.total;
        sum.connected += t.connected;
        sum.inbound += t.inbound;
        sum.outbound += t.outbound;
        sum.duration += t.duration;
        daily_stats.push(json!({
            "date": key,
            "calls": t.total,
            "duration": t.duration,
            "connectionRate": percent(t.connected, t.total),
        }));
    }
    let user_stats: Vec<Value> = users
        .into_iter()
        .map(|(id, name, t)| {
            json!({
                "userId": id,
                "userName": name,
                "calls": t.total,
                "duration": t.duration,
                "connectionRate": percent(t.connected, t.total),
            })
        })
        .collect();
    Ok(reply::ok(json!({
        "totalCalls": sum.total,
        "connectedCalls": sum.connected,
        "missedCalls": sum.total - sum.connected,
        "incomingCalls": sum.inbound,
        "outgoingCalls": sum.outbound,
        "totalDuration": sum.duration,
        "averageDuration": ratio(sum.duration, sum.total),
        "connectionRate": percent(sum.connected, sum.total),
        "todayIncrease": today_totals.total,
        "dailyStats": daily_stats,
        "userStats": user_stats,
    })))
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
}
