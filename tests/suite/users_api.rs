//! Issue 2: the users API (contract §11) — admin only, and what disabling does.

use crate::common;

use common::{TestServer, USER_PASSWORD, assert_error};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn admin_creates_lists_updates_and_resets() {
    let server = TestServer::start().await;
    let admin = server.admin_token.clone();
    let (status, body) = server
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "zhangsan", "password": "123456", "realName": "张三",
                   "department": "销售部", "role": "sales_staff"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let user = &body["data"];
    let id = user["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("user_") && id.len() >= 18, "{id}");
    assert_eq!(user["realName"], "张三");
    assert_eq!(user["disabled"], false);
    assert!(user.get("passwordHash").is_none() && !body.to_string().contains("argon2"));

    let (_, list) = server.get("/api/v1/users", &admin).await;
    let names: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    assert_eq!(names, vec![json!("admin"), json!("zhangsan")]);

    let (status, body) = server
        .put(
            &format!("/api/v1/users/{id}"),
            &admin,
            json!({"department": "二部", "role": "manager"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["department"], "二部");
    assert_eq!(body["data"]["role"], "manager");
    assert_eq!(body["data"]["realName"], "张三");

    let old = server.login("zhangsan", "123456").await;
    let (status, _) = server
        .put(
            &format!("/api/v1/users/{id}/password"),
            &admin,
            json!({"password": "new-secret"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = server.get("/api/v1/auth/me", &old).await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    server.login("zhangsan", "new-secret").await;
}

#[tokio::test]
async fn only_admins_manage_users() {
    let server = TestServer::start().await;
    let staff = server.create_user("li", "sales_staff", "销售部").await;
    let manager = server.create_user("wang", "manager", "销售部").await;
    let other = server.create_user("zhao", "sales_staff", "二部").await;

    let (s, b) = server.get("/api/v1/users", &staff.token).await;
    assert_error(s, &b, 403, "FORBIDDEN");
    // a manager lists their own department only
    let (s, b) = server.get("/api/v1/users", &manager.token).await;
    assert_eq!(s, 200);
    let names: Vec<_> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["li", "wang"]);

    for token in [&staff.token, &manager.token] {
        let (s, b) = server
            .post(
                "/api/v1/users",
                token,
                json!({"username": "x1", "password": "123456"}),
            )
            .await;
        assert_error(s, &b, 403, "FORBIDDEN");
        let (s, b) = server
            .put(
                &format!("/api/v1/users/{}", other.id),
                token,
                json!({"disabled": true}),
            )
            .await;
        assert_error(s, &b, 403, "FORBIDDEN");
        let (s, b) = server
            .put(
                &format!("/api/v1/users/{}/password", other.id),
                token,
                json!({"password": "hijack1"}),
            )
            .await;
        assert_error(s, &b, 403, "FORBIDDEN");
    }
    let (s, b) = server.call(Method::GET, "/api/v1/users", None, None).await;
    assert_error(s, &b, 401, "AUTH_FAILED");
    // nothing changed for the target
    server.login("zhao", USER_PASSWORD).await;
}

#[tokio::test]
async fn bad_user_input_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let admin = server.admin_token.clone();
    server.create_user("taken", "sales_staff", "").await;
    let cases = [
        json!({"username": "taken", "password": "123456"}),
        json!({"username": "a", "password": "123456"}),
        json!({"username": "has space", "password": "123456"}),
        json!({"username": "ok_name", "password": "123"}),
        json!({"username": "ok_name", "password": "123456", "role": "boss"}),
        json!({"username": "ok_name", "password": "123456", "realName": "名".repeat(65)}),
        json!({"username": "ok_name", "password": "123456", "unexpected": 1}),
        json!({"password": "123456"}),
    ];
    for body in cases {
        let (s, b) = server.post("/api/v1/users", &admin, body.clone()).await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let (_, list) = server.get("/api/v1/users", &admin).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);

    let (s, b) = server
        .put(
            "/api/v1/users/user_doesnotexist",
            &admin,
            json!({"realName": "x"}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let (s, b) = server
        .put(
            "/api/v1/users/user_doesnotexist/password",
            &admin,
            json!({"password": "123456"}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
}

#[tokio::test]
async fn a_disabled_user_cannot_log_in_and_their_tokens_stop() {
    let server = TestServer::start().await;
    let user = server.create_user("leaver", "sales_staff", "销售部").await;
    let (s, _) = server.get("/api/v1/auth/me", &user.token).await;
    assert_eq!(s, 200);
    let (s, b) = server
        .put(
            &format!("/api/v1/users/{}", user.id),
            &server.admin_token,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["disabled"], true);

    let (s, b) = server.get("/api/v1/auth/me", &user.token).await;
    assert_error(s, &b, 401, "AUTH_FAILED");
    let (s, b) = server
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "leaver", "password": USER_PASSWORD})),
        )
        .await;
    assert_error(s, &b, 401, "AUTH_FAILED");

    // re-enabled, they log in again
    let (s, _) = server
        .put(
            &format!("/api/v1/users/{}", user.id),
            &server.admin_token,
            json!({"disabled": false}),
        )
        .await;
    assert_eq!(s, 200);
    server.login("leaver", USER_PASSWORD).await;
}

#[tokio::test]
async fn the_last_admin_cannot_be_disabled_or_demoted() {
    let server = TestServer::start().await;
    let me = server.get("/api/v1/auth/me", &server.admin_token).await.1["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for change in [json!({"disabled": true}), json!({"role": "manager"})] {
        let (s, b) = server
            .put(&format!("/api/v1/users/{me}"), &server.admin_token, change)
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMS");
    }
    let (s, _) = server.get("/api/v1/auth/me", &server.admin_token).await;
    assert_eq!(s, 200);
}

/// `displayName` is the real name, or the username when there is none: one rule (the
/// `users_named` view) for the users list, the caller's own `me` and every record's user name.
#[tokio::test]
async fn the_display_name_is_the_real_name_or_else_the_username() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    let (s, b) = server
        .post(
            "/api/v1/users",
            &t,
            json!({"username": "noname", "password": "secret-pw-1", "role": "sales_staff"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["displayName"], "noname");
    let named = server.create_user("sales_b", "sales_staff", "一部").await;
    let (_, list) = server.get("/api/v1/users", &t).await;
    let rows = list["data"]
        .as_array()
        .or(list["data"]["records"].as_array());
    let row = rows
        .unwrap()
        .iter()
        .find(|u| u["id"] == json!(named.id))
        .cloned()
        .unwrap();
    assert_ne!(row["realName"], "");
    assert_eq!(row["displayName"], row["realName"]);
    let (_, me) = server.get("/api/v1/auth/me", &named.token).await;
    assert_eq!(me["data"]["displayName"], row["realName"], "{me}");
    // the name in the view follows an edit at once
    let (s, b) = server
        .put(
            &format!("/api/v1/users/{}", named.id),
            &t,
            json!({"realName": ""}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["displayName"], "sales_b");
}
