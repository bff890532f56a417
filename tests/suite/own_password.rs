//! 我的账号 (issue 14, item 5): a user changes their own password with the old one; this session
//! goes on with the answer's new token, every other one ends (other logins, bound phones). A
//! wrong old password changes nothing and counts like a failed login. Resetting one's own
//! password through the users route is refused (it used to end the session without a word).

use crate::common;

use common::phone::TestPhone;
use common::{TestServer, USER_PASSWORD, assert_error};
use reqwest::Method;
use serde_json::json;

const PATH: &str = "/api/v1/auth/password";

async fn login_status(server: &TestServer, username: &str, password: &str) -> u16 {
    let body = json!({"username": username, "password": password});
    server
        .call(Method::POST, "/api/v1/auth/login", None, Some(body))
        .await
        .0
}

#[tokio::test]
async fn the_own_password_changes_and_only_this_session_goes_on() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let elsewhere = server.login("sales_a", USER_PASSWORD).await;
    let mut phone = TestPhone::bind_pc(&server, &user).await;
    phone.connect_online().await;

    let body = json!({"oldPassword": USER_PASSWORD, "newPassword": "新的密码-2026"});
    let (status, answer) = server.put(PATH, &user.token, body).await;
    assert_eq!(status, 200, "{answer}");
    let fresh = answer["data"]["token"]
        .as_str()
        .expect("a new token")
        .to_string();
    assert_eq!(answer["data"]["expiresIn"], 604800);

    let (status, me) = server.get("/api/v1/auth/me", &fresh).await;
    assert_eq!(status, 200, "this session goes on: {me}");
    assert_eq!(me["data"]["id"], user.id.as_str());
    // the token it replaced and another login both end
    for token in [&user.token, &elsewhere] {
        let (status, body) = server.get("/api/v1/auth/me", token).await;
        assert_error(status, &body, 401, "AUTH_FAILED");
    }
    let (status, body) = server.get("/api/v1/auth/me", &phone.ws_token).await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    assert_eq!(login_status(&server, "sales_a", USER_PASSWORD).await, 401);
    assert_eq!(login_status(&server, "sales_a", "新的密码-2026").await, 200);
    let (_, log) = server
        .get("/api/v1/audit?action=user_password", &server.admin_token)
        .await;
    assert_eq!(
        log["data"]["records"][0]["target"],
        user.id.as_str(),
        "{log}"
    );
}

#[tokio::test]
async fn a_wrong_old_password_or_bad_input_changes_nothing() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let t = &user.token;
    let bad = [
        json!({"oldPassword": USER_PASSWORD}),
        json!({"newPassword": "abcdefg"}),
        json!({"oldPassword": USER_PASSWORD, "newPassword": "short"}),
        json!({"oldPassword": USER_PASSWORD, "newPassword": "x".repeat(129)}),
        json!({"oldPassword": USER_PASSWORD, "newPassword": USER_PASSWORD}),
        json!({"oldPassword": "", "newPassword": "abcdefgh"}),
        json!({"oldPassword": USER_PASSWORD, "newPassword": 12345678}),
        json!({"oldPassword": USER_PASSWORD, "newPassword": "abcdefgh", "extra": 1}),
    ];
    for body in bad {
        let (status, answer) = server.put(PATH, t, body.clone()).await;
        assert_error(status, &answer, 400, "INVALID_PARAMS");
    }
    let (status, answer) = server
        .call(
            Method::PUT,
            PATH,
            None,
            Some(json!({"oldPassword": "a", "newPassword": "abcdefgh"})),
        )
        .await;
    assert_error(status, &answer, 401, "AUTH_FAILED");

    // a wrong old password: 400 (the session is fine), counted like a failed login
    for _ in 0..5 {
        let body = json!({"oldPassword": "not-it", "newPassword": "abcdefgh"});
        let (status, answer) = server.put(PATH, t, body).await;
        assert_error(status, &answer, 400, "INVALID_PARAMS");
        assert!(
            answer["message"].as_str().unwrap().contains("原密码错误"),
            "{answer}"
        );
    }
    let body = json!({"oldPassword": USER_PASSWORD, "newPassword": "abcdefgh"});
    let (status, answer) = server.put(PATH, t, body).await;
    assert_error(status, &answer, 429, "RATE_LIMITED");
    // nothing changed: the token and the password are the ones from before
    let (status, _) = server.get("/api/v1/auth/me", t).await;
    assert_eq!(status, 200);
    let (status, _) = server.get("/api/v1/auth/me", &server.admin_token).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_admin_resets_others_but_not_themselves() {
    let server = TestServer::start().await;
    let admin = server.admin_user().await;
    let path = format!("/api/v1/users/{}/password", admin.id);
    let (status, answer) = server
        .put(&path, &admin.token, json!({"password": "whatever-1"}))
        .await;
    assert_error(status, &answer, 400, "INVALID_PARAMS");
    assert!(
        answer["message"].as_str().unwrap().contains("我的账号"),
        "{answer}"
    );
    let (status, _) = server.get("/api/v1/auth/me", &admin.token).await;
    assert_eq!(status, 200, "still logged in");
    assert_eq!(
        login_status(&server, "admin", common::ADMIN_PASSWORD).await,
        200
    );
}
