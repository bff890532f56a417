//! QR binding both ways (§3.1, §3.1.1, §3.2, §3.3, contract §4 and §13), end to end: the QR
//! images are decoded with a real QR decoder, phones bind through the real routes, and their
//! wsTokens open the real socket.

use crate::common;

use std::time::Duration;

use common::phone::{TestPhone, decode_qr, random_device_id, random_number};
use common::{TestServer, assert_error};
use reqwest::Method;
use serde_json::{Value, json};

const PC_BIND: &str = "/api/v1/call-config/work-phones/bind";
const QRCODE: &str = "/api/v1/call-config/work-phones/qrcode";

fn status_path(id: &str) -> String {
    format!("/api/v1/call-config/work-phones/bind-status/{id}")
}

fn pc_bind_body(connection_id: &Value, number: Option<&str>, device: &str) -> Value {
    json!({
        "connectionId": connection_id,
        "deviceInfo": { "phoneNumber": number, "deviceName": "iPhone 15 Pro",
                        "deviceModel": "iPhone15,3", "deviceId": device }
    })
}

fn phone_rows(server: &TestServer) -> i64 {
    server
        .db()
        .query_row("SELECT COUNT(*) FROM work_phones", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn pc_way_qr_decodes_to_the_document_json_and_binds_once() {
    let server = TestServer::start().await;
    let user = server.create_user("wang", "sales_staff", "销售一部").await;
    let (status, body) = server.post(QRCODE, &user.token, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    let connection_id = data["connectionId"].as_str().unwrap().to_string();
    assert!(
        connection_id.starts_with(&format!("bind_{}_", user.id)),
        "{connection_id}"
    );
    let qr = decode_qr(data["qrCodeUrl"].as_str().unwrap());
    // exactly §3.1's JSON, keys in the document's order
    let keys: Vec<&String> = qr.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["type", "connectionId", "userId", "serverUrl", "expiresAt"]
    );
    assert_eq!(qr["type"], "work_phone_bind");
    assert_eq!(qr["connectionId"], connection_id.as_str());
    assert_eq!(qr["userId"], user.id.as_str());
    assert_eq!(qr["serverUrl"], server.base.as_str());
    let expires_ms = qr["expiresAt"].as_i64().expect("expiresAt in ms");
    let expires_iso = chrono::DateTime::parse_from_rfc3339(data["expiresAt"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert_eq!(expires_ms, expires_iso);

    let (_, pending) = server.get(&status_path(&connection_id), &user.token).await;
    assert_eq!(pending["data"], json!({ "status": "pending" }));

    let number = random_number();
    let device = random_device_id();
    let (status, bound) = server
        .call(
            Method::POST,
            PC_BIND,
            None,
            Some(pc_bind_body(&qr["connectionId"], Some(&number), &device)),
        )
        .await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(bound["message"], "绑定成功");
    let b = &bound["data"];
    assert_eq!(b["deviceId"], device.as_str());
    assert_eq!(b["userId"], user.id.as_str());
    assert_eq!(b["wsUrl"], format!("ws://{}/ws/mobile", server.addr));
    let phone_id = b["phoneId"].as_i64().unwrap();

    let (_, connected) = server.get(&status_path(&connection_id), &user.token).await;
    assert_eq!(
        connected["data"],
        json!({ "status": "connected", "phone": { "id": phone_id, "phoneNumber": number,
                "deviceName": "iPhone 15 Pro", "deviceModel": "iPhone15,3" } })
    );

    // binds once: the same connectionId again, even from another device, is gone
    let (status, again) = server
        .call(
            Method::POST,
            PC_BIND,
            None,
            Some(pc_bind_body(&qr["connectionId"], None, &random_device_id())),
        )
        .await;
    assert_error(status, &again, 404, "NOT_FOUND");
    assert_eq!(phone_rows(&server), 1);

    // the wsToken opens the socket
    let token = b["wsToken"].as_str().unwrap();
    let socket =
        common::phone::ws_connect(&format!("ws://{}/ws/mobile?token={token}", server.addr)).await;
    assert!(socket.is_ok());
}

#[tokio::test]
async fn mobile_way_qr_decodes_to_qr_code_data_and_binds() {
    let server = TestServer::start().await;
    let user = server.create_user("zhao", "sales_staff", "销售一部").await;
    let (status, body) = server
        .post("/api/v1/mobile/bindQRCode", &user.token, json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    let qr = decode_qr(data["qrCodeImage"].as_str().unwrap());
    assert_eq!(qr, data["qrCodeData"], "the image holds exactly qrCodeData");
    let keys: Vec<&String> = qr.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "action",
            "token",
            "serverUrl",
            "wsUrl",
            "userId",
            "expiresAt"
        ]
    );
    assert_eq!(qr["action"], "bind_device");
    assert_eq!(qr["serverUrl"], server.base.as_str());
    assert_eq!(qr["wsUrl"], format!("ws://{}/ws/mobile", server.addr));
    assert_eq!(qr["userId"], user.id.as_str());
    assert_eq!(qr["expiresAt"], data["expiresAt"]);

    let number = random_number();
    let (status, bound) = server
        .call(Method::POST, "/api/v1/mobile/bind", None, Some(json!({
            "bindToken": qr["token"], "phoneNumber": number,
            "deviceInfo": { "deviceId": random_device_id(), "deviceName": "iPhone 15 Pro",
                "deviceModel": "iPhone15,3", "osType": "ios", "osVersion": "17.0", "appVersion": "1.0.0" }
        })))
        .await;
    assert_eq!(status, 200, "{bound}");
    let (_, list) = server
        .get("/api/v1/call-config/work-phones", &user.token)
        .await;
    assert_eq!(list["data"][0]["id"], bound["data"]["phoneId"]);
    assert_eq!(list["data"][0]["phoneNumber"], number.as_str());
    assert_eq!(list["data"][0]["isPrimary"], true);
    // bind status works for the token too
    let (_, st) = server
        .get(&status_path(qr["token"].as_str().unwrap()), &user.token)
        .await;
    assert_eq!(st["data"]["status"], "connected");
}

#[tokio::test]
async fn shipped_app_binds_a_pc_qr_through_mobile_bind_without_a_number() {
    let server = TestServer::start().await;
    let user = server.create_user("qian", "sales_staff", "销售一部").await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    assert_eq!(phone.user_id, user.id);
    assert_eq!(phone.ws_url, format!("ws://{}/ws/mobile", server.addr));
    let (status, st) = server
        .get("/api/v1/mobile/device/status", &phone.ws_token)
        .await;
    assert_eq!(status, 200, "{st}");
    assert_eq!(st["data"]["bound"], true);
    assert_eq!(st["data"]["device"]["phoneNumber"], Value::Null);
    assert_eq!(st["data"]["device"]["osType"], "android");
    // two numberless phones of the same user do not collide on "one number one phone"
    let second = TestPhone::bind_shipped(&server, &user).await;
    assert_ne!(second.phone_id, phone.phone_id);
    phone.connect_online().await;
}

#[tokio::test]
async fn bind_status_goes_pending_connected_and_expired() {
    let clock = std::sync::Arc::new(dialbox::times::Clock::default());
    let server = TestServer::start_with(|c| {
        c.bind_ttl = Duration::from_secs(300);
        c.clock = clock.clone();
    })
    .await;
    let user = server.create_user("sun", "sales_staff", "销售一部").await;
    let qr = TestPhone::pc_qr(&server, &user.token).await;
    let id = qr["connectionId"].as_str().unwrap();
    let (_, st) = server.get(&status_path(id), &user.token).await;
    assert_eq!(st["data"]["status"], "pending");
    // five minutes later, on the server's clock
    clock.advance(Duration::from_secs(300));
    let (_, st) = server.get(&status_path(id), &user.token).await;
    assert_eq!(st["data"], json!({ "status": "expired" }));
    let (status, body) = server
        .call(
            Method::POST,
            PC_BIND,
            None,
            Some(pc_bind_body(
                &qr["connectionId"],
                Some(&random_number()),
                &random_device_id(),
            )),
        )
        .await;
    let message = assert_error(status, &body, 400, "BIND_EXPIRED");
    assert_eq!(message, "绑定请求已过期");
    // the shipped app's way meets the same expiry
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/mobile/bind",
            Some(&user.token),
            Some(json!({
            "bindToken": id, "deviceInfo": { "deviceId": random_device_id() } })),
        )
        .await;
    assert_error(status, &body, 400, "BIND_EXPIRED");
    assert_eq!(phone_rows(&server), 0);
}

#[tokio::test]
async fn every_bind_error_answers_the_contract_and_changes_nothing() {
    let server = TestServer::start().await;
    let user = server.create_user("li", "sales_staff", "销售一部").await;
    let other = server.create_user("zhou", "sales_staff", "销售二部").await;
    let taken = TestPhone::bind_pc(&server, &other).await;
    let qr = TestPhone::pc_qr(&server, &user.token).await;
    let cid = &qr["connectionId"];
    let before = phone_rows(&server);

    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({}), 400, "INVALID_PARAMS"),
        (json!({ "connectionId": cid }), 400, "INVALID_PARAMS"),
        (
            json!({ "connectionId": cid, "deviceInfo": { "deviceName": "x" } }),
            400,
            "INVALID_PARAMS",
        ),
        (
            json!({ "connectionId": cid, "deviceInfo": { "deviceId": "  " } }),
            400,
            "INVALID_PARAMS",
        ),
        (
            json!({ "connectionId": 12, "deviceInfo": { "deviceId": "d" } }),
            400,
            "INVALID_PARAMS",
        ),
        (
            json!({ "connectionId": cid, "deviceInfo": "phone" }),
            400,
            "INVALID_PARAMS",
        ),
        (
            pc_bind_body(cid, Some("138-abc"), "dev-x"),
            400,
            "INVALID_PARAMS",
        ),
        (
            pc_bind_body(cid, Some("13800138000"), &"d".repeat(129)),
            400,
            "INVALID_PARAMS",
        ),
        (
            pc_bind_body(&json!("bind_nobody_1_x"), None, "dev-y"),
            404,
            "NOT_FOUND",
        ),
        // the number is already another user's phone
        (
            pc_bind_body(cid, taken.phone_number.as_deref(), "dev-z"),
            400,
            "PHONE_ALREADY_BOUND",
        ),
        // the device is already bound to another user
        (
            pc_bind_body(cid, None, &taken.device_id),
            400,
            "PHONE_ALREADY_BOUND",
        ),
    ];
    for (body, want_status, want_code) in cases {
        let (status, answer) = server
            .call(Method::POST, PC_BIND, None, Some(body.clone()))
            .await;
        assert_error(status, &answer, want_status, want_code);
        let (status, answer) = server
            .call(
                Method::POST,
                "/api/v1/mobile/bind",
                None,
                Some(json!({
                "bindToken": body["connectionId"], "deviceInfo": body["deviceInfo"] })),
            )
            .await;
        assert_error(status, &answer, want_status, want_code);
    }
    let resp = server
        .client
        .post(server.url(PC_BIND))
        .header("content-type", "application/json")
        .body("{\"connectionId\": ")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap();
    assert_error(status, &answer, 400, "INVALID_PARAMS");
    let huge = json!({ "connectionId": cid, "deviceInfo": { "deviceId": "x".repeat(300_000) } });
    let (status, answer) = server.call(Method::POST, PC_BIND, None, Some(huge)).await;
    assert_error(status, &answer, 413, "PAYLOAD_TOO_LARGE");
    assert_eq!(phone_rows(&server), before, "no failed bind stored a phone");
    // and the request is still usable after all those failures
    let ok = server
        .call(
            Method::POST,
            PC_BIND,
            None,
            Some(pc_bind_body(cid, Some(&random_number()), "dev-ok")),
        )
        .await;
    assert_eq!(ok.0, 200, "{}", ok.1);
}

