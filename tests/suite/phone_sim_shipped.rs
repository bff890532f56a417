//! Issue 12 end to end: `dialbox-phone` in the shipped app's dialect (contract §13.1) — it needs
//! `data` on every success, plays §5.2's recording with no header, checks its 未接 tab, ignores
//! cancels, can never report `connected`, and dials by hand (`manual_…` calls). A screen that
//! would break prints `BROKEN`.

use crate::common;
use crate::phone_sim::{bind, dial, pc_qr, running_phone, save_png};

use common::calls::customer;
use common::dialing::end_reason;
use common::{TestServer, sim};
use serde_json::json;

#[tokio::test]
async fn the_shipped_app_ignores_a_cancel_and_finds_the_call_in_its_missed_tab() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--calls",
        "1",
        "--answer",
        "connected:1",
        "--ring-secs",
        "30",
    ];
    let (user, _, phone) =
        running_phone(&server, "simignore", "shipped-app", dir.path(), &flags).await;
    let call_id = dial(&server, &user).await;
    phone.wait_for("CALL_STATUS ringing").await;
    let cancel = format!("/api/v1/calls/{call_id}/cancel");
    let (status, body) = server.post(&cancel, &user.token, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, out) = phone.finish().await;
    assert!(status.success(), "{out}");
    for step in [
        "cancel ignored",
        "未接 tab lists it (13812345678)",
        "follow-up submitted",
    ] {
        assert!(out.contains(step), "missing {step:?} in:\n{out}");
    }
    assert!(!out.contains("BROKEN"), "{out}");
    let (_, d) = server
        .get(&format!("/api/v1/mobile/call/{call_id}"), &user.token)
        .await;
    assert_eq!(d["data"]["callStatus"], "missed", "{d}");
    assert_eq!(end_reason(&server, &call_id).as_deref(), Some("pc_cancel"));
    server.stop().await;
}

#[tokio::test]
async fn the_pc_hangs_up_a_phone_that_never_reports_connected() {
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
        "30",
        "--never-connected",
    ];
    let (user, _, phone) =
        running_phone(&server, "simsilent", "shipped-app", dir.path(), &flags).await;
    let call_id = dial(&server, &user).await;
    phone.wait_for("never reports connected").await;
    let (_, d) = server
        .get(&format!("/api/v1/mobile/call/{call_id}"), &user.token)
        .await;
    assert_eq!(d["data"]["callStatus"], "ringing", "{d}");
    let end = format!("/api/v1/calls/records/{call_id}/end");
    let (status, body) = server.put(&end, &user.token, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, out) = phone.finish().await;
    assert!(status.success(), "{out}");
    assert!(out.contains("PcEnded from the server, hanging up"), "{out}");
    assert!(!out.contains("BROKEN"), "{out}");
    let (_, d) = server
        .get(&format!("/api/v1/mobile/call/{call_id}"), &user.token)
        .await;
    assert_eq!(
        d["data"]["callStatus"], "connected",
        "the phone's end decides: {d}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_call_dialed_by_hand_is_kept_with_its_number_recording_and_notes() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let zhang = customer(&server, "张三", "13800138000").await;
    let user = server.create_user("simhand", "sales_staff", "销售部").await;
    let (url, _) = pc_qr(&server, &user).await;
    let png = dir.path().join("hand.png");
    save_png(&url, &png);
    let state = dir.path().join("hand.json");
    bind(
        &server,
        &user,
        &state,
        "shipped-app",
        &["--qr", png.to_str().unwrap()],
    )
    .await;
    let out = sim::phone(&[
        "dial",
        "13800138000",
        "--state",
        state.to_str().unwrap(),
        "--ring-secs",
        "0",
        "--talk-secs",
        "1",
    ])
    .await;
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    for step in [
        "dialing 13800138000 on the dialpad",
        "played the recording with no header",
        "follow-up submitted",
        "kept as connected",
        "number 13800138000",
    ] {
        assert!(
            out.stdout.contains(step),
            "missing {step:?} in:\n{}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("BROKEN"), "{}", out.stdout);
    let (_, list) = server
        .get("/api/v1/calls/records", &server.admin_token)
        .await;
    let call = &list["data"]["records"][0];
    assert_eq!(
        (
            &call["manualDial"],
            &call["customerId"],
            &call["hasRecording"]
        ),
        (&json!(true), &json!(zhang), &json!(true)),
        "{call}"
    );
    server.stop().await;
}
