//! Queries on `call_records`. Every write that can change what a call counts for in statistics
//! goes through `calls::store`, which keeps `call_daily_stats` in the same transaction; this
//! module only reads and writes rows.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params, params_from_iter};

use super::stats::StatsFilter;
use super::{DbError, DbResult};
use crate::auth::Scope;

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
    pub state: String,
    pub end_status: Option<String>,
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
    pub recording_path: Option<String>,
}

impl Call {
    /// The API's `callStatus`: the §4.2 result once ended, else the live state (contract §6).
    pub fn call_status(&self) -> &str {
        match (&*self.state, &self.end_status) {
            ("ended", Some(status)) => status,
            (state, _) => state,
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(&*self.state, "calling" | "ringing" | "connected")
    }
}

/// The SQL form of `Call::call_status`.
pub const STATUS_SQL: &str = "(CASE WHEN c.state = 'ended' THEN c.end_status ELSE c.state END)";

const SELECT: &str = "SELECT c.id, c.user_id, c.phone_id, c.customer_id, c.customer_name, \
    c.customer_phone, c.call_type, c.state, c.end_status, c.end_reason, c.start_time, \
    c.connected_at, c.end_time, c.duration, c.has_recording, c.notes, c.call_tags, \
    c.follow_up_required, c.order_id, c.created_at, c.updated_at, u.real_name, u.department, \
    (SELECT r.rel_path FROM recordings r WHERE r.call_id = c.id ORDER BY r.created_at DESC LIMIT 1) \
    FROM call_records c JOIN users u ON u.id = c.user_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Call> {
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

/// Writes every changeable column of `c` (owner, id and creation stay).
pub fn save(conn: &Connection, c: &Call) -> DbResult<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE call_records SET customer_id = ?2, customer_name = ?3, customer_phone = ?4,
                state = ?5, end_status = ?6, end_reason = ?7, start_time = ?8,
                connected_at = ?9, end_time = ?10, duration = ?11, has_recording = ?12,
                notes = ?13, call_tags = ?14, follow_up_required = ?15, updated_at = ?16
             WHERE id = ?1",
        )?
        .execute(params![
            c.id,
            c.customer_id,
            c.customer_name,
            c.customer_phone,
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
            c.updated_at
        ])?;
    if changed == 0 {
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

/// Dialed calls still `calling` that started before `cutoff` (the dial-timeout sweep).
pub fn unanswered_dials(conn: &Connection, cutoff: i64) -> DbResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM call_records
         WHERE state = 'calling' AND start_time < ?1 AND phone_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM call_events e
                           WHERE e.call_id = call_records.id AND e.source IN ('http', 'ws'))",
    )?;
    let rows = stmt.query_map([cutoff], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Filters of §5.3 and §5.6 (contract §10); times are `[from, to)` epoch ms.
#[derive(Debug, Default, Clone)]
pub struct CallFilter {
    pub customer_id: Option<String>,
    pub call_type: Option<String>,
    pub call_status: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub user_id: Option<String>,
    pub department: Option<String>,
    pub keyword: Option<String>,
    pub keyword_digits: Option<String>,
    /// The office days `(first, last)` that `from`/`to` cover, when they are whole days:
    /// then a total without call-level filters is read from the rollup.
    pub whole_days: Option<(String, String)>,
}

impl CallFilter {
    /// Only a keyword, no other condition (the search index alone can count the matches).
    fn is_keyword_only(&self) -> bool {
        self.keyword.is_some()
            && self.customer_id.is_none()
            && self.call_type.is_none()
            && self.call_status.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.user_id.is_none()
            && self.department.is_none()
    }

    /// The rollup's question for this filter's total, if it can answer it.
    fn rollup_count(&self, scope: &Scope) -> Option<(StatsFilter, &str, &str)> {
        let (first, last) = self.whole_days.as_ref()?;
        let call_level =
            self.customer_id.is_some() || self.call_status.is_some() || self.keyword.is_some();
        (!call_level).then(|| {
            let filter = StatsFilter {
                scope: scope.clone(),
                user_id: self.user_id.clone(),
                department: self.department.clone(),
            };
            (filter, first.as_str(), last.as_str())
        })
    }
}

/// `by_time`: write the keyword condition so that it cannot drive the query (`+c.rowid`), and
/// the planner walks calls newest first instead, testing each against the matches.
fn filter_sql(scope: &Scope, f: &CallFilter, by_time: bool) -> (String, Vec<Value>) {
    let (scope_cond, scope_arg) = scope.sql("c.user_id");
    let mut conds = vec![scope_cond];
    let mut args: Vec<Value> = scope_arg.into_iter().map(Value::Text).collect();
    let mut eq = |cond: &str, v: &Option<String>| {
        if let Some(v) = v {
            conds.push(cond.to_string());
            args.push(Value::Text(v.clone()));
        }
    };
    eq("c.customer_id = ?", &f.customer_id);
    eq("c.call_type = ?", &f.call_type);
    eq(&format!("{STATUS_SQL} = ?"), &f.call_status);
    eq("c.user_id = ?", &f.user_id);
    eq(
        "c.user_id IN (SELECT id FROM users WHERE department = ?)",
        &f.department,
    );
    if let Some(from) = f.from {
        conds.push("c.start_time >= ?".into());
        args.push(Value::Integer(from));
    }
    if let Some(to) = f.to {
        conds.push("c.start_time < ?".into());
        args.push(Value::Integer(to));
    }
    if let Some(k) = &f.keyword {
        match search_query(k, f.keyword_digits.as_deref()) {
            Some(query) => {
                let rowid = if by_time { "+c.rowid" } else { "c.rowid" };
                conds.push(format!(
                    "{rowid} IN (SELECT rowid FROM call_search WHERE call_search MATCH ?)"
                ));
                args.push(Value::Text(query));
            }
            None => {
                let pattern = super::like_pattern(k);
                let mut cond =
                    "(c.customer_name LIKE ? ESCAPE '\\' OR c.notes LIKE ? ESCAPE '\\'".to_string();
                args.push(Value::Text(pattern.clone()));
                args.push(Value::Text(pattern));
                if let Some(d) = &f.keyword_digits {
                    cond.push_str(" OR c.customer_phone LIKE ? ESCAPE '\\'");
                    args.push(Value::Text(super::like_pattern(d)));
                }
                cond.push(')');
                conds.push(cond);
            }
        }
    }
    (conds.join(" AND "), args)
}

/// The `call_search` (trigram) query for a keyword: its text in the name or notes, or its
/// digits in the number. `None` when a part is under 3 characters, which trigrams cannot find.
pub fn search_query(keyword: &str, digits: Option<&str>) -> Option<String> {
    let phrase = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    if keyword.chars().count() < 3 || digits.is_some_and(|d| d.len() < 3) {
        return None;
    }
    let mut query = format!("{{customer_name notes}} : {}", phrase(keyword));
    if let Some(d) = digits {
        query.push_str(&format!(" OR customer_phone : {}", phrase(d)));
    }
    Some(query)
}

/// Above this many keyword matches a page is found by walking calls newest first.
const MANY_MATCHES: i64 = 2_000;

/// One page of calls, newest first, and the number of all matches.
pub fn list(
    conn: &Connection,
    scope: &Scope,
    f: &CallFilter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Call>, i64)> {
    let (cond, mut args) = filter_sql(scope, f, false);
    let search = f
        .keyword
        .as_deref()
        .and_then(|k| search_query(k, f.keyword_digits.as_deref()));
    // counting millions of rows costs more than the page itself: ask the rollup, or the search
    // index alone, when they can say
    let total: i64 = match (f.rollup_count(scope), &search) {
        (Some((filter, first, last)), _) => {
            super::stats::count_calls(conn, &filter, first, last, f.call_type.as_deref())?
        }
        (None, Some(query)) if *scope == Scope::All && f.is_keyword_only() => conn
            .prepare_cached("SELECT COUNT(*) FROM call_search WHERE call_search MATCH ?1")?
            .query_row([query], |r| r.get(0))?,
        (None, _) => conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM call_records c WHERE {cond}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?,
    };
    if offset >= total {
        return Ok((Vec::new(), total));
    }
    // many matches: walking calls newest first finds a page in a few rows; few matches: fetch
    // them by rowid and sort
    let (cond, mut args) = if search.is_some() && total > MANY_MATCHES {
        filter_sql(scope, f, true)
    } else {
        (cond, std::mem::take(&mut args))
    };
    args.push(Value::Integer(limit));
    args.push(Value::Integer(offset));
    let sql =
        format!("{SELECT} WHERE {cond} ORDER BY c.start_time DESC, c.rowid DESC LIMIT ? OFFSET ?");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), from_row)?;
    Ok((rows.collect::<rusqlite::Result<_>>()?, total))
}

#[cfg(test)]
mod tests {
    use super::search_query;

    #[test]
    fn search_queries_quote_the_keyword_and_skip_short_parts() {
        assert_eq!(
            search_query("回访张", None).as_deref(),
            Some("{customer_name notes} : \"回访张\"")
        );
        assert_eq!(
            search_query("138-0013", Some("1380013")).as_deref(),
            Some("{customer_name notes} : \"138-0013\" OR customer_phone : \"1380013\"")
        );
        assert_eq!(
            search_query("a\"b", None).as_deref(),
            Some("{customer_name notes} : \"a\"\"b\"")
        );
        assert_eq!(search_query("张三", None), None);
        assert_eq!(search_query("1-2", Some("12")), None);
    }
}
