//! 客户's lists: the filters and orders the page offers, a page with its total and every match
//! for an export. A keyword of 3+ characters is found through `customer_search` (trigram,
//! `sql/0014_customer_search.sql`), a shorter one with LIKE on each customer read.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::DbResult;
use super::customers::{Customer, SELECT, from_row, tags_to_json};

/// List filters; `keyword` matches the name, or the whole stored number when it is digits.
#[derive(Debug, Default)]
pub struct CustomerFilter {
    pub keyword: Option<String>,
    pub keyword_digits: Option<String>,
    pub level: Option<String>,
    pub follow_status: Option<String>,
    pub owner_id: Option<String>,
    /// Customers carrying this tag.
    pub tag: Option<String>,
    /// Only these customers (a bulk action's selection); empty: no such limit.
    pub ids: Vec<String>,
    pub sort: CustomerSort,
}

/// The orders 客户 offers (issue 14); each ends on the creation order, so pages are stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerSort {
    /// Newest first.
    #[default]
    Created,
    /// 重要, VIP, 普通.
    Level,
    /// Along the pipeline: 有意向 first, then 考虑中, 犹豫, 已联系, 新客户, 已成交, 无意向.
    FollowStatus,
    /// The soonest next follow-up first; none last.
    NextFollow,
    /// The most recently contacted first; never contacted last.
    LastContact,
}

impl CustomerSort {
    pub const NAMES: [&str; 5] = [
        "createdAt",
        "level",
        "followStatus",
        "nextFollowTime",
        "lastContactTime",
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "createdAt" => Self::Created,
            "level" => Self::Level,
            "followStatus" => Self::FollowStatus,
            "nextFollowTime" => Self::NextFollow,
            "lastContactTime" => Self::LastContact,
            _ => return None,
        })
    }

    fn sql(self) -> &'static str {
        match self {
            Self::Created => "c.created_at DESC, c.rowid DESC",
            Self::Level => {
                "CASE c.level WHEN 'important' THEN 0 WHEN 'vip' THEN 1 ELSE 2 END, \
                 c.created_at DESC, c.rowid DESC"
            }
            Self::FollowStatus => {
                "CASE c.follow_status WHEN 'interested' THEN 0 WHEN 'considering' THEN 1 \
                 WHEN 'hesitant' THEN 2 WHEN 'contacted' THEN 3 WHEN 'new' THEN 4 \
                 WHEN 'deal' THEN 5 ELSE 6 END, c.created_at DESC, c.rowid DESC"
            }
            Self::NextFollow => {
                "c.next_follow_time IS NULL, c.next_follow_time, c.created_at DESC, c.rowid DESC"
            }
            Self::LastContact => {
                "c.last_contact_time IS NULL, c.last_contact_time DESC, c.created_at DESC, c.rowid DESC"
            }
        }
    }
}

impl CustomerFilter {
    /// The `customer_search` (trigram) query for the keyword, when it has one that trigrams
    /// can find.
    fn search_query(&self) -> Option<String> {
        let keyword = self.keyword.as_deref()?;
        super::trigram_query(
            "name company",
            "numbers",
            keyword,
            self.keyword_digits.as_deref(),
        )
    }

    fn is_keyword_only(&self) -> bool {
        self.level.is_none()
            && self.follow_status.is_none()
            && self.owner_id.is_none()
            && self.tag.is_none()
            && self.ids.is_empty()
    }
}

/// The filter's conditions: the keyword through the search index, or with `walk` (and for a
/// keyword under 3 characters) with LIKE on each row read.
fn filter_sql(f: &CustomerFilter, walk: bool) -> (String, Vec<Value>) {
    let mut conds = vec!["1 = 1".to_string()];
    let mut args: Vec<Value> = Vec::new();
    match (&f.keyword, f.search_query()) {
        (Some(_), Some(query)) if !walk => {
            conds.push(
                "c.rowid IN (SELECT rowid FROM customer_search WHERE customer_search MATCH ?)"
                    .into(),
            );
            args.push(Value::Text(query));
        }
        (Some(k), _) => like_keyword(k, f.keyword_digits.as_deref(), &mut conds, &mut args),
        (None, _) => {}
    }
    for (col, v) in [
        ("c.level", &f.level),
        ("c.follow_status", &f.follow_status),
        ("c.owner_id", &f.owner_id),
    ] {
        if let Some(v) = v {
            conds.push(format!("{col} = ?"));
            args.push(Value::Text(v.clone()));
        }
    }
    if let Some(tag) = &f.tag {
        conds.push("EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value = ?)".into());
        args.push(Value::Text(tag.clone()));
    }
    if !f.ids.is_empty() {
        conds.push("c.id IN (SELECT value FROM json_each(?))".into());
        args.push(Value::Text(tags_to_json(&f.ids)));
    }
    (conds.join(" AND "), args)
}

