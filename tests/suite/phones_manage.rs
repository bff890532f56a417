//! Bound phones (§3.4–§3.6, contract §4 and §13): the bind limit, same-device rebinding, primary
//! rules, visibility by role, unbinding from the PC and from the phone (DEVICE_UNBIND, socket
//! closed, token refused on HTTP and WS), and the shipped app's device status.

use crate::common;

use common::phone::{TestPhone, next_id, random_device_id, random_number, ws_connect};
use common::{TestServer, assert_error};
use reqwest::Method;
use serde_json::{Value, json};

const LIST: &str = "/api/v1/call-config/work-phones";

fn phone_path(id: i64) -> String {
    format!("{LIST}/{id}")
}

async fn list(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, body) = server.get(LIST, token).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

fn primary_ids(phones: &[Value]) -> Vec<i64> {
    phones
        .iter()
        .filter(|p| p["isPrimary"] == true)
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn bind_limit_and_same_device_rebinding() {
    let server = TestServer::start_with(|c| c.max_phones_per_user = 2).await;
    let user = server.create_user("li", "sales_staff", "一部").await;
    let mut first = TestPhone::bind_pc(&server, &user).await;
    let _second = TestPhone::bind_mobile(&server, &user).await;
    let qr = TestPhone::pc_qr(&server, &user.token).await;
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/call-config/work-phones/bind",
            None,
            Some(json!({
            "connectionId": qr["connectionId"],
            "deviceInfo": { "deviceId": random_device_id(), "phoneNumber": random_number() } })),
        )
        .await;
    assert_error(status, &body, 400, "DEVICE_BINDLIMIT");
    assert_eq!(list(&server, &user.token).await.len(), 2);

    // the first device binds again (same deviceId, same user): it replaces its own binding,
    // even at the limit; same phone id, the old token and socket are gone
    first.connect_online().await;
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/call-config/work-phones/bind",
            None,
            Some(json!({
            "connectionId": qr["connectionId"],
            "deviceInfo": { "deviceId": first.device_id, "phoneNumber": first.phone_number,
                            "deviceName": "新名字" } })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["phoneId"], first.phone_id);
    first.expect_closed().await;
    let (status, refused) = server
        .get("/api/v1/mobile/device/status", &first.ws_token)
        .await;
    assert_error(status, &refused, 400, "DEVICE_NOT_BOUND");
    let phones = list(&server, &user.token).await;
    assert_eq!(phones.len(), 2);
    let renamed = phones.iter().find(|p| p["id"] == first.phone_id).unwrap();
    assert_eq!(renamed["deviceName"], "新名字");
    assert_eq!(
        renamed["isPrimary"], true,
        "the rebound phone stays primary"
    );
}

#[tokio::test]
async fn primary_rules() {
    let server = TestServer::start().await;
    let user = server.create_user("wu", "sales_staff", "一部").await;
    let mut p1 = TestPhone::bind_pc(&server, &user).await;
    let p2 = TestPhone::bind_pc(&server, &user).await;
    let p3 = TestPhone::bind_pc(&server, &user).await;
    assert_eq!(
        primary_ids(&list(&server, &user.token).await),
        [p1.phone_id],
        "first is primary"
    );

    let (status, body) = server
        .call(
            Method::PUT,
            &format!("{}/primary", phone_path(p3.phone_id)),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "code": 200, "success": true, "message": "已设为主要手机", "data": null })
    );
    assert_eq!(
        primary_ids(&list(&server, &user.token).await),
        [p3.phone_id]
    );

    // p1 (bound first) speaks after p3 was bound: it is the most recently active when p3
    // (primary) goes, though p2 was bound later
    p1.connect_online().await;
    let (status, body) = server.delete(&phone_path(p3.phone_id), &user.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "code": 200, "success": true, "message": "解绑成功", "data": null })
    );
    let phones = list(&server, &user.token).await;
    assert_eq!(phones.len(), 2);
    assert_eq!(primary_ids(&phones), [p1.phone_id]);

    // unbinding a phone that is not primary leaves the primary alone
    let (status, _) = server.delete(&phone_path(p2.phone_id), &user.token).await;
    assert_eq!(status, 200);
    assert_eq!(
        primary_ids(&list(&server, &user.token).await),
        [p1.phone_id]
    );
    // unbound and unknown phones are 404
    for path in [
        format!("{}/primary", phone_path(p2.phone_id)),
        format!("{}/primary", phone_path(999_999)),
        format!("{LIST}/abc/primary"),
    ] {
        let (status, body) = server
            .call(Method::PUT, &path, Some(&user.token), None)
            .await;
        assert_error(status, &body, 404, "NOT_FOUND");
    }
    let (status, body) = server.delete(&phone_path(p2.phone_id), &user.token).await;
    assert_error(status, &body, 404, "NOT_FOUND");
}

