//! 客户's bulk actions (issue 30, item 2): the page's selection tagged, untagged, given a
//! 负责人, added to a 外呼任务 and deleted, each in one request and one audit line that names
//! the customers; bad selections and actions change nothing.

use crate::common;

use common::{TestServer, assert_error};
use serde_json::{Value, json};

async fn customer(server: &TestServer, name: &str, phone: &str) -> String {
    let (s, b) = server
        .post(
            "/api/v1/customers",
            &server.admin_token,
            json!({"name": name, "phone": phone}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["data"]["id"].as_str().unwrap().to_string()
}

/// Every customer as (name, tags, ownerId), by name.
async fn customers(server: &TestServer) -> Vec<Value> {
    let (_, body) = server
        .get("/api/v1/customers?pageSize=100", &server.admin_token)
        .await;
    let mut all: Vec<Value> = body["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["name"], c["tags"], c["ownerId"]]))
        .collect();
    all.sort_by_key(|c| c[0].as_str().unwrap().to_string());
    all
}

async fn bulk(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    server.post("/api/v1/customers/bulk", token, body).await
}

#[tokio::test]
async fn a_selection_is_tagged_assigned_listed_and_deleted() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let admin = server.admin_user().await;
    let a = customer(&server, "甲", "13900000001").await;
    let b = customer(&server, "乙", "13900000002").await;
    let c = customer(&server, "丙", "13900000003").await;
    let picked = json!([a, b]);

    let (s, r) = bulk(
        &server,
        &server.admin_token,
        json!({"ids": picked, "action": "tag", "tags": ["华东", "展会"]}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["data"]["changed"], &r["data"]["unchanged"]),
        (&json!(2), &json!(0))
    );
    let (_, r) = bulk(
        &server,
        &server.admin_token,
        json!({"ids": picked, "action": "tag", "tags": ["华东"]}),
    )
    .await;
    assert_eq!(r["data"]["unchanged"], 2, "a tag they have: nothing to do");
    let (s, r) = bulk(
        &server,
        &server.admin_token,
        json!({"ids": picked, "action": "untag", "tags": ["展会"]}),
    )
    .await;
    assert_eq!((s, &r["data"]["changed"]), (200, &json!(2)), "{r}");
    let (s, r) = bulk(
        &server,
        &server.admin_token,
        json!({"ids": [a, c], "action": "assign", "ownerId": sales.id}),
    )
    .await;
    assert_eq!((s, &r["data"]["changed"]), (200, &json!(2)), "{r}");
    assert_eq!(
        customers(&server).await,
        [
            json!(["丙", [], sales.id]),
            json!(["乙", ["华东"], admin.id]),
            json!(["甲", ["华东"], sales.id])
        ]
    );

    // into a 外呼任务
    let (_, list) = server
        .post(
            "/api/v1/campaigns",
            &server.admin_token,
            json!({"name": "回访"}),
        )
        .await;
    let campaign = list["data"]["id"].as_str().unwrap();
    let (s, r) = bulk(
        &server,
        &server.admin_token,
        json!({"ids": [b, c], "action": "campaign", "campaignId": campaign}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["data"]["added"], 2, "{r}");
    let (s, r) = bulk(
        &server,
        &server.admin_token,
        json!({"ids": [b], "action": "campaign", "campaignId": "camp_nothing"}),
    )
    .await;
    assert_error(s, &r, 404, "NOT_FOUND");

    // deleted, with an id deleted meanwhile counted apart
    let (s, r) = bulk(
        &server,
        &server.admin_token,
        json!({"ids": [a, b, "cust_gone"], "action": "delete"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["data"]["changed"], &r["data"]["notFound"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(customers(&server).await.len(), 1);
    // the audit line names whom, a deleted customer too
    let (_, audit) = server
        .get("/api/v1/audit?action=customer_bulk", &server.admin_token)
        .await;
    let details: Vec<&str> = audit["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["detail"].as_str().unwrap())
        .collect();
    assert!(details[0].starts_with("批量删除 2 位客户："), "{details:?}");
    assert!(
        details[0].contains("甲（13900000001）") && details[0].contains("乙"),
        "{details:?}"
    );
    assert!(
        details.iter().any(|d| d.contains("负责人 sales_a的名字")),
        "{details:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_bad_selection_or_action_changes_nothing() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let a = customer(&server, "甲", "13900000001").await;
    let before = customers(&server).await;
    let too_many: Vec<String> = (0..1001).map(|i| format!("cust_{i}")).collect();
    for body in [
        json!({"ids": [], "action": "delete"}),
        json!({"ids": too_many, "action": "delete"}),
        json!({"ids": [a], "action": "explode"}),
        json!({"ids": [a], "action": "assign"}),
        json!({"ids": [a], "action": "assign", "ownerId": "user_nobody"}),
        json!({"ids": [a], "action": "tag"}),
        json!({"ids": [a], "action": "tag", "tags": ["x".repeat(100)]}),
        json!({"ids": [a], "action": "campaign"}),
        json!({"ids": [a, "x".repeat(300)], "action": "delete"}),
        json!({"ids": "all", "action": "delete"}),
        json!({"ids": [a], "action": "delete", "everything": true}),
        json!({"action": "delete"}),
    ] {
        let (s, r) = bulk(&server, &server.admin_token, body.clone()).await;
        assert_error(s, &r, 400, "INVALID_PARAMS");
    }
    let resp = server
        .client
        .post(server.url("/api/v1/customers/bulk"))
        .bearer_auth(&server.admin_token)
        .header("content-type", "application/json")
        .body("{\"ids\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // a salesperson may not
    let (s, r) = bulk(
        &server,
        &sales.token,
        json!({"ids": [a], "action": "delete"}),
    )
    .await;
    assert_error(s, &r, 403, "FORBIDDEN");
    assert_eq!(customers(&server).await, before);
    server.stop().await;
}
