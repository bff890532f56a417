//! Click-to-dial without a connected phone (the phone socket arrives with its own issue):
//! DEVICE_NOT_BOUND / DEVICE_OFFLINE with no call row, input checks, cancel rules, the dial
//! timeout. Bound-but-offline phones are work_phones rows written as test setup.

mod common;

use std::time::Duration;

use common::calls::{assert_rollup_consistent, detail, insert_dialed_call, insert_phone};
use common::{TestServer, assert_error};
use serde_json::json;

fn call_count(server: &TestServer) -> i64 {
    server
        .db()
        .query_row("SELECT COUNT(*) FROM call_records", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn dial_needs_a_bound_online_phone_and_creates_nothing_otherwise() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let body = json!({"customerPhone": "138 0013 8000", "customerName": "张三", "notes": "咨询"});
    let (s, b) = server
        .post("/api/v1/calls/outbound", &user.token, body.clone())
        .await;
    assert_error(s, &b, 400, "DEVICE_NOT_BOUND");
    let phone = insert_phone(&server, &user.id, "dev_a");
    let (s, b) = server
        .post("/api/v1/calls/outbound", &user.token, body.clone())
        .await;
    assert_error(s, &b, 409, "DEVICE_OFFLINE");
    let mut asked = body.clone();
    asked["phoneId"] = json!(phone);
    let (s, b) = server
        .post("/api/v1/calls/outbound", &user.token, asked)
        .await;
    assert_error(s, &b, 409, "DEVICE_OFFLINE");
    // another user's phone is not one to choose
    let other = server.create_user("sales_b", "sales_staff", "一部").await;
    let (s, b) = server
        .post(
            "/api/v1/calls/outbound",
            &other.token,
            json!({"customerPhone": "13800138000", "phoneId": phone}),
        )
        .await;
    assert_error(s, &b, 400, "DEVICE_NOT_BOUND");
    assert_eq!(call_count(&server), 0);
}

#[tokio::test]
async fn dial_input_is_checked_first() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    insert_phone(&server, &user.id, "dev_a");
    for body in [
        json!({}),
        json!({"customerName": "张三"}),
        json!({"customerPhone": 13800138000u64}),
        json!({"customerPhone": "13800138000", "surprise": 1}),
        json!({"customerPhone": "13800138000", "phoneId": "one"}),
        json!({"customerPhone": "13800138000", "notes": "x".repeat(2001)}),
        json!({"customerPhone": "phone"}),
        json!({"customerId": "cust_nope"}),
        json!({"customerPhone": "13800138000", "customerName": "名".repeat(65)}),
    ] {
        let (s, b) = server
            .post("/api/v1/calls/outbound", &user.token, body)
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let (s, b) = server
        .call(
            reqwest::Method::POST,
            "/api/v1/calls/outbound",
            None,
            Some(json!({"customerPhone": "13800138000"})),
        )
        .await;
    assert_error(s, &b, 401, "AUTH_FAILED");
    let (s, b) = server.get("/api/v1/calls/outbound", &user.token).await;
    assert_error(s, &b, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(call_count(&server), 0);
}

#[tokio::test]
async fn cancel_rules_and_visibility() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let peer = server.create_user("sales_b", "sales_staff", "一部").await;
    let other_boss = server.create_user("boss2", "manager", "二部").await;
    let boss = server.create_user("boss1", "manager", "一部").await;
    let phone = insert_phone(&server, &user.id, "dev_a");
    let id = insert_dialed_call(&server, &user.id, phone, 0);
    let path = format!("/api/v1/calls/{id}/cancel");
    for t in [&peer.token, &other_boss.token] {
        let (s, b) = server.post(&path, t, json!({})).await;
        assert_error(s, &b, 404, "NOT_FOUND");
    }
    let (s, b) = server.post(&path, &boss.token, json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        detail(&server, &user.token, &id).await["callStatus"],
        "canceled"
    );
    let (s, b) = server.post(&path, &user.token, json!({})).await;
    assert_error(s, &b, 409, "CALL_STATE_CONFLICT");
    // a connected call cannot be canceled either
    let live = insert_dialed_call(&server, &user.id, phone, 0);
    server
        .post(
            "/api/v1/mobile/call/status",
            &user.token,
            json!({"callId": live, "status": "connected"}),
        )
        .await;
    let (s, b) = server
        .post(
            &format!("/api/v1/calls/{live}/cancel"),
            &user.token,
            json!({}),
        )
        .await;
    assert_error(s, &b, 409, "CALL_STATE_CONFLICT");
    let (s, b) = server
        .post(
            "/api/v1/calls/call_20250101_nope/cancel",
            &user.token,
            json!({}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn a_dial_the_phone_never_reports_on_times_out_to_failed() {
    let server = TestServer::start_with(|c| c.dial_timeout = Duration::from_millis(300)).await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let phone = insert_phone(&server, &user.id, "dev_a");
    // `heard` is older, so once `silent` has timed out, `heard` was past its deadline too
    let heard = insert_dialed_call(&server, &user.id, phone, 100);
    let silent = insert_dialed_call(&server, &user.id, phone, 0);
    let (s, _) = server
        .post(
            "/api/v1/mobile/call/status",
            &user.token,
            json!({"callId": heard, "status": "dialing"}),
        )
        .await;
    assert_eq!(s, 200);
    let mut status = String::new();
    for _ in 0..200 {
        status = detail(&server, &user.token, &silent).await["callStatus"]
            .as_str()
            .unwrap()
            .to_string();
        if status != "calling" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "failed");
    let reason: String = server
        .db()
        .query_row(
            "SELECT end_reason FROM call_records WHERE id = ?1",
            [&silent],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reason, "dial_timeout");
    // a phone report keeps it alive
    assert_eq!(
        detail(&server, &user.token, &heard).await["callStatus"],
        "calling"
    );
    // the phone's end after the timeout is still recorded
    let (s, _) = server
        .post(
            "/api/v1/mobile/call/end",
            &user.token,
            json!({"callId": silent, "status": "connected", "duration": 12}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        detail(&server, &user.token, &silent).await["callStatus"],
        "connected"
    );
    assert_rollup_consistent(&server);
}
