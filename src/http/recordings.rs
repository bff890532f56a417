//! The recordings API: upload (§4.3), list (§4.4), download link (§4.6), delete (§4.7), stats
//! (§4.8) and the admin's storage view. The stream (§4.5) is a raw route: `recordings::stream`.

use serde::Serialize;
use serde_json::json;
use warp::reply::Response;

use super::query::Query;
use super::upload_form;
use crate::auth::Caller;
use crate::db::{self, recordings::Recording};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::reply;
use crate::recordings::{links, manage, storage, upload};
use crate::state::State;
use crate::times::iso_ms;

/// POST /api/v1/mobile/recording/upload
pub async fn upload_recording(
    state: State,
    caller: Caller,
    declared: Option<u64>,
    form: warp::multipart::FormData,
) -> ApiResult<Response> {
    let limit = state.config.max_upload_bytes + upload_form::FORM_OVERHEAD;
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge));
    }
    // refused before a byte is written when the disk cannot take it and keep its reserve
    if let Err(full) = storage::check_room(&state.config, declared.unwrap_or(0)) {
        if declared.is_some_and(|len| len <= upload_form::REFUSED_READ_LIMIT) {
            upload_form::discard(form).await;
        }
        return Err(full);
    }
    let form = upload_form::read(&state, &caller, form).await?;
    let call_id = form.call_id.clone();
    let stored = upload::upload(&state, &caller, form).await?;
    Ok(stored_answer(&state, &caller, &call_id, &stored))
}

/// What an upload answers (§4.3, and 2.4.0's base64 twin): the document shows no message, so
/// the contract's default; `callId` is DialBox's id of the call the file landed on.
pub fn stored_answer(
    state: &State,
    caller: &Caller,
    call_id: &str,
    stored: &upload::Stored,
) -> Response {
    reply::ok(json!({
        "callId": call_id,
        "recordingUrl": links::signed_url(state, caller, &stored.id, &stored.rel_path, false),
        "fileSize": stored.size,
        "id": stored.id,
        "fileName": stored.file_name,
        "filePath": links::file_path(&stored.rel_path),
        "duration": stored.duration,
        "format": stored.format.as_str(),
    }))
}

/// A recording as §4.4 shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordingView {
    id: String,
    call_id: String,
    customer_name: String,
    customer_phone: String,
    user_name: String,
    file_name: String,
    file_path: String,
    file_url: String,
    file_size: i64,
    duration: i64,
    format: String,
    storage_type: String,
    created_at: String,
    /// No file was found for this row (the reconcile marked it).
    file_missing: bool,
}

fn view(state: &State, caller: &Caller, rec: Recording) -> RecordingView {
    let customer_phone = crate::customers::phone::shown_to(caller, &rec.customer_phone);
    RecordingView {
        file_url: links::signed_url(state, caller, &rec.id, &rec.rel_path, false),
        file_path: links::file_path(&rec.rel_path),
        id: rec.id,
        call_id: rec.call_id,
        customer_name: rec.customer_name,
        customer_phone,
        user_name: rec.user_name,
        file_name: rec.file_name,
        file_size: rec.file_size,
        duration: rec.duration,
        format: rec.format,
        storage_type: rec.storage_type,
        file_missing: rec.file_missing,
        created_at: iso_ms(rec.created_at),
    }
}

/// §4.4's filters; dates as contract §10 reads them (the export of 录音 takes the same).
pub fn filter(state: &State, query: &Query) -> ApiResult<db::recordings::Filter> {
    let (start, end) = query.time_range(state.config.timezone)?;
    let keyword = query.text("keyword");
    crate::limits::keyword(keyword.as_deref())?;
    Ok(db::recordings::Filter {
        call_id: query.text("callId"),
        customer_id: query.text("customerId"),
        user_id: query.text("userId"),
        keyword_digits: keyword
            .as_deref()
            .and_then(crate::customers::phone::keyword_digits),
        keyword,
        start,
        end,
    })
}

/// GET /api/v1/calls/recordings
pub async fn list(state: State, caller: Caller, query: Query) -> ApiResult<Response> {
    let page = query.page()?;
    let (number, size) = (page.page as u32, page.page_size as u32);
    let filter = filter(&state, &query)?;
    let keyword = filter.keyword.is_some();
    let (rows, total) = manage::list(&state, &caller, filter, number, size).await?;
    let recordings: Vec<RecordingView> = rows
        .into_iter()
        .map(|rec| view(&state, &caller, rec))
        .collect();
    let (total, capped) = crate::db::capped_total(total, keyword);
    let mut answer = json!({
        "recordings": recordings,
        "total": total,
        "page": page.page,
        "pageSize": page.page_size,
    });
    if capped {
        answer["totalCapped"] = json!(true);
    }
    Ok(reply::ok(answer))
}

/// GET /api/v1/calls/recordings/{id}/download
pub async fn download(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let rec = manage::download(&state, &caller, id).await?;
    let names = links::download_names(&rec, state.config.timezone);
    Ok(reply::ok(json!({
        "url": links::signed_url(&state, &caller, &rec.id, &rec.rel_path, true),
        "filename": names.utf8,
    })))
}

/// DELETE /api/v1/calls/recordings/{id}
pub async fn delete(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    manage::delete(&state, &caller, id).await?;
    Ok(reply::ok_message("录音删除成功"))
}

/// GET /api/v1/calls/recordings/stats
pub async fn stats(state: State, caller: Caller) -> ApiResult<Response> {
    let counts = manage::counts(&state, &caller).await?;
    Ok(reply::ok(json!({
        "totalCount": counts.count,
        "totalSize": counts.bytes,
        "todayCount": counts.today_count,
        "todaySize": counts.today_bytes,
    })))
}

/// GET /api/v1/system/storage
pub async fn storage_view(state: State, caller: Caller) -> ApiResult<Response> {
    let s = manage::storage(&state, &caller).await?;
    Ok(reply::ok(json!({
        "diskFree": s.disk_free,
        "diskTotal": s.disk_total,
        "recordingCount": s.count,
        "recordingBytes": s.bytes,
        "missingFiles": s.missing,
        "orphanedFiles": s.orphaned.0,
        "orphanedBytes": s.orphaned.1,
        "maxAgeDays": state.settings.get().recording_max_age_days,
        "maxBytes": state.settings.get().recording_max_bytes,
    })))
}
