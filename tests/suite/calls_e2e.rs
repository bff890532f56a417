//! Calls end to end over the real phone socket (issue 4): the PC dials, the phone gets
//! DIAL_COMMAND, reports ringing → connected → end over HTTP and over the socket in both
//! dialects, the call detail follows each step and /ws/admin shows each state to those allowed
//! to see it; resends; the shipped app's two end reports and its follow-up.

use crate::common;

use common::calls::{assert_rollup_consistent, customer, detail};
use common::dialing::{
    Channel, Dialect, Reporter, call_states, dial_number, dial_to, online_phone, time, wait_status,
};
use common::phone::{AdminFeed, chrono_ms, next_id};
use common::{TestServer, assert_error};
use serde_json::{Value, json};

/// One whole call in `channel` and `dialect`, checked step by step.
async fn full_loop(channel: Channel, dialect: Dialect) {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let boss = server.create_user("boss1", "manager", "一部").await;
    let other = server.create_user("sales_c", "sales_staff", "二部").await;
    let other_boss = server.create_user("boss2", "manager", "二部").await;
    let mut watcher = AdminFeed::connect(&server, &boss.token).await;
    let mut outsider = AdminFeed::connect(&server, &other_boss.token).await;
    let mut phone = online_phone(&server, &user, dialect).await;
    let mut other_phone = online_phone(&server, &other, dialect).await;
    let t = user.token.clone();

    let (id, command) = dial_to(
        &server,
        &user,
        &mut phone,
        json!({"customerPhone": "+86 138-0013-8000", "customerName": "张三", "notes": "咨询"}),
    )
    .await;
    assert_eq!(command["data"]["customerPhone"], "13800138000");
    assert_eq!(
        command["data"]["phoneNumber"], command["data"]["customerPhone"],
        "the shipped app dials phoneNumber (§13)"
    );
    assert!(command["messageId"].is_string() && command["timestamp"].is_i64());
    let d = detail(&server, &t, &id).await;
    assert_eq!(
        (&d["callStatus"], &d["callType"], &d["customerName"]),
        (&json!("calling"), &json!("outbound"), &json!("张三"))
    );

    let mut phone_side = Reporter::new(&server, &user, &mut phone, channel, dialect);
    if dialect == Dialect::Shipped {
        // the app says it started dialing, and heartbeats with a messageId
        let (s, b) = phone_side.status(&id, "dialing", json!({})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(detail(&server, &t, &id).await["callStatus"], "calling");
        let beat = next_id();
        phone_side
            .phone
            .send(json!({"type": "HEARTBEAT", "messageId": beat, "timestamp": time(dialect, chrono_ms())}))
            .await;
        phone_side.phone.recv_type("HEARTBEAT_ACK").await;
        assert_eq!(phone_side.phone.recv_reply(&beat).await["type"], "ACK");
    }
    for step in ["ringing", "connected"] {
        let (s, b) = phone_side.status(&id, step, json!({})).await;
        assert_eq!(s, 200, "{step}: {b}");
        assert_eq!(detail(&server, &t, &id).await["callStatus"], step);
    }
    let end_ms = chrono_ms();
    let start_ms = end_ms - 180_000;
    let mut end = json!({
        "callId": id, "status": "connected", "duration": 180, "hasRecording": false,
        "startTime": time(dialect, start_ms), "endTime": time(dialect, end_ms),
    });
    if dialect == Dialect::Shipped {
        end["endReason"] = json!("system_hangup");
    }
    let (s, b) = phone_side.end(&next_id(), end).await;
    assert_eq!(s, 200, "{b}");
    if channel == Channel::Http {
        assert_eq!(b["data"]["callId"], id.as_str());
        assert_eq!(
            b["data"]["recordingUploadUrl"],
            format!("{}/api/v1/mobile/recording/upload", server.base),
            "absolute, on the public URL"
        );
    }
    let d = detail(&server, &t, &id).await;
    assert_eq!(
        (&d["callStatus"], &d["duration"]),
        (&json!("connected"), &json!(180))
    );
    assert_eq!(d["endTime"], dialbox::times::iso_ms(end_ms));
    assert_eq!(d["notes"], "咨询");

    // the department's manager saw every state, in order, without the number
    let states = call_states(&mut watcher, &id, "ended").await;
    let names: Vec<&str> = states
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["calling", "ringing", "connected", "ended"],
        "{states:?}"
    );
    assert_eq!(states[3]["status"], "connected");
    assert!(states.iter().all(|s| s.get("customerPhone").is_none()));
    // the other department's manager: nothing about this call before its own user's call
    let (other_id, _) = dial_number(&server, &other, &mut other_phone, "13900001111").await;
    loop {
        let event = outsider.recv().await;
        assert_ne!(event["data"]["callId"], id.as_str(), "leaked: {event}");
        assert_ne!(event["data"]["userId"], user.id.as_str(), "leaked: {event}");
        if event["type"] == "CALL_STATE" && event["data"]["callId"] == other_id.as_str() {
            break;
        }
    }
    // and the call is 404 to that department
    let (s, b) = server
        .get(&format!("/api/v1/mobile/call/{id}"), &other_boss.token)
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn full_loop_over_http_in_the_document_dialect() {
    full_loop(Channel::Http, Dialect::Document).await;
}

#[tokio::test]
async fn full_loop_over_http_in_the_shipped_dialect() {
    full_loop(Channel::Http, Dialect::Shipped).await;
}

#[tokio::test]
async fn full_loop_over_the_socket_in_the_document_dialect() {
    full_loop(Channel::Socket, Dialect::Document).await;
}

#[tokio::test]
async fn full_loop_over_the_socket_in_the_shipped_dialect() {
    full_loop(Channel::Socket, Dialect::Shipped).await;
}

fn updated_at(server: &TestServer, id: &str) -> i64 {
    server
        .db()
        .query_row(
            "SELECT updated_at FROM call_records WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

fn end_events(server: &TestServer, id: &str) -> i64 {
    server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM call_events WHERE call_id = ?1 AND kind = 'end'",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn a_resent_end_is_acked_again_and_applied_once() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Document).await;
    let (id, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    let end = json!({"callId": id, "status": "connected", "duration": 60});
    let mut socket = Reporter::socket(&server, &user, &mut phone, Dialect::Document);
    socket.status(&id, "connected", json!({})).await;
    let once = next_id();
    let (s, b) = socket.end(&once, end.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(end_events(&server, &id), 1);
    // a correction over HTTP, then the socket's first end resent: acked, but not applied again
    // (applied, it would undo the correction)
    let fix = json!({"callId": id, "status": "busy", "duration": 0});
    let (s, b) = server
        .post("/api/v1/mobile/call/end", &phone.ws_token, fix.clone())
        .await;
    assert_eq!(s, 200, "{b}");
    let mut socket = Reporter::socket(&server, &user, &mut phone, Dialect::Document);
    let (s, b) = socket.end(&once, end).await;
    assert_eq!((s, &b["data"]["messageId"]), (200, &json!(once)), "{b}");
    assert_eq!(end_events(&server, &id), 2, "the resend is not applied");
    let d = detail(&server, &user.token, &id).await;
    assert_eq!(
        (&d["callStatus"], &d["duration"]),
        (&json!("busy"), &json!(0))
    );

    // the same HTTP report twice: the second is a success that changes nothing
    let before = updated_at(&server, &id);
    let (s, b) = server
        .post("/api/v1/mobile/call/end", &phone.ws_token, fix)
        .await;
    assert_eq!((s, &b["success"]), (200, &json!(true)), "{b}");
    assert_eq!(updated_at(&server, &id), before);
    assert_eq!(detail(&server, &user.token, &id).await, d);
    assert_rollup_consistent(&server);
}

/// The shipped app's end, sent the way it does: over the socket and over HTTP §4.2.
async fn shipped_end(r: &mut Reporter<'_>, server: &TestServer, token: &str, data: Value) {
    let (s, b) = r.end(&next_id(), data.clone()).await;
    assert_eq!(s, 200, "socket: {b}");
    let (s, b) = server.post("/api/v1/mobile/call/end", token, data).await;
    assert_eq!(s, 200, "http: {b}");
}

#[tokio::test]
async fn the_shipped_apps_correction_wins_and_its_follow_up_is_saved() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let cust = customer(&server, "王五", "13912345678").await;
    let mut phone = online_phone(&server, &user, Dialect::Shipped).await;
    let (id, command) = dial_to(&server, &user, &mut phone, json!({"customerId": cust})).await;
    assert_eq!(command["data"]["phoneNumber"], "13912345678");
    assert_eq!(command["data"]["customerId"], cust.as_str());
    let mut app = Reporter::socket(&server, &user, &mut phone, Dialect::Shipped);
    for step in ["dialing", "ringing", "connected", "ended"] {
        let (s, b) = app.status(&id, step, json!({})).await;
        assert_eq!(s, 200, "{step}: {b}");
    }
    let now = chrono_ms();
    // at hang-up: a guess from the time off-hook
    let hang_up = json!({"callId": id, "status": "connected", "duration": 7,
        "startTime": time(Dialect::Shipped, now - 7_000), "endTime": time(Dialect::Shipped, now),
        "endReason": "system_hangup"});
    shipped_end(&mut app, &server, &user.token, hang_up).await;
    let d = detail(&server, &user.token, &id).await;
    assert_eq!(
        (&d["callStatus"], &d["duration"]),
        (&json!("connected"), &json!(7))
    );
    // the salesperson says nobody answered: duration 0, another status
    let submit = json!({"callId": id, "status": "missed", "duration": 0,
        "endTime": time(Dialect::Shipped, now), "endReason": "user_submit"});
    shipped_end(&mut app, &server, &user.token, submit).await;
    let d = detail(&server, &user.token, &id).await;
    assert_eq!(
        (&d["callStatus"], &d["duration"]),
        (&json!("missed"), &json!(0))
    );
    assert_eq!(
        common::dialing::end_reason(&server, &id).as_deref(),
        Some("user_submit")
    );

    // then its follow-up (§5.1), which it only sends once the correction was accepted
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/followup",
            &user.token,
            json!({"callId": id, "notes": "明天再打", "tags": ["再联系", "意向"],
                "intention": "medium", "followUpRequired": true,
                "nextFollowUpDate": "2025-12-28T09:00:00Z", "customerId": cust}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["synced"], true);
    let d = wait_status(&server, &user.token, &id, "missed").await;
    assert_eq!(d["notes"], "明天再打");
    assert_eq!(d["callTags"], json!(["再联系", "意向"]));
    assert_eq!(d["followStatus"], "considering");
    let tags = d["customerTags"].as_array().unwrap();
    assert!(
        tags.contains(&json!("再联系")) && tags.contains(&json!("意向")),
        "{d}"
    );
    let records = d["followUpRecords"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{d}");
    assert_eq!(records[0]["content"], "明天再打\n标签: 再联系, 意向");
    assert_eq!(records[0]["intention"], "medium");
    assert_eq!(records[0]["nextFollowUpDate"], "2025-12-28T09:00:00.000Z");
    let (s, b) = server
        .get(
            &format!("/api/v1/calls/followups?customerId={cust}"),
            &user.token,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let row = &b["data"]["records"][0];
    assert_eq!(
        (
            &row["callId"],
            &row["type"],
            &row["priority"],
            &row["status"]
        ),
        (
            &json!(id),
            &json!("call"),
            &json!("medium"),
            &json!("pending")
        ),
        "{b}"
    );
    let (s, b) = server
        .get("/api/v1/customers?keyword=13912345678", &server.admin_token)
        .await;
    assert_eq!(s, 200, "{b}");
    let c = &b["data"]["records"][0];
    assert_eq!(c["followStatus"], "considering", "{b}");
    assert_eq!(c["nextFollowTime"], "2025-12-28T09:00:00.000Z", "{b}");
    assert_rollup_consistent(&server);
}
