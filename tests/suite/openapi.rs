//! The OpenAPI description stays true to the route table (`http::routes`): every route the
//! server serves is in `/api/openapi.json` with its method, every documented operation is in the
//! table, and each documented operation, asked of the real server, answers something other than
//! the router's own 404 ("接口不存在") or 405.

use crate::common;

use std::collections::BTreeSet;

use reqwest::Method;

/// `/api/v1/users/{id}/password` → `/api/v1/users/{}/password`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// The server's `/api/openapi.json`.
pub(crate) async fn document(server: &common::TestServer) -> serde_json::Value {
    server
        .client
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_route_is_described_and_every_description_has_a_route() {
    let server = common::TestServer::start().await;
    let doc = document(&server).await;
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));

    let table: BTreeSet<(String, String)> =
        dialbox::http::routes::api_routes().into_iter().collect();
    assert!(table.len() >= 40, "the route table is too short: {table:?}");
    let mut described = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            described.insert((method.clone(), shape(path)));
        }
    }
    let undocumented: Vec<_> = table.difference(&described).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi: {undocumented:?}"
    );
    let unrouted: Vec<_> = described.difference(&table).collect();
    assert!(
        unrouted.is_empty(),
        "openapi operations not in the route table: {unrouted:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn every_documented_operation_reaches_a_handler() {
    let server = common::TestServer::start().await;
    let doc = document(&server).await;
    let mut asked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        // a parameter that names nothing: the handler answers 404 or 400, never the router
        let filler = if path.contains("recordingPath") {
            "2025/01/01/none.mp3"
        } else {
            "none"
        };
        let concrete = shape(path).replace("{}", filler);
        for method in ops.as_object().unwrap().keys() {
            if path.starts_with("/ws/") {
                continue; // a socket: its upgrade is tested in ws_mobile and ws_admin
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let resp = server
                .client
                .request(method.clone(), server.url(&concrete))
                .bearer_auth(&server.admin_token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let is_json = resp
                .headers()
                .get("content-type")
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            assert_ne!(status, 405, "{method} {concrete}: {body}");
            if (200..300).contains(&status) && is_json && path.starts_with("/api/v1/") {
                // contract §13.1: the shipped app throws on a success without `data`
                assert!(
                    body.as_object().is_some_and(|o| o.contains_key("data")),
                    "{method} {concrete} succeeded without data: {body}"
                );
            }
            assert!(
                !(status == 404 && body["message"] == "接口不存在"),
                "{method} {concrete} reached no route: {body}"
            );
            asked += 1;
        }
    }
    assert!(asked >= 40, "only {asked} operations asked");
    server.stop().await;
}
