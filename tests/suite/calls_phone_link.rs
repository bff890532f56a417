//! What reaches the phone and the PC feed, over a real server: phones bound through the bind
//! routes and online on their sockets, the department manager's `/ws/admin` feed. DIAL_COMMAND
//! with `phoneNumber` (§13), CANCEL_DIAL and DIAL_CANCEL, CALL_END from §5.9, the phone choice
//! (asked, else primary, else most recently active), and a CALL_STATE event for every transition.

use crate::common;

use common::calls::customer;
use common::dialing::{Dialect, Reporter, call_count, dial, dial_number, dial_to, online_phone};
use common::phone::{AdminFeed, TestPhone, chrono_ms, next_id};
use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

/// The next CALL_STATE event about `call_id` on `feed` (other events are skipped).
async fn call_event(feed: &mut AdminFeed, call_id: &str) -> Value {
    loop {
        let event = feed.recv().await;
        if event["type"] == "CALL_STATE" && event["data"]["callId"] == call_id {
            return event["data"].clone();
        }
    }
}

/// Dials as `user` and returns the call id (panics unless the dial is accepted).
async fn dial_ok(server: &TestServer, user: &TestUser, body: Value) -> String {
    let (status, answer) = dial(server, &user.token, body).await;
    assert_eq!(status, 200, "dial: {answer}");
    answer["data"]["callId"]
        .as_str()
        .expect("callId")
        .to_string()
}

/// A heartbeat and its ACK: a fence after which anything the server meant to push to `phone`
/// before it has arrived.
async fn fence(phone: &mut TestPhone) -> Vec<Value> {
    let id = next_id();
    phone
        .send(json!({"type": "HEARTBEAT", "messageId": id, "timestamp": chrono_ms()}))
        .await;
    let mut seen = Vec::new();
    loop {
        let msg = phone.recv().await;
        if msg["type"] == "ACK" && msg["data"]["messageId"] == id.as_str() {
            return seen;
        }
        if msg["type"] != "HEARTBEAT_ACK" {
            seen.push(msg);
        }
    }
}

