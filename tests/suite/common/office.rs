//! The office of the call-record tests: five users in two departments, two customers and
//! five calls across three office days (Asia/Shanghai).

use serde_json::json;

use super::calls::create_call;
use super::{TestServer, TestUser};

pub struct Office {
    pub server: TestServer,
    pub a: TestUser,
    pub b: TestUser,
    pub c: TestUser,
    pub boss1: TestUser,
    pub boss2: TestUser,
    pub zhang: String,
    pub calls: Vec<String>, // A1 A2 A3 B1 C1
}

pub async fn office() -> Office {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "一部").await;
    let boss1 = server.create_user("boss1", "manager", "一部").await;
    let c = server.create_user("sales_c", "sales_staff", "二部").await;
    let boss2 = server.create_user("boss2", "manager", "二部").await;
    let (_, z) = server
        .post(
            "/api/v1/customers",
            &boss1.token,
            json!({"name": "张三", "phone": "13812345678", "level": "vip", "tags": ["VIP"]}),
        )
        .await;
    server
        .post(
            "/api/v1/customers",
            &boss1.token,
            json!({"name": "李四", "phone": "13900001111"}),
        )
        .await;
    let zhang = z["data"]["id"].as_str().unwrap().to_string();
    let specs = [
        (
            &a,
            json!({"callType": "outbound", "callStatus": "connected", "customerPhone": "138 1234 5678",
            "startTime": "2025-12-01T10:00:00+08:00", "endTime": "2025-12-01T10:03:00+08:00", "notes": "报价"}),
        ),
        (
            &a,
            json!({"callType": "inbound", "callStatus": "missed", "customerPhone": "13900001111",
            "startTime": "2025-12-02T23:30:00+08:00", "endTime": "2025-12-02T23:30:20+08:00"}),
        ),
        (
            &a,
            json!({"callType": "outbound", "callStatus": "busy", "customerPhone": "021-5555-6666",
            "customerName": "王五", "startTime": 1764723600000i64, "notes": "忙线"}),
        ),
        (
            &b,
            json!({"callType": "outbound", "callStatus": "connected", "customerPhone": "13812345678",
            "startTime": "2025-12-02T08:00:00+08:00", "endTime": "2025-12-02T08:01:00+08:00"}),
        ),
        (
            &c,
            json!({"callType": "inbound", "callStatus": "connected", "customerPhone": "13900001111",
            "startTime": "2025-12-03T00:10:00+08:00", "duration": 30, "endTime": "2025-12-03T00:10:30+08:00",
            "notes": "回访张三"}),
        ),
    ];
    let mut calls = Vec::new();
    for (user, body) in specs {
        calls.push(create_call(&server, &user.token, body).await);
    }
    Office {
        server,
        a,
        b,
        c,
        boss1,
        boss2,
        zhang,
        calls,
    }
}

pub async fn ids(server: &TestServer, token: &str, query: &str) -> Vec<String> {
    let (s, b) = server
        .get(&format!("/api/v1/calls/records?{query}"), token)
        .await;
    assert_eq!(s, 200, "{query}: {b}");
    let records = b["data"]["records"].as_array().unwrap();
    // every case here fits one page: the total (from the rollup or a count) is the page's size
    if !query.contains("page") {
        assert_eq!(
            b["data"]["total"].as_u64().unwrap() as usize,
            records.len(),
            "{query}"
        );
    }
    records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

pub fn pick(o: &Office, which: &[usize]) -> Vec<String> {
    which.iter().map(|i| o.calls[*i].clone()).collect()
}
