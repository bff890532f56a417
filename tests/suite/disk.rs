//! Issue 13 (5): a full disk and a read-only data folder, for real. The server runs inside its
//! own mount namespace (`unshare -rm`, util-linux) on a small tmpfs, so the disk really fills:
//! every write then answers STORAGE_FULL (507) with its Chinese message — never a bare 500 — and
//! once space is freed the same server writes again with nothing half-written. A read-only folder
//! and a damaged database are refused at start with one line.

use std::process::Command;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::audio;
use crate::common::login_token;
use crate::common::spawned::{dialbox, start, stop};

const PASSWORD: &str = "disk-test-pw";

/// `dialbox serve` on a fresh tmpfs of `size` mounted at `data` (then `setup` run in the shell,
/// e.g. a remount), inside a private mount namespace.
fn on_tmpfs(data: &std::path::Path, size: &str, setup: &str) -> Command {
    on_tmpfs_with(data, size, setup, &[])
}

fn on_tmpfs_with(data: &std::path::Path, size: &str, setup: &str, flags: &[&str]) -> Command {
    let template = dialbox();
    let mut cmd = Command::new("unshare");
    cmd.args(["-rm", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size={size} tmpfs \"$1\" && {setup} exec \"$0\" serve --listen 127.0.0.1:0 --data-dir \"$1\" {}",
            flags.join(" ")
        ))
        .arg(template.get_program())
        .arg(data);
    for (key, value) in template.get_envs() {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    cmd.env("DIALBOX_INITIAL_ADMIN_PASSWORD", PASSWORD);
    cmd
}

async fn upload(client: &reqwest::Client, base: &str, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    let call: Value = client
        .post(format!("{base}/api/v1/calls/records"))
        .bearer_auth(token)
        .json(&json!({"customerPhone": "13800138000"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let call_id = call["data"]["id"].as_str().unwrap_or_default().to_string();
    let form = Form::new()
        .text("callId", call_id)
        .part("file", Part::bytes(bytes).file_name("a.mp3"));
    let resp = client
        .post(format!("{base}/api/v1/mobile/recording/upload"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_full_disk_answers_storage_full_and_recovers_when_space_is_freed() {
    let data = tempfile::tempdir().unwrap();
    // 5 MB kept free for the database (more than its write-ahead log grows to between
    // checkpoints, 4 MB): uploads stop there, so the deletes that free space can be written
    let flags = ["--storage-reserve-mb", "5"];
    let (child, base, _) = start(on_tmpfs_with(data.path(), "12m", "", &flags));
    let client = reqwest::Client::new();
    let token = login_token(&base, "admin", PASSWORD).await;
    // recordings of ~1 MB until the disk is full
    let mut stored = Vec::new();
    let full = loop {
        let (status, body) = upload(&client, &base, &token, audio::mp3(2400)).await;
        match status {
            200 => stored.push(body["data"]["id"].as_str().unwrap().to_string()),
            _ => break (status, body),
        }
        assert!(stored.len() < 20, "a 12 MB disk took 20 recordings");
    };
    assert_eq!(full.0, 507, "{}", full.1);
    assert_eq!(full.1["code"], "STORAGE_FULL");
    assert!(full.1["message"].as_str().unwrap().contains("存储空间不足"));
    assert!(!stored.is_empty());
    // small writes go on inside the reserve; none is a 500
    for i in 0..100 {
        let resp = client
            .post(format!("{base}/api/v1/customers"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("客户{i}"), "phone": format!("139{i:08}")}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        assert!(
            status == 200 || status == 507,
            "{status}: {}",
            resp.text().await.unwrap()
        );
    }
    // free the space: the same server writes again, and what it had is all there
    for id in &stored {
        let resp = client
            .delete(format!("{base}/api/v1/calls/recordings/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let (status, body) = upload(&client, &base, &token, audio::mp3(200)).await;
    assert_eq!(status, 200, "{body}");
    let resp = client
        .post(format!("{base}/api/v1/customers"))
        .bearer_auth(&token)
        .json(&json!({"name": "腾出空间后", "phone": "13700000001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    stop(child);
}

#[test]
fn a_read_only_data_folder_is_one_line_at_start() {
    let data = tempfile::tempdir().unwrap();
    let out = on_tmpfs(data.path(), "4m", "mount -o remount,ro \"$1\" &&")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.contains("cannot be used") && last.contains("Read-only"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Without a reserve the database itself meets the full disk: SQLite's "database or disk is
/// full" is STORAGE_FULL too, and the writes around it answer 200 or 507, never 500.
#[tokio::test]
async fn with_no_reserve_the_database_meeting_a_full_disk_is_storage_full() {
    let data = tempfile::tempdir().unwrap();
    let flags = ["--storage-reserve-mb", "0"];
    let (child, base, _) = start(on_tmpfs_with(data.path(), "8m", "", &flags));
    let client = reqwest::Client::new();
    let token = login_token(&base, "admin", PASSWORD).await;
    for _ in 0..20 {
        if upload(&client, &base, &token, audio::mp3(1200)).await.0 != 200 {
            break;
        }
    }
    let mut full = None;
    for i in 0..5_000 {
        let resp = client
            .post(format!("{base}/api/v1/customers"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("客户{i}"), "phone": format!("139{i:08}"), "notes": "备注".repeat(400)}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        assert!(status == 200 || status == 507, "{status}: {body}");
        if status == 507 {
            full = Some(body);
            break;
        }
    }
    let full = full.expect("the disk filled up");
    assert_eq!(full["code"], "STORAGE_FULL", "{full}");
    // reads still work
    let resp = client
        .get(format!("{base}/api/v1/customers?pageSize=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    stop(child);
}

/// Issue 27: the disk filled by something else on the box, after the server started, to 0 bytes
/// free. Logging in (right and wrong), reading and deleting a recording — the act that frees
/// space — still work: the room the server keeps for its database is let go at the first write.
#[tokio::test]
async fn a_disk_filled_by_something_else_lets_people_log_in_read_and_delete() {
    let data = tempfile::tempdir().unwrap();
    let signals = tempfile::tempdir().unwrap();
    let (go, done) = (signals.path().join("go"), signals.path().join("done"));
    // a filler in the server's mount namespace, started on a signal from outside the tmpfs (in
    // braces: `mount && job &` would put the mount itself in the background)
    let filler = format!(
        r#"{{ (while [ ! -e "{go}" ]; do sleep 0.05; done; dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null; touch "{done}") >/dev/null 2>&1 </dev/null & }} && "#,
        go = go.display(),
        done = done.display()
    );
    let flags = ["--storage-reserve-mb", "1"];
    let (child, base, _) = start(on_tmpfs_with(data.path(), "12m", &filler, &flags));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let token = login_token(&base, "admin", PASSWORD).await;
    let (status, body) = upload(&client, &base, &token, audio::mp3(200)).await;
    assert_eq!(status, 200, "{body}");
    let recording = body["data"]["id"].as_str().unwrap().to_string();
    std::fs::write(&go, b"").unwrap();
    for _ in 0..200 {
        if done.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(done.exists(), "the filler filled the disk");
    let login = |password: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let resp = client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": "admin", "password": password}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = login("wrong-password").await;
    assert_eq!(status, 401, "a wrong password is told as such: {body}");
    let (status, body) = login(PASSWORD).await;
    assert_eq!(status, 200, "the right one logs in: {body}");
    let token = body["data"]["token"].as_str().unwrap().to_string();
    for path in ["/api/v1/customers?pageSize=5", "/api/v1/calls/recordings"] {
        let resp = client
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
    let resp = client
        .delete(format!("{base}/api/v1/calls/recordings/{recording}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert_eq!(
        status,
        200,
        "deleting frees space: {}",
        resp.text().await.unwrap()
    );
    stop(child);
}
