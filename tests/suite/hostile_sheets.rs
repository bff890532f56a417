//! Spreadsheets built to exhaust the server (issue 27): a value at Excel's last cell or at row
//! 2147483647, a shared-string count of a trillion, a `<dimension>` of the whole sheet, an .xls
//! whose cells span 65,536 × 256 or whose cells all copy one long string. Every import route
//! refuses them with the contract's 400 (or, where nothing is too big, reads them), the server
//! goes on answering, and nothing is imported.

use crate::common;

use common::{TestServer, assert_error};
use hostile_sheets::biff as build;
use hostile_sheets::{far_cell, inline, sheet_xml, xls, xlsx_with};
use serde_json::{Value, json};

/// The three routes that take a list: customers, a call list's numbers, the do-not-call list.
async fn import_everywhere(server: &TestServer, bytes: &[u8]) -> Vec<(u16, Value)> {
    let (status, list) = server
        .post(
            "/api/v1/campaigns",
            &server.admin_token,
            json!({"name": "导入"}),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let list = list["data"]["id"].as_str().unwrap().to_string();
    let mut answers = Vec::new();
    for path in [
        "/api/v1/customers/import".to_string(),
        format!("/api/v1/campaigns/{list}/import"),
        "/api/v1/do-not-call/import".to_string(),
    ] {
        let resp = server
            .client
            .post(server.url(&path))
            .bearer_auth(&server.admin_token)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        answers.push((status, resp.json().await.unwrap()));
    }
    answers
}

/// Nothing came in by any route, and the server still answers.
async fn nothing_imported(server: &TestServer) {
    let (status, body) = server
        .get("/api/v1/customers?pageSize=10", &server.admin_token)
        .await;
    assert_eq!(status, 200, "the server still answers: {body}");
    assert_eq!(body["data"]["total"], 0, "{body}");
    let (_, body) = server.get("/api/v1/do-not-call", &server.admin_token).await;
    assert_eq!(body["data"]["total"], 0, "{body}");
}

#[tokio::test]
async fn a_value_at_excels_last_cell_is_refused_by_every_import() {
    let server = TestServer::start().await;
    let file = far_cell(1_048_576, "XFD1048576");
    assert!(file.len() < 8 * 1024, "a small file: {} bytes", file.len());
    for (status, body) in import_everywhere(&server, &file).await {
        let message = assert_error(status, &body, 400, "INVALID_PARAMS");
        assert!(message.contains("XFD1048576"), "{message}");
    }
    nothing_imported(&server).await;
}

#[tokio::test]
async fn a_value_at_row_2147483647_is_refused() {
    let server = TestServer::start().await;
    for (status, body) in import_everywhere(&server, &far_cell(2_147_483_647, "A2147483647")).await
    {
        let message = assert_error(status, &body, 400, "INVALID_PARAMS");
        assert!(message.contains("2147483647"), "{message}");
    }
    nothing_imported(&server).await;
}

#[tokio::test]
async fn what_a_workbook_declares_sizes_nothing() {
    let server = TestServer::start().await;
    // a trillion shared strings declared: refused before calamine reserves them
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1000000000000"><si><t>x</t></si></sst>"#;
    let file = xlsx_with(&[("xl/sharedStrings.xml", strings.to_string())]);
    for (status, body) in import_everywhere(&server, &file).await {
        let message = assert_error(status, &body, 400, "INVALID_PARAMS");
        assert!(message.contains("文字条目过多"), "{message}");
    }
    // one text, or one comment full of markup, longer than any cell: refused, not held
    for long in [
        inline("A1", &"长".repeat(1_000_000)),
        format!("<!--{}-->", "<c>".repeat(1_000_000)),
    ] {
        let file = xlsx_with(&[(
            "xl/worksheets/sheet1.xml",
            sheet_xml("A1", &format!("<row r=\"1\">{long}</row>")),
        )]);
        let answers = import_everywhere(&server, &file).await;
        for (status, body) in answers {
            let message = assert_error(status, &body, 400, "INVALID_PARAMS");
            assert!(message.contains("过长"), "{message}");
        }
    }
    // a dimension of the whole sheet over two real rows: read as the two rows it has
    let rows = format!(
        r#"<row r="1">{}{}</row><row r="2">{}{}</row>"#,
        inline("A1", "姓名"),
        inline("B1", "电话"),
        inline("A2", "张三"),
        inline("B2", "13800138000"),
    );
    let file = xlsx_with(&[(
        "xl/worksheets/sheet1.xml",
        sheet_xml("A1:XFD1048576", &rows),
    )]);
    let answers = import_everywhere(&server, &file).await;
    assert_eq!(answers[0].0, 200, "{}", answers[0].1);
    assert_eq!(answers[0].1["data"]["imported"], 1, "{}", answers[0].1);
}

#[tokio::test]
async fn an_xls_built_to_exhaust_the_reader_is_refused() {
    let server = TestServer::start().await;
    // cells at both corners of an .xls sheet: a dense range of 65,536 × 256
    let corners = build::workbook(
        &["姓名", "x"],
        &[build::label_sst(0, 0, 0), build::label_sst(65_535, 255, 1)],
    );
    // one 30,000-character string copied into 5,000 cells
    let long = "a".repeat(30_000);
    let copies: Vec<_> = (0..5_000).map(|r| build::label_sst(r, 0, 0)).collect();
    let copied = build::workbook(&[&long], &copies);
    for stream in [corners, copied] {
        for (status, body) in import_everywhere(&server, &xls(&stream)).await {
            let message = assert_error(status, &body, 400, "INVALID_PARAMS");
            assert!(message.contains(".xlsx"), "{message}");
        }
    }
    nothing_imported(&server).await;
    // a small one built the same way reads
    let small = build::workbook(
        &["姓名", "电话", "张三", "13800138000"],
        &[
            build::label_sst(0, 0, 0),
            build::label_sst(0, 1, 1),
            build::label_sst(1, 0, 2),
            build::label_sst(1, 1, 3),
        ],
    );
    let answers = import_everywhere(&server, &xls(&small)).await;
    assert_eq!(answers[0].0, 200, "{}", answers[0].1);
    assert_eq!(answers[0].1["data"]["imported"], 1, "{}", answers[0].1);
}
