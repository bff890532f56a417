//! Queries on `follow_ups` (§5.1, §5.11, §5.12).

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};

use super::DbResult;
use super::customers::{tags_from_json, tags_to_json};
use crate::access::Scope;

#[derive(Debug, Clone)]
pub struct FollowUp {
    pub id: String,
    pub call_id: Option<String>,
    pub customer_id: Option<String>,
    pub customer_name: String,
    pub user_id: String,
    pub user_name: String,
    pub kind: String,
    pub content: String,
    pub intention: Option<String>,
    pub call_tags: Vec<String>,
    pub next_follow_up: Option<i64>,
    pub priority: String,
    pub status: String,
    pub created_at: i64,
    /// Made by a call's after-call form (§5.1): at most one per call.
    pub after_call: bool,
}

const SELECT: &str = "SELECT f.id, f.call_id, f.customer_id, f.customer_name, f.user_id, \
    u.display_name, f.type, f.content, f.intention, \
    f.call_tags, f.next_follow_up, f.priority, f.status, f.created_at, f.after_call \
    FROM follow_ups f JOIN users_named u ON u.id = f.user_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<FollowUp> {
    let tags: String = row.get(9)?;
    Ok(FollowUp {
        id: row.get(0)?,
        call_id: row.get(1)?,
        customer_id: row.get(2)?,
        customer_name: row.get(3)?,
        user_id: row.get(4)?,
        user_name: row.get(5)?,
        kind: row.get(6)?,
        content: row.get(7)?,
        intention: row.get(8)?,
        call_tags: tags_from_json(&tags),
        next_follow_up: row.get(10)?,
        priority: row.get(11)?,
        status: row.get(12)?,
        created_at: row.get(13)?,
        after_call: row.get(14)?,
    })
}

pub fn insert(conn: &Connection, f: &FollowUp, now: i64) -> DbResult<()> {
    conn.execute(
        "INSERT INTO follow_ups (id, call_id, customer_id, customer_name, user_id, type, content,
                                 intention, call_tags, next_follow_up, priority, status,
                                 created_at, updated_at, after_call)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            f.id,
            f.call_id,
            f.customer_id,
            f.customer_name,
            f.user_id,
            f.kind,
            f.content,
            f.intention,
            tags_to_json(&f.call_tags),
            f.next_follow_up,
            f.priority,
            f.status,
            f.created_at,
            now,
            f.after_call
        ],
    )?;
    Ok(())
}

/// Writes back what an edit may change: content, intention, tags, next time, priority, status.
pub fn update(conn: &Connection, f: &FollowUp, now: i64) -> DbResult<()> {
    let changed = conn.execute(
        "UPDATE follow_ups SET content = ?2, intention = ?3, call_tags = ?4, next_follow_up = ?5,
                priority = ?6, status = ?7, user_id = ?8, updated_at = ?9
          WHERE id = ?1",
        params![
            f.id,
            f.content,
            f.intention,
            tags_to_json(&f.call_tags),
            f.next_follow_up,
            f.priority,
            f.status,
            f.user_id,
            now
        ],
    )?;
    if changed == 0 {
        return Err(super::DbError::NotFound);
    }
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> DbResult<()> {
    if conn.execute("DELETE FROM follow_ups WHERE id = ?1", [id])? == 0 {
        return Err(super::DbError::NotFound);
    }
    Ok(())
}

/// The follow-up a call's after-call form made, if one did.
pub fn after_call_of(conn: &Connection, call_id: &str) -> DbResult<Option<FollowUp>> {
    use rusqlite::OptionalExtension;
    let sql = format!("{SELECT} WHERE f.call_id = ?1 AND f.after_call = 1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([call_id], from_row)
        .optional()?)
}

/// Pending follow-ups due in `[today_start, tomorrow_start)` and before `today_start`
/// (`(today, overdue)`), of the users in `scope`. Reads the `follow_ups_pending` index.
pub fn due_counts(
    conn: &Connection,
    scope: &Scope,
    today_start: i64,
    tomorrow_start: i64,
) -> DbResult<(i64, i64)> {
    let (scope_cond, scope_arg) = super::scope::condition(scope, "f.user_id");
    let sql = format!(
        "SELECT COALESCE(SUM(f.next_follow_up >= ?1), 0), COALESCE(SUM(f.next_follow_up < ?1), 0)
           FROM follow_ups f
          WHERE f.status = 'pending' AND f.next_follow_up < ?2 AND {scope_cond}"
    );
    let mut args: Vec<Value> = vec![Value::Integer(today_start), Value::Integer(tomorrow_start)];
    args.extend(scope_arg.map(Value::Text));
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(args), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
}

pub fn by_id(conn: &Connection, id: &str) -> DbResult<FollowUp> {
    Ok(conn.query_row(&format!("{SELECT} WHERE f.id = ?1"), [id], from_row)?)
}

/// A follow-up of a user in `scope` (another's is `NotFound`, as if it were not there).
pub fn by_id_in_scope(conn: &Connection, scope: &Scope, id: &str) -> DbResult<FollowUp> {
    let (cond, arg) = super::scope::condition(scope, "f.user_id");
    let sql = format!("{SELECT} WHERE f.id = ? AND {cond}");
    let mut args = vec![Value::Text(id.to_string())];
    args.extend(arg.map(Value::Text));
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(args), from_row)?)
}

