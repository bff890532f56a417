//! Follow-ups: §5.1's three-way sync (contract §7) checked on the call, the follow-up and the
//! customer; the shipped app's whole after-call flow; §5.11 filters; §5.12 create.

use crate::common;

use common::calls::{create_call, detail};
use common::dialing::{Dialect, dialed_call, online_phone};
use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

async fn customer(server: &TestServer, token: &str, name: &str, phone: &str, tags: Value) -> Value {
    let (s, b) = server
        .post(
            "/api/v1/customers",
            token,
            json!({"name": name, "phone": phone, "tags": tags}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["data"].clone()
}

async fn customer_now(server: &TestServer, id: &str) -> Value {
    let (_, b) = server
        .get("/api/v1/customers?pageSize=100", &server.admin_token)
        .await;
    b["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(id))
        .unwrap()
        .clone()
}

async fn follow_ups(server: &TestServer, token: &str, query: &str) -> Value {
    let (s, b) = server
        .get(&format!("/api/v1/calls/followups?{query}"), token)
        .await;
    assert_eq!(s, 200, "{query}: {b}");
    b["data"].clone()
}

async fn submit(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    server
        .post("/api/v1/mobile/call/followup", token, body)
        .await
}

#[tokio::test]
async fn shipped_app_after_call_flow_syncs_call_follow_up_and_customer() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let t = &user.token;
    let mut phone = online_phone(&server, &user, Dialect::Shipped).await;
    // dialed before the customer exists, so the call has none until the follow-up names it
    let id = dialed_call(&server, &user, &mut phone).await;
    assert_eq!(detail(&server, t, &id).await["customerId"], Value::Null);
    let c = customer(
        &server,
        &server.admin_token,
        "张三",
        "13800138000",
        json!(["VIP", "意向"]),
    )
    .await;
    let cid = c["id"].as_str().unwrap();
    // the phone's times, in Beijing time as a phone there writes them; a phone's clock only
    // counts inside the call (after the dial, before the report), so they are taken now
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let phone_time = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&beijing)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    };
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/status",
            t,
            json!({"callId": id, "status": "connected", "timestamp": phone_time(chrono::Utc::now())}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let ended_at = chrono::Utc::now();
    let end = |status: &str, duration: i64, reason: &str| {
        json!({"callId": id, "status": status, "duration": duration, "endReason": reason,
               "endTime": phone_time(ended_at), "hasRecording": false})
    };
    let (s, _) = server
        .post(
            "/api/v1/mobile/call/end",
            t,
            end("connected", 120, "system_hangup"),
        )
        .await;
    assert_eq!(s, 200);
    let (s, b) = server
        .post("/api/v1/mobile/call/end", t, end("busy", 0, "user_submit"))
        .await;
    assert_eq!(
        s, 200,
        "the correction must be accepted, or the app drops the follow-up: {b}"
    );

    let (s, b) = submit(&server, t, json!({
        "callId": id, "notes": "客户对产品感兴趣，需要发送报价单", "tags": ["意向", "需报价"],
        "intention": "high", "followUpRequired": true, "nextFollowUpDate": "2026-01-08T09:00:00Z",
        "customerId": cid,
    })).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["message"], "跟进记录已保存");
    assert_eq!(
        b["data"],
        json!({"callId": id, "customerId": cid, "synced": true})
    );

    // 1. the call
    let d = detail(&server, t, &id).await;
    assert_eq!(d["callStatus"], "busy");
    assert_eq!(d["notes"], "客户对产品感兴趣，需要发送报价单");
    assert_eq!(d["callTags"], json!(["意向", "需报价"]));
    assert_eq!(d["followUpRequired"], true);
    assert_eq!(
        d["customerId"],
        json!(cid),
        "the call is linked to the customer it was about"
    );
    // 2. the follow-up, in §5.2 and §5.11
    let content = "客户对产品感兴趣，需要发送报价单\n标签: 意向, 需报价";
    assert_eq!(d["followUpRecords"][0]["content"], content);
    assert_eq!(d["followUpRecords"][0]["intention"], "high");
    assert_eq!(
        d["followUpRecords"][0]["nextFollowUpDate"],
        "2026-01-08T09:00:00.000Z"
    );
    assert_eq!(d["followUpRecords"][0]["userName"], "sales_a的名字");
    let list = follow_ups(&server, t, "").await;
    let f = &list["records"][0];
    assert_eq!(list["total"], 1);
    assert_eq!(
        (
            f["type"].clone(),
            f["content"].clone(),
            f["customerIntent"].clone(),
            f["priority"].clone(),
            f["status"].clone()
        ),
        (
            json!("call"),
            json!(content),
            json!("high"),
            json!("high"),
            json!("pending")
        )
    );
    assert_eq!(
        (
            f["callId"].clone(),
            f["customerId"].clone(),
            f["customerName"].clone()
        ),
        (json!(id), json!(cid), json!("张三"))
    );
    assert_eq!(
        (f["createdBy"].clone(), f["callTags"].clone()),
        (json!(user.id), json!(["意向", "需报价"]))
    );
    // 3. the customer
    let c = customer_now(&server, cid).await;
    assert_eq!(c["tags"], json!(["VIP", "意向", "需报价"]));
    assert_eq!(c["followStatus"], "interested");
    assert_eq!(
        c["lastContactTime"],
        ended_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "the call's end"
    );
    assert_eq!(c["nextFollowTime"], "2026-01-08T09:00:00.000Z");
}

