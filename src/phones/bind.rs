//! QR bind requests and the bind itself (§3.1–§3.3, contract §4 and §13): a request lives
//! `config.bind_ttl` and binds once; one number one phone; the same device binding again for the
//! same user replaces its binding; at most `config.max_phones_per_user` phones; the first phone is
//! primary. A bind answers a `wsToken` tied to the phone row's `token_id`.

use serde::Deserialize;
use serde_json::json;

use crate::auth::token::{Claims, DEVICE_TTL_SECS, TokenKind};
use crate::db::{self, DbError, phones::DeviceInfo, phones::Phone};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits;
use crate::state::State;

/// The two kinds of QR request: §3.1 (made on the PC) and §3.1.1 (made on a phone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Pc,
    Mobile,
}

impl RequestKind {
    fn as_str(self) -> &'static str {
        match self {
            RequestKind::Pc => "pc",
            RequestKind::Mobile => "mobile",
        }
    }
}

/// A stored bind request: its id (connectionId or token) and when it expires (epoch ms).
pub struct NewRequest {
    pub id: String,
    pub expires_at: i64,
}

/// Stores a bind request that binds a phone to `user_id`.
pub async fn create_request(
    state: &State,
    kind: RequestKind,
    user_id: &str,
    created_by: &str,
) -> ApiResult<NewRequest> {
    let now = state.clock.now_ms();
    let id = match kind {
        RequestKind::Pc => crate::ids::connection_id(user_id, now),
        RequestKind::Mobile => crate::ids::bind_token(),
    };
    let expires_at = now + state.settings.get().bind_ttl.as_millis() as i64;
    let (row_id, user, by) = (id.clone(), user_id.to_string(), created_by.to_string());
    state
        .db
        .write(move |tx| {
            db::bind_requests::insert(tx, &row_id, kind.as_str(), &user, &by, expires_at, now)
        })
        .await?;
    Ok(NewRequest { id, expires_at })
}

/// `deviceInfo` of a bind as a phone sends it, in either way's form (§3.3), before checking.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfoIn {
    pub device_id: Option<String>,
    pub phone_number: Option<String>,
    pub device_name: Option<String>,
    pub device_model: Option<String>,
    pub os_type: Option<String>,
    pub os_version: Option<String>,
    pub app_version: Option<String>,
}

/// A completed bind.
pub struct Bound {
    pub phone: Phone,
    pub ws_token: String,
    /// The bind request used (connectionId or token).
    pub request_id: String,
}

const MISSING: &str = "缺少必要参数";
const NO_REQUEST: &str = "绑定请求不存在或已过期";

/// A work phone's number, normalised as every number is (`customers::phone::normalize`, so the
/// phone of a call and the customer's number compare equal). Empty means "no number" (the
/// shipped app binds without one).
fn normalise_number(raw: Option<String>) -> ApiResult<Option<String>> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    match crate::customers::phone::normalize(&raw) {
        Some(number) => Ok(Some(number)),
        None => Err(ApiError::invalid("手机号格式不正确")),
    }
}

fn text(field: &str, value: Option<String>) -> ApiResult<String> {
    let value = value.unwrap_or_default().trim().to_string();
    limits::id(field, &value)?;
    Ok(value)
}

