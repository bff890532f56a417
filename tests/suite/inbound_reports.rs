//! 2.4.0's status reports about an incoming call, by number with an empty `callId` (contract
//! §14; issue 29's table: "ERROR / 400 缺少 callId, a toast twice"). With no inbound call to apply
//! them to they are acknowledged and change nothing; without a number a blank id is still
//! refused.

use crate::common;

use common::phone::TestPhone;
use common::{TestServer, assert_error};
use serde_json::json;

#[tokio::test]
async fn a_status_by_number_is_acknowledged_over_http_and_the_socket() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    for status in ["connected", "ended"] {
        let body = json!({"callId": "", "phoneNumber": "13800138000", "status": status});
        let (s, b) = server
            .post("/api/v1/mobile/call/status", &phone.ws_token, body)
            .await;
        assert_eq!(s, 200, "{status}: {b}");
        assert_eq!(b["data"], json!(null), "{b}");
    }
    phone.connect_online().await;
    for (id, number) in [("in-1", "13800138000"), ("in-2", "未知来电")] {
        phone
            .send(json!({"type": "CALL_STATUS", "messageId": id,
                         "data": {"callId": "", "phoneNumber": number, "status": "connected"}}))
            .await;
        let reply = phone.recv_reply(id).await;
        assert_eq!(reply["type"], "ACK", "{reply}");
    }
    // nothing was made of them
    let (_, list) = server.get("/api/v1/mobile/calls", &user.token).await;
    assert_eq!(list["data"]["total"], 0, "{list}");
    // a blank id without a number names nothing: still refused
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/status",
            &phone.ws_token,
            json!({"callId": "", "status": "connected"}),
        )
        .await;
    assert_error(s, &b, 400, "INVALID_PARAMS");
    server.stop().await;
}
