//! The page when the server blinks, in a real headless Chromium (issue 14, item 6): a banner
//! while the server is away; a page opened meanwhile says it could not load and offers 重试
//! (never a blank page); and once the server is back the page reloads its data by itself.

use crate::common;

use common::browser::Browser;
use common::{ADMIN_PASSWORD, TestServer};
use serde_json::json;

const BANNER_SHOWN: &str = "return !document.getElementById('offline-banner').hidden;";
const BANNER_GONE: &str = "return document.getElementById('offline-banner').hidden;";

#[tokio::test]
#[ignore = "needs chromium"]
async fn the_page_survives_a_server_blink_and_reloads_when_it_is_back() {
    let server = TestServer::start().await;
    let b = Browser::open(&server.base, "s14-blink").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=customers]").await;
    b.wait_text("#customer-list", "还没有客户").await;

    // away: the banner; back: the list shows what was added meanwhile, with no click
    let paused = server.pause().await;
    b.wait_true(BANNER_SHOWN, vec![], "the offline banner")
        .await;
    b.shot("1-offline").await;
    let server = paused.resume().await;
    let body = json!({"name": "断线后新增", "phone": "13911119999"});
    let (status, made) = server
        .post("/api/v1/customers", &server.admin_token, body)
        .await;
    assert_eq!(status, 200, "{made}");
    b.wait_true(BANNER_GONE, vec![], "the banner to go").await;
    b.wait_text("#customer-list", "断线后新增").await;
    b.shot("2-back-and-reloaded").await;

    // a page not loaded yet while the server is away: words and 重试, not a blank page
    let paused = server.pause().await;
    b.wait_true(BANNER_SHOWN, vec![], "the offline banner again")
        .await;
    b.click("#nav a[data-page=audit]").await;
    b.wait_text("#page", "页面加载失败").await;
    b.shot("3-page-failed").await;
    let server = paused.resume().await;
    // the page comes back by itself once the feed reconnects (重试 does the same at once)
    b.wait_true(BANNER_GONE, vec![], "the banner to go").await;
    b.wait_text("#audit-list", "登录").await;
    b.shot("4-page-back").await;
    drop(server);
}
