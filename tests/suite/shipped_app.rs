//! Issue 12: the screens of the shipped phone app (contract §13.1), each against a real server
//! and real sockets in the app's dialect — data on every success, a §5.2 recording that plays
//! without a header, the 未接 tab, calls from the app's own dialpad, whole numbers on the phone,
//! and the PC hanging up a call the phone never reported connected.

use crate::common;

use common::audio::{self, upload};
use common::calls::{assert_rollup_consistent, create_call, customer, detail};
use common::dialing::{Dialect, Reporter, dial_number, end_reason, online_phone};
use common::phone::next_id;
use common::{TestServer, assert_error};
use serde_json::{Value, json};

/// 解绑设备: the success answer carries `data`, which the app reads on every 200.
#[tokio::test]
async fn unbind_answers_with_data() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let phone = online_phone(&server, &user, Dialect::Shipped).await;
    let (s, b) = server
        .delete("/api/v1/mobile/unbind", &phone.ws_token)
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b.as_object().unwrap().contains_key("data"), "{b}");
    server.stop().await;
}

/// §5.2 `recordingUrl` on the phone is absolute and plays with no header; it stops working for
/// good when the user it was handed to is disabled, and when the recording is deleted. The PC list keeps the document's path.
#[tokio::test]
async fn the_call_detail_recording_plays_without_a_header() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let call = create_call(
        &server,
        &user.token,
        json!({"customerPhone": "13800138000"}),
    )
    .await;
    let bytes = audio::mp3(4);
    let (s, up) = upload(
        &server,
        &user.token,
        Some(&call),
        None,
        "a.mp3",
        bytes.clone(),
    )
    .await;
    assert_eq!(s, 200, "{up}");
    let url = detail(&server, &user.token, &call).await["recordingUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        url.starts_with(&server.base),
        "absolute on the public address: {url}"
    );
    let plain = reqwest::Client::new();
    let resp = plain.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().await.unwrap().to_vec(), bytes);
    let resp = plain
        .get(&url)
        .header("Range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 206, "the player seeks");

    let (_, pc) = server.get("/api/v1/calls/records", &user.token).await;
    assert_eq!(
        pc["data"]["records"][0]["recordingUrl"],
        up["data"]["filePath"]
    );

    let user_path = format!("/api/v1/users/{}", user.id);
    let disable = |on: bool| server.put(&user_path, &server.admin_token, json!({ "disabled": on }));
    assert_eq!(disable(true).await.0, 200);
    let status = plain.get(&url).send().await.unwrap().status().as_u16();
    assert_eq!(status, 401, "a disabled user's link stops working");
    assert_eq!(disable(false).await.0, 200);
    let status = plain.get(&url).send().await.unwrap().status().as_u16();
    assert_eq!(status, 401, "and stays dead when they are enabled again");
    let token = common::login_token(&server.base, &user.username, common::USER_PASSWORD).await;
    let url = detail(&server, &token, &call).await["recordingUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(plain.get(&url).send().await.unwrap().status().as_u16(), 200);
    let id = up["data"]["id"].as_str().unwrap();
    let (s, b) = server
        .delete(
            &format!("/api/v1/calls/recordings/{id}"),
            &server.admin_token,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(plain.get(&url).send().await.unwrap().status().as_u16(), 404);
    server.stop().await;
}

/// The 未接 tab: §5.3 filters by `callStatus` (and `callType`); an unknown value is refused.
/// The phone sees its calls' whole numbers; the PC masks them for sales staff.
#[tokio::test]
async fn the_missed_tab_lists_missed_calls_with_whole_numbers() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let t = &user.token;
    let missed = create_call(
        &server,
        t,
        json!({"customerPhone": "13700001111", "callStatus": "missed"}),
    )
    .await;
    create_call(&server, t, json!({"customerPhone": "13700002222", "callStatus": "connected", "duration": 30, "endTime": "2099-01-01T00:00:00Z"})).await;
    create_call(
        &server,
        t,
        json!({"customerPhone": "13700003333", "callStatus": "missed", "callType": "inbound"}),
    )
    .await;

    let (s, b) = server
        .get("/api/v1/mobile/calls?callStatus=missed", t)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["total"], 2, "{b}");
    let (_, b) = server
        .get(
            "/api/v1/mobile/calls?callStatus=missed&callType=outbound",
            t,
        )
        .await;
    assert_eq!(b["data"]["total"], 1, "{b}");
    let row = &b["data"]["records"][0];
    assert_eq!(
        (&row["id"], &row["customerPhone"]),
        (&json!(missed), &json!("13700001111"))
    );
    for bad in ["callStatus=nope", "callType=sideways"] {
        let (s, b) = server.get(&format!("/api/v1/mobile/calls?{bad}"), t).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let (_, pc) = server
        .get(
            "/api/v1/calls/records?callStatus=missed&callType=outbound",
            t,
        )
        .await;
    assert_eq!(pc["data"]["records"][0]["customerPhone"], "137****1111");
    server.stop().await;
}

/// A call from the app's own dialpad: its made-up `manual_…` id is created by the first report,
/// and its end, recording (the number from the file name), follow-up and statistics land on it.
#[tokio::test]
async fn a_call_from_the_apps_dialpad_is_kept_with_its_notes() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let zhang = customer(&server, "张三", "13800138000").await;
    let mut phone = online_phone(&server, &user, Dialect::Shipped).await;
    let id = format!("manual_{}_k3j9x", common::phone::chrono_ms());
    let mut app = Reporter::socket(&server, &user, &mut phone, Dialect::Shipped);
    let (s, b) = app.status(&id, "dialing", json!({})).await;
    assert_eq!(s, 200, "dialing: {b}");
    let (s, b) = app
        .end(
            &next_id(),
            json!({"callId": id, "status": "connected", "duration": 42}),
        )
        .await;
    assert_eq!(s, 200, "CALL_ENDED: {b}");
    let name = "Call_13800138000_20261202_101500.mp3";
    let (s, b) = upload(&server, &user.token, Some(&id), None, name, audio::mp3(3)).await;
    assert_eq!(s, 200, "upload: {b}");
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/followup",
            &user.token,
            json!({"callId": id, "notes": "想要报价", "tags": ["报价"], "intention": "high"}),
        )
        .await;
    assert_eq!(s, 200, "follow-up: {b}");

    let d = detail(&server, &user.token, &id).await;
    assert_eq!(
        (
            &d["callStatus"],
            &d["duration"],
            &d["customerPhone"],
            &d["customerId"],
            &d["hasRecording"]
        ),
        (
            &json!("connected"),
            &json!(42),
            &json!("13800138000"),
            &json!(zhang),
            &json!(true)
        ),
        "{d}"
    );
    assert_eq!(d["notes"], "想要报价");
    assert_eq!(d["manualDial"], true);
    let (_, today) = server.get("/api/v1/mobile/stats/today", &user.token).await;
    assert_eq!(today["data"]["totalCalls"], 1, "{today}");
    assert_rollup_consistent(&server);

    // any other unknown id stays NOT_FOUND
    let (s, b) = app.status("call_nobody_knows", "dialing", json!({})).await;
    assert_eq!((s, &b["data"]["code"]), (400, &json!("NOT_FOUND")), "{b}");
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/followup",
            &user.token,
            json!({"callId": "manual_never_reported"}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    // a user with no bound phone makes no manual calls
    let other = server.create_user("sales_b", "sales_staff", "一部").await;
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/status",
            &other.token,
            json!({"callId": "manual_1_x", "status": "dialing"}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_eq!(calls_with(&server, "manual_1_x"), 0);
    server.stop().await;
}

fn calls_with(server: &TestServer, id: &str) -> i64 {
    server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM call_records WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

/// The PC hangs up a call the phone never reported connected: CALL_END reaches the phone and
/// its end report decides the outcome. A cancel the phone ignores keeps both facts.
#[tokio::test]
async fn the_pc_hangs_up_in_any_live_state_and_a_cancel_keeps_its_trace() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &user, Dialect::Shipped).await;
    let (id, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    let (s, b) = server
        .put(
            &format!("/api/v1/calls/records/{id}/end"),
            &user.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        phone.recv_type("CALL_END").await["data"]["callId"],
        json!(id)
    );
    let mut app = Reporter::socket(&server, &user, &mut phone, Dialect::Shipped);
    let (s, b) = app
        .end(
            &next_id(),
            json!({"callId": id, "status": "connected", "duration": 12}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let d = detail(&server, &user.token, &id).await;
    assert_eq!(
        (&d["callStatus"], &d["duration"]),
        (&json!("connected"), &json!(12))
    );

    // the app ignores the cancel and later reports what happened
    let (id, _) = dial_number(&server, &user, &mut phone, "13800138000").await;
    let (s, b) = server
        .post(
            &format!("/api/v1/calls/{id}/cancel"),
            &user.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let mut app = Reporter::socket(&server, &user, &mut phone, Dialect::Shipped);
    let (s, b) = app.status(&id, "missed", json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        detail(&server, &user.token, &id).await["callStatus"],
        "missed"
    );
    assert_eq!(end_reason(&server, &id).as_deref(), Some("pc_cancel"));
    let (_, pc) = server.get("/api/v1/calls/records", &user.token).await;
    let row = pc["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == json!(id))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        (&row["callStatus"], &row["endReason"]),
        (&json!("missed"), &json!("pc_cancel"))
    );
    let kinds: Vec<String> = server
        .db()
        .prepare("SELECT kind FROM call_events WHERE call_id = ?1 ORDER BY id")
        .unwrap()
        .query_map([&id], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let cancel = kinds.iter().position(|k| k == "cancel");
    let status = kinds.iter().rposition(|k| k == "status");
    assert!(
        cancel.is_some() && status > cancel,
        "history keeps both: {kinds:?}"
    );
    server.stop().await;
}

/// Every documented route, asked with real ids and a body it accepts, succeeds — and every
/// success carries `data` (contract §13.1). Deletes go last, the phone's own unbind at the end.
#[tokio::test]
async fn every_route_succeeds_with_data() {
    let server = TestServer::start().await;
    let admin = server.admin_user().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &admin, Dialect::Shipped).await;
    let spare = common::phone::TestPhone::bind_pc(&server, &admin).await;
    let t = server.admin_token.clone();
    let call = create_call(&server, &t, json!({"customerPhone": "13800138000"})).await;
    let doomed_call = create_call(&server, &t, json!({"customerPhone": "13800138002"})).await;
    let kept = customer(&server, "张三", "13800138000").await;
    let doomed = customer(&server, "李四", "13800138003").await;
    // an import to undo (issue 30)
    let imported = server
        .client
        .post(server.url("/api/v1/customers/import"))
        .bearer_auth(&server.admin_token)
        .body("姓名,电话\n周七,13966668888\n")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let import_id = imported["data"]["importId"].as_str().unwrap().to_string();
    let (_, rec) = upload(&server, &t, Some(&call), None, "a.mp3", audio::mp3(2)).await;
    let recording = rec["data"]["id"].as_str().unwrap().to_string();
    let follow_up = |content: &'static str| {
        let (server, t, call) = (&server, t.clone(), call.clone());
        async move {
            let body = json!({"callId": call, "content": content});
            let (status, made) = server.post("/api/v1/calls/followups", &t, body).await;
            assert_eq!(status, 200, "{made}");
            made["data"]["id"].as_str().unwrap().to_string()
        }
    };
    let kept_follow_up = follow_up("走查跟进").await;
    let doomed_follow_up = follow_up("走查删除").await;
    let qr = common::phone::TestPhone::pc_qr(&server, &t).await;
    let bind_qr = common::phone::TestPhone::pc_qr(&server, &t).await;
    // the admin has three phones now (the limit): the app binds one for the salesperson
    let shipped_qr = common::phone::TestPhone::pc_qr(&server, &sales.token).await;
    let rel = rec["data"]["filePath"]
        .as_str()
        .unwrap()
        .trim_start_matches("/recordings/")
        .to_string();
    let device = |n: u32| json!({"deviceId": format!("walk-device-{n}"), "phoneNumber": format!("1390000000{n}"), "deviceName": "走查手机"});
    // 外呼任务 (issue 16): one list kept, one to delete, two numbers for the admin (whose phone
    // is online), a number on the 黑名单 to remove
    let campaign = |name: &'static str| {
        let (server, t) = (&server, t.clone());
        async move {
            let body = json!({"name": name, "items": [{"phone": "13911112222"}, {"phone": "13911113333"}]});
            let (status, made) = server.post("/api/v1/campaigns", &t, body).await;
            assert_eq!(status, 200, "{made}");
            made["data"]["id"].as_str().unwrap().to_string()
        }
    };
    let kept_campaign = campaign("走查任务").await;
    let doomed_campaign = campaign("走查删除任务").await;
    let assign = json!({"mode": "even", "userIds": [admin.id]});
    let (status, _) = server
        .post(
            &format!("/api/v1/campaigns/{kept_campaign}/assign"),
            &t,
            assign,
        )
        .await;
    assert_eq!(status, 200);
    let (_, items) = server
        .get(&format!("/api/v1/campaigns/{kept_campaign}/items"), &t)
        .await;
    let callback_item = items["data"]["records"][1]["id"].to_string();
    let (status, _) = server
        .post("/api/v1/do-not-call", &t, json!({"phone": "13977778888"}))
        .await;
    assert_eq!(status, 200);

    let doc = crate::openapi::document(&server).await;
    let mut ops: Vec<(String, String)> = Vec::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        if path.starts_with("/api/v1/") {
            ops.extend(
                methods
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(|m| (m.to_uppercase(), path.clone())),
            );
        }
    }
    let rank = |(m, p): &(String, String)| match (m.as_str(), p.as_str()) {
        (_, "/api/v1/mobile/unbind") => 3,
        // ends the salesperson's other sessions: after everything that uses them
        (_, "/api/v1/auth/password") => 4,
        ("DELETE", _) => 2,
        _ => 1,
    };
    ops.sort_by_key(rank);

    let mut live_call = String::new();
    let mut failed = Vec::new();
    for (method, path) in &ops {
        let id = match path.as_str() {
            p if p.starts_with("/api/v1/users/") => sales.id.clone(),
            p if p.contains("/bind-status/") => qr["connectionId"].as_str().unwrap().to_string(),
            p if p.starts_with("/api/v1/call-config/work-phones/") && method == "DELETE" => {
                spare.phone_id.to_string()
            }
            p if p.starts_with("/api/v1/call-config/work-phones/") => phone.phone_id.to_string(),
            "/api/v1/customers/imports/{importId}/undo" => import_id.clone(),
            p if p.starts_with("/api/v1/customers/") && method == "DELETE" => doomed.clone(),
            p if p.starts_with("/api/v1/customers/") => kept.clone(),
            "/api/v1/calls/{callId}/cancel" => live_call.clone(),
            p if p.starts_with("/api/v1/calls/followups/") && method == "DELETE" => {
                doomed_follow_up.clone()
            }
            p if p.starts_with("/api/v1/calls/followups/") => kept_follow_up.clone(),
            p if p.starts_with("/api/v1/calls/records/") && method == "DELETE" => {
                doomed_call.clone()
            }
            p if p.starts_with("/api/v1/calls/recordings/stream/") => rel.clone(),
            p if p.starts_with("/api/v1/calls/recordings/") => recording.clone(),
            "/api/v1/campaigns/items/{itemId}/callback" => callback_item.clone(),
            p if p.starts_with("/api/v1/campaigns/") && method == "DELETE" => {
                doomed_campaign.clone()
            }
            p if p.starts_with("/api/v1/campaigns/") => kept_campaign.clone(),
            "/api/v1/dialer/session/{command}" => "pause".into(),
            "/api/v1/do-not-call/{phone}" => "13977778888".into(),
            _ => call.clone(),
        };
        let concrete: String = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    id.as_str()
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let body = match (method.as_str(), path.as_str()) {
            (_, "/api/v1/mobile/login" | "/api/v1/auth/login") => {
                json!({"username": "admin", "password": common::ADMIN_PASSWORD})
            }
            ("POST", "/api/v1/users") => {
                json!({"username": "walker", "password": "walker-pw-1", "realName": "走查", "department": "一部", "role": "sales_staff"})
            }
            ("PUT", "/api/v1/users/{id}") => json!({"realName": "改名"}),
            ("PUT", "/api/v1/users/{id}/password") => json!({"password": "sales-new-pw"}),
            (_, "/api/v1/call-config/work-phones/bind") => {
                json!({"connectionId": bind_qr["connectionId"], "deviceInfo": device(1)})
            }
            (_, "/api/v1/mobile/bind") => {
                json!({"bindToken": shipped_qr["connectionId"], "deviceInfo": device(2)})
            }
            ("POST", "/api/v1/customers") => json!({"name": "王五", "phone": "13955556666"}),
            ("PUT", "/api/v1/customers/{id}") => json!({"notes": "走查"}),
            (_, "/api/v1/customers/bulk") => {
                json!({"ids": [kept], "action": "tag", "tags": ["走查"]})
            }
            (_, "/api/v1/mobile/call/status") => json!({"callId": call, "status": "ringing"}),
            (_, "/api/v1/mobile/call/end") => {
                json!({"callId": call, "status": "connected", "duration": 5})
            }
            (_, "/api/v1/calls/outbound") => json!({"customerPhone": "13800138000"}),
            ("POST", "/api/v1/calls/records") => {
                json!({"customerPhone": "13800138001", "callStatus": "missed"})
            }
            ("PUT", "/api/v1/calls/records/{id}") => json!({"notes": "走查"}),
            ("PUT", "/api/v1/calls/records/{id}/end") => json!({"duration": 9}),
            (_, "/api/v1/mobile/call/followup") => json!({"callId": call, "notes": "回访"}),
            ("POST", "/api/v1/calls/followups") => json!({"callId": call, "content": "回访"}),
            ("PUT", "/api/v1/calls/followups/{id}") => json!({"status": "completed"}),
            ("POST", "/api/v1/campaigns") => json!({"name": "走查新任务"}),
            ("PUT", "/api/v1/campaigns/{id}") => json!({"description": "走查"}),
            ("POST", "/api/v1/campaigns/{id}/items") => {
                json!({"items": [{"phone": "13911114444", "name": "走查"}]})
            }
            ("POST", "/api/v1/campaigns/{id}/assign") => {
                json!({"mode": "even", "userIds": [admin.id]})
            }
            (_, "/api/v1/campaigns/items/{itemId}/callback") => {
                json!({"at": "2030-01-02T10:00:00+08:00"})
            }
            ("POST", "/api/v1/dialer/session") => json!({"campaignId": kept_campaign}),
            ("POST", "/api/v1/do-not-call") => json!({"phone": "13955550000", "reason": "走查"}),
            ("PUT", "/api/v1/system/pacing") => json!({"maxPerDay": 300}),
            ("PUT", "/api/v1/system/office") => json!({"name": "走查"}),
            (_, "/api/v1/mobile/recording/upload-base64") => {
                use base64::Engine;
                let mp3 = base64::engine::general_purpose::STANDARD.encode(audio::mp3(2));
                json!({"callId": call, "fileName": "c.mp3", "base64": mp3})
            }
            (_, "/api/v1/auth/password") => {
                // the admin reset it to this earlier in the walk
                json!({"oldPassword": "sales-new-pw", "newPassword": "walker-new-pw"})
            }
            _ => json!({}),
        };
        let token = match path.as_str() {
            "/api/v1/mobile/unbind" => phone.ws_token.clone(),
            "/api/v1/mobile/bind" => sales.token.clone(),
            // that reset ended the salesperson's sessions: a fresh login
            "/api/v1/auth/password" => server.login("sales_a", "sales-new-pw").await,
            _ => t.clone(),
        };
        let (status, answer) = match path.as_str() {
            "/api/v1/exports/download/{token}" => {
                // a link an export just made (the token is the credential)
                let (_, made) = server.get("/api/v1/calls/records/export", &token).await;
                let url = made["data"]["downloadUrl"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let status = server
                    .client
                    .get(server.url(&url))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16();
                (status, json!({ "data": "file" }))
            }
            "/api/v1/customers/import/template" => {
                // the .xlsx itself, not a JSON answer
                let resp = server.client.get(server.url(&concrete)).bearer_auth(&token);
                let status = resp.send().await.unwrap().status().as_u16();
                (status, json!({ "data": "xlsx" }))
            }
            p if p.starts_with("/api/v1/calls/recordings/stream/") => {
                // the audio itself, not a JSON answer
                let resp = server.client.get(server.url(&concrete)).bearer_auth(&token);
                let status = resp.send().await.unwrap().status().as_u16();
                (status, json!({ "data": "audio" }))
            }
            "/api/v1/mobile/recording/upload" => {
                upload(&server, &t, Some(&call), None, "b.mp3", audio::mp3(2)).await
            }
            "/api/v1/customers/import"
            | "/api/v1/campaigns/{id}/import"
            | "/api/v1/do-not-call/import" => {
                let resp = server
                    .client
                    .post(server.url(&concrete))
                    .bearer_auth(&token)
                    .body("姓名,电话\n赵六,13966667777\n")
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                (status, resp.json().await.unwrap_or_default())
            }
            _ => {
                let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                let body = (method != "GET").then_some(body);
                server.call(m, &concrete, Some(&token), body).await
            }
        };
        if path == "/api/v1/calls/outbound" {
            live_call = answer["data"]["callId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            phone.recv_type("DIAL_COMMAND").await;
        }
        let has_data = answer.as_object().is_some_and(|o| o.contains_key("data"));
        if !(200..300).contains(&status) || !has_data {
            failed.push(format!("{method} {concrete} → {status} {answer}"));
        }
    }
    assert!(ops.len() >= 45, "only {} operations documented", ops.len());
    assert!(
        failed.is_empty(),
        "{} of {} failed:\n{}",
        failed.len(),
        ops.len(),
        failed.join("\n")
    );
    server.stop().await;
}
