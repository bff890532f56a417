//! Queries on the rollup of calls: `call_daily_stats` per office day and user, which
//! `calls::rollup` keeps in step with `call_records`, and the two levels its triggers keep in
//! step with it (`sql/0008_rollup_levels.sql`): `call_day_totals` per day for everyone, and
//! `call_monthly_stats` per month and user. Statistics (§5.4, §5.5) read only these; each
//! question reads the coarsest level that can answer it exactly.

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

/// Writes a whole day-user row (rebuilds). An upsert, not `INSERT OR REPLACE`: the delete a
/// REPLACE makes fires no trigger, and the levels above would keep the old sums.
pub fn put(conn: &Connection, day: &str, user_id: &str, t: &Totals) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO call_daily_stats (day, user_id, total_calls, connected_calls,
                inbound_calls, outbound_calls, total_duration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (day, user_id) DO UPDATE SET
            total_calls = excluded.total_calls,
            connected_calls = excluded.connected_calls,
            inbound_calls = excluded.inbound_calls,
            outbound_calls = excluded.outbound_calls,
            total_duration = excluded.total_duration",
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

/// Empties the rollup, its levels with it (their rows would stay behind as zeros).
pub fn clear(conn: &Connection) -> DbResult<()> {
    conn.execute_batch(
        "DELETE FROM call_daily_stats;
         DELETE FROM call_monthly_stats;
         DELETE FROM call_day_totals;",
    )?;
    Ok(())
}

/// Whose calls count: the caller's scope, narrowed by the optional `userId` and `department`.
#[derive(Debug, Clone)]
pub struct StatsFilter {
    pub scope: Scope,
    pub user_id: Option<String>,
    pub department: Option<String>,
}

impl StatsFilter {
    /// Everyone's calls, no person or department: `call_day_totals` answers alone.
    fn is_whole_office(&self) -> bool {
        self.scope == Scope::All && self.user_id.is_none() && self.department.is_none()
    }
}

/// One level of the rollup over a span of its keys: `(table, key column, first, last)`.
type Piece = (&'static str, &'static str, String, String);

/// The rollup rows whose sums add up to `from..=to` for `f`: the office's days when it asks
/// for everyone (and `office` levels are wanted), else the whole months and the days left at
/// either end.
fn pieces(f: &StatsFilter, from: &str, to: &str, office: bool) -> Vec<Piece> {
    if office && f.is_whole_office() {
        return vec![("call_day_totals", "day", from.into(), to.into())];
    }
    let split = super::stats_range::split(from, to);
    let months = split
        .months
        .map(|(a, b)| ("call_monthly_stats", "month", a, b));
    let days = split
        .days
        .into_iter()
        .map(|(a, b)| ("call_daily_stats", "day", a, b));
    months.into_iter().chain(days).collect()
}

/// The conditions on a rollup table `s` whose span column is `key`.
fn filter_sql(f: &StatsFilter, key: &str, from: &str, to: &str) -> (String, Vec<Value>) {
    let (scope_cond, scope_arg) = super::scope::condition(&f.scope, "s.user_id");
    let mut conds = vec![format!("s.{key} >= ?"), format!("s.{key} <= ?"), scope_cond];
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
    let mut sum = Totals::default();
    for (table, key, a, b) in pieces(f, from, to, true) {
        let (cond, args) = filter_sql(f, key, &a, &b);
        let sql = format!("SELECT {SUMS} FROM {table} s WHERE {cond}");
        let t = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(args.iter()), |r| totals_at(r, 0))?;
        sum.add(&t);
    }
    Ok(sum)
}

impl Totals {
    pub fn add(&mut self, t: &Totals) {
        self.total += t.total;
        self.connected += t.connected;
        self.inbound += t.inbound;
        self.outbound += t.outbound;
        self.duration += t.duration;
    }
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
    let mut count = 0;
    for (table, key, a, b) in pieces(f, from, to, true) {
        let (cond, args) = filter_sql(f, key, &a, &b);
        let sql = format!("SELECT COALESCE(SUM({column}), 0) FROM {table} s WHERE {cond}");
        count += conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(args.iter()), |r| r.get::<_, i64>(0))?;
    }
    Ok(count)
}

