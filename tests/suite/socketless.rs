//! Issue 11 (3): input validation and visibility through the route table itself, with
//! `warp::test` — no listener, no socket, a real data folder and database. End-to-end flows keep
//! the real server; a rule that only needs a request and an answer is checked here, quickly.

use serde_json::{Value, json};
use warp::Filter;
use warp::test::request;

use crate::common::ADMIN_PASSWORD;

struct Api {
    _dir: tempfile::TempDir,
    routes: warp::filters::BoxedFilter<(warp::reply::Response,)>,
}

impl Api {
    fn open() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = dialbox::config::Config::new(dir.path());
        config.initial_admin_password = Some(ADMIN_PASSWORD.into());
        config.timezone = "Asia/Shanghai".parse().unwrap();
        let (state, _) = dialbox::app::open(config, "127.0.0.1:3000".parse().unwrap()).unwrap();
        Self {
            _dir: dir,
            routes: dialbox::http::routes::api(state).boxed(),
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Value) {
        let mut req = request().method(method).path(path);
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.reply(&self.routes).await;
        let status = resp.status().as_u16();
        let json = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
        (status, json)
    }

    async fn token(&self, username: &str, password: &str) -> String {
        let body = json!({"username": username, "password": password}).to_string();
        let (status, b) = self
            .send("POST", "/api/v1/auth/login", None, Some(&body))
            .await;
        assert_eq!(status, 200, "{b}");
        b["data"]["token"].as_str().unwrap().to_string()
    }
}

fn assert_code(answer: (u16, Value), status: u16, code: &str, what: &str) {
    assert_eq!(answer.0, status, "{what}: {}", answer.1);
    assert_eq!(answer.1["code"], code, "{what}: {}", answer.1);
    assert_eq!(answer.1["success"], false, "{what}");
}

#[tokio::test]
async fn bad_bodies_are_invalid_params_on_the_route_table() {
    let api = Api::open();
    let admin = api.token("admin", ADMIN_PASSWORD).await;
    let t = Some(admin.as_str());
    for (method, path, body) in [
        ("POST", "/api/v1/users", "{\"username\": "),
        (
            "POST",
            "/api/v1/users",
            "{\"username\": 5, \"password\": \"123456\"}",
        ),
        (
            "POST",
            "/api/v1/users",
            "{\"username\": \"ab\", \"password\": \"1\"}",
        ),
        (
            "POST",
            "/api/v1/users",
            "{\"username\": \"a b\", \"password\": \"123456\"}",
        ),
        ("POST", "/api/v1/customers", "{\"name\": \"x\"}"),
        (
            "POST",
            "/api/v1/customers",
            "{\"name\": \"x\", \"phone\": \"12\"}",
        ),
        (
            "POST",
            "/api/v1/calls/records",
            "{\"customerPhone\": \"13800138000\", \"callType\": \"sideways\"}",
        ),
        (
            "POST",
            "/api/v1/calls/records",
            "{\"customerPhone\": \"13800138000\", \"duration\": -1}",
        ),
        (
            "POST",
            "/api/v1/calls/followups",
            "{\"content\": \"x\", \"priority\": \"urgent\"}",
        ),
        ("POST", "/api/v1/calls/outbound", "[]"),
    ] {
        let answer = api.send(method, path, t, Some(body)).await;
        assert_code(
            answer,
            400,
            "INVALID_PARAMS",
            &format!("{method} {path} {body}"),
        );
    }
    for path in [
        "/api/v1/calls/records?pageSize=0",
        "/api/v1/calls/records?page=x",
        "/api/v1/calls/records?callStatus=lost",
        "/api/v1/calls/records?startDate=2026-13-01",
        "/api/v1/mobile/stats?period=",
        "/api/v1/audit?action=rm",
    ] {
        let answer = api.send("GET", path, t, None).await;
        assert_code(answer, 400, "INVALID_PARAMS", path);
    }
}

#[tokio::test]
async fn who_may_not_see_a_record_gets_404_or_403() {
    let api = Api::open();
    let admin = api.token("admin", ADMIN_PASSWORD).await;
    let t = Some(admin.as_str());
    for (name, dept) in [("sl_a", "一部"), ("sl_b", "二部")] {
        let body = json!({"username": name, "password": "123456", "department": dept}).to_string();
        let (status, b) = api.send("POST", "/api/v1/users", t, Some(&body)).await;
        assert_eq!(status, 200, "{b}");
    }
    let a = api.token("sl_a", "123456").await;
    let b = api.token("sl_b", "123456").await;
    let body = json!({"customerPhone": "13800138000"}).to_string();
    let (_, call) = api
        .send("POST", "/api/v1/calls/records", Some(&a), Some(&body))
        .await;
    let id = call["data"]["id"].as_str().unwrap();
    // a's own call: seen by a and the admin, 404 for b
    assert_eq!(
        api.send("GET", &format!("/api/v1/mobile/call/{id}"), Some(&a), None)
            .await
            .0,
        200
    );
    assert_eq!(
        api.send("GET", &format!("/api/v1/mobile/call/{id}"), t, None)
            .await
            .0,
        200
    );
    let answer = api
        .send("GET", &format!("/api/v1/mobile/call/{id}"), Some(&b), None)
        .await;
    assert_code(answer, 404, "NOT_FOUND", "another user's call");
    let edit = json!({"notes": "改"}).to_string();
    let answer = api
        .send(
            "PUT",
            &format!("/api/v1/calls/records/{id}"),
            Some(&b),
            Some(&edit),
        )
        .await;
    assert_code(answer, 404, "NOT_FOUND", "editing another user's call");
    let answer = api
        .send(
            "DELETE",
            &format!("/api/v1/calls/records/{id}"),
            Some(&b),
            None,
        )
        .await;
    assert_code(answer, 404, "NOT_FOUND", "deleting another user's call");
    // admin-only routes
    for (method, path) in [
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/system/storage"),
    ] {
        let answer = api.send(method, path, Some(&a), None).await;
        assert_code(answer, 403, "FORBIDDEN", path);
    }
    // no token, a bad token
    let answer = api.send("GET", "/api/v1/calls/records", None, None).await;
    assert_code(answer, 401, "AUTH_FAILED", "no token");
    let answer = api
        .send("GET", "/api/v1/calls/records", Some("x.y.z"), None)
        .await;
    assert_code(answer, 401, "AUTH_FAILED", "a bad token");
}
