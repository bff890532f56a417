//! What the PC page does to a call: cancel a dial (contract §6, pushes CANCEL_DIAL and the
//! shipped app's DIAL_CANCEL) and end or correct a call (§5.9, pushes CALL_END on a live one).

use serde_json::json;

use super::{machine, notify, store, visible_call};
use crate::auth::Caller;
use crate::db;
use crate::db::call_events::Source;
use crate::db::calls::Call;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::State;
use crate::states::call::{CallState, EndStatus};

/// Saves the PC's change of `call` to `next` and its event, in the caller's transaction, at
/// `next.updated_at`.
fn save_from_pc(
    tx: &rusqlite::Connection,
    tz: chrono_tz::Tz,
    call: &Call,
    next: &Call,
    kind: &str,
    event: serde_json::Value,
) -> db::DbResult<()> {
    store::update(tx, tz, call, next)?;
    db::call_events::insert(tx, &call.id, Source::Pc, kind, &event, next.updated_at)
}

fn conflict(message: &'static str) -> ApiError {
    ApiError::with_message(ErrorCode::CallStateConflict, message)
}

/// Cancels a call that is still `calling` or `ringing`.
pub async fn cancel(state: &State, caller: &Caller, id: String) -> ApiResult<Call> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let clock = state.clock.clone();
    let call = state
        .db
        .write(move |tx| {
            let call = visible_call(tx, &who, &id)?;
            if !matches!(call.state, CallState::Calling | CallState::Ringing) {
                return Err(conflict("通话已接通或已结束，无法取消"));
            }
            let now = clock.now_ms();
            let mut next = call.clone();
            next.state = CallState::Canceled;
            next.end_time = Some(now);
            next.end_reason = Some(machine::CANCEL_REASON.into());
            next.updated_at = now;
            save_from_pc(tx, tz, &call, &next, "cancel", json!({ "by": who.user_id }))?;
            Ok(next)
        })
        .await?;
    let data = json!({ "callId": call.id, "reason": "用户取消" });
    // the document's name, then the shipped app's (contract §13), same data
    notify::to_call_phone(state, &call, "CANCEL_DIAL", data.clone());
    notify::to_call_phone(state, &call, "DIAL_CANCEL", data);
    notify::call_state(state, &call);
    Ok(call)
}

/// §5.9's body, already parsed.
#[derive(Debug, Clone, Default)]
pub struct EndRequest {
    pub end_ms: Option<i64>,
    pub duration: Option<i64>,
    pub notes: Option<String>,
    pub follow_up_required: Option<bool>,
}

/// Hangs up a live call: a connected one ends now (`pc_end`); one still `calling` or `ringing`
/// stays as it is until the phone's end report, which decides the outcome. Either way the phone
/// gets CALL_END. An ended call gets its end time, duration and notes corrected. A canceled
/// call is CALL_STATE_CONFLICT.
pub async fn end(state: &State, caller: &Caller, id: String, req: EndRequest) -> ApiResult<Call> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let clock = state.clock.clone();
    let (before, call) = state
        .db
        .write(move |tx| {
            let call = visible_call(tx, &who, &id)?;
            let now = clock.now_ms();
            let mut next = call.clone();
            match call.state {
                CallState::Connected => {
                    let end = req.end_ms.unwrap_or(now);
                    let from = call.connected_at.unwrap_or(call.start_time);
                    next.state = CallState::Ended;
                    next.end_status = Some(EndStatus::Connected);
                    next.end_reason = Some("pc_end".into());
                    next.end_time = Some(end);
                    next.duration = req.duration.unwrap_or(((end - from) / 1000).max(0));
                }
                CallState::Ended => {
                    next.end_time = req.end_ms.or(call.end_time);
                    next.duration = req.duration.unwrap_or(call.duration);
                }
                // never reported connected (some phones do not, contract §13.1): the phone
                // is told to hang up, and its end report decides the outcome
                CallState::Calling | CallState::Ringing => {}
                CallState::Canceled => return Err(conflict("通话已取消，无法结束")),
            }
            if let Some(notes) = &req.notes {
                next.notes = notes.clone();
            }
            if let Some(f) = req.follow_up_required {
                next.follow_up_required = f;
            }
            next.updated_at = now;
            let event = json!({ "endTime": req.end_ms, "duration": req.duration });
            save_from_pc(tx, tz, &call, &next, "end", event)?;
            Ok((call, next))
        })
        .await?;
    if before.is_live() {
        notify::to_call_phone(
            state,
            &call,
            "CALL_END",
            json!({ "callId": call.id, "reason": "PC端结束通话" }),
        );
    }
    notify::call_state(state, &call);
    Ok(call)
}
