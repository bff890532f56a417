//! Statistics over HTTP: §5.4 today, the shipped app's `GET /api/v1/mobile/stats?period=`
//! (§13) and §5.5. The formulas (contract §9) and the rollup reads are in `calls::stats`.

use chrono::Duration;
use serde_json::{Value, json};
use warp::reply::Response;

use super::query::Query;
use super::reply;
use crate::auth::Caller;
use crate::calls::stats::{self, Period, percent, ratio};
use crate::db::stats::Totals;
use crate::error::ApiResult;
use crate::state::State;

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

/// GET /api/v1/mobile/stats/today
pub async fn today(state: State, caller: Caller) -> ApiResult<Response> {
    let day = stats::today(&state);
    let t = stats::own_totals(&state, &caller, day, day).await?;
    Ok(reply::ok(mobile_fields(&t)))
}

/// GET /api/v1/mobile/stats
///
/// `period`: `today` (default), `week` (Monday to today), `month` (the 1st to today).
pub async fn period(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let period = q
        .chosen_one_of("period", &Period::NAMES)?
        .as_deref()
        .and_then(Period::parse)
        .unwrap_or(Period::Today);
    let day = stats::today(&state);
    let t = stats::own_totals(&state, &caller, period.first_day(day), day).await?;
    Ok(reply::ok(mobile_fields(&t)))
}

/// A person's or a department's row of §5.5: who, then the figures of contract §9, plus the
/// connected calls and their average talk time (issue 14).
fn with_figures(mut who: Value, t: &Totals) -> Value {
    if let Value::Object(map) = &mut who {
        for (key, value) in [
            ("calls", json!(t.total)),
            ("connectedCalls", json!(t.connected)),
            // per person and department too (issue 29): calls that came in, and went out
            ("incomingCalls", json!(t.inbound)),
            ("outgoingCalls", json!(t.outbound)),
            ("duration", json!(t.duration)),
            ("connectionRate", json!(percent(t.connected, t.total))),
            ("averageTalkTime", json!(ratio(t.duration, t.connected))),
        ] {
            map.insert(key.into(), value);
        }
    }
    who
}

/// §5.5's report for the query's range (default: the 30 days up to today), person, department.
pub async fn report_for(state: &State, caller: &Caller, q: &Query) -> ApiResult<stats::Report> {
    let tz = state.config.timezone;
    let to = q.day("endDate", tz)?.unwrap_or_else(|| stats::today(state));
    let from = q.day("startDate", tz)?.unwrap_or(to - Duration::days(29));
    stats::report(
        state,
        caller,
        from,
        to,
        q.text("userId"),
        q.text("department"),
    )
    .await
}

/// GET /api/v1/calls/statistics
///
/// Default range: the 30 days up to today.
pub async fn statistics(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let r = report_for(&state, &caller, &q).await?;
    let daily_stats: Vec<Value> = r
        .days
        .iter()
        .map(|(date, t)| {
            json!({
                "date": date,
                "calls": t.total,
                "duration": t.duration,
                "connectionRate": percent(t.connected, t.total),
            })
        })
        .collect();
    // beside §5.5's fields, the connected calls and the average talk time of the connected
    // ones (issue 14: averageDuration averages over every call, as the document has it)
    let user_stats: Vec<Value> = r
        .users
        .iter()
        .map(|p| {
            let who =
                json!({ "userId": p.user_id, "userName": p.name, "department": p.department });
            with_figures(who, &p.totals)
        })
        .collect();
    let department_stats: Vec<Value> = r
        .departments
        .iter()
        .map(|(department, t)| with_figures(json!({ "department": department }), t))
        .collect();
    let sum = &r.sum;
    Ok(reply::ok(json!({
        "totalCalls": sum.total,
        "connectedCalls": sum.connected,
        "missedCalls": sum.total - sum.connected,
        "incomingCalls": sum.inbound,
        "outgoingCalls": sum.outbound,
        "totalDuration": sum.duration,
        "averageDuration": ratio(sum.duration, sum.total),
        "averageTalkTime": ratio(sum.duration, sum.connected),
        "connectionRate": percent(sum.connected, sum.total),
        "todayIncrease": r.today.total,
        "dailyStats": daily_stats,
        "userStats": user_stats,
        "departmentStats": department_stats,
    })))
}
