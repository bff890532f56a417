//! The pace per phone and the do-not-call list on every dial path (issue 16): a click (§5.0) is
//! refused with PACING_LIMITED naming the rule and when dialing is allowed again, the power
//! dialer waits for the same rule; a number on the 黑名单 is DO_NOT_CALL and never rings.

use crate::campaigns_dialer::{Answer, list_for, play, session_of, set_pacing, start_session};
use crate::common;

use common::dialing::{Dialect, dial, online_phone};
use common::{TestServer, assert_error};
use serde_json::json;

/// Quiet hours around now, in the office zone (Asia/Shanghai in the tests).
fn quiet_now() -> (String, chrono::DateTime<chrono_tz::Tz>) {
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let now = chrono::Utc::now().with_timezone(&tz);
    let from = now - chrono::Duration::minutes(5);
    let to = now + chrono::Duration::minutes(10);
    (
        format!("{}-{}", from.format("%H:%M"), to.format("%H:%M")),
        to,
    )
}

#[tokio::test]
async fn quiet_hours_refuse_a_click_and_hold_the_dialer() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &sales, Dialect::Document).await;
    let (window, ends) = quiet_now();
    set_pacing(&server, json!({"quietHours": [window]})).await;
    let (s, b) = dial(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138000"}),
    )
    .await;
    assert_error(s, &b, 429, "PACING_LIMITED");
    assert_eq!(b["rule"], "quiet_hours", "{b}");
    let retry = chrono::DateTime::parse_from_rfc3339(b["retryAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        retry.timestamp() / 60,
        ends.timestamp() / 60,
        "allowed again when the window ends: {b}"
    );
    assert!(b["message"].as_str().unwrap().contains("免打扰"), "{b}");
    assert_eq!(common::dialing::call_count(&server), 0, "nothing stored");

    // the dialer waits for the same rule, and says until when
    let campaign = list_for(&server, &["13900001111".to_string()], json!({}), &[&sales]).await;
    start_session(&server, &campaign, &sales).await;
    assert!(
        common::eventually_async(|| async {
            session_of(&server, &sales).await["waitReason"] == "quiet_hours"
        })
        .await
    );
    assert_eq!(common::dialing::call_count(&server), 0);
    // the office lifts it: the waiting session looks again at once and dials
    set_pacing(&server, json!({"quietHours": []})).await;
    let command = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(command["data"]["phoneNumber"], "13900001111");
    server.stop().await;
}

