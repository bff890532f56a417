//! The power dialer and pacing with incoming calls and with the shipped app's pace (issue 29):
//! a phone on an incoming call is on a call (a click is refused, a session waits and goes on
//! once it ends), the next automatic dial never reaches the app inside its end-and-form
//! exchange, and a dial the phone took up and then lost ends by a timeout instead of holding
//! the session for ever.

use std::time::Duration;

use crate::campaigns_dialer::{Answer, list_for, play, session_of, set_pacing, start_session};
use crate::common;

use common::dialing::{Dialect, dial, online_phone};
use common::phone::TestPhone;
use common::{TestServer, TestUser, assert_error};
use serde_json::json;

/// No pace at all: no gap, no caps, no quiet hours.
fn no_pace() -> serde_json::Value {
    json!({"minGapSeconds": 0, "maxPerHour": 0, "maxPerDay": 0, "quietHours": []})
}

#[tokio::test]
async fn a_phone_on_an_incoming_call_is_on_a_call_for_every_dial() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &sales, Dialect::Shipped).await;
    set_pacing(&server, no_pace()).await;
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/incoming",
            &phone.ws_token,
            json!({"callerNumber": "13700137000"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let ring = b["data"]["callId"].as_str().unwrap().to_string();
    // a click is refused even with no gap set
    let (s, b) = dial(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138000"}),
    )
    .await;
    assert_error(s, &b, 429, "PACING_LIMITED");
    assert_eq!(b["rule"], "on_call", "{b}");
    // a session waits on it
    let campaign = list_for(
        &server,
        &["13900001111".to_string()],
        json!({"wrapUpSeconds": 0}),
        &[&sales],
    )
    .await;
    start_session(&server, &campaign, &sales).await;
    assert!(
        common::eventually_async(|| async {
            session_of(&server, &sales).await["waitReason"] == "on_call"
        })
        .await,
        "{}",
        session_of(&server, &sales).await
    );
    assert_eq!(common::dialing::call_count(&server), 1, "only the ring");
    // the salesperson hangs up: the session goes on and dials the list's number
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/status",
            &phone.ws_token,
            json!({"callId": "", "status": "ended", "phoneNumber": "13700137000"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let command = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(command["data"]["phoneNumber"], "13900001111");
    assert_ne!(command["data"]["callId"], json!(ring));
    server.stop().await;
}

/// A salesperson working a list of two numbers at no pace; the first one's DIAL_COMMAND came.
async fn two_number_session(server: &TestServer) -> (TestUser, TestPhone, String) {
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(server, &sales, Dialect::Shipped).await;
    set_pacing(server, no_pace()).await;
    let numbers = vec!["13900001111".to_string(), "13900002222".to_string()];
    let campaign = list_for(server, &numbers, json!({"wrapUpSeconds": 0}), &[&sales]).await;
    start_session(server, &campaign, &sales).await;
    let first = phone.recv_type("DIAL_COMMAND").await;
    let id = first["data"]["callId"].as_str().unwrap().to_string();
    (sales, phone, id)
}

#[tokio::test]
async fn the_next_dial_waits_for_the_apps_form_to_settle() {
    let server = TestServer::start().await;
    let (sales, mut phone, id) = two_number_session(&server).await;
    play(
        &server,
        &sales,
        &mut phone,
        Dialect::Shipped,
        &id,
        Answer::Talk,
    )
    .await;
    // a 0 s gap and a 0 s wrap-up, yet nothing comes while the app closes its form
    let early = tokio::time::timeout(Duration::from_millis(1500), phone.recv_type("DIAL_COMMAND"));
    assert!(
        early.await.is_err(),
        "a dial reached the app inside its form"
    );
    let s = session_of(&server, &sales).await;
    assert_eq!(s["waitReason"], "wrap_up", "{s}");
    // a few seconds on, it comes
    server.clock.advance(Duration::from_secs(3));
    let second = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(second["data"]["phoneNumber"], "13900002222");
    server.stop().await;
}

#[tokio::test]
async fn a_dial_the_phone_lost_ends_and_the_session_goes_on() {
    let server = TestServer::start().await;
    let (sales, mut phone, id) = two_number_session(&server).await;
    // the app says `dialing` and then nothing: it erased the call
    phone
        .send(json!({"type": "CALL_STATUS", "messageId": "d1",
                     "data": {"callId": id, "status": "dialing"}}))
        .await;
    assert_eq!(phone.recv_reply("d1").await["type"], "ACK");
    server.clock.advance(Duration::from_secs(9 * 60));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let call = common::calls::detail(&server, &sales.token, &id).await;
    assert_eq!(
        call["callStatus"], "calling",
        "a ring still in time: {call}"
    );
    server.clock.advance(Duration::from_secs(61));
    assert!(
        common::eventually_async(|| async {
            common::calls::detail(&server, &sales.token, &id).await["callStatus"] == "failed"
        })
        .await
    );
    assert_eq!(
        common::dialing::end_reason(&server, &id).as_deref(),
        Some("no_report")
    );
    // the session goes on after the settling time
    server.clock.advance(Duration::from_secs(4));
    let second = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(second["data"]["phoneNumber"], "13900002222");
    server.stop().await;
}