/// The keyword as LIKE patterns: in the name or company, or its digits in any number.
fn like_keyword(k: &str, digits: Option<&str>, conds: &mut Vec<String>, args: &mut Vec<Value>) {
    let mut cond = "(c.name LIKE ? ESCAPE '\\' OR c.company LIKE ? ESCAPE '\\'".to_string();
    args.push(Value::Text(super::like_pattern(k)));
    args.push(Value::Text(super::like_pattern(k)));
    if let Some(d) = digits {
        cond.push_str(
            " OR c.phone LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM customer_numbers n \
             WHERE n.customer_id = c.id AND n.number LIKE ? ESCAPE '\\')",
        );
        args.push(Value::Text(super::like_pattern(d)));
        args.push(Value::Text(super::like_pattern(d)));
    }
    cond.push(')');
    conds.push(cond);
}

/// Every match in the filter's order, handed to `each` as SQLite reads them (an export).
pub fn for_each<E: From<super::DbError>>(
    conn: &Connection,
    f: &CustomerFilter,
    each: impl FnMut(Customer) -> Result<(), E>,
) -> Result<(), E> {
    let (cond, args) = filter_sql(f, false);
    let sql = format!("{SELECT} WHERE {cond} ORDER BY {}", f.sort.sql());
    super::for_each_row(conn, &sql, &args, from_row, each)
}

/// One page in the filter's order, and the number of all matches (a keyword's stops at
/// `KEYWORD_COUNT_CAP`).
pub fn list(
    conn: &Connection,
    f: &CustomerFilter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Customer>, i64)> {
    let search = f.search_query();
    let (cond, args) = filter_sql(f, false);
    let total: i64 = match &search {
        // the search index alone, stopping at the cap: it streams its matches
        Some(query) if f.is_keyword_only() => conn
            .prepare_cached(&super::count_sql(
                "FROM customer_search WHERE customer_search MATCH ?1",
                true,
            ))?
            .query_row([query], |r| r.get(0))?,
        _ => conn
            .prepare_cached(&super::count_sql(
                &format!("FROM customers c WHERE {cond}"),
                f.keyword.is_some(),
            ))?
            .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?,
    };
    if offset >= total {
        return Ok((Vec::new(), total));
    }
    // many matches in the newest-first order: walking customers newest first finds a page in a
    // few rows; else fetch the index's matches and sort them
    let walk = search.is_some() && total > super::MANY_MATCHES && f.sort == CustomerSort::Created;
    let (cond, mut args) = if walk {
        filter_sql(f, true)
    } else {
        (cond, args)
    };
    args.push(Value::Integer(limit));
    args.push(Value::Integer(offset));
    let sql = format!(
        "{SELECT} WHERE {cond} ORDER BY {} LIMIT ? OFFSET ?",
        f.sort.sql()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), from_row)?;
    Ok((rows.collect::<rusqlite::Result<_>>()?, total))
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use crate::db::call_lists::plan_tests::plan;

    fn list_plan(f: &CustomerFilter, walk: bool) -> String {
        let (cond, args) = filter_sql(f, walk);
        plan(
            &format!("{SELECT} WHERE {cond} ORDER BY {} LIMIT 20", f.sort.sql()),
            &args,
        )
    }

    #[test]
    fn a_keyword_is_found_through_the_index_unless_the_page_walks() {
        let keyword = |k: &str, digits: Option<&str>| CustomerFilter {
            keyword: Some(k.into()),
            keyword_digits: digits.map(str::to_string),
            ..Default::default()
        };
        let p = list_plan(&keyword("华东贸", None), false);
        assert!(p.contains("customer_search"), "{p}");
        let p = list_plan(&keyword("138-0013", Some("1380013")), false);
        assert!(p.contains("customer_search"), "{p}");
        // many matches, newest first: walked by creation with LIKE, never a scan of the index
        let p = list_plan(&keyword("138", Some("138")), true);
        assert!(
            p.contains("SCAN c USING INDEX customers_by_created") && !p.contains("customer_search"),
            "{p}"
        );
        // two characters: trigrams cannot find them
        let p = list_plan(&keyword("张三", None), false);
        assert!(!p.contains("customer_search"), "{p}");
        let query = keyword("13", Some("13")).search_query();
        assert_eq!(query, None);
        assert_eq!(
            keyword("a\"b", None).search_query().as_deref(),
            Some("{name company} : \"a\"\"b\"")
        );
    }
}
