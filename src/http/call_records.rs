//! Call records: §5.2 detail, §5.3 mobile list, §5.6 PC list, §5.7 create (inbound calls and
//! calls made by hand), §5.8 update, §5.9 end, §5.10 delete. Visibility per contract §2.

use serde::Deserialize;
use serde_json::Value;
use warp::reply::Response;

use super::call_views::{call_detail, call_view};
use super::query::{Query, paged};
use super::{body, reply};
use crate::auth::{Caller, Scope};
use crate::calls::{dial, machine, notify, pc, store};
use crate::customers::phone;
use crate::db::call_events::Source;
use crate::db::call_lists::CallFilter;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult};
use crate::limits;
use crate::state::State;

/// GET /api/v1/mobile/call/{callId}
pub async fn detail(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let who = caller.clone();
    let (call, customer, follow_ups) = state
        .db
        .run(move |c| {
            let call = pc::visible_call(c, &who, &id)?;
            let customer = match &call.customer_id {
                Some(cid) => Some(db::customers::by_id(c, cid)?),
                None => None,
            };
            let follow_ups = db::follow_ups::by_call(c, &call.id)?;
            Ok::<_, ApiError>((call, customer, follow_ups))
        })
        .await?;
    Ok(reply::ok(call_detail(&caller, call, customer, follow_ups)))
}

const CALL_TYPES: [&str; 2] = ["outbound", "inbound"];
const CALL_STATUSES: [&str; 8] = [
    "connected",
    "missed",
    "busy",
    "rejected",
    "failed",
    "calling",
    "ringing",
    "canceled",
];

async fn list_calls(
    state: &State,
    caller: &Caller,
    scope: Scope,
    filter: CallFilter,
    q: &Query,
) -> ApiResult<Response> {
    let page = q.page()?;
    let (rows, total) = state
        .db
        .run(move |c| db::call_lists::list(c, &scope, &filter, page.page_size, page.offset()))
        .await?;
    let rows: Vec<_> = rows.into_iter().map(|c| call_view(caller, c)).collect();
    Ok(reply::ok(paged(rows, total, page)))
}

/// GET /api/v1/mobile/calls
///
/// The phone app lists its own user's calls (whatever the role): it is that person's phone.
pub async fn mobile_list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let (from, to) = q.time_range(state.config.timezone)?;
    let filter = CallFilter {
        call_type: q.one_of("callType", &CALL_TYPES)?,
        from,
        to,
        whole_days: q.whole_days(),
        ..Default::default()
    };
    let scope = Scope::Own(caller.user_id.clone());
    list_calls(&state, &caller, scope, filter, &q).await
}

/// GET /api/v1/calls/records
pub async fn pc_list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let (from, to) = q.time_range(state.config.timezone)?;
    let keyword = q.text("keyword");
    if keyword.as_ref().is_some_and(|k| k.chars().count() > 64) {
        return Err(ApiError::invalid("keyword 过长"));
    }
    let filter = CallFilter {
        customer_id: q.text("customerId"),
        call_type: q.one_of("callType", &CALL_TYPES)?,
        call_status: q.one_of("callStatus", &CALL_STATUSES)?,
        from,
        to,
        user_id: q.text("userId"),
        department: q.text("department"),
        keyword_digits: keyword.as_deref().and_then(phone::keyword_digits),
        keyword,
        whole_days: q.whole_days(),
    };
    list_calls(&state, &caller, caller.scope(), filter, &q).await
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

fn check_duration(d: Option<i64>) -> ApiResult<()> {
    match d {
        Some(d) if !(0..=7 * 24 * 3600).contains(&d) => Err(ApiError::invalid("duration 超出范围")),
        _ => Ok(()),
    }
}

fn check_notes(notes: &Option<String>) -> ApiResult<()> {
    limits::text("备注", notes.as_deref().unwrap_or_default())
}

