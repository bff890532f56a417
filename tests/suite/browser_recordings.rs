//! 录音 in a real headless Chromium (issue 14, item 8): found by person, by the customer's name
//! or number and by date — not by ids an admin never sees — and an AMR recording (common on
//! Android), which the browser cannot play, says so and offers 下载 instead of a dead player.

use crate::common;

use common::audio;
use common::browser::Browser;
use common::calls::create_call;
use common::{ADMIN_PASSWORD, TestServer};
use serde_json::json;

async fn count(b: &Browser) -> u64 {
    b.js(
        "return document.querySelectorAll('#recording-list tr.recording-row').length;",
        vec![],
    )
    .await
    .as_u64()
    .unwrap()
}

#[tokio::test]
#[ignore = "needs chromium"]
async fn recordings_are_found_by_person_and_customer_and_amr_says_it_cannot_play() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let c = server.create_user("sales_c", "sales_staff", "二部").await;
    for (who, name, number, file, bytes) in [
        (&a, "郑总", "13966660001", "x.mp3", audio::mp3(4)),
        (&a, "冯总", "13966660002", "x.amr", audio::amr(250)),
        (&c, "陈总", "13966660003", "x.mp3", audio::mp3(4)),
    ] {
        let body = json!({"customerPhone": number, "customerName": name, "callStatus": "connected", "duration": 5});
        let call = create_call(&server, &who.token, body).await;
        let (status, up) = audio::upload(&server, &who.token, Some(&call), None, file, bytes).await;
        assert_eq!(status, 200, "{up}");
    }
    let b = Browser::open(&server.base, "s14-recordings").await;
    b.login("admin", ADMIN_PASSWORD).await;
    b.click("#nav a[data-page=recordings]").await;
    b.wait_text("#recording-list", "陈总").await;
    assert_eq!(count(&b).await, 3);
    // the AMR one: words and 下载, no player
    let amr = b.wait_text("#recording-list", "浏览器无法播放 AMR").await;
    assert!(amr.contains("5秒"), "the file's own length: {amr}");
    b.shot("1-all").await;

    // by the customer's number (part of it)
    b.fill(".filters input[name=keyword]", "0002").await;
    b.click_text(".filters", "查询").await;
    b.wait_text("#recording-list", "共 1 条").await;
    b.wait_text("#recording-list", "冯总").await;
    // by person
    b.fill(".filters input[name=keyword]", "").await;
    b.find(".filters select[name=userId]")
        .await
        .select_by_value(&c.id)
        .await
        .expect("person filter");
    b.click_text(".filters", "查询").await;
    b.wait_text("#recording-list", "共 1 条").await;
    b.wait_text("#recording-list", "陈总").await;
    b.shot("2-by-person").await;
    let players = b
        .js(
            "return document.querySelectorAll('#recording-list audio').length;",
            vec![],
        )
        .await;
    assert_eq!(players, json!(1));
}
