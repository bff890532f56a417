//! One salesperson working one list (the power dialer): start, pause, resume, skip and stop
//! from the page. What a running session does when its next dial is due is the step
//! (`step.rs`), which the driver runs.

use rusqlite::Connection;
use serde_json::json;

use super::visible;
use crate::auth::Caller;
use crate::calls::whose_phone::{self, Asked};
use crate::db::dialer_sessions::Session;
use crate::db::users::User;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::hub::{AdminEvent, Hub};
use crate::state::State;
use crate::states::dialer::{Outcome, PauseReason, Queue, SessionStatus};

/// What the page asks of a running or paused session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Pause,
    Resume,
    /// Leave out a queued number (`None`: the one that would be dialed next).
    Skip(Option<i64>),
    Stop,
}

/// The person whose session it is: the caller, or one they may dial for (admins anyone,
/// managers their department); anyone else is NOT_FOUND.
pub(super) fn target(conn: &Connection, caller: &Caller, user_id: Option<&str>) -> ApiResult<User> {
    let id = user_id
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(&caller.user_id);
    let missing = || ApiError::with_message(ErrorCode::NotFound, "用户不存在");
    let user = match db::users::by_id(conn, id) {
        Err(DbError::NotFound) => return Err(missing()),
        other => other?,
    };
    if !caller.can_see(&user.id, &user.department) {
        return Err(missing());
    }
    Ok(user)
}

fn no_session() -> ApiError {
    ApiError::with_message(ErrorCode::NotFound, "没有进行中的外呼任务")
}

pub(super) fn call_is_live(conn: &Connection, call_id: Option<&str>) -> db::DbResult<bool> {
    match call_id {
        Some(id) => match db::calls::by_id(conn, id) {
            Ok(call) => Ok(call.state.is_live()),
            Err(DbError::NotFound) => Ok(false),
            Err(e) => Err(e),
        },
        None => Ok(false),
    }
}

/// Tells the person's pages (and their managers') that the session changed.
pub fn publish(hub: &Hub, user: &User, s: Option<&Session>) {
    hub.publish(AdminEvent {
        kind: "DIALER_STATE".into(),
        data: json!({
            "userId": user.id,
            "campaignId": s.map(|s| s.campaign_id.clone()),
            "status": s.map_or("stopped", |s| s.status.as_str()),
            "waitReason": s.and_then(|s| s.wait_reason),
            "callId": s.and_then(|s| s.call_id.clone()),
        }),
        owner_id: user.id.clone(),
        owner_department: user.department.clone(),
    });
}

/// Starts (or switches to) working a list with the person's online phone. A session whose call
/// is still live may not switch lists.
pub async fn start(
    state: &State,
    caller: &Caller,
    campaign_id: String,
    user_id: Option<String>,
    phone_id: Option<i64>,
) -> ApiResult<Session> {
    let hub = state.hub.clone();
    let who = caller.clone();
    let clock = state.clock.clone();
    let (user, session) = state
        .db
        .write(move |tx| {
            let user = target(tx, &who, user_id.as_deref())?;
            let campaign = visible(tx, &who, &campaign_id)?;
            if !db::campaign_items::any_for(tx, &campaign.id, &user.id)? {
                return Err(ApiError::invalid_field(
                    "campaignId",
                    "该任务没有分配给此人的号码",
                ));
            }
            let asked = Asked {
                user_id: Some(&user.id),
                phone_id,
            };
            let phone = whose_phone::choose(tx, &hub, &who, asked, None)?;
            let now = clock.now_ms();
            let existing = db::dialer_sessions::of_user(tx, &user.id)?;
            let live = match &existing {
                Some(s) => call_is_live(tx, s.call_id.as_deref())?,
                None => false,
            };
            let keep = existing.filter(|s| live && s.campaign_id == campaign.id);
            if live && keep.is_none() {
                return Err(ApiError::with_message(
                    ErrorCode::CallStateConflict,
                    "当前通话结束后再切换外呼任务",
                ));
            }
            let session = Session {
                user_id: user.id.clone(),
                campaign_id: campaign.id,
                phone_id: Some(phone.phone_id),
                status: SessionStatus::Running,
                pause_reason: None,
                item_id: keep.as_ref().and_then(|s| s.item_id),
                call_id: keep.as_ref().and_then(|s| s.call_id.clone()),
                call_ended_at: None,
                next_at: (!live).then_some(now),
                wait_reason: None,
                started_at: keep.as_ref().map_or(now, |s| s.started_at),
                updated_at: now,
            };
            db::dialer_sessions::save(tx, &session)?;
            Ok::<_, ApiError>((user, session))
        })
        .await?;
    publish(&state.hub, &user, Some(&session));
    state.dialer_bell.ring();
    Ok(session)
}

