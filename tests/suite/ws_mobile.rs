//! The phone socket (§6, contract §5 and §13) over a real WebSocket: refusal before the upgrade,
//! heartbeats, ACKs, once-only application, ERROR for malformed messages (the socket stays),
//! idle close, replacement by a newer socket, DEVICE_OFFLINE, and call reports handed to the
//! calls module in both dialects.

use crate::common;

use std::time::Duration;

use common::phone::{TestPhone, chrono_ms, next_id, ws_connect};
use common::{TestServer, assert_error};
use serde_json::{Value, json};

async fn online_status(server: &TestServer, token: &str, phone_id: i64) -> Value {
    let (_, body) = server.get("/api/v1/call-config/work-phones", token).await;
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == phone_id)
        .cloned()
        .expect("phone listed")
}

#[tokio::test]
async fn bad_tokens_are_refused_before_the_upgrade_with_json() {
    let server = TestServer::start().await;
    let user = server.create_user("li", "sales_staff", "一部").await;
    let phone = TestPhone::bind_pc(&server, &user).await;
    let base = format!("ws://{}/ws/mobile", server.addr);
    for url in [
        base.clone(),
        format!("{base}?token="),
        format!("{base}?token=not.a.jwt"),
        // a PC login is not a phone
        format!("{base}?token={}", user.token),
        // a wsToken with one character changed
        format!("{base}?token={}x", phone.ws_token),
    ] {
        let (status, body) = ws_connect(&url).await.expect_err("refused");
        assert_error(status, &body, 401, "AUTH_FAILED");
    }
    // a plain GET with a good token but no upgrade is a JSON 400, a POST a JSON 405
    let http_url = server.url(&format!("/ws/mobile?token={}", phone.ws_token));
    let resp = server.client.get(&http_url).send().await.unwrap();
    let status = resp.status().as_u16();
    assert_error(status, &resp.json().await.unwrap(), 400, "INVALID_PARAMS");
    let resp = server.client.post(&http_url).send().await.unwrap();
    let status = resp.status().as_u16();
    assert_error(
        status,
        &resp.json().await.unwrap(),
        405,
        "METHOD_NOT_ALLOWED",
    );
}

