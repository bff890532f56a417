//! Incoming calls in 2.4.0's dialect (contract §14, issue 29's table), each over a real server
//! and real sockets: caller ID on the socket with its HTTP fallback as one call, the page's
//! 来电弹屏 event, states by number with an empty `callId`, ends under the app's `IN-local-…`
//! id becoming an alias (follow-up and recording land on the call), a number found after the
//! call, an end report with no ring before it, and the rings nobody reported on again.

use crate::common;

use common::audio;
use common::calls::{assert_rollup_consistent, customer, detail};
use common::phone::{AdminFeed, TestPhone};
use common::{TestServer, assert_error};
use serde_json::{Value, json};

const NUMBER: &str = "13800138000";

fn iso(ms_ago: i64) -> String {
    let at = chrono::Utc::now() - chrono::Duration::milliseconds(ms_ago);
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The phone rings with `number` (as the app sends it): INCOMING_CALL_CONFIRMED's data.
async fn ring(phone: &mut TestPhone, id: &str, number: &str) -> Value {
    phone
        .send(
            json!({"type": "INCOMING_CALL_DETECTED", "messageId": id, "timestamp": 0,
                     "data": {"callerNumber": number, "deviceId": phone.device_id}}),
        )
        .await;
    let confirmed = phone.recv_type("INCOMING_CALL_CONFIRMED").await;
    assert_eq!(phone.recv_reply(id).await["type"], "ACK");
    confirmed["data"].clone()
}

fn inbound_count(server: &TestServer) -> i64 {
    server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM call_records WHERE call_type = 'inbound'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn caller_id_on_the_socket_and_its_http_fallback_are_one_call() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let known = customer(&server, "王五", NUMBER).await;
    let mut feed = AdminFeed::connect(&server, &server.admin_token).await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;

    let confirmed = ring(&mut phone, "m1", "+86 138-0013-8000").await;
    let call_id = confirmed["callId"].as_str().unwrap().to_string();
    assert_eq!(confirmed["customerName"], "王五", "{confirmed}");
    assert_eq!(confirmed["customerId"], json!(known));
    assert_eq!(confirmed["isNewCustomer"], false);
    // the page hears of the ring with the customer's card
    let event = loop {
        let e = feed.recv().await;
        if e["type"] == "INCOMING_CALL" {
            break e;
        }
    };
    assert_eq!(event["data"]["callId"], json!(call_id));
    assert_eq!(event["data"]["customer"]["name"], "王五", "{event}");
    assert_eq!(event["data"]["callerNumberMasked"], "138****8000");
    // 3 s later the app's HTTP fallback: the same call
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/incoming",
            &phone.ws_token,
            json!({"callerNumber": NUMBER, "timestamp": iso(0)}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["callId"], json!(call_id), "{b}");
    assert_eq!(b["data"]["customerLevel"], "normal");
    let call = detail(&server, &user.token, &call_id).await;
    assert_eq!(
        (&call["callType"], &call["callStatus"]),
        (&json!("inbound"), &json!("ringing")),
        "{call}"
    );
    assert_eq!(inbound_count(&server), 1);

    // other rings: a number no customer has, and none at all
    let (_, b) = server
        .post(
            "/api/v1/mobile/call/incoming",
            &user.token,
            json!({"callerNumber": "13900139000"}),
        )
        .await;
    assert_eq!(b["data"]["customerName"], "新客户", "{b}");
    assert_eq!(b["data"]["customerId"], json!(null));
    let unknown = ring(&mut phone, "m2", "未知来电").await;
    assert_eq!(unknown["customerName"], "未知来电");
    assert_eq!(inbound_count(&server), 3);
    // after 120 s a ring of the same number is another call
    server.clock.advance(std::time::Duration::from_secs(121));
    let later = ring(&mut phone, "m3", NUMBER).await;
    assert_ne!(later["callId"], json!(call_id));
    // bad input: a number of the wrong type
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/incoming",
            &user.token,
            json!({"callerNumber": 138}),
        )
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    assert_rollup_consistent(&server);
    server.stop().await;
}

