//! The phone's call reports over HTTP (§4.1, §4.2) driving the state machine of contract §6,
//! in the document's dialect (epoch-ms timestamps) and the shipped app's (ISO, `dialing`,
//! `ended`, `rejected` + reason, two end reports). Each call is a real dial from the PC to the
//! user's bound, online phone.

use crate::common;

use common::calls::{assert_rollup_consistent, detail};
use common::dialing::{Dialect, dialed_call, online_phone};
use common::phone::TestPhone;
use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

/// A server and a user whose phone, bound the `dialect`'s way, is online.
async fn setup(dialect: Dialect) -> (TestServer, TestUser, TestPhone) {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let phone = online_phone(&server, &user, dialect).await;
    (server, user, phone)
}

async fn status(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    server.post("/api/v1/mobile/call/status", token, body).await
}

async fn end(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    server.post("/api/v1/mobile/call/end", token, body).await
}

fn row(server: &TestServer, id: &str) -> (String, Option<String>, Option<String>, i64, i64, i64) {
    server
        .db()
        .query_row(
            "SELECT state, end_status, end_reason, duration, has_recording, updated_at
             FROM call_records WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap()
}

fn events(server: &TestServer, id: &str) -> Vec<String> {
    let conn = server.db();
    let mut stmt = conn
        .prepare("SELECT source || ':' || kind FROM call_events WHERE call_id = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([id], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn document_dialect_full_loop_repeat_and_late_status() {
    let (server, user, mut phone) = setup(Dialect::Document).await;
    let id = dialed_call(&server, &user, &mut phone).await;
    let t = &user.token;
    let ms = chrono::Utc::now().timestamp_millis();

    let (s, b) = status(
        &server,
        t,
        json!({"callId": id, "status": "ringing", "timestamp": ms}),
    )
    .await;
    assert_eq!((s, &b["success"]), (200, &json!(true)), "{b}");
    assert_eq!(detail(&server, t, &id).await["callStatus"], "ringing");
    let (s, _) = status(
        &server,
        t,
        json!({"callId": id, "status": "connected", "timestamp": ms + 5000}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(detail(&server, t, &id).await["callStatus"], "connected");

    // the phone's clock is believed inside the call: its end (`ms`, after the dial) is kept
    let iso = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let report = json!({
        "callId": id, "status": "connected",
        "startTime": iso(ms - 180_000), "endTime": iso(ms),
        "duration": 180, "hasRecording": true,
    });
    let (s, b) = end(&server, t, report.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["callId"], json!(id));
    assert_eq!(
        b["data"]["recordingUploadUrl"],
        json!(format!("{}/api/v1/mobile/recording/upload", server.base))
    );
    let d = detail(&server, t, &id).await;
    assert_eq!(d["callStatus"], "connected");
    assert_eq!(d["duration"], 180);
    assert_eq!(d["endTime"], json!(iso(ms)));
    assert_eq!(d["hasRecording"], true);

    // the same report again: success, nothing changes
    let before = row(&server, &id);
    let (s, _) = end(&server, t, report).await;
    assert_eq!(s, 200);
    assert_eq!(row(&server, &id), before);
    // a status after the end: acknowledged and ignored
    let (s, _) = status(
        &server,
        t,
        json!({"callId": id, "status": "ringing", "timestamp": ms}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(row(&server, &id), before);

    assert_eq!(
        events(&server, &id),
        [
            "pc:dial",
            "http:status",
            "http:status",
            "http:end",
            "http:end",
            "http:status"
        ]
    );
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn shipped_app_dialect_two_end_reports_correct_the_first() {
    let (server, user, mut phone) = setup(Dialect::Shipped).await;
    let id = dialed_call(&server, &user, &mut phone).await;
    let t = &user.token;
    let iso = "2026-01-05T09:00:00+08:00";
    for st in ["dialing", "connected", "ended"] {
        let (s, b) = status(
            &server,
            t,
            json!({"callId": id, "status": st, "timestamp": iso}),
        )
        .await;
        assert_eq!(s, 200, "{st}: {b}");
    }
    assert_eq!(detail(&server, t, &id).await["callStatus"], "connected");
    // at hang-up: a guess from the time off-hook
    let (s, _) = end(
        &server,
        t,
        json!({
            "callId": id, "status": "connected", "duration": 25, "hasRecording": true,
            "startTime": "2026-01-05T09:00:00+08:00", "endTime": "2026-01-05T09:00:25+08:00",
            "endReason": "system_hangup", "deviceId": phone.device_id,
        }),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(detail(&server, t, &id).await["duration"], 25);
    // the salesperson's confirmation: nobody answered
    let (s, b) = end(
        &server,
        t,
        json!({
            "callId": id, "status": "missed", "duration": 0, "hasRecording": false,
            "endTime": "2026-01-05T09:00:25+08:00", "endReason": "user_submit",
        }),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let d = detail(&server, t, &id).await;
    assert_eq!(d["callStatus"], "missed");
    assert_eq!(d["duration"], 0);
    assert_eq!(
        d["hasRecording"], true,
        "hasRecording never goes back to false"
    );
    let (state, end_status, reason, ..) = row(&server, &id);
    assert_eq!(
        (state.as_str(), end_status.as_deref(), reason.as_deref()),
        ("ended", Some("missed"), Some("user_submit"))
    );
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn rejected_and_missed_status_reports_end_the_call() {
    let (server, user, mut phone) = setup(Dialect::Shipped).await;
    let t = &user.token;
    let busy = dialed_call(&server, &user, &mut phone).await;
    let (s, _) = status(
        &server,
        t,
        json!({"callId": busy, "status": "rejected", "reason": "busy",
        "timestamp": "2026-01-05T01:00:00Z"}),
    )
    .await;
    assert_eq!(s, 200);
    let (state, end_status, reason, duration, ..) = row(&server, &busy);
    assert_eq!(
        (
            state.as_str(),
            end_status.as_deref(),
            reason.as_deref(),
            duration
        ),
        ("ended", Some("rejected"), Some("busy"), 0)
    );
    let missed = dialed_call(&server, &user, &mut phone).await;
    status(&server, t, json!({"callId": missed, "status": "ringing"})).await;
    let (s, _) = status(&server, t, json!({"callId": missed, "status": "missed"})).await;
    assert_eq!(s, 200);
    assert_eq!(detail(&server, t, &missed).await["callStatus"], "missed");
    // an end after a cancel is still recorded: the phone may have dialed anyway
    let canceled = dialed_call(&server, &user, &mut phone).await;
    let (s, b) = server
        .post(&format!("/api/v1/calls/{canceled}/cancel"), t, json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["callStatus"], "canceled");
    let (s, _) = end(
        &server,
        t,
        json!({"callId": canceled, "status": "connected", "duration": 40}),
    )
    .await;
    assert_eq!(s, 200);
    let d = detail(&server, t, &canceled).await;
    assert_eq!(
        (d["callStatus"].clone(), d["duration"].clone()),
        (json!("connected"), json!(40))
    );
    assert_rollup_consistent(&server);
}

#[tokio::test]
async fn another_users_call_is_404_and_bad_reports_change_nothing() {
    let (server, user, mut phone) = setup(Dialect::Document).await;
    let id = dialed_call(&server, &user, &mut phone).await;
    let other = server.create_user("sales_b", "sales_staff", "一部").await;
    let manager = server.create_user("boss", "manager", "一部").await;
    for token in [&other.token, &manager.token, &server.admin_token] {
        let (s, b) = status(&server, token, json!({"callId": id, "status": "ringing"})).await;
        assert_error(s, &b, 404, "NOT_FOUND");
        let (s, b) = end(&server, token, json!({"callId": id, "status": "connected"})).await;
        assert_error(s, &b, 404, "NOT_FOUND");
    }
    let (s, b) = end(
        &server,
        &user.token,
        json!({"callId": "call_20250101_nope", "status": "missed"}),
    )
    .await;
    assert_error(s, &b, 404, "NOT_FOUND");

    let before = row(&server, &id);
    let bad = [
        json!({"status": "ringing"}),
        json!({"callId": id, "status": "talking"}),
        json!({"callId": id, "status": "ringing", "timestamp": "yesterday"}),
        json!({"callId": id, "status": "ringing", "timestamp": true}),
        json!({"callId": 5, "status": "ringing"}),
    ];
    for body in bad {
        let (s, b) = status(&server, &user.token, body.clone()).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    for body in [
        json!({"callId": id, "status": "ended"}),
        json!({"callId": id, "status": "connected", "duration": -1}),
        json!({"callId": id, "status": "connected", "duration": "long"}),
        json!({"callId": id, "status": "connected", "endTime": "noon"}),
        json!({"callId": id}),
    ] {
        let (s, b) = end(&server, &user.token, body).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let resp = server
        .client
        .post(server.url("/api/v1/mobile/call/end"))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body("{\"callId\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let (s, b) = server
        .call(
            reqwest::Method::POST,
            "/api/v1/mobile/call/end",
            None,
            Some(json!({"callId": id, "status": "missed"})),
        )
        .await;
    assert_error(s, &b, 401, "AUTH_FAILED");
    assert_eq!(row(&server, &id), before);
    assert_eq!(
        events(&server, &id),
        ["pc:dial"],
        "refused reports leave no history"
    );
}

#[tokio::test]
async fn a_wrong_phone_clock_and_a_decimal_duration_are_taken_sensibly() {
    let (server, user, mut phone) = setup(Dialect::Document).await;
    let t = &user.token;

    // the document's own example timestamp (2023) from a phone whose clock is years off: the
    // call is connected now, so the PC's end gives a duration of seconds, not of years
    let id = dialed_call(&server, &user, &mut phone).await;
    let (s, b) = status(
        &server,
        t,
        json!({"callId": id, "status": "connected", "timestamp": 1703491200000i64}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = server
        .put(&format!("/api/v1/calls/records/{id}/end"), t, json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
    let d = detail(&server, t, &id).await;
    assert!(d["duration"].as_i64().unwrap() < 60, "{d}");

    // §4.2 over HTTP takes what the socket takes: a decimal duration, `reason` for the end
    // reason, and an end time before the call began is not believed
    let id = dialed_call(&server, &user, &mut phone).await;
    let (s, b) = end(
        &server,
        t,
        json!({"callId": id, "status": "connected", "duration": 180.4, "reason": "hangup",
               "endTime": "2025-12-25T10:33:00Z"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let d = detail(&server, t, &id).await;
    assert_eq!(d["duration"], 180);
    assert!(
        d["endTime"].as_str().unwrap() >= d["startTime"].as_str().unwrap(),
        "{d}"
    );
    assert_eq!(row(&server, &id).2.as_deref(), Some("hangup"));
    assert_rollup_consistent(&server);
    server.stop().await;
}
