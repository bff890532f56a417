//! Work phones (§3, contract §4): binding by QR, the phone views the API shows, unbinding, and
//! the live events the PC page gets about them. The HTTP routes (`http::work_phones`,
//! `http::mobile_device`) and the phone socket (`ws::mobile`) share this code.

pub mod bind;
pub mod manage;
pub mod presence;
pub mod qr;

use serde::Serialize;
use serde_json::{Value, json};

use crate::db::{self, phones::Phone};
use crate::error::{ApiError, ApiResult};
use crate::hub::{AdminEvent, Hub};
use crate::state::State;
use crate::times::{iso_ms, iso_opt};

/// Why a phone was unbound, as DEVICE_UNBIND's `reason` says it (§6 5.5.4).
pub const REASON_ADMIN: &str = "管理员解绑";
pub const REASON_SELF: &str = "设备已解绑";

/// `online` while the phone's socket is open (the socket closes after the idle timeout, so an
/// open socket has spoken within it: contract §4).
pub fn online_status(hub: &Hub, phone_id: i64) -> &'static str {
    if hub.is_online(phone_id) {
        "online"
    } else {
        "offline"
    }
}

/// The phone's last message time: the hub's live value when connected, else the stored one.
pub fn last_active(hub: &Hub, phone: &Phone) -> Option<i64> {
    match (hub.last_active(phone.id), phone.last_active_at) {
        (Some(live), Some(stored)) => Some(live.max(stored)),
        (live, stored) => live.or(stored),
    }
}

/// A phone as §3.5 lists it (plus `userId` and `deviceId`, which the PC page needs when an
/// admin or manager sees several people's phones).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneView {
    id: i64,
    phone_number: Option<String>,
    device_name: String,
    device_model: String,
    online_status: &'static str,
    is_primary: bool,
    last_active_at: Option<String>,
    created_at: String,
    user_id: String,
    /// The owner's name, so the page never shows a raw id (issue 14).
    user_name: String,
    device_id: String,
    // a phone's health (issue 14): the app, since when it is online or offline, calls today
    app_version: String,
    os_type: String,
    os_version: String,
    online_since: Option<String>,
    offline_since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calls_today: Option<i64>,
    /// Offline now after being active today: it dropped off during the day.
    dropped_today: bool,
}

impl PhoneView {
    pub fn new(hub: &Hub, phone: Phone) -> Self {
        let online_since = hub.online_since(phone.id);
        let last = last_active(hub, &phone);
        Self {
            online_status: online_status(hub, phone.id),
            last_active_at: iso_opt(last),
            created_at: iso_ms(phone.created_at),
            online_since: iso_opt(online_since),
            offline_since: match online_since {
                Some(_) => None,
                None => iso_opt(hub.went_offline(phone.id).or(last)),
            },
            calls_today: None,
            dropped_today: false,
            id: phone.id,
            phone_number: phone.phone_number,
            device_name: phone.device_name,
            device_model: phone.device_model,
            is_primary: phone.is_primary,
            user_id: phone.user_id,
            user_name: phone.owner_name,
            device_id: phone.device_id,
            app_version: phone.app_version,
            os_type: phone.os_type,
            os_version: phone.os_version,
        }
    }

    /// Adds the day's figures: its calls since `today_start`, and whether its socket closed
    /// today and stayed closed (`went_offline`, from the hub).
    pub fn with_today(mut self, calls: i64, went_offline: Option<i64>, today_start: i64) -> Self {
        self.calls_today = Some(calls);
        self.dropped_today = went_offline.is_some_and(|t| t >= today_start);
        self
    }
}

/// The phone as the shipped app's `GET /api/v1/mobile/device/status` shows it (contract §13).
pub fn device_status_view(hub: &Hub, phone: &Phone) -> Value {
    json!({
        "id": phone.id,
        "phoneNumber": phone.phone_number,
        "deviceId": phone.device_id,
        "deviceName": phone.device_name,
        "deviceModel": phone.device_model,
        "osType": phone.os_type,
        "osVersion": phone.os_version,
        "appVersion": phone.app_version,
        "onlineStatus": online_status(hub, phone.id),
        "lastActiveAt": iso_opt(last_active(hub, phone)),
        "bindTime": iso_ms(phone.created_at),
    })
}

/// The short form §3.2 shows for a bound phone.
pub fn summary(phone: &Phone) -> Value {
    json!({
        "id": phone.id,
        "phoneNumber": phone.phone_number,
        "deviceName": phone.device_name,
        "deviceModel": phone.device_model,
    })
}

/// Publishes a live event about `phone` to the PC pages allowed to see its owner.
pub fn publish(hub: &Hub, kind: &str, phone: &Phone, mut data: Value) {
    if let Value::Object(map) = &mut data {
        map.insert("phoneId".into(), json!(phone.id));
        map.insert("userId".into(), json!(phone.user_id));
        map.insert("userName".into(), json!(phone.owner_name));
        map.insert("deviceName".into(), json!(phone.device_name));
        map.insert("phoneNumber".into(), json!(phone.phone_number));
    }
    hub.publish(AdminEvent {
        kind: kind.to_string(),
        data,
        owner_id: phone.user_id.clone(),
        owner_department: phone.owner_department.clone(),
    });
}

/// Unbinds a bound phone (§3.4, contract §4): revokes its token, hands the primary flag to the
/// owner's most recently active remaining phone, pushes DEVICE_UNBIND and closes its socket.
/// `NotFound` when the phone is not bound (any more).
pub async fn unbind(state: &State, phone_id: i64, reason: &'static str) -> ApiResult<()> {
    let hub = state.hub.clone();
    let now = state.clock.now_ms();
    let phone = state
        .db
        .write(move |tx| {
            let phone = db::phones::active_by_id(tx, phone_id)?;
            db::phones::unbind(tx, phone_id, now)?;
            if phone.is_primary {
                let rest = db::phones::active_of_user(tx, &phone.user_id)?;
                let next = rest
                    .iter()
                    .max_by_key(|p| (last_active(&hub, p).unwrap_or(0), p.created_at, p.id));
                if let Some(next) = next {
                    db::phones::set_primary(tx, &phone.user_id, next.id)?;
                }
            }
            Ok::<_, ApiError>(phone)
        })
        .await?;
    let notice = crate::hub::socket_message("DEVICE_UNBIND", Some(json!({ "reason": reason })));
    state.hub.send_and_close(phone_id, notice);
    publish(
        &state.hub,
        "PHONE_UNBOUND",
        &phone,
        json!({ "reason": reason }),
    );
    tracing::info!(phone = phone_id, user = %phone.user_id, reason, "phone unbound");
    Ok(())
}
