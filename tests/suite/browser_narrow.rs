//! A manager on a phone (issue 14): at 390 px the menu folds behind ☰ and lists become cards of
//! label and value; 概览, 通话记录 and 跟进记录 are usable. Screenshots at 390 px.

use crate::common;

use common::browser::Browser;
use common::calls::create_call;
use common::{TestServer, USER_PASSWORD};
use serde_json::json;

const NAV_SHOWN: &str =
    "return getComputedStyle(document.getElementById('nav')).display !== 'none';";

#[tokio::test]
#[ignore = "needs chromium"]
async fn at_390_px_the_menu_folds_and_lists_become_cards() {
    let server = TestServer::start().await;
    let _boss = server.create_user("boss1", "manager", "一部").await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    for i in 0..3 {
        let body = json!({"customerPhone": format!("1380013800{i}"), "customerName": format!("客户{i}"),
                          "callStatus": "connected", "duration": 61, "notes": "谈了价格"});
        create_call(&server, &a.token, body).await;
    }
    let body = json!({"customerName": "客户0", "content": "明天回电", "nextFollowUpDate": dialbox::times::iso_ms(dialbox::times::now_ms())});
    let (status, _) = server.post("/api/v1/calls/followups", &a.token, body).await;
    assert_eq!(status, 200);

    let b = Browser::open(&server.base, "s14-390px").await;
    b.resize(390, 844).await;
    b.login("boss1", USER_PASSWORD).await;
    b.wait_text("#today-stats", "通话总数").await;
    let width = b
        .js("return document.documentElement.scrollWidth;", vec![])
        .await;
    assert!(
        width.as_u64().unwrap() <= 400,
        "no sideways scrolling on 概览: {width}"
    );
    assert_eq!(
        b.js(NAV_SHOWN, vec![]).await,
        json!(false),
        "the menu is folded"
    );
    b.shot("1-overview").await;

    b.click("#menu-toggle").await;
    b.wait_true(NAV_SHOWN, vec![], "the menu to open").await;
    b.shot("2-menu-open").await;
    b.click("#nav a[data-page=calls]").await;
    b.wait_true(
        &NAV_SHOWN.replace("!==", "==="),
        vec![],
        "the menu to fold after a choice",
    )
    .await;
    b.wait_text("#call-list", "谈了价格").await;
    // a row is a card: no header row, each cell labelled
    let card = b
        .js(
            "const head = document.querySelector('#call-list thead'); \
             const cell = document.querySelector('#call-list tr.call-row td'); \
             return [getComputedStyle(head).display, getComputedStyle(cell, '::before').content];",
            vec![],
        )
        .await;
    assert_eq!(card[0], "none", "{card}");
    assert_eq!(card[1], "\"时间\"", "{card}");
    let width = b
        .js("return document.documentElement.scrollWidth;", vec![])
        .await;
    assert!(
        width.as_u64().unwrap() <= 400,
        "no sideways scrolling on 通话记录: {width}"
    );
    b.shot("3-calls-as-cards").await;

    b.click("#menu-toggle").await;
    b.click("#nav a[data-page=followups]").await;
    b.wait_text("#followup-list", "明天回电").await;
    b.shot("4-follow-ups").await;
}
