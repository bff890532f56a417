//! The phone side of binding (§3.1.1, §3.3 way two, contract §13): a QR made on a phone, the
//! bind a phone makes with a bind token or a §3.1 connectionId, the phone unbinding itself, and
//! the shipped app's device status.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::json;
use warp::reply::Response;

use crate::auth::Caller;
use crate::db::{self, phones::Phone};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::reply;
use crate::phones::bind::{self, DeviceInfoIn, RequestKind};
use crate::phones::{self, qr};
use crate::state::State;
use crate::times::iso_ms;

/// POST /api/v1/mobile/bindQRCode
pub async fn bind_qrcode(state: State, caller: Caller) -> ApiResult<Response> {
    let request = bind::create_request(
        &state,
        RequestKind::Mobile,
        &caller.user_id,
        &caller.user_id,
    )
    .await?;
    let expires = iso_ms(request.expires_at);
    // §3.1.1's qrCodeData, in the document's key order; the image decodes to exactly this
    let data = json!({
        "action": "bind_device",
        "token": request.id,
        "serverUrl": state.public.http,
        "wsUrl": state.public.ws_mobile,
        "userId": caller.user_id,
        "expiresAt": expires,
    });
    let image = qr::png_data_url(&data.to_string()).map_err(ApiError::internal)?;
    Ok(reply::ok(json!({
        "qrCodeData": data,
        "qrCodeImage": image,
        "expiresAt": expires,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileBind {
    /// §3.1.1's token, or (the shipped app) §3.1's connectionId.
    bind_token: Option<String>,
    phone_number: Option<String>,
    device_info: Option<DeviceInfoIn>,
}

/// POST /api/v1/mobile/bind
///
/// The bind token is the credential (single use, expiring): an Authorization header is neither
/// needed nor looked at, and the phone binds to the QR's user (contract §13).
pub async fn bind_mobile(state: State, req: MobileBind) -> ApiResult<Response> {
    let mut info = req.device_info.unwrap_or_default();
    // way two's top-level phoneNumber wins over deviceInfo.phoneNumber
    info.phone_number = req.phone_number.or(info.phone_number);
    let bound = bind::bind(&state, req.bind_token, info).await?;
    Ok(reply::ok_with("绑定成功", bind::answer(&state, bound)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfUnbind {
    device_id: Option<String>,
}

/// The caller's phone: the wsToken's phone, else the bound phone with `device_id` that the
/// caller may see. DEVICE_NOT_BOUND when there is none.
async fn callers_phone(
    state: &State,
    caller: &Caller,
    device_id: Option<String>,
) -> ApiResult<Option<Phone>> {
    let phone_id = caller.phone_id;
    let device_id = device_id
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty());
    let user_id = caller.user_id.clone();
    let phone = state
        .db
        .run(move |c| match (phone_id, device_id) {
            (Some(id), _) => db::phones::active_by_id(c, id).map(Some),
            (None, Some(device)) => db::phones::active_by_device(c, &device),
            // a login token without a deviceId: the user's primary (else first) phone
            (None, None) => Ok(db::phones::active_of_user(c, &user_id)?.into_iter().next()),
        })
        .await?;
    Ok(phone.filter(|p| caller.can_see(&p.user_id, &p.owner_department)))
}

/// DELETE /api/v1/mobile/unbind
pub async fn unbind_self(state: State, caller: Caller, req: SelfUnbind) -> ApiResult<Response> {
    if caller.phone_id.is_none() && req.device_id.as_deref().is_none_or(|d| d.trim().is_empty()) {
        return Err(ApiError::invalid("缺少必要参数: deviceId"));
    }
    let phone = callers_phone(&state, &caller, req.device_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::DeviceNotBound))?;
    phones::unbind(&state, phone.id, phones::REASON_SELF).await?;
    Ok(reply::ok_message("解绑成功"))
}

/// GET /api/v1/mobile/device/status
pub async fn device_status(
    state: State,
    caller: Caller,
    query: HashMap<String, String>,
) -> ApiResult<Response> {
    let phone = callers_phone(&state, &caller, query.get("deviceId").cloned()).await?;
    let data = match phone {
        Some(phone) => json!({
            "bound": true,
            "device": phones::device_status_view(&state.hub, &phone),
        }),
        None => json!({ "bound": false, "device": null }),
    };
    Ok(reply::ok(data))
}
