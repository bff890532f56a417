//! Issue 13 (9): the audit log. Each act writes one line in its own transaction — who, what,
//! which record, when, from which address; a refused act writes none. Admins read it, filtered;
//! nobody else does; and the table itself refuses any change.

use crate::common;

use common::audio;
use common::calls::{call_now, customer};
use common::{TestServer, assert_error};
use serde_json::{Value, json};

async fn log(server: &TestServer, query: &str) -> Vec<Value> {
    let (status, body) = server
        .get(
            &format!("/api/v1/audit?pageSize=100{query}"),
            &server.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["records"].as_array().unwrap().clone()
}

fn actions(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_act_leaves_one_line_and_the_log_cannot_be_changed() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    let sales = server.create_user("au_sales", "sales_staff", "一部").await;
    let (status, _) = server
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "au_sales", "password": "nope-nope"})),
        )
        .await;
    assert_eq!(status, 401);
    let rec = audio::recording(&server, &sales, audio::mp3(3)).await;
    let rec_id = rec["id"].as_str().unwrap();
    let (s, _) = server
        .get(&format!("/api/v1/calls/recordings/{rec_id}/download"), &t)
        .await;
    assert_eq!(s, 200);
    let (s, _) = server
        .delete(&format!("/api/v1/calls/recordings/{rec_id}"), &t)
        .await;
    assert_eq!(s, 200);
    // refused acts write nothing
    let (s, _) = server
        .delete(&format!("/api/v1/calls/recordings/{rec_id}"), &t)
        .await;
    assert_eq!(s, 404);
    let (s, _) = server.delete("/api/v1/customers/cus_nope", &t).await;
    assert_eq!(s, 404);
    let call = call_now(&server, &sales.token).await;
    let (s, _) = server
        .delete(&format!("/api/v1/calls/records/{call}"), &t)
        .await;
    assert_eq!(s, 200);
    let cus = customer(&server, "审计客户", "13900000001").await;
    let (s, _) = server.delete(&format!("/api/v1/customers/{cus}"), &t).await;
    assert_eq!(s, 200);
    let user_path = format!("/api/v1/users/{}", sales.id);
    assert_eq!(
        server
            .put(&user_path, &t, json!({"disabled": true}))
            .await
            .0,
        200
    );
    let pw_path = format!("{user_path}/password");
    assert_eq!(
        server
            .put(&pw_path, &t, json!({"password": "another-pw"}))
            .await
            .0,
        200
    );

    let lines = log(&server, "").await;
    let mut got = actions(&lines);
    got.reverse();
    let want = [
        "login",
        "user_create",
        "login",
        "login_failed",
        "recording_download",
        "recording_delete",
        "call_delete",
        "customer_delete",
        "user_disable",
        "user_password",
    ];
    assert_eq!(got, want, "{lines:#?}");
    let delete = lines
        .iter()
        .find(|l| l["action"] == "recording_delete")
        .unwrap();
    assert_eq!(delete["username"], "admin");
    assert_eq!(delete["target"], rec_id);
    assert_eq!(delete["address"], "127.0.0.1");
    let failed = lines
        .iter()
        .find(|l| l["action"] == "login_failed")
        .unwrap();
    assert_eq!(
        (failed["username"].clone(), failed["userId"].clone()),
        (json!("au_sales"), json!(sales.id))
    );
    assert!(failed["time"].as_str().unwrap().starts_with("20"));

    // filtered; a bad filter is refused; only admins read it
    assert_eq!(
        actions(&log(&server, "&action=login").await),
        ["login", "login"]
    );
    let (s, body) = server.get("/api/v1/audit?action=rm", &t).await;
    assert_error(s, &body, 400, "INVALID_PARAMS");
    let boss = server.create_user("au_boss", "manager", "一部").await;
    let (s, body) = server.get("/api/v1/audit", &boss.token).await;
    assert_error(s, &body, 403, "FORBIDDEN");

    // append-only, below the API too
    let db = server.db();
    assert!(
        db.execute("UPDATE audit_log SET username = 'x'", [])
            .is_err()
    );
    assert!(db.execute("DELETE FROM audit_log", []).is_err());
    let n: i64 = db
        .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    assert!(n >= 10);
}
