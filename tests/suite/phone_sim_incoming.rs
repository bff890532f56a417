//! Issue 29 end to end: `dialbox-phone incoming NUMBER` in the shipped app 2.4.0's dialect —
//! caller ID on the socket (or over HTTP without one), states by number, the end under the
//! app's own id, a number read only after the call, the recording multipart or base64, the
//! form; and a ring the app never saw, back-filled from its call log on its return.

use std::path::{Path, PathBuf};

use crate::common;
use crate::phone_sim::{bind, pc_qr, save_png};

use common::calls::customer;
use common::{TestServer, TestUser, sim};

async fn bound(server: &TestServer, user: &TestUser, dir: &Path) -> PathBuf {
    let (url, _) = pc_qr(server, user).await;
    let png = dir.join("qr.png");
    save_png(&url, &png);
    let state = dir.join("phone.json");
    bind(
        server,
        user,
        &state,
        "shipped-app-2.4",
        &["--qr", png.to_str().unwrap()],
    )
    .await;
    state
}

async fn incoming(state: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "incoming",
        "--state",
        state.to_str().unwrap(),
        "--ring-secs",
        "0",
        "--talk-secs",
        "1",
        "--socket-on-server",
    ];
    args.extend_from_slice(extra);
    let out = sim::phone(&args).await;
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("BROKEN"), "{}", out.stdout);
    out.stdout
}

fn has_all(out: &str, steps: &[&str]) {
    for step in steps {
        assert!(out.contains(step), "missing {step:?} in:\n{out}");
    }
}

#[tokio::test]
async fn an_incoming_call_is_one_call_with_its_recording_and_form() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    customer(&server, "王五", "13800138000").await;
    let user = server.create_user("simin", "sales_staff", "销售部").await;
    let state = bound(&server, &user, dir.path()).await;

    let out = incoming(&state, &["13800138000"]).await;
    has_all(
        &out,
        &[
            "caller ID on the socket in",
            "王五",
            "CALL_STATUS connected by number",
            "recording uploaded onto call_",
            "follow-up submitted",
            "kept as inbound connected",
            "number 13800138000, customer 王五",
        ],
    );
    // without a socket, a number read late, the recording as base64
    let out = incoming(
        &state,
        &["13900139000", "--no-socket", "--number-later", "--base64"],
    )
    .await;
    has_all(
        &out,
        &[
            "caller ID over HTTP in",
            "未知来电",
            "found after the call",
            "recording uploaded as base64 onto call_",
            "number 13900139000",
        ],
    );
    // missed while the app was closed: back-filled once, replayed as nothing
    let out = incoming(&state, &["13700137000", "--while-closed"]).await;
    has_all(
        &out,
        &[
            "back-filled: created 1, skipped 0",
            "replayed: created 0, skipped 1",
        ],
    );
    let (_, list) = server
        .get(
            "/api/v1/calls/records?callType=inbound",
            &server.admin_token,
        )
        .await;
    assert_eq!(list["data"]["total"], 3, "{list}");
    let records = list["data"]["records"].as_array().unwrap();
    assert!(records.iter().all(|r| r["callType"] == "inbound"));
    assert_eq!(
        records.iter().filter(|r| r["hasRecording"] == true).count(),
        2,
        "{list}"
    );
    server.stop().await;
}
