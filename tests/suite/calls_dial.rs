//! Click-to-dial: DEVICE_NOT_BOUND / DEVICE_OFFLINE with no call row, input checks, cancel
//! rules, the dial timeout. Phones bind through the real bind routes; a bound-but-offline phone
//! is one that never opens its socket, a dialed call one the PC dialed to an online phone.

use crate::common;

use std::time::Duration;

use common::calls::{assert_rollup_consistent, detail};
use common::dialing::{Dialect, call_count, dialed_call, end_reason, online_phone, wait_status};
use common::phone::TestPhone;
use common::{TestServer, assert_error};
use serde_json::json;

#[tokio::test]
async fn dial_needs_a_bound_online_phone_and_creates_nothing_otherwise() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let body = json!({"customerPhone": "138 0013 8000", "customerName": "张三", "notes": "咨询"});
    let (s, b) = server
        .post("/api/v1/calls/outbound", &user.token, body.clone())
        .await;
    assert_error(s, &b, 400, "DEVICE_NOT_BOUND");
    let phone = TestPhone::bind_pc(&server, &user).await.phone_id;
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
    // another user's phone is not one to choose: a phone the caller may not use is a record
    // they cannot see, 404 (issue 14; it was DEVICE_NOT_BOUND while phoneId meant "one of mine")
    let other = server.create_user("sales_b", "sales_staff", "一部").await;
    let (s, b) = server
        .post(
            "/api/v1/calls/outbound",
            &other.token,
            json!({"customerPhone": "13800138000", "phoneId": phone}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_eq!(call_count(&server), 0);
}

#[tokio::test]
async fn dial_input_is_checked_first() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    // bound and offline: bad input must be INVALID_PARAMS before any question of the phone
    TestPhone::bind_pc(&server, &user).await;
    for body in [
        json!({}),
        json!({"customerName": "张三"}),
        json!({"customerPhone": 13800138000u64}),
        json!({"customerPhone": "13800138000", "surprise": 1}),
        json!({"customerPhone": "13800138000", "phoneId": "one"}),
        json!({"customerPhone": "13800138000", "notes": "x".repeat(2001)}),
        json!({"customerPhone": "phone"}),
        json!({"customerPhone": "13800138000", "customerName": "名".repeat(65)}),
    ] {
        let (s, b) = server
            .post("/api/v1/calls/outbound", &user.token, body)
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    // an unknown customer id is an unknown id (contract §1)
    let (s, b) = server
        .post(
            "/api/v1/calls/outbound",
            &user.token,
            json!({"customerId": "cust_nope"}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
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
    let mut phone = online_phone(&server, &user, Dialect::Document).await;
    let id = dialed_call(&server, &user, &mut phone).await;
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
    let live = dialed_call(&server, &user, &mut phone).await;
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/status",
            &user.token,
            json!({"callId": live, "status": "connected"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
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
    // a minute on the server's clock, which the test moves past both deadlines at once
    let server = TestServer::start_with(|c| c.dial_timeout = Duration::from_secs(60)).await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Document).await;
    // `heard` is dialed first, so once `silent` has timed out, `heard` was past its deadline too
    let heard = dialed_call(&server, &user, &mut phone).await;
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/status",
            &user.token,
            json!({"callId": heard, "status": "dialing"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let silent = dialed_call(&server, &user, &mut phone).await;
    server.clock.advance(Duration::from_secs(61));
    wait_status(&server, &user.token, &silent, "failed").await;
    assert_eq!(
        end_reason(&server, &silent).as_deref(),
        Some("dial_timeout")
    );
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

#[tokio::test]
async fn a_follow_up_alone_does_not_keep_a_silent_dial_alive() {
    // §5.1 says nothing about the call's state: the phone that only saved notes never dialed
    let server = TestServer::start_with(|c| c.dial_timeout = Duration::from_secs(60)).await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Document).await;
    let call = dialed_call(&server, &user, &mut phone).await;
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/followup",
            &user.token,
            json!({"callId": call, "notes": "客户说稍后再打", "customerIntent": "medium"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    server.clock.advance(Duration::from_secs(61));
    wait_status(&server, &user.token, &call, "failed").await;
    assert_eq!(end_reason(&server, &call).as_deref(), Some("dial_timeout"));
    assert_rollup_consistent(&server);
}
