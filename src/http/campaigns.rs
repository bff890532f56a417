//! 外呼任务 over HTTP (issue 16): lists, their numbers (by hand, from customers, from a file),
//! assignment and callbacks. The rules are in `campaigns`; the power dialer's routes are in
//! `http::dialer`.

use serde::Deserialize;
use serde_json::{Value, json};
use warp::reply::Response;

use super::query::{Query, paged};
use super::{body, reply};
use crate::auth::Caller;
use crate::calls::pacing::PacingForm;
use crate::campaigns::assign::{self, Assign, From};
use crate::campaigns::items::{self, Line};
use crate::campaigns::{self, Change, Overview};
use crate::customers::phone;
use crate::db::campaign_items::Item;
use crate::db::campaigns::Progress;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::states::dialer::Queue;
use crate::times::{iso_ms, iso_opt};

/// The numbers a person (or a whole list) has, with the connect rate in percent.
fn counts(p: &Progress) -> Value {
    let rate = if p.dialed > 0 {
        (p.connected as f64 * 1000.0 / p.dialed as f64).round() / 10.0
    } else {
        0.0
    };
    json!({
        "total": p.total, "dialed": p.dialed, "connected": p.connected,
        "connectRate": rate, "remaining": p.remaining, "callbacks": p.callbacks,
    })
}

pub(super) fn campaign_view(o: &Overview) -> Value {
    let c = &o.campaign;
    let mut sum = Progress::default();
    let people: Vec<Value> = o
        .progress
        .iter()
        .map(|p| {
            sum.total += p.total;
            sum.dialed += p.dialed;
            sum.connected += p.connected;
            sum.remaining += p.remaining;
            sum.callbacks += p.callbacks;
            let session = o
                .sessions
                .iter()
                .find(|s| Some(&s.user_id) == p.assignee_id.as_ref());
            let mut v = counts(p);
            v["userId"] = json!(p.assignee_id);
            v["userName"] = json!(p.assignee_name);
            v["sessionStatus"] = json!(session.map(|s| s.status));
            v
        })
        .collect();
    json!({
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "ownerId": c.owner_id,
        "ownerName": c.owner_name,
        "department": c.department,
        "wrapUpSeconds": c.wrap_up_ms / 1000,
        "retryDelaySeconds": c.retry_delay_ms / 1000,
        "maxAttempts": c.max_attempts,
        "pacing": campaigns::own_pacing_form(c),
        "progress": counts(&sum),
        "people": people,
        "createdAt": iso_ms(c.created_at),
        "updatedAt": iso_ms(c.updated_at),
    })
}

