//! Reports the 2.4.0 app makes about an incoming call by its number, not by an id (contract
//! §14): on answer and on hang-up it sends CALL_STATUS / §4.1 with `callId: ""` and
//! `phoneNumber`. Such a report belongs to the phone's latest inbound call of the last ten
//! minutes with that number; until caller ID makes those calls (the rest of issue 29) there is
//! none, and a report with nothing to apply to is acknowledged and changes nothing — the app
//! never resends, and any refusal showed its user a toast, twice per call.

use serde_json::{Map, Value};

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