/// Issue 30, item 6: quiet hours hold the power dialer, but a person's own click may go ahead
/// once confirmed (免打扰时段，仍要拨打？) — unless the office chose that no dial goes out then.
#[tokio::test]
async fn a_click_in_quiet_hours_goes_once_confirmed_unless_the_office_says_no() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "一部").await;
    let mut phone_a = online_phone(&server, &a, Dialect::Document).await;
    let _phone_b = online_phone(&server, &b, Dialect::Shipped).await;
    let (window, _) = quiet_now();
    set_pacing(&server, json!({"quietHours": [window], "minGapSeconds": 0})).await;
    let number = json!({"customerPhone": "13800138000"});
    let (s, r) = dial(&server, &a.token, number.clone()).await;
    assert_error(s, &r, 429, "PACING_LIMITED");
    assert_eq!(
        (&r["rule"], &r["confirm"]),
        (&json!("quiet_hours"), &json!(true)),
        "{r}"
    );
    // confirmed: it dials
    let confirmed = json!({"customerPhone": "13800138000", "confirmQuietHours": true});
    let (s, r) = dial(&server, &a.token, confirmed.clone()).await;
    assert_eq!(s, 200, "{r}");
    phone_a.recv_type("DIAL_COMMAND").await;
    // a confirmation that is no boolean is refused, nothing dialed
    let (s, r) = dial(
        &server,
        &b.token,
        json!({"customerPhone": "13800138001", "confirmQuietHours": "yes"}),
    )
    .await;
    assert_error(s, &r, 400, "INVALID_PARAMS");
    // the office says 所有拨号: a confirmation changes nothing, and none is offered
    set_pacing(&server, json!({"quietHoursAllDials": true})).await;
    let (_, office) = server
        .get("/api/v1/system/pacing", &server.admin_token)
        .await;
    assert_eq!(
        office["data"]["pacing"]["quietHoursAllDials"], true,
        "{office}"
    );
    let (s, r) = dial(&server, &b.token, confirmed).await;
    assert_error(s, &r, 429, "PACING_LIMITED");
    assert!(r.get("confirm").is_none(), "{r}");
    assert_eq!(
        common::dialing::call_count(&server),
        1,
        "only the confirmed click"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_gap_and_the_hourly_cap_name_their_rule_and_time() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &sales, Dialect::Shipped).await;
    set_pacing(
        &server,
        json!({"minGapSeconds": 60, "maxPerHour": 2, "quietHours": []}),
    )
    .await;
    let (s, b) = dial(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138000"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = b["data"]["callId"].as_str().unwrap().to_string();
    phone.recv_type("DIAL_COMMAND").await;
    // on the line: no second dial on the same SIM
    let (s, b) = dial(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138001"}),
    )
    .await;
    assert_error(s, &b, 429, "PACING_LIMITED");
    assert_eq!(b["rule"], "on_call", "{b}");
    play(
        &server,
        &sales,
        &mut phone,
        Dialect::Shipped,
        &id,
        Answer::Talk,
    )
    .await;
    // just ended: the gap runs from the end
    let (s, b) = dial(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138001"}),
    )
    .await;
    assert_error(s, &b, 429, "PACING_LIMITED");
    assert_eq!(b["rule"], "min_gap", "{b}");
    assert!(b["message"].as_str().unwrap().contains("60秒"), "{b}");
    // without the gap, the cap of 2 an hour: a second dial goes, the third waits an hour
    set_pacing(&server, json!({"minGapSeconds": 0})).await;
    let (s, b) = dial(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138001"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let second = b["data"]["callId"].as_str().unwrap().to_string();
    phone.recv_type("DIAL_COMMAND").await;
    play(
        &server,
        &sales,
        &mut phone,
        Dialect::Shipped,
        &second,
        Answer::Talk,
    )
    .await;
    let (s, b) = dial(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138002"}),
    )
    .await;
    assert_error(s, &b, 429, "PACING_LIMITED");
    assert_eq!(b["rule"], "hourly_cap", "{b}");
    let first_start: i64 = server
        .db()
        .query_row(
            "SELECT MIN(start_time) FROM call_records WHERE phone_id = ?1",
            [phone.phone_id],
            |r| r.get(0),
        )
        .unwrap();
    let retry = chrono::DateTime::parse_from_rfc3339(b["retryAt"].as_str().unwrap()).unwrap();
    assert_eq!(retry.timestamp_millis(), first_start + 3_600_000, "{b}");
    server.stop().await;
}

#[tokio::test]
async fn a_number_on_the_do_not_call_list_never_rings() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &sales, Dialect::Document).await;
    let (s, b) = dial(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138000"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = b["data"]["callId"].as_str().unwrap().to_string();
    phone.recv_type("DIAL_COMMAND").await;
    // from the call's page: 客户要求不再来电 (the salesperson sees the call, not its number)
    let (s, b) = server
        .post(
            "/api/v1/do-not-call",
            &sales.token,
            json!({"callId": id, "reason": "客户要求不再来电"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["phone"], "138****8000", "masked for sales staff");
    for body in [
        json!({"customerPhone": "+86 138-0013-8000"}),
        json!({"customerPhone": "13800138000", "userId": sales.id}),
    ] {
        let (s, b) = dial(&server, &server.admin_token, body).await;
        assert_error(s, &b, 409, "DO_NOT_CALL");
    }
    // a list leaves it out when it is added
    let (s, made) = server
        .post(
            "/api/v1/campaigns",
            &server.admin_token,
            json!({"name": "回访", "items": [{"phone": "13800138000"}, {"phone": "13900139000"},
                {"phone": "139 0013 9000"}, {"phone": "abc"}]}),
        )
        .await;
    assert_eq!(s, 200, "{made}");
    let added = &made["data"]["added"];
    assert_eq!(added["added"], 1, "{added}");
    assert_eq!(added["doNotCall"][0]["phone"], "13800138000");
    assert_eq!(added["duplicates"][0]["phone"], "13900139000");
    assert_eq!(added["invalid"][0]["phone"], "abc");
    // a salesperson may not take it off; an admin may
    let (s, b) = server
        .delete("/api/v1/do-not-call/13800138000", &sales.token)
        .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, b) = server
        .delete("/api/v1/do-not-call/13800138000", &server.admin_token)
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = server
        .delete("/api/v1/do-not-call/13800138000", &server.admin_token)
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    server.stop().await;
}

#[tokio::test]
async fn the_office_pace_is_checked_and_only_an_admin_changes_it() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let (s, b) = server.get("/api/v1/system/pacing", &sales.token).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["data"]["defaults"]["maxPerHour"], 0,
        "the tests' server runs without pace"
    );
    let (s, b) = server
        .put(
            "/api/v1/system/pacing",
            &sales.token,
            json!({"maxPerHour": 10}),
        )
        .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    for (body, field) in [
        (json!({"minGapSeconds": -1}), "minGapSeconds"),
        (json!({"minGapSeconds": 4000}), "minGapSeconds"),
        (json!({"maxPerHour": 5000}), "maxPerHour"),
        (json!({"maxPerDay": 20000}), "maxPerDay"),
        (json!({"quietHours": ["25:00-09:00"]}), "quietHours"),
        (json!({"quietHours": ["12:00"]}), "quietHours"),
    ] {
        let (s, b) = server
            .put("/api/v1/system/pacing", &server.admin_token, body.clone())
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
        assert_eq!(b["field"], field, "{body}: {b}");
    }
    for body in [json!({"maxPerHour": "ten"}), json!({"other": 1})] {
        let (s, b) = server
            .put("/api/v1/system/pacing", &server.admin_token, body)
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let (_, b) = server.get("/api/v1/system/pacing", &sales.token).await;
    assert_eq!(b["data"]["pacing"]["maxPerHour"], 0, "nothing half-written");
    set_pacing(
        &server,
        json!({"minGapSeconds": 20, "quietHours": ["12:00-13:30", "20:00-09:00"], "quietWeekends": true}),
    )
    .await;
    // kept over a restart, and written in the audit log
    let server = server.restart_with(|_| {}).await;
    let (_, b) = server
        .get("/api/v1/system/pacing", &server.admin_token)
        .await;
    let p = &b["data"]["pacing"];
    assert_eq!(
        (&p["minGapSeconds"], &p["quietHours"], &p["quietWeekends"]),
        (
            &json!(20.0),
            &json!(["12:00-13:30", "20:00-09:00"]),
            &json!(true)
        )
    );
    let (_, audit) = server
        .get("/api/v1/audit?action=setting_change", &server.admin_token)
        .await;
    assert_eq!(audit["data"]["records"][0]["target"], "pacing", "{audit}");
    server.stop().await;
}
