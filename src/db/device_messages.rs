//! Queries on `device_messages`: phone socket messages already applied, so a resent messageId
//! is acked again but applied once (contract §5).

use rusqlite::{Connection, OptionalExtension, params};

use super::DbResult;

/// A phone resends an unacked message within minutes; a day is far more than enough.
pub const KEEP_MS: i64 = 24 * 3600 * 1000;

pub fn seen(conn: &Connection, phone_id: i64, message_id: &str) -> DbResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM device_messages WHERE phone_id = ?1 AND message_id = ?2")?
        .query_row(params![phone_id, message_id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn record(conn: &Connection, phone_id: i64, message_id: &str, now: i64) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO device_messages (phone_id, message_id, created_at)
         VALUES (?1, ?2, ?3)",
    )?
    .execute(params![phone_id, message_id, now])?;
    Ok(())
}

/// Drops rows older than `KEEP_MS` (over the `created_at` index).
pub fn prune(conn: &Connection, now: i64) -> DbResult<usize> {
    Ok(conn.execute(
        "DELETE FROM device_messages WHERE created_at < ?1",
        [now - KEEP_MS],
    )?)
}