#[tokio::test]
async fn dial_report_and_pc_end_reach_the_phone_and_the_feed() {
    let server = TestServer::start().await;
    let me = server.create_user("sales_a", "sales_staff", "一部").await;
    let boss = server.create_user("boss1", "manager", "一部").await;
    let mut feed = AdminFeed::connect(&server, &boss.token).await;
    let mut phone = online_phone(&server, &me, Dialect::Document).await;

    let body = json!({"customerPhone": "+86 138-0013-8000", "customerName": "张三",
                      "orderId": "order_001"});
    let (id, m) = dial_to(&server, &me, &mut phone, body).await;
    assert!(m["messageId"].as_str().unwrap().starts_with("msg_"), "{m}");
    assert!(m["timestamp"].as_i64().unwrap() > 1_700_000_000_000, "{m}");
    assert_eq!(
        m["data"],
        json!({"callId": id, "customerPhone": "13800138000", "phoneNumber": "13800138000",
               "customerName": "张三", "customerId": null, "orderId": "order_001"})
    );
    // the department's manager sees it, as the owner's call, without the number
    let e = call_event(&mut feed, &id).await;
    assert_eq!(
        (e["status"].clone(), e["userId"].clone()),
        (json!("calling"), json!(me.id))
    );
    assert!(
        e.get("customerPhone").is_none(),
        "the feed never carries the number"
    );

    let mut socket = Reporter::socket(&server, &me, &mut phone, Dialect::Document);
    for status in ["ringing", "connected"] {
        let (s, b) = socket.status(&id, status, json!({})).await;
        assert_eq!(s, 200, "{status}: {b}");
        assert_eq!(call_event(&mut feed, &id).await["status"], status);
    }
    // a repeat is acked, changes nothing and publishes nothing: the next event about the call
    // is the PC's end below
    let (s, b) = socket.status(&id, "connected", json!({})).await;
    assert_eq!(s, 200, "{b}");

    // the PC ends the live call: the phone is told, the feed sees it ended
    let path = format!("/api/v1/calls/records/{id}/end");
    let (s, b) = server.put(&path, &me.token, json!({"duration": 30})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (
            b["data"]["callStatus"].clone(),
            b["data"]["duration"].clone()
        ),
        (json!("connected"), json!(30))
    );
    let m = phone.recv().await;
    assert_eq!(
        (m["type"].clone(), m["data"]["callId"].clone()),
        (json!("CALL_END"), json!(id))
    );
    let e = call_event(&mut feed, &id).await;
    assert_eq!(
        (e["status"].clone(), e["state"].clone()),
        (json!("connected"), json!("ended"))
    );
    // correcting an ended call from the PC pushes nothing to the phone
    let (s, b) = server.put(&path, &me.token, json!({"duration": 31})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(fence(&mut phone).await, Vec::<Value>::new());
}

#[tokio::test]
async fn cancel_sends_both_names_and_the_phone_choice_follows_the_rules() {
    let server = TestServer::start().await;
    let me = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut feed = AdminFeed::connect(&server, &me.token).await;
    // bound first, so primary; offline for now
    let mut primary = TestPhone::bind_pc(&server, &me).await;
    let mut low = TestPhone::bind_pc(&server, &me).await;
    let mut high = TestPhone::bind_pc(&server, &me).await;
    // `high` (the larger id) comes online first, `low` a moment later: `low` is the most
    // recently active (waiting for the next millisecond keeps their times apart)
    high.connect_online().await;
    crate::common::next_millisecond().await;
    low.connect_online().await;

    // primary offline: the most recently active online phone
    let (call, _) = dial_to(
        &server,
        &me,
        &mut low,
        json!({"customerPhone": "13800138000", "customerName": "张三"}),
    )
    .await;
    assert_eq!(call_event(&mut feed, &call).await["status"], "calling");

    let (s, b) = server
        .post(
            &format!("/api/v1/calls/{call}/cancel"),
            &me.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (a, b) = (low.recv().await, low.recv().await);
    assert_eq!(
        (a["type"].clone(), b["type"].clone()),
        (json!("CANCEL_DIAL"), json!("DIAL_CANCEL"))
    );
    assert_eq!(a["data"], b["data"]);
    assert_eq!(a["data"]["callId"], json!(call));
    assert_ne!(a["messageId"], b["messageId"]);
    assert_eq!(call_event(&mut feed, &call).await["status"], "canceled");

    // an asked phone wins: the first thing `high` hears of at all is this dial
    let asked = dial_ok(
        &server,
        &me,
        json!({"customerPhone": "13800138000", "phoneId": high.phone_id}),
    )
    .await;
    let m = high.recv().await;
    assert_eq!(
        (m["type"].clone(), m["data"]["callId"].clone()),
        (json!("DIAL_COMMAND"), json!(asked))
    );
    // an asked phone that is offline is DEVICE_OFFLINE, and no call is stored
    let (s, b) = dial(
        &server,
        &me.token,
        json!({"customerPhone": "13800138000", "phoneId": primary.phone_id}),
    )
    .await;
    assert_error(s, &b, 409, "DEVICE_OFFLINE");
    // the primary, once online, is chosen before any other
    primary.connect_online().await;
    dial_number(&server, &me, &mut primary, "13800138000").await;
    // a number that is a customer's links the call; a customer id alone gives the number
    let cust = customer(&server, "李四", "13900001111").await;
    let (_, m) = dial_to(
        &server,
        &me,
        &mut primary,
        json!({"customerPhone": "139 0000 1111"}),
    )
    .await;
    assert_eq!(
        (
            m["data"]["customerId"].clone(),
            m["data"]["customerName"].clone()
        ),
        (json!(cust), json!("李四"))
    );
    let (_, m) = dial_to(&server, &me, &mut primary, json!({"customerId": cust})).await;
    assert_eq!(
        (
            m["data"]["phoneNumber"].clone(),
            m["data"]["customerPhone"].clone()
        ),
        (json!("13900001111"), json!("13900001111"))
    );
    assert!(m["data"].get("orderId").is_none(), "{m}");
    // `low` heard nothing of the dials that were not its own
    assert_eq!(fence(&mut low).await, Vec::<Value>::new());
    assert_eq!(call_count(&server), 5);
}
