//! The call-list routes (issue 16): happy paths, bad input, and who may not — another
//! salesperson's list or number is 404, a salesperson changing a list 403.

use crate::campaigns_dialer::{list_for, session_of, start_session};
use crate::common;

use common::dialing::{Dialect, online_phone};
use common::{TestServer, assert_error};
use serde_json::{Value, json};

async fn items_of(server: &TestServer, token: &str, campaign: &str) -> Value {
    let (s, b) = server
        .get(&format!("/api/v1/campaigns/{campaign}/items"), token)
        .await;
    assert_eq!(s, 200, "{b}");
    b["data"].clone()
}

#[tokio::test]
async fn lists_are_made_checked_and_seen_only_by_whom_they_concern() {
    let server = TestServer::start().await;
    let admin = server.admin_token.clone();
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "一部").await;
    let other_manager = server.create_user("mgr_2", "manager", "二部").await;

    let (s, r) = server
        .post("/api/v1/campaigns", &a.token, json!({"name": "我的"}))
        .await;
    assert_error(s, &r, 403, "FORBIDDEN");
    for (body, field) in [
        (json!({}), Some("name")),
        (json!({"name": "  "}), Some("name")),
        (
            json!({"name": "x", "wrapUpSeconds": 99_999}),
            Some("wrapUpSeconds"),
        ),
        (json!({"name": "x", "maxAttempts": 0}), Some("maxAttempts")),
        (
            json!({"name": "x", "retryDelaySeconds": 0}),
            Some("retryDelaySeconds"),
        ),
        (
            json!({"name": "x", "pacing": {"quietHours": ["x"]}}),
            Some("quietHours"),
        ),
        (json!({"name": "x", "wrapUpSeconds": "thirty"}), None),
        (json!({"name": "x", "colour": "red"}), None),
        (json!({"name": "x", "items": [{"name": "no number"}]}), None),
        (json!({"name": "名".repeat(65)}), Some("name")),
    ] {
        let (s, r) = server.post("/api/v1/campaigns", &admin, body.clone()).await;
        assert_error(s, &r, 400, "INVALID_PARAMS");
        if let Some(f) = field {
            assert_eq!(r["field"], f, "{body}: {r}");
        }
    }
    let resp = server
        .client
        .post(server.url("/api/v1/campaigns"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let (_, all) = server.get("/api/v1/campaigns", &admin).await;
    assert_eq!(all["data"]["total"], 0, "nothing half-written: {all}");

    let numbers: Vec<String> = (0..6).map(|i| format!("1393000{i:04}")).collect();
    let campaign = list_for(&server, &numbers, json!({"maxAttempts": 2}), &[&a, &b]).await;
    // each salesperson sees the list, and only their own numbers and row
    for who in [&a, &b] {
        let items = items_of(&server, &who.token, &campaign).await;
        assert_eq!(items["total"], 3, "{items}");
        assert!(
            items["records"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["assigneeId"] == who.id.as_str())
        );
        assert!(
            items["records"][0]["phone"]
                .as_str()
                .unwrap()
                .contains("****"),
            "masked"
        );
        let (_, d) = server
            .get(&format!("/api/v1/campaigns/{campaign}"), &who.token)
            .await;
        assert_eq!(d["data"]["people"].as_array().unwrap().len(), 1, "{d}");
    }
    let (_, admin_view) = server
        .get(&format!("/api/v1/campaigns/{campaign}"), &admin)
        .await;
    assert_eq!(admin_view["data"]["progress"]["total"], 6);
    assert_eq!(admin_view["data"]["maxAttempts"], 2);
    let outsider = server.create_user("sales_c", "sales_staff", "一部").await;
    for path in [
        format!("/api/v1/campaigns/{campaign}"),
        format!("/api/v1/campaigns/{campaign}/items"),
        "/api/v1/campaigns/camp_nosuchlist".to_string(),
    ] {
        let (s, r) = server.get(&path, &outsider.token).await;
        assert_error(s, &r, 404, "NOT_FOUND");
    }
    let (s, r) = server
        .get(
            &format!("/api/v1/campaigns/{campaign}"),
            &other_manager.token,
        )
        .await;
    assert_error(s, &r, 404, "NOT_FOUND");
    let (_, mine) = server.get("/api/v1/campaigns", &outsider.token).await;
    assert_eq!(mine["data"]["total"], 0);
    // a salesperson who sees it may not change it
    let (s, r) = server
        .put(
            &format!("/api/v1/campaigns/{campaign}"),
            &a.token,
            json!({"name": "改"}),
        )
        .await;
    assert_error(s, &r, 403, "FORBIDDEN");
    let (s, r) = server
        .put(
            &format!("/api/v1/campaigns/{campaign}"),
            &admin,
            json!({"name": "改名", "pacing": {"minGapSeconds": 30}}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["data"]["pacing"]["minGapSeconds"], 30.0);
    let (s, r) = server
        .put(
            &format!("/api/v1/campaigns/{campaign}"),
            &admin,
            json!({"pacing": null}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["data"]["pacing"], Value::Null);

    // a callback on someone else's number is 404, in the past 400
    let theirs = items_of(&server, &b.token, &campaign).await["records"][0]["id"].clone();
    let mine = items_of(&server, &a.token, &campaign).await["records"][0]["id"].clone();
    let later = json!({"at": "2030-01-01T10:00:00+08:00"});
    for (item, body, status, code) in [
        (theirs.to_string(), later.clone(), 404, "NOT_FOUND"),
        ("nope".to_string(), later.clone(), 404, "NOT_FOUND"),
        ("99999".to_string(), later.clone(), 404, "NOT_FOUND"),
        (
            mine.to_string(),
            json!({"at": "2020-01-01T10:00:00+08:00"}),
            400,
            "INVALID_PARAMS",
        ),
        (
            mine.to_string(),
            json!({"at": "tomorrow"}),
            400,
            "INVALID_PARAMS",
        ),
        (mine.to_string(), json!({}), 400, "INVALID_PARAMS"),
    ] {
        let (s, r) = server
            .post(
                &format!("/api/v1/campaigns/items/{item}/callback"),
                &a.token,
                body,
            )
            .await;
        assert_error(s, &r, status, code);
    }
    let (s, r) = server
        .post(
            &format!("/api/v1/campaigns/items/{mine}/callback"),
            &a.token,
            later,
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, cb) = server
        .get(
            &format!("/api/v1/campaigns/{campaign}/items?queue=callback"),
            &a.token,
        )
        .await;
    assert_eq!(cb["data"]["total"], 1, "{cb}");

    // deleting: a salesperson may not; the admin may, and then it is gone
    let (s, r) = server
        .delete(&format!("/api/v1/campaigns/{campaign}"), &a.token)
        .await;
    assert_error(s, &r, 403, "FORBIDDEN");
    let (s, _) = server
        .delete(&format!("/api/v1/campaigns/{campaign}"), &admin)
        .await;
    assert_eq!(s, 200);
    let (s, r) = server
        .get(&format!("/api/v1/campaigns/{campaign}"), &admin)
        .await;
    assert_error(s, &r, 404, "NOT_FOUND");
    server.stop().await;
}

#[tokio::test]
async fn numbers_come_from_files_and_customers_and_are_assigned_every_way() {
    let server = TestServer::start().await;
    let admin = server.admin_token.clone();
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "一部").await;
    let (_, made) = server
        .post("/api/v1/campaigns", &admin, json!({"name": "导入"}))
        .await;
    let campaign = made["data"]["id"].as_str().unwrap().to_string();
    let import = |body: &'static str| {
        let (server, admin, campaign) = (&server, admin.clone(), campaign.clone());
        async move {
            let resp = server
                .client
                .post(server.url(&format!("/api/v1/campaigns/{campaign}/import")))
                .bearer_auth(&admin)
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    let (s, r) = import("客户,手机号,备注\n张三,138 0013 8000,老客户\n李四,13800138000,\n王五,电话,\n赵六,13900139000,\n").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["data"]["added"], 2, "{r}");
    assert_eq!(r["data"]["duplicates"][0]["row"], 3);
    assert_eq!(r["data"]["invalid"][0]["row"], 4);
    let (s, r) = import("   ").await;
    assert_error(s, &r, 400, "INVALID_PARAMS");
    let (s, r) = import("13700137000\n").await;
    assert_eq!(r["data"]["added"], 1, "{s} {r}");

    // from customers with a tag; the one already in the list is a duplicate
    for (name, phone, tags) in [
        ("甲", "13800138000", ["意向"]),
        ("乙", "13600136000", ["意向"]),
        ("丙", "13500135000", ["冷"]),
    ] {
        let (s, r) = server
            .post(
                "/api/v1/customers",
                &admin,
                json!({"name": name, "phone": phone, "tags": tags}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
    }
    let (s, r) = server
        .post(
            &format!("/api/v1/campaigns/{campaign}/items/from-customers?tag=%E6%84%8F%E5%90%91"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["data"]["added"], &r["data"]["total"]),
        (&json!(1), &json!(2)),
        "{r}"
    );
    let (s, r) = server
        .post(
            &format!("/api/v1/campaigns/{campaign}/items/from-customers?tag=none"),
            &admin,
            json!({}),
        )
        .await;
    assert_error(s, &r, 400, "INVALID_PARAMS");
    let (s, r) = server
        .post(
            &format!("/api/v1/campaigns/{campaign}/items"),
            &a.token,
            json!({"items": [{"phone": "13100131000"}]}),
        )
        .await;
    // a list with no numbers for them is not theirs to see
    assert_error(s, &r, 404, "NOT_FOUND");
    let (s, r) = server
        .post(
            &format!("/api/v1/campaigns/{campaign}/items"),
            &admin,
            json!({"items": []}),
        )
        .await;
    assert_error(s, &r, 400, "INVALID_PARAMS");

    // four numbers now: 2 by count to A, the rest evenly, then B's one by hand to A
    let assign = |body: Value| {
        let (server, admin, campaign) = (&server, admin.clone(), campaign.clone());
        async move {
            server
                .post(
                    &format!("/api/v1/campaigns/{campaign}/assign"),
                    &admin,
                    body,
                )
                .await
        }
    };
    for (body, status, code) in [
        (
            json!({"mode": "random", "userIds": [a.id]}),
            400,
            "INVALID_PARAMS",
        ),
        (
            json!({"mode": "even", "userIds": []}),
            400,
            "INVALID_PARAMS",
        ),
        (
            json!({"mode": "even", "userIds": ["user_nobody"]}),
            404,
            "NOT_FOUND",
        ),
        (
            json!({"mode": "items", "userId": a.id}),
            400,
            "INVALID_PARAMS",
        ),
        (
            json!({"mode": "items", "userId": a.id, "itemIds": [123456]}),
            404,
            "NOT_FOUND",
        ),
    ] {
        let (s, r) = assign(body.clone()).await;
        assert_error(s, &r, status, code);
    }
    let (s, r) = assign(json!({"mode": "count", "counts": {(a.id.clone()): 2}})).await;
    assert_eq!((s, &r["data"]["assigned"]), (200, &json!(2)), "{r}");
    let (_, r) = assign(json!({"mode": "even", "userIds": [a.id, b.id]})).await;
    assert_eq!(r["data"]["assigned"], 2, "only the unassigned");
    let b_items = items_of(&server, &b.token, &campaign).await;
    let first_of_b = b_items["records"][0]["id"].clone();
    let (_, r) =
        assign(json!({"mode": "items", "userId": a.id, "itemIds": [first_of_b], "from": b.id}))
            .await;
    assert_eq!(r["data"]["assigned"], 1, "{r}");
    assert_eq!(items_of(&server, &a.token, &campaign).await["total"], 4);
    // reassigning everything open evenly
    let (_, r) = assign(json!({"mode": "even", "userIds": [b.id], "from": "all"})).await;
    assert_eq!(r["data"]["assigned"], 4);
    // the customers with no 负责人 got one from the assignment
    let owners: Vec<Option<String>> = server
        .db()
        .prepare("SELECT owner_id FROM customers WHERE phone IN ('13800138000', '13600136000')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(owners.iter().all(Option::is_some), "{owners:?}");
    server.stop().await;
}

#[tokio::test]
async fn sessions_start_only_for_whom_the_caller_may_dial() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "一部").await;
    let numbers: Vec<String> = (0..4).map(|i| format!("1394000{i:04}")).collect();
    let campaign = list_for(&server, &numbers, json!({}), &[&a]).await;
    let start = |token: String, body: Value| {
        let server = &server;
        async move { server.post("/api/v1/dialer/session", &token, body).await }
    };
    // no phone online yet
    let (s, r) = start(a.token.clone(), json!({"campaignId": campaign})).await;
    assert_error(s, &r, 400, "DEVICE_NOT_BOUND");
    let mut phone = online_phone(&server, &a, Dialect::Document).await;
    for (token, body, status, code) in [
        (
            a.token.clone(),
            json!({"campaignId": campaign, "userId": b.id}),
            404,
            "NOT_FOUND",
        ),
        (
            b.token.clone(),
            json!({"campaignId": campaign}),
            404,
            "NOT_FOUND",
        ),
        (
            server.admin_token.clone(),
            json!({"campaignId": campaign, "userId": b.id}),
            400,
            "INVALID_PARAMS",
        ),
        (
            a.token.clone(),
            json!({"campaignId": "camp_none"}),
            404,
            "NOT_FOUND",
        ),
        (a.token.clone(), json!({}), 400, "INVALID_PARAMS"),
        (
            a.token.clone(),
            json!({"campaignId": 5}),
            400,
            "INVALID_PARAMS",
        ),
    ] {
        let (s, r) = start(token, body.clone()).await;
        assert_error(s, &r, status, code);
    }
    for (name, body, status, code) in [
        ("pause", json!({}), 404, "NOT_FOUND"),
        ("jump", json!({}), 404, "NOT_FOUND"),
    ] {
        let (s, r) = server
            .post(&format!("/api/v1/dialer/session/{name}"), &a.token, body)
            .await;
        assert_error(s, &r, status, code);
    }
    // the salesperson's own start dials the first number; pause, skip the next, stop
    let w = start_session(&server, &campaign, &a).await;
    assert_eq!(w["userId"], a.id.as_str());
    let first = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(first["data"]["phoneNumber"], numbers[0].as_str());
    let (s, r) = server
        .post(
            "/api/v1/dialer/session/pause",
            &a.token,
            json!({"itemId": 1}),
        )
        .await;
    assert_error(s, &r, 400, "INVALID_PARAMS");
    let (s, r) = server
        .post("/api/v1/dialer/session/pause", &a.token, json!({}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["data"]["session"]["status"], "paused");
    assert_eq!(r["data"]["current"]["phone"], "139****0000", "{r}");
    assert_eq!(r["data"]["next"]["phone"], "139****0001", "{r}");
    let (s, r) = server
        .post("/api/v1/dialer/session/skip", &a.token, json!({}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        r["data"]["next"]["phone"], "139****0002",
        "skipped the second"
    );
    // another salesperson cannot act on it; the admin can
    let (s, r) = server
        .post(
            "/api/v1/dialer/session/stop",
            &b.token,
            json!({"userId": a.id}),
        )
        .await;
    assert_error(s, &r, 404, "NOT_FOUND");
    let (s, r) = server
        .post(
            "/api/v1/dialer/session/stop",
            &server.admin_token,
            json!({"userId": a.id}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(session_of(&server, &a).await, Value::Null);
    server.stop().await;
}

/// The number box (issue 30, item 5): a typed line is a number and the name beside it, in
/// either order, by the customers' number rule; what no one can dial is left out with why.
#[tokio::test]
async fn typed_lines_are_read_as_number_and_name() {
    let server = TestServer::start().await;
    let (s, made) = server
        .post(
            "/api/v1/campaigns",
            &server.admin_token,
            json!({"name": "双十二", "items": [
                {"phone": "139 0013 9002 周八"},
                {"phone": "吴九 +86 139-0013-9003"},
                {"phone": "12345"},
                {"phone": "周十"},
                {"phone": "010-6552 9988"}
            ]}),
        )
        .await;
    assert_eq!(s, 200, "{made}");
    let added = &made["data"]["added"];
    assert_eq!(added["added"], 3, "{made}");
    let invalid: Vec<(String, String)> = added["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["phone"].as_str().unwrap().into(),
                r["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        invalid,
        [
            ("12345".to_string(), "不是可拨打的电话号码".to_string()),
            ("周十".to_string(), "号码无效".to_string())
        ]
    );
    let id = made["data"]["id"].as_str().unwrap();
    let items = items_of(&server, &server.admin_token, id).await;
    let mut got: Vec<(String, String)> = items["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["phone"].as_str().unwrap().into(),
                r["name"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("01065529988".to_string(), String::new()),
            ("13900139002".to_string(), "周八".to_string()),
            ("13900139003".to_string(), "吴九".to_string())
        ]
    );
}
