//! The OpenAPI description stays true: every route named in a handler's doc comment
//! (`/// METHOD /path`) is in `/api/openapi.json` with that method, and every documented
//! operation has a handler.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

fn routes_in_source(dir: &Path, found: &mut BTreeSet<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            routes_in_source(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let Some(rest) = line.trim().strip_prefix("/// ") else {
                    continue;
                };
                let mut words = rest.split_whitespace();
                let (Some(method), Some(route), None) = (words.next(), words.next(), words.next())
                else {
                    continue;
                };
                if ["GET", "POST", "PUT", "DELETE"].contains(&method) && route.starts_with('/') {
                    found.insert((method.to_lowercase(), route.to_string()));
                }
            }
        }
    }
}

#[tokio::test]
async fn every_route_is_described_and_every_description_has_a_route() {
    let server = common::TestServer::start().await;
    let doc: serde_json::Value = server
        .client
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));

    let mut in_source = BTreeSet::new();
    routes_in_source(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut in_source,
    );
    assert!(in_source.len() >= 8, "found too few routes: {in_source:?}");

    let mut described = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            described.insert((method.clone(), path.clone()));
        }
    }
    let undocumented: Vec<_> = in_source.difference(&described).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi: {undocumented:?}"
    );
    let unrouted: Vec<_> = described.difference(&in_source).collect();
    assert!(
        unrouted.is_empty(),
        "openapi operations with no handler: {unrouted:?}"
    );
    server.stop().await;
}
