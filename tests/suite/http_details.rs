//! Small things of the HTTP surface that a round of attacks found (issue 27, item 7): `Allow`
//! headers that name the resource's own methods, HEAD on the page, text served with its
//! charset, control characters in names, over-long keywords, and an unknown call list.

use crate::common;

use common::{TestServer, assert_error};
use serde_json::json;

async fn allow_of(server: &TestServer, method: reqwest::Method, path: &str) -> (u16, String) {
    let resp = server
        .client
        .request(method, server.url(path))
        .bearer_auth(&server.admin_token)
        .send()
        .await
        .unwrap();
    let allow = resp
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (resp.status().as_u16(), allow)
}

#[tokio::test]
async fn a_405_allows_the_methods_of_the_path_asked() {
    let server = TestServer::start().await;
    use reqwest::Method;
    let cases = [
        (
            Method::POST,
            "/api/v1/calls/recordings/stream/2026/01/02/rec_x.mp3",
            "GET",
        ),
        (Method::GET, "/api/v1/call-config/work-phones/bind", "POST"),
        (
            Method::POST,
            "/api/v1/call-config/work-phones/dev_1",
            "DELETE",
        ),
    ];
    for (method, path, want) in cases {
        let (status, allow) = allow_of(&server, method.clone(), path).await;
        assert_eq!((status, allow.as_str()), (405, want), "{method} {path}");
    }
}

#[tokio::test]
async fn the_page_answers_head_and_says_its_charset() {
    let server = TestServer::start().await;
    for path in ["/", "/static/app.css"] {
        let get = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(get.status(), 200, "{path}");
        let kind = get.headers()["content-type"].to_str().unwrap().to_string();
        assert!(kind.ends_with("charset=utf-8"), "{path}: {kind}");
        let length = get.bytes().await.unwrap().len();
        let head = server.client.head(server.url(path)).send().await.unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(head.headers()["content-type"].to_str().unwrap(), kind);
        let said = head.headers()["content-length"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(said, length.to_string(), "{path}");
        assert!(head.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn names_keywords_and_unknown_lists_are_refused_as_they_should_be() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    let (status, body) = server
        .post("/api/v1/campaigns", &t, json!({"name": "任务\u{0}一"}))
        .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    let (status, body) = server
        .post(
            "/api/v1/customers",
            &t,
            json!({"name": "张\u{7}三", "phone": "13800138000"}),
        )
        .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    let (_, lists) = server.get("/api/v1/campaigns", &t).await;
    assert_eq!(lists["data"]["total"], 0, "nothing stored: {lists}");
    let long = "a".repeat(25_000);
    let (status, body) = server
        .get(&format!("/api/v1/calls/followups?keyword={long}"), &t)
        .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    // a NUL inside a keyword long enough for the call search cut its phrase short (a 500)
    for list in [
        "calls/records",
        "calls/records/export",
        "customers",
        "calls/recordings",
    ] {
        let (status, body) = server
            .get(&format!("/api/v1/{list}?keyword=ab%00cd"), &t)
            .await;
        assert_error(status, &body, 400, "INVALID_PARAMS");
        assert_eq!(body["field"], "keyword", "{list}: {body}");
    }
    let (status, body) = server
        .post(
            "/api/v1/campaigns/camp_nosuchlist/items/from-customers",
            &t,
            json!({}),
        )
        .await;
    assert_error(status, &body, 404, "NOT_FOUND");
}

/// `null` where the document says boolean, integer or string is refused, not read as "unchanged"
/// (schemathesis found four such fields accepted).
#[tokio::test]
async fn a_null_is_not_a_value_for_a_typed_field() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let cases = [
        ("/api/v1/system/settings", json!({"maxPhonesPerUser": null})),
        ("/api/v1/system/settings", json!({"bindTtlSecs": null})),
        ("/api/v1/system/settings", json!({"dialTimeoutSecs": null})),
        ("/api/v1/system/pacing", json!({"quietWeekends": null})),
        ("/api/v1/system/pacing", json!({"quietHours": null})),
        ("/api/v1/system/pacing", json!({"minGapSeconds": null})),
        (
            &format!("/api/v1/users/{}", a.id) as &str,
            json!({"disabled": null}),
        ),
        (
            &format!("/api/v1/users/{}", a.id) as &str,
            json!({"role": null}),
        ),
    ];
    for (path, body) in cases {
        let (status, answer) = server.put(path, &t, body).await;
        assert_error(status, &answer, 400, "INVALID_PARAMS");
    }
    let (status, answer) = server
        .post(
            "/api/v1/call-config/work-phones/qrcode",
            &t,
            json!({"userId": null}),
        )
        .await;
    assert_error(status, &answer, 400, "INVALID_PARAMS");
    let (status, answer) = server
        .post(
            "/api/v1/campaigns",
            &t,
            json!({"name": "空值", "retryDelaySeconds": null}),
        )
        .await;
    assert_error(status, &answer, 400, "INVALID_PARAMS");
    let (_, lists) = server.get("/api/v1/campaigns", &t).await;
    assert_eq!(lists["data"]["records"], json!([]), "{lists}");
    // left out, each is still "unchanged" / "the caller"
    let (status, answer) = server.put("/api/v1/system/pacing", &t, json!({})).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = server
        .post("/api/v1/call-config/work-phones/qrcode", &t, json!({}))
        .await;
    assert_eq!(status, 200, "{answer}");
}

/// A body must be a JSON object: serde reads a struct from an array by position, so
/// `[null, null]` passed as settings that changed nothing (schemathesis's negative check).
#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    let (_, before) = server.get("/api/v1/system/settings", &t).await;
    for body in [json!([null, null]), json!([30, 60]), json!(7), json!("x")] {
        for path in ["/api/v1/system/settings", "/api/v1/system/pacing"] {
            let (status, answer) = server.put(path, &t, body.clone()).await;
            assert_error(status, &answer, 400, "INVALID_PARAMS");
        }
    }
    let (_, after) = server.get("/api/v1/system/settings", &t).await;
    assert_eq!(before["data"]["settings"], after["data"]["settings"]);
}

/// A control character in a user's names is refused with the body's key as the field, on
/// create and on update alike (schemathesis found the update naming it in Chinese).
#[tokio::test]
async fn a_users_names_refuse_control_characters_by_their_keys() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    for (key, value) in [("department", "\u{1f}"), ("realName", "a\u{7}b")] {
        let (status, answer) = server
            .put(
                &format!("/api/v1/users/{}", a.id),
                &t,
                json!({ key: value }),
            )
            .await;
        assert_error(status, &answer, 400, "INVALID_PARAMS");
        assert_eq!(answer["field"], key, "{answer}");
    }
    let (_, list) = server.get("/api/v1/users", &t).await;
    assert!(
        !list.to_string().contains("\\u001f"),
        "nothing stored: {list}"
    );
}
