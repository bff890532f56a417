//! Dialing for a salesperson (issue 14, item 2): an admin makes anyone's phone ring, a manager
//! anyone's in their department, a salesperson only their own; asked for nothing, the
//! customer's 负责人 dials when their phone is online, else the caller. The call belongs to the
//! person whose phone dials, and `GET /api/v1/calls/outbound/targets` says beforehand which
//! phone that will be.

use crate::common;

use common::dialing::{Dialect, dial, online_phone};
use common::phone::TestPhone;
use common::{TestServer, TestUser, assert_error};
use serde_json::{Value, json};

/// A customer whose 负责人 is `owner`.
async fn owned_customer(server: &TestServer, name: &str, number: &str, owner: &TestUser) -> String {
    let (status, body) = server
        .post(
            "/api/v1/customers",
            &server.admin_token,
            json!({"name": name, "phone": number, "ownerId": owner.id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["id"].as_str().unwrap().to_string()
}

/// The call a DIAL_COMMAND on `phone` is for; checks the dial's answer named the same call.
async fn rang(phone: &mut TestPhone, answer: &Value) -> String {
    let command = phone.recv_type("DIAL_COMMAND").await;
    let id = answer["data"]["callId"]
        .as_str()
        .expect("callId")
        .to_string();
    assert_eq!(command["data"]["callId"], id.as_str(), "{command}");
    id
}

/// The stored owner of a call and who clicked (the dial event's `by`).
fn owner_and_clicker(server: &TestServer, call_id: &str) -> (String, String) {
    let db = server.db();
    let owner: String = db
        .query_row(
            "SELECT user_id FROM call_records WHERE id = ?1",
            [call_id],
            |r| r.get(0),
        )
        .unwrap();
    let payload: String = db
        .query_row(
            "SELECT payload FROM call_events WHERE call_id = ?1 AND kind = 'dial'",
            [call_id],
            |r| r.get(0),
        )
        .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    (
        owner,
        payload["by"].as_str().unwrap_or_default().to_string(),
    )
}

async fn targets(server: &TestServer, token: &str, customer: Option<&str>) -> (u16, Value) {
    let path = match customer {
        Some(c) => format!("/api/v1/calls/outbound/targets?customerId={c}"),
        None => "/api/v1/calls/outbound/targets".to_string(),
    };
    server.get(&path, token).await
}

fn phone_ids(answer: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = answer["data"]["phones"]
        .as_array()
        .unwrap_or_else(|| panic!("no phones in {answer}"))
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_admin_dials_for_a_salesperson_and_the_call_is_theirs() {
    let server = TestServer::start().await;
    let admin = server.admin_user().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "二部").await;
    let mut phone_a = online_phone(&server, &a, Dialect::Document).await;
    let mut phone_b = online_phone(&server, &b, Dialect::Shipped).await;
    let of_b = owned_customer(&server, "王总", "13900000001", &b).await;

    // before anything rings, the page learns whose phone would: the 负责人's
    let (status, before) = targets(&server, &admin.token, Some(&of_b)).await;
    assert_eq!(status, 200, "{before}");
    let mut both = vec![phone_a.phone_id, phone_b.phone_id];
    both.sort();
    assert_eq!(
        phone_ids(&before),
        both,
        "an admin may use every online phone"
    );
    assert_eq!(
        before["data"]["default"]["phoneId"], phone_b.phone_id,
        "{before}"
    );
    assert_eq!(before["data"]["default"]["userId"], b.id.as_str());
    assert_eq!(before["data"]["defaultRefusal"], Value::Null);

    // asked for nothing: the 负责人's phone rings, the call is theirs, the event names the admin
    let (status, answer) = dial(&server, &admin.token, json!({ "customerId": of_b })).await;
    assert_eq!(status, 200, "{answer}");
    let call = rang(&mut phone_b, &answer).await;
    assert_eq!(
        owner_and_clicker(&server, &call),
        (b.id.clone(), admin.id.clone())
    );
    let (_, theirs) = server.get("/api/v1/calls/records", &b.token).await;
    assert!(
        theirs.to_string().contains(&call),
        "the salesperson sees it: {theirs}"
    );

    // asked for a person: that person's phone, whoever owns the customer
    let body = json!({ "customerId": of_b, "userId": a.id });
    let (status, answer) = dial(&server, &admin.token, body).await;
    assert_eq!(status, 200, "{answer}");
    let call = rang(&mut phone_a, &answer).await;
    assert_eq!(owner_and_clicker(&server, &call).0, a.id);

    // asked for a phone: that one
    let body = json!({ "customerPhone": "13900000002", "phoneId": phone_b.phone_id });
    let (status, answer) = dial(&server, &admin.token, body).await;
    assert_eq!(status, 200, "{answer}");
    rang(&mut phone_b, &answer).await;

    // a phone and a person that do not go together: 404, nothing stored
    let calls_before =
        server.get("/api/v1/calls/records", &admin.token).await.1["data"]["total"].clone();
    let body =
        json!({ "customerPhone": "13900000003", "phoneId": phone_b.phone_id, "userId": a.id });
    let (status, answer) = dial(&server, &admin.token, body).await;
    assert_error(status, &answer, 404, "NOT_FOUND");
    let unknown = json!({ "customerPhone": "13900000003", "userId": "user_nobody" });
    let (status, answer) = dial(&server, &admin.token, unknown).await;
    assert_error(status, &answer, 404, "NOT_FOUND");
    let (status, answer) = dial(
        &server,
        &admin.token,
        json!({ "customerPhone": "13900000003", "phoneId": 999_999 }),
    )
    .await;
    assert_error(status, &answer, 404, "NOT_FOUND");
    let calls_after =
        server.get("/api/v1/calls/records", &admin.token).await.1["data"]["total"].clone();
    assert_eq!(calls_before, calls_after, "refused dials store no call");
}

#[tokio::test]
async fn nobody_to_ring_says_why_before_and_after() {
    let server = TestServer::start().await;
    let admin = server.admin_user().await;
    let b = server.create_user("sales_b", "sales_staff", "二部").await;
    // B's phone is bound but offline; the admin has none
    let _offline = TestPhone::bind_pc(&server, &b).await;
    let of_b = owned_customer(&server, "王总", "13900000001", &b).await;

    let (status, before) = targets(&server, &admin.token, Some(&of_b)).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(phone_ids(&before), Vec::<i64>::new());
    assert_eq!(before["data"]["default"], Value::Null);
    // the 负责人 is offline, so the admin's own phone would ring, and the admin has none
    assert_eq!(
        before["data"]["defaultRefusal"]["code"], "DEVICE_NOT_BOUND",
        "{before}"
    );
    let (status, answer) = dial(&server, &admin.token, json!({ "customerId": of_b })).await;
    assert_error(status, &answer, 400, "DEVICE_NOT_BOUND");
    // asked for B: B's phone is offline
    let body = json!({ "customerId": of_b, "userId": b.id });
    let (status, answer) = dial(&server, &admin.token, body).await;
    assert_error(status, &answer, 409, "DEVICE_OFFLINE");

    // a disabled person is not dialed for
    let (status, body) = server
        .put(
            &format!("/api/v1/users/{}", b.id),
            &server.admin_token,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let body = json!({ "customerId": of_b, "userId": b.id });
    let (status, answer) = dial(&server, &admin.token, body).await;
    assert_error(status, &answer, 400, "INVALID_PARAMS");
}

#[tokio::test]
async fn managers_dial_within_their_department_and_salespeople_only_for_themselves() {
    let server = TestServer::start().await;
    let boss = server.create_user("boss1", "manager", "一部").await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let c = server.create_user("sales_c", "sales_staff", "二部").await;
    let mut phone_a = online_phone(&server, &a, Dialect::Document).await;
    let phone_c = online_phone(&server, &c, Dialect::Document).await;
    let of_c = owned_customer(&server, "李总", "13900000009", &c).await;

    // the manager sees and uses the department's phones only
    let (status, seen) = targets(&server, &boss.token, Some(&of_c)).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(phone_ids(&seen), vec![phone_a.phone_id]);
    // C is not theirs to dial for, so the default is the manager's own phone, and they have none
    assert_eq!(
        seen["data"]["defaultRefusal"]["code"], "DEVICE_NOT_BOUND",
        "{seen}"
    );
    let body = json!({ "customerId": of_c, "userId": a.id });
    let (status, answer) = dial(&server, &boss.token, body).await;
    assert_eq!(status, 200, "{answer}");
    rang(&mut phone_a, &answer).await;
    for body in [
        json!({ "customerId": of_c, "userId": c.id }),
        json!({ "customerId": of_c, "phoneId": phone_c.phone_id }),
    ] {
        let (status, answer) = dial(&server, &boss.token, body).await;
        assert_error(status, &answer, 404, "NOT_FOUND");
    }

    // a salesperson: never another's phone, not even for that person's customer
    for body in [
        json!({ "customerId": of_c, "userId": c.id }),
        json!({ "customerId": of_c, "phoneId": phone_c.phone_id }),
    ] {
        let (status, answer) = dial(&server, &a.token, body).await;
        assert_error(status, &answer, 404, "NOT_FOUND");
    }
    let (status, own) = targets(&server, &a.token, Some(&of_c)).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(phone_ids(&own), vec![phone_a.phone_id]);
    assert_eq!(own["data"]["default"]["phoneId"], phone_a.phone_id, "{own}");
    let (status, answer) = dial(
        &server,
        &a.token,
        json!({ "customerId": of_c, "userId": a.id }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let call = rang(&mut phone_a, &answer).await;
    assert_eq!(
        owner_and_clicker(&server, &call),
        (a.id.clone(), a.id.clone())
    );
}

#[tokio::test]
async fn bad_dial_targets_are_refused() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let _phone = online_phone(&server, &a, Dialect::Document).await;
    for (body, code) in [
        (json!({ "customerPhone": "13900000001", "userId": 42 }), 400),
        (
            json!({ "customerPhone": "13900000001", "userId": "u".repeat(65) }),
            400,
        ),
        (
            json!({ "customerPhone": "13900000001", "phoneId": "one" }),
            400,
        ),
    ] {
        let (status, answer) = dial(&server, &a.token, body.clone()).await;
        assert_eq!(status, code, "{body}: {answer}");
    }
    let (status, answer) = targets(&server, &a.token, Some("cust_nobody")).await;
    assert_error(status, &answer, 404, "NOT_FOUND");
    let long = "c".repeat(65);
    let (status, answer) = targets(&server, &a.token, Some(&long)).await;
    assert_error(status, &answer, 400, "INVALID_PARAMS");
    let (status, answer) = server
        .get("/api/v1/calls/outbound/targets", "not-a-token")
        .await;
    assert_error(status, &answer, 401, "AUTH_FAILED");
    // without a customer: the caller's own phone
    let (status, own) = targets(&server, &a.token, None).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["data"]["default"]["userId"], a.id.as_str(), "{own}");
}