#[tokio::test]
async fn intention_mapping_content_format_and_atomicity() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let t = &user.token;
    let c = customer(
        &server,
        &server.admin_token,
        "李四",
        "13900001111",
        json!([]),
    )
    .await;
    let cid = c["id"].as_str().unwrap();
    let cases = [
        (
            Some("medium"),
            Some(false),
            "considering",
            "medium",
            "completed",
        ),
        (Some("low"), Some(true), "hesitant", "low", "pending"),
        (Some("none"), None, "not_interested", "low", "completed"),
        (None, None, "not_interested", "medium", "completed"),
    ];
    for (intention, required, status, priority, fstatus) in cases {
        let call = create_call(&server, t, json!({"customerPhone": "13900001111", "endTime": "2026-01-05T01:00:00Z", "startTime": "2026-01-05T00:59:00Z"})).await;
        let mut body = json!({"callId": call, "notes": "备注"});
        if let Some(i) = intention {
            body["intention"] = json!(i);
        }
        if let Some(r) = required {
            body["followUpRequired"] = json!(r);
        }
        let (s, b) = submit(&server, t, body).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            b["data"]["customerId"],
            json!(cid),
            "found through the call"
        );
        assert_eq!(
            customer_now(&server, cid).await["followStatus"],
            status,
            "{intention:?}"
        );
        let f = &follow_ups(&server, t, &format!("callId={call}")).await["records"][0];
        assert_eq!(
            (
                f["priority"].as_str().unwrap(),
                f["status"].as_str().unwrap()
            ),
            (priority, fstatus),
            "{intention:?}"
        );
        assert_eq!(f["content"], "备注", "no tags, no tag line");
    }
    // tags without notes; a call with no customer gets none synced
    let call = create_call(&server, t, json!({"customerPhone": "13700000000"})).await;
    let (s, b) = submit(&server, t, json!({"callId": call, "tags": ["再联系"]})).await;
    assert_eq!(s, 200);
    assert_eq!(b["data"]["customerId"], Value::Null);
    assert_eq!(
        follow_ups(&server, t, &format!("callId={call}")).await["records"][0]["content"],
        "标签: 再联系"
    );

    // refused: nothing of the three changes
    let before = detail(&server, t, &call).await;
    let count = follow_ups(&server, t, "").await["total"].clone();
    let (s, b) = submit(
        &server,
        t,
        json!({"callId": call, "notes": "x", "customerId": "cust_nope"}),
    )
    .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    for body in [
        json!({"callId": call, "notes": "x", "intention": "maybe"}),
        json!({"callId": call, "notes": "x", "nextFollowUpDate": "next week"}),
        json!({"callId": call, "notes": "x", "tags": "意向"}),
        json!({"notes": "x"}),
    ] {
        let (s, b) = submit(&server, t, body).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let other = server.create_user("sales_b", "sales_staff", "一部").await;
    let (s, b) = submit(&server, &other.token, json!({"callId": call, "notes": "x"})).await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_eq!(detail(&server, t, &call).await, before);
    assert_eq!(follow_ups(&server, t, "").await["total"], count);
}

