//! Queries on `call_events`: the history of every report and action on a call (contract §6).

use rusqlite::{Connection, params};

use super::{DbResult, now_ms};

pub fn insert(
    conn: &Connection,
    call_id: &str,
    source: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO call_events (call_id, source, kind, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        call_id,
        source,
        kind,
        payload.to_string(),
        now_ms()
    ])?;
    Ok(())
}

/// Whether the phone said anything about this call yet (the dial timeout waits for that).
pub fn phone_reported(conn: &Connection, call_id: &str) -> DbResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM call_events
                        WHERE call_id = ?1 AND source IN ('http', 'ws'))",
        [call_id],
        |r| r.get(0),
    )?)
}
