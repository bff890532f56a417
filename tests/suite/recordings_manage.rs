//! §4.4 list (filters, paging, visibility, masking), §4.7 delete, §4.8 stats, the admin's
//! storage view, and retention by disk budget and by age.

use crate::common;

use std::time::Duration;

use common::audio;
use common::calls::{backdate_recording, call_now, customer, ended_call};
use common::{TestServer, TestUser, assert_error, eventually};
use serde_json::{Value, json};

const LIST: &str = "/api/v1/calls/recordings";

async fn upload_for(server: &TestServer, user: &TestUser, call: &str, bytes: Vec<u8>) -> Value {
    let data = audio::upload_ok(server, &user.token, call, bytes).await;
    // distinct stored times, so "newest first" has one right answer
    crate::common::next_millisecond().await;
    data
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]["recordings"]
        .as_array()
        .unwrap_or_else(|| panic!("no recordings in {body}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn id(data: &Value) -> String {
    data["id"].as_str().unwrap().to_string()
}

fn today(server: &TestServer) -> String {
    let _ = server;
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap(); // the harness's office zone
    chrono::Utc::now()
        .with_timezone(&tz)
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn list_filters_paging_visibility_and_masking() {
    let server = TestServer::start().await;
    let owner = server.create_user("ls_own", "sales_staff", "一部").await;
    let peer = server.create_user("ls_peer", "sales_staff", "一部").await;
    let manager = server.create_user("ls_mgr", "manager", "一部").await;
    let outsider = server.create_user("ls_out", "manager", "二部").await;
    let customer = customer(&server, "李四", "13900001111").await;
    let now = chrono::Utc::now().timestamp_millis();
    let call_a = ended_call(
        &server,
        &owner.token,
        Some(&customer),
        "李四",
        "13900001111",
        now,
        30,
    )
    .await;
    let call_b = call_now(&server, &owner.token).await;
    let r1 = upload_for(&server, &owner, &call_a, audio::mp3(2)).await;
    let r2 = upload_for(&server, &owner, &call_b, audio::wav(50)).await;
    let r3 = upload_for(&server, &owner, &call_b, audio::ogg()).await;

    let (status, body) = server.get(LIST, &owner.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), vec![id(&r3), id(&r2), id(&r1)], "newest first");
    assert_eq!(body["data"]["total"], json!(3));
    assert_eq!(body["data"]["page"], json!(1));
    assert_eq!(body["data"]["pageSize"], json!(20));
    let item = &body["data"]["recordings"][2];
    assert_eq!(item["callId"], json!(call_a));
    assert_eq!(item["customerName"], json!("李四"));
    assert_eq!(
        item["customerPhone"],
        json!("139****1111"),
        "masked for sales staff"
    );
    assert_eq!(item["userName"], json!("ls_own的名字"));
    assert_eq!(item["fileName"], json!(format!("{}.mp3", id(&r1))));
    assert_eq!(item["filePath"], r1["filePath"]);
    assert!(
        item["filePath"]
            .as_str()
            .unwrap()
            .starts_with("/recordings/")
    );
    assert!(item["fileUrl"].as_str().unwrap().starts_with(&server.base));
    assert_eq!(item["fileSize"], json!(audio::mp3(2).len()));
    assert_eq!(item["duration"], json!(30));
    assert_eq!(item["format"], json!("mp3"));
    assert_eq!(item["storageType"], json!("local"));
    assert!(item["createdAt"].as_str().unwrap().ends_with('Z'));

    // admins and managers see the whole number
    let (_, body) = server
        .get(&format!("{LIST}?callId={call_a}"), &server.admin_token)
        .await;
    assert_eq!(
        body["data"]["recordings"][0]["customerPhone"],
        json!("13900001111")
    );

    // visibility by role
    for (token, want) in [
        (&server.admin_token, 3),
        (&manager.token, 3),
        (&outsider.token, 0),
        (&peer.token, 0),
    ] {
        let (status, body) = server.get(LIST, token).await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["total"], json!(want), "{body}");
    }

    // filters
    let (_, body) = server
        .get(&format!("{LIST}?callId={call_b}"), &owner.token)
        .await;
    assert_eq!(ids(&body), vec![id(&r3), id(&r2)]);
    let (_, body) = server
        .get(&format!("{LIST}?customerId={customer}"), &owner.token)
        .await;
    assert_eq!(ids(&body), vec![id(&r1)]);
    let day = today(&server);
    let (_, body) = server
        .get(
            &format!("{LIST}?startDate={day}&endDate={day}"),
            &owner.token,
        )
        .await;
    assert_eq!(body["data"]["total"], json!(3));
    let (_, body) = server
        .get(&format!("{LIST}?startDate=2999-01-01"), &owner.token)
        .await;
    assert_eq!(body["data"]["total"], json!(0));
    let (_, body) = server
        .get(&format!("{LIST}?endDate=2000-01-01"), &owner.token)
        .await;
    assert_eq!(body["data"]["total"], json!(0));
    let (_, body) = server
        .get(
            &format!("{LIST}?startDate=2000-01-01T00:00:00Z"),
            &owner.token,
        )
        .await;
    assert_eq!(body["data"]["total"], json!(3));

    // paging (contract §10)
    let (_, body) = server
        .get(&format!("{LIST}?pageSize=2"), &owner.token)
        .await;
    assert_eq!(ids(&body), vec![id(&r3), id(&r2)]);
    assert_eq!(body["data"]["total"], json!(3));
    let (_, body) = server
        .get(&format!("{LIST}?pageSize=2&page=2"), &owner.token)
        .await;
    assert_eq!(ids(&body), vec![id(&r1)]);
    let (_, body) = server.get(&format!("{LIST}?page=9"), &owner.token).await;
    assert!(ids(&body).is_empty());
    for bad in [
        "page=0",
        "page=-1",
        "page=abc",
        "pageSize=0",
        "pageSize=101",
        "pageSize=2.5",
        "startDate=yesterday",
        "endDate=2025-13-01",
        "startDate=2025-12-02&endDate=2025-12-01",
    ] {
        let (status, body) = server.get(&format!("{LIST}?{bad}"), &owner.token).await;
        assert_error(status, &body, 400, "INVALID_PARAMS");
    }
    let (status, body) = server.call(reqwest::Method::GET, LIST, None, None).await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    server.stop().await;
}