/// A call's follow-ups, newest first (§5.2 followUpRecords).
pub fn by_call(conn: &Connection, call_id: &str) -> DbResult<Vec<FollowUp>> {
    let sql = format!("{SELECT} WHERE f.call_id = ?1 ORDER BY f.created_at DESC, f.rowid DESC");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([call_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// §5.11 filters; times are `[from, to)` on the creation time.
#[derive(Debug, Default, Clone)]
pub struct FollowUpFilter {
    pub customer_id: Option<String>,
    pub call_id: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub user_id: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Pending with the next follow-up time in `[from, to)` (due today: today's bounds; overdue:
    /// `(None, today_start)`).
    pub due: Option<(Option<i64>, i64)>,
}

/// One page, newest first, and the number of all matches.
pub fn list(
    conn: &Connection,
    scope: &Scope,
    f: &FollowUpFilter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<FollowUp>, i64)> {
    let (cond, args) = filter_sql(scope, f);
    super::page(
        conn,
        &format!("SELECT COUNT(*) FROM follow_ups f WHERE {cond}"),
        &format!("{SELECT} WHERE {cond} ORDER BY f.created_at DESC, f.rowid DESC LIMIT ? OFFSET ?"),
        args,
        limit,
        offset,
        from_row,
    )
}

/// Every match, newest first, handed to `each` as SQLite reads them (an export).
pub fn for_each<E: From<super::DbError>>(
    conn: &Connection,
    scope: &Scope,
    f: &FollowUpFilter,
    each: impl FnMut(FollowUp) -> Result<(), E>,
) -> Result<(), E> {
    let (cond, args) = filter_sql(scope, f);
    let sql = format!("{SELECT} WHERE {cond} ORDER BY f.created_at DESC, f.rowid DESC");
    super::for_each_row(conn, &sql, &args, from_row, each)
}

fn filter_sql(scope: &Scope, f: &FollowUpFilter) -> (String, Vec<Value>) {
    let (scope_cond, scope_arg) = super::scope::condition(scope, "f.user_id");
    let mut conds = vec![scope_cond];
    let mut args: Vec<Value> = scope_arg.into_iter().map(Value::Text).collect();
    for (col, v) in [
        ("f.customer_id", &f.customer_id),
        ("f.call_id", &f.call_id),
        ("f.status", &f.status),
        ("f.priority", &f.priority),
        ("f.user_id", &f.user_id),
    ] {
        if let Some(v) = v {
            conds.push(format!("{col} = ?"));
            args.push(Value::Text(v.clone()));
        }
    }
    for (cond, v) in [("f.created_at >= ?", f.from), ("f.created_at < ?", f.to)] {
        if let Some(v) = v {
            conds.push(cond.into());
            args.push(Value::Integer(v));
        }
    }
    if let Some((from, to)) = f.due {
        conds.push("f.status = 'pending' AND f.next_follow_up < ?".into());
        args.push(Value::Integer(to));
        if let Some(from) = from {
            conds.push("f.next_follow_up >= ?".into());
            args.push(Value::Integer(from));
        }
    }
    (conds.join(" AND "), args)
}
