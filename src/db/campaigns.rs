//! Queries on `campaigns` (外呼任务) and their progress, read from `campaign_items`.

use rusqlite::{Connection, Row, params};

use super::{DbError, DbResult};
use crate::access::Scope;

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner_id: String,
    pub owner_name: String,
    pub department: String,
    pub wrap_up_ms: i64,
    pub retry_delay_ms: i64,
    pub max_attempts: i64,
    /// The list's own pacing rules (`PacingForm` JSON), if any.
    pub pacing: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT c.id, c.name, c.description, c.owner_id, \
    COALESCE(u.display_name, ''), c.department, c.wrap_up_ms, \
    c.retry_delay_ms, c.max_attempts, c.pacing, c.created_at, c.updated_at \
    FROM campaigns c LEFT JOIN users_named u ON u.id = c.owner_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Campaign> {
    Ok(Campaign {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        owner_id: r.get(3)?,
        owner_name: r.get(4)?,
        department: r.get(5)?,
        wrap_up_ms: r.get(6)?,
        retry_delay_ms: r.get(7)?,
        max_attempts: r.get(8)?,
        pacing: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

pub fn insert(conn: &Connection, c: &Campaign) -> DbResult<()> {
    conn.execute(
        "INSERT INTO campaigns (id, name, description, owner_id, department, wrap_up_ms,
             retry_delay_ms, max_attempts, pacing, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            c.id,
            c.name,
            c.description,
            c.owner_id,
            c.department,
            c.wrap_up_ms,
            c.retry_delay_ms,
            c.max_attempts,
            c.pacing,
            c.created_at,
            c.updated_at
        ],
    )?;
    Ok(())
}

/// Saves the editable fields.
pub fn save(conn: &Connection, c: &Campaign) -> DbResult<()> {
    conn.execute(
        "UPDATE campaigns SET name = ?2, description = ?3, wrap_up_ms = ?4, retry_delay_ms = ?5,
             max_attempts = ?6, pacing = ?7, updated_at = ?8 WHERE id = ?1",
        params![
            c.id,
            c.name,
            c.description,
            c.wrap_up_ms,
            c.retry_delay_ms,
            c.max_attempts,
            c.pacing,
            c.updated_at
        ],
    )?;
    Ok(())
}

pub fn by_id(conn: &Connection, id: &str) -> DbResult<Campaign> {
    Ok(conn.query_row(&format!("{SELECT} WHERE c.id = ?1"), [id], from_row)?)
}

pub fn delete(conn: &Connection, id: &str) -> DbResult<()> {
    match conn.execute("DELETE FROM campaigns WHERE id = ?1", [id])? {
        0 => Err(DbError::NotFound),
        _ => Ok(()),
    }
}

/// The lists a scope sees, newest first: all (admins), the department's (managers: lists their
/// department owns or has numbers in), or those with numbers assigned to the person.
pub fn visible(conn: &Connection, scope: &Scope) -> DbResult<Vec<Campaign>> {
    let (cond, args): (&str, Vec<&str>) = match scope {
        Scope::All => ("", vec![]),
        Scope::Department(d) => (
            " WHERE c.department = ?1 OR EXISTS (SELECT 1 FROM campaign_items i JOIN users a \
             ON a.id = i.assignee_id WHERE i.campaign_id = c.id AND a.department = ?1)",
            vec![d.as_str()],
        ),
        Scope::Own(u) => (
            " WHERE EXISTS (SELECT 1 FROM campaign_items i WHERE i.campaign_id = c.id \
             AND i.assignee_id = ?1)",
            vec![u.as_str()],
        ),
    };
    let sql = format!("{SELECT}{cond} ORDER BY c.created_at DESC, c.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One person's (or nobody's) numbers of a list, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub total: i64,
    /// Dialed at least once.
    pub dialed: i64,
    pub connected: i64,
    /// Not done yet (fresh, retry, callback, dialing).
    pub remaining: i64,
    /// Callbacks waiting (再联系).
    pub callbacks: i64,
}

/// Each assignee's counts of a list (unassigned numbers under `None`).
pub fn progress(conn: &Connection, campaign_id: &str) -> DbResult<Vec<Progress>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.assignee_id, u.display_name, COUNT(*),
                SUM(i.attempts > 0), SUM(i.outcome = 'connected'), SUM(i.queue <> 'done'),
                SUM(i.queue = 'callback')
           FROM campaign_items i LEFT JOIN users_named u ON u.id = i.assignee_id
          WHERE i.campaign_id = ?1 GROUP BY i.assignee_id ORDER BY 2",
    )?;
    let rows = stmt.query_map([campaign_id], |r| {
        Ok(Progress {
            assignee_id: r.get(0)?,
            assignee_name: r.get(1)?,
            total: r.get(2)?,
            dialed: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            connected: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
            remaining: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
            callbacks: r.get::<_, Option<i64>>(6)?.unwrap_or(0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
