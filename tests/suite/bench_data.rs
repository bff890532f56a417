//! `dialbox gen-calls` (hidden): generated calls come with exactly the statistics rollup the
//! server would have kept, and the command stays out of the help.

use crate::common;

use std::process::Command;

/// Runs the server's binary; `gen-calls` is in it only with the `bench` feature (which
/// `simulator`, the README's test command, turns on): without it these tests fail saying so.
pub(crate) fn dialbox(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_dialbox"))
        .args(args)
        .env_remove("DIALBOX_TIMEZONE")
        .output()
        .expect("dialbox runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("unrecognized subcommand 'gen-calls'"),
        "dialbox has no gen-calls: run the tests with --features simulator (the README's test command)"
    );
    out
}

/// `dialbox --data-dir DATA gen-calls ARGS…`, which must succeed.
pub(crate) fn gen_calls(data: &str, args: &[&str]) {
    let out = dialbox(&[&["--data-dir", data, "gen-calls"], args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn one(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn gen_calls_fills_calls_and_the_matching_rollup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = dialbox(&[
        "--data-dir",
        data,
        "gen-calls",
        "--count",
        "700",
        "--users",
        "4",
        "--days",
        "9",
        "--timezone",
        "Asia/Shanghai",
        "--seed",
        "7",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // a second run adds to what is there, reusing the users
    let out = dialbox(&[
        "--data-dir",
        data,
        "gen-calls",
        "--count",
        "300",
        "--users",
        "4",
        "--days",
        "9",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut conn = rusqlite::Connection::open(dir.path().join("dialbox.db")).unwrap();
    assert_eq!(one(&conn, "SELECT COUNT(*) FROM call_records"), 1000);
    assert_eq!(
        one(
            &conn,
            "SELECT COUNT(*) FROM users WHERE username LIKE 'bench_user_%'"
        ),
        4
    );
    assert_eq!(
        one(&conn, "SELECT SUM(total_calls) FROM call_daily_stats"),
        1000
    );
    assert_eq!(
        one(&conn, "SELECT COUNT(DISTINCT day) FROM call_daily_stats"),
        9
    );
    assert_eq!(
        one(&conn, "SELECT SUM(total_duration) FROM call_daily_stats"),
        one(&conn, "SELECT SUM(duration) FROM call_records")
    );
    // generated rows all count something, and the second run kept the stored zone: its rollup
    // is the one a rebuild in Shanghai's zone makes
    assert_eq!(
        one(
            &conn,
            "SELECT COUNT(*) FROM call_daily_stats WHERE total_calls = 0 AND total_duration = 0"
        ),
        0
    );
    common::calls::assert_rollup_rebuilds_to_itself(&mut conn, common::calls::tz());
    // the search index, built in one pass after the calls, finds what a scan finds, and its
    // trigger is back to index the calls that come later
    let indexed = one(
        &conn,
        "SELECT COUNT(*) FROM call_search WHERE call_search MATCH '\"138\"'",
    );
    let scanned = one(
        &conn,
        "SELECT COUNT(*) FROM call_records WHERE customer_phone LIKE '%138%'
            OR customer_name LIKE '%138%' OR notes LIKE '%138%'",
    );
    assert!(scanned > 0);
    assert_eq!(indexed, scanned);
    assert_eq!(
        one(
            &conn,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'call_search_insert'"
        ),
        1
    );

    let help = dialbox(&["--help"]);
    assert!(!String::from_utf8_lossy(&help.stdout).contains("gen-calls"));
    let bad = dialbox(&["--data-dir", data, "gen-calls", "--count", "x"]);
    assert_eq!(bad.status.code(), Some(2));
    let zero = dialbox(&[
        "--data-dir",
        data,
        "gen-calls",
        "--count",
        "1",
        "--users",
        "0",
    ]);
    assert_eq!(zero.status.code(), Some(1));
}