#[tokio::test]
async fn qrcode_for_another_user_follows_visibility() {
    let server = TestServer::start().await;
    let manager = server.create_user("boss", "manager", "销售一部").await;
    let mine = server.create_user("a1", "sales_staff", "销售一部").await;
    let theirs = server.create_user("b1", "sales_staff", "销售二部").await;

    let (status, body) = server
        .post(QRCODE, &manager.token, json!({ "userId": mine.id }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        decode_qr(body["data"]["qrCodeUrl"].as_str().unwrap())["userId"],
        mine.id.as_str()
    );
    let (status, body) = server
        .post(QRCODE, &server.admin_token, json!({ "userId": theirs.id }))
        .await;
    assert_eq!(status, 200, "{body}");
    // the bind goes to the named user
    let cid = body["data"]["connectionId"].clone();
    let (_, bound) = server
        .call(
            Method::POST,
            PC_BIND,
            None,
            Some(pc_bind_body(&cid, None, &random_device_id())),
        )
        .await;
    assert_eq!(bound["data"]["userId"], theirs.id.as_str());

    for (token, user_id) in [
        (&manager.token, &theirs.id),
        (&mine.token, &theirs.id),
        (&mine.token, &manager.id),
        (&server.admin_token, &"user_nobody".to_string()),
    ] {
        let (status, body) = server
            .post(QRCODE, token, json!({ "userId": user_id }))
            .await;
        assert_error(status, &body, 404, "NOT_FOUND");
    }
    let (status, body) = server
        .post(QRCODE, &mine.token, json!({ "userId": 5 }))
        .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    let (status, body) = server.call(Method::POST, QRCODE, None, None).await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    // no body at all is fine: the caller's own QR
    let (status, body) = server
        .call(Method::POST, QRCODE, Some(&mine.token), None)
        .await;
    assert_eq!(status, 200, "{body}");

    // bind status of someone else's request is invisible; unknown is 404
    let qr = TestPhone::pc_qr(&server, &theirs.token).await;
    let (status, body) = server
        .get(
            &status_path(qr["connectionId"].as_str().unwrap()),
            &mine.token,
        )
        .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = server.get(&status_path("bind_x_1_y"), &mine.token).await;
    assert_error(status, &body, 404, "NOT_FOUND");
}
