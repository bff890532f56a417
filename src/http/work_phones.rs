//! The PC side of work phones (§3.1, §3.2, §3.3 way one, §3.4–§3.6): QR codes, bind status,
//! the bind a phone makes with a connectionId, and the phones list, primary and unbind, over
//! HTTP; the rules are in `phones::manage` and `phones::bind`.

use serde::Deserialize;
use serde_json::json;
use warp::reply::Response;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::reply;
use crate::phones::bind::{self, DeviceInfoIn};
use crate::phones::manage::{self, BindStatus};
use crate::phones::{self, PhoneView, qr};
use crate::state::State;
use crate::times::iso_ms;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrRequest {
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    user_id: Option<String>,
}

/// POST /api/v1/call-config/work-phones/qrcode
pub async fn qrcode(state: State, caller: Caller, req: QrRequest) -> ApiResult<Response> {
    let (request, user) = manage::qr_request(&state, &caller, req.user_id.as_deref()).await?;
    // §3.1's QR content, in the document's key order
    let content = json!({
        "type": "work_phone_bind",
        "connectionId": request.id,
        "userId": user.id,
        "serverUrl": state.public.http,
        "expiresAt": request.expires_at,
    });
    let image = qr::png_data_url(&content.to_string()).map_err(ApiError::internal)?;
    Ok(reply::ok(json!({
        "qrCodeUrl": image,
        "connectionId": request.id,
        "expiresAt": iso_ms(request.expires_at),
        // beside §3.1's fields: the address the code carries, so the page can show it and warn
        // when no phone could reach it (issue 14)
        "serverUrl": state.public.http,
        "serverUrlIsLoopback": state.public.is_loopback(),
    })))
}

/// GET /api/v1/call-config/work-phones/bind-status/{connectionId}
pub async fn bind_status(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let data = match manage::bind_status(&state, &caller, id).await? {
        BindStatus::Connected(phone) => {
            json!({ "status": "connected", "phone": phones::summary(&phone) })
        }
        BindStatus::Expired => json!({ "status": "expired" }),
        BindStatus::Pending => json!({ "status": "pending" }),
    };
    Ok(reply::ok(data))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PcBind {
    connection_id: Option<String>,
    device_info: Option<DeviceInfoIn>,
}

/// POST /api/v1/call-config/work-phones/bind
pub async fn bind_pc(state: State, req: PcBind) -> ApiResult<Response> {
    let info = req.device_info.unwrap_or_default();
    let bound = bind::bind(&state, req.connection_id, info).await?;
    Ok(reply::ok_with("绑定成功", bind::answer(&state, bound)))
}

/// GET /api/v1/call-config/work-phones
pub async fn list(state: State, caller: Caller) -> ApiResult<Response> {
    let rows = manage::visible_phones(&state, &caller).await?;
    let (calls, today_start) = manage::calls_today(&state).await?;
    let views: Vec<PhoneView> = rows
        .into_iter()
        .map(|p| {
            let n = calls.get(&p.id).copied().unwrap_or(0);
            let gone = state.hub.went_offline(p.id);
            PhoneView::new(&state.hub, p).with_today(n, gone, today_start)
        })
        .collect();
    Ok(reply::ok(views))
}

/// PUT /api/v1/call-config/work-phones/{id}/primary
pub async fn set_primary(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    manage::set_primary(&state, &caller, &id).await?;
    Ok(reply::ok_message("已设为主要手机"))
}

/// DELETE /api/v1/call-config/work-phones/{id}
pub async fn unbind(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    manage::unbind(&state, &caller, &id).await?;
    Ok(reply::ok_message("解绑成功"))
}
