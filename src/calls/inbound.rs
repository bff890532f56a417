//! Incoming calls (contract §14). 2.4.0 says a call is ringing twice — WS
//! `INCOMING_CALL_DETECTED`, then `POST /mobile/call/incoming` if no confirmation came within
//! 3 s — and both are one call: a ringing inbound call of the same phone from the last 120 s
//! whose number is the same or unknown is taken again. The PC pages that may see the call get
//! the ring with the customer's card (`INCOMING_CALL`).

use serde_json::{Map, Value, json};

use super::{Source, dial, manual, notify, store};
use crate::auth::Caller;
use crate::customers::phone;
use crate::db::customers::Customer;
use crate::db::inbound::{InboundMatch, Trail};
use crate::db::{self, calls::Call};
use crate::error::{ApiError, ApiResult};
use crate::hub::AdminEvent;
use crate::state::State;
use crate::states::call::CallState;

/// A ringing inbound call this recent takes the next caller-ID report of the same ring.
pub const SAME_RING_MS: i64 = 120_000;
/// How far back a report by number (or by an app-made id) looks for its inbound call.
pub const REPORT_WINDOW_MS: i64 = 10 * 60_000;
/// An incoming call still ringing this long is ended `missed` (`timeout::sweep_rings`).
pub const RING_GIVES_UP_MS: i64 = 3 * 60_000;
/// The app's word for a call whose number it could not read.
pub const NO_NUMBER: &str = "未知来电";
/// What caller ID calls a number no customer has.
pub const NEW_CUSTOMER: &str = "新客户";

/// A reported number, normalised; `None` when it is absent, blank, the app's 未知来电 or no
/// number at all.
pub fn caller_number(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|n| !n.is_empty() && *n != NO_NUMBER)
        .and_then(phone::normalize)
}

/// The `callerNumber` of a caller-ID report (the socket's and the HTTP fallback's):
/// absent or `null` is an unknown number; anything but a string is refused.
pub fn caller_number_field(data: &Map<String, Value>) -> Result<Option<String>, &'static str> {
    match data.get("callerNumber") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(n)) => Ok(caller_number(Some(n))),
        Some(_) => Err("callerNumber 须为字符串"),
    }
}

/// A new inbound call on `phone_id` ringing now with `number` ('' when unknown), linked to
/// `customer` (the number rule found it): what caller ID, an end report without a ring, and
/// the back-fill each start from.
pub fn new_inbound_call(
    caller: &Caller,
    phone_id: i64,
    number: &str,
    customer: &Option<Customer>,
    (now, tz): (i64, chrono_tz::Tz),
) -> Call {
    let mut call = dial::new_call(caller, now, tz);
    call.phone_id = Some(phone_id);
    call.call_type = "inbound".into();
    call.state = CallState::Ringing;
    call.customer_phone = number.to_string();
    link(&mut call, customer);
    call
}

/// Whether a status report names a number instead of a call: its `callId` is absent or blank
/// and it carries a `phoneNumber` (which may be the app's 未知来电).
pub fn names_a_number(data: &Map<String, Value>) -> bool {
    let blank_id = match data.get("callId") {
        None | Some(Value::Null) => true,
        Some(Value::String(id)) => id.trim().is_empty(),
        Some(_) => false,
    };
    let number = data
        .get("phoneNumber")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.trim().is_empty());
    blank_id && number
}

/// An id 2.4.0 makes up for an incoming call: `IN-` then 1–120 letters, digits, `_` or `-`
/// (`IN-local-1767323700000`).
pub fn is_app_id(id: &str) -> bool {
    id.strip_prefix("IN-").is_some_and(|rest| {
        (1..=120).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// A ring as caller ID answers it: the call and the customer the number belongs to.
#[derive(Debug, Clone)]
pub struct Ring {
    pub call: Call,
    pub customer: Option<Customer>,
    pub trail: Trail,
}

impl Ring {
    /// The name the phone shows: the customer's, 新客户, or 未知来电 without a number.
    pub fn display_name(&self) -> &str {
        match (&self.customer, self.call.customer_phone.is_empty()) {
            (Some(c), _) => &c.name,
            (None, true) => NO_NUMBER,
            (None, false) => NEW_CUSTOMER,
        }
    }
}

/// The caller's phone is ringing with `number`: the inbound call of this ring (made now, or the
/// one an earlier report of the same ring made), linked to the customer by the number rule.
/// The PC pages hear of it. NOT_FOUND when the caller has no bound phone.
pub async fn ring(
    state: &State,
    caller: &Caller,
    source: Source,
    number: Option<String>,
) -> ApiResult<Ring> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let clock = state.clock.clone();
    let (ring, changed) = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let phone_id = manual::callers_phone(tx, &who)?;
            let number = number.unwrap_or_default();
            let same_ring = InboundMatch {
                phone_id,
                since: now - SAME_RING_MS,
                number: &number,
                ringing_only: true,
                alias: "",
            };
            let customer = match number.as_str() {
                "" => None,
                n => db::customers::by_phone(tx, n)?,
            };
            let (call, changed) = match db::inbound::latest_inbound(tx, &same_ring)? {
                Some(call) if call.customer_phone == number => (call, false),
                Some(call) => (
                    name_the_caller(tx, tz, &call, &number, &customer, now)?,
                    true,
                ),
                None => {
                    let call = new_inbound_call(&who, phone_id, &number, &customer, (now, tz));
                    store::insert(tx, tz, &call)?;
                    let event = json!({ "phoneId": phone_id });
                    db::call_events::insert(tx, &call.id, source, "ring", &event, now)?;
                    (call, true)
                }
            };
            let trail = match &customer {
                Some(c) => db::inbound::trail(tx, &c.id, &call.id)?,
                None => Trail::default(),
            };
            let ring = Ring {
                call,
                customer,
                trail,
            };
            Ok::<_, ApiError>((ring, changed))
        })
        .await?;
    if changed {
        notify::call_state(state, &ring.call);
    }
    publish(state, &ring);
    Ok(ring)
}

