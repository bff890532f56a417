//! Click-to-dial from the PC page: §5.0 `POST /api/v1/calls/outbound` and the cancel of
//! contract §11 (the rules live in `calls::dial` and `calls::cancel_and_end`).

use serde::Deserialize;
use serde_json::json;
use warp::reply::Response;

use super::call_views::call_view;
use super::query::Query;
use super::reply;
use crate::auth::Caller;
use crate::calls::{cancel_and_end, dial, whose_phone};
use crate::error::ApiResult;
use crate::limits;
use crate::phones::PhoneView;
use crate::state::State;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Outbound {
    customer_id: Option<String>,
    customer_phone: Option<String>,
    customer_name: Option<String>,
    notes: Option<String>,
    phone_id: Option<i64>,
    user_id: Option<String>,
    order_id: Option<String>,
    /// 回拨: the call (one the caller may see) whose number to call, on its salesperson's phone
    /// unless `userId`/`phoneId` say otherwise (issue 29: sales staff see numbers masked).
    callback_of: Option<String>,
    /// 免打扰时段，仍要拨打？ confirmed (issue 30, item 6).
    confirm_quiet_hours: Option<bool>,
}

/// POST /api/v1/calls/outbound
pub async fn outbound(state: State, caller: Caller, b: Outbound) -> ApiResult<Response> {
    limits::text("notes", b.notes.as_deref().unwrap_or_default())?;
    limits::name("orderId", b.order_id.as_deref().unwrap_or_default())?;
    limits::name("userId", b.user_id.as_deref().unwrap_or_default())?;
    let mut req = dial::DialRequest {
        customer_id: b.customer_id,
        customer_phone: b.customer_phone,
        customer_name: b.customer_name,
        notes: b.notes,
        phone_id: b.phone_id,
        user_id: b.user_id,
        order_id: b.order_id,
        confirm_quiet_hours: b.confirm_quiet_hours.unwrap_or(false),
    };
    if let Some(id) = b.callback_of {
        limits::name("callbackOf", &id)?;
        dial::call_back(&state, &caller, &id, &mut req).await?;
    }
    let call = dial::dial(&state, &caller, req).await?;
    Ok(reply::ok(json!({
        "callId": call.id,
        "status": call.state.as_str(),
        "message": "正在呼叫...",
    })))
}

/// GET /api/v1/calls/outbound/targets
///
/// Whose phone would ring: the online phones the caller may dial with and the one a §5.0 dial
/// without `userId`/`phoneId` would use (issue 14), so the page says it before anything rings.
pub async fn targets(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let customer_id = q.text("customerId");
    limits::name("customerId", customer_id.as_deref().unwrap_or_default())?;
    let choices = whose_phone::choices_for(&state, &caller, customer_id).await?;
    let phones: Vec<PhoneView> = choices
        .online
        .into_iter()
        .map(|p| PhoneView::new(&state.hub, p))
        .collect();
    let default = choices
        .default
        .map(|d| json!({ "phoneId": d.phone_id, "userId": d.user_id, "userName": d.user_name }));
    let refusal = choices
        .default_refusal
        .map(|e| json!({ "code": e.code.as_str(), "message": e.message }));
    Ok(reply::ok(json!({
        "phones": phones,
        "default": default,
        "defaultRefusal": refusal,
    })))
}

/// POST /api/v1/calls/{callId}/cancel
pub async fn cancel(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let call = cancel_and_end::cancel(&state, &caller, id).await?;
    Ok(reply::ok_with("已取消呼叫", call_view(&caller, call)))
}
