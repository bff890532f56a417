//! Follow-ups: §5.1 the app's follow-up after a call, synced in one transaction to the call,
//! a new follow-up and the customer (contract §7); §5.11 list; §5.12 create.

use serde::Deserialize;
use serde_json::{Value, json};
use warp::reply::Response;

use super::call_views::follow_up_view;
use super::query::{Query, paged};
use super::{body, reply};
use crate::auth::Caller;
use crate::calls::pc::visible_call;
use crate::db::call_events::Source;
use crate::db::follow_ups::{FollowUp, FollowUpFilter};
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits;
use crate::state::State;

const INTENTIONS: [&str; 4] = ["high", "medium", "low", "none"];
const PRIORITIES: [&str; 3] = ["high", "medium", "low"];
const STATUSES: [&str; 2] = ["pending", "completed"];

fn one_of(name: &str, value: &Option<String>, allowed: &[&str]) -> ApiResult<()> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::invalid(format!(
            "{name} 无效: {v}（可选 {}）",
            allowed.join("/")
        ))),
        _ => Ok(()),
    }
}

fn check_text(name: &str, value: &Option<String>) -> ApiResult<()> {
    limits::text(name, value.as_deref().unwrap_or_default())
}

/// Contract §7: the customer's follow status for an intention.
pub fn follow_status_for(intention: &str) -> &'static str {
    match intention {
        "high" => "interested",
        "medium" => "considering",
        "low" => "hesitant",
        _ => "not_interested",
    }
}

/// Contract §7 (the §5.2 example): the notes, then `标签: a, b` when there are tags.
pub fn follow_up_content(notes: &str, tags: &[String]) -> String {
    let notes = notes.trim_end();
    match (notes.is_empty(), tags.is_empty()) {
        (_, true) => notes.to_string(),
        (true, false) => format!("标签: {}", tags.join(", ")),
        (false, false) => format!("{notes}\n标签: {}", tags.join(", ")),
    }
}

/// A follow-up always says something: with neither notes nor tags, the call's result.
fn content_or_result(content: String, call: &crate::db::calls::Call) -> String {
    if !content.is_empty() {
        return content;
    }
    let word = match call.call_status() {
        "calling" => "呼叫中",
        "ringing" => "振铃",
        "connected" => "已接通",
        "missed" => "未接听",
        "busy" => "对方忙线",
        "rejected" => "对方拒接",
        "canceled" => "已取消",
        _ => "呼叫失败",
    };
    format!("通话结果：{word}")
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallFollowUp {
    call_id: String,
    notes: Option<String>,
    tags: Option<Vec<String>>,
    intention: Option<String>,
    follow_up_required: Option<bool>,
    next_follow_up_date: Option<Value>,
    customer_id: Option<String>,
}

/// A customer id that must exist, else NOT_FOUND (contract §1: an unknown id is 404).
fn existing_customer(conn: &rusqlite::Connection, id: &str) -> ApiResult<db::customers::Customer> {
    match db::customers::by_id(conn, id) {
        Err(DbError::NotFound) => Err(ApiError::with_message(ErrorCode::NotFound, "客户不存在")),
        other => Ok(other?),
    }
}

/// POST /api/v1/mobile/call/followup
pub async fn call_follow_up(state: State, caller: Caller, b: CallFollowUp) -> ApiResult<Response> {
    one_of("intention", &b.intention, &INTENTIONS)?;
    check_text("notes", &b.notes)?;
    let tags = limits::tags("tags", b.tags.clone().unwrap_or_default())?;
    let tz = state.config.timezone;
    let next = body::time_field("nextFollowUpDate", &b.next_follow_up_date, tz)?;
    let who = caller.clone();
    let (call_id, customer_id) = state
        .db
        .write(move |tx| {
            let call = visible_call(tx, &who, b.call_id.trim())?;
            let customer = match b.customer_id.as_deref().or(call.customer_id.as_deref()) {
                Some(id) => Some(existing_customer(tx, id)?),
                None => None,
            };
            let now = crate::times::now_ms();
            // 1. the call: notes and tags (and the customer, when it had none)
            let mut next_call = call.clone();
            if let Some(notes) = &b.notes {
                next_call.notes = notes.clone();
            }
            if b.tags.is_some() {
                next_call.call_tags = tags.clone();
            }
            if let Some(f) = b.follow_up_required {
                next_call.follow_up_required = f;
            }
            if let (None, Some(c)) = (&call.customer_id, &customer) {
                next_call.customer_id = Some(c.id.clone());
                next_call.customer_name = c.name.clone();
            }
            next_call.updated_at = now;
            crate::calls::store::update(tx, tz, &call, &next_call)?;
            // 2. a new follow-up
            let intention = b.intention.clone();
            db::follow_ups::insert(
                tx,
                &FollowUp {
                    id: crate::ids::follow_up_id(),
                    call_id: Some(call.id.clone()),
                    customer_id: customer.as_ref().map(|c| c.id.clone()),
                    customer_name: customer
                        .as_ref()
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| call.customer_name.clone()),
                    user_id: who.user_id.clone(),
                    user_name: who.real_name.clone(),
                    kind: "call".into(),
                    content: content_or_result(
                        follow_up_content(b.notes.as_deref().unwrap_or(""), &tags),
                        &call,
                    ),
                    priority: match intention.as_deref() {
                        Some("none") => "low".into(),
                        Some(i) => i.into(),
                        None => "medium".into(),
                    },
                    intention,
                    call_tags: tags.clone(),
                    next_follow_up: next,
                    status: if b.follow_up_required.unwrap_or(false) {
                        "pending".into()
                    } else {
                        "completed".into()
                    },
                    created_at: now,
                },
            )?;
            db::call_events::insert(tx, &call.id, Source::FollowUp, "followup", &json!({}))?;
            // 3. the customer: tags (union), follow status, last contact, next follow time
            if let Some(c) = &customer {
                let mut all = c.tags.clone();
                all.extend(tags.iter().filter(|t| !c.tags.contains(t)).cloned());
                db::customers::record_follow_up(
                    tx,
                    &c.id,
                    &all,
                    b.intention.as_deref().map(follow_status_for),
                    call.end_time.unwrap_or(now),
                    next,
                )?;
            }
            Ok::<_, ApiError>((call.id, customer.map(|c| c.id)))
        })
        .await?;
    Ok(reply::ok_with(
        "跟进记录已保存",
        json!({ "callId": call_id, "customerId": customer_id, "synced": true }),
    ))
}

