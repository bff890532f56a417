//! Call records: §5.7 create, §5.6 every filter and paging edge, §5.3, §5.2 detail, §5.8,
//! §5.9, §5.10 — with visibility per role (contract §2) and masking (contract §3).

mod common;

use common::calls::{
    assert_rollup_consistent, create_call, detail, insert_dialed_call, insert_phone,
};
use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

struct Office {
    server: TestServer,
    a: TestUser,
    b: TestUser,
    c: TestUser,
    boss1: TestUser,
    boss2: TestUser,
    zhang: String,
    calls: Vec<String>, // A1 A2 A3 B1 C1
}

async fn office() -> Office {
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

async fn ids(server: &TestServer, token: &str, query: &str) -> Vec<String> {
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

fn pick(o: &Office, which: &[usize]) -> Vec<String> {
    which.iter().map(|i| o.calls[*i].clone()).collect()
}

#[tokio::test]
async fn pc_list_filters_visibility_order_and_paging() {
    let o = office().await;
    let s = &o.server;
    let admin = &s.admin_token;
    // newest first: A3 (12-03 09:00), C1 (12-03 00:10), A2 (12-02 23:30), B1, A1
    assert_eq!(ids(s, admin, "").await, pick(&o, &[2, 4, 1, 3, 0]));
    assert_eq!(ids(s, &o.a.token, "").await, pick(&o, &[2, 1, 0]));
    assert_eq!(ids(s, &o.boss1.token, "").await, pick(&o, &[2, 1, 3, 0]));
    assert_eq!(ids(s, &o.boss2.token, "").await, pick(&o, &[4]));
    assert_eq!(
        ids(s, admin, &format!("customerId={}", o.zhang)).await,
        pick(&o, &[3, 0])
    );
    assert_eq!(ids(s, admin, "callType=inbound").await, pick(&o, &[4, 1]));
    assert_eq!(ids(s, admin, "callStatus=missed").await, pick(&o, &[1]));
    assert_eq!(
        ids(s, admin, "callStatus=connected").await,
        pick(&o, &[4, 3, 0])
    );
    assert_eq!(ids(s, admin, "callStatus=busy").await, pick(&o, &[2]));
    // office days: 23:30 local on the 2nd is the 2nd; 00:10 on the 3rd is the 3rd
    assert_eq!(
        ids(s, admin, "startDate=2025-12-02&endDate=2025-12-02").await,
        pick(&o, &[1, 3])
    );
    assert_eq!(
        ids(s, admin, "startDate=2025-12-03").await,
        pick(&o, &[2, 4])
    );
    assert_eq!(ids(s, admin, "endDate=2025-12-01").await, pick(&o, &[0]));
    assert_eq!(
        ids(s, admin, "startDate=2025-12-02T15:00:00Z").await,
        pick(&o, &[2, 4, 1])
    );
    assert_eq!(
        ids(s, admin, &format!("userId={}", o.a.id)).await,
        pick(&o, &[2, 1, 0])
    );
    assert_eq!(
        ids(s, &o.boss2.token, &format!("userId={}", o.a.id)).await,
        Vec::<String>::new()
    );
    assert_eq!(
        ids(s, admin, &format!("department={}", "%E4%BA%8C%E9%83%A8")).await,
        pick(&o, &[4])
    );
    // keyword: customer name, notes, the whole number in any written form
    assert_eq!(
        ids(s, admin, "keyword=%E5%BC%A0%E4%B8%89").await,
        pick(&o, &[4, 3, 0])
    );
    assert_eq!(
        ids(s, admin, "keyword=%E5%BF%99%E7%BA%BF").await,
        pick(&o, &[2])
    );
    assert_eq!(
        ids(s, admin, "keyword=13900001111").await,
        pick(&o, &[4, 1])
    );
    assert_eq!(
        ids(s, admin, "keyword=139-0000-1111").await,
        pick(&o, &[4, 1])
    );
    assert_eq!(
        ids(s, admin, "keyword=%2B86%2013812345678").await,
        pick(&o, &[3, 0])
    );
    // 3+ characters go through the trigram index, shorter ones through LIKE: same answers
    assert_eq!(
        ids(s, admin, "keyword=%E5%9B%9E%E8%AE%BF%E5%BC%A0").await,
        pick(&o, &[4])
    );
    assert_eq!(ids(s, admin, "keyword=%E8%AE%BF").await, pick(&o, &[4]));
    assert_eq!(ids(s, admin, "keyword=1111").await, pick(&o, &[4, 1]));
    assert_eq!(ids(s, admin, "keyword=11").await, pick(&o, &[4, 1]));
    assert_eq!(
        ids(s, admin, "keyword=%22%20OR%20").await,
        Vec::<String>::new()
    );
    assert_eq!(ids(s, admin, "keyword=100%25").await, Vec::<String>::new());
    // sales staff search the whole number and get it masked
    let (_, b) = s
        .get("/api/v1/calls/records?keyword=13812345678", &o.a.token)
        .await;
    assert_eq!(b["data"]["total"], 1);
    assert_eq!(b["data"]["records"][0]["customerPhone"], "138****5678");
    assert_eq!(b["data"]["records"][0]["customerId"], json!(o.zhang));
    let (_, b) = s
        .get("/api/v1/calls/records?keyword=13812345678", &o.boss1.token)
        .await;
    assert_eq!(b["data"]["records"][0]["customerPhone"], "13812345678");
    // filters combine
    assert_eq!(
        ids(
            s,
            admin,
            "callType=inbound&callStatus=connected&startDate=2025-12-03"
        )
        .await,
        pick(&o, &[4])
    );
    // paging
    let (_, b) = s
        .get("/api/v1/calls/records?page=3&pageSize=2", admin)
        .await;
    assert_eq!(
        (
            b["data"]["total"].clone(),
            b["data"]["page"].clone(),
            b["data"]["pageSize"].clone()
        ),
        (json!(5), json!(3), json!(2))
    );
    assert_eq!(b["data"]["records"].as_array().unwrap().len(), 1);
    assert_eq!(
        ids(s, admin, "page=4&pageSize=2").await,
        Vec::<String>::new()
    );
    assert_eq!(ids(s, admin, "pageSize=100").await.len(), 5);
    for q in [
        "page=0",
        "page=-1",
        "page=1.5",
        "pageSize=0",
        "pageSize=101",
        "pageSize=x",
        "callType=video",
        "callStatus=talking",
        "startDate=2025-13-01",
        "endDate=yesterday",
        "startDate=2025-12-03&endDate=2025-12-01",
    ] {
        let (st, b) = s.get(&format!("/api/v1/calls/records?{q}"), admin).await;
        assert_error(st, &b, 400, "INVALID_PARAMS");
    }
}

#[tokio::test]
async fn mobile_list_and_detail_visibility_and_masking() {
    let o = office().await;
    let s = &o.server;
    let (_, b) = s
        .get("/api/v1/mobile/calls?callType=inbound", &o.a.token)
        .await;
    assert_eq!(b["data"]["total"], 1);
    assert_eq!(b["data"]["records"][0]["id"], json!(o.calls[1]));
    let (_, b) = s
        .get(
            "/api/v1/mobile/calls?startDate=2025-12-01&endDate=2025-12-01",
            &o.a.token,
        )
        .await;
    assert_eq!(b["data"]["total"], 1);
    let (_, b) = s.get("/api/v1/mobile/calls", &o.boss1.token).await;
    assert_eq!(b["data"]["total"], 0, "the app lists its own user's calls");
    let (st, b) = s.get("/api/v1/mobile/calls?pageSize=500", &o.a.token).await;
    assert_error(st, &b, 400, "INVALID_PARAMS");

    let a1 = &o.calls[0];
    let d = detail(s, &o.a.token, a1).await;
    assert_eq!(d["customerPhone"], "138****5678");
    assert_eq!(
        (
            d["customerLevel"].clone(),
            d["customerTags"].clone(),
            d["followStatus"].clone()
        ),
        (json!("vip"), json!(["VIP"]), json!("new"))
    );
    assert_eq!(
        (
            d["callType"].clone(),
            d["callStatus"].clone(),
            d["duration"].clone()
        ),
        (json!("outbound"), json!("connected"), json!(180))
    );
    assert_eq!(d["startTime"], "2025-12-01T02:00:00.000Z");
    assert_eq!(d["followUpRecords"], json!([]));
    assert_eq!(
        detail(s, &o.boss1.token, a1).await["customerPhone"],
        "13812345678"
    );
    for t in [&o.b.token, &o.c.token, &o.boss2.token] {
        let (st, b) = s.get(&format!("/api/v1/mobile/call/{a1}"), t).await;
        assert_error(st, &b, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn create_update_end_and_delete() {
    let o = office().await;
    let s = &o.server;
    let t = &o.a.token;
    for body in [
        json!({"customerPhone": "13800000000", "callType": "video"}),
        json!({"customerPhone": "13800000000", "callStatus": "ringing"}),
        json!({"customerPhone": "13800000000", "startTime": "noon"}),
        json!({"customerPhone": "13800000000", "startTime": "2025-12-01T10:00:00Z", "endTime": "2025-12-01T09:00:00Z"}),
        json!({"customerPhone": "13800000000", "duration": -5}),
        json!({"customerPhone": "13800000000", "color": "red"}),
        json!({"customerId": "cust_nope"}),
        json!({"customerPhone": "phone"}),
        json!({}),
    ] {
        let (st, b) = s.post("/api/v1/calls/records", t, body.clone()).await;
        assert_error(st, &b, 400, "INVALID_PARAMS");
    }
    // an open call (no endTime) is ended from the PC; a second end corrects it
    let open = create_call(
        s,
        t,
        json!({"customerPhone": "13812345678", "callType": "inbound"}),
    )
    .await;
    let d = detail(s, t, &open).await;
    assert_eq!(
        (
            d["callStatus"].clone(),
            d["customerId"].clone(),
            d["endTime"].clone()
        ),
        (json!("connected"), json!(o.zhang), Value::Null)
    );
    let (st, b) = s
        .put(
            &format!("/api/v1/calls/records/{open}/end"),
            t,
            json!({"duration": 95, "notes": "聊完了", "followUpRequired": true}),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (
            b["data"]["callStatus"].clone(),
            b["data"]["duration"].clone(),
            b["data"]["followUpRequired"].clone()
        ),
        (json!("connected"), json!(95), json!(true))
    );
    let (_, b) = s
        .put(
            &format!("/api/v1/calls/records/{open}/end"),
            t,
            json!({"endTime": 1764727200000i64, "duration": 90}),
        )
        .await;
    assert_eq!(
        (
            b["data"]["duration"].clone(),
            b["data"]["endTime"].clone(),
            b["data"]["notes"].clone()
        ),
        (
            json!(90),
            json!("2025-12-03T02:00:00.000Z"),
            json!("聊完了")
        )
    );
    // a dial that never connected, or a canceled one, cannot be ended
    let phone = insert_phone(s, &o.a.id, "dev_a");
    let dialed = insert_dialed_call(s, &o.a.id, phone, 0);
    let (st, b) = s
        .put(&format!("/api/v1/calls/records/{dialed}/end"), t, json!({}))
        .await;
    assert_error(st, &b, 409, "CALL_STATE_CONFLICT");
    s.post(&format!("/api/v1/calls/{dialed}/cancel"), t, json!({}))
        .await;
    let (st, b) = s
        .put(&format!("/api/v1/calls/records/{dialed}/end"), t, json!({}))
        .await;
    assert_error(st, &b, 409, "CALL_STATE_CONFLICT");
    let (st, b) = s
        .put(
            &format!("/api/v1/calls/records/{open}/end"),
            t,
            json!({"duration": "long"}),
        )
        .await;
    assert_error(st, &b, 400, "INVALID_PARAMS");

    // update
    let a1 = &o.calls[0];
    let (st, b) = s.put(&format!("/api/v1/calls/records/{a1}"), t, json!({"notes": "更新的备注", "callTags": ["意向", "需报价", "意向"], "followUpRequired": true})).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (b["data"]["notes"].clone(), b["data"]["callTags"].clone()),
        (json!("更新的备注"), json!(["意向", "需报价"]))
    );
    let found = |q: &'static str| async move { ids(s, &s.admin_token, q).await };
    assert_eq!(
        found("keyword=%E6%9B%B4%E6%96%B0%E7%9A%84").await,
        vec![a1.clone()]
    );
    let (st, _) = s
        .put(
            &format!("/api/v1/calls/records/{a1}"),
            t,
            json!({"notes": "第二次备注"}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        found("keyword=%E6%9B%B4%E6%96%B0%E7%9A%84").await,
        Vec::<String>::new(),
        "old notes leave the index"
    );
    assert_eq!(
        found("keyword=%E7%AC%AC%E4%BA%8C%E6%AC%A1").await,
        vec![a1.clone()]
    );
    for body in [
        json!({"callTags": "意向"}),
        json!({"notes": 5}),
        json!({"duration": 5}),
    ] {
        let (st, b) = s.put(&format!("/api/v1/calls/records/{a1}"), t, body).await;
        assert_error(st, &b, 400, "INVALID_PARAMS");
    }
    for tok in [&o.b.token, &o.boss2.token] {
        let (st, b) = s
            .put(
                &format!("/api/v1/calls/records/{a1}"),
                tok,
                json!({"notes": "x"}),
            )
            .await;
        assert_error(st, &b, 404, "NOT_FOUND");
        let (st, b) = s.delete(&format!("/api/v1/calls/records/{a1}"), tok).await;
        assert_error(st, &b, 404, "NOT_FOUND");
    }

    // delete: its recordings' rows and files go too
    let rel = "2025/12/01/call_a1.mp3";
    let file = s.dir.path().join("recordings").join(rel);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"ID3 fake").unwrap();
    s.db()
        .execute(
            "INSERT INTO recordings (id, call_id, user_id, file_name, rel_path, file_size, format, created_at)
             VALUES ('rec_1', ?1, ?2, 'call_a1.mp3', ?3, 8, 'mp3', 0),
                    ('rec_2', ?1, ?2, 'gone.mp3', '2025/12/01/gone.mp3', 8, 'mp3', 1)",
            rusqlite::params![a1, o.a.id, rel],
        )
        .unwrap();
    assert_eq!(
        detail(s, t, a1).await["recordingUrl"],
        "/recordings/2025/12/01/gone.mp3"
    );
    let (st, b) = s
        .delete(&format!("/api/v1/calls/records/{a1}"), &o.boss1.token)
        .await;
    assert_eq!(st, 200, "{b}");
    assert!(!file.exists());
    let left: i64 = s
        .db()
        .query_row("SELECT COUNT(*) FROM recordings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    let (st, b) = s.get(&format!("/api/v1/mobile/call/{a1}"), t).await;
    assert_error(st, &b, 404, "NOT_FOUND");
    let (st, b) = s.delete(&format!("/api/v1/calls/records/{a1}"), t).await;
    assert_error(st, &b, 404, "NOT_FOUND");
    assert_eq!(
        found("keyword=%E7%AC%AC%E4%BA%8C%E6%AC%A1").await,
        Vec::<String>::new()
    );
    assert_rollup_consistent(s);
}
