//! Call rows to attach recordings to.
//!
//! Only until `POST /api/v1/calls/records` (§5.7) exists on this branch: the calls API is built
//! in parallel, so these helpers INSERT minimal rows straight into the server's database. The
//! lead switches them to the API on merge; tests call only these functions, never SQL of their
//! own, so the switch happens here alone.

use rusqlite::params;

use super::TestServer;

/// A finished outbound call of `user_id` with `customer_name` / `customer_phone`, started at
/// `start_ms` and lasting `duration` seconds. Returns its id.
pub fn insert_call(
    server: &TestServer,
    user_id: &str,
    customer: Option<&str>,
    customer_name: &str,
    customer_phone: &str,
    start_ms: i64,
    duration: i64,
) -> String {
    let id = format!("call_{}_{}", day(start_ms), random());
    let end = start_ms + duration * 1000;
    server
        .db()
        .execute(
            "INSERT INTO call_records (id, user_id, customer_id, customer_name, customer_phone,
                                       call_type, state, end_status, start_time, connected_at,
                                       end_time, duration, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'outbound', 'ended', 'connected', ?6, ?6, ?7, ?8, ?6, ?7)",
            params![
                id,
                user_id,
                customer,
                customer_name,
                customer_phone,
                start_ms,
                end,
                duration
            ],
        )
        .expect("insert call");
    id
}

/// A simple call of `user_id` made now, 42 seconds long.
pub fn call_now(server: &TestServer, user_id: &str) -> String {
    let now = chrono::Utc::now().timestamp_millis();
    insert_call(server, user_id, None, "张三", "13812345678", now, 42)
}

/// A customer row (only until the customers API exists on this branch). Returns its id.
pub fn insert_customer(server: &TestServer, name: &str, phone: &str) -> String {
    let id = format!("cust_{}", random());
    let now = chrono::Utc::now().timestamp_millis();
    server
        .db()
        .execute(
            "INSERT INTO customers (id, name, phone, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![id, name, phone, now],
        )
        .expect("insert customer");
    id
}

fn day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y%m%d")
        .to_string()
}

fn random() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("t{}{n}", std::process::id())
}

/// Time travel for retention and "today" tests: moves a recording's stored time back to
/// `created_at_ms`. A test cannot wait days, and no API sets this time, so this is the one
/// direct write on recordings the tests make.
pub fn backdate_recording(server: &TestServer, recording_id: &str, created_at_ms: i64) {
    let changed = server
        .db()
        .execute(
            "UPDATE recordings SET created_at = ?2 WHERE id = ?1",
            params![recording_id, created_at_ms],
        )
        .expect("backdate recording");
    assert_eq!(changed, 1, "no recording {recording_id}");
}
