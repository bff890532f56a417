//! Queries on `campaign_items`: a list's numbers, the next one a salesperson dials, and what
//! each dial did. `queue` is the item's place (see `sql/0006_campaigns.sql`).

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{DbError, DbResult};
use crate::states::dialer::{Outcome, Queue};

#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub campaign_id: String,
    pub position: i64,
    pub phone: String,
    pub customer_id: Option<String>,
    pub name: String,
    pub note: String,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub queue: Queue,
    pub outcome: Option<Outcome>,
    pub attempts: i64,
    pub last_call_id: Option<String>,
    pub due_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT i.id, i.campaign_id, i.position, i.phone, i.customer_id, i.name, \
    i.note, i.assignee_id, u.display_name, i.queue, i.outcome, \
    i.attempts, i.last_call_id, i.due_at, i.updated_at \
    FROM campaign_items i LEFT JOIN users_named u ON u.id = i.assignee_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: r.get(0)?,
        campaign_id: r.get(1)?,
        position: r.get(2)?,
        phone: r.get(3)?,
        customer_id: r.get(4)?,
        name: r.get(5)?,
        note: r.get(6)?,
        assignee_id: r.get(7)?,
        assignee_name: r.get(8)?,
        queue: r.get(9)?,
        outcome: r.get(10)?,
        attempts: r.get(11)?,
        last_call_id: r.get(12)?,
        due_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

/// A number to add: normalised, not yet in the list.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub phone: String,
    pub customer_id: Option<String>,
    pub name: String,
    pub note: String,
}

/// The list's last position (0 when empty).
pub fn last_position(conn: &Connection, campaign_id: &str) -> DbResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(MAX(position), 0) FROM campaign_items WHERE campaign_id = ?1",
        )?
        .query_row([campaign_id], |r| r.get(0))?)
}

/// Adds one number at `position`; false when the list already has it.
pub fn insert(
    conn: &Connection,
    campaign_id: &str,
    position: i64,
    item: &NewItem,
    now: i64,
) -> DbResult<bool> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO campaign_items (campaign_id, position, phone, customer_id, name, note,
             updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (campaign_id, phone) DO NOTHING",
    )?;
    let n = stmt.execute(params![
        campaign_id,
        position,
        item.phone,
        item.customer_id,
        item.name,
        item.note,
        now
    ])?;
    Ok(n == 1)
}

