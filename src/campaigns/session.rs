//! One salesperson working one list (the power dialer): start, pause, resume, skip, stop from
//! the page, and `step`, which the driver calls when a running session's next dial is due:
//! choose the next number, check the do-not-call list and the pace, store the call and push
//! DIAL_COMMAND — the same `calls::dial` path as a click, so every rule holds here too.

use rusqlite::Connection;
use serde_json::json;

use super::{own_pacing, visible};
use crate::auth::Caller;
use crate::calls::dial::{self, DialRequest};
use crate::calls::dialer::{self, Asked};
use crate::db::calls::Call;
use crate::db::dialer_sessions::Session;
use crate::db::users::User;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::hub::{AdminEvent, Hub};
use crate::state::State;

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

fn call_is_live(conn: &Connection, call_id: Option<&str>) -> db::DbResult<bool> {
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
            "status": s.map(|s| s.status.clone()).unwrap_or_else(|| "stopped".into()),
            "waitReason": s.and_then(|s| s.wait_reason.clone()),
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
            let phone = dialer::choose(tx, &hub, &who, asked, None)?;
            let now = crate::times::now_ms();
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
                status: "running".into(),
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
    state.dialer.ring();
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
    let (user, session) = state
        .db
        .write(move |tx| {
            let user = target(tx, &who, user_id.as_deref())?;
            let mut s = db::dialer_sessions::of_user(tx, &user.id)?.ok_or_else(no_session)?;
            let now = crate::times::now_ms();
            match cmd {
                Command::Stop => {
                    db::dialer_sessions::delete(tx, &user.id)?;
                    return Ok((user, None));
                }
                Command::Pause => {
                    s.status = "paused".into();
                    s.pause_reason = Some("user".into());
                }
                Command::Resume => {
                    let asked = Asked {
                        user_id: Some(&user.id),
                        phone_id: None,
                    };
                    let phone = dialer::choose(tx, &hub, &who, asked, None)?;
                    s.phone_id = Some(phone.phone_id);
                    s.status = "running".into();
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
    state.dialer.ring();
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
    if !matches!(it.queue.as_str(), "fresh" | "retry" | "callback") {
        return Err(ApiError::with_message(
            ErrorCode::CallStateConflict,
            "该号码正在拨打或已完成，不能跳过",
        ));
    }
    db::campaign_items::set_queue(tx, it.id, "done", Some("skipped"), 0, now)?;
    Ok(())
}

/// What one step did.
enum Stepped {
    Nothing,
    Changed(Box<(User, Session)>),
    Dialed(Box<Dialed>),
}

/// A dial stored and about to be sent, with what undoes it if the phone is gone.
struct Dialed {
    user: User,
    session: Session,
    call: Call,
    item: i64,
    queue_before: String,
    call_before: Option<String>,
}

/// Most numbers one step leaves out (do-not-call, invalid) before it stops for this round.
const MAX_LEFT_OUT_PER_STEP: usize = 200;

/// The driver's step for one session whose next dial is due: dial the next number, or say
/// why not (the session waits, pauses or finishes).
pub async fn step(state: &State, user_id: String) -> ApiResult<()> {
    let hub = state.hub.clone();
    let office = state.settings.pacing();
    let tz = state.config.timezone;
    let stepped = state
        .db
        .write(move |tx| {
            let Some(mut s) = db::dialer_sessions::of_user(tx, &user_id)? else {
                return Ok(Stepped::Nothing);
            };
            let now = crate::times::now_ms();
            if s.status != "running" || s.next_at.is_none_or(|t| t > now) {
                return Ok(Stepped::Nothing);
            }
            let user = db::users::by_id(tx, &user_id)?;
            s.updated_at = now;
            if call_is_live(tx, s.call_id.as_deref())? {
                s.next_at = None;
                db::dialer_sessions::save(tx, &s)?;
                return Ok(Stepped::Changed(Box::new((user, s))));
            }
            let campaign = db::campaigns::by_id(tx, &s.campaign_id)?;
            let rules = office.stricter(&own_pacing(&campaign));
            let caller = Caller::of(user.clone(), None);
            let asked = Asked {
                user_id: Some(&user.id),
                phone_id: None,
            };
            let phone = match dialer::choose(tx, &hub, &caller, asked, None) {
                Ok(p) => p,
                Err(e) if e.status() < 500 => {
                    pause(&mut s, "phone_offline");
                    db::dialer_sessions::save(tx, &s)?;
                    return Ok(Stepped::Changed(Box::new((user, s))));
                }
                Err(e) => return Err(e),
            };
            for _ in 0..MAX_LEFT_OUT_PER_STEP {
                let Some(id) = db::campaign_items::next_due(tx, &campaign.id, &user.id, now)?
                else {
                    match db::campaign_items::next_later(tx, &campaign.id, &user.id, now)? {
                        Some(at) => wait(&mut s, at, "queue"),
                        None => {
                            s.status = "finished".into();
                            s.next_at = None;
                            s.wait_reason = None;
                        }
                    }
                    db::dialer_sessions::save(tx, &s)?;
                    return Ok(Stepped::Changed(Box::new((user, s))));
                };
                let item = db::campaign_items::by_id(tx, id)?;
                let req = DialRequest {
                    customer_id: item.customer_id.clone(),
                    customer_phone: Some(item.phone.clone()),
                    customer_name: Some(item.name.clone()).filter(|n| !n.is_empty()),
                    notes: None,
                    phone_id: Some(phone.phone_id),
                    user_id: Some(user.id.clone()),
                    order_id: None,
                };
                let call = match dial::prepare(tx, &hub, &caller, req, &rules, tz) {
                    Ok(call) => call,
                    Err(e) if e.code == ErrorCode::DoNotCall => {
                        db::campaign_items::set_queue(tx, id, "done", Some("do_not_call"), 0, now)?;
                        continue;
                    }
                    Err(e)
                        if e.code == ErrorCode::InvalidParams || e.code == ErrorCode::NotFound =>
                    {
                        db::campaign_items::set_queue(tx, id, "done", Some("invalid"), 0, now)?;
                        continue;
                    }
                    // the pace is the dial's own check (one for every path): the session waits
                    Err(e) if e.code == ErrorCode::PacingLimited => {
                        // on a call the list did not make (inbound, from the dialpad): look
                        // again soon
                        let until = e.retry_at_ms.unwrap_or(now + 5_000);
                        wait(&mut s, until, e.rule.unwrap_or("min_gap"));
                        db::dialer_sessions::save(tx, &s)?;
                        return Ok(Stepped::Changed(Box::new((user, s))));
                    }
                    Err(e) if e.status() < 500 => {
                        pause(&mut s, "phone_offline");
                        db::dialer_sessions::save(tx, &s)?;
                        return Ok(Stepped::Changed(Box::new((user, s))));
                    }
                    Err(e) => return Err(e),
                };
                db::campaign_items::start_dial(tx, id, &call.id, now)?;
                s.phone_id = Some(phone.phone_id);
                s.item_id = Some(id);
                s.call_id = Some(call.id.clone());
                s.call_ended_at = None;
                s.next_at = None;
                s.wait_reason = None;
                db::dialer_sessions::save(tx, &s)?;
                return Ok(Stepped::Dialed(Box::new(Dialed {
                    user,
                    session: s,
                    call,
                    item: id,
                    queue_before: item.queue,
                    call_before: item.last_call_id,
                })));
            }
            // a long run of numbers left out: the rest next round, without holding the lock
            s.next_at = Some(now);
            db::dialer_sessions::save(tx, &s)?;
            Ok::<_, ApiError>(Stepped::Changed(Box::new((user, s))))
        })
        .await?;
    match stepped {
        Stepped::Nothing => Ok(()),
        Stepped::Changed(changed) => {
            let (user, s) = *changed;
            publish(&state.hub, &user, Some(&s));
            Ok(())
        }
        Stepped::Dialed(d) => match dial::send(state, d.call).await {
            Ok(_) => {
                publish(&state.hub, &d.user, Some(&d.session));
                Ok(())
            }
            Err(e) if e.code == ErrorCode::DeviceOffline => {
                // the phone left between the choice and the send: the number goes back
                let Dialed {
                    user,
                    mut session,
                    item,
                    queue_before,
                    call_before,
                    ..
                } = *d;
                pause(&mut session, "phone_offline");
                session.item_id = None;
                session.call_id = None;
                let back = session.clone();
                state
                    .db
                    .write(move |tx| {
                        db::campaign_items::undo_dial(
                            tx,
                            item,
                            &queue_before,
                            call_before.as_deref(),
                        )?;
                        db::dialer_sessions::save(tx, &back)
                    })
                    .await?;
                publish(&state.hub, &user, Some(&session));
                Ok(())
            }
            Err(e) => Err(e),
        },
    }
}

fn pause(s: &mut Session, reason: &str) {
    s.status = "paused".into();
    s.pause_reason = Some(reason.into());
    s.next_at = None;
    s.wait_reason = None;
}

fn wait(s: &mut Session, until: i64, reason: &str) {
    s.next_at = Some(until);
    s.wait_reason = Some(reason.into());
}
