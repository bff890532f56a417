//! Call test helpers. Until phones can bind and connect on this branch, a dialed call is set up
//! by writing its rows directly (through the server's own store functions, so the statistics
//! rollup stays right); everything it then goes through is real HTTP.

use chrono_tz::Tz;
use dialbox::calls::{rollup, store};
use dialbox::db::calls::Call;
use serde_json::Value;

use super::TestServer;

pub const TZ: &str = "Asia/Shanghai";

pub fn tz() -> Tz {
    TZ.parse().unwrap()
}

/// A bound work phone row for `user_id` (test setup: binding is another issue's).
pub fn insert_phone(server: &TestServer, user_id: &str, device: &str) -> i64 {
    let conn = server.db();
    conn.execute(
        "INSERT INTO work_phones (user_id, device_id, is_primary, token_id, created_at)
         VALUES (?1, ?2, 1, ?3, 0)",
        rusqlite::params![user_id, device, format!("tok_{device}")],
    )
    .unwrap();
    conn.last_insert_rowid()
}

/// A call in state `calling` on `phone_id`, as a dial would have stored it, started `age_ms` ago.
pub fn insert_dialed_call(
    server: &TestServer,
    user_id: &str,
    phone_id: i64,
    age_ms: i64,
) -> String {
    let now = chrono::Utc::now().timestamp_millis() - age_ms;
    let call = Call {
        id: dialbox::ids::call_id(now),
        user_id: user_id.into(),
        phone_id: Some(phone_id),
        customer_id: None,
        customer_name: "测试客户".into(),
        customer_phone: "13800138000".into(),
        call_type: "outbound".into(),
        state: "calling".into(),
        end_status: None,
        end_reason: None,
        start_time: now,
        connected_at: None,
        end_time: None,
        duration: 0,
        has_recording: false,
        notes: String::new(),
        call_tags: vec![],
        follow_up_required: false,
        order_id: None,
        created_at: now,
        updated_at: now,
        user_name: String::new(),
        department: String::new(),
        recording_path: None,
    };
    let conn = server.db();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    store::insert(&conn, tz(), &call).unwrap();
    call.id
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
    let mut conn = server.db();
    let read = |c: &rusqlite::Connection| -> Vec<(String, String, i64, i64, i64, i64, i64)> {
        let mut stmt = c
            .prepare(
                "SELECT day, user_id, total_calls, connected_calls, inbound_calls,
                        outbound_calls, total_duration
                 FROM call_daily_stats WHERE total_calls <> 0 OR total_duration <> 0
                 ORDER BY day, user_id",
            )
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let kept = read(&conn);
    let tx = conn.transaction().unwrap();
    rollup::rebuild(&tx, tz()).unwrap();
    let rebuilt = read(&tx);
    tx.rollback().unwrap();
    assert_eq!(kept, rebuilt, "call_daily_stats drifted from call_records");
}

/// `n` ended calls of `user_id` with `notes`, one a minute back from now (newest first in
/// the returned ids), written in one transaction through the server's store.
pub fn insert_ended_calls(
    server: &TestServer,
    user_id: &str,
    n: usize,
    notes: &str,
) -> Vec<String> {
    let mut conn = server.db();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let tx = conn.transaction().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let start = now - (i as i64 + 1) * 60_000;
        let call = Call {
            id: dialbox::ids::call_id(start),
            user_id: user_id.into(),
            phone_id: None,
            customer_id: None,
            customer_name: format!("客户{i}"),
            customer_phone: format!("1370000{i:04}"),
            call_type: "outbound".into(),
            state: "ended".into(),
            end_status: Some("connected".into()),
            end_reason: None,
            start_time: start,
            connected_at: Some(start),
            end_time: Some(start + 10_000),
            duration: 10,
            has_recording: false,
            notes: notes.into(),
            call_tags: vec![],
            follow_up_required: false,
            order_id: None,
            created_at: start,
            updated_at: start,
            user_name: String::new(),
            department: String::new(),
            recording_path: None,
        };
        store::insert(&tx, tz(), &call).unwrap();
        ids.push(call.id);
    }
    tx.commit().unwrap();
    ids
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
