//! Customer search through its trigram index (issue 32, `sql/0014_customer_search.sql`): a
//! keyword of 3+ characters finds a customer by name, company, main or other number, follows
//! every edit of them and a delete, and over thousands of customers answers what a scan of
//! every row answers, in each order; shorter keywords are matched row by row as before.

use crate::bench_data::gen_calls;
use crate::common;

use common::TestServer;
use serde_json::{Value, json};

/// The ids of a customer list's answer, and its total.
async fn search(server: &TestServer, token: &str, query: &str) -> (Vec<String>, Value) {
    let (s, b) = server
        .get(&format!("/api/v1/customers?{query}"), token)
        .await;
    assert_eq!(s, 200, "{query}: {b}");
    let ids = b["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    (ids, b["data"]["total"].clone())
}

fn encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_customer_is_found_by_each_part_and_follows_its_edits() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    let (s, b) = server
        .post(
            "/api/v1/customers",
            &t,
            json!({"name": "王建国", "company": "星河贸易", "phone": "13800138000",
                   "otherPhones": ["010-6552 9988"]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let (s, b) = server
        .post(
            "/api/v1/customers",
            &t,
            json!({"name": "李四", "phone": "13912345678"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let other = b["data"]["id"].as_str().unwrap().to_string();
    let finds = |keyword: &str, who: Option<&str>| {
        let query = format!("keyword={}", encoded(keyword));
        let server = &server;
        let t = t.clone();
        let who = who.map(str::to_string);
        let keyword = keyword.to_string();
        async move {
            let (ids, total) = search(server, &t, &query).await;
            let want: Vec<String> = who.into_iter().collect();
            assert_eq!(ids, want, "{keyword}");
            assert_eq!(total, json!(ids.len()), "{keyword}");
        }
    };
    finds("王建国", Some(&id)).await;
    finds("建国", Some(&id)).await; // two characters: matched row by row
    finds("星河贸", Some(&id)).await;
    finds("138001", Some(&id)).await;
    finds("6552-9988", Some(&id)).await; // an other number, typed as people write it
    finds("1234567", Some(&other)).await;
    finds("没有这个", None).await;

    // a new name, company and other number: found by the new, not by the old
    let (s, b) = server
        .put(
            &format!("/api/v1/customers/{id}"),
            &t,
            json!({"name": "赵建华", "company": "", "otherPhones": ["021-6123 4567"]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    finds("王建国", None).await;
    finds("星河贸", None).await;
    finds("6552998", None).await;
    finds("赵建华", Some(&id)).await;
    finds("6123456", Some(&id)).await;
    finds("138001", Some(&id)).await;
    // a new main number
    let (s, b) = server
        .put(
            &format!("/api/v1/customers/{id}"),
            &t,
            json!({"phone": "13700137000"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    finds("138001", None).await;
    finds("137001", Some(&id)).await;
    // deleted: found no more, by any part
    let (s, b) = server.delete(&format!("/api/v1/customers/{id}"), &t).await;
    assert_eq!(s, 200, "{b}");
    finds("赵建华", None).await;
    finds("6123456", None).await;
    finds("1234567", Some(&other)).await;
    server.stop().await;
}

/// The ids SQLite's scan of every customer gives for LIKE `%needle%` on the name, company, main
/// and other numbers, in `order`, and how many there are (capped as the API caps).
fn scanned(server: &TestServer, needle: &str, order: &str) -> (Vec<String>, i64) {
    let conn = server.db();
    let matches = "FROM customers c WHERE c.name LIKE '%' || ?1 || '%'
        OR c.company LIKE '%' || ?1 || '%' OR c.phone LIKE '%' || ?1 || '%'
        OR EXISTS (SELECT 1 FROM customer_numbers n
                   WHERE n.customer_id = c.id AND n.number LIKE '%' || ?1 || '%')";
    let total: i64 = conn
        .query_row(
            &format!("SELECT MIN(COUNT(*), 10000) {matches}"),
            [needle],
            |r| r.get(0),
        )
        .unwrap();
    let mut stmt = conn
        .prepare(&format!("SELECT c.id {matches} ORDER BY {order} LIMIT 20"))
        .unwrap();
    let ids = stmt
        .query_map([needle], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    (ids, total)
}

#[tokio::test]
async fn thousands_of_customers_are_searched_as_a_scan_would() {
    let server = TestServer::start().await;
    let data = server.dir.path().to_str().unwrap().to_string();
    // 25,000 customers with mobile numbers, every fourth with a Beijing landline
    gen_calls(
        &data,
        &["--count", "0", "--customers", "25000", "--seed", "5"],
    );
    let t = server.admin_token.clone();
    let newest = "c.created_at DESC, c.rowid DESC";
    let by_level = "CASE c.level WHEN 'important' THEN 0 WHEN 'vip' THEN 1 ELSE 2 END, \
                    c.created_at DESC, c.rowid DESC";
    // "138": thousands of main numbers (the page walks the newest first); "010": thousands
    // of other numbers; "5555": a few; "客户12": names
    for needle in ["138", "010", "5555", "客户12"] {
        for (sort, order) in [("", newest), ("&sort=level", by_level)] {
            let query = format!("keyword={}{sort}", encoded(needle));
            let (ids, total) = search(&server, &t, &query).await;
            let (want_ids, want_total) = scanned(&server, needle, order);
            assert!(want_total > 0, "{needle}");
            assert_eq!(total, json!(want_total), "{query}");
            assert_eq!(ids, want_ids, "{query}");
        }
    }
    server.stop().await;
}
