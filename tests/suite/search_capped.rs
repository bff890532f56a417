//! A keyword search stops counting at 10,000 (contract §10, issue 32): `total: 10000,
//! totalCapped: true` past it, through the search index alone or with other filters; an exact
//! total below it and without a keyword.

use crate::bench_data::gen_calls;
use crate::common;

use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn a_keyword_search_stops_counting_at_ten_thousand() {
    let server = TestServer::start().await;
    let data = server.dir.path().to_str().unwrap().to_string();
    gen_calls(
        &data,
        &[
            "--count",
            "15000",
            "--users",
            "3",
            "--days",
            "3",
            "--timezone",
            "Asia/Shanghai",
            "--seed",
            "3",
        ],
    );
    let t = &server.admin_token;
    // every generated call is with a 客户NNNN: the search index alone, then with a filter
    for query in [
        "keyword=%E5%AE%A2%E6%88%B7",
        "keyword=%E5%AE%A2%E6%88%B7&callType=outbound",
    ] {
        let (s, b) = server
            .get(&format!("/api/v1/calls/records?{query}"), t)
            .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            (&b["data"]["total"], &b["data"]["totalCapped"]),
            (&json!(10_000), &json!(true)),
            "{query}"
        );
        assert_eq!(b["data"]["records"].as_array().unwrap().len(), 20);
    }
    // one customer's name: few matches, counted exactly
    let (_, first) = server.get("/api/v1/calls/records?pageSize=1", t).await;
    let name = first["data"]["records"][0]["customerName"]
        .as_str()
        .unwrap()
        .to_string();
    let want: i64 = server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM call_records WHERE customer_name LIKE '%' || ?1 || '%'",
            [&name],
            |r| r.get(0),
        )
        .unwrap();
    assert!(want < 10_000);
    let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    let (_, b) = server
        .get(&format!("/api/v1/calls/records?keyword={encoded}"), t)
        .await;
    assert_eq!(b["data"]["total"], want, "{name}");
    assert!(b["data"].get("totalCapped").is_none(), "{b}");
    // without a keyword the total is exact, whatever its size
    let (_, b) = server.get("/api/v1/calls/records", t).await;
    assert_eq!(b["data"]["total"], 15_000);
    assert!(b["data"].get("totalCapped").is_none());
    server.stop().await;
}