#[tokio::test]
async fn delete_removes_row_and_file_and_only_for_who_may_see_it() {
    let server = TestServer::start().await;
    let owner = server.create_user("del_own", "sales_staff", "一部").await;
    let peer = server.create_user("del_peer", "sales_staff", "一部").await;
    let call = call_now(&server, &owner.token).await;
    let r1 = upload_for(&server, &owner, &call, audio::mp3(2)).await;
    let r2 = upload_for(&server, &owner, &call, audio::mp3(3)).await;
    let file_of = |r: &Value| {
        let rel = r["filePath"]
            .as_str()
            .unwrap()
            .strip_prefix("/recordings/")
            .unwrap();
        server.dir.path().join("recordings").join(rel)
    };
    let has_recording = || -> bool {
        server
            .db()
            .query_row(
                "SELECT has_recording FROM call_records WHERE id = ?1",
                [&call],
                |r| r.get(0),
            )
            .unwrap()
    };
    let rows = || -> i64 {
        server
            .db()
            .query_row("SELECT COUNT(*) FROM recordings", [], |r| r.get(0))
            .unwrap()
    };

    // someone else's: 404, nothing changed
    let (status, body) = server
        .delete(&format!("{LIST}/{}", id(&r1)), &peer.token)
        .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    assert_eq!(rows(), 2);
    assert!(file_of(&r1).exists());

    let (status, body) = server
        .delete(&format!("{LIST}/{}", id(&r1)), &owner.token)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"code": 200, "success": true, "message": "录音删除成功", "data": null})
    );
    assert_eq!(rows(), 1);
    assert!(!file_of(&r1).exists());
    assert!(has_recording(), "the call still has a recording");
    let (status, body) = server
        .delete(&format!("{LIST}/{}", id(&r1)), &owner.token)
        .await;
    assert_error(status, &body, 404, "NOT_FOUND");

    // a file already gone does not block deleting the row
    std::fs::remove_file(file_of(&r2)).unwrap();
    let (status, body) = server
        .delete(&format!("{LIST}/{}", id(&r2)), &owner.token)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(rows(), 0);
    assert!(!has_recording(), "no recording left");
    let (status, body) = server
        .delete(&format!("{LIST}/rec_unknown"), &owner.token)
        .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    server.stop().await;
}

