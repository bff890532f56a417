//! 设置 (issue 14): what the server believes, and the settings an admin changes at runtime —
//! kept in the database over the flags' defaults (also after a restart), in force at once,
//! checked, admins only, each change one audit line.

use crate::common;

use common::phone::TestPhone;
use common::{TestServer, assert_error};
use reqwest::Method;
use serde_json::{Value, json};

const PATH: &str = "/api/v1/system/settings";

async fn shown(server: &TestServer) -> Value {
    let (status, body) = server.get(PATH, &server.admin_token).await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn settings_change_at_once_and_outlive_a_restart() {
    let server = TestServer::start().await;
    let before = shown(&server).await;
    assert_eq!(before["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(before["publicUrl"], server.base.as_str());
    assert_eq!(
        before["publicUrlIsLoopback"], true,
        "the tests' server is on 127.0.0.1"
    );
    assert_eq!(before["timezone"], "Asia/Shanghai");
    assert_eq!(before["lastBackup"], Value::Null);
    assert_eq!(before["settings"], before["defaults"], "{before}");
    assert!(before["diskTotal"].as_u64().unwrap() > 0);

    let change = json!({"dialTimeoutSecs": 20, "bindTtlSecs": 120, "maxPhonesPerUser": 1,
                        "recordingMaxAgeDays": 30});
    let (status, saved) = server.put(PATH, &server.admin_token, change).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["data"]["dialTimeoutSecs"], 20);
    let now = shown(&server).await;
    assert_eq!(now["settings"]["maxPhonesPerUser"], 1);
    assert_eq!(now["settings"]["recordingMaxAgeDays"], 30);
    assert_eq!(
        now["defaults"], before["defaults"],
        "the flags' values stay the defaults"
    );
    let (_, storage) = server
        .get("/api/v1/system/storage", &server.admin_token)
        .await;
    assert_eq!(storage["data"]["maxAgeDays"], 30);

    // in force at once: a QR lives 120 s, a second phone is over the limit of one
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let (_, qr) = server
        .post(
            "/api/v1/call-config/work-phones/qrcode",
            &user.token,
            json!({}),
        )
        .await;
    let expires = qr["data"]["expiresAt"].as_str().unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(expires)
        .unwrap()
        .timestamp_millis();
    let left = expires - dialbox::times::now_ms();
    assert!((110_000..=120_000).contains(&left), "{left} ms");
    let _first = TestPhone::bind_pc(&server, &user).await;
    let qr = TestPhone::pc_qr(&server, &user.token).await;
    let body = json!({"connectionId": qr["connectionId"],
                      "deviceInfo": {"deviceId": "second-device", "phoneNumber": "13900001111"}});
    let (status, answer) = server
        .call(
            Method::POST,
            "/api/v1/call-config/work-phones/bind",
            None,
            Some(body),
        )
        .await;
    assert_error(status, &answer, 400, "DEVICE_BINDLIMIT");

    // each change one audit line
    let (_, log) = server
        .get("/api/v1/audit?action=setting_change", &server.admin_token)
        .await;
    assert_eq!(log["data"]["total"], 4, "{log}");

    // a removed limit, then a restart: what was saved is still in force
    let (status, _) = server
        .put(
            PATH,
            &server.admin_token,
            json!({"recordingMaxAgeDays": null}),
        )
        .await;
    assert_eq!(status, 200);
    let server = server.restart_with(|_| {}).await;
    let after = shown(&server).await;
    assert_eq!(
        after["settings"]["recordingMaxAgeDays"],
        Value::Null,
        "{after}"
    );
    assert_eq!(after["settings"]["dialTimeoutSecs"], 20);
    assert_eq!(after["settings"]["maxPhonesPerUser"], 1);
}

#[tokio::test]
async fn bad_settings_and_other_roles_change_nothing() {
    let server = TestServer::start().await;
    let before = shown(&server).await;
    let t = server.admin_token.clone();
    for body in [
        json!({"bindTtlSecs": 5}),
        json!({"dialTimeoutSecs": 601}),
        json!({"maxPhonesPerUser": 0}),
        json!({"recordingMaxAgeDays": 0}),
        json!({"recordingMaxBytes": 100}),
        json!({"dialTimeoutSecs": "20"}),
        json!({"dialTimeoutSecs": -1}),
        json!({"retention": 1}),
        json!({"dialTimeoutSecs": 20, "maxPhonesPerUser": 99}),
    ] {
        let (status, answer) = server.put(PATH, &t, body.clone()).await;
        assert_error(status, &answer, 400, "INVALID_PARAMS");
    }
    assert_eq!(
        shown(&server).await["settings"],
        before["settings"],
        "nothing half-applied"
    );
    for role in ["manager", "sales_staff"] {
        let who = server.create_user(&format!("u_{role}"), role, "一部").await;
        let (status, body) = server.get(PATH, &who.token).await;
        assert_error(status, &body, 403, "FORBIDDEN");
        let (status, body) = server
            .put(PATH, &who.token, json!({"dialTimeoutSecs": 20}))
            .await;
        assert_error(status, &body, 403, "FORBIDDEN");
    }
    let (status, body) = server.call(Method::GET, PATH, None, None).await;
    assert_error(status, &body, 401, "AUTH_FAILED");
}