#[tokio::test]
async fn phones_are_visible_by_role_and_others_are_404() {
    let server = TestServer::start().await;
    let manager = server.create_user("m1", "manager", "一部").await;
    let a = server.create_user("a1", "sales_staff", "一部").await;
    let b = server.create_user("b1", "sales_staff", "二部").await;
    let pa = TestPhone::bind_pc(&server, &a).await;
    let pb = TestPhone::bind_shipped(&server, &b).await;

    let ids = |phones: Vec<Value>| -> Vec<i64> {
        phones.iter().map(|p| p["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(ids(list(&server, &a.token).await), [pa.phone_id]);
    assert_eq!(ids(list(&server, &b.token).await), [pb.phone_id]);
    assert_eq!(ids(list(&server, &manager.token).await), [pa.phone_id]);
    let mut all = ids(list(&server, &server.admin_token).await);
    all.sort();
    assert_eq!(all, [pa.phone_id, pb.phone_id]);
    let shown = &list(&server, &a.token).await[0];
    for field in [
        "id",
        "phoneNumber",
        "deviceName",
        "deviceModel",
        "onlineStatus",
        "isPrimary",
        "lastActiveAt",
        "createdAt",
    ] {
        assert!(
            shown.get(field).is_some(),
            "§3.5 field {field} missing: {shown}"
        );
    }
    assert_eq!(shown["onlineStatus"], "offline");

    for (token, phone) in [
        (&a.token, pb.phone_id),
        (&manager.token, pb.phone_id),
        (&b.token, pa.phone_id),
    ] {
        let (status, body) = server
            .call(
                Method::PUT,
                &format!("{}/primary", phone_path(phone)),
                Some(token),
                None,
            )
            .await;
        assert_error(status, &body, 404, "NOT_FOUND");
        let (status, body) = server.delete(&phone_path(phone), token).await;
        assert_error(status, &body, 404, "NOT_FOUND");
    }
    // a wsToken is not a PC login
    let (status, body) = server.get(LIST, &pa.ws_token).await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    // the manager may unbind a phone of their department
    let (status, _) = server
        .delete(&phone_path(pa.phone_id), &manager.token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list(&server, &server.admin_token).await.len(), 1);
}

#[tokio::test]
async fn unbind_pushes_device_unbind_closes_and_revokes_the_token() {
    let server = TestServer::start().await;
    let user = server.create_user("zheng", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    phone.connect_online().await;
    let online = list(&server, &user.token).await;
    assert_eq!(online[0]["onlineStatus"], "online");

    let (status, body) = server
        .delete(&phone_path(phone.phone_id), &server.admin_token)
        .await;
    assert_eq!(status, 200, "{body}");
    let seen = phone.expect_closed().await;
    let unbind = seen
        .iter()
        .find(|m| m["type"] == "DEVICE_UNBIND")
        .unwrap_or_else(|| panic!("no DEVICE_UNBIND before the close: {seen:?}"));
    assert_eq!(unbind["data"]["reason"], "管理员解绑");
    assert!(
        unbind["messageId"].is_string() && unbind["timestamp"].is_i64(),
        "{unbind}"
    );

    // refused on HTTP and on the socket
    let (status, body) = server
        .get("/api/v1/mobile/device/status", &phone.ws_token)
        .await;
    assert_error(status, &body, 400, "DEVICE_NOT_BOUND");
    let (status, body) = ws_connect(&phone.url()).await.expect_err("refused");
    assert_error(status, &body, 401, "DEVICE_NOT_BOUND");
    assert!(list(&server, &user.token).await.is_empty());
    let unbound_at: Option<i64> = server
        .db()
        .query_row(
            "SELECT unbound_at FROM work_phones WHERE id = ?1",
            [phone.phone_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(unbound_at.is_some());
}

#[tokio::test]
async fn the_phone_unbinds_itself() {
    let server = TestServer::start().await;
    let user = server.create_user("feng", "sales_staff", "一部").await;
    let other = server.create_user("chen", "sales_staff", "二部").await;
    let by_login = TestPhone::bind_shipped(&server, &user).await;
    let mut by_token = TestPhone::bind_shipped(&server, &user).await;
    let others = TestPhone::bind_shipped(&server, &other).await;
    let unbind = |token: String, body: Option<Value>| {
        let server = &server;
        async move {
            server
                .call(Method::DELETE, "/api/v1/mobile/unbind", Some(&token), body)
                .await
        }
    };

    // login token: deviceId needed; someone else's device is not "bound" for this caller
    let (status, body) = unbind(user.token.clone(), None).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    let (status, body) = unbind(
        user.token.clone(),
        Some(json!({ "deviceId": others.device_id })),
    )
    .await;
    assert_error(status, &body, 400, "DEVICE_NOT_BOUND");
    let (status, body) = unbind(user.token.clone(), Some(json!({ "deviceId": 7 }))).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    let (status, body) = unbind(
        user.token.clone(),
        Some(json!({ "deviceId": by_login.device_id })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = unbind(
        user.token.clone(),
        Some(json!({ "deviceId": by_login.device_id })),
    )
    .await;
    assert_error(status, &body, 400, "DEVICE_NOT_BOUND");

    // wsToken: no body needed, and the socket is told and closed
    by_token.connect_online().await;
    let (status, body) = unbind(by_token.ws_token.clone(), None).await;
    assert_eq!(status, 200, "{body}");
    let seen = by_token.expect_closed().await;
    assert!(
        seen.iter().any(|m| m["type"] == "DEVICE_UNBIND"),
        "{seen:?}"
    );
    assert!(list(&server, &user.token).await.is_empty());
    assert_eq!(list(&server, &other.token).await.len(), 1);
}

#[tokio::test]
async fn device_status_in_the_shipped_apps_shape() {
    let server = TestServer::start().await;
    let user = server.create_user("he", "sales_staff", "一部").await;
    let (status, body) = server
        .get("/api/v1/mobile/device/status", &user.token)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!({ "bound": false, "device": null }));

    let mut phone = TestPhone::bind_mobile(&server, &user).await;
    phone.connect_online().await;
    let path = format!("/api/v1/mobile/device/status?deviceId={}", phone.device_id);
    for token in [&phone.ws_token, &user.token] {
        let (status, body) = server.get(&path, token).await;
        assert_eq!(status, 200, "{body}");
        let device = &body["data"]["device"];
        assert_eq!(body["data"]["bound"], true);
        let keys: Vec<&String> = device.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "id",
                "phoneNumber",
                "deviceId",
                "deviceName",
                "deviceModel",
                "osType",
                "osVersion",
                "appVersion",
                "onlineStatus",
                "lastActiveAt",
                "bindTime"
            ]
        );
        assert_eq!(device["id"], phone.phone_id);
        assert_eq!(device["onlineStatus"], "online");
        assert_eq!(device["osType"], "ios");
    }
    let (_, body) = server
        .get("/api/v1/mobile/device/status?deviceId=nope", &user.token)
        .await;
    assert_eq!(body["data"]["bound"], false);
    let (status, body) = server
        .call(Method::GET, "/api/v1/mobile/device/status", None, None)
        .await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    // a resent DEVICE_ONLINE is acked, not applied: appVersion stays what the first one said
    let id = next_id();
    for version in ["2.0.0", "3.0.0"] {
        phone
            .send(json!({ "type": "DEVICE_ONLINE", "messageId": id, "data": { "appVersion": version } }))
            .await;
        assert_eq!(phone.recv_reply(&id).await["type"], "ACK");
    }
    let (_, body) = server.get(&path, &phone.ws_token).await;
    assert_eq!(body["data"]["device"]["appVersion"], "2.0.0");
}

#[tokio::test]
async fn disabling_the_user_or_resetting_the_password_closes_the_phones_socket() {
    let server = TestServer::start().await;
    let user = server.create_user("qian", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    phone.connect_online().await;
    let path = format!("/api/v1/users/{}/password", user.id);
    let (status, body) = server
        .put(
            &path,
            &server.admin_token,
            json!({"password": "another-pass-123"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    phone.expect_closed().await;
    let (status, body) = ws_connect(&phone.url()).await.expect_err("revoked");
    assert_eq!(status, 401, "{body}");

    let user = server.create_user("sun", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    phone.connect_online().await;
    let (status, body) = server
        .put(
            &format!("/api/v1/users/{}", user.id),
            &server.admin_token,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    phone.expect_closed().await;
    let (status, body) = ws_connect(&phone.url()).await.expect_err("disabled");
    assert_eq!(status, 401, "{body}");
    assert!(
        list(&server, &server.admin_token)
            .await
            .iter()
            .all(|p| p["onlineStatus"] != "online")
    );
}

/// Issue 14 (3): a phone is shown with its owner's name, never a raw id: in §3.5's list and in
/// the live feed's events.
#[tokio::test]
async fn phones_carry_their_owners_name() {
    let server = TestServer::start().await;
    let user = server.create_user("name_a", "sales_staff", "一部").await;
    let mut feed = common::phone::AdminFeed::connect(&server, &server.admin_token).await;
    let phone = TestPhone::bind_pc(&server, &user).await;
    let bound = feed.recv_phone_event("PHONE_BOUND", phone.phone_id).await;
    let listed = list(&server, &server.admin_token).await;
    let mine = listed
        .iter()
        .find(|p| p["id"] == phone.phone_id)
        .expect("the phone is listed");
    // the harness gives every user the real name "<username>的名字"
    let want = json!("name_a的名字");
    assert_eq!(mine["userName"], want, "{mine}");
    assert_eq!(bound["data"]["userName"], want, "{bound}");
}
