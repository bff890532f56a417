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
/// anything comes in, 413 where a body does, 404 where the path or the body names a record
/// (a body's `customerId` that is not there, or not the caller's, is 404 as a path's `{id}` is).
fn add_common_errors(doc: &mut Value) {
    let error = serde_json::json!({ "$ref": "#/components/responses/Error" });
    let schemas = doc["components"]["schemas"].clone();
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
            let names_record = path.contains('{') || body_names_record(op, &schemas);
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

/// Body fields that name a stored record; an unknown or foreign one is answered 404. (`ownerId`
/// is not here: an owner who does not exist is a bad input, 400.)
const RECORD_REFERENCES: [&str; 4] = ["customerId", "callId", "phoneId", "userId"];

fn body_names_record(op: &Value, schemas: &Value) -> bool {
    let Some(contents) = op["requestBody"]["content"].as_object() else {
        return false;
    };
    contents
        .values()
        .any(|content| schema_has_reference(&content["schema"], schemas, 0))
}

/// Whether a schema (following `$ref` into `components.schemas`, and `allOf`/`oneOf`/`anyOf`)
/// has one of [`RECORD_REFERENCES`] among its properties.
fn schema_has_reference(schema: &Value, schemas: &Value, depth: u8) -> bool {
    if depth > 8 {
        return false;
    }
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        return schema_has_reference(&schemas[name], schemas, depth + 1);
    }
    let named = schema["properties"]
        .as_object()
        .is_some_and(|props| RECORD_REFERENCES.iter().any(|r| props.contains_key(*r)));
    named
        || ["allOf", "oneOf", "anyOf"].iter().any(|k| {
            schema[*k].as_array().is_some_and(|parts| {
                parts
                    .iter()
                    .any(|part| schema_has_reference(part, schemas, depth + 1))
            })
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn documented(method: &str, path: &str) -> Vec<String> {
        let doc = merged();
        let responses = doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} is described"));
        responses.keys().cloned().collect()
    }

    /// The fuzzer sent a `customerId` that is no customer and got an undocumented 404.
    #[test]
    fn a_body_naming_a_record_documents_404() {
        assert!(documented("post", "/api/v1/calls/records").contains(&"404".to_string()));
        assert!(documented("post", "/api/v1/calls/followups").contains(&"404".to_string()));
        // Creating a user names no record that could be missing.
        assert!(!documented("post", "/api/v1/users").contains(&"404".to_string()));
    }
}
