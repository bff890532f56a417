//! 外呼任务 and 工作台 in a real headless Chromium (issue 16): the admin makes a list on the
//! page, assigns it and adds a number to the 黑名单; the salesperson starts the power dialer on
//! the 工作台, the phone rings, and the follow-up saved on the page brings the next number.

use crate::campaigns_dialer::{Answer, play};
use crate::common;

use common::browser::Browser;
use common::dialing::{Dialect, online_phone};
use common::{ADMIN_PASSWORD, TestServer, USER_PASSWORD};

#[tokio::test]
#[ignore = "needs chromium"]
async fn a_list_is_made_on_the_page_and_worked_from_the_workbench() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = online_phone(&server, &sales, Dialect::Document).await;

    let b = Browser::open(&server.base, "s16-campaigns").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=campaigns]").await;
    b.wait_text("#campaign-list", "还没有外呼任务").await;
    b.click("#campaign-new").await;
    b.fill("dialog input[name=name]", "双十二回访").await;
    b.fill("dialog input[name=wrapUpSeconds]", "600").await;
    b.fill(
        "dialog textarea[name=numbers]",
        "139 0000 1111 张三\n13900002222 李四\n王五 13900003333\n13900001111\n12345 测试",
    )
    .await;
    b.click_text("dialog", "创建").await;
    // what was left out stays on screen, each number with its reason (issue 30, item 5)
    b.wait_true(
        "const d = document.querySelector('dialog[open]'); \
         return !!d && d.textContent.includes('不是可拨打的电话号码') && d.textContent.includes('重复');",
        vec![],
        "the list of numbers left out",
    )
    .await;
    b.shot("1b-left-out").await;
    b.click_text("dialog", "知道了").await;
    b.wait_text("#campaign-list", "0 / 3 已拨").await;
    b.click_text(".campaign", "分配号码").await;
    b.wait_true(
        "const d = document.querySelector('dialog[open]'); \
         return !!d && d.textContent.includes('sales_a的名字');",
        vec![],
        "the people to assign to",
    )
    .await;
    b.js(
        "for (const l of document.querySelectorAll('dialog label.check')) \
           if (l.textContent.includes('sales_a')) l.querySelector('input[name=assignee]').checked = true; \
         return true;",
        vec![],
    )
    .await;
    b.click_text("dialog", "分配").await;
    b.wait_text("#campaign-list", "sales_a的名字").await;
    b.fill("#dnc input[name=dncPhone]", "13900009999").await;
    b.fill("#dnc input[name=dncReason]", "客户要求不再来电")
        .await;
    b.click("#dnc-add").await;
    b.wait_text("#dnc", "13900009999").await;
    b.shot("1-lists").await;

    // the salesperson's 工作台
    b.click("#logout").await;
    b.login("sales_a", USER_PASSWORD).await;
    b.click("#nav a[data-page=workbench]").await;
    b.wait_text("#workbench", "双十二回访").await;
    b.click("#workbench-start").await;
    let first = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(first["data"]["phoneNumber"], "13900001111");
    b.wait_text("#workbench-current", "张三").await;
    b.wait_text("#workbench-current", "139****1111").await;
    b.wait_text("#workbench-next", "李四").await;
    let id = first["data"]["callId"].as_str().unwrap().to_string();
    // the phone reports the call; the follow-up form opens, the wrap-up counts down
    play(
        &server,
        &sales,
        &mut phone,
        Dialect::Document,
        &id,
        Answer::Missed,
    )
    .await;
    b.wait_text("#workbench-wait", "原因：整理时间").await;
    // a wait of days reads as days, not thousands of minutes (issue 30, item 8)
    b.wait_true(
        "if (!window.__later) { window.__later = 'asked'; \
           import('/static/js/format.js').then((m) => { window.__later = [ \
             m.fmtLater(45, '2026-12-10T12:41:00Z'), m.fmtLater(600, '2026-12-10T12:41:00Z'), \
             m.fmtLater(4319 * 60, '2026-12-10T12:41:00Z')]; }); } \
         return Array.isArray(window.__later);",
        vec![],
        "the page's words for a later time",
    )
    .await;
    let later = b.js("return window.__later;", vec![]).await;
    // 12:41 UTC is 12月10日 in the browser's zone whatever it is (UTC or the office's)
    let days = later[2].as_str().unwrap();
    assert!(days.starts_with("3天后（12月10日 "), "{later}");
    assert_eq!(later[0], "45 秒后", "{later}");
    assert!(
        later[1].as_str().unwrap().starts_with("10 分钟后（"),
        "{later}"
    );
    b.find("#workbench-followup").await;
    b.fill(
        "#workbench-followup textarea[name=notes]",
        "没人接，明天再打",
    )
    .await;
    b.shot("2-wrap-up").await;
    b.click("#followup-submit").await;
    // saving the follow-up ends the wrap-up: the next number rings
    let second = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(second["data"]["phoneNumber"], "13900002222");
    b.wait_text("#workbench-current", "李四").await;
    b.click_text("#workbench-session", "暂停").await;
    b.wait_text("#workbench-wait", "手动暂停").await;
    // the missed first number waits to be called again: said so, not counted as never dialed
    let progress = b.wait_text("#workbench-progress", "待回拨 1").await;
    assert!(progress.starts_with("已拨 2 / 3"), "{progress}");
    b.shot("3-paused").await;
    let (_, w) = server.get("/api/v1/dialer/session", &sales.token).await;
    assert_eq!(w["data"]["session"]["status"], "paused", "{w}");
}
