//! Queries on `bind_requests`: the QR codes of §3.1 (`pc`) and §3.1.1 (`mobile`).

use rusqlite::{Connection, Row, params};

use super::DbResult;

/// Expired requests are kept this long (so bind-status can still say `expired`), then pruned.
const KEEP_EXPIRED_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone)]
pub struct BindRequest {
    pub id: String,
    pub kind: String,
    pub user_id: String,
    /// The department of `user_id` (visibility).
    pub user_department: String,
    pub created_by: String,
    pub expires_at: i64,
    pub phone_id: Option<i64>,
    pub bound_at: Option<i64>,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<BindRequest> {
    Ok(BindRequest {
        id: r.get(0)?,
        kind: r.get(1)?,
        user_id: r.get(2)?,
        user_department: r.get(3)?,
        created_by: r.get(4)?,
        expires_at: r.get(5)?,
        phone_id: r.get(6)?,
        bound_at: r.get(7)?,
    })
}

/// Stores a new request and drops requests that expired long ago.
pub fn insert(
    conn: &Connection,
    id: &str,
    kind: &str,
    user_id: &str,
    created_by: &str,
    expires_at: i64,
    now: i64,
) -> DbResult<()> {
    conn.execute(
        "DELETE FROM bind_requests WHERE expires_at < ?1",
        [now - KEEP_EXPIRED_MS],
    )?;
    conn.execute(
        "INSERT INTO bind_requests (id, kind, user_id, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, kind, user_id, created_by, now, expires_at],
    )?;
    Ok(())
}

pub fn by_id(conn: &Connection, id: &str) -> DbResult<BindRequest> {
    Ok(conn
        .prepare_cached(
            "SELECT b.id, b.kind, b.user_id, u.department, b.created_by, b.expires_at, b.phone_id,
                b.bound_at
         FROM bind_requests b JOIN users u ON u.id = b.user_id WHERE b.id = ?1",
        )?
        .query_row([id], from_row)?)
}

/// Marks a request used by `phone_id`; false when it was already used (it binds once).
pub fn mark_bound(conn: &Connection, id: &str, phone_id: i64, now: i64) -> DbResult<bool> {
    let changed = conn.execute(
        "UPDATE bind_requests SET phone_id = ?2, bound_at = ?3 WHERE id = ?1 AND bound_at IS NULL",
        params![id, phone_id, now],
    )?;
    Ok(changed == 1)
}
