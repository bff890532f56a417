//! Queries on `dialer_sessions`: one salesperson working one list (the power dialer).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{DbError, DbResult};
use crate::states::dialer::{PauseReason, SessionStatus, WaitReason};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: String,
    pub campaign_id: String,
    pub phone_id: Option<i64>,
    pub status: SessionStatus,
    /// Why it is paused.
    pub pause_reason: Option<PauseReason>,
    pub item_id: Option<i64>,
    pub call_id: Option<String>,
    pub call_ended_at: Option<i64>,
    /// When the next dial may go out; `None` while the current call is live.
    pub next_at: Option<i64>,
    /// What `next_at` waits for.
    pub wait_reason: Option<WaitReason>,
    pub started_at: i64,
    pub updated_at: i64,
}

impl Session {
    pub fn paused_for(&self, reason: PauseReason) -> bool {
        self.status == SessionStatus::Paused && self.pause_reason == Some(reason)
    }
}

const SELECT: &str = "SELECT user_id, campaign_id, phone_id, status, pause_reason, item_id, \
    call_id, call_ended_at, next_at, wait_reason, started_at, updated_at FROM dialer_sessions";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        user_id: r.get(0)?,
        campaign_id: r.get(1)?,
        phone_id: r.get(2)?,
        status: r.get(3)?,
        pause_reason: r.get(4)?,
        item_id: r.get(5)?,
        call_id: r.get(6)?,
        call_ended_at: r.get(7)?,
        next_at: r.get(8)?,
        wait_reason: r.get(9)?,
        started_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

pub fn of_user(conn: &Connection, user_id: &str) -> DbResult<Option<Session>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE user_id = ?1"))?;
    Ok(stmt.query_row([user_id], from_row).optional()?)
}

/// The session whose current call is `call_id`.
pub fn by_call(conn: &Connection, call_id: &str) -> DbResult<Option<Session>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE call_id = ?1"))?;
    Ok(stmt.query_row([call_id], from_row).optional()?)
}

/// Inserts or replaces the person's session.
pub fn save(conn: &Connection, s: &Session) -> DbResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO dialer_sessions (user_id, campaign_id, phone_id, status, pause_reason,
             item_id, call_id, call_ended_at, next_at, wait_reason, started_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (user_id) DO UPDATE SET campaign_id = ?2, phone_id = ?3, status = ?4,
             pause_reason = ?5, item_id = ?6, call_id = ?7, call_ended_at = ?8, next_at = ?9,
             wait_reason = ?10, started_at = ?11, updated_at = ?12",
    )?;
    stmt.execute(params![
        s.user_id,
        s.campaign_id,
        s.phone_id,
        s.status,
        s.pause_reason,
        s.item_id,
        s.call_id,
        s.call_ended_at,
        s.next_at,
        s.wait_reason,
        s.started_at,
        s.updated_at
    ])?;
    Ok(())
}

pub fn delete(conn: &Connection, user_id: &str) -> DbResult<()> {
    match conn.execute("DELETE FROM dialer_sessions WHERE user_id = ?1", [user_id])? {
        0 => Err(DbError::NotFound),
        _ => Ok(()),
    }
}

pub(crate) const DUE: &str = "SELECT user_id FROM dialer_sessions
     WHERE status = 'running' AND next_at IS NOT NULL AND next_at <= ?1";

/// The running sessions whose next dial is due at `now`.
pub fn due(conn: &Connection, now: i64) -> DbResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(DUE)?;
    let rows = stmt.query_map([now], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What the running sessions wait for, as the driver needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Running {
    /// Whether any session is running (one waiting for its call's end has no `next_at`).
    pub any: bool,
    /// When the earliest running session is next due.
    pub next_at: Option<i64>,
}

pub fn running(conn: &Connection) -> DbResult<Running> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) > 0, MIN(next_at) FROM dialer_sessions WHERE status = 'running'",
        )?
        .query_row([], |r| {
            Ok(Running {
                any: r.get(0)?,
                next_at: r.get(1)?,
            })
        })?)
}

/// At start: every running session pauses, and one paused for its phone stays paused when the
/// phone comes back (a restart never dials by itself: the salesperson resumes).
pub fn pause_all_running(conn: &Connection, reason: PauseReason, now: i64) -> DbResult<usize> {
    Ok(conn.execute(
        "UPDATE dialer_sessions SET status = 'paused', pause_reason = ?1, updated_at = ?2
          WHERE status = 'running' OR (status = 'paused' AND pause_reason = 'phone_offline')",
        params![reason, now],
    )?)
}

/// The running sessions dialing on a phone (it went offline).
pub fn running_on_phone(conn: &Connection, phone_id: i64) -> DbResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM dialer_sessions WHERE status = 'running' AND phone_id = ?1",
    )?;
    let rows = stmt.query_map([phone_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every session of a list (its progress page shows who is working it).
pub fn of_campaign(conn: &Connection, campaign_id: &str) -> DbResult<Vec<Session>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE campaign_id = ?1"))?;
    let rows = stmt.query_map([campaign_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The running sessions waiting for a pacing rule look again now (the rules just changed).
pub fn recheck_paced(conn: &Connection, now: i64) -> DbResult<usize> {
    Ok(conn.execute(
        "UPDATE dialer_sessions SET next_at = ?1, wait_reason = NULL, updated_at = ?1
          WHERE status = 'running' AND wait_reason IN
                ('min_gap', 'on_call', 'hourly_cap', 'daily_cap', 'quiet_hours')",
        [now],
    )?)
}
