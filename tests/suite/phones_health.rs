//! A phone's health in the phones list (issue 14).

use crate::common;

use common::TestServer;
use common::phone::TestPhone;
use serde_json::{Value, json};

const LIST: &str = "/api/v1/call-config/work-phones";

async fn list(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, body) = server.get(LIST, token).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

/// Issue 14: a phone's health in the list — its app and system, since when it is online (or
/// offline), its calls today, and whether it dropped off after working today.
#[tokio::test]
async fn the_list_shows_each_phones_health() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_h", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    let _idle = TestPhone::bind_pc(&server, &user).await;
    phone.connect_online().await;
    let (status, dial) = server
        .post(
            "/api/v1/calls/outbound",
            &user.token,
            json!({"customerPhone": "13800138000", "phoneId": phone.phone_id}),
        )
        .await;
    assert_eq!(status, 200, "{dial}");
    phone.recv_type("DIAL_COMMAND").await;

    let find = |rows: &[Value], id: i64| rows.iter().find(|p| p["id"] == id).cloned().unwrap();
    let rows = list(&server, &user.token).await;
    let row = find(&rows, phone.phone_id);
    assert_eq!(row["onlineStatus"], "online", "{row}");
    assert_eq!(
        row["appVersion"], "1.0.0",
        "the version DEVICE_ONLINE reported: {row}"
    );
    assert!(row["onlineSince"].is_string(), "{row}");
    assert_eq!(row["offlineSince"], Value::Null);
    assert_eq!(row["callsToday"], 1);
    assert_eq!(row["droppedToday"], false);
    let idle = find(&rows, _idle.phone_id);
    assert_eq!(
        (&idle["callsToday"], &idle["droppedToday"]),
        (&json!(0), &json!(false)),
        "never online today: {idle}"
    );

    // it goes away: offline since its last word, and marked as dropped today
    phone.disconnect().await;
    let mut row = Value::Null;
    for _ in 0..200 {
        row = find(&list(&server, &user.token).await, phone.phone_id);
        if row["onlineStatus"] == "offline" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(row["onlineStatus"], "offline", "{row}");
    assert!(row["offlineSince"].is_string(), "{row}");
    assert_eq!(row["onlineSince"], Value::Null);
    assert_eq!(row["droppedToday"], true, "{row}");
    assert_eq!(row["callsToday"], 1);
}
