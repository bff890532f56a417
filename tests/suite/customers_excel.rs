//! Customer lists from Excel (issue 15): .xlsx and .xls files saved by a real spreadsheet program
//! (`tests/fixtures/`), files made here with rust_xlsxwriter for each edge — columns in any order,
//! a number stored as a float, a date cell, a formula cell, a chosen sheet — and files that are
//! not what they claim or would unpack to too much, refused with nothing imported. And the
//! template to fill in.

use crate::common;

use common::{TestServer, assert_error};
use rust_xlsxwriter::{Formula, Workbook};
use serde_json::{Value, json};

async fn import(server: &TestServer, token: &str, query: &str, bytes: Vec<u8>) -> (u16, Value) {
    let resp = server
        .client
        .post(server.url(&format!("/api/v1/customers/import{query}")))
        .bearer_auth(token)
        .header(
            "content-type",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// Every customer as (name, phone, level, tags).
async fn customers(server: &TestServer) -> Vec<(String, String, String, Vec<String>)> {
    let (_, body) = server
        .get("/api/v1/customers?pageSize=100", &server.admin_token)
        .await;
    let mut all: Vec<_> = body["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let tags = c["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            (
                c["name"].as_str().unwrap().to_string(),
                c["phone"].as_str().unwrap().to_string(),
                c["level"].as_str().unwrap().to_string(),
                tags,
            )
        })
        .collect();
    all.sort();
    all
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[tokio::test]
async fn files_saved_by_a_spreadsheet_program_import() {
    for file in ["customers-libreoffice.xlsx", "customers-libreoffice.xls"] {
        let server = TestServer::start().await;
        let (status, body) = import(&server, &server.admin_token, "", fixture(file)).await;
        assert_eq!(status, 200, "{file}: {body}");
        let d = &body["data"];
        assert_eq!(
            (&d["imported"], &d["skipped"], &d["encoding"]),
            (&3.into(), &2.into(), &"Excel".into()),
            "{file}: {body}"
        );
        let rows: Vec<i64> = d["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["row"].as_i64().unwrap())
            .collect();
        assert_eq!(
            rows,
            [4, 5],
            "{file}: the repeated number and the row without one: {body}"
        );
        assert_eq!(
            d["unmapped"][0]["row"], 6,
            "金牌 is no level we know: {body}"
        );
        let all = customers(&server).await;
        assert_eq!(
            all,
            [
                (
                    "吴二".to_string(),
                    "13800002222".to_string(),
                    "normal".to_string(),
                    vec!["华南".to_string()]
                ),
                (
                    "周一".into(),
                    "13800001111".into(),
                    "important".into(),
                    vec!["华东".into(), "老客户".into()]
                ),
                ("郑三".into(), "13800003333".into(), "normal".into(), vec![]),
            ],
            "{file}"
        );
    }
}

/// A workbook as an office makes one: the list on its second sheet, columns in their own order
/// with English names, numbers typed as numbers, a date where a number should be, a formula.
fn office_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let cover = book.add_worksheet().set_name("封面").unwrap();
    cover.write_string(0, 0, "2026年客户名单").unwrap();
    let list = book.add_worksheet().set_name("名单").unwrap();
    for (col, title) in ["notes", "level", "name", "phone"].iter().enumerate() {
        list.write_string(0, col as u16, *title).unwrap();
    }
    list.write_string(1, 0, "老客户").unwrap();
    list.write_string(1, 1, "VIP").unwrap();
    list.write_string(1, 2, "冯一").unwrap();
    list.write_number(1, 3, 13900001111.0).unwrap(); // a number cell: 1.39E+10 in Excel
    list.write_string(2, 2, "陈二").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::parse_from_str("2026-01-02").unwrap();
    let as_date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    // a date where the number should be
    list.write_datetime_with_format(2, 3, &date, &as_date)
        .unwrap();
    list.write_string(3, 2, "褚三").unwrap();
    // a formula with the value a spreadsheet computed and saved
    list.write_formula(3, 3, Formula::new("=13900003333").set_result("13900003333"))
        .unwrap();
    list.write_string(4, 2, "卫四").unwrap();
    // saved without a computed value (rust_xlsxwriter then stores 0, as a program that does not
    // calculate would)
    list.write_formula(4, 3, Formula::new("=D2+1")).unwrap();
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_chosen_sheet_with_number_date_and_formula_cells() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    // the first sheet has no list: no header, so the page would ask which column is what
    let (status, body) = import(&server, &t, "", office_workbook()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["needsMapping"], true, "{body}");
    assert_eq!(body["data"]["sheets"], json!(["封面", "名单"]), "{body}");
    let (status, body) = import(&server, &t, "?sheet=没有这张表", office_workbook()).await;
    let message = assert_error(status, &body, 400, "INVALID_PARAMS");
    assert!(
        message.contains("封面") && message.contains("名单"),
        "names the sheets: {message}"
    );
    assert_eq!(body["field"], "sheet");

    let (status, body) = import(&server, &t, "?sheet=%E5%90%8D%E5%8D%95", office_workbook()).await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    assert_eq!(d["sheet"], "名单", "{body}");
    assert_eq!(d["sheets"], serde_json::json!(["封面", "名单"]), "{body}");
    assert_eq!(d["imported"], 2, "{body}");
    let reasons: Vec<String> = d["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}", e["row"], e["reason"]))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].starts_with("3:") && reasons[0].contains("日期"),
        "the date cell says what it is: {reasons:?}"
    );
    assert!(
        reasons[1].starts_with("5:") && reasons[1].contains("无效"),
        "the formula saved without a value: {reasons:?}"
    );
    let all = customers(&server).await;
    let phones: Vec<(&str, &str)> = all.iter().map(|c| (c.0.as_str(), c.1.as_str())).collect();
    assert_eq!(phones, [("冯一", "13900001111"), ("褚三", "13900003333")]);
    assert_eq!(all[0].2, "vip");
}

