//! Exports over HTTP (issue 15): `GET …/export` makes the file with the list's own filters and
//! answers a one-use link; the raw `GET /api/v1/exports/download/{token}` streams it (warp 0.4
//! has no streaming body), so the browser saves it to disk as any download and the server
//! holds no more of it in memory than a chunk.

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response};
use serde_json::json;
use warp::reply::Response as WarpResponse;

use super::call_records::call_filter;
use super::query::Query;
use super::reply::{self, Body, raw_error};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::exports::{self, Format, Ready};
use crate::state::State;

/// The path prefix of the download links.
pub const DOWNLOAD_PREFIX: &str = "/api/v1/exports/download/";

fn format_of(q: &Query) -> ApiResult<Format> {
    Ok(match q.one_of("format", &Format::NAMES)? {
        Some(name) => Format::parse(&name).unwrap_or(Format::Xlsx),
        None => Format::Xlsx,
    })
}

/// The answer to an export: where to fetch it, under what name, how big.
fn link(
    state: &State,
    caller: &Caller,
    title: &str,
    format: Format,
    file: tempfile::TempPath,
    rows: u64,
) -> ApiResult<WarpResponse> {
    let day = crate::times::local_day(state.clock.now_ms(), state.config.timezone);
    let name = format!("{title}-{}.{}", day.format("%Y%m%d"), format.extension());
    let owner = (caller.user_id.clone(), caller.token_version);
    let now = state.clock.instant();
    let ready = Ready::new(file, name.clone(), format, owner, now)?;
    let bytes = ready.bytes;
    let token = state.exports.put(ready, now);
    Ok(reply::ok(json!({
        "downloadUrl": format!("{DOWNLOAD_PREFIX}{token}"),
        "fileName": name,
        "rows": rows,
        "bytes": bytes,
        "expiresIn": exports::DOWNLOAD_TTL.as_secs(),
    })))
}

/// GET /api/v1/calls/records/export
pub async fn calls(state: State, caller: Caller, q: Query) -> ApiResult<WarpResponse> {
    let format = format_of(&q)?;
    let filter = call_filter(&state, &q)?;
    let (file, rows) = exports::calls::export(&state, &caller, filter, format).await?;
    link(&state, &caller, "通话记录", format, file, rows)
}

/// GET /api/v1/customers/export
pub async fn customers(state: State, caller: Caller, q: Query) -> ApiResult<WarpResponse> {
    let format = format_of(&q)?;
    let filter = super::customers::customer_filter(&q)?;
    let (file, rows) = exports::customers::export(&state, &caller, filter, format).await?;
    link(&state, &caller, "客户", format, file, rows)
}

/// GET /api/v1/calls/followups/export
pub async fn follow_ups(state: State, caller: Caller, q: Query) -> ApiResult<WarpResponse> {
    let format = format_of(&q)?;
    let today =
        crate::calls::follow_up_edit::Today::at(state.clock.now_ms(), state.config.timezone);
    let filter = super::follow_ups::follow_up_filter(&state, &q, &today)?;
    let (file, rows) = exports::follow_ups::export(&state, &caller, filter, format).await?;
    link(&state, &caller, "跟进记录", format, file, rows)
}

/// GET /api/v1/calls/recordings/export
pub async fn recordings(state: State, caller: Caller, q: Query) -> ApiResult<WarpResponse> {
    let format = format_of(&q)?;
    let filter = super::recordings::filter(&state, &q)?;
    let (file, rows) = exports::recordings::export(&state, &caller, filter, format).await?;
    link(&state, &caller, "录音列表", format, file, rows)
}

/// GET /api/v1/calls/statistics/export
///
/// 概览's statistics for the range: per day, per person, per department.
pub async fn statistics(state: State, caller: Caller, q: Query) -> ApiResult<WarpResponse> {
    let format = format_of(&q)?;
    let report = super::call_stats::report_for(&state, &caller, &q).await?;
    let tmp = exports::write::tmp_dir(&state)?;
    let file = tokio::task::spawn_blocking(move || exports::stats::write(&report, format, &tmp))
        .await
        .map_err(ApiError::internal)??;
    let detail = format!("统计（{}）", format.extension());
    exports::write::audited(&state, &caller, "statistics", detail).await?;
    let rows = 0;
    link(&state, &caller, "通话统计", format, file, rows)
}

/// Whether the export's owner still stands (not disabled, tokens not revoked since) and, when
/// the request carries a token, is the one asking.
async fn owner_stands(state: &State, ready: &Ready, req: &Request<Incoming>) -> bool {
    let (owner, version) = ready.owner.clone();
    if let Some(header) = req.headers().get(header::AUTHORIZATION) {
        let token = crate::auth::caller::bearer(header.to_str().ok());
        let asking = match token {
            Some(t) => {
                crate::auth::caller::authenticate(state, t, crate::auth::caller::Accept::Login)
                    .await
            }
            None => return false,
        };
        if asking.map(|c| c.user_id) != Ok(owner.clone()) {
            return false;
        }
    }
    let user = state
        .db
        .run(move |conn| crate::db::users::by_id(conn, &owner))
        .await;
    matches!(user, Ok(u) if !u.disabled && u.token_version == version)
}

/// GET /api/v1/exports/download/{token}
pub async fn download(state: State, req: Request<Incoming>) -> Response<Body> {
    if req.method() != hyper::Method::GET {
        return raw_error(&ApiError::new(ErrorCode::MethodNotAllowed));
    }
    let token = req
        .uri()
        .path()
        .strip_prefix(DOWNLOAD_PREFIX)
        .unwrap_or_default();
    let found = exports::is_token(token)
        .then(|| state.exports.take(token, state.clock.instant()))
        .flatten();
    let gone = || {
        let gone = ApiError::with_message(ErrorCode::NotFound, "下载链接无效或已过期，请重新导出");
        raw_error(&gone)
    };
    let Some(ready) = found else {
        return gone();
    };
    if !owner_stands(&state, &ready, &req).await {
        return gone();
    }
    // opened now; the name goes when `ready` does, the open file when the body is sent
    let Ok(file) = std::fs::File::open(&ready.path) else {
        return gone();
    };
    let encoded =
        percent_encoding::utf8_percent_encode(&ready.name, percent_encoding::NON_ALPHANUMERIC);
    let ascii = format!("export.{}", ready.format.extension());
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut resp = Response::new(super::recording_stream::file_body(file, 0, ready.bytes));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ready.format.content_type()),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(ready.bytes));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
