//! Call lists (§5.3, §5.6, contract §10): filters, keyword search through the trigram index
//! of `sql/0002_call_search.sql`, totals from the rollup or the index when they can answer, and
//! one page newest first.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::DbResult;
use super::calls::{Call, SELECT, STATUS_SQL, from_row};
use super::stats::StatsFilter;
use crate::access::Scope;

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
    /// 未接来电: only missed or rejected inbound calls that no later connected call to the
    /// same number has answered (contract §14, issue 29).
    pub not_called_back: bool,
    /// The office days `(first, last)` that `from`/`to` cover, when they are whole days:
    /// then a total without call-level filters is read from the rollup.
    pub whole_days: Option<(String, String)>,
}

impl CallFilter {
    /// Only a keyword, no other condition (the search index alone can count the matches).
    fn is_keyword_only(&self) -> bool {
        self.keyword.is_some()
            && !self.not_called_back
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
        let call_level = self.customer_id.is_some()
            || self.call_status.is_some()
            || self.keyword.is_some()
            || self.not_called_back;
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

/// `by_time`: test the keyword on each call with LIKE (the same substring match as the trigram
/// index) so that the planner walks calls newest first and stops after a page. With many
/// matches a page is a few rows away, while the index would first list every match (200,000
/// for "138" in 2 million calls: ~20 ms).
fn filter_sql(scope: &Scope, f: &CallFilter, by_time: bool) -> (String, Vec<Value>) {
    let (scope_cond, scope_arg) = super::scope::condition(scope, "c.user_id");
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
    if f.not_called_back {
        conds.push(NOT_CALLED_BACK.into());
    }
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
            Some(query) if !by_time => {
                conds.push(
                    "c.rowid IN (SELECT rowid FROM call_search WHERE call_search MATCH ?)".into(),
                );
                args.push(Value::Text(query));
            }
            _ => {
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

/// A missed or rejected inbound call that no later connected call with its number answered
/// (a call back from any phone of the office clears it; a number unknown cannot be called back
/// and stays). Read through `call_records_by_phone_number`.
const NOT_CALLED_BACK: &str = "c.call_type = 'inbound' AND c.state = 'ended'
    AND c.end_status IN ('missed', 'rejected')
    AND NOT EXISTS (SELECT 1 FROM call_records b
                    WHERE b.customer_phone = c.customer_phone AND c.customer_phone <> ''
                      AND b.start_time > c.start_time AND b.state = 'ended'
                      AND b.end_status = 'connected')";

/// The `call_search` (trigram) query for a keyword: its text in the name or notes, or its
/// digits in the number. `None` when a part is under 3 characters, which trigrams cannot find.
pub fn search_query(keyword: &str, digits: Option<&str>) -> Option<String> {
    super::trigram_query("customer_name notes", "customer_phone", keyword, digits)
}

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
        // the search index alone, stopping at the cap: it streams its matches
        (None, Some(query)) if *scope == Scope::All && f.is_keyword_only() => conn
            .prepare_cached(&super::count_sql(
                "FROM call_search WHERE call_search MATCH ?1",
                true,
            ))?
            .query_row([query], |r| r.get(0))?,
        (None, _) => conn
            .prepare_cached(&super::count_sql(
                &format!("FROM call_records c WHERE {cond}"),
                f.keyword.is_some(),
            ))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?,
    };
    if offset >= total {
        return Ok((Vec::new(), total));
    }
    // many matches: walking calls newest first finds a page in a few rows; few matches: fetch
    // them by rowid and sort
    let (cond, mut args) = if search.is_some() && total > super::MANY_MATCHES {
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

/// Every match, newest first, handed to `each` one by one as SQLite reads them (an export:
/// nothing is collected, so memory stays flat whatever the count).
pub fn for_each<E: From<super::DbError>>(
    conn: &Connection,
    scope: &Scope,
    f: &CallFilter,
    each: impl FnMut(Call) -> Result<(), E>,
) -> Result<(), E> {
    let (cond, args) = filter_sql(scope, f, false);
    let sql = format!("{SELECT} WHERE {cond} ORDER BY c.start_time DESC, c.rowid DESC");
    super::for_each_row(conn, &sql, &args, from_row, each)
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
        // digits alone: one phrase in any column
        assert_eq!(search_query("138", Some("138")).as_deref(), Some("\"138\""));
        assert_eq!(search_query("张三", None), None);
        assert_eq!(search_query("1-2", Some("12")), None);
    }
}

#[cfg(test)]
pub(crate) mod plan_tests {
    use rusqlite::Connection;

    use super::*;

    /// The plan of a query on a fresh schema, as one line.
    pub fn plan(sql: &str, args: &[Value]) -> String {
        let conn = schema();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join(" | ")
    }

    pub fn schema() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrations::migrate(&mut conn).unwrap();
        conn
    }

    fn list_plan(scope: Scope, f: CallFilter, by_time: bool) -> String {
        let (cond, args) = filter_sql(&scope, &f, by_time);
        let sql =
            format!("{SELECT} WHERE {cond} ORDER BY c.start_time DESC, c.rowid DESC LIMIT 20");
        plan(&sql, &args)
    }

    #[test]
    fn lists_walk_an_index_that_starts_with_their_filter() {
        let p = list_plan(Scope::All, CallFilter::default(), false);
        assert!(
            p.contains("SCAN c USING INDEX call_records_by_start"),
            "{p}"
        );
        let p = list_plan(Scope::Own("u".into()), CallFilter::default(), false);
        assert!(p.contains("call_records_by_user_start"), "{p}");
        let customer = CallFilter {
            customer_id: Some("c".into()),
            ..Default::default()
        };
        assert!(list_plan(Scope::All, customer, false).contains("call_records_by_customer"));
        let keyword = CallFilter {
            keyword: Some("报价单".into()),
            ..Default::default()
        };
        let p = list_plan(Scope::All, keyword.clone(), false);
        assert!(
            p.contains("INTEGER PRIMARY KEY (rowid=?)") && p.contains("call_search"),
            "{p}"
        );
        let p = list_plan(Scope::All, keyword, true);
        assert!(
            p.contains("SCAN c USING INDEX call_records_by_start"),
            "{p}"
        );
    }
}

/// The keyword search at the query, with more matches than `MANY_MATCHES` (where the plan
/// switches from fetching matches by rowid to walking calls newest first): totals per scope,
/// newest first, and the last page, without 2,200 HTTP requests to set it up.
#[cfg(test)]
mod keyword_tests {
    use super::*;
    use crate::db::users::{NewUser, insert as insert_user};
    use crate::states::call::{CallState, EndStatus};

    const NEWEST: i64 = 1_790_000_000_000;

    fn call(id: usize, user: &str, start: i64, notes: &str) -> Call {
        Call {
            id: format!("call_{id:05}"),
            user_id: user.into(),
            phone_id: None,
            customer_id: None,
            customer_name: format!("客户{id}"),
            customer_phone: format!("1370{id:07}"),
            call_type: "outbound".into(),
            state: CallState::Ended,
            end_status: Some(EndStatus::Connected),
            end_reason: None,
            start_time: start,
            connected_at: Some(start),
            end_time: Some(start + 10_000),
            duration: 10,
            has_recording: false,
            notes: notes.into(),
            call_tags: vec![],
            follow_up_required: false,
            order_id: None,
            created_at: start,
            updated_at: start,
            user_name: String::new(),
            department: String::new(),
            recording_path: None,
            recording_id: None,
        }
    }

    #[test]
    fn many_keyword_matches_page_newest_first_in_every_scope() {
        let conn = plan_tests::schema();
        for (id, department) in [("ua", "一部"), ("ub", "一部"), ("ux", "二部")] {
            let user = NewUser {
                id,
                username: id,
                password_hash: "x",
                real_name: "",
                department,
                role: crate::auth::Role::SalesStaff,
            };
            insert_user(&conn, &user, 0).unwrap();
        }
        // ua: 1,500 matches a minute apart; ub: 700, each a second after its ua twin; ux: others
        for i in 0..1500 {
            let start = NEWEST - i as i64 * 60_000;
            crate::db::calls::insert(&conn, &call(i, "ua", start, "批量回访记录")).unwrap();
            if i < 700 {
                let twin = call(10_000 + i, "ub", start + 1_000, "批量回访记录");
                crate::db::calls::insert(&conn, &twin).unwrap();
            }
            if i < 50 {
                let other = call(20_000 + i, "ux", start, "别的内容");
                crate::db::calls::insert(&conn, &other).unwrap();
            }
        }
        let keyword = CallFilter {
            keyword: Some("批量回访".into()),
            ..Default::default()
        };
        for (scope, total, first) in [
            (Scope::All, 2200, "call_10000"),
            (Scope::Department("一部".into()), 2200, "call_10000"),
            (Scope::Own("ua".into()), 1500, "call_00000"),
            (Scope::Own("ux".into()), 0, ""),
        ] {
            let (page, n) = list(&conn, &scope, &keyword, 100, 100).unwrap();
            assert_eq!(n, total, "{scope:?}");
            if total == 0 {
                assert!(page.is_empty());
                continue;
            }
            assert_eq!(page.len(), 100);
            assert!(
                page.windows(2).all(|w| w[0].start_time >= w[1].start_time),
                "newest first"
            );
            let (one, _) = list(&conn, &scope, &keyword, 1, 0).unwrap();
            assert_eq!(one[0].id, first, "{scope:?}");
        }
        // past the end: empty; with another filter (counted, not from the index): the last page
        let (page, n) = list(&conn, &Scope::All, &keyword, 100, 2200).unwrap();
        assert!(page.is_empty() && n == 2200);
        let outbound = CallFilter {
            call_type: Some("outbound".into()),
            ..keyword
        };
        let (page, n) = list(&conn, &Scope::All, &outbound, 100, 2100).unwrap();
        assert_eq!((n, page.len()), (2200, 100));
        assert_eq!(page[99].id, "call_01499", "the oldest match ends the list");
    }
}
