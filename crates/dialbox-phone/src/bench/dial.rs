//! dial-latency: N phones online, M dials through §5.0 one after another; for each, the time
//! from the click (the request leaving) to the DIAL_COMMAND arriving at the phone.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::report::{percentile, r3, table};
use super::server::cpu_secs;
use super::{BenchArgs, Running, Target, USER_PASSWORD, provision};
use crate::events::Event;
use crate::scenario::Outcome;

pub async fn latency(args: &BenchArgs) -> Result<Value, String> {
    let n = args.count.unwrap_or(100);
    let dials = args.dials;
    let target = Target::open(args, &["--max-phones-per-user".into(), "1000000".into()]).await?;
    println!(
        "dial-latency: binding {n} phones over {} users",
        args.users.min(n)
    );
    let (users, devices) = provision(&target, n, args.users, "dial").await?;
    let mut phones = Running::start_all_online(devices, &super::behaviour(Outcome::Missed)).await?;
    let online = n;
    let mut tokens = Vec::new();
    for user in &users {
        tokens.push(
            target
                .api
                .login(&user.username, USER_PASSWORD, None)
                .await?,
        );
    }
    let mut to_phone = Vec::with_capacity(dials);
    let mut answered = Vec::with_capacity(dials);
    // DIAL_COMMANDs that arrived before their dial's answer was read
    let mut early: HashMap<String, Instant> = HashMap::new();
    let mut lost = 0;
    let cpu_before = target.pid.and_then(cpu_secs);
    let started = Instant::now();
    for d in 0..dials {
        let token = &tokens[d % tokens.len()];
        let number = format!("138{:08}", d);
        let click = Instant::now();
        let call_id = target.api.dial(token, &number, "测速客户").await?;
        answered.push(ms(click.elapsed()));
        let arrived = match early.remove(&call_id) {
            Some(at) => Some(at),
            None => wait_dial(&mut phones, &call_id, &mut early).await,
        };
        match arrived {
            Some(at) => to_phone.push(ms(at.duration_since(click))),
            None => lost += 1,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    // the server's CPU per dial (its phones' ringing and end reports included)
    let cpu_ms = match (cpu_before, target.pid.and_then(cpu_secs)) {
        (Some(before), Some(after)) => Some(r3((after - before) * 1000.0 / dials.max(1) as f64)),
        _ => None,
    };
    phones.stop().await;
    let p = |s: &[f64], q| r3(percentile(s, q));
    table(
        "dial-latency: click (§5.0 request sent) → DIAL_COMMAND at the phone",
        &[
            ("phones online", format!("{online} ({} users)", users.len())),
            (
                "dials",
                format!("{dials} in {secs:.1} s, {lost} never reached a phone"),
            ),
            (
                "to phone p50 / p95 / p99",
                format!(
                    "{} / {} / {} ms",
                    p(&to_phone, 50.0),
                    p(&to_phone, 95.0),
                    p(&to_phone, 99.0)
                ),
            ),
            ("to phone max", format!("{} ms", p(&to_phone, 100.0))),
            (
                "server CPU per dial",
                cpu_ms.map_or("n/a".into(), |c| {
                    format!("{c} ms (its phones' reports included)")
                }),
            ),
            (
                "HTTP answer p50 / p99",
                format!("{} / {} ms", p(&answered, 50.0), p(&answered, 99.0)),
            ),
        ],
    );
    if lost > 0 {
        return Err(format!("{lost} of {dials} dial commands never arrived"));
    }
    Ok(json!({
        "bench": "dial-latency",
        "phones": n,
        "dials": dials,
        "p50_ms": p(&to_phone, 50.0),
        "p95_ms": p(&to_phone, 95.0),
        "p99_ms": p(&to_phone, 99.0),
        "max_ms": p(&to_phone, 100.0),
        "http_p50_ms": p(&answered, 50.0),
        "http_p99_ms": p(&answered, 99.0),
        "cpu_ms_per_dial": cpu_ms,
    }))
}

/// Waits (up to 10 s) for `call_id`'s DIAL_COMMAND; others are kept in `early`.
async fn wait_dial(
    phones: &mut Running,
    call_id: &str,
    early: &mut HashMap<String, Instant>,
) -> Option<Instant> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, phones.events.recv()).await {
            Ok(Some(Event::Dial {
                call_id: id, at, ..
            })) if id == call_id => return Some(at),
            Ok(Some(Event::Dial {
                call_id: id, at, ..
            })) => {
                early.insert(id, at);
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return None,
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
