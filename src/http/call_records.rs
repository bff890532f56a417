//! Call records: §5.2 detail, §5.3 mobile list, §5.6 PC list, §5.7 create (inbound calls and
//! calls made by hand), §5.8 update, §5.9 end, §5.10 delete, over HTTP; the rules are in
//! `calls::records` and `calls::cancel_and_end`.

use serde::Deserialize;
use serde_json::Value;
use warp::reply::Response;

use super::call_views::{call_detail, call_view, phone_call_view};
use super::query::{Query, paged};
use super::{body, reply};
use crate::auth::{Caller, Scope};
use crate::calls::cancel_and_end;
use crate::calls::records::{self, CALL_STATUSES, CALL_TYPES, Edit, NewRecord};
use crate::customers::phone;
use crate::db::call_lists::CallFilter;
use crate::error::ApiResult;
use crate::state::State;

/// GET /api/v1/mobile/call/{callId}
pub async fn detail(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let (call, customer, follow_ups) = records::detail(&state, &caller, id).await?;
    Ok(reply::ok(call_detail(
        &state, &caller, call, customer, follow_ups,
    )))
}

/// GET /api/v1/mobile/calls
///
/// The phone app lists its own user's calls (whatever the role): it is that person's phone,
/// so the numbers are whole and the recording URLs signed (contract §13.1). Its 未接 tab is
/// `callStatus=missed`.
pub async fn mobile_list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let page = q.page()?;
    let (from, to) = q.time_range(state.config.timezone)?;
    let filter = CallFilter {
        call_type: q.one_of("callType", &CALL_TYPES)?,
        call_status: q.one_of("callStatus", &CALL_STATUSES)?,
        from,
        to,
        whole_days: q.whole_days(),
        ..Default::default()
    };
    let scope = Scope::Own(caller.user_id.clone());
    let (rows, total) = records::list(&state, scope, filter, page.page_size, page.offset()).await?;
    let rows: Vec<_> = rows
        .into_iter()
        .map(|c| phone_call_view(&state, &caller, c))
        .collect();
    Ok(reply::ok(paged(rows, total, page)))
}

/// GET /api/v1/calls/records
pub async fn pc_list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let filter = call_filter(&state, &q)?;
    let keyword = filter.keyword.is_some();
    let page = q.page()?;
    let (rows, total) = records::list(
        &state,
        caller.scope(),
        filter,
        page.page_size,
        page.offset(),
    )
    .await?;
    let rows: Vec<_> = rows.into_iter().map(|c| call_view(&caller, c)).collect();
    Ok(reply::ok(paged(rows, total, page).searched(keyword)))
}

/// §5.6's filters (the export of 通话记录 takes the same).
pub fn call_filter(state: &State, q: &Query) -> ApiResult<CallFilter> {
    let (from, to) = q.time_range(state.config.timezone)?;
    let keyword = q.text("keyword");
    crate::limits::keyword(keyword.as_deref())?;
    Ok(CallFilter {
        customer_id: q.text("customerId"),
        call_type: q.one_of("callType", &CALL_TYPES)?,
        call_status: q.one_of("callStatus", &CALL_STATUSES)?,
        from,
        to,
        user_id: q.text("userId"),
        department: q.text("department"),
        keyword_digits: keyword.as_deref().and_then(phone::keyword_digits),
        keyword,
        not_called_back: q.one_of("notCalledBack", &["true", "false"])?.as_deref() == Some("true"),
        whole_days: q.whole_days(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCall {
    customer_id: Option<String>,
    customer_name: Option<String>,
    customer_phone: Option<String>,
    call_type: Option<String>,
    call_status: Option<String>,
    start_time: Option<Value>,
    end_time: Option<Value>,
    duration: Option<i64>,
    notes: Option<String>,
    call_tags: Option<Vec<String>>,
    follow_up_required: Option<bool>,
}

/// POST /api/v1/calls/records
pub async fn create(state: State, caller: Caller, b: CreateCall) -> ApiResult<Response> {
    let tz = state.config.timezone;
    let record = NewRecord {
        start_time: body::time_field("startTime", &b.start_time, tz)?,
        end_time: body::time_field("endTime", &b.end_time, tz)?,
        customer_id: b.customer_id,
        customer_name: b.customer_name,
        customer_phone: b.customer_phone,
        call_type: b.call_type,
        call_status: b.call_status,
        duration: b.duration,
        notes: b.notes,
        call_tags: b.call_tags.unwrap_or_default(),
        follow_up_required: b.follow_up_required,
    };
    let call = records::create(&state, &caller, record).await?;
    Ok(reply::ok_with("通话记录创建成功", call_view(&caller, call)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateCall {
    notes: Option<String>,
    call_tags: Option<Vec<String>>,
    follow_up_required: Option<bool>,
}

/// PUT /api/v1/calls/records/{id}
pub async fn update(
    id: String,
    state: State,
    caller: Caller,
    b: UpdateCall,
) -> ApiResult<Response> {
    let edit = Edit {
        notes: b.notes,
        call_tags: b.call_tags,
        follow_up_required: b.follow_up_required,
    };
    let call = records::edit(&state, &caller, id, edit).await?;
    Ok(reply::ok(call_view(&caller, call)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndCall {
    end_time: Option<Value>,
    duration: Option<i64>,
    notes: Option<String>,
    follow_up_required: Option<bool>,
}

/// PUT /api/v1/calls/records/{id}/end
pub async fn end(id: String, state: State, caller: Caller, b: EndCall) -> ApiResult<Response> {
    records::check_duration(b.duration)?;
    records::check_notes(&b.notes)?;
    let req = cancel_and_end::EndRequest {
        end_ms: body::time_field("endTime", &b.end_time, state.config.timezone)?,
        duration: b.duration,
        notes: b.notes,
        follow_up_required: b.follow_up_required,
    };
    let call = cancel_and_end::end(&state, &caller, id, req).await?;
    Ok(reply::ok(call_view(&caller, call)))
}

/// DELETE /api/v1/calls/records/{id}
pub async fn delete(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    records::delete(&state, &caller, id).await?;
    Ok(reply::ok_message(reply::DEFAULT_MESSAGE))
}
