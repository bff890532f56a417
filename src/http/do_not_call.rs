//! 黑名单 over HTTP (issue 16): list, add (a number, or the number of a call the caller sees),
//! import a file, remove. The rules are in `campaigns::dnc`.

use serde::Deserialize;
use serde_json::json;
use warp::reply::Response;

use super::query::{Query, paged};
use super::reply;
use crate::auth::Caller;
use crate::campaigns::dnc;
use crate::customers::phone;
use crate::error::ApiResult;
use crate::state::State;
use crate::times::iso_ms;

/// GET /api/v1/do-not-call
pub async fn list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let page = q.page()?;
    let keyword = q.text("keyword");
    crate::limits::keyword(keyword.as_deref())?;
    let digits = keyword.as_deref().and_then(phone::keyword_digits);
    let (rows, total) = dnc::page(&state, digits, page.page_size, page.offset()).await?;
    let rows: Vec<_> = rows
        .iter()
        .map(|e| {
            json!({
                "phone": phone::shown_to(&caller, &e.phone),
                "reason": e.reason,
                "addedBy": e.added_by,
                "addedByName": e.added_by_name,
                "createdAt": iso_ms(e.created_at),
            })
        })
        .collect();
    Ok(reply::ok(paged(rows, total, page)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddBody {
    phone: Option<String>,
    call_id: Option<String>,
    reason: Option<String>,
}

/// POST /api/v1/do-not-call
pub async fn add(state: State, caller: Caller, b: AddBody) -> ApiResult<Response> {
    let reason = b.reason.unwrap_or_default();
    let (number, added) = dnc::add(&state, &caller, b.phone, b.call_id, reason).await?;
    let message = if added {
        "已加入黑名单"
    } else {
        "该号码已在黑名单中"
    };
    Ok(reply::ok_with(
        message,
        json!({ "phone": phone::shown_to(&caller, &number), "added": added }),
    ))
}

/// DELETE /api/v1/do-not-call/{phone}
pub async fn remove(number: String, state: State, caller: Caller) -> ApiResult<Response> {
    dnc::remove(&state, &caller, number).await?;
    Ok(reply::ok_message("已移出黑名单"))
}

/// POST /api/v1/do-not-call/import
pub async fn import(
    state: State,
    caller: Caller,
    q: Query,
    bytes: bytes::BytesMut,
) -> ApiResult<Response> {
    let sheet = q.sheet()?;
    let out = dnc::import(&state, &caller, bytes.freeze(), sheet).await?;
    Ok(reply::ok_with("导入完成", json!(out)))
}
