//! The power dialer over HTTP (issue 16): a salesperson's 工作台 (the session, the number on
//! the line, what comes next and why it waits) and its commands. An admin or manager acts for
//! one of their people with `userId`.

use serde::Deserialize;
use serde_json::{Value, json};
use warp::reply::Response;

use super::campaigns::item_view;
use super::query::Query;
use super::reply;
use crate::auth::Caller;
use crate::calls::pacing::PacingForm;
use crate::campaigns::session::{self, Command};
use crate::campaigns::workbench::{self, Workbench};
use crate::db::dialer_sessions::Session;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::times::{iso_ms, iso_opt};

fn session_view(s: &Session) -> Value {
    json!({
        "userId": s.user_id,
        "campaignId": s.campaign_id,
        "phoneId": s.phone_id,
        "status": s.status,
        "pauseReason": s.pause_reason,
        "waitReason": s.wait_reason,
        "nextDialAt": iso_opt(s.next_at),
        "itemId": s.item_id,
        "callId": s.call_id,
        "callEndedAt": iso_opt(s.call_ended_at),
        "startedAt": iso_ms(s.started_at),
        "updatedAt": iso_ms(s.updated_at),
    })
}

fn workbench_view(caller: &Caller, w: &Workbench) -> Value {
    let call = |c: &crate::db::calls::Call| {
        json!({
            "callId": c.id,
            "status": c.call_status(),
            "state": c.state.as_str(),
            "startTime": iso_ms(c.start_time),
            "endTime": iso_opt(c.end_time),
            "duration": c.duration,
            "notes": c.notes,
            "userName": c.user_name,
        })
    };
    let mut session = w.session.as_ref().map(session_view);
    if let Some(v) = session.as_mut() {
        v["campaignName"] = json!(w.campaign_name);
    }
    json!({
        "userId": w.user.id,
        "session": session,
        "current": w.current.as_ref().map(|i| item_view(caller, i)),
        "call": w.call.as_ref().map(call),
        "next": w.next.as_ref().map(|i| item_view(caller, i)),
        "history": w.history.iter().map(call).collect::<Vec<_>>(),
        "progress": w.progress.as_ref().map(|p| json!({
            "total": p.total, "dialed": p.dialed, "connected": p.connected,
            "remaining": p.remaining, "callbacks": p.callbacks,
        })),
        "pacing": PacingForm::of(&w.rules),
        "now": iso_ms(w.now),
    })
}

/// GET /api/v1/dialer/session
pub async fn show(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let w = workbench::workbench(&state, &caller, q.text("userId")).await?;
    Ok(reply::ok(workbench_view(&caller, &w)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartBody {
    campaign_id: String,
    user_id: Option<String>,
    phone_id: Option<i64>,
}

/// POST /api/v1/dialer/session
pub async fn start(state: State, caller: Caller, b: StartBody) -> ApiResult<Response> {
    crate::limits::id("campaignId", &b.campaign_id)?;
    let user = b.user_id.clone();
    session::start(&state, &caller, b.campaign_id, b.user_id, b.phone_id).await?;
    let w = workbench::workbench(&state, &caller, user).await?;
    Ok(reply::ok_with("外呼已开始", workbench_view(&caller, &w)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandBody {
    user_id: Option<String>,
    /// `skip` only: the queued number to leave out (default: the next one).
    item_id: Option<i64>,
}

/// POST /api/v1/dialer/session/{command} — `pause`, `resume`, `skip`, `stop`
pub async fn command(
    name: String,
    state: State,
    caller: Caller,
    b: CommandBody,
) -> ApiResult<Response> {
    let (cmd, message) = match name.as_str() {
        "pause" => (Command::Pause, "外呼已暂停"),
        "resume" => (Command::Resume, "外呼已继续"),
        "skip" => (Command::Skip(b.item_id), "已跳过该号码"),
        "stop" => (Command::Stop, "外呼已结束"),
        _ => return Err(ApiError::not_found()),
    };
    if b.item_id.is_some() && cmd != Command::Skip(b.item_id) {
        return Err(ApiError::invalid_field("itemId", "itemId 只用于 skip"));
    }
    let user = b.user_id.clone();
    session::command(&state, &caller, b.user_id, cmd).await?;
    let w = workbench::workbench(&state, &caller, user).await?;
    Ok(reply::ok_with(message, workbench_view(&caller, &w)))
}