#[tokio::test]
async fn stats_count_today_in_office_time_and_by_role() {
    let server = TestServer::start().await;
    let owner = server.create_user("sta_own", "sales_staff", "一部").await;
    let peer = server.create_user("sta_peer", "sales_staff", "一部").await;
    let call = call_now(&server, &owner.token).await;
    let (a, b, c) = (audio::mp3(2), audio::wav(100), audio::amr(3));
    let (la, lb, lc) = (a.len() as i64, b.len() as i64, c.len() as i64);
    upload_for(&server, &owner, &call, a).await;
    upload_for(&server, &owner, &call, b).await;
    let old = upload_for(&server, &owner, &call, c).await;
    // yesterday, office time: counted in the totals, not today
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let local_today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let yesterday_noon = (local_today - chrono::Duration::days(1))
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap()
        .timestamp_millis();
    backdate_recording(&server, &id(&old), yesterday_noon);

    let want =
        json!({"totalCount": 3, "totalSize": la + lb + lc, "todayCount": 2, "todaySize": la + lb});
    for token in [&owner.token, &server.admin_token] {
        let (status, body) = server.get(&format!("{LIST}/stats"), token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"], want);
    }
    let (_, body) = server.get(&format!("{LIST}/stats"), &peer.token).await;
    assert_eq!(
        body["data"],
        json!({"totalCount": 0, "totalSize": 0, "todayCount": 0, "todaySize": 0})
    );

    // the admin's storage view
    let (status, body) = server
        .get("/api/v1/system/storage", &server.admin_token)
        .await;
    assert_eq!(status, 200, "{body}");
    let free = body["data"]["diskFree"].as_u64().unwrap();
    let total = body["data"]["diskTotal"].as_u64().unwrap();
    assert!(free > 0 && total >= free, "{body}");
    assert_eq!(body["data"]["recordingCount"], json!(3));
    assert_eq!(body["data"]["recordingBytes"], json!(la + lb + lc));
    let (status, body) = server.get("/api/v1/system/storage", &owner.token).await;
    assert_error(status, &body, 403, "FORBIDDEN");
    server.stop().await;
}

#[tokio::test]
async fn retention_keeps_the_disk_budget_oldest_first() {
    let size = audio::mp3(2).len() as u64;
    let server =
        TestServer::start_with(move |c| c.recording_max_bytes = Some(size * 2 + size / 2)).await;
    let user = server.create_user("ret_bud", "sales_staff", "").await;
    let call = call_now(&server, &user.token).await;
    let mut uploaded = Vec::new();
    for _ in 0..5 {
        uploaded.push(upload_for(&server, &user, &call, audio::mp3(2)).await);
    }
    let kept = || -> Vec<String> {
        let db = server.db();
        let mut stmt = db
            .prepare("SELECT id FROM recordings ORDER BY created_at")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(eventually(|| kept().len() == 2).await, "kept {:?}", kept());
    assert_eq!(
        kept(),
        vec![id(&uploaded[3]), id(&uploaded[4])],
        "the newest stay"
    );
    for (i, rec) in uploaded.iter().enumerate() {
        let rel = rec["filePath"]
            .as_str()
            .unwrap()
            .strip_prefix("/recordings/")
            .unwrap();
        let exists = server.dir.path().join("recordings").join(rel).exists();
        assert_eq!(exists, i >= 3, "file of upload {i}");
    }
    server.stop().await;
}

#[tokio::test]
async fn retention_removes_recordings_past_the_age() {
    let server = TestServer::start_with(|c| {
        c.recording_max_age_days = Some(30);
        c.retention_interval = Duration::from_millis(100);
    })
    .await;
    let user = server.create_user("ret_age", "sales_staff", "").await;
    let call = call_now(&server, &user.token).await;
    let old = upload_for(&server, &user, &call, audio::mp3(2)).await;
    let young = upload_for(&server, &user, &call, audio::mp3(2)).await;
    let day_ms = 86_400_000;
    let now = chrono::Utc::now().timestamp_millis();
    backdate_recording(&server, &id(&young), now - 29 * day_ms);
    backdate_recording(&server, &id(&old), now - 31 * day_ms);
    let exists = |rec: &Value| -> bool {
        server
            .db()
            .query_row(
                "SELECT COUNT(*) FROM recordings WHERE id = ?1",
                [id(rec)],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
            == 1
    };
    assert!(eventually(|| !exists(&old)).await, "the old recording goes");
    assert!(exists(&young), "a younger one stays");
    let rel = old["filePath"]
        .as_str()
        .unwrap()
        .strip_prefix("/recordings/")
        .unwrap();
    assert!(!server.dir.path().join("recordings").join(rel).exists());
    server.stop().await;
}

/// Issue 14 (8): §4.4 also filters by person and by the customer's name or number, within what
/// the caller may see.
#[tokio::test]
async fn recordings_filter_by_person_and_customer() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let c = server.create_user("sales_c", "sales_staff", "二部").await;
    for (who, name, number) in [(&a, "郑总", "13966660001"), (&c, "陈总", "13966660003")] {
        let body =
            json!({"customerPhone": number, "customerName": name, "callStatus": "connected"});
        let call = common::calls::create_call(&server, &who.token, body).await;
        upload_for(&server, who, &call, audio::mp3(2)).await;
    }
    let total = |body: &Value| body["data"]["total"].as_i64().unwrap();
    let t = &server.admin_token;
    let (_, by_name) = server.get(&format!("{LIST}?keyword=郑"), t).await;
    assert_eq!(total(&by_name), 1, "{by_name}");
    let (_, by_digits) = server
        .get(&format!("{LIST}?keyword=139-6666-0003"), t)
        .await;
    assert_eq!(total(&by_digits), 1, "{by_digits}");
    assert_eq!(by_digits["data"]["recordings"][0]["customerName"], "陈总");
    let (_, by_person) = server.get(&format!("{LIST}?userId={}", c.id), t).await;
    assert_eq!(total(&by_person), 1);
    // a salesperson asking for another's: nothing (their scope), not an error
    let (status, theirs) = server
        .get(&format!("{LIST}?userId={}", c.id), &a.token)
        .await;
    assert_eq!((status, total(&theirs)), (200, 0));
    let long = "字".repeat(101);
    let (status, body) = server.get(&format!("{LIST}?keyword={long}"), t).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
}
