//! Queries on `import_batches` and `import_changes` (migration 0013): each customer import is a
//! batch, with one line per customer it created or changed, so it can be undone.

use rusqlite::{Connection, Row, params};

use super::{DbError, DbResult};

/// One import, as 客户 → 导入记录 lists it.
#[derive(Debug, Clone)]
pub struct Batch {
    pub id: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub file_name: String,
    pub mode: String,
    pub created: i64,
    pub updated: i64,
    pub created_at: i64,
    pub undone_at: Option<i64>,
    /// Customers whose change is still there to undo.
    pub pending: i64,
}

const SELECT: &str = "SELECT b.id, b.user_id, u.display_name, b.file_name, b.mode, b.created, \
    b.updated, b.created_at, b.undone_at, \
    (SELECT COUNT(*) FROM import_changes WHERE batch_id = b.id) \
    FROM import_batches b LEFT JOIN users_named u ON u.id = b.user_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: row.get(0)?,
        user_id: row.get(1)?,
        user_name: row.get(2)?,
        file_name: row.get(3)?,
        mode: row.get(4)?,
        created: row.get(5)?,
        updated: row.get(6)?,
        created_at: row.get(7)?,
        undone_at: row.get(8)?,
        pending: row.get(9)?,
    })
}

/// A new batch, before its first rows are written (the rows' transactions add to its counts).
pub fn start(
    conn: &Connection,
    id: &str,
    user_id: &str,
    file_name: &str,
    mode: &str,
    now: i64,
) -> DbResult<()> {
    conn.execute(
        "INSERT INTO import_batches (id, user_id, file_name, mode, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, user_id, file_name, mode, now],
    )?;
    Ok(())
}

/// Adds one transaction's counts to its batch.
pub fn add_counts(conn: &Connection, id: &str, created: i64, updated: i64) -> DbResult<()> {
    conn.prepare_cached(
        "UPDATE import_batches SET created = created + ?2, updated = updated + ?3 WHERE id = ?1",
    )?
    .execute(params![id, created, updated])?;
    Ok(())
}

/// Notes that the batch created (`before` None) or changed a customer; a customer the batch
/// already touched keeps its first `before` (what the undo returns it to).
pub fn record_change(
    conn: &Connection,
    id: &str,
    customer_id: &str,
    before: Option<&str>,
    left_at: i64,
) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO import_changes (batch_id, customer_id, before, left_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (batch_id, customer_id) DO UPDATE SET left_at = excluded.left_at",
    )?
    .execute(params![id, customer_id, before, left_at])?;
    Ok(())
}

pub fn by_id(conn: &Connection, id: &str) -> DbResult<Batch> {
    let sql = format!("{SELECT} WHERE b.id = ?1");
    Ok(conn.query_row(&sql, [id], from_row)?)
}

/// The newest batches first, and how many there are.
pub fn list(conn: &Connection, limit: i64, offset: i64) -> DbResult<(Vec<Batch>, i64)> {
    super::page(
        conn,
        "SELECT COUNT(*) FROM import_batches",
        &format!("{SELECT} ORDER BY b.created_at DESC, b.rowid DESC LIMIT ? OFFSET ?"),
        Vec::new(),
        limit,
        offset,
        from_row,
    )
}

/// One line of a batch still to undo.
#[derive(Debug, Clone)]
pub struct Change {
    pub customer_id: String,
    pub before: Option<String>,
    pub left_at: i64,
}

/// Up to `limit` of the batch's lines still to undo.
pub fn pending_changes(conn: &Connection, id: &str, limit: i64) -> DbResult<Vec<Change>> {
    let mut stmt = conn.prepare_cached(
        "SELECT customer_id, before, left_at FROM import_changes
          WHERE batch_id = ?1 ORDER BY customer_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id, limit], |r| {
        Ok(Change {
            customer_id: r.get(0)?,
            before: r.get(1)?,
            left_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A line undone (or kept on purpose): it is not tried again.
pub fn forget_change(conn: &Connection, id: &str, customer_id: &str) -> DbResult<()> {
    conn.prepare_cached("DELETE FROM import_changes WHERE batch_id = ?1 AND customer_id = ?2")?
        .execute(params![id, customer_id])?;
    Ok(())
}

/// The undo finished.
pub fn mark_undone(conn: &Connection, id: &str, now: i64) -> DbResult<()> {
    let changed = conn.execute(
        "UPDATE import_batches SET undone_at = ?2 WHERE id = ?1 AND undone_at IS NULL",
        params![id, now],
    )?;
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}
