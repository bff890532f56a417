//! Exports (issue 15): the file is read back with calamine — Chinese headers, the rows the
//! list's filters give, times in the office zone, durations 时:分:秒, numbers masked for a
//! salesperson, who sees only their own; the link works once; each export is an audit line.

use std::io::Cursor;

use calamine::{Data, Reader};

use crate::common;

use common::calls::create_call;
use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

/// Asks for an export and fetches its link: (answer, file bytes).
async fn export(server: &TestServer, token: &str, path: &str) -> (Value, Vec<u8>) {
    let (status, answer) = server.get(path, token).await;
    assert_eq!(status, 200, "{path}: {answer}");
    let url = answer["data"]["downloadUrl"].as_str().unwrap().to_string();
    let resp = server.client.get(server.url(&url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.contains("attachment"), "{disposition}");
    let bytes = resp.bytes().await.unwrap().to_vec();
    assert_eq!(answer["data"]["bytes"], bytes.len(), "{answer}");
    // once only
    let again = server.client.get(server.url(&url)).send().await.unwrap();
    assert_eq!(again.status(), 404);
    (answer, bytes)
}

/// The first sheet's rows as text.
fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    // a real date cell (issue 30, item 8), read back as the office's wall time
                    Data::DateTime(d) => {
                        // Excel's serial day, counted from 1899-12-30
                        let secs = ((d.as_f64() - 25_569.0) * 86_400.0).round() as i64;
                        chrono::DateTime::from_timestamp(secs, 0)
                            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                            .unwrap_or_default()
                    }
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Whether the first sheet's cell at (`row`, `col`) is a date cell, not text.
fn is_date_cell(bytes: &[u8], row: u32, col: u32) -> bool {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    matches!(range.get_value((row, col)), Some(Data::DateTime(_)))
}

async fn calls_of(server: &TestServer, who: &TestUser, n: usize, status: &str) {
    for i in 0..n {
        let body = json!({"customerPhone": format!("1390000{:04}", i), "customerName": format!("{}客户{i}", who.username),
                          "callStatus": status, "duration": 3725, "notes": "导出测试",
                          "startTime": "2026-03-01T02:00:00Z"});
        create_call(server, &who.token, body).await;
    }
}

#[tokio::test]
async fn call_records_export_as_the_list_shows_them() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "二部").await;
    calls_of(&server, &a, 3, "connected").await;
    calls_of(&server, &b, 2, "missed").await;

    let (answer, bytes) =
        export(&server, &server.admin_token, "/api/v1/calls/records/export").await;
    assert_eq!(answer["data"]["rows"], 5, "{answer}");
    assert!(
        answer["data"]["fileName"]
            .as_str()
            .unwrap()
            .ends_with(".xlsx")
    );
    let rows = sheet_rows(&bytes);
    assert_eq!(rows[0][..4], ["开始时间", "结束时间", "客户", "电话"]);
    assert_eq!(rows.len(), 6, "header and five calls");
    let connected = rows.iter().find(|r| r[5] == "已接通").unwrap();
    assert_eq!(
        connected[0], "2026-03-01 10:00:00",
        "office time: {connected:?}"
    );
    assert!(
        is_date_cell(&bytes, 1, 0),
        "开始时间 is a date Excel sorts and filters"
    );
    assert_eq!(connected[6], "1:02:05", "时:分:秒: {connected:?}");
    assert_eq!(
        connected[3].len(),
        11,
        "an admin sees the whole number: {connected:?}"
    );

    // the list's filters: only missed, as CSV
    let (answer, bytes) = export(
        &server,
        &server.admin_token,
        "/api/v1/calls/records/export?callStatus=missed&format=csv",
    )
    .await;
    assert_eq!(answer["data"]["rows"], 2);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.contains("未接听") && !text.contains("已接通"),
        "{text}"
    );

    // a salesperson: their own calls, numbers masked
    let (answer, bytes) = export(&server, &a.token, "/api/v1/calls/records/export").await;
    assert_eq!(answer["data"]["rows"], 3);
    let rows = sheet_rows(&bytes);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[3].contains("****") && r[7] == "sales_a的名字"),
        "{rows:?}"
    );

    // each export is one audit line
    let (_, log) = server
        .get("/api/v1/audit?action=export", &server.admin_token)
        .await;
    assert_eq!(log["data"]["total"], 3, "{log}");
}

