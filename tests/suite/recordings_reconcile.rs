//! Issue 13 (3): files and rows kept in step after a crash. A file no row names (a kill between
//! the upload's rename and its commit) is moved to `recordings/orphaned/` once it is old enough,
//! and counted for the admin; a row whose file is gone is marked and shown, and unmarked when the
//! file is back.

use crate::common;

use std::time::{Duration, SystemTime};

use common::TestServer;
use common::audio;
use serde_json::Value;

async fn storage(server: &TestServer) -> Value {
    server
        .get("/api/v1/system/storage", &server.admin_token)
        .await
        .1["data"]
        .clone()
}

async fn until(server: &TestServer, what: &str, want: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let s = storage(server).await;
        if want(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what}: storage stayed {}", storage(server).await);
}

fn write_file(path: &std::path::Path, modified: SystemTime) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, audio::mp3(2)).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(modified).unwrap();
}

#[tokio::test]
async fn orphan_files_are_set_aside_and_missing_files_are_shown() {
    let server = TestServer::start().await;
    let user = server.create_user("rc_a", "sales_staff", "").await;
    let kept = audio::recording(&server, &user, audio::mp3(3)).await;
    let lost = audio::recording(&server, &user, audio::mp3(3)).await;
    let root = server.dir.path().join("recordings");
    let lost_rel = audio::rel_of(&lost);
    let lost_bytes = std::fs::read(root.join(&lost_rel)).unwrap();
    std::fs::remove_file(root.join(&lost_rel)).unwrap();
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let old_orphan = root.join("2026/01/02/rec_orphan1.mp3");
    write_file(&old_orphan, hour_ago);
    // an upload in flight: renamed in a moment ago, its row about to commit
    let young_orphan = root.join("2026/01/02/rec_orphan2.mp3");
    write_file(&young_orphan, SystemTime::now());

    // the reconcile runs at start and with every retention sweep (every 100 ms here)
    let server = server
        .restart_with(|c| c.retention_interval = Duration::from_millis(100))
        .await;
    let s = until(&server, "reconciled", |s| s["missingFiles"] == 1).await;
    assert_eq!(
        (s["orphanedFiles"].as_u64(), s["recordingCount"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(!old_orphan.exists() && young_orphan.exists());
    assert!(root.join("orphaned/2026-01-02-rec_orphan1.mp3").exists());
    let (_, list) = server
        .get("/api/v1/calls/recordings", &server.admin_token)
        .await;
    let missing: Vec<(Value, Value)> = list["data"]["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].clone(), r["fileMissing"].clone()))
        .collect();
    assert!(
        missing.contains(&(lost["id"].clone(), Value::Bool(true))),
        "{missing:?}"
    );
    assert!(
        missing.contains(&(kept["id"].clone(), Value::Bool(false))),
        "{missing:?}"
    );
    // the orphaned folder is never served: the strict path pattern does not reach it
    let (status, _) = server
        .get(
            "/recordings/orphaned/2026-01-02-rec_orphan1.mp3",
            &server.admin_token,
        )
        .await;
    assert_eq!(status, 404);

    // the file comes back (restored from a backup): the mark goes
    std::fs::write(root.join(&lost_rel), lost_bytes).unwrap();
    until(&server, "found again", |s| s["missingFiles"] == 0).await;
    assert_eq!(
        storage(&server).await["orphanedFiles"],
        1,
        "orphans stay until someone looks"
    );
}
