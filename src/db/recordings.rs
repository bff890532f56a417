//! Queries on `recordings` (and the call columns a recording needs: its owner, its duration,
//! `has_recording`).

use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params, params_from_iter};

use super::{DbError, DbResult};
use crate::access::Scope;

/// A recording with what the list shows of its call and its owner.
#[derive(Debug, Clone)]
pub struct Recording {
    pub id: String,
    pub call_id: String,
    pub user_id: String,
    pub user_department: String,
    /// The owner's real name, or the username when it has none.
    pub user_name: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub call_start: i64,
    pub file_name: String,
    pub rel_path: String,
    pub file_size: i64,
    pub duration: i64,
    pub format: String,
    pub storage_type: String,
    pub created_at: i64,
    /// The reconcile found no file for this row.
    pub file_missing: bool,
}

const SELECT: &str = "SELECT r.id, r.call_id, r.user_id, u.department,
        u.display_name, c.customer_name, c.customer_phone,
        c.start_time, r.file_name, r.rel_path, r.file_size, r.duration, r.format,
        r.storage_type, r.created_at, r.file_missing
   FROM recordings r
   JOIN call_records c ON c.id = r.call_id
   JOIN users_named u ON u.id = r.user_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Recording> {
    Ok(Recording {
        id: row.get(0)?,
        call_id: row.get(1)?,
        user_id: row.get(2)?,
        user_department: row.get(3)?,
        user_name: row.get(4)?,
        customer_name: row.get(5)?,
        customer_phone: row.get(6)?,
        call_start: row.get(7)?,
        file_name: row.get(8)?,
        rel_path: row.get(9)?,
        file_size: row.get(10)?,
        duration: row.get(11)?,
        format: row.get(12)?,
        storage_type: row.get(13)?,
        created_at: row.get(14)?,
        file_missing: row.get(15)?,
    })
}

