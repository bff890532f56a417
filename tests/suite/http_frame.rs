//! Issue 2: every answer, even to nonsense, is the contract's JSON (§1).

use crate::common;

use common::{TestServer, assert_error};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn unknown_route_is_json_404() {
    let server = TestServer::start().await;
    for path in [
        "/api/v1/nope",
        "/api/v1/mobile/ping/extra",
        "/definitely/not/here",
    ] {
        let (status, body) = server.call(Method::GET, path, None, None).await;
        assert_error(status, &body, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn wrong_method_is_json_405() {
    let server = TestServer::start().await;
    let cases = [
        (Method::POST, "/api/v1/mobile/ping"),
        (Method::GET, "/api/v1/mobile/login"),
        (Method::DELETE, "/api/v1/auth/login"),
    ];
    for (method, path) in cases {
        let (status, body) = server.call(method, path, None, None).await;
        assert_error(status, &body, 405, "METHOD_NOT_ALLOWED");
    }
    // issue 13 (14): a 405 says which methods the path takes
    for (method, path, allow) in [
        (Method::POST, "/api/v1/mobile/ping", "GET"),
        (Method::DELETE, "/api/v1/users", "GET, POST"),
        (Method::POST, "/api/v1/users/user_x/password", "PUT"),
        (Method::PATCH, "/api/v1/customers/c1", "GET, PUT, DELETE"),
    ] {
        let resp = server
            .client
            .request(method, server.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "{path}");
        assert_eq!(resp.headers()["allow"], allow, "{path}");
    }
}

/// Issue 13 (14): a request target too long for us is the contract's JSON 414, not an empty body.
#[tokio::test]
async fn an_overlong_address_is_json_414() {
    let server = TestServer::start().await;
    let path = format!("/api/v1/customers?keyword={}", "a".repeat(62_000));
    let (status, body) = server.get(&path, &server.admin_token).await;
    assert_error(status, &body, 414, "URI_TOO_LONG");
}

/// Issue 13 (14): no answer is sniffed into something else by a browser.
#[tokio::test]
async fn every_answer_says_nosniff() {
    let server = TestServer::start().await;
    for path in ["/api/v1/mobile/ping", "/nope", "/", "/api/openapi.json"] {
        let resp = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
}

#[tokio::test]
async fn malformed_and_ill_typed_json_is_400_and_changes_nothing() {
    let server = TestServer::start().await;
    let before = server.get("/api/v1/users", &server.admin_token).await.1["data"].clone();
    let bodies: [&[u8]; 7] = [
        b"{not json",
        b"",
        b"{\"username\": \"x\", \"password\": \"secret1\", \"role\": \"king\"}",
        b"{\"username\": [1], \"password\": \"secret1\"}",
        b"null",
        b"[]",
        b"{\"username\": \"x\", \"password\": \"secret1\", \"role\": 7}",
    ];
    for raw in bodies {
        let resp = server
            .client
            .post(server.url("/api/v1/users"))
            .bearer_auth(&server.admin_token)
            .header("content-type", "application/json")
            .body(raw.to_vec())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap();
        let message = assert_error(status, &body, 400, "INVALID_PARAMS");
        // serde's words name the field, never our Rust types
        assert!(
            !message.contains("struct ") && !message.contains("enum ") && !message.contains("User"),
            "{message}"
        );
    }
    let after = server.get("/api/v1/users", &server.admin_token).await.1["data"].clone();
    assert_eq!(before, after);
}

#[tokio::test]
async fn oversized_body_is_413_with_or_without_content_length() {
    let server = TestServer::start_with(|c| c.json_body_limit = 1024).await;
    let big = json!({"username": "admin", "password": "x".repeat(4096)}).to_string();
    let resp = server
        .client
        .post(server.url("/api/v1/auth/login"))
        .body(big.clone())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_error(status, &body, 413, "PAYLOAD_TOO_LARGE");

    // chunked: no Content-Length, the limit is enforced while reading
    let chunks: Vec<Result<String, std::io::Error>> = big
        .as_bytes()
        .chunks(500)
        .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
        .collect();
    let stream = futures_util::stream::iter(chunks);
    let resp = server
        .client
        .post(server.url("/api/v1/auth/login"))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    // the unread rest of the body spoils the connection: the client is told to drop it
    assert_eq!(resp.headers()["connection"], "close");
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_error(status, &body, 413, "PAYLOAD_TOO_LARGE");
    // and a large refused upload says the same
    let resp = server
        .client
        .post(server.url("/api/v1/customers/import"))
        .bearer_auth(&server.admin_token)
        .body(vec![b'a'; 9 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.headers()["connection"], "close");
}

#[tokio::test]
async fn cors_preflight_is_answered_for_any_origin() {
    let server = TestServer::start().await;
    let resp = server
        .client
        .request(Method::OPTIONS, server.url("/api/v1/mobile/login"))
        .header("origin", "http://h5.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "http://h5.example");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));

    // a preflight for a header or method we do not allow is refused, as JSON like every error
    for (method, headers) in [("POST", "x-requested-with"), ("PATCH", "content-type")] {
        let resp = server
            .client
            .request(Method::OPTIONS, server.url("/api/v1/mobile/login"))
            .header("origin", "http://h5.example")
            .header("access-control-request-method", method)
            .header("access-control-request-headers", headers)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_error(status, &body, 403, "FORBIDDEN");
    }

    // the actual request carries the header too, errors included
    let resp = server
        .client
        .get(server.url("/api/v1/auth/me"))
        .header("origin", "http://h5.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://h5.example"
    );
}

#[tokio::test]
async fn every_answer_has_a_request_id() {
    let server = TestServer::start().await;
    let a = server
        .client
        .get(server.url("/api/v1/mobile/ping"))
        .send()
        .await
        .unwrap();
    let b = server.client.get(server.url("/nope")).send().await.unwrap();
    let id_a = a.headers()["x-request-id"].to_str().unwrap().to_string();
    let id_b = b.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(id_a, id_b);
}

#[tokio::test]
async fn graceful_stop_releases_the_port_and_leaves_a_consistent_database() {
    let mut server = TestServer::start().await;
    let (status, _) = server.get("/api/v1/auth/me", &server.admin_token).await;
    assert_eq!(status, 200);
    server.dir.disable_cleanup(true);
    let dir = server.dir.path().to_path_buf();
    let addr = server.addr;
    server.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting"
    );
    let conn = rusqlite::Connection::open(dir.join("dialbox.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    std::fs::remove_dir_all(dir).unwrap();
}
