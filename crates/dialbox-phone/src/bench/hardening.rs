//! The hardening loads of issue 13, as benches (never timed tests):
//!
//! - `import-beside-writes`: a big CSV import while writers create call records as fast as they
//!   can — the import's rows per second, and the writers' worst latency and failures (none may
//!   see "database is locked");
//! - `login-burst`: many logins at once from one address, half with a wrong password — what got
//!   through, what was slowed (429), how long the burst took;
//! - `idle-flood`: many connections that send nothing, and a ping beside them — the ping's
//!   latency during the flood and how many idle connections the server closed by itself.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use super::report::{percentile, r3, table};
use super::{BenchArgs, Target};

/// `import-beside-writes`: `--records` rows imported while 4 writers create calls.
pub async fn import_beside_writes(args: &BenchArgs) -> Result<Value, String> {
    let target = Target::open(args, &[]).await?;
    let rows = args.records.unwrap_or(200_000).min(200_000) as usize;
    let mut csv = String::from("姓名,电话\n");
    for i in 0..rows {
        csv.push_str(&format!("客户{i},13{:09}\n", i));
    }
    let bytes = csv.into_bytes();
    let size = bytes.len();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (api, token, stop) = (target.api.clone(), target.admin_token.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let resp = api
                    .client()
                    .post(api.url("/api/v1/calls/records"))
                    .bearer_auth(&token)
                    .json(&json!({"customerPhone": format!("1590000{w}{:03}", i % 1000)}))
                    .send()
                    .await;
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                match resp {
                    Ok(r) if r.status().is_success() => {}
                    Ok(r) => failures.push(format!(
                        "{} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    )),
                    Err(e) => failures.push(e.to_string()),
                }
                i += 1;
            }
            (latencies, failures)
        }));
    }
    // let the writers settle, then import
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let resp = target
        .api
        .client()
        .post(target.api.url("/api/v1/customers/import"))
        .bearer_auth(&target.admin_token)
        .header("content-type", "text/csv")
        .body(bytes)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .map_err(|e| format!("import: {e}"))?;
    let import_secs = started.elapsed().as_secs_f64();
    let answer: Value = resp
        .json()
        .await
        .map_err(|e| format!("import answer: {e}"))?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    for w in writers {
        let (l, f) = w.await.map_err(|e| e.to_string())?;
        latencies.extend(l);
        failures.extend(f);
    }
    let imported = answer["data"]["imported"].as_u64().unwrap_or(0);
    let worst = latencies.iter().cloned().fold(0.0, f64::max);
    let result = json!({
        "bench": "import-beside-writes",
        "rows": rows,
        "file_mb": r3(size as f64 / 1048576.0),
        "imported": imported,
        "batches": answer["data"]["batches"],
        "import_secs": r3(import_secs),
        "rows_per_sec": (imported as f64 / import_secs).round(),
        "writes": latencies.len(),
        "write_p50_ms": r3(percentile(&latencies, 50.0)),
        "write_p99_ms": r3(percentile(&latencies, 99.0)),
        "write_max_ms": r3(worst),
        "write_failures": failures.len(),
        "first_failure": failures.first(),
    });
    table(
        "import beside writes",
        &[
            ("rows imported", format!("{imported} of {rows}")),
            ("import time", format!("{import_secs:.2} s")),
            ("writes beside it", latencies.len().to_string()),
            (
                "write p99 / max",
                format!("{:.1} / {worst:.1} ms", percentile(&latencies, 99.0)),
            ),
            ("write failures", failures.len().to_string()),
        ],
    );
    Ok(result)
}

/// `login-burst`: `--count` logins at once (default 500), every other one with a wrong password.
pub async fn login_burst(args: &BenchArgs) -> Result<Value, String> {
    let target = Target::open(args, &[]).await?;
    let count = args.count.unwrap_or(500);
    // a salesperson of ours logs in (the limiter's rules are the same for every account)
    let user = "burstuser";
    target
        .api
        .create_user(&target.admin_token, user, super::USER_PASSWORD, "")
        .await?;
    let started = Instant::now();
    let attempts = (0..count).map(|i| {
        let api = target.api.clone();
        async move {
            let pw = if i % 2 == 0 {
                super::USER_PASSWORD
            } else {
                "wrong-guess"
            };
            let resp = api
                .client()
                .post(api.url("/api/v1/auth/login"))
                .json(&json!({"username": user, "password": pw}))
                .send()
                .await;
            resp.map(|r| r.status().as_u16()).unwrap_or(0)
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let secs = started.elapsed().as_secs_f64();
    let count_of = |s: u16| statuses.iter().filter(|x| **x == s).count();
    let result = json!({
        "bench": "login-burst",
        "attempts": count,
        "ok_200": count_of(200),
        "wrong_401": count_of(401),
        "slowed_429": count_of(429),
        "other": count - count_of(200) - count_of(401) - count_of(429),
        "secs": r3(secs),
    });
    table(
        "login burst",
        &[
            ("attempts", count.to_string()),
            (
                "200 / 401 / 429",
                format!("{} / {} / {}", count_of(200), count_of(401), count_of(429)),
            ),
            ("took", format!("{secs:.2} s")),
        ],
    );
    Ok(result)
}

/// `idle-flood`: `--count` idle connections (default 2000) while a ping runs every 50 ms.
pub async fn idle_flood(args: &BenchArgs) -> Result<Value, String> {
    let target = Target::open(args, &[]).await?;
    let count = args.count.unwrap_or(2000);
    let addr = target.api.base.trim_start_matches("http://").to_string();
    let mut idle = Vec::with_capacity(count);
    for _ in 0..count {
        match tokio::net::TcpStream::connect(&addr).await {
            Ok(s) => idle.push(s),
            Err(e) => return Err(format!("after {} connections: {e}", idle.len())),
        }
    }
    let mut pings = Vec::new();
    let mut failed = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        match target.api.get("/api/v1/mobile/ping", "").await {
            Ok(_) => pings.push(t.elapsed().as_secs_f64() * 1000.0),
            Err(_) => failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // the server closes idle connections by itself (10 s without a request head)
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut closed = 0;
    for s in &mut idle {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut buf = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(left, s.read(&mut buf)).await {
            closed += 1;
        }
    }
    let result = json!({
        "bench": "idle-flood",
        "idle_connections": count,
        "ping_p50_ms": r3(percentile(&pings, 50.0)),
        "ping_max_ms": r3(pings.iter().cloned().fold(0.0, f64::max)),
        "ping_failures": failed,
        "closed_by_server": closed,
    });
    table(
        "idle connection flood",
        &[
            ("idle connections", count.to_string()),
            (
                "ping p50 / max",
                format!(
                    "{:.2} / {:.2} ms",
                    percentile(&pings, 50.0),
                    result["ping_max_ms"]
                ),
            ),
            ("ping failures", failed.to_string()),
            ("closed by the server", format!("{closed} of {count}")),
        ],
    );
    Ok(result)
}
