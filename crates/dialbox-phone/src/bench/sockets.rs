//! Socket benches: server memory per idle connected phone, and connect/disconnect churn.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

use super::report::{r3, table};
use super::{BenchArgs, Running, Target, kib_text, opt, provision};
use crate::device::Device;
use crate::scenario::Outcome;
use crate::socket;

/// Extra flags for the bench's own server: every phone may belong to a few users.
fn many_phones() -> Vec<String> {
    vec!["--max-phones-per-user".into(), "1000000".into()]
}

/// Lets the server settle (freed memory returned, sockets registered) before reading RSS.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// idle-memory: RSS with N phones connected and idle, minus RSS before they connected, over N.
pub async fn idle_memory(args: &BenchArgs) -> Result<Value, String> {
    let n = args.count.unwrap_or(1000);
    let target = Target::open(args, &many_phones()).await?;
    println!(
        "idle-memory: binding {n} phones over {} users",
        args.users.min(n)
    );
    let (_, devices) = provision(&target, n, args.users, "idle").await?;
    settle().await;
    let idle = target.rss_kib();
    let started = Instant::now();
    let mut phones = Running::start(devices, &super::behaviour(Outcome::Missed));
    let online = phones
        .wait_online(n, Duration::from_secs(60 + n as u64 / 50))
        .await;
    let connect_secs = started.elapsed().as_secs_f64();
    settle().await;
    let connected = target.rss_kib();
    phones.stop().await;
    let per_phone = match (idle, connected) {
        (Some(i), Some(c)) if online > 0 => {
            Some((c.saturating_sub(i)) as f64 * 1024.0 / online as f64)
        }
        _ => None,
    };
    table(
        "idle-memory: server RSS per idle connected phone",
        &[
            (
                "phones online",
                format!("{online} of {n} (in {connect_secs:.1} s)"),
            ),
            ("RSS before connecting", kib_text(idle)),
            ("RSS with phones connected", kib_text(connected)),
            (
                "per phone",
                per_phone.map_or("n/a".into(), |b| format!("{:.1} KB", b / 1024.0)),
            ),
        ],
    );
    if online < n {
        return Err(format!("only {online} of {n} phones came online"));
    }
    Ok(json!({
        "bench": "idle-memory",
        "phones": n,
        "online": online,
        "idle_rss_kib": opt(idle),
        "connected_rss_kib": opt(connected),
        "per_phone_kib": per_phone.map(|b| r3(b / 1024.0)),
    }))
}

/// churn: sockets opened, DEVICE_ONLINE acknowledged, closed — `cycles` times over `count`
/// phones in parallel; RSS before and after.
pub async fn churn(args: &BenchArgs) -> Result<Value, String> {
    let parallel = args.count.unwrap_or(10);
    let cycles = args.cycles;
    let target = Target::open(args, &many_phones()).await?;
    let (_, devices) = provision(&target, parallel, args.users, "churn").await?;
    let server = target.api.base.clone();
    // one round to warm up the server's paths before the "before" reading
    let warm = run_cycles(&devices, &server, devices.len()).await;
    settle().await;
    let before = target.rss_kib();
    let started = Instant::now();
    let failures = run_cycles(&devices, &server, cycles).await;
    let secs = started.elapsed().as_secs_f64();
    settle().await;
    let after = target.rss_kib();
    let growth = match (before, after) {
        (Some(b), Some(a)) => Some(a as i64 - b as i64),
        _ => None,
    };
    table(
        "churn: socket connect / DEVICE_ONLINE / disconnect cycles",
        &[
            (
                "cycles",
                format!("{cycles} over {parallel} phones in parallel"),
            ),
            ("failed cycles", format!("{failures} (warm-up: {warm})")),
            (
                "time",
                format!("{secs:.1} s ({:.0} cycles/s)", cycles as f64 / secs),
            ),
            ("RSS before", kib_text(before)),
            ("RSS after", kib_text(after)),
            (
                "growth",
                growth.map_or("n/a".into(), |g| format!("{:.1} MB", g as f64 / 1024.0)),
            ),
        ],
    );
    Ok(json!({
        "bench": "churn",
        "cycles": cycles,
        "parallel": parallel,
        "failed": failures,
        "seconds": r3(secs),
        "rss_before_kib": opt(before),
        "rss_after_kib": opt(after),
    }))
}

/// Runs `cycles` cycles spread over the devices (each device one at a time); returns failures.
async fn run_cycles(devices: &[Device], server: &str, cycles: usize) -> usize {
    let per = cycles.div_ceil(devices.len().max(1));
    let mut left = cycles;
    let mut jobs = Vec::new();
    for device in devices {
        let n = per.min(left);
        left -= n;
        let url = socket::socket_url(&device.ws_url, server, true);
        let token = device.ws_token.clone();
        let id = device.device_id.clone();
        jobs.push(async move {
            let mut failed = 0;
            for _ in 0..n {
                if one_cycle(&url, &token, &id).await.is_err() {
                    failed += 1;
                }
            }
            failed
        });
    }
    futures_util::stream::iter(jobs)
        .buffer_unordered(devices.len().max(1))
        .fold(0, |sum, f| async move { sum + f })
        .await
}

/// Connect, DEVICE_ONLINE, wait for its ACK (bounded), close.
async fn one_cycle(url: &str, token: &str, device_id: &str) -> Result<(), String> {
    let mut ws = socket::connect(url, token)
        .await
        .map_err(|e| e.to_string())?;
    let data = json!({ "deviceId": device_id, "appVersion": "1.0.0" });
    let (id, msg) = socket::message("DEVICE_ONLINE", Some(data), crate::Dialect::Document);
    socket::send(&mut ws, &msg).await?;
    let acked = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(reply)) = socket::receive(&mut ws).await {
            if reply["type"] == "ACK" && reply["data"]["messageId"] == json!(id) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    let _ = ws.close(None).await;
    if acked { Ok(()) } else { Err("no ACK".into()) }
}
