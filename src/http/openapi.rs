//! `GET /api/openapi.json`: the OpenAPI 3 description of every route. It lives in
//! `assets/openapi/*.json`, one file per resource, merged in name order (`00-base.json` first);
//! `tests/openapi.rs` fails when a route's doc comment names a path the description lacks.

use std::sync::OnceLock;

use rust_embed::RustEmbed;
use serde_json::Value;
use warp::reply::Response;

use crate::error::ApiResult;
use warp::Reply;

#[derive(RustEmbed)]
#[folder = "assets/openapi/"]
struct Fragments;

/// GET /api/openapi.json
pub async fn document() -> ApiResult<Response> {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| merged().to_string());
    Ok(warp::reply::with_header(doc.as_str(), "content-type", "application/json").into_response())
}

/// The fragments merged: objects merge key by key, anything else is replaced.
pub fn merged() -> Value {
    let mut names: Vec<_> = Fragments::iter().collect();
    names.sort();
    let mut doc = Value::Object(Default::default());
    for name in names {
        let file = Fragments::get(&name).expect("listed fragment exists");
        let fragment: Value = serde_json::from_slice(&file.data)
            .unwrap_or_else(|e| panic!("assets/openapi/{name} is not JSON: {e}"));
        merge(&mut doc, fragment);
    }
    doc
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}
