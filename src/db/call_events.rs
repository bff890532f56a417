//! Queries on `call_events`: the history of every report and action on a call (contract §6).

use rusqlite::{Connection, params};

use super::DbResult;

/// Who an event on a call came from: the `call_events.source` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The phone, over HTTP (§4.1, §4.2).
    PhoneHttp,
    /// The phone, over its socket (§6, §13).
    PhoneSocket,
    /// The PC page (a dial, a cancel, an end, a record made by hand).
    Pc,
    /// A follow-up synced onto the call (§5.1): not a word about the call's state, so it does
    /// not count as "the phone spoke" for the dial timeout.
    FollowUp,
    /// The server's own dial timeout.
    Timeout,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::PhoneHttp => "http",
            Source::PhoneSocket => "ws",
            Source::Pc => "pc",
            Source::FollowUp => "followup",
            Source::Timeout => "timeout",
        }
    }
}

pub fn insert(
    conn: &Connection,
    call_id: &str,
    source: Source,
    kind: &str,
    payload: &serde_json::Value,
    now: i64,
) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO call_events (call_id, source, kind, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        call_id,
        source.as_str(),
        kind,
        payload.to_string(),
        now
    ])?;
    Ok(())
}

/// Whether the phone said anything about this call yet (the dial timeout waits for that):
/// an event from `Source::PhoneHttp` or `Source::PhoneSocket`.
pub fn phone_reported(conn: &Connection, call_id: &str) -> DbResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM call_events
                        WHERE call_id = ?1 AND source IN ('http', 'ws'))",
        )?
        .query_row([call_id], |r| r.get(0))?)
}