#[tokio::test]
async fn heartbeat_ack_and_acks_for_every_message_with_an_id() {
    let server = TestServer::start().await;
    let user = server.create_user("wang", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    phone.connect().await;
    // the document's heartbeat: no messageId, no data
    phone
        .send(json!({ "type": "HEARTBEAT", "timestamp": chrono_ms() }))
        .await;
    let ack = phone.recv().await;
    assert_eq!(ack["type"], "HEARTBEAT_ACK");
    assert!(
        ack["messageId"].is_string() && ack["timestamp"].is_i64(),
        "{ack}"
    );
    // the shipped app's heartbeat: a messageId and an ISO timestamp
    let id = next_id();
    phone
        .send(json!({ "type": "HEARTBEAT", "messageId": id, "timestamp": "2025-12-25T10:30:00.000+08:00" }))
        .await;
    assert_eq!(phone.recv().await["type"], "HEARTBEAT_ACK");
    let ack = phone.recv().await;
    assert_eq!(ack["type"], "ACK");
    assert_eq!(ack["data"], json!({ "messageId": id }));
    assert_ne!(ack["messageId"], json!(id), "the ACK has its own messageId");
    assert!(ack["timestamp"].is_i64());
    // a timestamp in a form we cannot read still gets its heartbeat answered: an app that
    // waits for HEARTBEAT_ACK would otherwise reconnect for ever
    for odd in [
        json!("2025-12-25 10:30"),
        json!("soon"),
        json!(true),
        json!({}),
    ] {
        phone
            .send(json!({ "type": "HEARTBEAT", "timestamp": odd }))
            .await;
        assert_eq!(
            phone.recv().await["type"],
            "HEARTBEAT_ACK",
            "timestamp {odd}"
        );
    }
    // DEVICE_ONLINE with a numeric messageId is acked with that number
    phone.send(json!({ "type": "DEVICE_ONLINE", "messageId": 42, "data": { "deviceId": phone.device_id } })).await;
    assert_eq!(phone.recv().await["data"], json!({ "messageId": 42 }));
    let shown = online_status(&server, &user.token, phone.phone_id).await;
    assert_eq!(shown["onlineStatus"], "online");
    let last = chrono::DateTime::parse_from_rfc3339(shown["lastActiveAt"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert!(
        last >= chrono_ms() - 60_000,
        "lastActiveAt is fresh: {shown}"
    );
}

#[tokio::test]
async fn malformed_messages_get_error_and_the_socket_stays() {
    let server = TestServer::start().await;
    let user = server.create_user("zhao", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    phone.connect_online().await;
    for text in [
        "not json".to_string(),
        "[1,2]".to_string(),
        json!({ "messageId": "m" }).to_string(),
        json!({ "type": "NO_SUCH_TYPE", "messageId": "m1" }).to_string(),
        // a report's own time in a form we cannot read (the envelope's is only a fallback)
        json!({ "type": "CALL_STATUS", "messageId": "m1t", "data": { "callId": "c", "status": "ringing", "timestamp": "yesterday" } }).to_string(),
        json!({ "type": "CALL_STATUS", "messageId": "m2", "data": "x" }).to_string(),
        json!({ "type": "CALL_STATUS", "messageId": "m3", "data": { "status": "ringing" } }).to_string(),
        json!({ "type": "CALL_END", "messageId": "m4", "data": { "callId": "c", "status": "connected", "duration": "long" } }).to_string(),
        json!({ "type": "DEVICE_ONLINE", "messageId": ["m5"] }).to_string(),
    ] {
        phone.send_text(&text).await;
        let error = phone.recv().await;
        assert_eq!(error["type"], "ERROR", "for {text}: {error}");
        assert_eq!(error["data"]["code"], "INVALID_PARAMS", "for {text}");
        assert!(error["data"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(error["messageId"].is_string() && error["timestamp"].is_i64());
    }
    // still open and answering
    phone.send(json!({ "type": "HEARTBEAT" })).await;
    assert_eq!(phone.recv().await["type"], "HEARTBEAT_ACK");
}

#[tokio::test]
async fn call_reports_in_both_dialects_reach_the_calls_module() {
    let server = TestServer::start().await;
    let user = server.create_user("qian", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;
    let reports = [
        json!({ "type": "CALL_STATUS", "timestamp": chrono_ms(),
                "data": { "callId": "call_20251225_nosuchcall", "status": "connected" } }),
        json!({ "type": "CALL_STATUS", "timestamp": "2025-12-25T10:30:00.000Z",
                "data": { "callId": "call_20251225_nosuchcall", "status": "rejected", "reason": "busy" } }),
        json!({ "type": "CALL_END", "data": { "callId": "call_20251225_nosuchcall",
                "status": "connected", "duration": 180, "hasRecording": true } }),
        json!({ "type": "CALL_ENDED", "timestamp": "2025-12-25T10:33:00.000Z",
                "data": { "callId": "call_20251225_nosuchcall", "status": "missed",
                          "duration": 0, "endReason": "system_hangup" } }),
    ];
    for mut report in reports {
        let id = next_id();
        report["messageId"] = json!(id);
        // an unknown call: the calls module refuses it, the socket says so and stays open;
        // sent twice, it is answered twice (a refused report is not recorded as applied)
        for _ in 0..2 {
            phone.send(report.clone()).await;
            let reply = phone.recv_reply(&id).await;
            assert_eq!(reply["type"], "ERROR", "{report} → {reply}");
            assert_eq!(reply["data"]["code"], "NOT_FOUND");
        }
    }
    let applied: i64 = server
        .db()
        .query_row("SELECT COUNT(*) FROM device_messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(applied, 1, "only the DEVICE_ONLINE was recorded as applied");
    phone.send(json!({ "type": "HEARTBEAT" })).await;
    assert_eq!(phone.recv().await["type"], "HEARTBEAT_ACK");
}

#[tokio::test]
async fn silence_closes_the_socket_and_the_phone_goes_offline() {
    let server = TestServer::start_with(|c| c.ws_idle_timeout = Duration::from_millis(2000)).await;
    let user = server.create_user("sun", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    phone.connect_online().await;
    assert_eq!(
        online_status(&server, &user.token, phone.phone_id).await["onlineStatus"],
        "online"
    );
    // say nothing: the server closes
    phone.expect_closed().await;
    let shown = online_status(&server, &user.token, phone.phone_id).await;
    assert_eq!(shown["onlineStatus"], "offline");
    assert!(shown["lastActiveAt"].is_string());
    // and the phone may come back
    phone.connect_online().await;
    assert_eq!(
        online_status(&server, &user.token, phone.phone_id).await["onlineStatus"],
        "online"
    );
}

#[tokio::test]
async fn a_newer_socket_replaces_the_older() {
    let server = TestServer::start().await;
    let user = server.create_user("zhou", "sales_staff", "一部").await;
    let mut old = TestPhone::bind_pc(&server, &user).await;
    old.connect_online().await;
    let mut new = old.another_client();
    new.connect_online().await;
    old.expect_closed().await;
    new.send(json!({ "type": "HEARTBEAT" })).await;
    assert_eq!(new.recv().await["type"], "HEARTBEAT_ACK");
    assert_eq!(
        online_status(&server, &user.token, new.phone_id).await["onlineStatus"],
        "online"
    );
}

#[tokio::test]
async fn device_offline_sets_offline_at_once_and_closes() {
    let server = TestServer::start().await;
    let user = server.create_user("wu", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;
    let id = next_id();
    phone
        .send(json!({ "type": "DEVICE_OFFLINE", "messageId": id,
                      "data": { "deviceId": phone.device_id, "reason": "logout" } }))
        .await;
    let seen = phone.expect_closed().await;
    assert!(
        seen.iter()
            .any(|m| m["type"] == "ACK" && m["data"]["messageId"] == json!(id)),
        "{seen:?}"
    );
    assert_eq!(
        online_status(&server, &user.token, phone.phone_id).await["onlineStatus"],
        "offline"
    );
}
