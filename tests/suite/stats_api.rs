//! Statistics (§5.4, §5.5, the app's period stats) against numbers worked out by hand for a
//! fixed set of calls across days, users, departments and two office time zones, read from the
//! rollup that every call write keeps.

use crate::common;

use common::calls::{assert_rollup_consistent, create_call};
use common::dialing::{Dialect, dialed_call, online_phone};
use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

struct Office {
    server: TestServer,
    a: TestUser,
    b: TestUser,
    c: TestUser,
    boss1: TestUser,
    boss2: TestUser,
}

/// (user, type, status, start (Shanghai time), duration)
const CALLS: [(&str, &str, &str, &str, i64); 8] = [
    (
        "a",
        "outbound",
        "connected",
        "2025-12-01T10:00:00+08:00",
        100,
    ),
    ("a", "outbound", "missed", "2025-12-01T11:00:00+08:00", 0),
    ("b", "inbound", "connected", "2025-12-01T23:30:00+08:00", 50),
    (
        "a",
        "inbound",
        "connected",
        "2025-12-02T00:10:00+08:00",
        200,
    ),
    ("c", "outbound", "busy", "2025-12-02T09:00:00+08:00", 0),
    (
        "c",
        "outbound",
        "connected",
        "2025-12-02T09:30:00+08:00",
        30,
    ),
    ("b", "outbound", "failed", "2025-12-04T12:00:00+08:00", 0),
    (
        "a",
        "outbound",
        "connected",
        "2025-12-04T18:00:00+08:00",
        61,
    ),
];

async fn office(zone: &'static str) -> Office {
    let server = TestServer::start_with(|c| c.timezone = zone.parse().unwrap()).await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "一部").await;
    let c = server.create_user("sales_c", "sales_staff", "二部").await;
    let boss1 = server.create_user("boss1", "manager", "一部").await;
    let boss2 = server.create_user("boss2", "manager", "二部").await;
    for (who, kind, status, start, duration) in CALLS {
        let user = match who {
            "a" => &a,
            "b" => &b,
            _ => &c,
        };
        let start_ms = chrono::DateTime::parse_from_rfc3339(start)
            .unwrap()
            .timestamp_millis();
        create_call(
            &server,
            &user.token,
            json!({
                "customerPhone": "13800138000", "callType": kind, "callStatus": status,
                "startTime": start, "endTime": start_ms + duration * 1000, "duration": duration,
            }),
        )
        .await;
    }
    Office {
        server,
        a,
        b,
        c,
        boss1,
        boss2,
    }
}

async fn stats(server: &TestServer, token: &str, query: &str) -> Value {
    let (s, b) = server
        .get(&format!("/api/v1/calls/statistics?{query}"), token)
        .await;
    assert_eq!(s, 200, "{query}: {b}");
    b["data"].clone()
}

