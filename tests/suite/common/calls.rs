//! Call test helpers: calls recorded through §5.7, details, customers, and the consistency
//! check of the statistics rollup. Dialed calls come from `dialing` (a real dial to a bound,
//! online test phone).

use chrono_tz::Tz;
use dialbox::calls::rollup;
use serde_json::Value;

use super::TestServer;

pub const TZ: &str = "Asia/Shanghai";

pub fn tz() -> Tz {
    TZ.parse().unwrap()
}

/// Creates a call record through §5.7 and returns its id.
pub async fn create_call(server: &TestServer, token: &str, body: Value) -> String {
    let (status, resp) = server.post("/api/v1/calls/records", token, body).await;
    assert_eq!(status, 200, "{resp}");
    resp["data"]["id"].as_str().unwrap().to_string()
}

/// A call's detail as `token` sees it.
pub async fn detail(server: &TestServer, token: &str, id: &str) -> Value {
    let (status, resp) = server
        .get(&format!("/api/v1/mobile/call/{id}"), token)
        .await;
    assert_eq!(status, 200, "{resp}");
    resp["data"].clone()
}

/// The rollup equals one recomputed from the calls (checked inside a rolled-back transaction).
pub fn assert_rollup_consistent(server: &TestServer) {
    assert_rollup_rebuilds_to_itself(&mut server.db(), tz());
}

/// The rollup in `conn` equals the one `rollup::rebuild` makes from its calls in `zone`; the
/// rebuild happens in a transaction that is rolled back, so nothing is changed.
pub fn assert_rollup_rebuilds_to_itself(conn: &mut rusqlite::Connection, zone: Tz) {
    let kept = rollup_rows(conn);
    let tx = conn.transaction().unwrap();
    rollup::rebuild(&tx, zone).unwrap();
    let rebuilt = rollup_rows(&tx);
    tx.rollback().unwrap();
    assert_eq!(kept, rebuilt, "call_daily_stats drifted from call_records");
}

/// The rollup's rows that count anything (a delete can leave a row of zeros behind, which a
/// rebuild does not make), in order, one line each.
fn rollup_rows(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare(
            "SELECT printf('%s %s calls=%d connected=%d inbound=%d outbound=%d duration=%d',
                           day, user_id, total_calls, connected_calls, inbound_calls,
                           outbound_calls, total_duration)
             FROM call_daily_stats WHERE total_calls <> 0 OR total_duration <> 0
             ORDER BY day, user_id",
        )
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A finished outbound call made now by the holder of `token`, 42 seconds long, recorded through
/// §5.7. Returns its id.
pub async fn call_now(server: &TestServer, token: &str) -> String {
    let now = chrono::Utc::now().timestamp_millis();
    ended_call(server, token, None, "张三", "13812345678", now, 42).await
}

/// A finished outbound call through §5.7, started at `start_ms`, lasting `duration` seconds.
pub async fn ended_call(
    server: &TestServer,
    token: &str,
    customer_id: Option<&str>,
    customer_name: &str,
    customer_phone: &str,
    start_ms: i64,
    duration: i64,
) -> String {
    let body = serde_json::json!({
        "customerId": customer_id,
        "customerName": customer_name,
        "customerPhone": customer_phone,
        "callType": "outbound",
        "callStatus": "connected",
        "startTime": dialbox::times::iso_ms(start_ms),
        "endTime": dialbox::times::iso_ms(start_ms + duration * 1000),
        "duration": duration,
    });
    create_call(server, token, body).await
}

/// `n` ended outbound calls (connected, 10 s) recorded through §5.7 by the holder of `token`,
/// one a minute apart going back from `newest_ms`, all with `notes`. Returns their ids, newest
/// first. A few requests are in flight at once: the lists order calls by start time, so the
/// order of arrival does not matter.
pub async fn ended_calls(
    server: &TestServer,
    token: &str,
    n: usize,
    newest_ms: i64,
    notes: &str,
) -> Vec<String> {
    use futures_util::StreamExt;
    futures_util::stream::iter(0..n)
        .map(|i| {
            let start = newest_ms - i as i64 * 60_000;
            let body = serde_json::json!({
                "customerName": format!("客户{i}"),
                "customerPhone": format!("1370000{i:04}"),
                "callType": "outbound",
                "callStatus": "connected",
                "startTime": start,
                "endTime": start + 10_000,
                "duration": 10,
                "notes": notes,
            });
            async move { create_call(server, token, body).await }
        })
        .buffered(4)
        .collect()
        .await
}

/// A customer created by the admin through the customers API. Returns its id.
pub async fn customer(server: &TestServer, name: &str, phone: &str) -> String {
    let (status, resp) = server
        .post(
            "/api/v1/customers",
            &server.admin_token,
            serde_json::json!({"name": name, "phone": phone}),
        )
        .await;
    assert_eq!(status, 200, "{resp}");
    resp["data"]["id"].as_str().unwrap().to_string()
}

/// Time travel for retention and "today" tests: moves a recording's stored time back to
/// `created_at_ms`. A test cannot wait days, and no API sets this time, so this is the one
/// direct write on recordings the tests make.
pub fn backdate_recording(server: &TestServer, recording_id: &str, created_at_ms: i64) {
    let changed = server
        .db()
        .execute(
            "UPDATE recordings SET created_at = ?2 WHERE id = ?1",
            rusqlite::params![recording_id, created_at_ms],
        )
        .expect("backdate recording");
    assert_eq!(changed, 1, "no recording {recording_id}");
}