pub fn has_phone(conn: &Connection, campaign_id: &str, phone: &str) -> DbResult<bool> {
    let mut stmt =
        conn.prepare_cached("SELECT 1 FROM campaign_items WHERE campaign_id = ?1 AND phone = ?2")?;
    Ok(stmt
        .query_row([campaign_id, phone], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether the list has numbers for this person.
pub fn any_for(conn: &Connection, campaign_id: &str, user_id: &str) -> DbResult<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM campaign_items WHERE campaign_id = ?1 AND assignee_id = ?2 LIMIT 1",
    )?;
    Ok(stmt
        .query_row([campaign_id, user_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether the list has numbers for anyone in this department.
pub fn any_for_department(
    conn: &Connection,
    campaign_id: &str,
    department: &str,
) -> DbResult<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM users u WHERE u.department = ?2 AND EXISTS (SELECT 1 FROM campaign_items i
            WHERE i.campaign_id = ?1 AND i.assignee_id = u.id) LIMIT 1",
    )?;
    Ok(stmt
        .query_row([campaign_id, department], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn by_id(conn: &Connection, id: i64) -> DbResult<Item> {
    Ok(conn.query_row(&format!("{SELECT} WHERE i.id = ?1"), [id], from_row)?)
}

/// The item a call dialed, while that call is its latest.
pub fn by_call(conn: &Connection, call_id: &str) -> DbResult<Option<Item>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE i.last_call_id = ?1"))?;
    Ok(stmt.query_row([call_id], from_row).optional()?)
}

pub(crate) const NEXT_DUE: &str = "SELECT id FROM campaign_items
     WHERE campaign_id = ?1 AND assignee_id = ?2 AND queue = ?3 AND due_at <= ?4
     ORDER BY due_at, position LIMIT 1";

/// The next number a person dials in a list at `now`: a due callback first, then a due retry,
/// then the first fresh one in list order. Each is one probe of `campaign_items_next`.
pub fn next_due(
    conn: &Connection,
    campaign_id: &str,
    assignee_id: &str,
    now: i64,
) -> DbResult<Option<i64>> {
    let mut stmt = conn.prepare_cached(NEXT_DUE)?;
    for queue in Queue::WAITING {
        let found = stmt
            .query_row(params![campaign_id, assignee_id, queue, now], |r| r.get(0))
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

pub(crate) const NEXT_LATER: &str = "SELECT MIN(due_at) FROM campaign_items
     WHERE campaign_id = ?1 AND assignee_id = ?2 AND queue = ?3 AND due_at > ?4";

/// When the person's next waiting callback or retry comes due, if one waits.
pub fn next_later(
    conn: &Connection,
    campaign_id: &str,
    assignee_id: &str,
    now: i64,
) -> DbResult<Option<i64>> {
    let mut stmt = conn.prepare_cached(NEXT_LATER)?;
    let mut best: Option<i64> = None;
    for queue in [Queue::Callback, Queue::Retry] {
        let at: Option<i64> =
            stmt.query_row(params![campaign_id, assignee_id, queue, now], |r| r.get(0))?;
        best = match (best, at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(best)
}

/// Moves an item: its queue, outcome, due time; `call` and `attempts` when a dial starts.
pub fn set_queue(
    conn: &Connection,
    id: i64,
    queue: Queue,
    outcome: Option<Outcome>,
    due_at: i64,
    now: i64,
) -> DbResult<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE campaign_items SET queue = ?2, outcome = ?3, due_at = ?4, updated_at = ?5
          WHERE id = ?1",
    )?;
    match stmt.execute(params![id, queue, outcome, due_at, now])? {
        0 => Err(DbError::NotFound),
        _ => Ok(()),
    }
}

/// A dial of the item started with `call_id`.
pub fn start_dial(conn: &Connection, id: i64, call_id: &str, now: i64) -> DbResult<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE campaign_items SET queue = 'dialing', attempts = attempts + 1,
             last_call_id = ?2, updated_at = ?3 WHERE id = ?1",
    )?;
    stmt.execute(params![id, call_id, now])?;
    Ok(())
}

/// Undoes `start_dial` when the command never reached the phone.
pub fn undo_dial(
    conn: &Connection,
    id: i64,
    queue: Queue,
    last_call: Option<&str>,
) -> DbResult<()> {
    conn.execute(
        "UPDATE campaign_items SET queue = ?2, attempts = MAX(attempts - 1, 0), last_call_id = ?3
          WHERE id = ?1",
        params![id, queue, last_call],
    )?;
    Ok(())
}

/// Items of a list for one page: optionally one assignee's, one queue's.
pub fn page(
    conn: &Connection,
    campaign_id: &str,
    assignee: Option<&str>,
    queue: Option<Queue>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Item>, i64)> {
    let mut cond = String::from(" WHERE i.campaign_id = ?1");
    let mut args = vec![Value::Text(campaign_id.into())];
    if let Some(a) = assignee {
        args.push(Value::Text(a.into()));
        cond.push_str(&format!(" AND i.assignee_id = ?{}", args.len()));
    }
    if let Some(q) = queue {
        args.push(Value::Text(q.as_str().into()));
        cond.push_str(&format!(" AND i.queue = ?{}", args.len()));
    }
    let n = args.len();
    super::page(
        conn,
        &format!("SELECT COUNT(*) FROM campaign_items i{cond}"),
        &format!(
            "{SELECT}{cond} ORDER BY i.position LIMIT ?{} OFFSET ?{}",
            n + 1,
            n + 2
        ),
        args,
        limit,
        offset,
        from_row,
    )
}

/// The ids of a list's numbers that are still to be worked (not done, not being dialed), in
/// list order; `only` limits them to those ids, `from` to one assignee's (`Some(None)`: the
/// unassigned).
pub fn assignable(
    conn: &Connection,
    campaign_id: &str,
    from: Option<Option<&str>>,
) -> DbResult<Vec<i64>> {
    let mut sql = String::from(
        "SELECT id FROM campaign_items WHERE campaign_id = ?1
            AND queue IN ('fresh', 'retry', 'callback')",
    );
    let mut args = vec![Value::Text(campaign_id.into())];
    match from {
        None => {}
        Some(None) => sql.push_str(" AND assignee_id IS NULL"),
        Some(Some(user)) => {
            sql.push_str(" AND assignee_id = ?2");
            args.push(Value::Text(user.into()));
        }
    }
    sql.push_str(" ORDER BY position");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Gives an item to a person, and the person becomes the customer's 负责人 where it has none.
pub fn assign(conn: &Connection, id: i64, user_id: &str, now: i64) -> DbResult<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE campaign_items SET assignee_id = ?2, updated_at = ?3 WHERE id = ?1",
    )?;
    stmt.execute(params![id, user_id, now])?;
    let mut owner = conn.prepare_cached(
        "UPDATE customers SET owner_id = ?2, updated_at = ?3
          WHERE owner_id IS NULL AND id = (SELECT customer_id FROM campaign_items WHERE id = ?1)",
    )?;
    owner.execute(params![id, user_id, now])?;
    Ok(())
}

#[cfg(test)]
mod plan_tests {
    use rusqlite::types::Value;

    use super::*;

    #[test]
    fn the_next_number_is_an_index_probe_not_a_scan() {
        let args = [
            Value::Text("camp".into()),
            Value::Text("user".into()),
            Value::Text("fresh".into()),
            Value::Integer(0),
        ];
        for sql in [NEXT_DUE, NEXT_LATER] {
            let p = crate::db::call_lists::plan_tests::plan(sql, &args);
            assert!(p.contains("INDEX campaign_items_next ("), "{p}");
            assert!(!p.contains("TEMP B-TREE"), "no sort: {p}");
            assert!(!p.starts_with("SCAN"), "{p}");
        }
    }
}