/// Pause, resume, skip or stop the person's session; returns it (`None` once stopped).
pub async fn command(
    state: &State,
    caller: &Caller,
    user_id: Option<String>,
    cmd: Command,
) -> ApiResult<Option<Session>> {
    let hub = state.hub.clone();
    let who = caller.clone();
    let clock = state.clock.clone();
    let (user, session) = state
        .db
        .write(move |tx| {
            let user = target(tx, &who, user_id.as_deref())?;
            let mut s = db::dialer_sessions::of_user(tx, &user.id)?.ok_or_else(no_session)?;
            let now = clock.now_ms();
            match cmd {
                Command::Stop => {
                    db::dialer_sessions::delete(tx, &user.id)?;
                    return Ok((user, None));
                }
                Command::Pause => {
                    // its wait goes on when resumed: resume sets the next time anew
                    s.status = SessionStatus::Paused;
                    s.pause_reason = Some(PauseReason::User);
                }
                Command::Resume => {
                    let asked = Asked {
                        user_id: Some(&user.id),
                        phone_id: None,
                    };
                    let phone = whose_phone::choose(tx, &hub, &who, asked, None)?;
                    s.phone_id = Some(phone.phone_id);
                    s.status = SessionStatus::Running;
                    s.pause_reason = None;
                    let live = call_is_live(tx, s.call_id.as_deref())?;
                    s.next_at = (!live).then_some(now);
                    s.wait_reason = None;
                }
                Command::Skip(item) => skip(tx, &s, &user, item, now)?,
            }
            s.updated_at = now;
            db::dialer_sessions::save(tx, &s)?;
            Ok::<_, ApiError>((user, Some(s)))
        })
        .await?;
    publish(&state.hub, &user, session.as_ref());
    state.dialer_bell.ring();
    Ok(session)
}

/// Leaves out one of the person's queued numbers of the session's list: `done`, `skipped`.
fn skip(tx: &Connection, s: &Session, user: &User, item: Option<i64>, now: i64) -> ApiResult<()> {
    let id = match item {
        Some(id) => id,
        None => db::campaign_items::next_due(tx, &s.campaign_id, &user.id, now)?
            .ok_or_else(|| ApiError::invalid("没有可跳过的号码"))?,
    };
    let it = match db::campaign_items::by_id(tx, id) {
        Ok(it)
            if it.campaign_id == s.campaign_id && it.assignee_id.as_deref() == Some(&user.id) =>
        {
            it
        }
        Ok(_) | Err(DbError::NotFound) => {
            return Err(ApiError::with_message(ErrorCode::NotFound, "号码不存在"));
        }
        Err(e) => return Err(e.into()),
    };
    if !it.queue.is_waiting() {
        return Err(ApiError::with_message(
            ErrorCode::CallStateConflict,
            "该号码正在拨打或已完成，不能跳过",
        ));
    }
    db::campaign_items::set_queue(tx, it.id, Queue::Done, Some(Outcome::Skipped), 0, now)?;
    Ok(())
}
