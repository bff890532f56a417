//! Issue 13 (12, 13): input that used to get through — a keyword of SQLite's LIKE limit (500),
//! and impossible times (year 292 million, shown as 1970) — is INVALID_PARAMS and changes nothing.

use crate::common;

use common::calls::create_call;
use common::{TestServer, assert_error};
use serde_json::json;

#[tokio::test]
async fn an_overlong_keyword_is_refused_on_every_keyword_route() {
    let server = TestServer::start().await;
    let t = &server.admin_token;
    // SQLite's LIKE pattern limit is 50,000 bytes
    let long = "a".repeat(49_999);
    for route in ["/api/v1/customers", "/api/v1/calls/records"] {
        let (status, body) = server.get(&format!("{route}?keyword={long}"), t).await;
        assert_error(status, &body, 400, "INVALID_PARAMS");
        let (status, body) = server
            .get(&format!("{route}?keyword={}", "张".repeat(64)), t)
            .await;
        assert_eq!(status, 200, "64 characters are fine: {body}");
    }
    server.stop().await;
}

#[tokio::test]
async fn impossible_times_are_refused_on_every_time_field() {
    let server = TestServer::start().await;
    let t = &server.admin_token;
    let call = create_call(&server, t, json!({"customerPhone": "13800138000"})).await;
    let bad = [
        json!(i64::MAX),
        json!(1),
        json!("1899-12-31T00:00:00Z"),
        json!("2200-01-01"),
    ];
    for value in &bad {
        for (path, body) in [
            (
                "/api/v1/calls/followups",
                json!({"callId": call, "content": "x", "nextFollowUpDate": value}),
            ),
            (
                "/api/v1/mobile/call/followup",
                json!({"callId": call, "nextFollowUpDate": value}),
            ),
            (
                "/api/v1/calls/records",
                json!({"customerPhone": "13800138001", "startTime": value}),
            ),
            (
                "/api/v1/calls/records",
                json!({"customerPhone": "13800138001", "endTime": value}),
            ),
        ] {
            let (status, answer) = server.post(path, t, body).await;
            assert_error(status, &answer, 400, "INVALID_PARAMS");
        }
        let (status, answer) = server
            .put(
                &format!("/api/v1/calls/records/{call}/end"),
                t,
                json!({"endTime": value}),
            )
            .await;
        assert!(
            status == 400 && answer["code"] == "INVALID_PARAMS",
            "{value}: {status} {answer}"
        );
    }
    let (_, list) = server.get("/api/v1/calls/followups", t).await;
    assert_eq!(list["data"]["total"], 0, "nothing written: {list}");
    let (_, records) = server.get("/api/v1/calls/records", t).await;
    assert_eq!(records["data"]["total"], 1, "nothing written: {records}");
    server.stop().await;
}

/// Issue 13 (11): a list that comes in is counted before any work on it: 25,000 distinct tags
/// are refused on every route that takes tags, and nothing changes.
#[tokio::test]
async fn a_huge_tag_list_is_refused_before_any_work() {
    let server = TestServer::start().await;
    let t = &server.admin_token;
    let call = create_call(&server, t, json!({"customerPhone": "13800138000"})).await;
    let cus = common::calls::customer(&server, "标签客户", "13800138001").await;
    let tags: Vec<String> = (0..25_000).map(|i| format!("t{i}")).collect();
    let before: i64 = server
        .db()
        .query_row("SELECT COUNT(*) FROM follow_ups", [], |r| r.get(0))
        .unwrap();
    for (method, path, body) in [
        (
            "post",
            "/api/v1/customers".to_string(),
            json!({"name": "x", "phone": "13800138002", "tags": tags}),
        ),
        (
            "put",
            format!("/api/v1/customers/{cus}"),
            json!({"tags": tags}),
        ),
        (
            "post",
            "/api/v1/calls/followups".to_string(),
            json!({"callId": call, "content": "x", "callTags": tags}),
        ),
        (
            "post",
            "/api/v1/mobile/call/followup".to_string(),
            json!({"callId": call, "tags": tags}),
        ),
        (
            "put",
            format!("/api/v1/calls/records/{call}"),
            json!({"callTags": tags}),
        ),
    ] {
        let (status, answer) = match method {
            "post" => server.post(&path, t, body).await,
            _ => server.put(&path, t, body).await,
        };
        assert_error(status, &answer, 400, "INVALID_PARAMS");
        assert!(
            answer["message"].as_str().unwrap().contains("20"),
            "{path}: {answer}"
        );
    }
    let after: i64 = server
        .db()
        .query_row("SELECT COUNT(*) FROM follow_ups", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, after);
    let tags: String = server
        .db()
        .query_row("SELECT tags FROM customers WHERE id = ?1", [&cus], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(tags, "[]");
}
