//! Exports waiting to be fetched (issue 27): closed files, a few per user and a cap in all (the
//! oldest go), and links that stop when their owner is disabled or another user asks.

use crate::common;

use common::spawned::{dialbox, start, stop};
use common::{TestServer, login_token};
use serde_json::{Value, json};

/// Makes an export and returns its link.
async fn export_link(client: &reqwest::Client, base: &str, token: &str) -> String {
    let answer: Value = client
        .get(format!("{base}/api/v1/customers/export?format=csv"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["data"]["downloadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_string()
}

/// The files in `data` the server holds open, the database's own left out. Counting every
/// descriptor made the test flaky: the connection pool grows on demand (three descriptors a
/// connection) and sockets come and go with keep-alive.
fn open_files(pid: u32, data: &std::path::Path) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.starts_with(data))
        .filter(|target| {
            let name = target.file_name().unwrap_or_default().to_string_lossy();
            !name.starts_with(dialbox::config::DB_FILE)
        })
        .count()
}

#[tokio::test]
async fn waiting_exports_hold_no_descriptor_and_the_oldest_go() {
    let data = tempfile::tempdir().unwrap();
    let mut serve = dialbox();
    serve
        .env("DIALBOX_INITIAL_ADMIN_PASSWORD", "exports-pw-1")
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path());
    let (child, base, _) = start(serve);
    let client = reqwest::Client::new();
    let token = login_token(&base, "admin", "exports-pw-1").await;
    let before = open_files(child.id(), data.path());
    let mut links = Vec::new();
    for _ in 0..40 {
        links.push(export_link(&client, &base, &token).await);
    }
    let after = open_files(child.id(), data.path());
    assert!(
        after <= before + 1,
        "40 exports waiting hold {} descriptors",
        after - before
    );
    // the newest three work, the older ones were let go
    for (i, link) in links.iter().enumerate() {
        let resp = client.get(format!("{base}{link}")).send().await.unwrap();
        let status = resp.status();
        // read to the end, as a browser does: a response left half-read holds its connection
        // open while `stop` blocks this test's only thread, and the server's drain waits for it
        resp.bytes().await.unwrap();
        let want = if i >= 37 { 200 } else { 404 };
        assert_eq!(status.as_u16(), want, "export {i}");
    }
    stop(child);
}

#[tokio::test]
async fn a_link_stops_for_another_user_and_when_its_owner_is_disabled() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "一部").await;
    let client = &server.client;
    // another user's token on the link: refused (and the link is spent)
    let link = export_link(client, &server.base, &a.token).await;
    let resp = client
        .get(server.url(&link))
        .bearer_auth(&b.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // the owner's own token, or none (a browser's plain download): works
    let link = export_link(client, &server.base, &a.token).await;
    let resp = client
        .get(server.url(&link))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // the owner disabled after the export: the link stops
    let link = export_link(client, &server.base, &a.token).await;
    let (s, r) = server
        .put(
            &format!("/api/v1/users/{}", a.id),
            &server.admin_token,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let resp = client.get(server.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), 404);
}

/// An export's link holds five minutes on the server's clock, then stops.
#[tokio::test]
async fn a_link_stops_five_minutes_after_its_export() {
    let server = TestServer::start().await;
    let client = &server.client;
    let link = export_link(client, &server.base, &server.admin_token).await;
    let kept = export_link(client, &server.base, &server.admin_token).await;
    let resp = client.get(server.url(&kept)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "a fresh link works");
    server
        .clock
        .advance(dialbox::exports::DOWNLOAD_TTL + std::time::Duration::from_secs(1));
    let resp = client.get(server.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), 404);
}
