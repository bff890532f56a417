//! The phone simulator (`dialbox-phone`) against a real server: `bind` from each kind of QR in
//! each dialect, `run` through whole calls (recording upload and follow-up included), cancel and
//! unbind honoured, and `bench dial-latency` with a handful of phones on its own `dialbox serve`.

use crate::common;

use std::path::{Path, PathBuf};

use base64::Engine;
use common::sim::{self, DIALBOX_BIN, Running};
use common::{TestServer, TestUser, USER_PASSWORD};
use serde_json::{Value, json};

/// Writes the PNG of a `data:image/png;base64,` URL to `path`.
pub(crate) fn save_png(data_url: &str, path: &Path) {
    let b64 = data_url
        .strip_prefix("data:image/png;base64,")
        .expect("PNG data URL");
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    std::fs::write(path, png).unwrap();
}

fn read_state(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("state file")).unwrap()
}

/// §3.1 for `user`, asked by the user: (PNG data URL, connectionId).
pub(crate) async fn pc_qr(server: &TestServer, user: &TestUser) -> (String, String) {
    let (status, body) = server
        .post(
            "/api/v1/call-config/work-phones/qrcode",
            &user.token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    (
        d["qrCodeUrl"].as_str().unwrap().into(),
        d["connectionId"].as_str().unwrap().into(),
    )
}

/// §3.1.1 for `user`: (qrCodeData as JSON text, PNG data URL).
async fn mobile_qr(server: &TestServer, user: &TestUser) -> (String, String) {
    let (status, body) = server
        .post("/api/v1/mobile/bindQRCode", &user.token, json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    (
        d["qrCodeData"].to_string(),
        d["qrCodeImage"].as_str().unwrap().into(),
    )
}

/// `dialbox-phone bind` for `user` with the QR given by `qr_args`; returns the saved state.
pub(crate) async fn bind(
    server: &TestServer,
    user: &TestUser,
    state: &Path,
    dialect: &str,
    qr_args: &[&str],
) -> Value {
    let state_text = state.to_str().unwrap();
    let mut args = vec![
        "bind",
        "--server",
        &server.base,
        "--username",
        &user.username,
        "--password",
        USER_PASSWORD,
        "--dialect",
        dialect,
        "--state",
        state_text,
    ];
    args.extend_from_slice(qr_args);
    let out = sim::phone(&args).await;
    assert!(
        out.status.success(),
        "bind failed: {}{}",
        out.stdout,
        out.stderr
    );
    read_state(state)
}

/// The phone as the server sees it (device/status with the device token).
async fn device_status(server: &TestServer, state: &Value) -> Value {
    let (status, body) = server
        .get(
            "/api/v1/mobile/device/status",
            state["wsToken"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn binds_from_each_kind_of_qr_in_each_dialect() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let user = server.create_user("simbind", "sales_staff", "销售部").await;
    let png = |name: &str| dir.path().join(name);

    // §3.1 image, the document's way one
    let (url, connection) = pc_qr(&server, &user).await;
    save_png(&url, &png("pc.png"));
    let state = png("pc.json");
    let pc_png = png("pc.png");
    let saved = bind(
        &server,
        &user,
        &state,
        "document",
        &[
            "--qr",
            pc_png.to_str().unwrap(),
            "--phone-number",
            "13900000001",
        ],
    )
    .await;
    assert_eq!(saved["dialect"], "document");
    assert_eq!(saved["userId"], json!(user.id));
    assert!(saved["wsUrl"].as_str().unwrap().ends_with("/ws/mobile"));
    let seen = device_status(&server, &saved).await;
    assert_eq!(seen["bound"], json!(true));
    assert_eq!(seen["device"]["deviceId"], saved["deviceId"]);
    assert_eq!(seen["device"]["phoneNumber"], "13900000001");
    let (_, status) = server
        .get(
            &format!("/api/v1/call-config/work-phones/bind-status/{connection}"),
            &user.token,
        )
        .await;
    assert_eq!(status["data"]["status"], "connected");

    // §3.1.1 content as JSON, the document's way two (with the number)
    let (content, _) = mobile_qr(&server, &user).await;
    let saved = bind(
        &server,
        &user,
        &png("m.json"),
        "document",
        &["--qr-json", &content, "--phone-number", "13900000002"],
    )
    .await;
    assert_eq!(
        device_status(&server, &saved).await["device"]["phoneNumber"],
        "13900000002"
    );

    // §3.1.1 image in the shipped app's form: /mobile/bind, no number
    let other = server
        .create_user("simbind2", "sales_staff", "销售部")
        .await;
    let (_, image) = mobile_qr(&server, &other).await;
    save_png(&image, &png("m.png"));
    let m_png = png("m.png");
    let saved = bind(
        &server,
        &other,
        &png("s1.json"),
        "shipped-app",
        &["--qr", m_png.to_str().unwrap()],
    )
    .await;
    assert_eq!(saved["dialect"], "shipped-app");
    assert_eq!(saved["phoneNumber"], "");
    assert_eq!(device_status(&server, &saved).await["bound"], json!(true));

    // a bare connectionId: the shipped app sends it as bindToken; the document's app binds way one
    let (_, connection) = pc_qr(&server, &other).await;
    let saved = bind(
        &server,
        &other,
        &png("s2.json"),
        "shipped-app",
        &["--connection-id", &connection],
    )
    .await;
    assert_eq!(device_status(&server, &saved).await["bound"], json!(true));
    let (_, connection) = pc_qr(&server, &other).await;
    let saved = bind(
        &server,
        &other,
        &png("d2.json"),
        "document",
        &["--connection-id", &connection],
    )
    .await;
    assert_eq!(device_status(&server, &saved).await["bound"], json!(true));
    let (_, phones) = server
        .get("/api/v1/call-config/work-phones", &other.token)
        .await;
    assert_eq!(phones["data"].as_array().unwrap().len(), 3, "{phones}");

    // an unknown connectionId: the server's refusal is printed, nothing saved
    let refused = png("refused.json");
    let out = sim::phone(&[
        "bind",
        "--server",
        &server.base,
        "--username",
        &user.username,
        "--password",
        USER_PASSWORD,
        "--connection-id",
        "bind_nobody_1_x",
        "--state",
        refused.to_str().unwrap(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(out.stderr.contains("NOT_FOUND"), "{}", out.stderr);
    assert!(!refused.exists());
}

/// Binds a fresh user's phone from the PC QR image and starts `run` with `extra` flags.
pub(crate) async fn running_phone(
    server: &TestServer,
    name: &str,
    dialect: &str,
    dir: &Path,
    extra: &[&str],
) -> (TestUser, PathBuf, Running) {
    let user = server.create_user(name, "sales_staff", "销售部").await;
    let (url, _) = pc_qr(server, &user).await;
    let png = dir.join(format!("{name}.png"));
    save_png(&url, &png);
    let state = dir.join(format!("{name}.json"));
    bind(
        server,
        &user,
        &state,
        dialect,
        &["--qr", png.to_str().unwrap()],
    )
    .await;
    let mut args = vec!["run", "--state", state.to_str().unwrap(), "--seconds", "60"];
    args.extend_from_slice(extra);
    let phone = Running::start(&args);
    phone.wait_for("online (DEVICE_ONLINE acknowledged)").await;
    (user, state, phone)
}

pub(crate) async fn dial(server: &TestServer, user: &TestUser) -> String {
    let (status, body) = server
        .post(
            "/api/v1/calls/outbound",
            &user.token,
            json!({ "customerPhone": "13812345678", "customerName": "张三" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["callId"].as_str().unwrap().to_string()
}

/// One connected call in `dialect`; checks the record, the recording and the follow-up.
async fn full_call(dialect: &str, format: &str) -> String {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--calls",
        "1",
        "--answer",
        "connected:1",
        "--ring-secs",
        "0.2",
        "--talk-secs",
        "1.2",
        "--format",
        format,
    ];
    let (user, _, phone) = running_phone(&server, "simcall", dialect, dir.path(), &flags).await;
    let call_id = dial(&server, &user).await;
    let (status, out) = phone.finish().await;
    assert!(status.success(), "{out}");
    for step in [
        "DIAL_COMMAND to 13812345678",
        "CALL_STATUS ringing",
        "CALL_STATUS connected",
        "follow-up submitted (high)",
    ] {
        assert!(out.contains(step), "missing {step:?} in:\n{out}");
    }
    assert!(
        out.contains(&format!("uploaded {format} recording")),
        "{out}"
    );
    let (status, call) = server
        .get(&format!("/api/v1/mobile/call/{call_id}"), &user.token)
        .await;
    assert_eq!(status, 200, "{call}");
    let call = &call["data"];
    assert_eq!(call["callStatus"], "connected", "{call}");
    assert_eq!(call["hasRecording"], json!(true));
    assert!(call["duration"].as_u64().unwrap() >= 1, "{call}");
    assert_eq!(call["callTags"], json!(["意向", "需报价"]));
    let followups = call["followUpRecords"].as_array().unwrap();
    assert_eq!(followups.len(), 1, "{call}");
    assert!(
        followups[0]["content"]
            .as_str()
            .unwrap()
            .contains("标签: 意向, 需报价")
    );
    let (_, list) = server
        .get(
            &format!("/api/v1/calls/recordings?callId={call_id}"),
            &user.token,
        )
        .await;
    assert_eq!(list["data"]["total"], json!(1), "{list}");
    assert_eq!(list["data"]["recordings"][0]["format"], json!(format));
    out
}

#[tokio::test]
async fn runs_a_whole_call_as_the_documents_app() {
    let out = full_call("document", "wav").await;
    assert!(out.contains("CALL_END connected"), "{out}");
    assert!(!out.contains("CALL_ENDED"), "{out}");
}

#[tokio::test]
async fn runs_a_whole_call_as_the_shipped_app() {
    let out = full_call("shipped-app", "amr").await;
    for step in [
        "CALL_STATUS dialing",
        "(system_hangup)",
        "CALL_ENDED connected",
        "(user_submit)",
        // its call-detail page plays §5.2 recordingUrl as is (contract §13.1)
        "played the recording with no header",
    ] {
        assert!(out.contains(step), "missing {step:?} in:\n{out}");
    }
    assert!(!out.contains("BROKEN"), "{out}");
}

#[tokio::test]
async fn honours_cancel_and_unbind() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (user, state, phone) = running_phone(
        &server,
        "simcancel",
        "document",
        dir.path(),
        &["--ring-secs", "30"],
    )
    .await;
    let call_id = dial(&server, &user).await;
    phone.wait_for("CALL_STATUS ringing").await;
    let (status, body) = server
        .post(
            &format!("/api/v1/calls/{call_id}/cancel"),
            &user.token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    phone.wait_for("canceled by the PC, hanging up").await;
    let (_, phones) = server
        .get("/api/v1/call-config/work-phones", &user.token)
        .await;
    let phone_id = phones["data"][0]["id"].clone();
    let (status, body) = server
        .delete(
            &format!("/api/v1/call-config/work-phones/{phone_id}"),
            &user.token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, out) = phone.finish().await;
    assert!(status.success(), "{out}");
    assert!(out.contains("DEVICE_UNBIND"), "{out}");
    assert!(
        out.contains("DIAL_CANCEL") && out.contains("CANCEL_DIAL"),
        "{out}"
    );
    assert!(
        !state.exists(),
        "the state file is cleared after DEVICE_UNBIND"
    );
}

#[tokio::test]
async fn bench_dial_latency_with_a_handful_of_phones() {
    let out = sim::phone(&[
        "bench",
        "dial-latency",
        "--count",
        "3",
        "--users",
        "3",
        "--dials",
        "12",
        "--dialbox",
        DIALBOX_BIN,
    ])
    .await;
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("dial-latency: click"), "{}", out.stdout);
    let last = out.stdout.lines().last().unwrap();
    let result: Value = serde_json::from_str(last).expect("a JSON last line");
    assert_eq!(result["bench"], "dial-latency");
    assert_eq!(result["phones"], json!(3));
    assert_eq!(result["dials"], json!(12));
    let (p50, p99) = (
        result["p50_ms"].as_f64().unwrap(),
        result["p99_ms"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p99 >= p50, "{result}");
}

#[tokio::test]
async fn bench_power_dialer_with_a_handful_of_salespeople() {
    let out = sim::phone(&[
        "bench",
        "power-dialer",
        "--count",
        "3",
        "--dials",
        "9",
        "--dialbox",
        DIALBOX_BIN,
    ])
    .await;
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    let last = out.stdout.lines().last().unwrap();
    let result: Value = serde_json::from_str(last).expect("a JSON last line");
    assert_eq!(result["bench"], "power-dialer");
    assert_eq!(result["dials"], json!(9));
    let (p50, p99) = (
        result["p50_ms"].as_f64().unwrap(),
        result["p99_ms"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p99 >= p50, "{result}");
}