#[tokio::test]
async fn files_that_are_not_what_they_claim_import_nothing() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    // a zip that is no workbook, and something else entirely
    let mut not_a_book = b"PK\x03\x04".to_vec();
    not_a_book.extend(std::iter::repeat_n(7u8, 500));
    let ole_junk = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 1, 2, 3].to_vec();
    for bytes in [not_a_book, ole_junk] {
        let (status, body) = import(&server, &t, "", bytes).await;
        let message = assert_error(status, &body, 400, "INVALID_PARAMS");
        assert!(message.contains("Excel"), "{message}");
    }
    // a zip bomb: a real workbook whose directory says a part unpacks to ~4 GB
    let mut bomb = {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "姓名").unwrap();
        sheet.write_string(0, 1, "电话").unwrap();
        sheet.write_string(1, 0, "赵六").unwrap();
        sheet.write_string(1, 1, "13911112222").unwrap();
        book.save_to_buffer().unwrap()
    };
    let at = bomb
        .windows(4)
        .position(|w| w == [0x50, 0x4B, 0x01, 0x02])
        .expect("central directory");
    bomb[at + 24..at + 28].copy_from_slice(&0xF000_0000u32.to_le_bytes());
    let (status, body) = import(&server, &t, "", bomb).await;
    let message = assert_error(status, &body, 400, "INVALID_PARAMS");
    assert!(message.contains("解压后过大"), "{message}");
    assert!(customers(&server).await.is_empty(), "nothing half-imported");
    let (status, body) = import(&server, &t, &format!("?sheet={}", "表".repeat(65)), vec![1]).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
}

#[tokio::test]
async fn the_template_downloads_and_imports_as_it_is() {
    let server = TestServer::start().await;
    let path = "/api/v1/customers/import/template";
    let resp = server
        .client
        .get(server.url(path))
        .bearer_auth(&server.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("attachment") && disposition.contains(".xlsx"),
        "{disposition}"
    );
    let bytes = resp.bytes().await.unwrap().to_vec();
    let (status, body) = import(&server, &server.admin_token, "", bytes).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["imported"], 1, "the example row: {body}");
    let all = customers(&server).await;
    assert_eq!(all[0].0, "张三");
    assert_eq!(all[0].2, "important");
    // who may import may fetch it; a salesperson may not
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let (status, body) = server.get(path, &sales.token).await;
    assert_error(status, &body, 403, "FORBIDDEN");
}

/// More rows than one import takes: refused with the counts, nothing imported.
#[tokio::test]
async fn a_sheet_over_the_row_limit_is_refused() {
    let server = TestServer::start().await;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory().unwrap();
    sheet.write_string(0, 0, "电话").unwrap();
    for row in 1..=200_001u32 {
        sheet
            .write_number(row, 0, 13_900_000_000.0 + f64::from(row))
            .unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let (status, body) = import(&server, &server.admin_token, "", bytes).await;
    let message = assert_error(status, &body, 400, "INVALID_PARAMS");
    assert!(message.contains("200000"), "{message}");
    assert!(customers(&server).await.is_empty());
}

/// A real list starts with a title, merged across the columns, sometimes two (issue 30, item 1):
/// the header is found below it, nothing comes in shifted, and the columns not imported are
/// named.
#[tokio::test]
async fn a_title_above_the_header_does_not_shift_the_columns() {
    use rust_xlsxwriter::Format;
    let server = TestServer::start().await;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let title = Format::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 4, "华东区客户名单（2026年12月更新）", &title)
        .unwrap();
    sheet.merge_range(1, 0, 1, 4, "销售一部", &title).unwrap();
    for (col, word) in ["公司", "姓名", "电话", "等级", "跟进状态"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, col as u16, *word).unwrap();
    }
    let people = [
        ["华东贸易", "张三", "138 0013 8000", "重要", "有意向"],
        ["江南机械", "李四", "+86 139-0013-9000", "VIP", "再联系"],
    ];
    for (row, person) in people.iter().enumerate() {
        for (col, cell) in person.iter().enumerate() {
            sheet
                .write_string(row as u32 + 3, col as u16, *cell)
                .unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let (s, b) = import(&server, &server.admin_token, "", bytes).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["imported"], 2, "{b}");
    assert_eq!(b["data"]["errors"], json!([]), "{b}");
    assert_eq!(b["data"]["unmapped"], json!([]), "{b}");
    assert_eq!(b["data"]["ignoredColumns"], json!([]), "{b}");
    let (_, list) = server
        .get("/api/v1/customers?sort=level", &server.admin_token)
        .await;
    let got: Vec<Value> = list["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["name"], c["phone"], c["level"], c["followStatus"]]))
        .collect();
    assert_eq!(
        got,
        [
            json!(["张三", "13800138000", "important", "interested"]),
            json!(["李四", "13900139000", "vip", "contacted"])
        ]
    );
}
