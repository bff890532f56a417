//! Click-to-dial (§5.0, contract §6): choose the phone, store the call `calling`, push
//! DIAL_COMMAND, answer at once.

use super::lifecycle::CallState;
use serde_json::json;

use super::{dialer, notify, store};
use crate::auth::Caller;
use crate::customers::phone;
use crate::db;
use crate::db::call_events::Source;
use crate::db::calls::Call;
use crate::db::phones::Phone;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::hub::{Delivery, Hub};
use crate::limits;
use crate::state::State;

#[derive(Debug, Clone, Default)]
pub struct DialRequest {
    pub customer_id: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_name: Option<String>,
    pub notes: Option<String>,
    pub phone_id: Option<i64>,
    /// The salesperson whose phone should dial (admins: anyone, managers: their department).
    pub user_id: Option<String>,
    pub order_id: Option<String>,
}

/// The customer a call is with, as `link_customer` found it.
#[derive(Debug, Clone, Default)]
pub struct Linked {
    pub customer_id: Option<String>,
    pub name: String,
    /// Normalised.
    pub number: String,
    /// The customer's 负责人, if it has one.
    pub owner_id: Option<String>,
}

/// The phone to dial on: the asked one, else the primary if online, else the most recently
/// active online phone.
pub fn choose_phone(hub: &Hub, bound: &[Phone], asked: Option<i64>) -> ApiResult<i64> {
    if bound.is_empty() {
        return Err(ApiError::new(ErrorCode::DeviceNotBound));
    }
    let online: Vec<&Phone> = bound.iter().filter(|p| hub.is_online(p.id)).collect();
    let chosen = match asked {
        Some(id) => {
            if !bound.iter().any(|p| p.id == id) {
                return Err(ApiError::with_message(
                    ErrorCode::NotFound,
                    "该工作手机不存在",
                ));
            }
            online.iter().find(|p| p.id == id).copied()
        }
        None => online
            .iter()
            .find(|p| p.is_primary)
            // the hub holds the live last-activity; the row's value may be a minute old
            .or_else(|| {
                online
                    .iter()
                    .max_by_key(|p| (hub.last_active(p.id).or(p.last_active_at), p.id))
            })
            .copied(),
    };
    chosen
        .map(|p| p.id)
        .ok_or_else(|| ApiError::new(ErrorCode::DeviceOffline))
}

/// Who a call is with. A given customer must exist; a number alone links the customer who has
/// it.
pub fn link_customer(
    conn: &rusqlite::Connection,
    customer_id: Option<&str>,
    number: Option<&str>,
    name: Option<&str>,
) -> ApiResult<Linked> {
    let number = match number.map(str::trim).filter(|n| !n.is_empty()) {
        Some(raw) => Some(
            phone::normalize(raw)
                .ok_or_else(|| ApiError::invalid_field("customerPhone", "电话号码无效"))?,
        ),
        None => None,
    };
    let customer = match customer_id.map(str::trim).filter(|c| !c.is_empty()) {
        Some(id) => match db::customers::by_id(conn, id) {
            Ok(c) => Some(c),
            Err(db::DbError::NotFound) => {
                return Err(ApiError::with_message(ErrorCode::NotFound, "客户不存在"));
            }
            Err(e) => return Err(e.into()),
        },
        None => match &number {
            Some(n) => db::customers::by_phone(conn, n)?,
            None => None,
        },
    };
    let number = match (number, &customer) {
        (Some(n), _) => n,
        (None, Some(c)) => c.phone.clone(),
        (None, None) => return Err(ApiError::invalid("缺少 customerPhone 或 customerId")),
    };
    limits::name("customerName", name.unwrap_or_default())?;
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .or_else(|| customer.as_ref().map(|c| c.name.clone()))
        .unwrap_or_default();
    Ok(Linked {
        owner_id: customer.as_ref().and_then(|c| c.owner_id.clone()),
        customer_id: customer.map(|c| c.id),
        name,
        number,
    })
}

