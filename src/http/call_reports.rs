//! The phone's call reports over HTTP: §4.1 status and §4.2 end, in the document's form and
//! the shipped app's (contract §13: ISO or epoch-ms times, `dialing`/`ended`/`rejected`+reason,
//! `endReason`). Parsed by `calls::reports` like the socket's messages, and applied through
//! `calls::apply_report` like them. And 2.4.0's back-fill of the calls its call log holds.

use serde_json::{Value, json};
use warp::reply::Response;

use super::reply;
use crate::auth::Caller;
use crate::calls::backfill::{self, Missed};
use crate::calls::{self, Source, reports};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// A report body: the fields of the socket's message `data` (`calls::reports` reads both).
/// Unknown fields are allowed: phone apps add their own (deviceId, phoneNumber…).
type Fields = serde_json::Map<String, Value>;

/// POST /api/v1/mobile/call/status
pub async fn status(state: State, caller: Caller, fields: Fields) -> ApiResult<Response> {
    let report = reports::parse(reports::HTTP_STATUS, &fields, None, state.config.timezone)
        .map_err(ApiError::invalid)?;
    let about = reports::about(&fields);
    calls::apply_report(&state, &caller, Source::PhoneHttp, (report, about), None).await?;
    Ok(reply::ok_message(reply::DEFAULT_MESSAGE))
}

/// POST /api/v1/mobile/call/end
pub async fn end(state: State, caller: Caller, fields: Fields) -> ApiResult<Response> {
    let report = reports::parse(reports::HTTP_END, &fields, None, state.config.timezone)
        .map_err(ApiError::invalid)?;
    let about = reports::about(&fields);
    // 2.4.0 takes this id for the recording and the form of a call it knew by its own id
    let call_id =
        calls::apply_report(&state, &caller, Source::PhoneHttp, (report, about), None).await?;
    Ok(reply::ok(json!({
        "callId": call_id,
        "recordingUploadUrl": format!("{}/api/v1/mobile/recording/upload", state.public.http),
    })))
}

/// POST /api/v1/mobile/call/incoming
///
/// Caller ID over HTTP: 2.4.0's fallback when its socket's INCOMING_CALL_CONFIRMED did not come
/// within 3 s (contract §14). The same ring as the socket's report, never a second call.
pub async fn incoming(state: State, caller: Caller, fields: Fields) -> ApiResult<Response> {
    let number = calls::inbound::caller_number_field(&fields)
        .map_err(|why| ApiError::invalid_field("callerNumber", why))?;
    let ring = calls::inbound::ring(&state, &caller, Source::PhoneHttp, number).await?;
    Ok(reply::ok(json!({
        "callId": ring.call.id,
        "callerNumber": ring.call.customer_phone,
        "customerId": ring.call.customer_id,
        "customerName": ring.display_name(),
        "customerLevel": ring.customer.as_ref().map(|c| c.level.clone()),
        "isNewCustomer": ring.customer.is_none(),
        "lastCallTime": crate::times::iso_opt(ring.trail.last_call_time),
    })))
}

/// The back-fill's body: `calls` (absent: none), each item read leniently.
#[derive(Debug, serde::Deserialize)]
pub struct MissedCalls {
    #[serde(default)]
    calls: Vec<Value>,
}

/// POST /api/v1/mobile/call/missed-calls
///
/// 2.4.0 sends its call log's incoming calls of the last day on every return to the app
/// (contract §14): each becomes an ended inbound call, a replay creates nothing.
pub async fn missed_calls(state: State, caller: Caller, b: MissedCalls) -> ApiResult<Response> {
    if b.calls.len() > backfill::MAX_ITEMS {
        return Err(ApiError::invalid_field(
            "calls",
            format!("一次最多补录{}条", backfill::MAX_ITEMS),
        ));
    }
    let tz = state.config.timezone;
    let items = b.calls.iter().map(|item| Missed::read(item, tz)).collect();
    let filled = backfill::backfill(&state, &caller, items).await?;
    Ok(reply::ok(json!({
        "created": filled.created.len(),
        "skipped": filled.skipped,
    })))
}
