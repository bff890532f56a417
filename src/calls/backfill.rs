//! The 2.4.0 app's back-fill (contract §14): the calls its phone's own call log holds that
//! DialBox never heard of — rung while the app was closed — sent on every return to the app
//! until one request succeeds. Each becomes an ended inbound call of that phone. A number the
//! user already has a call with within ±2 minutes of the item's time is skipped, so a replayed
//! list creates nothing; an item without a number or a readable time is skipped too.

use serde_json::{Value, json};

use super::{notify, store};
use crate::auth::Caller;
use crate::db::calls::Call;
use crate::db::{self, call_events::Source};
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::states::call::{CallState, EndStatus};

/// Most items one request may carry (the app sends its 30 newest).
pub const MAX_ITEMS: usize = 100;
/// A call of the same number this close to an item's time is that item already.
pub const SAME_CALL_MS: i64 = 120_000;
/// An item this far in the future is a phone clock gone wrong, not a call.
const FUTURE_SLACK_MS: i64 = 5 * 60_000;

/// One item of the app's list, read leniently: a field of the wrong type is a missing field,
/// and the item is skipped rather than the whole list refused (the app would resend it for a
/// day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    /// Normalised; `None` when absent, unreadable or the app's "unknown".
    pub number: Option<String>,
    pub at: Option<i64>,
    pub duration_secs: i64,
    pub status: EndStatus,
}

impl Missed {
    /// `{callerNumber, callTime, duration, callStatus}` (ISO or epoch-ms time, seconds).
    pub fn read(item: &Value, tz: chrono_tz::Tz) -> Self {
        let number = super::inbound::caller_number(item["callerNumber"].as_str());
        let status = match item["callStatus"].as_str() {
            Some("connected") => EndStatus::Connected,
            Some("rejected") => EndStatus::Rejected,
            Some("busy") => EndStatus::Busy,
            _ => EndStatus::Missed,
        };
        let duration_secs = item["duration"]
            .as_f64()
            .filter(|d| d.is_finite())
            .map_or(0, |d| d.round() as i64);
        Self {
            number,
            at: crate::times::parse_json_time(&item["callTime"], tz),
            duration_secs,
            status,
        }
    }
}

/// What a back-fill did.
#[derive(Debug, Default)]
pub struct Filled {
    pub created: Vec<Call>,
    pub skipped: usize,
}

/// Writes the items as ended inbound calls of the caller's phone, in one transaction, and
/// tells the page about each. NOT_FOUND when the caller has no bound phone.
pub async fn backfill(state: &State, caller: &Caller, items: Vec<Missed>) -> ApiResult<Filled> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let clock = state.clock.clone();
    let filled = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let phone_id = super::manual::callers_phone(tx, &who)?;
            let mut filled = Filled::default();
            for item in items {
                match call_of(tx, &who, phone_id, &item, (now, tz))? {
                    Some(call) => {
                        store::insert(tx, tz, &call)?;
                        let event = json!({ "at": item.at, "status": item.status.as_str() });
                        db::call_events::insert(
                            tx,
                            &call.id,
                            Source::PhoneHttp,
                            "backfill",
                            &event,
                            now,
                        )?;
                        filled.created.push(call);
                    }
                    None => filled.skipped += 1,
                }
            }
            Ok::<_, ApiError>(filled)
        })
        .await?;
    for call in &filled.created {
        notify::call_state(state, call);
    }
    Ok(filled)
}

/// The call an item becomes, or `None` when it is skipped.
fn call_of(
    tx: &rusqlite::Connection,
    caller: &Caller,
    phone_id: i64,
    item: &Missed,
    (now, tz): (i64, chrono_tz::Tz),
) -> ApiResult<Option<Call>> {
    let (Some(number), Some(at)) = (&item.number, item.at) else {
        return Ok(None);
    };
    let Ok(duration) = crate::limits::duration_secs("duration", item.duration_secs) else {
        return Ok(None);
    };
    if at > now + FUTURE_SLACK_MS
        || db::calls::user_has_call_near(tx, &caller.user_id, number, at, SAME_CALL_MS)?
    {
        return Ok(None);
    }
    let customer = db::customers::by_phone(tx, number)?;
    let mut call = super::inbound::new_inbound_call(caller, phone_id, number, &customer, (now, tz));
    call.state = CallState::Ended;
    call.end_status = Some(item.status);
    call.start_time = at;
    call.connected_at = (item.status == EndStatus::Connected).then_some(at);
    call.end_time = Some(at + duration * 1000);
    call.duration = if item.status == EndStatus::Connected {
        duration
    } else {
        0
    };
    Ok(Some(call))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_read_leniently() {
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        let item = Missed::read(
            &json!({"callerNumber": "+86 138-0013-8000", "callTime": "2026-12-07T10:00:00+08:00",
                    "duration": 12.4, "callStatus": "connected"}),
            tz,
        );
        assert_eq!(item.number.as_deref(), Some("13800138000"));
        assert_eq!(item.at, Some(1_796_608_800_000));
        assert_eq!(
            (item.duration_secs, item.status),
            (12, EndStatus::Connected)
        );
        let unknown = Missed::read(&json!({"callerNumber": "未知来电", "callTime": 5}), tz);
        assert_eq!((unknown.number, unknown.status), (None, EndStatus::Missed));
        let wrong = Missed::read(&json!({"callerNumber": 138, "callTime": "yesterday"}), tz);
        assert_eq!((wrong.number, wrong.at), (None, None));
    }
}
