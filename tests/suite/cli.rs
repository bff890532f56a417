//! Issue 2: the `dialbox` binary itself, spawned as a process.

use crate::common::spawned::{dialbox, start, start_serve, stop};

async fn login(base: &str, username: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/mobile/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn first_serve_prints_an_admin_password_that_logs_in_once() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = dialbox();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("DIALBOX_LOG", "info");
    let (mut child, base, lines) = start(cmd);
    let mut log = child.stderr.take().unwrap();
    let line = lines
        .iter()
        .find(|l| l.contains("password:"))
        .expect("password printed");
    let password = line.rsplit(' ').next().unwrap().to_string();
    assert!(password.len() >= 12, "a random password: {password}");
    assert_eq!(login(&base, "admin", &password).await, 200);
    // a loopback-only server points the admin at the address it really answers on
    assert_eq!(
        lines.last().map(String::as_str),
        Some(format!("  open the admin page at: {base}/").as_str()),
        "{lines:?}"
    );
    stop(child);
    // issue 13 (14): stderr is a pipe here, so the log lines carry no colour codes
    let mut log_text = String::new();
    std::io::Read::read_to_string(&mut log, &mut log_text).unwrap();
    assert!(log_text.contains(" INFO "), "{log_text}");
    assert!(
        !log_text.contains('\u{1b}'),
        "colour codes in a pipe: {log_text:?}"
    );

    // the second start prints no password: it was shown once
    let (child, _, lines) = start_serve(data.path());
    assert!(!lines.iter().any(|l| l.contains("password:")), "{lines:?}");
    stop(child);
}

