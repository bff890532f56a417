//! 客户 as the page lists it (issue 14): one customer by id for the customer page, the tag and
//! 负责人 filters, and the sort orders.

use crate::common;

use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

async fn create(server: &TestServer, token: &str, body: Value) -> Value {
    let (s, b) = server.post("/api/v1/customers", token, body).await;
    assert_eq!(s, 200, "{b}");
    b["data"].clone()
}

async fn users(server: &TestServer) -> (TestUser, TestUser) {
    (
        server.create_user("sales_a", "sales_staff", "一部").await,
        server.create_user("boss", "manager", "一部").await,
    )
}

/// Issue 14: one customer by id (the customer page), masked for sales staff as in the list;
/// the list filters by tag and by 负责人.
#[tokio::test]
async fn one_customer_by_id_and_lists_by_tag_and_owner() {
    let server = TestServer::start().await;
    let (sales, _) = users(&server).await;
    let t = &server.admin_token;
    let big = create(&server, t, json!({"name": "大客户甲", "phone": "13911112222", "tags": ["大客户", "华东"], "ownerId": sales.id})).await;
    create(
        &server,
        t,
        json!({"name": "散客乙", "phone": "13911113333", "tags": ["华东"]}),
    )
    .await;
    let id = big["id"].as_str().unwrap();

    let (status, one) = server.get(&format!("/api/v1/customers/{id}"), t).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(
        (&one["data"]["name"], &one["data"]["phone"]),
        (&json!("大客户甲"), &json!("13911112222"))
    );
    assert_eq!(one["data"]["ownerName"], "sales_a的名字", "{one}");
    let (status, masked) = server
        .get(&format!("/api/v1/customers/{id}"), &sales.token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(masked["data"]["phone"], "139****2222");
    let (status, body) = server.get("/api/v1/customers/cust_nobody", t).await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = server
        .get(&format!("/api/v1/customers/{id}"), "bad-token")
        .await;
    assert_error(status, &body, 401, "AUTH_FAILED");

    let names = |body: &Value| -> Vec<String> {
        body["data"]["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, by_tag) = server.get("/api/v1/customers?tag=大客户", t).await;
    assert_eq!(names(&by_tag), ["大客户甲"]);
    let (_, both) = server.get("/api/v1/customers?tag=华东", t).await;
    assert_eq!(both["data"]["total"], 2);
    let (_, none) = server.get("/api/v1/customers?tag=华", t).await;
    assert_eq!(none["data"]["total"], 0, "a tag matches whole");
    let (_, owned) = server
        .get(&format!("/api/v1/customers?ownerId={}", sales.id), t)
        .await;
    assert_eq!(names(&owned), ["大客户甲"]);
    let long = "标".repeat(65);
    let (status, body) = server
        .get(&format!("/api/v1/customers?tag={long}"), t)
        .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
}

/// Issue 14: 客户 sorts by level, follow status and the follow-up times; a bad order is 400.
#[tokio::test]
async fn customers_sort_as_the_page_offers() {
    let server = TestServer::start().await;
    let t = &server.admin_token;
    for (name, phone, level, status) in [
        ("普通甲", "13911110001", "normal", "new"),
        ("重要乙", "13911110002", "important", "deal"),
        ("贵宾丙", "13911110003", "vip", "interested"),
    ] {
        create(
            &server,
            t,
            json!({"name": name, "phone": phone, "level": level, "followStatus": status}),
        )
        .await;
    }
    let names = |body: &Value| -> Vec<String> {
        body["data"]["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, by_level) = server.get("/api/v1/customers?sort=level", t).await;
    assert_eq!(names(&by_level), ["重要乙", "贵宾丙", "普通甲"]);
    let (_, by_status) = server.get("/api/v1/customers?sort=followStatus", t).await;
    assert_eq!(
        names(&by_status),
        ["贵宾丙", "普通甲", "重要乙"],
        "有意向, 新客户, 已成交"
    );
    let (_, newest) = server.get("/api/v1/customers", t).await;
    assert_eq!(names(&newest), ["贵宾丙", "重要乙", "普通甲"]);
    let (status, body) = server.get("/api/v1/customers?sort=phone", t).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
}
