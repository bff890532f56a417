//! Queries on `call_records`. Every write that can change what a call counts for in statistics
//! goes through `calls::store`, which keeps `call_daily_stats` in the same transaction; this
//! module only reads and writes rows.

use rusqlite::{Connection, Row, params};

use super::{DbError, DbResult};
use crate::states::call::{CallState, EndStatus};

/// One call, with its owner's name and department and its latest recording's path.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: String,
    pub user_id: String,
    pub phone_id: Option<i64>,
    pub customer_id: Option<String>,
    pub customer_name: String,
    pub customer_phone: String,
    pub call_type: String,
    pub state: CallState,
    pub end_status: Option<EndStatus>,
    pub end_reason: Option<String>,
    pub start_time: i64,
    pub connected_at: Option<i64>,
    pub end_time: Option<i64>,
    pub duration: i64,
    pub has_recording: bool,
    pub notes: String,
    pub call_tags: Vec<String>,
    pub follow_up_required: bool,
    pub order_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub user_name: String,
    pub department: String,
    /// The newest recording's path and id (a signed link needs both).
    pub recording_path: Option<String>,
    pub recording_id: Option<String>,
}

impl Call {
    /// The API's `callStatus`: the §4.2 result once ended, else the live state (contract §6).
    pub fn call_status(&self) -> &'static str {
        match (self.state, self.end_status) {
            (CallState::Ended, Some(status)) => status.as_str(),
            (state, _) => state.as_str(),
        }
    }

    pub fn is_live(&self) -> bool {
        self.state.is_live()
    }
}

/// The SQL form of `Call::call_status`.
pub const STATUS_SQL: &str = "(CASE WHEN c.state = 'ended' THEN c.end_status ELSE c.state END)";

pub(super) const SELECT: &str = "SELECT c.id, c.user_id, c.phone_id, c.customer_id, c.customer_name, \
    c.customer_phone, c.call_type, c.state, c.end_status, c.end_reason, c.start_time, \
    c.connected_at, c.end_time, c.duration, c.has_recording, c.notes, c.call_tags, \
    c.follow_up_required, c.order_id, c.created_at, c.updated_at, \
    u.display_name, u.department, \
    (SELECT r.rel_path FROM recordings r WHERE r.call_id = c.id ORDER BY r.created_at DESC LIMIT 1), \
    (SELECT r.id FROM recordings r WHERE r.call_id = c.id ORDER BY r.created_at DESC LIMIT 1) \
    FROM call_records c JOIN users_named u ON u.id = c.user_id";

pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Call> {
    let tags: String = row.get(16)?;
    Ok(Call {
        id: row.get(0)?,
        user_id: row.get(1)?,
        phone_id: row.get(2)?,
        customer_id: row.get(3)?,
        customer_name: row.get(4)?,
        customer_phone: row.get(5)?,
        call_type: row.get(6)?,
        state: row.get(7)?,
        end_status: row.get(8)?,
        end_reason: row.get(9)?,
        start_time: row.get(10)?,
        connected_at: row.get(11)?,
        end_time: row.get(12)?,
        duration: row.get(13)?,
        has_recording: row.get(14)?,
        notes: row.get(15)?,
        call_tags: super::customers::tags_from_json(&tags),
        follow_up_required: row.get(17)?,
        order_id: row.get(18)?,
        created_at: row.get(19)?,
        updated_at: row.get(20)?,
        user_name: row.get(21)?,
        department: row.get(22)?,
        recording_path: row.get(23)?,
        recording_id: row.get(24)?,
    })
}

