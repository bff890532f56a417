//! Call records: §5.6 every filter and paging edge, §5.3, §5.2 detail — with visibility per
//! role (contract §2) and masking (contract §3).

use crate::common;

use common::assert_error;
use common::calls::{detail, ended_calls};
use common::office::{ids, office, pick};
use serde_json::json;

#[tokio::test]
async fn pc_list_filters_visibility_order_and_paging() {
    let o = office().await;
    let s = &o.server;
    let admin = &s.admin_token;
    // newest first: A3 (12-03 09:00), C1 (12-03 00:10), A2 (12-02 23:30), B1, A1
    assert_eq!(ids(s, admin, "").await, pick(&o, &[2, 4, 1, 3, 0]));
    assert_eq!(ids(s, &o.a.token, "").await, pick(&o, &[2, 1, 0]));
    assert_eq!(ids(s, &o.boss1.token, "").await, pick(&o, &[2, 1, 3, 0]));
    assert_eq!(ids(s, &o.boss2.token, "").await, pick(&o, &[4]));
    assert_eq!(
        ids(s, admin, &format!("customerId={}", o.zhang)).await,
        pick(&o, &[3, 0])
    );
    assert_eq!(ids(s, admin, "callType=inbound").await, pick(&o, &[4, 1]));
    assert_eq!(ids(s, admin, "callStatus=missed").await, pick(&o, &[1]));
    assert_eq!(
        ids(s, admin, "callStatus=connected").await,
        pick(&o, &[4, 3, 0])
    );
    assert_eq!(ids(s, admin, "callStatus=busy").await, pick(&o, &[2]));
    // office days: 23:30 local on the 2nd is the 2nd; 00:10 on the 3rd is the 3rd
    assert_eq!(
        ids(s, admin, "startDate=2025-12-02&endDate=2025-12-02").await,
        pick(&o, &[1, 3])
    );
    assert_eq!(
        ids(s, admin, "startDate=2025-12-03").await,
        pick(&o, &[2, 4])
    );
    assert_eq!(ids(s, admin, "endDate=2025-12-01").await, pick(&o, &[0]));
    assert_eq!(
        ids(s, admin, "startDate=2025-12-02T15:00:00Z").await,
        pick(&o, &[2, 4, 1])
    );
    assert_eq!(
        ids(s, admin, &format!("userId={}", o.a.id)).await,
        pick(&o, &[2, 1, 0])
    );
    assert_eq!(
        ids(s, &o.boss2.token, &format!("userId={}", o.a.id)).await,
        Vec::<String>::new()
    );
    assert_eq!(
        ids(s, admin, &format!("department={}", "%E4%BA%8C%E9%83%A8")).await,
        pick(&o, &[4])
    );
    // keyword: customer name, notes, the whole number in any written form
    assert_eq!(
        ids(s, admin, "keyword=%E5%BC%A0%E4%B8%89").await,
        pick(&o, &[4, 3, 0])
    );
    assert_eq!(
        ids(s, admin, "keyword=%E5%BF%99%E7%BA%BF").await,
        pick(&o, &[2])
    );
    assert_eq!(
        ids(s, admin, "keyword=13900001111").await,
        pick(&o, &[4, 1])
    );
    assert_eq!(
        ids(s, admin, "keyword=139-0000-1111").await,
        pick(&o, &[4, 1])
    );
    assert_eq!(
        ids(s, admin, "keyword=%2B86%2013812345678").await,
        pick(&o, &[3, 0])
    );
    // 3+ characters go through the trigram index, shorter ones through LIKE: same answers
    assert_eq!(
        ids(s, admin, "keyword=%E5%9B%9E%E8%AE%BF%E5%BC%A0").await,
        pick(&o, &[4])
    );
    assert_eq!(ids(s, admin, "keyword=%E8%AE%BF").await, pick(&o, &[4]));
    assert_eq!(ids(s, admin, "keyword=1111").await, pick(&o, &[4, 1]));
    assert_eq!(ids(s, admin, "keyword=11").await, pick(&o, &[4, 1]));
    assert_eq!(
        ids(s, admin, "keyword=%22%20OR%20").await,
        Vec::<String>::new()
    );
    assert_eq!(ids(s, admin, "keyword=100%25").await, Vec::<String>::new());
    // sales staff search the whole number and get it masked
    let (_, b) = s
        .get("/api/v1/calls/records?keyword=13812345678", &o.a.token)
        .await;
    assert_eq!(b["data"]["total"], 1);
    assert_eq!(b["data"]["records"][0]["customerPhone"], "138****5678");
    assert_eq!(b["data"]["records"][0]["customerId"], json!(o.zhang));
    let (_, b) = s
        .get("/api/v1/calls/records?keyword=13812345678", &o.boss1.token)
        .await;
    assert_eq!(b["data"]["records"][0]["customerPhone"], "13812345678");
    // filters combine
    assert_eq!(
        ids(
            s,
            admin,
            "callType=inbound&callStatus=connected&startDate=2025-12-03"
        )
        .await,
        pick(&o, &[4])
    );
    // paging
    let (_, b) = s
        .get("/api/v1/calls/records?page=3&pageSize=2", admin)
        .await;
    assert_eq!(
        (
            b["data"]["total"].clone(),
            b["data"]["page"].clone(),
            b["data"]["pageSize"].clone()
        ),
        (json!(5), json!(3), json!(2))
    );
    assert_eq!(b["data"]["records"].as_array().unwrap().len(), 1);
    assert_eq!(
        ids(s, admin, "page=4&pageSize=2").await,
        Vec::<String>::new()
    );
    assert_eq!(ids(s, admin, "pageSize=100").await.len(), 5);
    for q in [
        "page=0",
        "page=-1",
        "page=1.5",
        "pageSize=0",
        "pageSize=101",
        "pageSize=x",
        "callType=video",
        "callStatus=talking",
        "startDate=2025-13-01",
        "endDate=yesterday",
        "startDate=2025-12-03&endDate=2025-12-01",
    ] {
        let (st, b) = s.get(&format!("/api/v1/calls/records?{q}"), admin).await;
        assert_error(st, &b, 400, "INVALID_PARAMS");
    }
}