/// (date, calls, duration, connectionRate) of dailyStats
fn daily(v: &Value) -> Vec<(String, i64, i64, i64)> {
    v["dailyStats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["calls"].as_i64().unwrap(),
                d["duration"].as_i64().unwrap(),
                d["connectionRate"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn day(d: &str, calls: i64, duration: i64, rate: i64) -> (String, i64, i64, i64) {
    (d.to_string(), calls, duration, rate)
}

fn totals(v: &Value) -> [i64; 8] {
    let keys = [
        "totalCalls",
        "connectedCalls",
        "missedCalls",
        "incomingCalls",
        "outgoingCalls",
        "totalDuration",
        "averageDuration",
        "connectionRate",
    ];
    keys.map(|k| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}")))
}

const RANGE: &str = "startDate=2025-12-01&endDate=2025-12-04";

#[tokio::test]
async fn statistics_by_hand_in_shanghai() {
    let o = office("Asia/Shanghai").await;
    let s = &o.server;
    // admin: 8 calls, 5 connected, 2 inbound, 441 s; avg 55.1 → 55; rate 62.5 → 63
    let all = stats(s, &s.admin_token, RANGE).await;
    assert_eq!(totals(&all), [8, 5, 3, 2, 6, 441, 55, 63]);
    assert_eq!(all["todayIncrease"], 0);
    // 23:30 local on the 1st is the 1st; 00:10 on the 2nd is the 2nd; the 3rd has no calls
    assert_eq!(
        daily(&all),
        [
            day("2025-12-01", 3, 150, 67),
            day("2025-12-02", 3, 230, 67),
            day("2025-12-03", 0, 0, 0),
            day("2025-12-04", 2, 61, 50)
        ]
    );
    let mut users: Vec<(String, String, i64, i64, i64)> = all["userStats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["userId"].as_str().unwrap().into(),
                u["userName"].as_str().unwrap().into(),
                u["calls"].as_i64().unwrap(),
                u["duration"].as_i64().unwrap(),
                u["connectionRate"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        users[0],
        (o.a.id.clone(), "sales_a的名字".into(), 4, 361, 75),
        "most calls first"
    );
    users.sort();
    let mut want = vec![
        (o.a.id.clone(), "sales_a的名字".to_string(), 4, 361, 75),
        (o.b.id.clone(), "sales_b的名字".to_string(), 2, 50, 50),
        (o.c.id.clone(), "sales_c的名字".to_string(), 2, 30, 50),
    ];
    want.sort();
    assert_eq!(users, want);
    // issue 14: the average talk time of the connected calls beside §5.5's average over all
    // (441 s over 5 connected: 88.2 → 88), and the same per person and per department
    assert_eq!(all["averageTalkTime"], 88);
    let a = all["userStats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userId"] == o.a.id.as_str());
    let a = a.unwrap();
    assert_eq!(
        (
            &a["connectedCalls"],
            &a["averageTalkTime"],
            &a["department"]
        ),
        (&json!(3), &json!(120), &json!("一部"))
    );
    assert_eq!(
        all["departmentStats"],
        json!([
            {"department": "一部", "calls": 6, "connectedCalls": 4, "duration": 411,
             "connectionRate": 67, "averageTalkTime": 103,
             "incomingCalls": 2, "outgoingCalls": 4},
            {"department": "二部", "calls": 2, "connectedCalls": 1, "duration": 30,
             "incomingCalls": 0, "outgoingCalls": 2,
             "connectionRate": 50, "averageTalkTime": 30},
        ])
    );

    // manager 一部 (a, b): 6 calls, 4 connected, 411 s; avg 68.5 → 69; rate 66.7 → 67
    let dept = stats(s, &o.boss1.token, RANGE).await;
    assert_eq!(totals(&dept), [6, 4, 2, 2, 4, 411, 69, 67]);
    assert_eq!(
        daily(&dept),
        [
            day("2025-12-01", 3, 150, 67),
            day("2025-12-02", 1, 200, 100),
            day("2025-12-03", 0, 0, 0),
            day("2025-12-04", 2, 61, 50)
        ]
    );
    assert_eq!(dept["userStats"].as_array().unwrap().len(), 2);
    // sales staff: their own, whatever the filters say
    let own = stats(s, &o.a.token, RANGE).await;
    assert_eq!(totals(&own), [4, 3, 1, 1, 3, 361, 90, 75]);
    assert_eq!(
        totals(&stats(s, &o.a.token, &format!("{RANGE}&userId={}", o.b.id)).await),
        [0; 8]
    );
    assert_eq!(
        totals(
            &stats(
                s,
                &o.a.token,
                &format!("{RANGE}&department=%E4%BA%8C%E9%83%A8")
            )
            .await
        ),
        [0; 8]
    );
    assert_eq!(
        totals(&stats(s, &o.boss2.token, RANGE).await),
        [2, 1, 1, 0, 2, 30, 15, 50]
    );
    assert_eq!(
        totals(&stats(s, &o.boss2.token, &format!("{RANGE}&userId={}", o.a.id)).await),
        [0; 8]
    );
    // filters
    assert_eq!(
        totals(
            &stats(
                s,
                &s.admin_token,
                &format!("{RANGE}&department=%E4%BA%8C%E9%83%A8")
            )
            .await
        ),
        [2, 1, 1, 0, 2, 30, 15, 50]
    );
    assert_eq!(
        totals(&stats(s, &s.admin_token, &format!("{RANGE}&userId={}", o.b.id)).await),
        [2, 1, 1, 1, 1, 50, 25, 50]
    );
    // one day, an ISO bound read as its office day
    let one = stats(
        s,
        &s.admin_token,
        "startDate=2025-12-01T16:30:00Z&endDate=2025-12-02",
    )
    .await;
    assert_eq!(daily(&one), [day("2025-12-02", 3, 230, 67)]);
    // bad ranges
    for q in [
        "startDate=2025-12-05&endDate=2025-12-01",
        "startDate=2025-02-30",
        "endDate=tomorrow",
        "startDate=2000-01-01&endDate=2025-01-01",
    ] {
        let (st, b) = s
            .get(&format!("/api/v1/calls/statistics?{q}"), &s.admin_token)
            .await;
        assert_error(st, &b, 400, "INVALID_PARAMS");
    }
    // default range: the 30 days up to today
    let recent = stats(s, &s.admin_token, "").await;
    let days = daily(&recent);
    let today = chrono::Utc::now()
        .with_timezone(&common::calls::tz())
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!((days.len(), days[29].0.clone()), (30, today));
    assert_rollup_consistent(s);
}

#[tokio::test]
async fn the_office_zone_decides_the_day_and_a_zone_change_rebuilds_the_rollup() {
    let o = office("America/New_York").await;
    let s = &o.server;
    // in New York the same calls fall on 11-30 (a1, a2), 12-01 (b1, a3, c1, c2), 12-03 (b2), 12-04 (a4)
    let all = stats(s, &s.admin_token, "startDate=2025-11-30&endDate=2025-12-04").await;
    assert_eq!(
        daily(&all),
        [
            day("2025-11-30", 2, 100, 50),
            day("2025-12-01", 4, 280, 75),
            day("2025-12-02", 0, 0, 0),
            day("2025-12-03", 1, 0, 0),
            day("2025-12-04", 1, 61, 100)
        ]
    );
    assert_eq!(totals(&all), [8, 5, 3, 2, 6, 441, 55, 63]);
    // the office restarts DialBox in Shanghai's zone: the rollup is rebuilt in one go
    let s = &o
        .server
        .restart_with(|c| c.timezone = common::calls::tz())
        .await;
    let conn = s.db();
    let stored: String = conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'stats_timezone'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "Asia/Shanghai");
    let by_day: Vec<(String, i64)> = conn
        .prepare("SELECT day, SUM(total_calls) FROM call_daily_stats GROUP BY day HAVING SUM(total_calls) > 0 ORDER BY day")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        by_day,
        [
            ("2025-12-01".to_string(), 3),
            ("2025-12-02".into(), 3),
            ("2025-12-04".into(), 2)
        ]
    );
    // and the statistics count Shanghai's days
    let all = stats(s, &s.admin_token, "startDate=2025-11-30&endDate=2025-12-04").await;
    let calls: Vec<(String, i64)> = daily(&all).into_iter().map(|(d, n, ..)| (d, n)).collect();
    assert_eq!(
        calls,
        [
            ("2025-11-30".to_string(), 0),
            ("2025-12-01".into(), 3),
            ("2025-12-02".into(), 3),
            ("2025-12-03".into(), 0),
            ("2025-12-04".into(), 2)
        ]
    );
    assert_eq!(totals(&all), [8, 5, 3, 2, 6, 441, 55, 63]);
    assert_rollup_consistent(s);
}

async fn mobile(server: &TestServer, token: &str, path: &str) -> [i64; 8] {
    let (s, b) = server.get(path, token).await;
    assert_eq!(s, 200, "{path}: {b}");
    let keys = [
        "totalCalls",
        "connectedCalls",
        "missedCalls",
        "inboundCalls",
        "outboundCalls",
        "totalDuration",
        "avgDuration",
        "connectRate",
    ];
    keys.map(|k| {
        b["data"][k]
            .as_i64()
            .unwrap_or_else(|| panic!("{k} in {b}"))
    })
}

#[tokio::test]
async fn today_follows_every_call_write() {
    let o = office("Asia/Shanghai").await;
    let s = &o.server;
    let t = &o.a.token;
    assert_eq!(mobile(s, t, "/api/v1/mobile/stats/today").await, [0; 8]);
    let now = chrono::Utc::now().timestamp_millis();
    let start = now - 1_000;
    create_call(s, t, json!({"customerPhone": "13800138000", "startTime": start, "endTime": start + 100_000, "duration": 100})).await;
    create_call(
        s,
        t,
        json!({"customerPhone": "13800138000", "startTime": start, "callStatus": "missed"}),
    )
    .await;
    let inbound = create_call(s, t, json!({"customerPhone": "13800138000", "callType": "inbound", "startTime": start, "endTime": start + 45_000})).await;
    // 3 calls, 2 connected, 1 inbound, 145 s: avg 48.3 → 48, rate 66.7 → 67
    let want = [3, 2, 1, 1, 2, 145, 48, 67];
    assert_eq!(mobile(s, t, "/api/v1/mobile/stats/today").await, want);
    for period in ["today", "week", "month"] {
        assert_eq!(
            mobile(s, t, &format!("/api/v1/mobile/stats?period={period}")).await,
            want,
            "{period}"
        );
    }
    assert_eq!(mobile(s, t, "/api/v1/mobile/stats").await, want);
    // issue 13 (14): an empty period is a mistake, not "today"
    for bad in ["year", "", "%20"] {
        let (st, b) = s
            .get(&format!("/api/v1/mobile/stats?period={bad}"), t)
            .await;
        assert_error(st, &b, 400, "INVALID_PARAMS");
    }
    assert_eq!(
        mobile(s, &o.boss1.token, "/api/v1/mobile/stats/today").await,
        [0; 8],
        "the app shows its own user"
    );
    assert_eq!(stats(s, &s.admin_token, RANGE).await["todayIncrease"], 3);
    assert_eq!(stats(s, &o.boss2.token, RANGE).await["todayIncrease"], 0);

    // a dial, its end, its correction, a delete: today moves with each
    let mut phone = online_phone(s, &o.a, Dialect::Document).await;
    let dialed = dialed_call(s, &o.a, &mut phone).await;
    assert_eq!(
        mobile(s, t, "/api/v1/mobile/stats/today").await,
        [4, 2, 2, 1, 3, 145, 36, 50]
    );
    s.post(
        "/api/v1/mobile/call/end",
        t,
        json!({"callId": dialed, "status": "connected", "duration": 55}),
    )
    .await;
    assert_eq!(
        mobile(s, t, "/api/v1/mobile/stats/today").await,
        [4, 3, 1, 1, 3, 200, 50, 75]
    );
    s.post(
        "/api/v1/mobile/call/end",
        t,
        json!({"callId": dialed, "status": "rejected", "duration": 0}),
    )
    .await;
    assert_eq!(
        mobile(s, t, "/api/v1/mobile/stats/today").await,
        [4, 2, 2, 1, 3, 145, 36, 50]
    );
    let (st, _) = s
        .delete(&format!("/api/v1/calls/records/{inbound}"), t)
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        mobile(s, t, "/api/v1/mobile/stats/today").await,
        [3, 1, 2, 0, 3, 100, 33, 33]
    );
    assert_rollup_consistent(s);
}

#[tokio::test]
async fn a_user_without_a_real_name_is_shown_by_username() {
    let server = TestServer::start().await;
    // `dialbox user add` and the users API both allow leaving the real name out
    let (s, b) = server
        .post(
            "/api/v1/users",
            &server.admin_token,
            json!({"username": "xiaoli", "password": "secret-pw", "role": "sales_staff"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let token = server.login("xiaoli", "secret-pw").await;
    let (s, b) = server
        .post(
            "/api/v1/calls/records",
            &token,
            json!({"customerPhone": "13800138000", "duration": 30}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, stats) = server
        .get("/api/v1/calls/statistics", &server.admin_token)
        .await;
    assert_eq!(
        stats["data"]["userStats"][0]["userName"], "xiaoli",
        "{stats}"
    );
    let (_, list) = server
        .get("/api/v1/calls/records", &server.admin_token)
        .await;
    assert_eq!(list["data"]["records"][0]["userName"], "xiaoli", "{list}");
    server.stop().await;
}
