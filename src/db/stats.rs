//! Queries on `call_daily_stats`, the per office-day, per user rollup of calls. Statistics
//! (§5.4, §5.5) read only this table; `calls::rollup` keeps it in step with `call_records`.

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

use super::DbResult;
use crate::access::Scope;

/// Sums over some calls (contract §9 derives the rest from these).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub total: i64,
    pub connected: i64,
    pub inbound: i64,
    pub outbound: i64,
    pub duration: i64,
}

/// Adds one call's contribution (`sign` 1) or takes it away (`sign` -1).
pub fn add(
    conn: &Connection,
    day: &str,
    user_id: &str,
    sign: i64,
    connected: bool,
    inbound: bool,
    duration: i64,
) -> DbResult<()> {
    let t = Totals {
        total: sign,
        connected: sign * i64::from(connected),
        inbound: sign * i64::from(inbound),
        outbound: sign * i64::from(!inbound),
        duration: sign * duration,
    };
    add_totals(conn, day, user_id, &t)
}

/// Adds whole sums to a day-user row (generated data).
pub fn add_totals(conn: &Connection, day: &str, user_id: &str, t: &Totals) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO call_daily_stats (day, user_id, total_calls, connected_calls, inbound_calls,
                                       outbound_calls, total_duration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (day, user_id) DO UPDATE SET
            total_calls = total_calls + excluded.total_calls,
            connected_calls = connected_calls + excluded.connected_calls,
            inbound_calls = inbound_calls + excluded.inbound_calls,
            outbound_calls = outbound_calls + excluded.outbound_calls,
            total_duration = total_duration + excluded.total_duration",
    )?
    .execute(params![
        day,
        user_id,
        t.total,
        t.connected,
        t.inbound,
        t.outbound,
        t.duration
    ])?;
    Ok(())
}

/// Writes a whole day-user row (rebuilds).
pub fn put(conn: &Connection, day: &str, user_id: &str, t: &Totals) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO call_daily_stats (day, user_id, total_calls, connected_calls,
                inbound_calls, outbound_calls, total_duration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        day,
        user_id,
        t.total,
        t.connected,
        t.inbound,
        t.outbound,
        t.duration
    ])?;
    Ok(())
}

pub fn clear(conn: &Connection) -> DbResult<()> {
    conn.execute("DELETE FROM call_daily_stats", [])?;
    Ok(())
}

/// Whose calls count: the caller's scope, narrowed by the optional `userId` and `department`.
#[derive(Debug, Clone)]
pub struct StatsFilter {
    pub scope: Scope,
    pub user_id: Option<String>,
    pub department: Option<String>,
}

fn filter_sql(f: &StatsFilter, from: &str, to: &str) -> (String, Vec<Value>) {
    let (scope_cond, scope_arg) = f.scope.sql("s.user_id");
    let mut conds = vec![
        "s.day >= ?".to_string(),
        "s.day <= ?".to_string(),
        scope_cond,
    ];
    let mut args = vec![Value::Text(from.into()), Value::Text(to.into())];
    args.extend(scope_arg.map(Value::Text));
    if let Some(u) = &f.user_id {
        conds.push("s.user_id = ?".into());
        args.push(Value::Text(u.clone()));
    }
    if let Some(d) = &f.department {
        conds.push("s.user_id IN (SELECT id FROM users WHERE department = ?)".into());
        args.push(Value::Text(d.clone()));
    }
    (conds.join(" AND "), args)
}

const SUMS: &str = "COALESCE(SUM(s.total_calls), 0), COALESCE(SUM(s.connected_calls), 0), \
    COALESCE(SUM(s.inbound_calls), 0), COALESCE(SUM(s.outbound_calls), 0), \
    COALESCE(SUM(s.total_duration), 0)";

fn totals_at(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Totals> {
    Ok(Totals {
        total: row.get(at)?,
        connected: row.get(at + 1)?,
        inbound: row.get(at + 2)?,
        outbound: row.get(at + 3)?,
        duration: row.get(at + 4)?,
    })
}

/// Totals over the office days `from..=to` (`YYYY-MM-DD`).
pub fn totals(conn: &Connection, f: &StatsFilter, from: &str, to: &str) -> DbResult<Totals> {
    let (cond, args) = filter_sql(f, from, to);
    let sql = format!("SELECT {SUMS} FROM call_daily_stats s WHERE {cond}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args.iter()), |r| totals_at(r, 0))?)
}

/// How many calls (of `call_type`, when given) started on the office days `from..=to`: the
/// total of a call list whose filters the rollup can answer, without counting call rows.
pub fn count_calls(
    conn: &Connection,
    f: &StatsFilter,
    from: &str,
    to: &str,
    call_type: Option<&str>,
) -> DbResult<i64> {
    let column = match call_type {
        Some("inbound") => "s.inbound_calls",
        Some("outbound") => "s.outbound_calls",
        _ => "s.total_calls",
    };
    let (cond, args) = filter_sql(f, from, to);
    let sql = format!("SELECT COALESCE(SUM({column}), 0) FROM call_daily_stats s WHERE {cond}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))?)
}

/// Totals per day that has calls, oldest first.
pub fn by_day(
    conn: &Connection,
    f: &StatsFilter,
    from: &str,
    to: &str,
) -> DbResult<Vec<(String, Totals)>> {
    let (cond, args) = filter_sql(f, from, to);
    let sql = format!(
        "SELECT s.day, {SUMS} FROM call_daily_stats s WHERE {cond} GROUP BY s.day ORDER BY s.day"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok((r.get(0)?, totals_at(r, 1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One person's totals over a range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonTotals {
    pub user_id: String,
    /// The real name, or the username when there is none.
    pub name: String,
    pub department: String,
    pub totals: Totals,
}

/// Totals per user with calls in the range, most calls first.
pub fn by_user(
    conn: &Connection,
    f: &StatsFilter,
    from: &str,
    to: &str,
) -> DbResult<Vec<PersonTotals>> {
    let (cond, args) = filter_sql(f, from, to);
    let sql = format!(
        "SELECT s.user_id, COALESCE(NULLIF(u.real_name, ''), u.username), u.department, {SUMS}
         FROM call_daily_stats s
         JOIN users u ON u.id = s.user_id
         WHERE {cond} GROUP BY s.user_id ORDER BY 4 DESC, s.user_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok(PersonTotals {
            user_id: r.get(0)?,
            name: r.get(1)?,
            department: r.get(2)?,
            totals: totals_at(r, 3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    fn plan(sql_tail: &str, f: &StatsFilter) -> String {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrations::migrate(&mut conn).unwrap();
        let (cond, args) = filter_sql(f, "2025-01-01", "2025-12-31");
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT s.day, {SUMS} FROM call_daily_stats s WHERE {cond} {sql_tail}"
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join(" | ")
    }

    #[test]
    fn statistics_read_the_rollup_by_an_index() {
        let all = StatsFilter {
            scope: Scope::All,
            user_id: None,
            department: None,
        };
        let own = StatsFilter {
            scope: Scope::Own("u".into()),
            ..all.clone()
        };
        let dept = StatsFilter {
            scope: Scope::Department("d".into()),
            ..all.clone()
        };
        for f in [&all, &own, &dept] {
            let p = plan("GROUP BY s.day", f);
            assert!(p.starts_with("SEARCH s USING"), "{p}");
            assert!(!p.contains("call_records"), "{p}");
        }
        assert!(plan("", &own).contains("call_daily_stats_by_user"));
    }
}
