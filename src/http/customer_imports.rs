//! Customer imports over HTTP (issue 15, issue 30): the template, the import itself (skip or
//! update known numbers), the list of past imports and the undo of one.

use serde::Serialize;
use serde_json::json;
use warp::reply::Response;

use super::query::{Query, paged};
use super::reply;
use crate::auth::Caller;
use crate::customers::import::{self, Outcome, Request};
use crate::customers::import_columns::{Column, parse_keys};
use crate::customers::import_undo;
use crate::customers::import_write::Mode;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::times::{iso_ms, iso_opt};

/// GET /api/v1/customers/import/template
///
/// The .xlsx to fill in for an import (issue 15): Chinese column names and an example row.
pub async fn import_template(caller: Caller) -> ApiResult<Response> {
    caller.require_manager()?;
    let bytes = tokio::task::spawn_blocking(crate::customers::sheet::template)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let mut resp = warp::reply::Response::new(bytes.into());
    let headers = resp.headers_mut();
    headers.insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    // 客户导入模板.xlsx, with an ASCII name for old clients
    headers.insert(
        warp::http::header::CONTENT_DISPOSITION,
        warp::http::HeaderValue::from_static(
            "attachment; filename=\"customer-template.xlsx\"; filename*=UTF-8''%E5%AE%A2%E6%88%B7%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx",
        ),
    );
    Ok(resp)
}

/// POST /api/v1/customers/import
pub async fn import_csv(
    state: State,
    caller: Caller,
    q: Query,
    bytes: bytes::BytesMut,
) -> ApiResult<Response> {
    let file_name = q.text("fileName").unwrap_or_default();
    crate::limits::name("fileName", &file_name)?;
    let req = Request {
        bytes: bytes.freeze(),
        sheet: q.sheet()?,
        mode: Mode::parse(q.text("mode").as_deref())?,
        file_name,
        columns: q.text("columns").as_deref().map(parse_keys).transpose()?,
    };
    let s = match import::import(&state, &caller, req).await? {
        Outcome::Done(s) => s,
        Outcome::NeedsMapping(m) => {
            let mut body = json!(m);
            body["needsMapping"] = json!(true);
            body["choices"] = json!(
                Column::CHOICES
                    .iter()
                    .map(|(_, key, word)| json!({"key": key, "label": word}))
                    .collect::<Vec<_>>()
            );
            return Ok(reply::ok_with("未找到表头，请确认各列的含义", body));
        }
    };
    Ok(reply::ok_with(
        "导入完成",
        json!({
            "importId": s.import_id,
            "total": s.total,
            "imported": s.imported,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "skipped": s.skipped_count,
            "errors": s.skipped,
            "encoding": s.encoding,
            "batches": s.batches,
            "unmapped": s.unmapped,
            "sheet": s.sheet,
            "sheets": s.sheets,
            "ignoredColumns": s.ignored_columns,
        }),
    ))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ImportView {
    id: String,
    user_id: Option<String>,
    user_name: Option<String>,
    file_name: String,
    mode: String,
    created: i64,
    updated: i64,
    created_at: String,
    undone_at: Option<String>,
    /// Whether 撤销本次导入 still has something to undo.
    can_undo: bool,
}

/// GET /api/v1/customers/imports
///
/// Past imports, newest first (admins and managers): who, which file, what it did, undone or not.
pub async fn list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    caller.require_manager()?;
    let page = q.page()?;
    let (limit, offset) = (page.page_size, page.offset());
    let (rows, total) = state
        .db
        .run(move |c| db::imports::list(c, limit, offset))
        .await?;
    let rows: Vec<ImportView> = rows
        .into_iter()
        .map(|b| ImportView {
            can_undo: b.undone_at.is_none() && b.pending > 0,
            id: b.id,
            user_id: b.user_id,
            user_name: b.user_name,
            file_name: b.file_name,
            mode: b.mode,
            created: b.created,
            updated: b.updated,
            created_at: iso_ms(b.created_at),
            undone_at: iso_opt(b.undone_at),
        })
        .collect();
    Ok(reply::ok(paged(rows, total, page)))
}

/// POST /api/v1/customers/imports/{importId}/undo
///
/// 撤销本次导入: the customers it created go, the ones it updated return to what they were;
/// customers worked on since are kept and listed. Asking again answers `already`.
pub async fn undo(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    crate::limits::name("importId", &id)?;
    let undone = import_undo::undo(&state, &caller, id).await?;
    let message = if undone.already {
        "本次导入已撤销过"
    } else {
        "已撤销本次导入"
    };
    Ok(reply::ok_with(message, undone))
}