#[tokio::test]
async fn bad_exports_and_links_are_refused() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    for path in [
        "/api/v1/calls/records/export?format=pdf",
        "/api/v1/calls/records/export?startDate=2026-03-10&endDate=2026-03-01",
        "/api/v1/calls/records/export?callStatus=maybe",
    ] {
        let (status, body) = server.get(path, &t).await;
        assert_error(status, &body, 400, "INVALID_PARAMS");
    }
    let (status, body) = server
        .get("/api/v1/calls/records/export", "bad-token")
        .await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    for link in [
        "/api/v1/exports/download/0123456789abcdef0123456789abcdef",
        "/api/v1/exports/download/../../etc/passwd",
        "/api/v1/exports/download/",
    ] {
        let resp = server.client.get(server.url(link)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{link}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "NOT_FOUND");
    }
}

/// Round trip: customers exported from one box import into an empty one as the same customers.
#[tokio::test]
async fn customers_export_and_import_into_an_empty_box() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let t = server.admin_token.clone();
    for (name, phone, level, status, tags) in [
        (
            "冯一",
            "13900001111",
            "important",
            "interested",
            json!(["华东", "老客户"]),
        ),
        ("陈二", "13900002222", "vip", "deal", json!([])),
        ("褚三", "13900003333", "normal", "new", json!(["华南"])),
    ] {
        let others = if name == "冯一" {
            json!(["010-65529988", "13700001111"])
        } else {
            json!([])
        };
        let body = json!({"name": name, "phone": phone, "otherPhones": others, "level": level,
                          "followStatus": status, "tags": tags, "notes": "备注 , 带逗号"});
        let (status, made) = server.post("/api/v1/customers", &t, body).await;
        assert_eq!(status, 200, "{made}");
    }
    let (answer, bytes) = export(&server, &t, "/api/v1/customers/export?sort=level").await;
    assert_eq!(answer["data"]["rows"], 3);
    let rows = sheet_rows(&bytes);
    assert_eq!(
        rows[0][..8],
        [
            "姓名",
            "公司",
            "电话",
            "其他号码",
            "等级",
            "标签",
            "跟进状态",
            "备注"
        ]
    );
    assert_eq!(
        rows[1][..7],
        [
            "冯一",
            "",
            "13900001111",
            "01065529988、13700001111",
            "重要",
            "华东、老客户",
            "有意向"
        ],
        "in the filter's order, in words"
    );
    // a salesperson's copy has the numbers masked
    let (_, masked) = export(&server, &sales.token, "/api/v1/customers/export").await;
    let masked = sheet_rows(&masked);
    assert!(masked[1..].iter().all(|r| r[2].contains("****")));
    let others: Vec<&str> = masked[1..].iter().map(|r| r[3].as_str()).collect();
    assert!(others.contains(&"010****9988、137****1111"), "{others:?}");

    let fresh = TestServer::start().await;
    let resp = fresh
        .client
        .post(fresh.url("/api/v1/customers/import"))
        .bearer_auth(&fresh.admin_token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let imported: Value = resp.json().await.unwrap();
    assert_eq!(imported["data"]["imported"], 3, "{imported}");
    assert_eq!(
        listed(&fresh).await,
        listed(&server).await,
        "the same customers"
    );
}

/// Each customer as (name, phone, level, status, tags, notes), by level.
async fn listed(server: &TestServer) -> Vec<Value> {
    let (_, body) = server
        .get("/api/v1/customers?sort=level", &server.admin_token)
        .await;
    body["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            json!([
                c["name"],
                c["phone"],
                c["otherPhones"],
                c["level"],
                c["followStatus"],
                c["tags"],
                c["notes"]
            ])
        })
        .collect()
}

