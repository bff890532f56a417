//! A customer's other numbers (contract §14, issue 29): up to five beside the main one, kept
//! normalised, shown masked to sales staff, searched, and held by one customer only — the same
//! number rule that caller ID and the back-fill use to find the customer.

use crate::common;

use common::calls::customer;
use common::phone::TestPhone;
use common::{TestServer, assert_error};
use serde_json::json;

#[tokio::test]
async fn other_numbers_are_kept_shown_and_searched() {
    let server = TestServer::start().await;
    let admin = server.admin_user().await;
    let (s, b) = server
        .post(
            "/api/v1/customers",
            &admin.token,
            json!({"name": "华东贸易", "phone": "13800138000",
                   "otherPhones": ["010-6552 9988", "+86 139 0013 9000", "01065529988", " "]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_string();
    // normalised, repeats dropped, blanks ignored, the order kept
    assert_eq!(
        b["data"]["otherPhones"],
        json!(["01065529988", "13900139000"])
    );
    // a salesperson sees them masked, like the main number
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let (_, seen) = server
        .get(&format!("/api/v1/customers/{id}"), &sales.token)
        .await;
    assert_eq!(
        seen["data"]["otherPhones"],
        json!(["010****9988", "139****9000"])
    );
    // the search finds the customer by any of its numbers
    let (_, found) = server
        .get("/api/v1/customers?keyword=6552-9988", &admin.token)
        .await;
    assert_eq!(found["data"]["total"], 1, "{found}");
    assert_eq!(found["data"]["records"][0]["id"], json!(id));
    // promoting an other number to the main one moves it out of the list
    let (s, b) = server
        .put(
            &format!("/api/v1/customers/{id}"),
            &admin.token,
            json!({"phone": "13900139000"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["phone"], "13900139000");
    assert_eq!(b["data"]["otherPhones"], json!(["01065529988"]));
    // an empty list clears them
    let (_, b) = server
        .put(
            &format!("/api/v1/customers/{id}"),
            &admin.token,
            json!({"otherPhones": []}),
        )
        .await;
    assert_eq!(b["data"]["otherPhones"], json!([]));
}

#[tokio::test]
async fn a_number_belongs_to_one_customer_only() {
    let server = TestServer::start().await;
    let admin = server.admin_user().await;
    let first = customer(&server, "张三", "13800138000").await;
    let (s, b) = server
        .put(
            &format!("/api/v1/customers/{first}"),
            &admin.token,
            json!({"otherPhones": ["13900139000"]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // another customer can take neither the main number nor the other one, in either field
    for body in [
        json!({"name": "李四", "phone": "13900139000"}),
        json!({"name": "李四", "phone": "13700137000", "otherPhones": ["138-0013-8000"]}),
        json!({"name": "李四", "phone": "13700137000", "otherPhones": ["13900139000"]}),
    ] {
        let (s, b) = server.post("/api/v1/customers", &admin.token, body).await;
        let msg = assert_error(s, &b, 400, "INVALID_PARAMS");
        assert!(msg.contains("张三"), "{msg}");
    }
    // bad input: not a number, more than five, not a list — nothing is written
    for body in [
        json!({"name": "李四", "phone": "13700137000", "otherPhones": ["前台"]}),
        json!({"name": "李四", "phone": "13700137000",
               "otherPhones": ["13700000001", "13700000002", "13700000003",
                               "13700000004", "13700000005", "13700000006"]}),
        json!({"name": "李四", "phone": "13700137000", "otherPhones": "13700000001"}),
        json!({"name": "李四", "phone": "13700137000", "otherPhones": [138]}),
    ] {
        let (s, b) = server.post("/api/v1/customers", &admin.token, body).await;
        assert_eq!(s, 400, "{b}");
    }
    let (_, all) = server.get("/api/v1/customers", &admin.token).await;
    assert_eq!(all["data"]["total"], 1, "{all}");
    let held: i64 = server
        .db()
        .query_row("SELECT COUNT(*) FROM customer_numbers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(held, 1);
}

#[tokio::test]
async fn the_back_fill_finds_a_customer_by_an_other_number() {
    let server = TestServer::start().await;
    let admin = server.admin_user().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let id = customer(&server, "华东贸易", "13800138000").await;
    server
        .put(
            &format!("/api/v1/customers/{id}"),
            &admin.token,
            json!({"otherPhones": ["010-65529988"]}),
        )
        .await;
    let phone = TestPhone::bind_shipped(&server, &user).await;
    let at = chrono::Utc::now() - chrono::Duration::minutes(3);
    let (s, b) = server
        .post(
            "/api/v1/mobile/call/missed-calls",
            &phone.ws_token,
            json!({"calls": [{"callerNumber": "(010) 6552-9988", "callTime": at.to_rfc3339(),
                              "callStatus": "missed"}]}),
        )
        .await;
    assert_eq!((s, &b["data"]["created"]), (200, &json!(1)), "{b}");
    let (_, list) = server
        .get("/api/v1/mobile/calls?callType=inbound", &user.token)
        .await;
    let call = &list["data"]["records"][0];
    assert_eq!(call["customerId"], json!(id), "{list}");
    assert_eq!(call["customerName"], "华东贸易");
}

#[tokio::test]
async fn an_import_reads_other_numbers_and_dedups_on_all_of_them() {
    let server = TestServer::start().await;
    customer(&server, "老客户", "13600136000").await;
    let csv = "姓名,电话,其他号码\n\
               张三,13800138000,010-65529988；139 0013 9000\n\
               李四,13700137000,13900139000\n\
               王五,13500135000,13600136000\n\
               赵六,13400134000,前台\n";
    let resp = server
        .client
        .post(server.url("/api/v1/customers/import"))
        .bearer_auth(&server.admin_token)
        .body(csv)
        .send()
        .await
        .unwrap();
    let b: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(b["data"]["imported"], 1, "{b}");
    let reasons: Vec<String> = b["data"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}", e["row"], e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            "3:文件中号码重复",
            "4:号码已存在（客户：老客户）",
            "5:其他号码无效: 前台"
        ],
        "{b}"
    );
    let (_, found) = server
        .get("/api/v1/customers?keyword=13900139000", &server.admin_token)
        .await;
    assert_eq!(found["data"]["records"][0]["name"], "张三", "{found}");
    assert_eq!(
        found["data"]["records"][0]["otherPhones"],
        json!(["01065529988", "13900139000"])
    );
}