/// POST /api/v1/calls/records
///
/// With `endTime`, or a result other than `connected`, the call is recorded ended; a
/// connected call without `endTime` stays open until §5.9 ends it (contract §6).
pub async fn create(state: State, caller: Caller, b: CreateCall) -> ApiResult<Response> {
    let call_type = b.call_type.clone().unwrap_or_else(|| "outbound".into());
    if !CALL_TYPES.contains(&call_type.as_str()) {
        return Err(ApiError::invalid("callType 须为 outbound 或 inbound"));
    }
    let status = b.call_status.clone().unwrap_or_else(|| "connected".into());
    if !machine::END_STATUSES.contains(&status.as_str()) {
        return Err(ApiError::invalid(format!("callStatus 无效: {status}")));
    }
    check_duration(b.duration)?;
    check_notes(&b.notes)?;
    let now = crate::times::now_ms();
    let start = body::time_field("startTime", &b.start_time, state.config.timezone)?.unwrap_or(now);
    let end = body::time_field("endTime", &b.end_time, state.config.timezone)?;
    if end.is_some_and(|e| e < start) {
        return Err(ApiError::invalid("endTime 不能早于 startTime"));
    }
    let mut call = dial::new_call(&caller, now, state.config.timezone);
    call.call_type = call_type;
    call.start_time = start;
    call.notes = b.notes.clone().unwrap_or_default();
    call.call_tags = limits::tags("callTags", b.call_tags.clone().unwrap_or_default())?;
    call.follow_up_required = b.follow_up_required.unwrap_or(false);
    if status == "connected" && end.is_none() {
        call.state = "connected".into();
        call.connected_at = Some(start);
        call.duration = b.duration.unwrap_or(0);
    } else {
        let duration = b
            .duration
            .or(end
                .map(|e| (e - start) / 1000)
                .filter(|_| status == "connected"))
            .unwrap_or(0);
        call.state = "ended".into();
        call.end_time = Some(end.unwrap_or(start + duration * 1000));
        call.duration = duration;
        if status == "connected" {
            call.connected_at = Some(call.end_time.unwrap_or(start) - duration * 1000);
        }
        call.end_status = Some(status);
    }
    let tz = state.config.timezone;
    let call = state
        .db
        .write(move |tx| {
            let (customer_id, name, number) = dial::link_customer(
                tx,
                b.customer_id.as_deref(),
                b.customer_phone.as_deref(),
                b.customer_name.as_deref(),
            )?;
            call.customer_id = customer_id;
            call.customer_name = name;
            call.customer_phone = number;
            store::insert(tx, tz, &call)?;
            db::call_events::insert(tx, &call.id, Source::Pc, "create", &serde_json::json!({}))?;
            Ok::<_, ApiError>(db::calls::by_id(tx, &call.id)?)
        })
        .await?;
    notify::call_state(&state, &call);
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
    check_notes(&b.notes)?;
    let tags = b
        .call_tags
        .map(|t| limits::tags("callTags", t))
        .transpose()?;
    let tz = state.config.timezone;
    let who = caller.clone();
    let call = state
        .db
        .write(move |tx| {
            let call = pc::visible_call(tx, &who, &id)?;
            let mut next = call.clone();
            if let Some(n) = b.notes {
                next.notes = n;
            }
            if let Some(t) = tags {
                next.call_tags = t;
            }
            if let Some(f) = b.follow_up_required {
                next.follow_up_required = f;
            }
            next.updated_at = crate::times::now_ms();
            store::update(tx, tz, &call, &next)?;
            Ok::<_, ApiError>(next)
        })
        .await?;
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
    check_duration(b.duration)?;
    check_notes(&b.notes)?;
    let req = pc::EndRequest {
        end_ms: body::time_field("endTime", &b.end_time, state.config.timezone)?,
        duration: b.duration,
        notes: b.notes,
        follow_up_required: b.follow_up_required,
    };
    let call = pc::end(&state, &caller, id, req).await?;
    Ok(reply::ok(call_view(&caller, call)))
}

/// DELETE /api/v1/calls/records/{id}
///
/// The call's recordings go with it: rows by the foreign key's cascade, files after commit.
pub async fn delete(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let (call, files) = state
        .db
        .write(move |tx| {
            let call = pc::visible_call(tx, &who, &id)?;
            let files = db::calls::recording_paths(tx, &call.id)?;
            store::delete(tx, tz, &call)?;
            Ok::<_, DbError>((call, files))
        })
        .await?;
    crate::recordings::storage::remove_deleted(&state.config, files).await;
    tracing::info!(by = %caller.username, call = %call.id, "call deleted");
    Ok(reply::ok_message(reply::DEFAULT_MESSAGE))
}