#[tokio::test]
async fn user_add_then_login_works_and_data_dir_goes_before_or_after() {
    let data = tempfile::tempdir().unwrap();
    let out = dialbox()
        .arg("--data-dir")
        .arg(data.path())
        .args([
            "user",
            "add",
            "--username",
            "zhangsan",
            "--password",
            "s3cret-pw",
            "--real-name",
            "张三",
            "--department",
            "销售部",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dialbox()
        .args(["user", "list", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains("zhangsan") && listing.contains("sales_staff"),
        "{listing}"
    );

    let (child, base, _) = start_serve(data.path());
    assert_eq!(login(&base, "zhangsan", "s3cret-pw").await, 200);
    // passwd and disable act on the running server's database
    let ok = dialbox()
        .env("DIALBOX_DATA_DIR", data.path())
        .args([
            "user",
            "passwd",
            "--username",
            "zhangsan",
            "--password",
            "other-pw",
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    assert_eq!(login(&base, "zhangsan", "s3cret-pw").await, 401);
    assert_eq!(login(&base, "zhangsan", "other-pw").await, 200);
    let ok = dialbox()
        .env("DIALBOX_DATA_DIR", data.path())
        .args(["user", "disable", "--username", "zhangsan"])
        .status()
        .unwrap();
    assert!(ok.success());
    assert_eq!(login(&base, "zhangsan", "other-pw").await, 401);
    let ok = dialbox()
        .env("DIALBOX_DATA_DIR", data.path())
        .args(["user", "enable", "--username", "zhangsan"])
        .status()
        .unwrap();
    assert!(ok.success());
    assert_eq!(login(&base, "zhangsan", "other-pw").await, 200);
    stop(child);
}

/// The command line obeys the page's rule: the last active admin cannot be disabled (one
/// command would lock the office out), and the refusal says why.
#[test]
fn user_disable_keeps_the_last_admin() {
    let data = tempfile::tempdir().unwrap();
    let user = |args: &[&str]| {
        dialbox()
            .env("DIALBOX_DATA_DIR", data.path())
            .arg("user")
            .args(args)
            .output()
            .unwrap()
    };
    let added = user(&[
        "add",
        "--username",
        "admin",
        "--password",
        "admin-pw",
        "--role",
        "admin",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let out = user(&["disable", "--username", "admin"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("至少需要保留一个可用的管理员"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(String::from_utf8_lossy(&user(&["list"]).stdout).contains("active"));
    // with a second admin, the first one can go
    let added = user(&[
        "add",
        "--username",
        "second",
        "--password",
        "second-pw",
        "--role",
        "admin",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(user(&["disable", "--username", "admin"]).status.success());
    let out = user(&["disable", "--username", "second"]);
    assert!(!out.status.success(), "the other admin is now the last");
    let out = user(&["enable", "--username", "nobody"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("用户不存在"));
}

#[tokio::test]
async fn dialbox_alone_serves_and_reads_its_environment() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = dialbox();
    cmd.env("DIALBOX_DATA_DIR", data.path())
        .env("DIALBOX_LISTEN", "127.0.0.1:0")
        .env("DIALBOX_PUBLIC_URL", "http://office-box.lan:3000")
        .env("DIALBOX_TIMEZONE", "Asia/Shanghai");
    let (child, base, lines) = start(cmd);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("office time zone: Asia/Shanghai")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("http://office-box.lan:3000/")),
        "{lines:?}"
    );
    assert!(data.path().join("dialbox.db").exists() && data.path().join("jwt.secret").exists());
    let ping = reqwest::get(format!("{base}/api/v1/mobile/ping"))
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
    stop(child);
}

#[test]
fn a_busy_port_exits_1_with_one_clear_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let data = tempfile::tempdir().unwrap();
    let out = dialbox()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("dialbox: cannot listen on") && last.contains(&port.to_string()),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unwritable_data_folder_exits_1() {
    let out = dialbox()
        .args(["user", "list", "--data-dir", "/proc/dialbox-cannot-be-here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("data folder") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn bad_flags_exit_2_with_usage() {
    let out = dialbox()
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = dialbox()
        .args(["user", "add", "--username", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_database_newer_than_the_binary_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let ok = dialbox()
        .arg("--data-dir")
        .arg(data.path())
        .args(["user", "list"])
        .status()
        .unwrap();
    assert!(ok.success());
    let db = data.path().join("dialbox.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    for args in [
        vec!["user", "list"],
        vec!["serve", "--listen", "127.0.0.1:0"],
    ] {
        let out = dialbox()
            .arg("--data-dir")
            .arg(data.path())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("schema version 999") && stderr.contains("newer"),
            "{stderr}"
        );
    }
    // refused before touching it
    let conn = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 999);
}

#[tokio::test]
async fn backup_while_serving_gives_a_file_that_passes_integrity_check() {
    let data = tempfile::tempdir().unwrap();
    let (child, base, _) = start_serve(data.path());
    for i in 0..5 {
        let ok = dialbox()
            .arg("--data-dir")
            .arg(data.path())
            .args([
                "user",
                "add",
                "--username",
                &format!("u{i}"),
                "--password",
                "123456",
            ])
            .status()
            .unwrap();
        assert!(ok.success());
    }
    let out_dir = tempfile::tempdir().unwrap();
    let out_file = out_dir.path().join("copy.db");
    // what a backup to another name left when it was killed: the next backup removes it, and
    // nothing else of the folder's
    let killed = [".old.db.dialbox-partial", ".old.db.dialbox-partial-journal"];
    for name in killed.iter().chain(&["notes.partial"]) {
        std::fs::write(out_dir.path().join(name), b"left").unwrap();
    }
    let out = dialbox()
        .arg("--data-dir")
        .arg(data.path())
        .args(["backup", "--out"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = rusqlite::Connection::open(&out_file).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let users: i64 = copy
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 6);
    for name in killed {
        assert!(!out_dir.path().join(name).exists(), "{name} left behind");
    }
    assert!(out_dir.path().join("notes.partial").exists());
    assert_eq!(login(&base, "u3", "123456").await, 200, "server unaffected");
    stop(child);
}

/// Issue 13 (1): a backup completes while writes keep coming (the online backup API restarted
/// after every commit), says its size, never overwrites without `--force`, and refuses a data
/// folder with no database instead of making one up.
#[tokio::test]
async fn backup_finishes_under_writes_and_refuses_what_it_should() {
    let data = tempfile::tempdir().unwrap();
    let (child, base, lines) = start_serve(data.path());
    let password = lines
        .iter()
        .find(|l| l.contains("password:"))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_string();
    let client = reqwest::Client::new();
    let token = crate::common::login_token(&base, "admin", &password).await;
    // a writer that never pauses, for as long as the backup runs
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let acknowledged = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let writer = tokio::spawn({
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let acknowledged = acknowledged.clone();
        async move {
            let mut written = 0u64;
            loop {
                if stop_rx.try_recv().is_ok() {
                    return written;
                }
                let body = serde_json::json!({"name": format!("客户{written}"), "phone": format!("139{:08}", written)});
                let resp = client
                    .post(format!("{base}/api/v1/customers"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200);
                written += 1;
                acknowledged.store(written, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    // the backup starts once writes are flowing
    assert!(
        crate::common::eventually(|| acknowledged.load(std::sync::atomic::Ordering::Relaxed) >= 10)
            .await,
        "the writer got going"
    );
    let out_dir = tempfile::tempdir().unwrap();
    let out_file = out_dir.path().join("copy.db");
    let backup = |force: bool| {
        let mut cmd = dialbox();
        cmd.arg("--data-dir")
            .arg(data.path())
            .args(["backup", "--out"])
            .arg(&out_file);
        if force {
            cmd.arg("--force");
        }
        let out_file = out_file.clone();
        tokio::task::spawn_blocking(move || {
            let _ = &out_file;
            cmd.output().unwrap()
        })
    };
    let out = backup(false).await.unwrap();
    let _ = stop_tx.send(());
    let written = writer.await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(" MB to "), "{stdout}");
    assert!(written > 0, "the writer wrote during the backup");
    let copy = rusqlite::Connection::open(&out_file).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(copy);
    let leftovers: Vec<_> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["copy.db"], "nothing but the copy");

    let again = backup(false).await.unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert!(backup(true).await.unwrap().status.success());
    // the running server's 设置 shows when the last backup was made (issue 14)
    let (_, shown) = crate::common::get_json(&base, "/api/v1/system/settings", &token).await;
    let last = &shown["data"]["lastBackup"];
    assert!(
        last["out"].as_str().unwrap().ends_with("copy.db"),
        "{shown}"
    );
    assert!(last["bytes"].as_u64().unwrap() > 0, "{shown}");
    stop(child);

    let typo = data.path().join("not-the-folder");
    let out = dialbox()
        .arg("--data-dir")
        .arg(&typo)
        .args(["backup", "--out"])
        .arg(out_dir.path().join("other.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"));
    assert!(!typo.join("dialbox.db").exists(), "no database made up");
}

/// Issue 13 (2): a used data folder whose database is empty or gone is refused, not restarted
/// as a fresh install with a new admin beside the old secret and recordings.
#[test]
fn a_used_folder_without_its_database_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let (child, _, _) = start_serve(data.path());
    stop(child);
    let db = data.path().join("dialbox.db");
    for f in ["dialbox.db-wal", "dialbox.db-shm"] {
        let _ = std::fs::remove_file(data.path().join(f));
    }
    std::fs::write(&db, b"").unwrap();
    for args in [
        &["serve", "--listen", "127.0.0.1:0"][..],
        &["user", "list"][..],
    ] {
        let out = dialbox()
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("missing or empty"), "{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("password:"));
    }
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "nothing created");
}

/// Issue 13 (5): a damaged database and a schema version that is not ours are one line at
/// start (exit 1), not 500s later.
#[test]
fn a_damaged_or_foreign_database_is_refused_at_start() {
    let data = tempfile::tempdir().unwrap();
    let made = dialbox()
        .arg("--data-dir")
        .arg(data.path())
        .args(["user", "add", "--username", "u1", "--password", "123456"])
        .status()
        .unwrap();
    assert!(made.success());
    let db = data.path().join("dialbox.db");
    let refused = |want: &str| {
        let out = dialbox()
            .arg("--data-dir")
            .arg(data.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.trim().lines().last().unwrap_or_default().to_string();
        assert!(
            last.contains(want) && !stderr.contains("panicked"),
            "{stderr}"
        );
    };
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", -3).unwrap();
    drop(conn);
    refused("not a DialBox database");

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 3).unwrap();
    // the users table's root page, overwritten with garbage (the file was closed cleanly, so
    // no write-ahead log holds a good copy of it)
    let (root, page_size): (i64, i64) = conn
        .query_row(
            "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master WHERE name = 'users'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&db).unwrap();
    let at = ((root - 1) * page_size) as usize;
    bytes[at..at + page_size as usize].fill(0xA5);
    std::fs::write(&db, bytes).unwrap();
    refused("damaged");
}