/// 跟进记录 as a file: the list's filters and the caller's scope.
#[tokio::test]
async fn follow_ups_export_with_filters_and_scope() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "二部").await;
    for (who, content, status) in [
        (&a, "甲的待跟进", "pending"),
        (&a, "甲的已完成", "completed"),
        (&b, "乙的", "pending"),
    ] {
        let body = json!({"customerName": "客户", "content": content, "status": status, "callTags": ["意向"]});
        let (s, made) = server
            .post("/api/v1/calls/followups", &who.token, body)
            .await;
        assert_eq!(s, 200, "{made}");
    }
    let (answer, bytes) = export(&server, &a.token, "/api/v1/calls/followups/export").await;
    assert_eq!(answer["data"]["rows"], 2, "their own only: {answer}");
    let rows = sheet_rows(&bytes);
    assert_eq!(rows[0][..4], ["创建时间", "客户", "方式", "内容"]);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[3].starts_with("甲的") && r[4] == "意向"),
        "the text without the tag line: {rows:?}"
    );
    let (answer, bytes) = export(
        &server,
        &server.admin_token,
        "/api/v1/calls/followups/export?status=pending&format=csv",
    )
    .await;
    assert_eq!(answer["data"]["rows"], 2);
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("乙的") && text.contains("甲的待跟进") && !text.contains("甲的已完成"),
        "{text}"
    );
    let (status, body) = server
        .get(
            "/api/v1/calls/followups/export?due=later",
            &server.admin_token,
        )
        .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
}

/// 录音's list as a file: the list's filters and scope, numbers masked for a salesperson.
#[tokio::test]
async fn the_recordings_list_exports() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let body = json!({"customerPhone": "13900001111", "customerName": "录音客户", "callStatus": "connected", "duration": 61});
    let call = create_call(&server, &a.token, body).await;
    let (status, up) = common::audio::upload(
        &server,
        &a.token,
        Some(&call),
        None,
        "a.wav",
        common::audio::wav_seconds(2),
    )
    .await;
    assert_eq!(status, 200, "{up}");
    let (answer, bytes) = export(&server, &a.token, "/api/v1/calls/recordings/export").await;
    assert_eq!(answer["data"]["rows"], 1);
    let rows = sheet_rows(&bytes);
    assert_eq!(rows[0][0], "录音时间");
    assert_eq!(
        (
            rows[1][2].as_str(),
            rows[1][3].as_str(),
            rows[1][5].as_str(),
            rows[1][7].as_str()
        ),
        ("录音客户", "139****1111", "0:00:02", "wav")
    );
    let (answer, _) = export(
        &server,
        &server.admin_token,
        "/api/v1/calls/recordings/export?keyword=没有这个",
    )
    .await;
    assert_eq!(answer["data"]["rows"], 0);
}

/// 概览's statistics as a file: per day, per person, per department, within the caller's scope.
#[tokio::test]
async fn statistics_export_per_day_person_and_department() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "二部").await;
    calls_of(&server, &a, 2, "connected").await;
    calls_of(&server, &b, 1, "missed").await;
    let range = "startDate=2026-03-01&endDate=2026-03-02";
    let (_, bytes) = export(
        &server,
        &server.admin_token,
        &format!("/api/v1/calls/statistics/export?{range}"),
    )
    .await;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["每日", "人员", "部门"]);
    let days = book.worksheet_range("每日").unwrap();
    let first_day: Vec<String> = days
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        first_day[..4],
        ["2026-03-01", "3", "2", "67%"],
        "{first_day:?}"
    );
    let departments = book.worksheet_range("部门").unwrap();
    assert_eq!(
        departments.rows().count(),
        3,
        "a header and two departments"
    );
    // a salesperson's copy is their own figures only
    let (_, bytes) = export(
        &server,
        &b.token,
        &format!("/api/v1/calls/statistics/export?{range}&format=csv"),
    )
    .await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("每日") && text.contains("人员") && text.contains("部门"),
        "{text}"
    );
    assert!(
        text.contains("sales_b的名字") && !text.contains("sales_a的名字"),
        "{text}"
    );
    let (status, body) = server
        .get(
            "/api/v1/calls/statistics/export?startDate=2026-03-02&endDate=2026-03-01",
            &server.admin_token,
        )
        .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
}
