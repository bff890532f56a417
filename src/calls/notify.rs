//! What the server tells others about calls: live state to the PC page (`/ws/admin`) and
//! commands to the phone (contract §5: type, messageId, timestamp, data).

use serde_json::{Value, json};

use crate::db::calls::Call;
use crate::hub::{AdminEvent, Delivery};
use crate::state::State;
use crate::times::iso_opt;

/// Publishes a call's new state to the PC pages allowed to see it. The number is left out:
/// watchers of every role get the same event, and sales staff may not see whole numbers.
pub fn call_state(state: &State, call: &Call) {
    state.hub.publish(AdminEvent {
        kind: "CALL_STATE".into(),
        data: json!({
            "callId": call.id,
            "status": call.call_status(),
            "state": call.state.as_str(),
            "callType": call.call_type,
            "userId": call.user_id,
            "userName": call.user_name,
            "customerId": call.customer_id,
            "customerName": call.customer_name,
            "duration": call.duration,
            "startTime": crate::times::iso_ms(call.start_time),
            "endTime": iso_opt(call.end_time),
            "endReason": call.end_reason,
        }),
        owner_id: call.user_id.clone(),
        owner_department: call.department.clone(),
    });
    // a call's change may be what a dialing session waits for (its end starts the wrap-up)
    state.dialer_bell.ring_if_dialing();
}

/// Sends a message to the phone a call was dialed on, if it has one.
pub fn to_call_phone(state: &State, call: &Call, kind: &str, data: Value) -> Delivery {
    match call.phone_id {
        Some(phone) => state
            .hub
            .send(phone, crate::hub::socket_message(kind, Some(data))),
        None => Delivery::NotConnected,
    }
}
