//! The database's health (issue 32, item 2): a start reads only what it needs, so a page damaged
//! in the middle of the calls does not keep the server from starting; the full check runs in the
//! background, says what it found on 设置 and in the log, and a request that meets the damaged
//! page is logged and remembered for the page — never a silent 500.

use crate::bench_data::dialbox;
use crate::common;

use common::spawned;
use serde_json::{Value, json};
use std::time::Duration;

/// One leaf page of `call_records` in the middle of the table (neither its first nor its
/// newest), overwritten with garbage in the closed file.
fn damage_a_middle_page_of_the_calls(db: &std::path::Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    let leaves: Vec<i64> = conn
        .prepare(
            "SELECT pageno FROM dbstat WHERE name = 'call_records' AND pagetype = 'leaf'
              ORDER BY pageno",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(leaves.len() > 10, "enough pages: {}", leaves.len());
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    let page = leaves[leaves.len() / 2];
    let mut bytes = std::fs::read(db).unwrap();
    let at = ((page - 1) * page_size) as usize;
    bytes[at..at + page_size as usize].fill(0xA5);
    std::fs::write(db, bytes).unwrap();
}

async fn get(client: &reqwest::Client, base: &str, path: &str, token: &str) -> (u16, Value) {
    let resp = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_page_damaged_after_start_is_found_said_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let made = dialbox(&[
        "--data-dir",
        &data,
        "gen-calls",
        "--count",
        "5000",
        "--users",
        "2",
        "--days",
        "2",
        "--timezone",
        "Asia/Shanghai",
        "--seed",
        "7",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let added = dialbox(&[
        "--data-dir",
        &data,
        "user",
        "add",
        "--username",
        "admin",
        "--password",
        "admin-pw-1",
        "--role",
        "admin",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    damage_a_middle_page_of_the_calls(&dir.path().join("dialbox.db"));

    // the start does not read the calls' pages: it serves; the folder was never checked, so the
    // full check runs in the background and says what it found
    let (child, base) = serve(&data);
    let (client, token) = login(&base).await;
    let check = check_when(&base, |c| c["ok"].is_boolean()).await;
    assert_eq!(check["ok"], false, "{check}");
    assert_eq!(check["reason"], "first", "{check}");
    assert!(
        !check["detail"].as_str().unwrap_or_default().is_empty(),
        "{check}"
    );
    assert!(
        check["damageMet"].is_null(),
        "no request met it yet: {check}"
    );

    // paging through every call meets the damaged page: an error, and the page is told
    let mut failed = None;
    for page in 1..=60 {
        let path = format!("/api/v1/calls/records?pageSize=100&page={page}");
        let (s, b) = get(&client, &base, &path, &token).await;
        if s != 200 {
            failed = Some((s, b));
            break;
        }
    }
    let (s, b) = failed.expect("a page of calls reads the damaged page");
    assert_eq!((s, &b["code"]), (500, &json!("INTERNAL_ERROR")), "{b}");
    let (_, after) = get(&client, &base, "/api/v1/system/settings", &token).await;
    let met = &after["data"]["databaseCheck"]["damageMet"];
    assert!(
        met["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("malformed"),
        "{after}"
    );

    // and the log says it in one line each time
    let stderr = spawned::stop_and_read_log(child);
    assert!(stderr.contains("database check found damage"), "{stderr}");
    assert!(stderr.contains("the database file is damaged"), "{stderr}");
}

/// Serves `data` in the tests' zone with a known admin password.
fn serve(data: &str) -> (std::process::Child, String) {
    let mut cmd = spawned::dialbox();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir", data])
        .env("DIALBOX_TIMEZONE", "Asia/Shanghai")
        .env("DIALBOX_INITIAL_ADMIN_PASSWORD", "admin-pw-1");
    let (child, base, _) = spawned::start(cmd);
    (child, base)
}

/// A client logged in as the admin.
async fn login(base: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": "admin-pw-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["data"]["token"]
        .as_str()
        .expect("logged in")
        .to_string();
    (client, token)
}

/// The database check 设置 shows, once it has a report matching `done`.
async fn check_when(base: &str, done: impl Fn(&Value) -> bool) -> Value {
    let (client, token) = login(base).await;
    for _ in 0..200 {
        let (s, b) = get(&client, base, "/api/v1/system/settings", &token).await;
        assert_eq!(s, 200, "{b}");
        let check = b["data"]["databaseCheck"].clone();
        if done(&check) {
            return check;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the check never got there");
}

/// A stop that was not clean (kill -9) leaves the running marker: the next start owes a full
/// check and runs it in the background; a clean stop does not.
#[tokio::test]
async fn an_unclean_stop_is_followed_by_a_full_check() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let (mut child, base) = serve(&data);
    let first = check_when(&base, |c| c["ok"] == true).await;
    assert_eq!(first["reason"], "first", "{first}");
    assert!(dir.path().join("dialbox.running").exists());
    child.kill().unwrap();
    child.wait().unwrap();

    let (child, base) = serve(&data);
    let again = check_when(&base, |c| c["reason"] == "unclean_stop").await;
    assert_eq!(again["ok"], true, "{again}");
    spawned::stop(child);
    assert!(
        !dir.path().join("dialbox.running").exists(),
        "a clean stop takes it away"
    );
}
