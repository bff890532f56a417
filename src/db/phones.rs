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

/// A bound phone of a user, as the dial chooses among them (contract §6).
#[derive(Debug, Clone)]
pub struct BoundPhone {
    pub id: i64,
    pub is_primary: bool,
    pub last_active_at: Option<i64>,
}

/// The user's phones that are still bound.
pub fn bound_of_user(conn: &Connection, user_id: &str) -> DbResult<Vec<BoundPhone>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, is_primary, last_active_at FROM work_phones
         WHERE user_id = ?1 AND unbound_at IS NULL",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok(BoundPhone {
            id: r.get(0)?,
            is_primary: r.get(1)?,
            last_active_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
