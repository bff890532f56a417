//! Nothing lost (issue 13, "keep it true"): rounds of `kill -9` on the real binary in the middle
//! of mixed writes — customers, call records and recording uploads — on one data folder, as an
//! office whose box loses power again and again. After every kill: `integrity_check` and the
//! foreign keys are clean, every write the server confirmed is there, and every recording row
//! has its file (a file without a row may remain: the reconcile sets it aside later).
//! `DIALBOX_CRASH_ROUNDS` sets the number of rounds (20 by default; more for a long run).

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::audio;
use crate::common::login_token;
use crate::common::spawned::{dialbox, start};

const PASSWORD: &str = "crash-test-pw";

/// What the server confirmed in one round.
#[derive(Default)]
struct Confirmed {
    customers: Vec<String>,
    calls: Vec<String>,
    recordings: Vec<(String, String)>,
}

async fn writer(base: String, token: String, w: usize, round: usize) -> Confirmed {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut done = Confirmed::default();
    for i in 0.. {
        let phone = format!("13{round:03}{w}{i:05}");
        let ok = match i % 3 {
            0 => {
                let resp = client
                    .post(format!("{base}/api/v1/customers"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("客户{round}-{w}-{i}"), "phone": phone}))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 200 => {
                        done.customers.push(phone);
                        true
                    }
                    _ => false,
                }
            }
            1 => {
                let resp = client
                    .post(format!("{base}/api/v1/calls/records"))
                    .bearer_auth(&token)
                    .json(&json!({"customerPhone": phone}))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 200 => {
                        let body: Value = r.json().await.unwrap_or_default();
                        done.calls
                            .push(body["data"]["id"].as_str().unwrap_or_default().into());
                        true
                    }
                    _ => false,
                }
            }
            _ => {
                let Some(call) = done.calls.last().cloned() else {
                    continue;
                };
                let form = Form::new()
                    .text("callId", call)
                    .part("file", Part::bytes(audio::mp3(40)).file_name("a.mp3"));
                let resp = client
                    .post(format!("{base}/api/v1/mobile/recording/upload"))
                    .bearer_auth(&token)
                    .multipart(form)
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 200 => {
                        let body: Value = r.json().await.unwrap_or_default();
                        let id = body["data"]["id"].as_str().unwrap_or_default().to_string();
                        let path = body["data"]["filePath"].as_str().unwrap_or_default();
                        let rel = path.trim_start_matches("/recordings/").to_string();
                        done.recordings.push((id, rel));
                        true
                    }
                    _ => false,
                }
            }
        };
        if !ok {
            // the server is gone: what was confirmed so far is what must survive
            break;
        }
    }
    done
}

#[tokio::test]
async fn kill_9_during_mixed_writes_keeps_every_confirmed_write() {
    let rounds: usize = std::env::var("DIALBOX_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let data = tempfile::tempdir().unwrap();
    let db_path = data.path().join("dialbox.db");
    let mut all = Confirmed::default();
    for round in 0..rounds {
        let mut cmd = dialbox();
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data.path())
            .env("DIALBOX_INITIAL_ADMIN_PASSWORD", PASSWORD);
        let (mut child, base, _) = start(cmd);
        let token = login_token(&base, "admin", PASSWORD).await;
        let writers: Vec<_> = (0..4)
            .map(|w| tokio::spawn(writer(base.clone(), token.clone(), w, round)))
            .collect();
        // a kill at a different moment each round: 150 ms to ~900 ms into the writes
        let after = 150 + (round as u64 * 137) % 750;
        tokio::time::sleep(Duration::from_millis(after)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for w in writers {
            let done = w.await.unwrap();
            all.customers.extend(done.customers);
            all.calls.extend(done.calls);
            all.recordings.extend(done.recordings);
        }

        let conn = rusqlite::Connection::open(&db_path).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        let fk: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk, 0, "round {round}");
        let count =
            |sql: &str, arg: &str| -> i64 { conn.query_row(sql, [arg], |r| r.get(0)).unwrap() };
        for phone in &all.customers {
            let n = count("SELECT COUNT(*) FROM customers WHERE phone = ?1", phone);
            assert_eq!(n, 1, "round {round}: confirmed customer {phone} lost");
        }
        for id in &all.calls {
            let n = count("SELECT COUNT(*) FROM call_records WHERE id = ?1", id);
            assert_eq!(n, 1, "round {round}: confirmed call {id} lost");
        }
        for (id, rel) in &all.recordings {
            let n = count("SELECT COUNT(*) FROM recordings WHERE id = ?1", id);
            assert_eq!(n, 1, "round {round}: confirmed recording {id} lost");
            assert!(
                data.path().join("recordings").join(rel).is_file(),
                "round {round}: {rel}"
            );
        }
        // every row has its file, confirmed or not
        let mut stmt = conn.prepare("SELECT rel_path FROM recordings").unwrap();
        let rels: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for rel in rels {
            assert!(
                data.path().join("recordings").join(&rel).is_file(),
                "round {round}: row {rel} without its file"
            );
        }
    }
    println!(
        "{rounds} kill -9 rounds: {} customers, {} calls, {} recordings confirmed, none lost",
        all.customers.len(),
        all.calls.len(),
        all.recordings.len()
    );
    assert!(
        all.customers.len() + all.calls.len() > rounds * 4,
        "the rounds wrote too little to mean anything"
    );
    assert!(!all.recordings.is_empty());
}