async fn create_follow_up(server: &TestServer, user: &TestUser, body: Value) -> String {
    let (s, b) = server
        .post("/api/v1/calls/followups", &user.token, body)
        .await;
    assert_eq!(s, 200, "{b}");
    b["data"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn follow_up_list_filters_and_create() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "二部").await;
    let boss = server.create_user("boss", "manager", "一部").await;
    let c = customer(&server, &boss.token, "张三", "13800138000", json!([])).await;
    let cid = c["id"].as_str().unwrap().to_string();
    let call = create_call(&server, &a.token, json!({"customerPhone": "13800138000"})).await;

    let f1 = create_follow_up(
        &server,
        &a,
        json!({"callId": call, "content": "发报价", "customerIntent": "high",
        "callTags": ["意向"], "nextFollowUpDate": "2026-01-08T09:00:00Z", "priority": "high"}),
    )
    .await;
    let f2 = create_follow_up(&server, &a, json!({"customerId": cid, "content": "已成交", "status": "completed", "priority": "low", "type": "visit"})).await;
    let f3 = create_follow_up(
        &server,
        &b,
        json!({"content": "新客户", "customerName": "王五"}),
    )
    .await;
    // a time without an offset, as a Java app's LocalDateTime writes it, is office time (the
    // test office is in Shanghai); the field under the name §5.11 lists it by is understood
    let (s, body) = server
        .post(
            "/api/v1/calls/followups",
            &a.token,
            json!({"content": "x", "nextFollowUp": "2026-01-08 17:00:00"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["data"]["nextFollowUp"], "2026-01-08T09:00:00.000Z");
    let f4 = body["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            body["data"]["priority"].clone(),
            body["data"]["status"].clone(),
            body["data"]["type"].clone()
        ),
        (json!("medium"), json!("pending"), json!("call"))
    );

    let ids = |v: &Value| -> Vec<String> {
        v["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let admin = server.create_user("admin2", "admin", "").await;
    assert_eq!(
        ids(&follow_ups(&server, &admin.token, "").await),
        [f4.clone(), f3.clone(), f2.clone(), f1.clone()]
    );
    assert_eq!(
        ids(&follow_ups(&server, &a.token, "").await),
        [f4.clone(), f2.clone(), f1.clone()]
    );
    assert_eq!(
        ids(&follow_ups(&server, &b.token, "").await),
        vec![f3.clone()]
    );
    assert_eq!(
        ids(&follow_ups(&server, &boss.token, "").await),
        [f4.clone(), f2.clone(), f1.clone()]
    );
    let f = follow_ups(&server, &admin.token, &format!("callId={call}")).await;
    assert_eq!(ids(&f), vec![f1.clone()]);
    assert_eq!(
        f["records"][0]["customerId"],
        json!(cid),
        "the call's customer"
    );
    assert_eq!(
        ids(&follow_ups(&server, &admin.token, &format!("customerId={cid}")).await),
        [f2.clone(), f1.clone()]
    );
    assert_eq!(
        ids(&follow_ups(&server, &admin.token, "status=completed").await),
        vec![f2.clone()]
    );
    assert_eq!(
        ids(&follow_ups(&server, &admin.token, "priority=medium").await),
        [f4.clone(), f3.clone()]
    );
    assert_eq!(
        ids(&follow_ups(&server, &admin.token, &format!("userId={}", b.id)).await),
        vec![f3.clone()]
    );
    assert_eq!(
        ids(&follow_ups(&server, &a.token, &format!("userId={}", b.id)).await),
        Vec::<String>::new()
    );
    let today = chrono::Utc::now()
        .with_timezone(&common::calls::tz())
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        follow_ups(
            &server,
            &admin.token,
            &format!("startDate={today}&endDate={today}")
        )
        .await["total"],
        4
    );
    assert_eq!(
        follow_ups(&server, &admin.token, "endDate=2020-01-01").await["total"],
        0
    );
    let page = follow_ups(&server, &admin.token, "page=2&pageSize=3").await;
    assert_eq!(
        (ids(&page), page["total"].clone()),
        (vec![f1.clone()], json!(4))
    );
    for q in [
        "status=open",
        "priority=urgent",
        "page=0",
        "pageSize=101",
        "startDate=01/01/2026",
    ] {
        let (s, body) = server
            .get(&format!("/api/v1/calls/followups?{q}"), &admin.token)
            .await;
        assert_error(s, &body, 400, "INVALID_PARAMS");
    }
    for body in [
        json!({}),
        json!({"content": " "}),
        json!({"content": "x", "priority": "urgent"}),
        json!({"content": "x", "status": "open"}),
        json!({"content": "x", "customerIntent": "very"}),
        json!({"content": "x", "nextFollowUpDate": "later"}),
        json!({"content": "x", "extra": 1}),
    ] {
        let (s, r) = server.post("/api/v1/calls/followups", &a.token, body).await;
        assert_error(s, &r, 400, "INVALID_PARAMS");
    }
    let (s, r) = server
        .post(
            "/api/v1/calls/followups",
            &a.token,
            json!({"content": "x", "customerId": "cust_nope"}),
        )
        .await;
    assert_error(s, &r, 404, "NOT_FOUND");
    let (s, r) = server
        .post(
            "/api/v1/calls/followups",
            &b.token,
            json!({"callId": call, "content": "x"}),
        )
        .await;
    assert_error(s, &r, 404, "NOT_FOUND");
    assert_eq!(follow_ups(&server, &admin.token, "").await["total"], 4);
}

/// Issue 11: a §5.12 follow-up's content is contract §7's, written by the server (the page no
/// longer composes it): the text, then a line of its tags; tags alone are content enough.
#[tokio::test]
async fn a_hand_written_follow_up_carries_its_tags_in_its_content() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_t", "sales_staff", "一部").await;
    let call = create_call(&server, &a.token, json!({"customerPhone": "13800138000"})).await;
    let with_text = create_follow_up(
        &server,
        &a,
        json!({"callId": call, "content": "发报价 ", "callTags": ["意向", "需报价"]}),
    )
    .await;
    let tags_only = create_follow_up(
        &server,
        &a,
        json!({"callId": call, "content": "", "callTags": ["回访"]}),
    )
    .await;
    let (s, body) = server
        .post(
            "/api/v1/calls/followups",
            &a.token,
            json!({"callId": call, "content": "  ", "callTags": []}),
        )
        .await;
    assert_error(s, &body, 400, "INVALID_PARAMS");
    let (_, list) = server.get("/api/v1/calls/followups", &a.token).await;
    let content_of = |id: &str| {
        list["data"]["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .map(|f| f["content"].clone())
    };
    assert_eq!(
        content_of(&with_text),
        Some(json!("发报价\n标签: 意向, 需报价"))
    );
    assert_eq!(content_of(&tags_only), Some(json!("标签: 回访")));
}

/// A user without a real name is named by username everywhere, at once: in the live feed's
/// CALL_STATE of their dial (it was empty until the next read) and on their follow-ups.
#[tokio::test]
async fn a_user_without_a_real_name_is_named_by_username_at_once() {
    let server = TestServer::start().await;
    let (s, body) = server
        .post(
            "/api/v1/users",
            &server.admin_token,
            json!({"username": "noname", "password": common::USER_PASSWORD}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let user = TestUser {
        id: body["data"]["id"].as_str().unwrap().to_string(),
        username: "noname".into(),
        token: server.login("noname", common::USER_PASSWORD).await,
    };
    let mut feed = common::phone::AdminFeed::connect(&server, &server.admin_token).await;
    let mut phone = online_phone(&server, &user, Dialect::Document).await;
    let (s, answer) = server
        .post(
            "/api/v1/calls/outbound",
            &user.token,
            json!({"customerPhone": "13800138000"}),
        )
        .await;
    assert_eq!(s, 200, "{answer}");
    phone.recv_type("DIAL_COMMAND").await;
    let event = loop {
        let e = feed.recv().await;
        if e["type"] == "CALL_STATE" {
            break e;
        }
    };
    assert_eq!(event["data"]["userName"], "noname", "{event}");
    let call = answer["data"]["callId"].as_str().unwrap();
    let (s, made) = server
        .post(
            "/api/v1/calls/followups",
            &user.token,
            json!({"callId": call, "content": "回访"}),
        )
        .await;
    assert_eq!(s, 200, "{made}");
    assert_eq!(made["data"]["createdByName"], "noname", "{made}");
}
