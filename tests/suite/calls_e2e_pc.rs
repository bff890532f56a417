//! Calls end to end over the real phone socket (issue 4), the PC's side and the edges: a busy
//! phone rejects a second dial, a silent phone times out to `failed`, PC cancel reaches the
//! phone under both names, PC end pushes CALL_END, DEVICE_OFFLINE / DEVICE_NOT_BOUND create no
//! call, and (issue 5) the phone's wsToken uploads recordings for its own calls only.

use crate::common;

use std::time::Duration;

use common::audio::{mp3, upload, upload_ok};
use common::calls::{assert_rollup_consistent, detail};
use common::dialing::{
    Dialect, Reporter, call_count, dial, dial_number, dial_to, end_reason, online_phone,
    wait_status,
};
use common::phone::{chrono_ms, next_id};
use common::{TestServer, assert_error};
use serde_json::json;

#[tokio::test]
async fn a_phone_already_on_a_call_rejects_the_next_dial_as_busy() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Shipped).await;
    let (first, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    let (second, _) = dial_number(&server, &user, &mut phone, "13900001111").await;
    let mut app = Reporter::socket(&server, &user, &mut phone, Dialect::Shipped);
    let (s, b) = app.status(&first, "connected", json!({})).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .status(&second, "rejected", json!({"reason": "busy"}))
        .await;
    assert_eq!(s, 200, "{b}");
    let d = detail(&server, &user.token, &second).await;
    assert_eq!(
        (&d["callStatus"], &d["duration"]),
        (&json!("rejected"), &json!(0))
    );
    assert!(d["endTime"].is_string(), "{d}");
    assert_eq!(end_reason(&server, &second).as_deref(), Some("busy"));
    assert_eq!(
        detail(&server, &user.token, &first).await["callStatus"],
        "connected"
    );
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn a_dial_the_phone_never_answers_fails_and_a_late_end_still_counts() {
    let server = TestServer::start_with(|c| c.dial_timeout = Duration::from_secs(60)).await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Document).await;
    let (id, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    server.clock.advance(Duration::from_secs(61));
    let d = wait_status(&server, &user.token, &id, "failed").await;
    assert!(d["endTime"].is_string(), "{d}");
    assert_eq!(end_reason(&server, &id).as_deref(), Some("dial_timeout"));
    // the phone dialed anyway: its end is recorded
    let mut socket = Reporter::socket(&server, &user, &mut phone, Dialect::Document);
    let (s, b) = socket
        .end(
            &next_id(),
            json!({"callId": id, "status": "connected", "duration": 12}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let d = detail(&server, &user.token, &id).await;
    assert_eq!(
        (&d["callStatus"], &d["duration"]),
        (&json!("connected"), &json!(12))
    );
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn pc_cancel_reaches_the_phone_under_both_names() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Shipped).await;
    let (id, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    let (s, b) = server
        .post(
            &format!("/api/v1/calls/{id}/cancel"),
            &user.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let document = phone.recv_type("CANCEL_DIAL").await;
    let shipped = phone.recv_type("DIAL_CANCEL").await;
    assert_eq!(document["data"], shipped["data"]);
    assert_eq!(document["data"]["callId"], id.as_str());
    assert_ne!(
        document["messageId"], shipped["messageId"],
        "each message has its own id"
    );
    assert_eq!(
        detail(&server, &user.token, &id).await["callStatus"],
        "canceled"
    );
    let (s, b) = server
        .post(
            &format!("/api/v1/calls/{id}/cancel"),
            &user.token,
            json!({}),
        )
        .await;
    assert_error(s, &b, 409, "CALL_STATE_CONFLICT");

    // a call the phone already ended cannot be canceled
    let (ended, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/end",
            &user.token,
            json!({"callId": ended, "status": "missed", "endReason": "system_hangup"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = server
        .post(
            &format!("/api/v1/calls/{ended}/cancel"),
            &user.token,
            json!({}),
        )
        .await;
    assert_error(s, &b, 409, "CALL_STATE_CONFLICT");
    assert_eq!(
        detail(&server, &user.token, &ended).await["callStatus"],
        "missed"
    );
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn pc_end_of_a_live_call_pushes_call_end_to_the_phone() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let boss = server.create_user("boss1", "manager", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Document).await;
    let (id, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    let path = format!("/api/v1/calls/records/{id}/end");
    // not connected yet (some phones never say so, contract §13.1): the phone is told to hang
    // up and the call waits for its end report
    let (s, b) = server.put(&path, &boss.token, json!({})).await;
    assert_eq!(
        (s, &b["data"]["callStatus"]),
        (200, &json!("calling")),
        "{b}"
    );
    let pushed = phone.recv_type("CALL_END").await;
    assert_eq!(pushed["data"]["callId"], json!(id));
    let mut socket = Reporter::socket(&server, &user, &mut phone, Dialect::Document);
    for step in ["ringing", "connected"] {
        let (s, b) = socket.status(&id, step, json!({})).await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, b) = server
        .put(
            &path,
            &boss.token,
            json!({"notes": "经理结束", "followUpRequired": true}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let pushed = phone.recv_type("CALL_END").await;
    assert_eq!(pushed["data"]["callId"], id.as_str());
    assert!(pushed["messageId"].is_string() && pushed["timestamp"].is_i64());
    let d = detail(&server, &user.token, &id).await;
    assert_eq!(
        (&d["callStatus"], &d["notes"], &d["followUpRequired"]),
        (&json!("connected"), &json!("经理结束"), &json!(true))
    );
    // the phone's own end afterwards still corrects the result
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/end",
            &phone.ws_token,
            json!({"callId": id, "status": "connected", "duration": 95}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(detail(&server, &user.token, &id).await["duration"], 95);
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn an_offline_or_missing_phone_creates_no_call() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let loner = server.create_user("sales_b", "sales_staff", "一部").await;
    let body = json!({"customerPhone": "13800138000"});
    let (s, b) = dial(&server, &loner.token, body.clone()).await;
    assert_error(s, &b, 400, "DEVICE_NOT_BOUND");

    let mut phone = online_phone(&server, &user, Dialect::Shipped).await;
    let (id, _) = dial_to(&server, &user, &mut phone, body.clone()).await;
    // the shipped app logs out: DEVICE_OFFLINE, acked, and the phone is offline at once
    let bye = next_id();
    phone
        .send(
            json!({"type": "DEVICE_OFFLINE", "messageId": bye, "timestamp": chrono_ms(),
            "data": {"deviceId": phone.device_id, "reason": "logout"}}),
        )
        .await;
    let seen = phone.expect_closed().await;
    assert!(
        seen.iter()
            .any(|m| m["type"] == "ACK" && m["data"]["messageId"] == bye.as_str()),
        "{seen:?}"
    );
    let before = call_count(&server);
    let (s, b) = dial(&server, &user.token, body.clone()).await;
    assert_error(s, &b, 409, "DEVICE_OFFLINE");
    let mut asked = body;
    asked["phoneId"] = json!(phone.phone_id);
    let (s, b) = dial(&server, &user.token, asked).await;
    assert_error(s, &b, 409, "DEVICE_OFFLINE");
    assert_eq!(
        call_count(&server),
        before,
        "no call row for a refused dial"
    );
    // a socket that closes mid-call does not end the call
    assert_eq!(
        detail(&server, &user.token, &id).await["callStatus"],
        "calling"
    );
}

#[tokio::test]
async fn the_phones_ws_token_uploads_recordings_for_its_own_calls_only() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let peer = server.create_user("sales_b", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Document).await;
    let mut peer_phone = online_phone(&server, &peer, Dialect::Document).await;
    let (id, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    let (theirs, _) = dial_number(&server, &peer, &mut peer_phone, "13800138000").await;
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/end",
            &phone.ws_token,
            json!({"callId": id, "status": "connected", "duration": 30, "hasRecording": true}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let url = b["data"]["recordingUploadUrl"].as_str().unwrap();
    assert_eq!(url, server.url("/api/v1/mobile/recording/upload"));

    let data = upload_ok(&server, &phone.ws_token, &id, mp3(4)).await;
    assert!(data["fileSize"].as_i64().unwrap() > 0, "{data}");
    let d = detail(&server, &user.token, &id).await;
    assert_eq!(d["hasRecording"], true);
    assert!(d["recordingUrl"].is_string(), "{d}");

    let rows = |server: &TestServer| -> i64 {
        server
            .db()
            .query_row("SELECT COUNT(*) FROM recordings", [], |r| r.get(0))
            .unwrap()
    };
    let (s, b) = upload(
        &server,
        &phone.ws_token,
        Some(&theirs),
        None,
        "a.mp3",
        mp3(4),
    )
    .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_eq!(rows(&server), 1, "nothing stored for another user's call");
    assert_eq!(
        detail(&server, &peer.token, &theirs).await["hasRecording"],
        false
    );
}
