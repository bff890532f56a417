//! Nothing lost: a `kill -9` in the middle of writes leaves a consistent database that holds every
//! write the server had confirmed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::json;

#[tokio::test]
async fn kill_9_during_writes_keeps_every_confirmed_write() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dialbox"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("DIALBOX_INITIAL_ADMIN_PASSWORD", "crash-test-pw")
        .env("DIALBOX_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let addr = first.trim().rsplit(' ').next().unwrap().to_string();
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let token = crate::common::login_token(&base, "admin", "crash-test-pw").await;

    // four writers create users as fast as they can; the server is killed while they run
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        writers.push(tokio::spawn(async move {
            let mut confirmed = Vec::new();
            for i in 0..10_000 {
                let name = format!("w{w}_{i}");
                let resp = client
                    .post(format!("{base}/api/v1/users"))
                    .bearer_auth(&token)
                    .json(&json!({"username": name, "password": "123456"}))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 200 => confirmed.push(name),
                    _ => break,
                }
            }
            confirmed
        }));
    }
    // let some writes land, then kill without warning
    let db_path = data.path().join("dialbox.db");
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let conn = rusqlite::Connection::open(&db_path).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
            .unwrap_or(0);
        if n > 20 {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let mut confirmed = Vec::new();
    for w in writers {
        confirmed.extend(w.await.unwrap());
    }
    assert!(!confirmed.is_empty());

    let conn = rusqlite::Connection::open(&db_path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let fk: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0);
    for name in &confirmed {
        let found: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM users WHERE username = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 1, "confirmed user {name} was lost");
    }
    // and the binary opens it again
    let out = Command::new(env!("CARGO_BIN_EXE_dialbox"))
        .arg("--data-dir")
        .arg(data.path())
        .args(["user", "list"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
