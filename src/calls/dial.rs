//! Click-to-dial (§5.0, contract §6): choose the phone, store the call `calling`, push
//! DIAL_COMMAND, answer at once.

use serde_json::json;

use super::refusal::{Refusal, RefusalResult};
use super::whose_phone::{self, ChosenPhone};
use super::{notify, store};
use crate::auth::Caller;
use crate::customers::phone;
use crate::db;
use crate::db::call_events::Source;
use crate::db::calls::Call;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::hub::{Delivery, Hub};
use crate::limits;
use crate::state::State;
use crate::states::call::CallState;
use crate::states::dialer::PaceRule;

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
    /// The person saw 免打扰时段，仍要拨打？ and confirmed (a click only; the office may refuse
    /// every dial in quiet hours: `Pacing::quiet_all_dials`).
    pub confirm_quiet_hours: bool,
}

/// 回拨: fills a dial from the call `call_id` the caller may see — its number and customer, and
/// its salesperson's phone unless the request names one. A call without a number cannot be
/// called back (400); one the caller may not see is 404.
pub async fn call_back(
    state: &State,
    caller: &Caller,
    call_id: &str,
    req: &mut DialRequest,
) -> ApiResult<()> {
    let (id, who) = (call_id.to_string(), caller.clone());
    let call = state
        .db
        .run(move |c| super::visible_call(c, &who, &id))
        .await?;
    if call.customer_phone.is_empty() {
        return Err(ApiError::invalid_field(
            "callbackOf",
            "该来电没有号码，无法回拨",
        ));
    }
    req.customer_phone = Some(call.customer_phone);
    if req.customer_id.is_none() {
        req.customer_id = call.customer_id;
    }
    if req.user_id.is_none() && req.phone_id.is_none() {
        req.user_id = Some(call.user_id);
    }
    Ok(())
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

/// Who a call is with. A given customer must exist; a number alone links the customer who has
/// it.
pub fn link_customer(
    conn: &rusqlite::Connection,
    customer_id: Option<&str>,
    number: Option<&str>,
    name: Option<&str>,
) -> RefusalResult<Linked> {
    let bad = |e: ApiError| Refusal::BadNumber(e);
    let number = match number.map(str::trim).filter(|n| !n.is_empty()) {
        Some(raw) => Some(
            phone::normalize(raw)
                .ok_or_else(|| bad(ApiError::invalid_field("customerPhone", "电话号码无效")))?,
        ),
        None => None,
    };
    let customer = match customer_id.map(str::trim).filter(|c| !c.is_empty()) {
        Some(id) => match db::customers::by_id(conn, id) {
            Ok(c) => Some(c),
            Err(db::DbError::NotFound) => {
                return Err(bad(ApiError::with_message(
                    ErrorCode::NotFound,
                    "客户不存在",
                )));
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
        (None, None) => return Err(bad(ApiError::invalid("缺少 customerPhone 或 customerId"))),
    };
    limits::name("customerName", name.unwrap_or_default()).map_err(bad)?;
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
        user_name: caller.display_name.clone(),
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
    let office = state.settings.pacing();
    let confirmable = !office.quiet_all_dials;
    let rules = match req.confirm_quiet_hours && confirmable {
        true => office.without_quiet(),
        false => office,
    };
    let tz = state.config.timezone;
    let clock = state.clock.clone();
    // one blocking hop: choose the phone, link the customer, check the rules, store the call
    let call = state
        .db
        .write(move |tx| {
            let call = prepare(tx, &hub, &by, req, &rules, tz, clock.now_ms())?;
            if call.user_id != by.user_id {
                for_other(tx, &by, &call)?;
            }
            Ok::<_, ApiError>(call)
        })
        .await
        .map_err(|mut e| {
            // a click in quiet hours is the person's to confirm, unless the office said no
            if confirmable && e.rule == Some(PaceRule::QuietHours.as_str()) {
                e.confirm = true;
            }
            e
        })?;
    send(state, call).await
}

/// An admin or manager dialed on another person's phone: the audit line says whose, and whom
/// (issue 30, item 7).
fn for_other(tx: &rusqlite::Connection, by: &Caller, call: &Call) -> ApiResult<()> {
    let owner = crate::db::users::by_id(tx, &call.user_id)?;
    let whom = match call.customer_name.as_str() {
        "" => call.customer_phone.clone(),
        name => format!("{name}（{}）", call.customer_phone),
    };
    let detail = format!("用 {} 的手机拨打 {whom}", owner.display_name);
    let who = crate::audit::Actor::of(by);
    let action = crate::audit::Action::DialForOther;
    Ok(crate::audit::record(tx, &who, action, &call.id, &detail)?)
}

/// The click's transaction: link the customer, refuse a number on the do-not-call list,
/// choose the phone, and store the call `calling` when the pacing `rules` let that phone dial
/// `now`.
pub fn prepare(
    tx: &rusqlite::Connection,
    hub: &Hub,
    by: &Caller,
    req: DialRequest,
    rules: &super::pacing::Pacing,
    tz: chrono_tz::Tz,
    now: i64,
) -> RefusalResult<Call> {
    // bad input is INVALID_PARAMS before any phone question
    let linked = link_to_dial(tx, &req)?;
    let asked = whose_phone::Asked {
        user_id: req.user_id.as_deref(),
        phone_id: req.phone_id,
    };
    let chosen = whose_phone::choose(tx, hub, by, asked, linked.owner_id.as_deref())?;
    store_dial(tx, by, &req, linked, &chosen, (rules, tz, now))
}

/// The power dialer's part of its step's transaction: as `prepare`, on the phone the step
/// chose once for all the numbers it tries.
pub fn prepare_on(
    tx: &rusqlite::Connection,
    by: &Caller,
    req: &DialRequest,
    chosen: &ChosenPhone,
    rules: &super::pacing::Pacing,
    tz: chrono_tz::Tz,
    now: i64,
) -> RefusalResult<Call> {
    let linked = link_to_dial(tx, req)?;
    store_dial(tx, by, req, linked, chosen, (rules, tz, now))
}

/// The customer of a dial, unless its number is on the do-not-call list.
fn link_to_dial(tx: &rusqlite::Connection, req: &DialRequest) -> RefusalResult<Linked> {
    let linked = link_customer(
        tx,
        req.customer_id.as_deref(),
        req.customer_phone.as_deref(),
        req.customer_name.as_deref(),
    )?;
    if db::do_not_call::contains(tx, &linked.number)? {
        return Err(Refusal::DoNotCall);
    }
    Ok(linked)
}

/// Stores the call `calling` on `chosen` if the pace `rules` let that phone dial `now`.
fn store_dial(
    tx: &rusqlite::Connection,
    by: &Caller,
    req: &DialRequest,
    linked: Linked,
    chosen: &ChosenPhone,
    (rules, tz, now): (&super::pacing::Pacing, chrono_tz::Tz, i64),
) -> RefusalResult<Call> {
    if let Err(blocked) = rules.check(tx, chosen.phone_id, now, tz)? {
        return Err(Refusal::Paced { blocked, at: now });
    }
    let mut call = new_call(by, now, tz);
    call.notes = req.notes.clone().unwrap_or_default();
    call.order_id = req.order_id.clone();
    // the call is the salesperson's whose phone dials; the event says who clicked
    call.user_id = chosen.user_id.clone();
    call.user_name = chosen.user_name.clone();
    call.department = chosen.department.clone();
    call.phone_id = Some(chosen.phone_id);
    call.customer_id = linked.customer_id;
    call.customer_name = linked.name;
    call.customer_phone = linked.number;
    store::insert(tx, tz, &call)?;
    db::call_events::insert(
        tx,
        &call.id,
        Source::Pc,
        "dial",
        &json!({ "phoneId": chosen.phone_id, "by": by.user_id }),
        now,
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
