//! The PC side of work phones (§3.1, §3.2, §3.3 way one, §3.4–§3.6): QR codes, bind status,
//! the bind a phone makes with a connectionId, and the phones list, primary and unbind.

use serde::Deserialize;
use serde_json::json;
use warp::reply::Response;

use crate::auth::Caller;
use crate::db::{self, DbError, phones::Phone};
use crate::error::{ApiError, ApiResult};
use crate::http::reply;
use crate::phones::bind::{self, DeviceInfoIn, RequestKind};
use crate::phones::{self, PhoneView, qr};
use crate::state::State;
use crate::times::iso_ms;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrRequest {
    user_id: Option<String>,
}

/// POST /api/v1/call-config/work-phones/qrcode
pub async fn qrcode(state: State, caller: Caller, req: QrRequest) -> ApiResult<Response> {
    let target = match req.user_id.as_deref().map(str::trim) {
        None | Some("") => caller.user_id.clone(),
        Some(id) => id.to_string(),
    };
    let lookup = target.clone();
    let user = state.db.run(move |c| db::users::by_id(c, &lookup)).await?;
    if !caller.can_see(&user.id, &user.department) {
        return Err(ApiError::not_found());
    }
    if user.disabled {
        return Err(ApiError::invalid("该用户已停用，不能绑定手机"));
    }
    let request = bind::create_request(&state, RequestKind::Pc, &user.id, &caller.user_id).await?;
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
    })))
}

/// GET /api/v1/call-config/work-phones/bind-status/{connectionId}
pub async fn bind_status(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let (request, phone) = state
        .db
        .run(move |c| {
            let request = db::bind_requests::by_id(c, &id)?;
            let phone = match request.phone_id {
                Some(pid) => Some(db::phones::by_id(c, pid)?),
                None => None,
            };
            Ok::<_, ApiError>((request, phone))
        })
        .await?;
    let visible = request.created_by == caller.user_id
        || caller.can_see(&request.user_id, &request.user_department);
    if !visible {
        return Err(ApiError::not_found());
    }
    let data = match phone {
        Some(phone) if request.bound_at.is_some() => {
            json!({ "status": "connected", "phone": phones::summary(&phone) })
        }
        _ if crate::times::now_ms() >= request.expires_at => json!({ "status": "expired" }),
        _ => json!({ "status": "pending" }),
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
    let (cond, param) = caller.scope().sql("p.user_id");
    let rows = state
        .db
        .run(move |c| db::phones::active_in_scope(c, &cond, param.as_deref()))
        .await?;
    let views: Vec<PhoneView> = rows
        .into_iter()
        .map(|p| PhoneView::new(&state.hub, p))
        .collect();
    Ok(reply::ok(views))
}

/// A bound phone the caller may see, by the id in the path; 404 otherwise.
pub async fn visible_phone(state: &State, caller: &Caller, id: &str) -> ApiResult<Phone> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let phone = state
        .db
        .run(move |c| db::phones::active_by_id(c, id))
        .await?;
    if caller.can_see(&phone.user_id, &phone.owner_department) {
        Ok(phone)
    } else {
        Err(ApiError::not_found())
    }
}

/// PUT /api/v1/call-config/work-phones/{id}/primary
pub async fn set_primary(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let phone = visible_phone(&state, &caller, &id).await?;
    state
        .db
        .write(move |tx| {
            // still bound inside the transaction (an unbind may have raced)
            db::phones::active_by_id(tx, phone.id)?;
            db::phones::set_primary(tx, &phone.user_id, phone.id)?;
            Ok::<_, DbError>(())
        })
        .await?;
    Ok(reply::ok_message("已设为主要手机"))
}

/// DELETE /api/v1/call-config/work-phones/{id}
pub async fn unbind(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let phone = visible_phone(&state, &caller, &id).await?;
    phones::unbind(&state, phone.id, phones::REASON_ADMIN).await?;
    Ok(reply::ok_message("解绑成功"))
}
