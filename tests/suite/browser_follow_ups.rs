//! Follow-ups that close, in a real headless Chromium (issue 14, item 4): the menu counts what
//! is due today and overdue, 概览 lists them with 拨打, and a follow-up is completed, edited and
//! deleted from the page. Screenshots: `target/screenshots/s14-followups-*.png`.

use crate::common;

use common::browser::Browser;
use common::dialing::{Dialect, online_phone};
use common::{TestServer, USER_PASSWORD};
use serde_json::json;

const DAY_MS: i64 = 86_400_000;

#[tokio::test]
#[ignore = "needs chromium"]
async fn follow_ups_are_counted_dialed_completed_edited_and_deleted_from_the_page() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let (status, made) = server
        .post(
            "/api/v1/customers",
            &server.admin_token,
            json!({"name": "吴总", "phone": "13977778888", "ownerId": sales.id}),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    let customer = made["data"]["id"].as_str().unwrap().to_string();
    let now = dialbox::times::now_ms();
    for (content, next) in [("上周该回电", now - 3 * DAY_MS), ("今天回电", now)] {
        let body = json!({"customerId": customer, "content": content,
                          "nextFollowUpDate": dialbox::times::iso_ms(next)});
        let (status, made) = server
            .post("/api/v1/calls/followups", &sales.token, body)
            .await;
        assert_eq!(status, 200, "{made}");
    }
    let mut phone = online_phone(&server, &sales, Dialect::Shipped).await;

    let b = Browser::open(&server.base, "s14-followups").await;
    b.login("sales_a", USER_PASSWORD).await;
    b.wait_text("#nav-due-today", "1").await;
    b.wait_text("#nav-due-overdue", "1").await;
    b.wait_text("#due-follow-ups", "上周该回电").await;
    b.wait_text("#due-follow-ups", "今天回电").await;
    b.shot("1-overview-due").await;

    // one click dials the customer of a due follow-up
    b.click("#due-follow-ups tr.due-row.overdue button.dial")
        .await;
    let dial = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(dial["data"]["customerPhone"], "13977778888", "{dial}");
    b.wait_text("#call-state", "呼叫中").await;
    let end = json!({"callId": dial["data"]["callId"], "status": "missed", "duration": 0});
    phone.report("CALL_ENDED", end).await;
    b.wait_text("#call-state", "已结束").await;
    b.click_text("#call-panel", "×").await;

    // the overdue count leads to the overdue ones; 完成 closes it and the count goes
    b.click("#due-follow-ups a.due-overdue").await;
    b.wait_text("#followup-list", "上周该回电").await;
    let listed = b
        .js(
            "return document.querySelectorAll('#followup-list tr.followup-row').length;",
            vec![],
        )
        .await;
    assert_eq!(listed, json!(1), "only the overdue one under 已逾期");
    b.shot("2-overdue-list").await;
    b.click_text("#followup-list", "完成").await;
    b.wait_true(
        "return !document.getElementById('nav-due-overdue');",
        vec![],
        "the overdue count to go",
    )
    .await;
    b.wait_text("#followup-list", "暂无数据").await;

    // 编辑 today's: new text, the server writes the tag line
    b.find("select[name=due]")
        .await
        .select_by_value("today")
        .await
        .expect("due filter");
    b.click_text(".filters", "查询").await;
    b.wait_text("#followup-list", "今天回电").await;
    b.click("#followup-list button.edit").await;
    b.fill("#followup-edit textarea[name=content]", "改到明早")
        .await;
    b.click("#followup-edit button[data-tag=再联系]").await;
    b.shot("3-edit").await;
    b.click_text("dialog[open]", "保存").await;
    b.wait_text("#followup-list", "改到明早").await;
    b.wait_text("#followup-list", "标签: 再联系").await;

    // 删除 with a confirm: gone, and so is the today count
    b.click_text("#followup-list", "删除").await;
    b.click_text("dialog[open]", "删除").await;
    b.wait_true(
        "return !document.getElementById('nav-due-today');",
        vec![],
        "the today count to go",
    )
    .await;
    b.shot("4-all-done").await;
    let (_, left) = server.get("/api/v1/calls/followups", &sales.token).await;
    let rows = left["data"]["records"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{left}");
    assert_eq!(rows[0]["status"], "completed");
}
