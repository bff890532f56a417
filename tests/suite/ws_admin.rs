//! The PC page's live feed `/ws/admin` (contract §11): bind, online, offline and unbind events
//! as `{type, messageId, timestamp, data}`, each watcher seeing only the users it may see.

use crate::common;

use common::phone::{AdminFeed, TestPhone, ws_connect};
use common::{TestServer, assert_error};

#[tokio::test]
async fn the_feed_shows_phone_events_of_visible_users_only() {
    let server = TestServer::start().await;
    let manager = server.create_user("boss", "manager", "一部").await;
    let a = server.create_user("a1", "sales_staff", "一部").await;
    let b = server.create_user("b1", "sales_staff", "二部").await;
    let mut managers = AdminFeed::connect(&server, &manager.token).await;
    let mut bs = AdminFeed::connect(&server, &b.token).await;
    let mut admins = AdminFeed::connect(&server, &server.admin_token).await;

    let mut phone = TestPhone::bind_pc(&server, &a).await;
    let bound = managers
        .recv_phone_event("PHONE_BOUND", phone.phone_id)
        .await;
    assert!(
        bound["messageId"].is_string() && bound["timestamp"].is_i64(),
        "{bound}"
    );
    assert!(
        bound["data"]["connectionId"]
            .as_str()
            .unwrap()
            .starts_with("bind_")
    );
    assert_eq!(bound["data"]["userId"], a.id.as_str());
    assert_eq!(bound["data"]["phone"]["id"], phone.phone_id);
    phone.connect_online().await;
    let online = managers
        .recv_phone_event("PHONE_ONLINE", phone.phone_id)
        .await;
    assert_eq!(online["data"]["onlineStatus"], "online");
    phone.disconnect().await;
    managers
        .recv_phone_event("PHONE_OFFLINE", phone.phone_id)
        .await;
    admins.recv_phone_event("PHONE_BOUND", phone.phone_id).await;
    admins
        .recv_phone_event("PHONE_OFFLINE", phone.phone_id)
        .await;

    // b's feed: its first events are about b's own phone, nothing about a's
    let own = TestPhone::bind_pc(&server, &b).await;
    let seen = bs.drain_until("PHONE_BOUND", own.phone_id).await;
    assert!(
        seen.iter().all(|e| e["data"]["userId"] == b.id.as_str()),
        "b saw another user's events: {seen:?}"
    );
    // and the manager of 一部 does not see b's bind: the next thing it sees is a's unbind
    let (status, _) = server
        .delete(
            &format!("/api/v1/call-config/work-phones/{}", phone.phone_id),
            &a.token,
        )
        .await;
    assert_eq!(status, 200);
    let seen = managers.drain_until("PHONE_UNBOUND", phone.phone_id).await;
    assert!(
        seen.iter().all(|e| e["data"]["userId"] == a.id.as_str()),
        "the manager saw another department: {seen:?}"
    );
}

#[tokio::test]
async fn the_feed_takes_login_tokens_only() {
    let server = TestServer::start().await;
    let user = server.create_user("li", "sales_staff", "一部").await;
    let phone = TestPhone::bind_pc(&server, &user).await;
    let base = format!("ws://{}/ws/admin", server.addr);
    for url in [
        base.clone(),
        format!("{base}?token=garbage"),
        format!("{base}?token={}", phone.ws_token),
    ] {
        let (status, body) = ws_connect(&url).await.expect_err("refused");
        assert_error(status, &body, 401, "AUTH_FAILED");
    }
}
