//! records-page (issue 18): the §5.6 list as the PC page asks for it (page 1, pageSize 20) over
//! `--records` generated calls (100,000), by `--connections` clients at once (1 and 16), each
//! asking again as soon as it has its answer, for `--seconds` (5) per view. Three views:
//! everything, the last 30 days (dates only) and a `--keyword`. Reads: requests per second,
//! latency percentiles and the server's CPU per request (its /proc CPU time over the requests).

use std::time::{Duration, Instant};

use chrono::{Duration as Days, Local};
use serde_json::{Value, json};

use super::report::{percentile, r3, table};
use super::server::cpu_secs;
use super::{BenchArgs, Target};
use crate::api::{Api, query_value};

pub async fn run(args: &BenchArgs) -> Result<Value, String> {
    let records = args.records.unwrap_or(100_000);
    let target = match &args.server {
        Some(_) => Target::open(args, &[]).await?,
        None => super::data::generated_target(args, "records-page", records).await?,
    };
    let today = Local::now().date_naive();
    let day = |back: i64| (today - Days::days(back)).format("%Y-%m-%d").to_string();
    let list = "/api/v1/calls/records?page=1&pageSize=20";
    let views = [
        ("all", list.to_string()),
        (
            "month",
            format!("{list}&startDate={}&endDate={}", day(29), day(0)),
        ),
        (
            "keyword",
            format!("{list}&keyword={}", query_value(&args.keyword)),
        ),
    ];
    let mut rows = Vec::new();
    let mut results = serde_json::Map::new();
    for &connections in &args.connections {
        for (view, path) in &views {
            // the answer must be a success, and caches warm as in real use
            let first = target.api.get(path, &target.admin_token).await?;
            let total = first["total"].as_u64().unwrap_or(0);
            let seconds = Duration::from_secs_f64(args.seconds);
            let load = load(&target, path, connections, seconds).await?;
            let p = |q| r3(percentile(&load.samples, q));
            let per_sec = load.samples.len() as f64 / load.secs;
            let cpu_ms = load
                .cpu_secs
                .map(|cpu| cpu * 1000.0 / load.samples.len().max(1) as f64);
            rows.push((
                format!("{view} ({total} calls), {connections} conn"),
                format!(
                    "{per_sec:.0} req/s; p50 {} / p95 {} / p99 {} ms; server CPU {}",
                    p(50.0),
                    p(95.0),
                    p(99.0),
                    cpu_ms.map_or("n/a (give --server-pid)".into(), |c| format!(
                        "{c:.3} ms/req"
                    )),
                ),
            ));
            results.insert(
                format!("{view}_c{connections}"),
                json!({
                    "per_sec": r3(per_sec),
                    "p50_ms": p(50.0),
                    "p95_ms": p(95.0),
                    "p99_ms": p(99.0),
                    "cpu_ms_per_req": cpu_ms.map(r3),
                }),
            );
        }
    }
    let rows: Vec<(&str, String)> = rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    table(
        &format!(
            "records-page: §5.6 page 1 of 20 rows, {:.0} s per view",
            args.seconds
        ),
        &rows,
    );
    Ok(json!({ "bench": "records-page", "records": records, "views": results }))
}

struct Load {
    /// Every request's latency in ms.
    samples: Vec<f64>,
    secs: f64,
    /// The server's CPU seconds over the load (None without its pid).
    cpu_secs: Option<f64>,
}

/// `connections` clients asking for `path` back to back until `seconds` have passed.
async fn load(
    target: &Target,
    path: &str,
    connections: usize,
    seconds: Duration,
) -> Result<Load, String> {
    let cpu_before = target.pid.and_then(cpu_secs);
    let started = Instant::now();
    let deadline = started + seconds;
    let mut clients = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (api, path, token): (Api, String, String) = (
            target.api.clone(),
            path.to_string(),
            target.admin_token.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                api.get(&path, &token).await?;
                samples.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, String>(samples)
        }));
    }
    let mut samples = Vec::new();
    for client in clients {
        samples.extend(
            client
                .await
                .map_err(|e| format!("a client failed: {e}"))??,
        );
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu_secs = match (cpu_before, target.pid.and_then(cpu_secs)) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    Ok(Load {
        samples,
        secs,
        cpu_secs,
    })
}