#[tokio::test]
async fn an_incoming_call_from_ring_to_follow_up_under_the_apps_id() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    customer(&server, "王五", NUMBER).await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;
    let call_id = ring(&mut phone, "r1", NUMBER).await["callId"]
        .as_str()
        .unwrap()
        .to_string();

    // answered: reported by number on the socket, with a blank id
    phone
        .send(json!({"type": "CALL_STATUS", "messageId": "s1",
                     "data": {"callId": "", "status": "connected", "callType": "inbound",
                              "phoneNumber": NUMBER, "timestamp": iso(0)}}))
        .await;
    assert_eq!(phone.recv_reply("s1").await["type"], "ACK");
    let call = detail(&server, &user.token, &call_id).await;
    assert_eq!(call["callStatus"], "connected", "{call}");
    // hung up: over HTTP, by number
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/status",
            &phone.ws_token,
            json!({"callId": "", "status": "ended", "phoneNumber": NUMBER, "timestamp": iso(0)}),
        )
        .await;
    assert_eq!((s, &b["data"]), (200, &json!(null)), "{b}");
    assert_eq!(
        detail(&server, &user.token, &call_id).await["callStatus"],
        "connected"
    );
    // the end report under the app's own id answers DialBox's
    let end = json!({"callId": "IN-local-1767323700000", "status": "connected", "duration": 42,
                     "hasRecording": true, "endTime": iso(0), "startTime": iso(45_000),
                     "phoneNumber": NUMBER, "callType": "inbound", "endReason": "system_hangup"});
    let (s, b) = server
        .post("/api/v1/mobile/call/end", &phone.ws_token, end.clone())
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["callId"], json!(call_id), "{b}");
    // the same end on the socket, resent: still that call
    phone
        .send(json!({"type": "CALL_ENDED", "messageId": "e1", "data": end}))
        .await;
    assert_eq!(phone.recv_reply("e1").await["type"], "ACK");
    let call = detail(&server, &user.token, &call_id).await;
    assert_eq!(
        (&call["duration"], &call["callStatus"]),
        (&json!(42), &json!("connected"))
    );

    // the follow-up form and the recording come under the app's id
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/followup",
            &phone.ws_token,
            json!({"callId": "IN-local-1767323700000", "notes": "来电询价", "tags": ["回访"],
                   "intention": "high"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = audio::upload(
        &server,
        &phone.ws_token,
        Some("IN-local-1767323700000"),
        None,
        "a.mp3",
        audio::mp3(20),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["callId"], json!(call_id));
    let call = detail(&server, &user.token, &call_id).await;
    assert_eq!(call["notes"], "来电询价", "{call}");
    assert_eq!(call["hasRecording"], true);
    assert_eq!(inbound_count(&server), 1);
    // another user's app cannot use the alias
    let other = server.create_user("sales_b", "sales_staff", "一部").await;
    let other_phone = TestPhone::bind_shipped(&server, &other).await;
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/followup",
            &other_phone.ws_token,
            json!({"callId": "IN-local-1767323700000", "notes": "x"}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_rollup_consistent(&server);
    server.stop().await;
}

#[tokio::test]
async fn a_number_found_after_the_call_names_it_without_a_second_call() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let known = customer(&server, "王五", NUMBER).await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;
    let call_id = ring(&mut phone, "r1", "未知来电").await["callId"]
        .as_str()
        .unwrap()
        .to_string();
    let hang_up = json!({"callId": "IN-local-5", "status": "missed", "duration": 0,
                         "endTime": iso(0), "phoneNumber": "未知来电", "callType": "inbound",
                         "endReason": "system_hangup"});
    phone
        .send(json!({"type": "CALL_ENDED", "messageId": "e1", "data": hang_up}))
        .await;
    assert_eq!(phone.recv_reply("e1").await["type"], "ACK");
    let call = detail(&server, &user.token, &call_id).await;
    assert_eq!(
        (&call["callStatus"], &call["customerPhone"]),
        (&json!("missed"), &json!(""))
    );
    // the app found the number in the call log
    phone
        .send(json!({"type": "CALL_ENDED", "messageId": "e2",
                     "data": {"callId": "IN-local-5", "status": "missed", "endTime": iso(0),
                              "phoneNumber": NUMBER, "callType": "inbound",
                              "endReason": "number_updated"}}))
        .await;
    assert_eq!(phone.recv_reply("e2").await["type"], "ACK");
    let call = detail(&server, &user.token, &call_id).await;
    assert_eq!(call["customerId"], json!(known), "{call}");
    assert_eq!(call["customerName"], "王五");
    assert_eq!(call["callStatus"], "missed");
    assert_eq!(inbound_count(&server), 1);
    server.stop().await;
}

#[tokio::test]
async fn an_end_report_with_no_ring_before_it_makes_the_inbound_call() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let phone = TestPhone::bind_shipped(&server, &user).await;
    let end = json!({"callId": "IN-local-77", "status": "connected", "duration": 30,
                     "endTime": iso(0), "phoneNumber": "139 0013 9000", "callType": "inbound"});
    let (s, b) = server
        .post("/api/v1/mobile/call/end", &phone.ws_token, end.clone())
        .await;
    assert_eq!(s, 200, "{b}");
    let call_id = b["data"]["callId"].as_str().unwrap().to_string();
    assert!(call_id.starts_with("call_"), "{b}");
    let call = detail(&server, &user.token, &call_id).await;
    assert_eq!(
        (&call["callType"], &call["callStatus"], &call["duration"]),
        (&json!("inbound"), &json!("connected"), &json!(30)),
        "{call}"
    );
    assert_eq!(call["customerPhone"], "13900139000");
    // the report again: the same call
    let (_, again) = server
        .post("/api/v1/mobile/call/end", &phone.ws_token, end)
        .await;
    assert_eq!(again["data"]["callId"], json!(call_id));
    assert_eq!(inbound_count(&server), 1);
    // an id DialBox never issued that is no app id of an inbound call stays unknown
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/end",
            &phone.ws_token,
            json!({"callId": "call_20990101_0001", "status": "connected"}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_rollup_consistent(&server);
    server.stop().await;
}

#[tokio::test]
async fn a_ring_nobody_reports_on_again_ends_missed() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let phone = TestPhone::bind_shipped(&server, &user).await;
    let (_, b) = server
        .post(
            "/api/v1/mobile/call/incoming",
            &phone.ws_token,
            json!({"callerNumber": NUMBER}),
        )
        .await;
    let call_id = b["data"]["callId"].as_str().unwrap().to_string();
    server.clock.advance(std::time::Duration::from_secs(181));
    let ended = common::eventually_async(|| async {
        detail(&server, &user.token, &call_id).await["callStatus"] == "missed"
    })
    .await;
    assert!(ended, "the ring was not ended");
    server.stop().await;
}