pub fn by_id(conn: &Connection, id: &str) -> DbResult<Call> {
    let sql = format!("{SELECT} WHERE c.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row)?)
}

pub fn insert(conn: &Connection, c: &Call) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO call_records (id, user_id, phone_id, customer_id, customer_name,
            customer_phone, call_type, state, end_status, end_reason, start_time, connected_at,
            end_time, duration, has_recording, notes, call_tags, follow_up_required, order_id,
            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        c.id,
        c.user_id,
        c.phone_id,
        c.customer_id,
        c.customer_name,
        c.customer_phone,
        c.call_type,
        c.state,
        c.end_status,
        c.end_reason,
        c.start_time,
        c.connected_at,
        c.end_time,
        c.duration,
        c.has_recording,
        c.notes,
        super::customers::tags_to_json(&c.call_tags),
        c.follow_up_required,
        c.order_id,
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

/// Writes the changeable columns of `after` that differ from `before`, the row as read in this
/// transaction (owner, id and creation stay). Only those are named: SQLite rewrites the index
/// entries of every column a SET names, changed or not, and a call's state changes (ringing,
/// connected, ended) touch three or four of its fifteen columns (issue 18).
pub fn save(conn: &Connection, before: &Call, after: &Call) -> DbResult<()> {
    let tags = super::customers::tags_to_json(&after.call_tags);
    let mut sets: Vec<&str> = Vec::new();
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![&after.id];
    macro_rules! column {
        ($field:ident) => {
            if before.$field != after.$field {
                sets.push(stringify!($field));
                values.push(&after.$field);
            }
        };
    }
    column!(customer_id);
    column!(customer_name);
    column!(customer_phone);
    column!(state);
    column!(end_status);
    column!(end_reason);
    column!(start_time);
    column!(connected_at);
    column!(end_time);
    column!(duration);
    column!(has_recording);
    column!(notes);
    if before.call_tags != after.call_tags {
        sets.push("call_tags");
        values.push(&tags);
    }
    column!(follow_up_required);
    column!(updated_at);
    if sets.is_empty() {
        return Ok(());
    }
    let assignments: Vec<String> = sets
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ?{}", i + 2))
        .collect();
    let sql = format!(
        "UPDATE call_records SET {} WHERE id = ?1",
        assignments.join(", ")
    );
    if conn.prepare_cached(&sql)?.execute(values.as_slice())? == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> DbResult<()> {
    if conn.execute("DELETE FROM call_records WHERE id = ?1", [id])? == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The recording files of a call (deleted from disk after the call's row goes).
pub fn recording_paths(conn: &Connection, call_id: &str) -> DbResult<Vec<String>> {
    let mut stmt = conn.prepare("SELECT rel_path FROM recordings WHERE call_id = ?1")?;
    let rows = stmt.query_map([call_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const UNANSWERED_DIALS: &str = "SELECT id FROM call_records
     WHERE state IN ('calling', 'ringing', 'connected') AND state = 'calling'
       AND start_time < ?1 AND phone_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM call_events e
                       WHERE e.call_id = call_records.id AND e.source IN ('http', 'ws'))";

const LOST_DIALS: &str = "SELECT id FROM call_records
     WHERE state IN ('calling', 'ringing', 'connected') AND state = 'calling'
       AND start_time < ?1 AND phone_id IS NOT NULL";

/// Dialed calls still `calling` that started before `cutoff`, whatever the phone said (it took
/// them up and then lost them). Through `call_records_live`, like `unanswered_dials`.
pub fn lost_dials(conn: &Connection, cutoff: i64) -> DbResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(LOST_DIALS)?;
    let rows = stmt.query_map([cutoff], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Calls per phone that started at or after `since` (a phone's 今日通话 on the page).
pub fn count_by_phone_since(
    conn: &Connection,
    since: i64,
) -> DbResult<std::collections::HashMap<i64, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT phone_id, COUNT(*) FROM call_records
          WHERE start_time >= ?1 AND phone_id IS NOT NULL GROUP BY phone_id",
    )?;
    let rows = stmt.query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Dialed calls still `calling` that started before `cutoff` (the dial-timeout sweep, every
/// second). The `state IN (…)` term repeats the partial index's condition word for word: without
/// it SQLite does not use `call_records_live` and walks every older call (~360 ms on 200 k).
pub fn unanswered_dials(conn: &Connection, cutoff: i64) -> DbResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(UNANSWERED_DIALS)?;
    let rows = stmt.query_map([cutoff], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The latest calls with a number, newest first (the 工作台 shows a number's history).
pub fn with_number(conn: &Connection, number: &str, limit: i64) -> DbResult<Vec<Call>> {
    let sql = format!("{SELECT} WHERE c.customer_phone = ?1 ORDER BY c.start_time DESC LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![number, limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const PHONE_DIALS_SINCE: &str = "SELECT start_time FROM call_records
     WHERE phone_id = ?1 AND start_time >= ?2 AND call_type = 'outbound' ORDER BY start_time";

/// When each outbound call on a phone since `since` started, oldest first (pacing's counts).
pub fn phone_dials_since(conn: &Connection, phone_id: i64, since: i64) -> DbResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(PHONE_DIALS_SINCE)?;
    let rows = stmt.query_map(rusqlite::params![phone_id, since], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const USER_HAS_CALL_NEAR: &str = "SELECT EXISTS (SELECT 1 FROM call_records
     WHERE customer_phone = ?2 AND start_time BETWEEN ?3 AND ?4 AND user_id = ?1)";

/// Whether `user_id` has a call with `number` starting within `window` ms of `at`.
pub fn user_has_call_near(
    conn: &Connection,
    user_id: &str,
    number: &str,
    at: i64,
    window: i64,
) -> DbResult<bool> {
    let mut stmt = conn.prepare_cached(USER_HAS_CALL_NEAR)?;
    let params = rusqlite::params![user_id, number, at - window, at + window];
    Ok(stmt.query_row(params, |r| r.get(0))?)
}

const PHONE_LATEST: &str = "SELECT state, end_time, call_type = 'inbound' FROM call_records
     WHERE phone_id = ?1 ORDER BY start_time DESC LIMIT 1";

/// A phone's latest call, as pacing reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneLatest {
    pub state: CallState,
    pub end_time: Option<i64>,
    /// It came in (contract §14): the phone is on a call it did not dial.
    pub inbound: bool,
}

/// The phone's latest call: whether it is still live, when it ended, which way it went.
pub fn phone_latest(conn: &Connection, phone_id: i64) -> DbResult<Option<PhoneLatest>> {
    let mut stmt = conn.prepare_cached(PHONE_LATEST)?;
    let mut rows = stmt.query([phone_id])?;
    match rows.next()? {
        Some(r) => Ok(Some(PhoneLatest {
            state: r.get(0)?,
            end_time: r.get(1)?,
            inbound: r.get(2)?,
        })),
        None => Ok(None),
    }
}

#[cfg(test)]
mod plan_tests {
    use rusqlite::types::Value;

    use super::*;

    #[test]
    fn the_timeout_sweep_reads_only_live_calls() {
        for sql in [UNANSWERED_DIALS, LOST_DIALS] {
            let p = crate::db::call_lists::plan_tests::plan(sql, &[Value::Integer(0)]);
            assert!(p.contains("USING INDEX call_records_live"), "{p}");
        }
    }

    #[test]
    fn pacing_reads_one_phone_through_its_index() {
        for sql in [PHONE_DIALS_SINCE, PHONE_LATEST] {
            let p = crate::db::call_lists::plan_tests::plan(
                sql,
                &[Value::Integer(1), Value::Integer(0)][..sql.matches('?').count()],
            );
            assert!(p.contains("call_records_by_phone_start"), "{p}");
        }
    }
}
