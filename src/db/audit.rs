//! The audit log's queries: one insert (inside the act's own transaction) and one paged read.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};

use super::DbResult;

/// One line of the log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub user_id: Option<String>,
    pub username: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub address: String,
}

/// What the read filters by.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub user_id: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

pub fn insert(conn: &Connection, e: &AuditEntry) -> DbResult<()> {
    conn.execute(
        "INSERT INTO audit_log (at, user_id, username, action, target, detail, address)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            e.at, e.user_id, e.username, e.action, e.target, e.detail, e.address
        ],
    )?;
    Ok(())
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        user_id: r.get(2)?,
        username: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        detail: r.get(6)?,
        address: r.get(7)?,
    })
}

/// The newest first, one page, and how many match.
pub fn list(
    conn: &Connection,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<AuditEntry>, i64)> {
    let mut conds = vec!["1 = 1".to_string()];
    let mut args: Vec<Value> = Vec::new();
    if let Some(action) = &f.action {
        conds.push("action = ?".into());
        args.push(Value::Text(action.clone()));
    }
    if let Some(user) = &f.user_id {
        conds.push("user_id = ?".into());
        args.push(Value::Text(user.clone()));
    }
    if let Some(from) = f.from {
        conds.push("at >= ?".into());
        args.push(Value::Integer(from));
    }
    if let Some(to) = f.to {
        conds.push("at < ?".into());
        args.push(Value::Integer(to));
    }
    let cond = conds.join(" AND ");
    super::page(
        conn,
        &format!("SELECT COUNT(*) FROM audit_log WHERE {cond}"),
        &format!(
            "SELECT id, at, user_id, username, action, target, detail, address
               FROM audit_log WHERE {cond} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"
        ),
        args,
        limit,
        offset,
        from_row,
    )
}
