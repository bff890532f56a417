//! 未接来电 (issue 29): missed and rejected incoming calls not yet called back, 回拨 on the
//! salesperson's phone by the call (sales staff see numbers masked), a callback that connects
//! clears it, and 新建客户 from a call's number.

use crate::common;

use common::dialing::{Dialect, Reporter, online_phone};
use common::phone::chrono_ms;
use common::{TestServer, assert_error};
use serde_json::json;

const MISSED: &str = "/api/v1/calls/records?notCalledBack=true";

#[tokio::test]
async fn a_missed_call_is_listed_until_a_callback_connects() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let other = server.create_user("sales_b", "sales_staff", "二部").await;
    let mut phone = online_phone(&server, &sales, Dialect::Shipped).await;
    let at = |min: i64| dialbox::times::iso_ms(chrono_ms() - min * 60_000);
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/missed-calls",
            &phone.ws_token,
            json!({"calls": [
                {"callerNumber": "13800138000", "callTime": at(30), "callStatus": "missed"},
                {"callerNumber": "13900139000", "callTime": at(20), "callStatus": "rejected"},
                {"callerNumber": "13700137000", "callTime": at(10), "callStatus": "connected", "duration": 9}
            ]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, list) = server.get(MISSED, &sales.token).await;
    assert_eq!(list["data"]["total"], 2, "{list}");
    let missed = list["data"]["records"][1].clone();
    assert_eq!(
        missed["customerPhone"], "138****8000",
        "masked for the salesperson"
    );
    let missed_id = missed["id"].as_str().unwrap().to_string();
    // another department's salesperson sees none of it, nor calls it back
    let (_, theirs) = server.get(MISSED, &other.token).await;
    assert_eq!(theirs["data"]["total"], 0);
    let (s, b) = server
        .post(
            "/api/v1/calls/outbound",
            &other.token,
            json!({"callbackOf": missed_id}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    // 回拨 by the call: its number rings on the salesperson's phone
    let (s, b) = server
        .post(
            "/api/v1/calls/outbound",
            &sales.token,
            json!({"callbackOf": missed_id}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let command = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(command["data"]["phoneNumber"], "13800138000");
    let back = command["data"]["callId"].as_str().unwrap().to_string();
    // not answered: still listed
    let mut r = Reporter::socket(&server, &sales, &mut phone, Dialect::Shipped);
    let end = |status: &str, duration: i64| {
        json!({"callId": back, "status": status, "duration": duration,
               "endTime": dialbox::times::iso_ms(chrono_ms())})
    };
    r.end(&common::phone::next_id(), end("missed", 0)).await;
    let (_, list) = server.get(MISSED, &sales.token).await;
    assert_eq!(list["data"]["total"], 2, "{list}");
    // the end corrected to connected: cleared
    r.end(&common::phone::next_id(), end("connected", 30)).await;
    let (_, list) = server.get(MISSED, &sales.token).await;
    assert_eq!(list["data"]["total"], 1, "{list}");
    assert_eq!(list["data"]["records"][0]["customerPhone"], "139****9000");
    // bad input
    let (s, b) = server
        .get("/api/v1/calls/records?notCalledBack=yes", &sales.token)
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    server.stop().await;
}

#[tokio::test]
async fn a_new_customer_takes_the_calls_number() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let other = server.create_user("sales_b", "sales_staff", "二部").await;
    let phone = online_phone(&server, &sales, Dialect::Shipped).await;
    let (_, ring) = server
        .post(
            "/api/v1/mobile/call/incoming",
            &phone.ws_token,
            json!({"callerNumber": "13600136000"}),
        )
        .await;
    let call_id = ring["data"]["callId"].as_str().unwrap().to_string();
    // not another department's call, not a call without a number, not on update
    let (s, b) = server
        .post(
            "/api/v1/customers",
            &other.token,
            json!({"name": "新来电", "fromCallId": call_id}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let (s, b) = server
        .post(
            "/api/v1/customers",
            &sales.token,
            json!({"name": "新来电", "fromCallId": call_id}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let customer = b["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(b["data"]["phone"], "136****6000");
    // the ring is the customer's now
    let call = common::calls::detail(&server, &server.admin_token, &call_id).await;
    assert_eq!(call["customerId"], json!(customer), "{call}");
    assert_eq!(call["customerName"], "新来电");
    let (s, b) = server
        .put(
            &format!("/api/v1/customers/{customer}"),
            &sales.token,
            json!({"fromCallId": call_id}),
        )
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    let (_, unknown) = server
        .post(
            "/api/v1/mobile/call/incoming",
            &phone.ws_token,
            json!({"callerNumber": "未知来电"}),
        )
        .await;
    let (s, b) = server
        .post(
            "/api/v1/customers",
            &sales.token,
            json!({"name": "x", "fromCallId": unknown["data"]["callId"]}),
        )
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    server.stop().await;
}
