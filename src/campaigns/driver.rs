//! The background task that dials for the running sessions: it sleeps until the earliest
//! session is due or until something rings (`wake`), then steps every due session. At start
//! every running session is paused — a restart never dials by itself — and a phone's socket
//! closing pauses the sessions dialing on it; the same phone coming back resumes them.

use std::time::Duration;

use crate::db;
use crate::error::ApiResult;
use crate::state::State;
use crate::states::dialer::{PauseReason, SessionStatus};

/// Longest sleep without a ring (a safety net; every change rings).
const IDLE: Duration = Duration::from_secs(30);

/// Pauses what was running before this start, then runs the loop; abort the handle when the
/// server stops.
pub fn spawn(state: State) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let now = state.clock.now_ms();
        let paused = state
            .db
            .write(move |tx| db::dialer_sessions::pause_all_running(tx, PauseReason::Restart, now))
            .await;
        match paused {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "dialing sessions paused by the restart"),
            Err(err) => tracing::warn!(error = %err, "could not pause the dialing sessions"),
        }
        loop {
            // until the next session is due on the server's clock (a test that moves the clock
            // wakes it), at most IDLE
            let (until, most) = match round(&state).await {
                Ok(next) => (next.unwrap_or(i64::MAX), IDLE),
                Err(err) => {
                    tracing::warn!(error = %err, "dialer round failed");
                    (i64::MAX, Duration::from_secs(1))
                }
            };
            tokio::select! {
                () = state.dialer_bell.rung() => {}
                () = state.clock.sleep_until(until, most) => {}
            }
        }
    })
}

/// Steps every due session; returns when the next one is due, if one is running.
async fn round(state: &State) -> ApiResult<Option<i64>> {
    let now = state.clock.now_ms();
    // one blocking hop when nothing is due, as after most rings. Rings that come while this
    // round looks are kept (it says "dialing" until it knows), so a call's change right after
    // its read still brings the next round
    state.dialer_bell.set_dialing(true);
    let (due, running) = state
        .db
        .run(move |c| {
            let due = db::dialer_sessions::due(c, now)?;
            let running = db::dialer_sessions::running(c)?;
            Ok::<_, crate::db::DbError>((due, running))
        })
        .await?;
    let mut next = running.next_at;
    state.dialer_bell.set_dialing(running.any);
    if !due.is_empty() {
        for user in due {
            if let Err(err) = super::step::step(state, user.clone()).await {
                tracing::warn!(error = %err, user, "dialing step failed");
            }
        }
        next = state
            .db
            .run(|c| db::dialer_sessions::running(c))
            .await?
            .next_at;
    }
    Ok(next)
}

/// A phone's socket closed and no other is open: its running sessions pause. The number being
/// dialed keeps its place: the call's end (the phone's late report, or the dial timeout) still
/// gives it its outcome.
pub async fn phone_offline(state: &State, phone_id: i64) -> ApiResult<()> {
    // a read first: almost every socket that closes has no session on it, and a close must not
    // queue for the write lock
    let running = state
        .db
        .run(move |c| db::dialer_sessions::running_on_phone(c, phone_id))
        .await?;
    if running.is_empty() {
        return Ok(());
    }
    let clock = state.clock.clone();
    let changed = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let users = db::dialer_sessions::running_on_phone(tx, phone_id)?;
            for user in &users {
                if let Some(mut s) = db::dialer_sessions::of_user(tx, user)? {
                    // its wait (a wrap-up, a pace) goes on when the phone is back
                    s.status = SessionStatus::Paused;
                    s.pause_reason = Some(PauseReason::PhoneOffline);
                    s.updated_at = now;
                    db::dialer_sessions::save(tx, &s)?;
                }
            }
            Ok::<_, crate::error::ApiError>(users)
        })
        .await?;
    announce(state, changed).await
}

/// A phone connected: sessions of its owner paused because their phone went away run again.
pub async fn phone_online(state: &State, user_id: String) -> ApiResult<()> {
    // a read first, as above: a connect writes only when it has a session to resume
    let id = user_id.clone();
    let waiting = state
        .db
        .run(move |c| db::dialer_sessions::of_user(c, &id))
        .await?
        .is_some_and(|s| s.paused_for(PauseReason::PhoneOffline));
    if !waiting {
        return Ok(());
    }
    let clock = state.clock.clone();
    let changed = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let mut changed = Vec::new();
            if let Some(mut s) = db::dialer_sessions::of_user(tx, &user_id)?
                && s.paused_for(PauseReason::PhoneOffline)
            {
                s.status = SessionStatus::Running;
                s.pause_reason = None;
                if s.next_at.is_none() {
                    s.next_at = Some(now);
                }
                s.updated_at = now;
                db::dialer_sessions::save(tx, &s)?;
                changed.push(user_id);
            }
            Ok::<_, crate::error::ApiError>(changed)
        })
        .await?;
    announce(state, changed).await
}

async fn announce(state: &State, users: Vec<String>) -> ApiResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    for user in users {
        let id = user.clone();
        let (u, s) = state
            .db
            .run(move |c| {
                Ok::<_, crate::error::ApiError>((
                    db::users::by_id(c, &id)?,
                    db::dialer_sessions::of_user(c, &id)?,
                ))
            })
            .await?;
        super::session::publish(&state.hub, &u, s.as_ref());
    }
    state.dialer_bell.ring();
    Ok(())
}
