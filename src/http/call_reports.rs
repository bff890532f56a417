//! The phone's call reports over HTTP: §4.1 status and §4.2 end, in the document's form and
//! the shipped app's (contract §13: ISO or epoch-ms times, `dialing`/`ended`/`rejected`+reason,
//! `endReason`). Both go through `calls::apply_report`, exactly like the socket's messages.

use serde::Deserialize;
use serde_json::{Value, json};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::{body, finish, reply, with_state};
use crate::auth::Caller;
use crate::auth::caller::{Accept, with_caller};
use crate::calls::{self, PhoneReport, ReportSource};
use crate::error::ApiResult;
use crate::state::State;

pub fn routes(state: State) -> BoxedFilter<(Response,)> {
    let limit = state.config.json_body_limit;
    let caller = with_caller(state.clone(), Accept::LoginOrDevice);
    let status = warp::path!("api" / "v1" / "mobile" / "call" / "status")
        .and(warp::post())
        .and(with_state(&state))
        .and(caller.clone())
        .and(body::json::<StatusReport>(limit))
        .then(status)
        .map(finish);
    let end = warp::path!("api" / "v1" / "mobile" / "call" / "end")
        .and(warp::post())
        .and(with_state(&state))
        .and(caller)
        .and(body::json::<EndReport>(limit))
        .then(end)
        .map(finish);
    status.or(end).unify().boxed()
}

/// Unknown fields are allowed: phone apps add their own (deviceId, phoneNumber…).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusReport {
    call_id: String,
    status: String,
    timestamp: Option<Value>,
    reason: Option<String>,
}

/// POST /api/v1/mobile/call/status
async fn status(state: State, caller: Caller, r: StatusReport) -> ApiResult<Response> {
    let report = PhoneReport::Status {
        call_id: r.call_id,
        status: r.status,
        reason: r.reason,
        at_ms: body::time_field("timestamp", &r.timestamp)?,
    };
    calls::apply_report(&state, &caller, ReportSource::Http, report).await?;
    Ok(reply::ok_message("状态已更新"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndReport {
    call_id: String,
    status: String,
    start_time: Option<Value>,
    end_time: Option<Value>,
    duration: Option<i64>,
    has_recording: Option<bool>,
    end_reason: Option<String>,
}

/// POST /api/v1/mobile/call/end
async fn end(state: State, caller: Caller, r: EndReport) -> ApiResult<Response> {
    let call_id = r.call_id.trim().to_string();
    let report = PhoneReport::End {
        call_id: r.call_id,
        status: r.status,
        start_ms: body::time_field("startTime", &r.start_time)?,
        end_ms: body::time_field("endTime", &r.end_time)?,
        duration: r.duration,
        has_recording: r.has_recording,
        end_reason: r.end_reason,
    };
    calls::apply_report(&state, &caller, ReportSource::Http, report).await?;
    Ok(reply::ok_with(
        "通话已结束",
        json!({
            "callId": call_id,
            "recordingUploadUrl": format!("{}/api/v1/mobile/recording/upload", state.public.http),
        }),
    ))
}
