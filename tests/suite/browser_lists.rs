//! Lists that scale and the customer page, in a real headless Chromium (issue 14, items 7 and
//! "customer 360"): page size, jump to a page, the total; filters and the place kept in the URL
//! across a reload; 负责人 shown and filtered, tags filtered; a customer's page with its calls,
//! recordings and follow-ups in time order and 拨打 from there.

use crate::common;

use common::audio;
use common::browser::Browser;
use common::calls::create_call;
use common::{ADMIN_PASSWORD, TestServer};
use serde_json::json;

async fn rows(b: &Browser) -> usize {
    b.js(
        "return document.querySelectorAll('#customer-list tr.customer-row').length;",
        vec![],
    )
    .await
    .as_u64()
    .unwrap() as usize
}

#[tokio::test]
#[ignore = "needs chromium"]
async fn lists_page_jump_and_keep_their_place_and_a_customer_has_a_page() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut ids = Vec::new();
    for i in 0..45 {
        let mut body = json!({"name": format!("客户{i:02}"), "phone": format!("1390000{i:04}")});
        if i % 9 == 0 {
            body["tags"] = json!(["大客户"]);
            body["ownerId"] = json!(sales.id);
        }
        let (status, made) = server
            .post("/api/v1/customers", &server.admin_token, body)
            .await;
        assert_eq!(status, 200, "{made}");
        ids.push(made["data"]["id"].as_str().unwrap().to_string());
    }
    // 客户00 (the oldest): a call with a recording, and a follow-up
    let call = create_call(&server, &sales.token, json!({"customerId": ids[0], "callStatus": "connected", "duration": 75, "notes": "聊了报价"})).await;
    let (status, up) = audio::upload(
        &server,
        &sales.token,
        Some(&call),
        None,
        "a.mp3",
        audio::mp3(3),
    )
    .await;
    assert_eq!(status, 200, "{up}");
    let body =
        json!({"callId": call, "content": "下周再打", "nextFollowUpDate": "2030-01-01T02:00:00Z"});
    let (status, _) = server
        .post("/api/v1/calls/followups", &sales.token, body)
        .await;
    assert_eq!(status, 200);

    let b = Browser::open(&server.base, "s14-lists").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=customers]").await;
    b.wait_text("#customer-list", "共 45 条，第 1 / 3 页").await;
    // jump to the last page
    b.fill("#customer-list input.pager-jump", "3").await;
    b.click("#customer-list button.pager-go").await;
    b.wait_text("#customer-list", "第 3 / 3 页").await;
    assert_eq!(rows(&b).await, 5);
    let url = b.js("return location.hash;", vec![]).await;
    assert!(url.as_str().unwrap().contains("page=3"), "{url}");
    // a reload keeps the place
    b.js("location.reload(); return true;", vec![]).await;
    b.wait_text("#customer-list", "第 3 / 3 页").await;
    b.shot("1-last-page").await;
    // 50 a page: one page
    b.find("#customer-list select.pager-size")
        .await
        .select_by_value("50")
        .await
        .expect("page size");
    b.wait_text("#customer-list", "第 1 / 1 页").await;
    assert_eq!(rows(&b).await, 45);

    // filter by tag and by 负责人: in the URL, kept by a reload
    b.fill(".filters input[name=tag]", "大客户").await;
    b.click_text(".filters", "查询").await;
    b.wait_text("#customer-list", "共 5 条").await;
    b.wait_text("#customer-list", "sales_a的名字").await;
    b.find(".filters select[name=ownerId]")
        .await
        .select_by_value(&sales.id)
        .await
        .expect("owner filter");
    b.click_text(".filters", "查询").await;
    b.js("location.reload(); return true;", vec![]).await;
    b.wait_text("#customer-list", "共 5 条").await;
    let kept = b
        .js(
            "return [document.querySelector('.filters input[name=tag]').value, location.hash];",
            vec![],
        )
        .await;
    assert_eq!(kept[0], "大客户", "{kept}");
    assert!(kept[1].as_str().unwrap().contains("ownerId="), "{kept}");
    b.shot("2-filtered").await;

    // the customer's page: who they are, then the call (with its recording) and the follow-up
    b.goto(&format!("/#/customer?id={}", ids[0])).await;
    b.wait_text("#customer-head", "客户00").await;
    b.wait_text("#customer-head", "sales_a的名字").await;
    let history = b.wait_text("#customer-timeline", "聊了报价").await;
    assert!(history.contains("下周再打"), "{history}");
    assert!(history.contains("1分15秒"), "{history}");
    let audio = b
        .js(
            "return document.querySelectorAll('#customer-timeline audio').length;",
            vec![],
        )
        .await;
    assert_eq!(audio, json!(1));
    b.shot("3-customer-page").await;
}