/// Totals per day that has calls, oldest first.
pub fn by_day(
    conn: &Connection,
    f: &StatsFilter,
    from: &str,
    to: &str,
) -> DbResult<Vec<(String, Totals)>> {
    let (cond, args) = filter_sql(f, "day", from, to);
    // the office's days are one row each already: summing them per day was half the read
    let sql = if f.is_whole_office() {
        format!(
            "SELECT s.day, s.total_calls, s.connected_calls, s.inbound_calls, s.outbound_calls,
                    s.total_duration
             FROM call_day_totals s WHERE {cond} ORDER BY s.day"
        )
    } else {
        format!(
            "SELECT s.day, {SUMS} FROM call_daily_stats s WHERE {cond} GROUP BY s.day ORDER BY s.day"
        )
    };
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

/// Totals per user with calls in the range, most calls first: their whole months and the days
/// at either end, summed per person.
pub fn by_user(
    conn: &Connection,
    f: &StatsFilter,
    from: &str,
    to: &str,
) -> DbResult<Vec<PersonTotals>> {
    // each level summed per person, the names looked up once for the people found: joining
    // `users` to every rollup row before grouping cost as much as the sums
    let mut sums: std::collections::HashMap<String, Totals> = Default::default();
    for (table, key, a, b) in pieces(f, from, to, false) {
        let (cond, args) = filter_sql(f, key, &a, &b);
        let sql =
            format!("SELECT s.user_id, {SUMS} FROM {table} s WHERE {cond} GROUP BY s.user_id");
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(args.iter()))?;
        while let Some(r) = rows.next()? {
            let totals = totals_at(r, 1)?;
            sums.entry(r.get(0)?).or_default().add(&totals);
        }
    }
    let mut people = Vec::with_capacity(sums.len());
    let mut stmt = conn.prepare_cached("SELECT id, display_name, department FROM users_named")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let user_id: String = r.get(0)?;
        if let Some(totals) = sums.remove(&user_id) {
            people.push(PersonTotals {
                user_id,
                name: r.get(1)?,
                department: r.get(2)?,
                totals,
            });
        }
    }
    people.sort_by(|a, b| {
        b.totals
            .total
            .cmp(&a.totals.total)
            .then_with(|| a.user_id.cmp(&b.user_id))
    });
    Ok(people)
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    fn plan(sql_tail: &str, f: &StatsFilter) -> String {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrations::migrate(&mut conn).unwrap();
        let (cond, args) = filter_sql(f, "day", "2025-01-01", "2025-12-31");
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT s.day, {SUMS} FROM call_daily_stats s WHERE {cond} {sql_tail}"
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join(" | ")
    }

    /// The two levels the triggers keep (`sql/0008_rollup_levels.sql`) answer as the days do,
    /// through additions, takeaways, rebuilds' whole rows and a clear.
    #[test]
    fn the_levels_follow_the_days() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrations::migrate(&mut conn).unwrap();
        for (id, name) in [("u1", "a"), ("u2", "b")] {
            conn.execute(
                "INSERT INTO users (id, username, password_hash, real_name, department, role,
                                    created_at, updated_at)
                 VALUES (?1, ?2, 'x', '', 'd', 'sales_staff', 0, 0)",
                [id, name],
            )
            .unwrap();
        }
        let t = |n: i64| Totals {
            total: n,
            connected: n,
            inbound: 0,
            outbound: n,
            duration: 10 * n,
        };
        add(&conn, "2026-01-31", "u1", 1, true, false, 5).unwrap();
        add(&conn, "2026-02-01", "u1", 1, false, true, 0).unwrap();
        add(&conn, "2026-02-01", "u2", 1, true, false, 7).unwrap();
        add(&conn, "2026-02-01", "u2", -1, true, false, 7).unwrap();
        put(&conn, "2026-03-15", "u2", &t(4)).unwrap();
        put(&conn, "2026-03-15", "u2", &t(3)).unwrap();
        let all = StatsFilter {
            scope: Scope::All,
            user_id: None,
            department: None,
        };
        let own = StatsFilter {
            scope: Scope::Own("u2".into()),
            ..all.clone()
        };
        let days = |f: &StatsFilter, a: &str, b: &str| {
            let (cond, args) = filter_sql(f, "day", a, b);
            let sql = format!("SELECT {SUMS} FROM call_daily_stats s WHERE {cond}");
            conn.query_row(&sql, params_from_iter(args.iter()), |r| totals_at(r, 0))
                .unwrap()
        };
        for (a, b) in [
            ("0000-00-00", "9999-99-99"),
            ("2026-01-31", "2026-02-28"),
            ("2026-02-01", "2026-03-31"),
            ("2026-02-02", "2026-03-14"),
        ] {
            for f in [&all, &own] {
                assert_eq!(totals(&conn, f, a, b).unwrap(), days(f, a, b), "{a}..{b}");
            }
            let people: i64 = by_user(&conn, &all, a, b)
                .unwrap()
                .iter()
                .map(|p| p.totals.total)
                .sum();
            assert_eq!(people, days(&all, a, b).total, "{a}..{b}");
        }
        assert_eq!(
            totals(&conn, &all, "0000-00-00", "9999-99-99")
                .unwrap()
                .total,
            5
        );
        clear(&conn).unwrap();
        let left: i64 = conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM call_monthly_stats)
                      + (SELECT COUNT(*) FROM call_day_totals)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
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
