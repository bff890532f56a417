//! Follow-ups over HTTP: §5.1 the app's follow-up after a call, §5.11 list, §5.12 create, and
//! edit / complete / delete and the due counts (issue 14). The rules (contract §7) and the
//! transactions are in `calls::follow_ups` and `calls::follow_up_edit`.

use serde::Deserialize;
use serde_json::{Value, json};
use warp::reply::Response;

use super::call_views::follow_up_view;
use super::query::{Query, paged};
use super::{body, reply};
use crate::auth::Caller;
use crate::calls::follow_up_edit::{self, Due, Edit, Today};
use crate::calls::follow_ups::{self, AfterCall, NewFollowUp, PRIORITIES, STATUSES};
use crate::db::follow_ups::FollowUpFilter;
use crate::error::{ApiError, ApiResult};
use crate::state::State;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallFollowUpBody {
    call_id: String,
    notes: Option<String>,
    tags: Option<Vec<String>>,
    intention: Option<String>,
    follow_up_required: Option<bool>,
    next_follow_up_date: Option<Value>,
    customer_id: Option<String>,
}

/// POST /api/v1/mobile/call/followup
pub async fn call_follow_up(
    state: State,
    caller: Caller,
    b: CallFollowUpBody,
) -> ApiResult<Response> {
    let tz = state.config.timezone;
    let next_follow_up = body::time_field("nextFollowUpDate", &b.next_follow_up_date, tz)?;
    let after = AfterCall {
        call_id: b.call_id,
        notes: b.notes,
        tags: b.tags,
        intention: b.intention,
        follow_up_required: b.follow_up_required,
        next_follow_up,
        customer_id: b.customer_id,
    };
    let synced = follow_ups::after_call(&state, &caller, after).await?;
    Ok(reply::ok_with(
        "跟进记录已保存",
        json!({ "callId": synced.call_id, "customerId": synced.customer_id, "synced": true }),
    ))
}

/// GET /api/v1/calls/followups
pub async fn list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let page = q.page()?;
    let today = Today::at(state.clock.now_ms(), state.config.timezone);
    let filter = follow_up_filter(&state, &q, &today)?;
    let (rows, total) =
        follow_ups::list(&state, &caller, filter, page.page_size, page.offset()).await?;
    let rows: Vec<_> = rows
        .into_iter()
        .map(|f| follow_up_view(f, &today))
        .collect();
    Ok(reply::ok(paged(rows, total, page)))
}

/// §5.11's filters and `due` (the export of 跟进记录 takes the same).
pub fn follow_up_filter(state: &State, q: &Query, today: &Today) -> ApiResult<FollowUpFilter> {
    let (from, to) = q.time_range(state.config.timezone)?;
    // this list has no keyword search; a page that sends one is still held to the lists' rule
    crate::limits::keyword(q.text("keyword").as_deref())?;
    for field in ["customerId", "callId", "userId"] {
        if let Some(id) = q.text(field) {
            crate::limits::id(field, &id)?;
        }
    }
    Ok(FollowUpFilter {
        customer_id: q.text("customerId"),
        call_id: q.text("callId"),
        status: q.one_of("status", &STATUSES)?,
        priority: q.one_of("priority", &PRIORITIES)?,
        user_id: q.text("userId"),
        from,
        to,
        due: match q.text("due") {
            None => None,
            Some(word) => Some(today.bounds(
                Due::parse(&word).ok_or_else(|| ApiError::invalid("due 须为 today 或 overdue"))?,
            )),
        },
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewFollowUpBody {
    call_id: Option<String>,
    customer_id: Option<String>,
    customer_name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    content: String,
    customer_intent: Option<String>,
    call_tags: Option<Vec<String>>,
    /// §5.12 names it `nextFollowUpDate`; §5.11 lists it as `nextFollowUp`, so a page that
    /// sends back what it listed is understood too.
    #[serde(alias = "nextFollowUp")]
    next_follow_up_date: Option<Value>,
    priority: Option<String>,
    status: Option<String>,
}

/// POST /api/v1/calls/followups
pub async fn create(state: State, caller: Caller, b: NewFollowUpBody) -> ApiResult<Response> {
    let tz = state.config.timezone;
    let next_follow_up = body::time_field("nextFollowUpDate", &b.next_follow_up_date, tz)?;
    let new = NewFollowUp {
        call_id: b.call_id,
        customer_id: b.customer_id,
        customer_name: b.customer_name,
        kind: b.kind,
        content: b.content,
        intention: b.customer_intent,
        tags: b.call_tags.unwrap_or_default(),
        next_follow_up,
        priority: b.priority,
        status: b.status,
    };
    let created = follow_ups::create(&state, &caller, new).await?;
    let today = Today::at(state.clock.now_ms(), state.config.timezone);
    Ok(reply::ok(follow_up_view(created, &today)))
}

/// A field that may be absent (`None`) or null (`Some(Null)`): null clears, absent keeps.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditFollowUpBody {
    /// The text without the `标签:` line (the server writes that from the tags).
    content: Option<String>,
    customer_intent: Option<String>,
    call_tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present", alias = "nextFollowUp")]
    next_follow_up_date: Option<Value>,
    priority: Option<String>,
    status: Option<String>,
}

/// PUT /api/v1/calls/followups/{id}
///
/// Edits a follow-up, or completes it (`{"status": "completed"}`); issue 14.
pub async fn update(
    id: String,
    state: State,
    caller: Caller,
    b: EditFollowUpBody,
) -> ApiResult<Response> {
    let tz = state.config.timezone;
    let next_follow_up = match &b.next_follow_up_date {
        None => None,
        Some(v) => Some(body::time_field("nextFollowUpDate", &Some(v.clone()), tz)?),
    };
    let edit = Edit {
        text: b.content,
        intention: b.customer_intent,
        tags: b.call_tags,
        next_follow_up,
        priority: b.priority,
        status: b.status,
    };
    let edited = follow_up_edit::edit(&state, &caller, id, edit).await?;
    let today = Today::at(state.clock.now_ms(), tz);
    Ok(reply::ok_with(
        "跟进记录已更新",
        follow_up_view(edited, &today),
    ))
}

/// DELETE /api/v1/calls/followups/{id}
pub async fn delete(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    follow_up_edit::delete(&state, &caller, id).await?;
    Ok(reply::ok_message("跟进记录已删除"))
}

/// GET /api/v1/calls/followups/due
///
/// How many pending follow-ups are due today and how many are overdue, among those the caller
/// may see (the menu's and 概览's counts, issue 14).
pub async fn due(state: State, caller: Caller) -> ApiResult<Response> {
    let (today, overdue) = follow_up_edit::due_counts(&state, &caller).await?;
    Ok(reply::ok(json!({ "today": today, "overdue": overdue })))
}
