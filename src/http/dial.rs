//! Click-to-dial from the PC page: §5.0 `POST /api/v1/calls/outbound` and the cancel of
//! contract §11 (the rules live in `calls::dial` and `calls::pc`).

use serde::Deserialize;
use serde_json::json;
use warp::reply::Response;

use super::call_views::call_view;
use super::reply;
use crate::auth::Caller;
use crate::calls::{dial, pc};
use crate::error::{ApiError, ApiResult};
use crate::limits;
use crate::state::State;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Outbound {
    customer_id: Option<String>,
    customer_phone: Option<String>,
    customer_name: Option<String>,
    notes: Option<String>,
    phone_id: Option<i64>,
    order_id: Option<String>,
}

/// POST /api/v1/calls/outbound
pub async fn outbound(state: State, caller: Caller, b: Outbound) -> ApiResult<Response> {
    if b.customer_id.is_none() && b.customer_phone.is_none() {
        return Err(ApiError::invalid("缺少 customerPhone 或 customerId"));
    }
    limits::text("备注", b.notes.as_deref().unwrap_or_default())?;
    limits::name("orderId", b.order_id.as_deref().unwrap_or_default())?;
    let req = dial::DialRequest {
        customer_id: b.customer_id,
        customer_phone: b.customer_phone,
        customer_name: b.customer_name,
        notes: b.notes,
        phone_id: b.phone_id,
        order_id: b.order_id,
    };
    let call = dial::dial(&state, &caller, req).await?;
    Ok(reply::ok(json!({
        "callId": call.id,
        "status": call.state.as_str(),
        "message": "正在呼叫...",
    })))
}

/// POST /api/v1/calls/{callId}/cancel
pub async fn cancel(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let call = pc::cancel(&state, &caller, id).await?;
    Ok(reply::ok_with("已取消呼叫", call_view(&caller, call)))
}