/// Binds a phone through bind request `request_id` (the connectionId of §3.1 or the token of
/// §3.1.1), all rules in one transaction.
pub async fn bind(
    state: &State,
    request_id: Option<String>,
    input: DeviceInfoIn,
) -> ApiResult<Bound> {
    let request_id = request_id.map(|s| s.trim().to_string());
    let device_id = input.device_id.map(|s| s.trim().to_string());
    let (Some(request_id), Some(device_id)) = (request_id, device_id) else {
        return Err(ApiError::invalid(MISSING));
    };
    if request_id.is_empty() || device_id.is_empty() {
        return Err(ApiError::invalid(MISSING));
    }
    limits::id("deviceId", &device_id)?;
    let number = normalise_number(input.phone_number)?;
    let fields = [
        text("deviceName", input.device_name)?,
        text("deviceModel", input.device_model)?,
        text("osType", input.os_type)?,
        text("osVersion", input.os_version)?,
        text("appVersion", input.app_version)?,
    ];
    let max = i64::from(state.settings.get().max_phones_per_user);
    let clock = state.clock.clone();
    let used = request_id.clone();
    let (phone, token_id, version, replaced) = state
        .db
        .write(move |tx| {
            let info = DeviceInfo {
                device_id: &device_id,
                phone_number: number.as_deref(),
                device_name: &fields[0],
                device_model: &fields[1],
                os_type: &fields[2],
                os_version: &fields[3],
                app_version: &fields[4],
            };
            let request = match db::bind_requests::by_id(tx, &request_id) {
                Ok(r) if r.bound_at.is_none() => r,
                Ok(_) | Err(DbError::NotFound) => {
                    return Err(ApiError::with_message(ErrorCode::NotFound, NO_REQUEST));
                }
                Err(e) => return Err(e.into()),
            };
            let now = clock.now_ms();
            if now >= request.expires_at {
                return Err(ApiError::new(ErrorCode::BindExpired));
            }
            let user = db::users::by_id(tx, &request.user_id)?;
            if user.disabled {
                return Err(ApiError::invalid("该用户已停用，不能绑定手机"));
            }
            let replaced = match db::phones::active_by_device(tx, &device_id)? {
                Some(p) if p.user_id == user.id => Some(p.id),
                Some(_) => {
                    let msg = "该设备已绑定其他用户，请先解绑";
                    return Err(ApiError::with_message(ErrorCode::PhoneAlreadyBound, msg));
                }
                None => None,
            };
            if let Some(number) = &number
                && let Some(other) = db::phones::active_id_by_number(tx, number)?
                && Some(other) != replaced
            {
                return Err(ApiError::new(ErrorCode::PhoneAlreadyBound));
            }
            let mine = db::phones::active_of_user(tx, &user.id)?;
            if replaced.is_none() && mine.len() as i64 >= max {
                let msg = format!("设备绑定数量超限（每人最多{max}台）");
                return Err(ApiError::with_message(ErrorCode::DeviceBindLimit, msg));
            }
            let token_id = crate::ids::secret_hex(16);
            let id = match replaced {
                Some(id) => {
                    db::phones::rebind(tx, id, &info, &token_id, now)?;
                    id
                }
                None => db::phones::insert(tx, &user.id, &info, mine.is_empty(), &token_id, now)?,
            };
            if !db::bind_requests::mark_bound(tx, &request.id, id, now)? {
                return Err(ApiError::with_message(ErrorCode::NotFound, NO_REQUEST));
            }
            let phone = db::phones::active_by_id(tx, id)?;
            Ok((phone, token_id, user.token_version, replaced.is_some()))
        })
        .await?;
    if replaced {
        // the old socket speaks with the revoked token: the phone reconnects with the new one
        state.hub.close(phone.id);
    }
    let now = chrono::Utc::now().timestamp();
    let ws_token = state.keys.issue(&Claims {
        sub: phone.user_id.clone(),
        kind: TokenKind::Device,
        ver: version,
        phone: Some(phone.id),
        jti: token_id,
        iat: now,
        exp: now + DEVICE_TTL_SECS,
    });
    tracing::info!(phone = phone.id, user = %phone.user_id, replaced, "phone bound");
    Ok(Bound {
        phone,
        ws_token,
        request_id: used,
    })
}

/// Publishes PHONE_BOUND (the PC's QR dialog closes itself on it) and builds §3.3's answer.
pub fn answer(state: &State, bound: Bound) -> serde_json::Value {
    super::publish(
        &state.hub,
        "PHONE_BOUND",
        &bound.phone,
        json!({ "connectionId": bound.request_id, "phone": super::summary(&bound.phone) }),
    );
    json!({
        "phoneId": bound.phone.id,
        "deviceId": bound.phone.device_id,
        "userId": bound.phone.user_id,
        "wsToken": bound.ws_token,
        "wsUrl": state.public.ws_mobile,
    })
}

#[cfg(test)]
mod tests {
    use super::normalise_number;

    #[test]
    fn numbers() {
        assert_eq!(
            normalise_number(Some("138 0013-8000".into())).unwrap(),
            Some("13800138000".into())
        );
        assert_eq!(normalise_number(Some("  ".into())).unwrap(), None);
        assert_eq!(normalise_number(None).unwrap(), None);
        assert!(normalise_number(Some("13800x".into())).is_err());
        assert!(normalise_number(Some("12".into())).is_err());
    }
}