fn link(call: &mut Call, customer: &Option<Customer>) {
    call.customer_id = customer.as_ref().map(|c| c.id.clone());
    call.customer_name = customer
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_default();
}

/// Gives a call whose number was unknown the number now reported, and its customer.
pub fn name_the_caller(
    tx: &rusqlite::Transaction<'_>,
    tz: chrono_tz::Tz,
    call: &Call,
    number: &str,
    customer: &Option<Customer>,
    now: i64,
) -> db::DbResult<Call> {
    let mut next = call.clone();
    next.customer_phone = number.to_string();
    link(&mut next, customer);
    next.updated_at = now;
    store::update(tx, tz, call, &next)?;
    Ok(next)
}

/// The number of a call the caller may see (新建客户 from the 来电弹屏 and the 未接来电 list:
/// sales staff see the number masked, so the page names the call instead). 400 when the call
/// has no number.
pub async fn number_of(state: &State, caller: &Caller, call_id: &str) -> ApiResult<String> {
    let call = super::load_visible(state, caller, call_id).await?;
    if call.customer_phone.is_empty() {
        return Err(ApiError::invalid_field("fromCallId", "该来电没有号码"));
    }
    Ok(call.customer_phone)
}

/// Links the calls with `customer`'s main number that have no customer yet — the ring the
/// customer was created from among them — to it, and tells the page.
pub async fn link_new_customer(state: &State, customer: &Customer) -> ApiResult<()> {
    let tz = state.config.timezone;
    let (number, found) = (customer.phone.clone(), Some(customer.clone()));
    let clock = state.clock.clone();
    let linked = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let mut linked = Vec::new();
            for call in db::calls::with_number(tx, &number, 50)? {
                if call.customer_id.is_none() {
                    linked.push(name_the_caller(tx, tz, &call, &number, &found, now)?);
                }
            }
            Ok::<_, ApiError>(linked)
        })
        .await?;
    for call in &linked {
        notify::call_state(state, call);
    }
    Ok(())
}

/// Tells the PC pages that may see the call that it rings: `INCOMING_CALL` with the customer's
/// card (customers belong to the office, contract §2). The number goes masked, as
/// `CALL_STATE` leaves it out: every watcher gets the same event, and the page reads the call
/// for the number its viewer may see.
fn publish(state: &State, ring: &Ring) {
    let call = &ring.call;
    let customer = ring.customer.as_ref().map(|c| {
        json!({
            "id": c.id,
            "name": c.name,
            "level": c.level,
            "tags": c.tags,
            "ownerId": c.owner_id,
            "ownerName": c.owner_name,
            "followStatus": c.follow_status,
            "lastCallTime": crate::times::iso_opt(ring.trail.last_call_time),
            "lastFollowUp": ring.trail.last_follow_up,
        })
    });
    state.hub.publish(AdminEvent {
        kind: "INCOMING_CALL".into(),
        data: json!({
            "callId": call.id,
            "callerNumberMasked": phone::mask(&call.customer_phone),
            "hasNumber": !call.customer_phone.is_empty(),
            "customerName": ring.display_name(),
            "customer": customer,
            "userId": call.user_id,
            "userName": call.user_name,
            "phoneId": call.phone_id,
            "startTime": crate::times::iso_ms(call.start_time),
        }),
        owner_id: call.user_id.clone(),
        owner_department: call.department.clone(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn only_a_blank_id_with_a_number_names_a_number() {
        let named =
            fields(json!({"callId": "", "phoneNumber": "13800138000", "status": "connected"}));
        assert!(names_a_number(&named));
        assert!(names_a_number(&fields(
            json!({"phoneNumber": "未知来电", "status": "ended"})
        )));
        assert!(!names_a_number(&fields(
            json!({"callId": "call_1", "phoneNumber": "138"})
        )));
        assert!(!names_a_number(&fields(
            json!({"callId": "", "status": "ended"})
        )));
        assert!(!names_a_number(&fields(
            json!({"callId": 5, "phoneNumber": "138"})
        )));
    }

    #[test]
    fn app_ids_and_numbers_are_read_strictly() {
        assert!(is_app_id("IN-local-1767323700000"));
        assert!(is_app_id("IN-1767323700000-ab12cd"));
        assert!(!is_app_id("IN-"));
        assert!(!is_app_id("IN-../x"));
        assert!(!is_app_id("call_20260102_0001"));
        assert_eq!(caller_number(Some(" 未知来电 ")), None);
        assert_eq!(caller_number(Some("")), None);
        assert_eq!(caller_number(Some("前台")), None);
        assert_eq!(
            caller_number(Some("+86 138-0013-8000")).as_deref(),
            Some("13800138000")
        );
    }
}