#[tokio::test]
async fn the_office_name_is_the_apps_tenant_and_ping_is_a_heartbeat() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let login = |name: &'static str| {
        let server = &server;
        async move {
            let (s, b) = server
                .post(
                    "/api/v1/mobile/login",
                    "",
                    json!({"username": name, "password": common::USER_PASSWORD, "tenantCode": "T001",
                           "deviceInfo": {"appVersion": "2.4.0"}}),
                )
                .await;
            assert_eq!(s, 200, "{b}");
            b["data"]["user"]["tenantName"].clone()
        }
    };
    assert_eq!(login("sales_a").await, "DialBox");
    let (s, b) = server
        .put(
            "/api/v1/system/office",
            &server.admin_token,
            json!({"name": " 华东销售部 "}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(login("sales_a").await, "华东销售部");
    // only an admin names the office; a name must be given
    let (s, b) = server
        .put("/api/v1/system/office", &user.token, json!({"name": "x"}))
        .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, b) = server
        .put(
            "/api/v1/system/office",
            &server.admin_token,
            json!({"name": " "}),
        )
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    let (_, b) = server.get("/api/v1/system/office", &user.token).await;
    assert_eq!(b["data"]["name"], "华东销售部");

    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;
    phone.send(json!({"type": "ping", "messageId": "p1"})).await;
    assert_eq!(
        phone.recv_type("HEARTBEAT_ACK").await["type"],
        "HEARTBEAT_ACK"
    );
    server.stop().await;
}