/// Issue 14: a refused input is said in words (开始日期, not `startDate`) next to its field —
/// in a dialog and in a filter bar — and the mark goes when the field is changed.
#[tokio::test]
#[ignore = "needs chromium"]
async fn validation_messages_name_the_field_in_chinese_next_to_it() {
    let server = TestServer::start().await;
    let b = Browser::open(&server.base, "s14-field-errors").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=customers]").await;
    b.click("#customer-add").await;
    b.fill("#customer-form input[name=name]", "钱七").await;
    b.fill("#customer-form input[name=phone]", "电话号码").await;
    b.click_text("dialog[open]", "保存").await;
    let note = b
        .wait_text(
            "#customer-form .field-error[data-for=phone]",
            "电话号码无效",
        )
        .await;
    assert!(!note.contains("phone"), "{note}");
    b.shot("1-dialog-field").await;
    b.fill("#customer-form input[name=phone]", "13912340000")
        .await;
    b.wait_true(
        "return !document.querySelector('#customer-form .field-error');",
        vec![],
        "the mark to go once the field changes",
    )
    .await;
    b.click_text("dialog[open]", "保存").await;
    b.wait_text("#customer-list", "钱七").await;

    b.click("#nav a[data-page=calls]").await;
    b.wait_text("#call-list", "暂无数据").await;
    b.js(
        "document.querySelector('.filters input[name=startDate]').value = '2026-03-10'; \
         document.querySelector('.filters input[name=endDate]').value = '2026-03-01'; return true;",
        vec![],
    )
    .await;
    b.click_text(".filters", "查询").await;
    b.wait_text(
        ".filters .field-error[data-for=endDate]",
        "开始日期不能晚于结束日期",
    )
    .await;
    b.shot("2-filter-field").await;
}

/// Issue 15: 导入 takes an .xlsx saved by a spreadsheet program and shows the summary.
#[tokio::test]
#[ignore = "needs chromium"]
async fn an_excel_file_imports_through_the_page() {
    let server = TestServer::start().await;
    let b = Browser::open(&server.base, "s15-import").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=customers]").await;
    b.wait_text("#customer-list", "还没有客户").await;
    // WebDriver types a path into a file input it can see
    b.js(
        "document.getElementById('customer-import-file').hidden = false; return true;",
        vec![],
    )
    .await;
    let path = format!(
        "{}/tests/fixtures/customers-libreoffice.xlsx",
        env!("CARGO_MANIFEST_DIR")
    );
    b.find("#customer-import-file")
        .await
        .send_keys(&path)
        .await
        .expect("file chosen");
    // numbers the office has: skipped unless 按电话更新 is chosen (issue 30)
    b.wait_text("#import-mode", "跳过").await;
    b.click_text("dialog[open]", "开始导入").await;
    let summary = b.wait_text("#import-summary", "新建 3 位客户").await;
    assert!(summary.contains("跳过 2 行"), "{summary}");
    assert!(summary.contains("第 4 行"), "{summary}");
    b.shot("1-summary").await;
    b.click_text("dialog[open]", "好的").await;
    b.wait_text("#customer-list", "周一").await;
}

/// Issue 15: 导出 Excel beside the filters makes the file with the filters shown and downloads it.
#[tokio::test]
#[ignore = "needs chromium"]
async fn export_beside_the_filters_downloads_what_is_shown() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    for status in ["connected", "missed", "missed"] {
        create_call(
            &server,
            &a.token,
            json!({"customerPhone": "13800138000", "callStatus": status}),
        )
        .await;
    }
    let b = Browser::open(&server.base, "s15-export").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=calls]").await;
    b.wait_text("#call-list", "共 3 条").await;
    b.find(".filters select[name=callStatus]")
        .await
        .select_by_value("missed")
        .await
        .expect("status filter");
    b.click_text(".filters", "查询").await;
    b.wait_text("#call-list", "共 2 条").await;
    b.click("#calls-export").await;
    b.wait_true(
        "return document.getElementById('toasts').textContent.includes('已导出 2 行');",
        vec![],
        "the export of the two shown",
    )
    .await;
    let (_, log) = server
        .get("/api/v1/audit?action=export", &server.admin_token)
        .await;
    assert_eq!(
        log["data"]["records"][0]["detail"], "通话记录 2 行（xlsx）",
        "{log}"
    );
}

/// Issue 15: a workbook whose list is on its second sheet: the summary names the sheet read and
/// offers the others; choosing one imports it.
#[tokio::test]
#[ignore = "needs chromium"]
async fn another_sheet_is_chosen_from_the_summary() {
    let server = TestServer::start().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .set_name("封面")
        .unwrap()
        .write_string(0, 0, "2026年名单")
        .unwrap();
    let list = book.add_worksheet().set_name("名单").unwrap();
    for (row, cells) in [["姓名", "电话"], ["蒋一", "13900005555"]]
        .iter()
        .enumerate()
    {
        for (col, text) in cells.iter().enumerate() {
            list.write_string(row as u32, col as u16, *text).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("两张表.xlsx");
    book.save(&path).unwrap();

    let b = Browser::open(&server.base, "s15-sheet").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=customers]").await;
    // the page is mounted (its file input exists) once its list has loaded
    b.wait_text("#customer-list", "还没有客户").await;
    b.js(
        "document.getElementById('customer-import-file').hidden = false; return true;",
        vec![],
    )
    .await;
    b.find("#customer-import-file")
        .await
        .send_keys(path.to_str().unwrap())
        .await
        .expect("file chosen");
    b.click_text("dialog[open]", "开始导入").await;
    b.wait_text("#import-sheet-note", "封面").await;
    b.shot("1-first-sheet").await;
    b.click("#import-sheet-again").await;
    b.wait_text("#import-summary", "新建 1 位客户").await;
    b.click_text("dialog[open]", "好的").await;
    b.wait_text("#customer-list", "蒋一").await;
}
