//! Issue 16: the power dialer at scale, and a call list's import.
//!
//! - power-dialer: N salespeople (one phone each) work one list at once; each phone answers,
//!   talks, and submits the follow-up after a think time, as a person does. Measured: the time
//!   from a follow-up leaving the phone to the next DIAL_COMMAND arriving at that phone, and
//!   the server's CPU time and RSS over the run.
//! - list-import: 100,000 numbers (a CSV of number, name) into a new list.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::report::{percentile, r3, table};
use super::{BenchArgs, Running, Target, kib_text, opt, provision};
use crate::events::Event;
use crate::scenario::Outcome;

/// utime + stime of a process in seconds, from /proc (None elsewhere).
fn cpu_secs(pid: Option<u32>) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // the fields after the command name, which is in parentheses and may hold spaces
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

async fn new_list(target: &Target, name: &str, wrap_up: u64) -> Result<String, String> {
    let made = target
        .api
        .post(
            "/api/v1/campaigns",
            Some(&target.admin_token),
            json!({"name": name, "wrapUpSeconds": wrap_up}),
        )
        .await?;
    crate::api::text(&made, "id")
}

pub async fn power_dialer(args: &BenchArgs) -> Result<Value, String> {
    let n = args.count.unwrap_or(200);
    let per = (args.dials / n.max(1)).max(2);
    let target = Target::open(args, &[]).await?;
    println!("power-dialer: {n} salespeople, one phone each, {per} numbers each");
    let (users, devices) = provision(&target, n, n, "power").await?;
    // the rings of the mix (issue 29): one phone's token each, rung in turn
    let ringers: Vec<String> = devices.iter().map(|d| d.ws_token.clone()).collect();
    let mut behaviour = super::behaviour(Outcome::Connected);
    behaviour.no_followup = false;
    behaviour.ring_secs = 0.2;
    behaviour.talk_secs = 0.5;
    behaviour.think_secs = 1.0;
    let mut phones = Running::start_all_online(devices, &behaviour).await?;
    let online = n;
    // the wrap-up is long: every next dial is the follow-up's doing
    let list = new_list(&target, "测速外呼任务", 600).await?;
    let numbers: Vec<Value> = (0..n * per)
        .map(|i| json!({"phone": format!("137{i:08}"), "name": format!("客户{i}")}))
        .collect();
    for chunk in numbers.chunks(2000) {
        target
            .api
            .post(
                &format!("/api/v1/campaigns/{list}/items"),
                Some(&target.admin_token),
                json!({ "items": chunk }),
            )
            .await?;
    }
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    target
        .api
        .post(
            &format!("/api/v1/campaigns/{list}/assign"),
            Some(&target.admin_token),
            json!({"mode": "even", "userIds": ids}),
        )
        .await?;
    let cpu_before = cpu_secs(target.pid);
    let started = Instant::now();
    for user in &users {
        target
            .api
            .post(
                "/api/v1/dialer/session",
                Some(&target.admin_token),
                json!({"campaignId": list, "userId": user.id}),
            )
            .await?;
    }
    let rings = incoming_mix(&target, ringers, args.incoming_every_ms);
    // every phone dials `per` numbers: the first on the start, each next after a follow-up
    let want = n * per;
    let mut dials = 0;
    let mut pending: HashMap<String, Instant> = HashMap::new();
    let mut next_dial = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60 + per as u64 * 10);
    let mut peak_rss = target.rss_kib();
    while dials < want {
        match tokio::time::timeout_at(deadline, phones.events.recv()).await {
            Ok(Some(Event::FollowUp { device_id, at })) => {
                pending.insert(device_id, at);
            }
            Ok(Some(Event::Dial { device_id, at, .. })) => {
                dials += 1;
                if let Some(sent) = pending.remove(&device_id) {
                    next_dial.push(at.duration_since(sent).as_secs_f64() * 1000.0);
                }
                if dials % 200 == 0 {
                    peak_rss = peak_rss.max(target.rss_kib());
                }
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let rung = match rings {
        Some((task, count)) => {
            task.abort();
            count.load(std::sync::atomic::Ordering::Relaxed)
        }
        None => 0,
    };
    let cpu = match (cpu_before, cpu_secs(target.pid)) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    phones.stop().await;
    let p = |q| r3(percentile(&next_dial, q));
    table(
        "power-dialer: follow-up submitted → next DIAL_COMMAND at the same phone",
        &[
            ("salespeople / phones", format!("{n} / {online}")),
            (
                "incoming calls rung (each hung up 0.5 s on)",
                rung.to_string(),
            ),
            (
                "dials",
                format!(
                    "{dials} of {want} in {secs:.1} s ({:.0} / min)",
                    dials as f64 / secs * 60.0
                ),
            ),
            (
                "next dial p50 / p95 / p99",
                format!("{} / {} / {} ms", p(50.0), p(95.0), p(99.0)),
            ),
            ("next dial max", format!("{} ms", p(100.0))),
            (
                "server CPU",
                cpu.map_or("n/a (give --server-pid; Linux only)".into(), |c| {
                    format!("{c:.2} s ({:.1}% of one core)", c / secs * 100.0)
                }),
            ),
            ("server RSS (peak seen)", kib_text(peak_rss)),
        ],
    );
    if dials < want {
        return Err(format!("only {dials} of {want} dials came"));
    }
    Ok(json!({
        "bench": "power-dialer",
        "salespeople": n,
        "dials": dials,
        "p50_ms": p(50.0),
        "p95_ms": p(95.0),
        "p99_ms": p(99.0),
        "max_ms": p(100.0),
        "server_cpu_secs": cpu,
        "rss_kib": opt(peak_rss),
        "incoming_calls": rung,
    }))
}

/// With `every_ms` > 0: a phone of the run rings every `every_ms` (caller ID over HTTP, then
/// the hang-up by number 0.5 s later), in turn — its session waits on the ring (`on_call`)
/// and goes on after it. Runs until aborted; the counter says how many rang.
fn incoming_mix(
    target: &Target,
    tokens: Vec<String>,
    every_ms: u64,
) -> Option<(
    tokio::task::JoinHandle<()>,
    std::sync::Arc<std::sync::atomic::AtomicU64>,
)> {
    if every_ms == 0 || tokens.is_empty() {
        return None;
    }
    let api = target.api.clone();
    let rung = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let count = rung.clone();
    let task = tokio::spawn(async move {
        for (i, token) in tokens.iter().cycle().enumerate() {
            tokio::time::sleep(Duration::from_millis(every_ms)).await;
            let number = format!("135{:08}", i);
            let ring = json!({ "callerNumber": number });
            if api
                .post("/api/v1/mobile/call/incoming", Some(token), ring)
                .await
                .is_err()
            {
                continue;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let end = json!({ "callId": "", "status": "ended", "phoneNumber": number });
            let _ = api
                .post("/api/v1/mobile/call/status", Some(token), end)
                .await;
            rung.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    Some((task, count))
}

pub async fn list_import(args: &BenchArgs) -> Result<Value, String> {
    let n = args.count.unwrap_or(100_000);
    let target = Target::open(args, &[]).await?;
    let list = new_list(&target, "导入测速", 30).await?;
    let mut csv = String::from("手机号,姓名,备注\n");
    for i in 0..n {
        csv.push_str(&format!("136{i:08},客户{i},第{i}行\n"));
    }
    let bytes = csv.len();
    let started = Instant::now();
    let resp = target
        .api
        .client()
        .post(target.api.url(&format!("/api/v1/campaigns/{list}/import")))
        .bearer_auth(&target.admin_token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .map_err(|e| format!("import: {e}"))?;
    let answer = crate::api::envelope("import", resp).await?;
    let secs = started.elapsed().as_secs_f64();
    let added = answer["added"].as_u64().unwrap_or(0);
    table(
        "list-import: numbers into one call list (CSV)",
        &[
            ("numbers", format!("{n} ({:.1} MB)", bytes as f64 / 1e6)),
            ("added", added.to_string()),
            (
                "time",
                format!("{secs:.2} s ({:.0} numbers/s)", n as f64 / secs),
            ),
            ("server RSS after", kib_text(target.rss_kib())),
        ],
    );
    if added != n as u64 {
        return Err(format!("{added} of {n} numbers added: {answer}"));
    }
    Ok(json!({
        "bench": "list-import",
        "numbers": n,
        "secs": r3(secs),
        "per_sec": (n as f64 / secs).round(),
        "rss_kib": opt(target.rss_kib()),
    }))
}
