//! Queries on `do_not_call` (黑名单). Numbers are normalised (`customers::phone`).

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::DbResult;

#[derive(Debug, Clone)]
pub struct Entry {
    pub phone: String,
    pub reason: String,
    pub added_by: Option<String>,
    pub added_by_name: Option<String>,
    pub created_at: i64,
}

const SELECT: &str = "SELECT d.phone, d.reason, d.added_by, \
    u.display_name, d.created_at \
    FROM do_not_call d LEFT JOIN users_named u ON u.id = d.added_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        phone: r.get(0)?,
        reason: r.get(1)?,
        added_by: r.get(2)?,
        added_by_name: r.get(3)?,
        created_at: r.get(4)?,
    })
}

pub fn contains(conn: &Connection, phone: &str) -> DbResult<bool> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM do_not_call WHERE phone = ?1")?;
    Ok(stmt.query_row([phone], |_| Ok(())).optional()?.is_some())
}

/// Adds a number; false when it was already listed (its reason is kept).
pub fn add(
    conn: &Connection,
    phone: &str,
    reason: &str,
    by: Option<&str>,
    now: i64,
) -> DbResult<bool> {
    let n = conn.execute(
        "INSERT INTO do_not_call (phone, reason, added_by, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (phone) DO NOTHING",
        params![phone, reason, by, now],
    )?;
    Ok(n == 1)
}

pub fn remove(conn: &Connection, phone: &str) -> DbResult<()> {
    match conn.execute("DELETE FROM do_not_call WHERE phone = ?1", [phone])? {
        0 => Err(super::DbError::NotFound),
        _ => Ok(()),
    }
}

/// One page, newest first, optionally the numbers containing `digits`.
pub fn page(
    conn: &Connection,
    digits: Option<&str>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Entry>, i64)> {
    let (cond, args) = match digits {
        Some(d) => (
            " WHERE d.phone LIKE ?1 ESCAPE '\\'",
            vec![Value::Text(super::like_pattern(d))],
        ),
        None => ("", vec![]),
    };
    let n = args.len();
    super::page(
        conn,
        &format!("SELECT COUNT(*) FROM do_not_call d{cond}"),
        &format!(
            "{SELECT}{cond} ORDER BY d.created_at DESC, d.phone LIMIT ?{} OFFSET ?{}",
            n + 1,
            n + 2
        ),
        args,
        limit,
        offset,
        from_row,
    )
}