/// A new call row owned by `caller`, before its type-specific fields are set.
pub fn new_call(caller: &Caller, now: i64, tz: chrono_tz::Tz) -> Call {
    Call {
        id: crate::ids::call_id(now, tz),
        user_id: caller.user_id.clone(),
        phone_id: None,
        customer_id: None,
        customer_name: String::new(),
        customer_phone: String::new(),
        call_type: "outbound".into(),
        state: CallState::Calling,
        end_status: None,
        end_reason: None,
        start_time: now,
        connected_at: None,
        end_time: None,
        duration: 0,
        has_recording: false,
        notes: String::new(),
        call_tags: vec![],
        follow_up_required: false,
        order_id: None,
        created_at: now,
        updated_at: now,
        user_name: caller.display_name(),
        department: caller.department.clone(),
        recording_path: None,
        recording_id: None,
    }
}

/// Dials: DEVICE_NOT_BOUND / DEVICE_OFFLINE / DO_NOT_CALL / PACING_LIMITED without creating a
/// call; otherwise the call is stored `calling` before DIAL_COMMAND goes out.
pub async fn dial(state: &State, caller: &Caller, req: DialRequest) -> ApiResult<Call> {
    let hub = state.hub.clone();
    let by = caller.clone();
    let rules = state.settings.pacing();
    let tz = state.config.timezone;
    // one blocking hop: choose the phone, link the customer, check the rules, store the call
    let call = state
        .db
        .write(move |tx| prepare(tx, &hub, &by, req, &rules, tz))
        .await?;
    send(state, call).await
}

/// The dial's transaction, shared with the power dialer (which adds its own writes to it):
/// choose the phone, link the customer, refuse a number on the do-not-call list and a phone the
/// pacing `rules` do not let dial now, store the call `calling`.
pub fn prepare(
    tx: &rusqlite::Connection,
    hub: &Hub,
    by: &Caller,
    req: DialRequest,
    rules: &super::pacing::Pacing,
    tz: chrono_tz::Tz,
) -> ApiResult<Call> {
    let mut call = new_call(by, crate::times::now_ms(), tz);
    call.notes = req.notes.clone().unwrap_or_default();
    call.order_id = req.order_id.clone();
    // bad input is INVALID_PARAMS before any phone question
    let linked = link_customer(
        tx,
        req.customer_id.as_deref(),
        req.customer_phone.as_deref(),
        req.customer_name.as_deref(),
    )?;
    if db::do_not_call::contains(tx, &linked.number)? {
        return Err(ApiError::new(ErrorCode::DoNotCall));
    }
    let asked = dialer::Asked {
        user_id: req.user_id.as_deref(),
        phone_id: req.phone_id,
    };
    let dialer = dialer::choose(tx, hub, by, asked, linked.owner_id.as_deref())?;
    super::pacing::allow(tx, rules, dialer.phone_id, tz)?;
    // the call is the salesperson's whose phone dials; the event says who clicked
    call.user_id = dialer.user_id;
    call.user_name = dialer.user_name;
    call.department = dialer.department;
    call.phone_id = Some(dialer.phone_id);
    call.customer_id = linked.customer_id;
    call.customer_name = linked.name;
    call.customer_phone = linked.number;
    store::insert(tx, tz, &call)?;
    db::call_events::insert(
        tx,
        &call.id,
        Source::Pc,
        "dial",
        &json!({ "phoneId": dialer.phone_id, "by": by.user_id }),
    )?;
    Ok(call)
}

/// Pushes DIAL_COMMAND for a call `prepare` stored. A phone that went away since is
/// DEVICE_OFFLINE and the call is removed, as if it had been offline from the start.
pub async fn send(state: &State, call: Call) -> ApiResult<Call> {
    let tz = state.config.timezone;
    let mut data = json!({
        "callId": call.id,
        "customerPhone": call.customer_phone,
        "phoneNumber": call.customer_phone,
        "customerName": call.customer_name,
        "customerId": call.customer_id,
    });
    if let Some(order) = &call.order_id {
        data["orderId"] = json!(order);
    }
    if notify::to_call_phone(state, &call, "DIAL_COMMAND", data) == Delivery::NotConnected {
        let gone = call.clone();
        state
            .db
            .write(move |tx| store::delete(tx, tz, &gone))
            .await?;
        return Err(ApiError::new(ErrorCode::DeviceOffline));
    }
    notify::call_state(state, &call);
    Ok(call)
}
