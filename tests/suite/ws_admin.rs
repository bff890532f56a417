//! The PC page's live feed `/ws/admin` (contract §11): bind, online, offline and unbind events
//! as `{type, messageId, timestamp, data}`, each watcher seeing only the users it may see.

use crate::common;

use common::phone::{AdminFeed, TestPhone, ws_connect};
use common::{TestServer, assert_error};
use serde_json::json;

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

/// Issue 13 (8): disabling a user, or giving them a new password, ends their sessions at once:
/// their page's live feed and their phone's socket close now (the feed's own token re-check is
/// set 200 s away here, so only the immediate close can pass), and their recording links die.
#[tokio::test]
async fn disable_and_password_change_end_sessions_at_once() {
    let server =
        TestServer::start_with(|c| c.ws_idle_timeout = std::time::Duration::from_secs(600)).await;
    let a = server.create_user("gone_a", "sales_staff", "一部").await;
    let b = server.create_user("gone_b", "sales_staff", "一部").await;
    let mut a_feed = AdminFeed::connect(&server, &a.token).await;
    let mut b_feed = AdminFeed::connect(&server, &b.token).await;
    let mut a_phone = TestPhone::bind_pc(&server, &a).await;
    a_phone.connect_online().await;
    let mut b_phone = TestPhone::bind_pc(&server, &b).await;
    b_phone.connect_online().await;
    let rec = common::audio::recording(&server, &b, common::audio::mp3(3)).await;
    let (_, list) = server.get("/api/v1/calls/recordings", &b.token).await;
    let link = list["data"]["recordings"][0]["fileUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(list["data"]["recordings"][0]["id"], rec["id"]);
    let plain = reqwest::Client::new();
    assert_eq!(plain.get(&link).send().await.unwrap().status(), 200);

    let (s, body) = server
        .put(
            &format!("/api/v1/users/{}", a.id),
            &server.admin_token,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    a_feed.expect_closed().await;
    a_phone.expect_closed().await;

    let (s, body) = server
        .put(
            &format!("/api/v1/users/{}/password", b.id),
            &server.admin_token,
            json!({"password": "a-new-password"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    b_feed.expect_closed().await;
    b_phone.expect_closed().await;
    assert_eq!(
        plain.get(&link).send().await.unwrap().status(),
        401,
        "the old link died"
    );
    // the admin's own feed is untouched
    let mut admins = AdminFeed::connect(&server, &server.admin_token).await;
    let c = server.create_user("gone_c", "sales_staff", "一部").await;
    let phone = TestPhone::bind_pc(&server, &c).await;
    admins.recv_phone_event("PHONE_BOUND", phone.phone_id).await;
}

/// Issue 14 (6): a server that stops closes the PC pages' feeds and the phones' sockets (they
/// are upgraded connections, which hyper's graceful shutdown neither waits for nor ends), so
/// clients learn it is gone and reconnect to the next one.
#[tokio::test]
async fn stopping_the_server_closes_every_socket() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut feed = AdminFeed::connect(&server, &server.admin_token).await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    phone.connect_online().await;
    feed.recv_phone_event("PHONE_ONLINE", phone.phone_id).await;
    let paused = server.pause().await;
    feed.expect_closed().await;
    phone.expect_closed().await;
    drop(paused);
}
