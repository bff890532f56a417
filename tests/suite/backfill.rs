//! 2.4.0's back-fill (contract §14, issue 29's table: `POST /api/v1/mobile/call/missed-calls`
//! answered 405 on every return to the app, a toast each time for a day): the phone's call-log
//! rows become ended inbound calls, a replay creates nothing, and what cannot be read is
//! skipped rather than refused.

use crate::common;

use common::calls::{assert_rollup_consistent, customer};
use common::phone::TestPhone;
use common::{TestServer, assert_error};
use serde_json::{Value, json};

const PATH: &str = "/api/v1/mobile/call/missed-calls";

/// Ten minutes ago, as the app writes it.
fn minutes_ago(minutes: i64) -> String {
    let at = chrono::Utc::now() - chrono::Duration::minutes(minutes);
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn the_list() -> Value {
    json!({"calls": [
        {"callerNumber": "138 0013 8000", "callTime": minutes_ago(30), "duration": 0, "callStatus": "missed"},
        {"callerNumber": "+8613900139000", "callTime": minutes_ago(20), "duration": 75, "callStatus": "connected"},
        {"callerNumber": "13700137000", "callTime": minutes_ago(10), "callStatus": "rejected"},
        {"callerNumber": "未知来电", "callTime": minutes_ago(5), "callStatus": "missed"},
        {"callerNumber": "13600136000", "callTime": "yesterday"},
        {"callTime": minutes_ago(4)}
    ]})
}

#[tokio::test]
async fn the_call_log_becomes_inbound_calls_once() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let known = customer(&server, "王五", "13800138000").await;
    let phone = TestPhone::bind_shipped(&server, &user).await;
    let (s, b) = server.post(PATH, &phone.ws_token, the_list()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (&b["data"]["created"], &b["data"]["skipped"]),
        (&json!(3), &json!(3)),
        "{b}"
    );
    // the calls: inbound, ended with the log's status, the known number linked
    let (_, list) = server
        .get(
            "/api/v1/mobile/calls?callType=inbound&pageSize=50",
            &user.token,
        )
        .await;
    let rows = list["data"]["records"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 3, "{list}");
    let by_number = |n: &str| {
        rows.iter()
            .find(|r| r["customerPhone"] == n)
            .cloned()
            .unwrap()
    };
    let missed = by_number("13800138000");
    assert_eq!(missed["callStatus"], "missed");
    assert_eq!(missed["customerId"], json!(known));
    let talked = by_number("13900139000");
    assert_eq!(
        (&talked["callStatus"], &talked["duration"]),
        (&json!("connected"), &json!(75))
    );
    assert_eq!(by_number("13700137000")["callStatus"], "rejected");
    // the app resends the same list on the next return: nothing new
    let (s, b) = server.post(PATH, &phone.ws_token, the_list()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (&b["data"]["created"], &b["data"]["skipped"]),
        (&json!(0), &json!(6)),
        "{b}"
    );
    // statistics count them as inbound
    let (_, stats) = server.get("/api/v1/calls/statistics", &user.token).await;
    assert_eq!(stats["data"]["incomingCalls"], 3, "{stats}");
    // and per person
    let (_, stats) = server
        .get("/api/v1/calls/statistics", &server.admin_token)
        .await;
    let mine = stats["data"]["userStats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userId"] == json!(user.id))
        .cloned()
        .unwrap();
    assert_eq!(
        (&mine["incomingCalls"], &mine["outgoingCalls"]),
        (&json!(3), &json!(0)),
        "{mine}"
    );
    assert_rollup_consistent(&server);
    server.stop().await;
}

#[tokio::test]
async fn a_login_token_uses_the_users_phone_and_none_is_404() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let (s, b) = server.post(PATH, &user.token, the_list()).await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let _phone = TestPhone::bind_shipped(&server, &user).await;
    let (s, b) = server.post(PATH, &user.token, the_list()).await;
    assert_eq!((s, &b["data"]["created"]), (200, &json!(3)), "{b}");
    // another user's calls of the same numbers do not count as theirs
    let other = server.create_user("sales_b", "sales_staff", "一部").await;
    let _theirs = TestPhone::bind_shipped(&server, &other).await;
    let (_, b) = server.post(PATH, &other.token, the_list()).await;
    assert_eq!(b["data"]["created"], 3, "{b}");
    server.stop().await;
}

#[tokio::test]
async fn bad_lists_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let phone = TestPhone::bind_shipped(&server, &user).await;
    // none: nothing to do
    let (s, b) = server.post(PATH, &phone.ws_token, json!({})).await;
    assert_eq!((s, &b["data"]["created"]), (200, &json!(0)), "{b}");
    let item = json!({"callerNumber": "13800138000", "callTime": minutes_ago(3)});
    let too_many = json!({ "calls": vec![item; 101] });
    let (s, b) = server.post(PATH, &phone.ws_token, too_many).await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    assert_eq!(b["field"], "calls");
    for bad in [json!({"calls": "all"}), json!([1, 2])] {
        let (s, b) = server.post(PATH, &phone.ws_token, bad).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let resp = server
        .client
        .post(server.url(PATH))
        .bearer_auth(&phone.ws_token)
        .header("content-type", "application/json")
        .body("{\"calls\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let (s, b) = server.post(PATH, "not-a-token", the_list()).await;
    assert_error(s, &b, 401, "AUTH_FAILED");
    let (_, list) = server.get("/api/v1/mobile/calls", &user.token).await;
    assert_eq!(list["data"]["total"], 0, "nothing written: {list}");
    server.stop().await;
}