pub(super) fn item_view(caller: &Caller, i: &Item) -> Value {
    json!({
        "id": i.id,
        "campaignId": i.campaign_id,
        "position": i.position,
        "phone": phone::shown_to(caller, &i.phone),
        "customerId": i.customer_id,
        "name": i.name,
        "note": i.note,
        "assigneeId": i.assignee_id,
        "assigneeName": i.assignee_name,
        "queue": i.queue,
        "outcome": i.outcome,
        "attempts": i.attempts,
        "lastCallId": i.last_call_id,
        "dueAt": (i.due_at > 0).then(|| iso_ms(i.due_at)),
        "updatedAt": iso_ms(i.updated_at),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemBody {
    phone: String,
    name: Option<String>,
    note: Option<String>,
    customer_id: Option<String>,
}

fn lines(items: Vec<ItemBody>) -> Vec<Line> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, b)| Line {
            row: i + 1,
            phone: b.phone,
            name: b.name.unwrap_or_default(),
            note: b.note.unwrap_or_default(),
            customer_id: b.customer_id,
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CampaignBody {
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    description: Option<String>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    wrap_up_seconds: Option<i64>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    retry_delay_seconds: Option<i64>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    max_attempts: Option<i64>,
    #[serde(default, deserialize_with = "body::nullable")]
    pacing: Option<Option<PacingForm>>,
    /// Numbers to add at once (create only).
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    items: Option<Vec<ItemBody>>,
}

fn change(b: &mut CampaignBody) -> Change {
    Change {
        name: b.name.take(),
        description: b.description.take(),
        wrap_up_secs: b.wrap_up_seconds,
        retry_delay_secs: b.retry_delay_seconds,
        max_attempts: b.max_attempts,
        pacing: b.pacing.take(),
    }
}

/// GET /api/v1/campaigns
pub async fn list(state: State, caller: Caller) -> ApiResult<Response> {
    let all = campaigns::list(&state, &caller).await?;
    let rows: Vec<Value> = all.iter().map(campaign_view).collect();
    Ok(reply::ok(json!({ "records": rows, "total": rows.len() })))
}

/// POST /api/v1/campaigns
pub async fn create(state: State, caller: Caller, mut b: CampaignBody) -> ApiResult<Response> {
    let items = b.items.take();
    let c = campaigns::create(&state, &caller, change(&mut b)).await?;
    let added = match items {
        Some(items) if !items.is_empty() => {
            Some(items::add(&state, &caller, c.id.clone(), lines(items)).await?)
        }
        _ => None,
    };
    let o = campaigns::detail(&state, &caller, c.id).await?;
    let mut v = campaign_view(&o);
    v["added"] = json!(added);
    Ok(reply::ok_with("外呼任务已创建", v))
}

/// GET /api/v1/campaigns/{id}
pub async fn detail(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let o = campaigns::detail(&state, &caller, id).await?;
    Ok(reply::ok(campaign_view(&o)))
}

/// PUT /api/v1/campaigns/{id}
pub async fn update(
    id: String,
    state: State,
    caller: Caller,
    mut b: CampaignBody,
) -> ApiResult<Response> {
    if b.items.is_some() {
        return Err(ApiError::invalid_field(
            "items",
            "添加号码请用 POST /api/v1/campaigns/{id}/items",
        ));
    }
    let c = campaigns::update(&state, &caller, id, change(&mut b)).await?;
    let o = campaigns::detail(&state, &caller, c.id).await?;
    Ok(reply::ok_with("外呼任务已保存", campaign_view(&o)))
}

/// DELETE /api/v1/campaigns/{id}
pub async fn delete(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    campaigns::delete(&state, &caller, id).await?;
    Ok(reply::ok_message("外呼任务已删除"))
}

/// GET /api/v1/campaigns/{id}/items
pub async fn item_list(id: String, state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let page = q.page()?;
    let queues: Vec<&str> = Queue::ALL.iter().map(|q| q.as_str()).collect();
    let queue = q.one_of("queue", &queues)?.and_then(|w| Queue::parse(&w));
    let (rows, total) = assign::page(
        &state,
        &caller,
        id,
        q.text("assigneeId"),
        queue,
        page.page_size,
        page.offset(),
    )
    .await?;
    let rows: Vec<Value> = rows.iter().map(|i| item_view(&caller, i)).collect();
    Ok(reply::ok(paged(rows, total, page)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemsBody {
    items: Vec<ItemBody>,
}

/// POST /api/v1/campaigns/{id}/items
pub async fn add_items(
    id: String,
    state: State,
    caller: Caller,
    b: ItemsBody,
) -> ApiResult<Response> {
    if b.items.is_empty() {
        return Err(ApiError::invalid_field("items", "请至少添加一个号码"));
    }
    let added = items::add(&state, &caller, id, lines(b.items)).await?;
    Ok(reply::ok_with("号码已添加", json!(added)))
}

/// POST /api/v1/campaigns/{id}/items/from-customers
pub async fn add_customers(
    id: String,
    state: State,
    caller: Caller,
    q: Query,
) -> ApiResult<Response> {
    let filter = super::customers::customer_filter(&q)?;
    let added = items::from_customers(&state, &caller, id, filter).await?;
    Ok(reply::ok_with("号码已添加", json!(added)))
}

/// POST /api/v1/campaigns/{id}/import
pub async fn import(
    id: String,
    state: State,
    caller: Caller,
    q: Query,
    bytes: bytes::BytesMut,
) -> ApiResult<Response> {
    let sheet = q.sheet()?;
    let added = items::import(&state, &caller, id, bytes.freeze(), sheet).await?;
    Ok(reply::ok_with("导入完成", json!(added)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignBody {
    /// `even` (round-robin), `count` (`counts` per person) or `items` (`itemIds` to `userId`).
    mode: String,
    user_ids: Option<Vec<String>>,
    counts: Option<std::collections::BTreeMap<String, usize>>,
    user_id: Option<String>,
    item_ids: Option<Vec<i64>>,
    /// Which open numbers: `unassigned` (default), `all` (reassign every open number), or a
    /// user id (what that person has left).
    from: Option<String>,
}

/// POST /api/v1/campaigns/{id}/assign
pub async fn assign(
    id: String,
    state: State,
    caller: Caller,
    b: AssignBody,
) -> ApiResult<Response> {
    let how = match b.mode.as_str() {
        "even" => Assign::Even(b.user_ids.unwrap_or_default()),
        "count" => Assign::Counts(b.counts.unwrap_or_default().into_iter().collect()),
        "items" => Assign::Items(
            b.user_id
                .ok_or_else(|| ApiError::invalid_field("userId", "缺少 userId"))?,
            b.item_ids
                .ok_or_else(|| ApiError::invalid_field("itemIds", "缺少 itemIds"))?,
        ),
        other => {
            return Err(ApiError::invalid_field(
                "mode",
                format!("mode 无效: {other}（可选 even/count/items）"),
            ));
        }
    };
    let from = match b.from.as_deref().map(str::trim) {
        None | Some("") | Some("unassigned") => From::Unassigned,
        Some("all") => From::AllOpen,
        Some(user) => From::Person(user.to_string()),
    };
    let n = assign::assign(&state, &caller, id, how, from).await?;
    Ok(reply::ok_with("分配完成", json!({ "assigned": n })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallbackBody {
    at: Value,
}

/// POST /api/v1/campaigns/items/{itemId}/callback
pub async fn callback(
    item: String,
    state: State,
    caller: Caller,
    b: CallbackBody,
) -> ApiResult<Response> {
    let id: i64 = item
        .parse()
        .map_err(|_| ApiError::with_message(crate::error::ErrorCode::NotFound, "号码不存在"))?;
    let at = body::time_field("at", &Some(b.at), state.config.timezone)?
        .ok_or_else(|| ApiError::invalid_field("at", "缺少再联系时间"))?;
    assign::callback(&state, &caller, id, at).await?;
    Ok(reply::ok_with(
        "已设置再联系",
        json!({ "itemId": id, "dueAt": iso_opt(Some(at)) }),
    ))
}
