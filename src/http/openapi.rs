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
    add_common_errors(&mut doc);
    doc
}

/// The errors every operation of a kind can answer, so the fragments need not repeat them (and
/// cannot forget one): 401 wherever a token is read (a wrong, expired or revoked one), 400 where
/// anything comes in, 413 where a body does, 404 where the path names a record.
fn add_common_errors(doc: &mut Value) {
    let error = serde_json::json!({ "$ref": "#/components/responses/Error" });
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, ops) in paths.iter_mut() {
        let Some(ops) = ops.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            let reads_token = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|entry| entry.get("bearer").is_some()));
            let has_body = op.get("requestBody").is_some();
            let has_input = has_body || op.get("parameters").is_some();
            let names_record = path.contains('{');
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut add = |status: &str, when: bool| {
                if when && !responses.contains_key(status) {
                    responses.insert(status.to_string(), error.clone());
                }
            };
            add("401", reads_token);
            add("400", has_input);
            add("413", has_body);
            add("404", names_record);
        }
    }
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