#[tokio::test]
async fn mobile_list_and_detail_visibility_and_masking() {
    let o = office().await;
    let s = &o.server;
    let (_, b) = s
        .get("/api/v1/mobile/calls?callType=inbound", &o.a.token)
        .await;
    assert_eq!(b["data"]["total"], 1);
    assert_eq!(b["data"]["records"][0]["id"], json!(o.calls[1]));
    let (_, b) = s
        .get(
            "/api/v1/mobile/calls?startDate=2025-12-01&endDate=2025-12-01",
            &o.a.token,
        )
        .await;
    assert_eq!(b["data"]["total"], 1);
    let (_, b) = s.get("/api/v1/mobile/calls", &o.boss1.token).await;
    assert_eq!(b["data"]["total"], 0, "the app lists its own user's calls");
    let (st, b) = s.get("/api/v1/mobile/calls?pageSize=500", &o.a.token).await;
    assert_error(st, &b, 400, "INVALID_PARAMS");

    let a1 = &o.calls[0];
    let d = detail(s, &o.a.token, a1).await;
    // the mobile routes show the phone's own calls whole (contract §13.1: the app dials them);
    // the PC list masks them for sales staff
    assert_eq!(d["customerPhone"], "13812345678");
    let (_, pc) = s
        .get(
            &format!("/api/v1/calls/records?customerId={}", o.zhang),
            &o.a.token,
        )
        .await;
    assert_eq!(
        pc["data"]["records"][0]["customerPhone"], "138****5678",
        "{pc}"
    );
    assert_eq!(
        (
            d["customerLevel"].clone(),
            d["customerTags"].clone(),
            d["followStatus"].clone()
        ),
        (json!("vip"), json!(["VIP"]), json!("new"))
    );
    assert_eq!(
        (
            d["callType"].clone(),
            d["callStatus"].clone(),
            d["duration"].clone()
        ),
        (json!("outbound"), json!("connected"), json!(180))
    );
    assert_eq!(d["startTime"], "2025-12-01T02:00:00.000Z");
    assert_eq!(d["followUpRecords"], json!([]));
    assert_eq!(
        detail(s, &o.boss1.token, a1).await["customerPhone"],
        "13812345678"
    );
    for t in [&o.b.token, &o.c.token, &o.boss2.token] {
        let (st, b) = s.get(&format!("/api/v1/mobile/call/{a1}"), t).await;
        assert_error(st, &b, 404, "NOT_FOUND");
    }
}

/// The keyword search over HTTP, small: scopes, totals and newest first. The many-matches plan
/// (over 2,000, where the query walks calls newest first) is tested at the query,
/// `db::call_lists::keyword_tests`, without thousands of requests to set it up.
#[tokio::test]
async fn keyword_search_pages_newest_first_per_scope() {
    let o = office().await;
    let s = &o.server;
    let newest = chrono::Utc::now().timestamp_millis() - 60_000;
    let many = ended_calls(s, &o.a.token, 15, newest, "批量回访记录").await;
    // each a second after its `many` twin
    let more = ended_calls(s, &o.b.token, 7, newest + 1_000, "批量回访记录").await;
    let keyword = "keyword=%E6%89%B9%E9%87%8F%E5%9B%9E%E8%AE%BF"; // 批量回访
    for (token, want_total, first) in [
        (&s.admin_token, 22, &more[0]),
        (&o.boss1.token, 22, &more[0]),
        (&o.a.token, 15, &many[0]),
    ] {
        let (st, b) = s
            .get(
                &format!("/api/v1/calls/records?{keyword}&pageSize=10&page=2"),
                token,
            )
            .await;
        assert_eq!(st, 200, "{b}");
        assert_eq!(b["data"]["total"], want_total);
        let page = b["data"]["records"].as_array().unwrap();
        assert_eq!(page.len(), (want_total - 10).min(10));
        let (_, b1) = s
            .get(
                &format!("/api/v1/calls/records?{keyword}&pageSize=1"),
                token,
            )
            .await;
        assert_eq!(b1["data"]["records"][0]["id"], json!(first));
        let starts: Vec<&str> = page
            .iter()
            .map(|r| r["startTime"].as_str().unwrap())
            .collect();
        assert!(starts.windows(2).all(|w| w[0] >= w[1]), "newest first");
    }
    let (_, b) = s
        .get(
            &format!("/api/v1/calls/records?{keyword}&pageSize=10&page=4"),
            &s.admin_token,
        )
        .await;
    assert_eq!(b["data"]["records"], json!([]));
}