/// GET /api/v1/calls/followups
pub async fn list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let page = q.page()?;
    let (from, to) = q.time_range(state.config.timezone)?;
    let filter = FollowUpFilter {
        customer_id: q.text("customerId"),
        call_id: q.text("callId"),
        status: q.one_of("status", &STATUSES)?,
        priority: q.one_of("priority", &PRIORITIES)?,
        user_id: q.text("userId"),
        from,
        to,
    };
    let scope = caller.scope();
    let (rows, total) = state
        .db
        .run(move |c| db::follow_ups::list(c, &scope, &filter, page.page_size, page.offset()))
        .await?;
    let rows: Vec<_> = rows.into_iter().map(follow_up_view).collect();
    Ok(reply::ok(paged(rows, total, page)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewFollowUp {
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
pub async fn create(state: State, caller: Caller, b: NewFollowUp) -> ApiResult<Response> {
    one_of("customerIntent", &b.customer_intent, &INTENTIONS)?;
    one_of("priority", &b.priority, &PRIORITIES)?;
    one_of("status", &b.status, &STATUSES)?;
    check_text("content", &Some(b.content.clone()))?;
    let kind = b.kind.clone().unwrap_or_else(|| "call".into());
    if kind.trim().is_empty() || kind.chars().count() > 32 {
        return Err(ApiError::invalid("type 无效"));
    }
    if b.content.trim().is_empty() {
        return Err(ApiError::invalid("content 不能为空"));
    }
    let tags = limits::tags("callTags", b.call_tags.clone().unwrap_or_default())?;
    let next = body::time_field(
        "nextFollowUpDate",
        &b.next_follow_up_date,
        state.config.timezone,
    )?;
    let who = caller.clone();
    let created = state
        .db
        .write(move |tx| {
            let call = match &b.call_id {
                Some(id) => Some(visible_call(tx, &who, id)?),
                None => None,
            };
            let customer_id = b
                .customer_id
                .clone()
                .or_else(|| call.as_ref().and_then(|c| c.customer_id.clone()));
            let customer = match &customer_id {
                Some(id) => Some(existing_customer(tx, id)?),
                None => None,
            };
            let name = b
                .customer_name
                .clone()
                .or_else(|| customer.as_ref().map(|c| c.name.clone()))
                .or_else(|| call.as_ref().map(|c| c.customer_name.clone()))
                .unwrap_or_default();
            let f = FollowUp {
                id: crate::ids::follow_up_id(),
                call_id: call.map(|c| c.id),
                customer_id,
                customer_name: name,
                user_id: who.user_id.clone(),
                user_name: who.real_name.clone(),
                kind,
                content: b.content,
                intention: b.customer_intent,
                call_tags: tags,
                next_follow_up: next,
                priority: b.priority.unwrap_or_else(|| "medium".into()),
                status: b.status.unwrap_or_else(|| "pending".into()),
                created_at: crate::times::now_ms(),
            };
            db::follow_ups::insert(tx, &f)?;
            Ok::<_, ApiError>(db::follow_ups::by_id(tx, &f.id)?)
        })
        .await?;
    Ok(reply::ok(follow_up_view(created)))
}
