//! The 来电弹屏, 未接来电 and 回拨 (issue 29) in a real headless Chromium, with a test phone
//! speaking 2.4.0: a known customer rings (the card shows who, follows the call and turns into
//! the follow-up form for the salesperson), a new number rings (新建客户 from the card), and the
//! missed calls list with one-click 回拨 that rings the salesperson's phone.
//! Screenshots: `target/screenshots/s29-incoming-<step>.png`.

use crate::common;

use common::browser::Browser;
use common::calls::customer;
use common::dialing::{Dialect, online_phone};
use common::phone::TestPhone;
use common::{TestServer, USER_PASSWORD};
use serde_json::json;

async fn ring(phone: &mut TestPhone, id: &str, number: &str) -> String {
    phone
        .send(json!({"type": "INCOMING_CALL_DETECTED", "messageId": id,
                     "data": {"callerNumber": number, "deviceId": phone.device_id}}))
        .await;
    let confirmed = phone.recv_type("INCOMING_CALL_CONFIRMED").await;
    confirmed["data"]["callId"].as_str().unwrap().to_string()
}

async fn status(server: &TestServer, phone: &TestPhone, status: &str, number: &str) {
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/status",
            &phone.ws_token,
            json!({"callId": "", "status": status, "phoneNumber": number}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
#[ignore = "needs chromium"]
async fn the_incoming_card_for_a_customer_and_for_a_new_number() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let known = customer(&server, "华东贸易王总", "13800138000").await;
    server
        .put(
            &format!("/api/v1/customers/{known}"),
            &server.admin_token,
            json!({"level": "vip", "tags": ["老客户", "华东"], "ownerId": sales.id}),
        )
        .await;
    let mut phone = online_phone(&server, &sales, Dialect::Shipped).await;
    let b = Browser::open(&server.base, "s29-incoming").await;
    b.login("sales_a", USER_PASSWORD).await;
    b.wait_text("#live-status", "实时连接").await;

    // a known customer rings: the card names them within a second
    ring(&mut phone, "r1", "+86 138 0013 8000").await;
    b.wait_text("#incoming-popup .cp-body", "华东贸易王总")
        .await;
    b.wait_text("#incoming-state", "振铃中").await;
    let card = b
        .find("#incoming-popup .cp-body")
        .await
        .text()
        .await
        .unwrap();
    assert!(card.contains("VIP") && card.contains("老客户"), "{card}");
    assert!(
        card.contains("sales_a") || card.contains("负责人"),
        "{card}"
    );
    b.shot("1-known-ringing").await;
    // answered, then hung up: the card follows and becomes the follow-up form
    status(&server, &phone, "connected", "13800138000").await;
    b.wait_text("#incoming-state", "通话中").await;
    status(&server, &phone, "ended", "13800138000").await;
    b.wait_text("#incoming-state", "已结束").await;
    b.find("#incoming-popup #followup-submit").await;
    b.shot("2-known-follow-up").await;
    b.fill("#incoming-popup textarea[name=notes]", "来电问报价")
        .await;
    b.click("#incoming-popup #followup-submit").await;
    b.wait_true(
        "return !document.getElementById('incoming-popup');",
        vec![],
        "the card to close after the follow-up",
    )
    .await;

    // a number nobody has: 新客户, made from the card
    let call_id = ring(&mut phone, "r2", "13900139000").await;
    b.wait_text("#incoming-popup .cp-body", "新客户").await;
    b.fill("#incoming-new-name", "来电新客户").await;
    b.shot("3-new-number").await;
    b.click("#incoming-create").await;
    b.wait_text("#incoming-customer", "来电新客户").await;
    b.shot("4-new-customer-made").await;
    let call = common::calls::detail(&server, &server.admin_token, &call_id).await;
    assert_eq!(call["customerName"], "来电新客户", "{call}");
    server.stop().await;
}

#[tokio::test]
#[ignore = "needs chromium"]
async fn missed_calls_are_listed_and_called_back_in_one_click() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    customer(&server, "李老板", "13700137000").await;
    let mut phone = online_phone(&server, &sales, Dialect::Shipped).await;
    ring(&mut phone, "r1", "13700137000").await;
    status(&server, &phone, "ended", "13700137000").await;
    let b = Browser::open(&server.base, "s29-missed").await;
    b.login("sales_a", USER_PASSWORD).await;
    b.click("#nav a[data-page=missed]").await;
    b.wait_text("#missed-list", "李老板").await;
    b.wait_text("#missed-list", "未接").await;
    b.shot("1-missed-list").await;
    b.click("#missed-list button.callback").await;
    let command = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(command["data"]["phoneNumber"], "13700137000");
    // the callback connects: the list empties by itself
    let id = command["data"]["callId"].as_str().unwrap().to_string();
    let (s, body) = server
        .post(
            "/api/v1/mobile/call/end",
            &phone.ws_token,
            json!({"callId": id, "status": "connected", "duration": 20}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    b.wait_text("#missed-list", "没有待回拨的来电").await;
    b.shot("2-called-back").await;
    server.stop().await;
}
