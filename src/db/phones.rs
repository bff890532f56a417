//! Queries on `work_phones`.

use rusqlite::{Connection, params};

use super::DbResult;

/// What a device token is checked against: the phone's owner and its current token id, for a
/// phone that is still bound. `NotFound` once the phone is unbound.
pub fn active_token(conn: &Connection, phone_id: i64) -> DbResult<(String, String)> {
    Ok(conn.query_row(
        "SELECT user_id, token_id FROM work_phones WHERE id = ?1 AND unbound_at IS NULL",
        params![phone_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