/// The owner and duration of a call, for an upload.
pub fn call_owner(conn: &Connection, call_id: &str) -> DbResult<(String, i64)> {
    Ok(conn
        .prepare_cached("SELECT user_id, duration FROM call_records WHERE id = ?1")?
        .query_row([call_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// The user's latest call with `number` that started at or after `since` and has no recording
/// yet: its id and duration (a recording that came by number, contract §14).
pub fn latest_unrecorded_call(
    conn: &Connection,
    user_id: &str,
    number: &str,
    since: i64,
) -> DbResult<Option<(String, i64)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, duration FROM call_records
              WHERE customer_phone = ?2 AND start_time >= ?3 AND user_id = ?1
                AND has_recording = 0
              ORDER BY start_time DESC LIMIT 1",
        )?
        .query_row(rusqlite::params![user_id, number, since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

pub struct NewRecording<'a> {
    pub id: &'a str,
    pub call_id: &'a str,
    pub user_id: &'a str,
    pub file_name: &'a str,
    pub rel_path: &'a str,
    pub file_size: i64,
    pub duration: i64,
    pub format: &'a str,
    pub created_at: i64,
}

/// Recordings of the call that have no length yet (uploaded without `duration` before the
/// phone reported the end, so they took the call's 0) take the call's new duration.
pub fn fill_unknown_durations(conn: &Connection, call_id: &str, duration: i64) -> DbResult<()> {
    conn.prepare_cached("UPDATE recordings SET duration = ?2 WHERE call_id = ?1 AND duration = 0")?
        .execute(params![call_id, duration])?;
    Ok(())
}

/// Inserts the row and marks the call `hasRecording`; call it inside one transaction.
pub fn insert(conn: &Connection, rec: &NewRecording<'_>) -> DbResult<()> {
    conn.execute(
        "INSERT INTO recordings (id, call_id, user_id, file_name, rel_path, file_size, duration,
                                 format, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            rec.id,
            rec.call_id,
            rec.user_id,
            rec.file_name,
            rec.rel_path,
            rec.file_size,
            rec.duration,
            rec.format,
            rec.created_at
        ],
    )?;
    conn.execute(
        "UPDATE call_records SET has_recording = 1, updated_at = ?2 WHERE id = ?1",
        params![rec.call_id, rec.created_at],
    )?;
    Ok(())
}

pub fn by_id(conn: &Connection, id: &str) -> DbResult<Recording> {
    Ok(conn.query_row(&format!("{SELECT} WHERE r.id = ?1"), [id], from_row)?)
}

pub fn by_rel_path(conn: &Connection, rel: &str) -> DbResult<Recording> {
    Ok(conn.query_row(&format!("{SELECT} WHERE r.rel_path = ?1"), [rel], from_row)?)
}

/// Deletes a recording row; the call keeps `hasRecording` only while it has another recording.
/// Returns the stored path, for removing the file after the commit.
pub fn delete(conn: &Connection, id: &str, now: i64) -> DbResult<String> {
    let (call_id, rel): (String, String) = conn
        .prepare_cached("DELETE FROM recordings WHERE id = ?1 RETURNING call_id, rel_path")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    conn.execute(
        "UPDATE call_records
            SET has_recording = EXISTS (SELECT 1 FROM recordings WHERE call_id = ?1),
                updated_at = ?2
          WHERE id = ?1",
        params![call_id, now],
    )?;
    Ok(rel)
}

/// §4.4 filters; times are epoch ms, `end` exclusive.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub call_id: Option<String>,
    pub customer_id: Option<String>,
    /// Whose recordings (within the scope).
    pub user_id: Option<String>,
    /// Part of the customer's name, or (as digits) of their number.
    pub keyword: Option<String>,
    pub keyword_digits: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// The WHERE clause of a scoped, filtered query, with its parameters.
fn where_clause(scope: &Scope, filter: &Filter) -> (String, Vec<Value>) {
    let (scope_sql, scope_param) = super::scope::condition(scope, "r.user_id");
    let mut sql = format!("WHERE {scope_sql}");
    let mut params: Vec<Value> = scope_param.into_iter().map(Value::from).collect();
    let mut add = |cond: &str, value: Value| {
        sql.push_str(" AND ");
        sql.push_str(cond);
        params.push(value);
    };
    if let Some(call) = &filter.call_id {
        add("r.call_id = ?", call.clone().into());
    }
    if let Some(customer) = &filter.customer_id {
        add("c.customer_id = ?", customer.clone().into());
    }
    if let Some(user) = &filter.user_id {
        add("r.user_id = ?", user.clone().into());
    }
    if let Some(start) = filter.start {
        add("r.created_at >= ?", start.into());
    }
    if let Some(end) = filter.end {
        add("r.created_at < ?", end.into());
    }
    if let Some(k) = &filter.keyword {
        // the number is matched by the keyword's digits when it has some (138-0013 finds
        // 13800138000), else by the keyword as typed
        let number = filter.keyword_digits.as_deref().unwrap_or(k);
        sql.push_str(
            " AND (c.customer_name LIKE ? ESCAPE '\\' OR c.customer_phone LIKE ? ESCAPE '\\')",
        );
        params.push(super::like_pattern(k).into());
        params.push(super::like_pattern(number).into());
    }
    (sql, params)
}

/// Every visible recording matching `filter`, newest first, handed to `each` as SQLite reads
/// them (an export).
pub fn for_each<E: From<super::DbError>>(
    conn: &Connection,
    scope: &Scope,
    filter: &Filter,
    each: impl FnMut(Recording) -> Result<(), E>,
) -> Result<(), E> {
    let (cond, params) = where_clause(scope, filter);
    let sql = format!("{SELECT} {cond} ORDER BY r.created_at DESC, r.id DESC");
    super::for_each_row(conn, &sql, &params, from_row, each)
}

/// One page of the visible recordings matching `filter`, newest first, and the total count.
pub fn list(
    conn: &Connection,
    scope: &Scope,
    filter: &Filter,
    page: u32,
    page_size: u32,
) -> DbResult<(Vec<Recording>, i64)> {
    let (cond, params) = where_clause(scope, filter);
    super::page(
        conn,
        &super::count_sql(
            &format!("FROM recordings r JOIN call_records c ON c.id = r.call_id {cond}"),
            filter.keyword.is_some(),
        ),
        &format!("{SELECT} {cond} ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?"),
        params,
        i64::from(page_size),
        i64::from(page - 1) * i64::from(page_size),
        from_row,
    )
}

/// Count and bytes of the visible recordings, and of those stored in `[today_start, today_end)`.
pub fn stats(
    conn: &Connection,
    scope: &Scope,
    today_start: i64,
    today_end: i64,
) -> DbResult<(i64, i64, i64, i64)> {
    let (cond, scope_params) = where_clause(scope, &Filter::default());
    // anonymous parameters only, in the order they appear in the text
    let mut params: Vec<Value> = vec![
        today_start.into(),
        today_end.into(),
        today_start.into(),
        today_end.into(),
    ];
    params.extend(scope_params);
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(r.file_size), 0),
                COUNT(*) FILTER (WHERE r.created_at >= ? AND r.created_at < ?),
                COALESCE(SUM(r.file_size) FILTER (WHERE r.created_at >= ? AND r.created_at < ?), 0)
           FROM recordings r JOIN call_records c ON c.id = r.call_id {cond}"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(params.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?)
}

/// Count and bytes of every recording (the retention budget and the storage view).
pub fn totals(conn: &Connection) -> DbResult<(i64, i64)> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*), COALESCE(SUM(file_size), 0) FROM recordings")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Every recording's path and whether it is marked missing (the reconcile's snapshot).
pub fn paths(conn: &Connection) -> DbResult<Vec<(String, bool)>> {
    let mut stmt = conn.prepare("SELECT rel_path, file_missing FROM recordings")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks (or clears) the row of `rel` as having no file; true when a row changed.
pub fn set_file_missing(conn: &Connection, rel: &str, missing: bool) -> DbResult<bool> {
    let changed = conn.execute(
        "UPDATE recordings SET file_missing = ?2 WHERE rel_path = ?1 AND file_missing != ?2",
        params![rel, missing],
    )?;
    Ok(changed > 0)
}

/// How many rows are marked as having no file.
pub fn missing_count(conn: &Connection) -> DbResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM recordings WHERE file_missing = 1")?
        .query_row([], |r| r.get(0))?)
}

/// The oldest recordings (id, path, bytes, stored at), oldest first.
pub fn oldest(conn: &Connection, limit: u32) -> DbResult<Vec<(String, String, i64, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT id, rel_path, file_size, created_at FROM recordings
          ORDER BY created_at, id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a recording row if it still exists (the retention sweep races nothing but a user's
/// delete); returns its path when it was deleted.
pub fn delete_if_present(conn: &Connection, id: &str, now: i64) -> DbResult<Option<String>> {
    match delete(conn, id, now) {
        Ok(rel) => Ok(Some(rel)),
        Err(DbError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}
