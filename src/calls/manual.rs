//! Calls the salesperson dials on the phone's own dialpad (contract §13.1). The shipped app
//! makes up `callId = manual_<ms>_<random>` and reports on it without ever creating the record,
//! so the first report from a bound phone for an unknown `manual_…` id creates the call: outbound,
//! on that phone, its user's, with no number until the recording's file name gives one. Every
//! other unknown id stays NOT_FOUND.

use serde_json::json;

use super::{Source, dial, store};
use crate::auth::Caller;
use crate::customers::phone;
use crate::db::{self, calls::Call};
use crate::error::{ApiError, ApiResult};

pub const PREFIX: &str = "manual_";

/// `manual_` then 1–120 letters, digits, `_` or `-`.
pub fn is_manual_id(id: &str) -> bool {
    id.strip_prefix(PREFIX).is_some_and(|rest| {
        (1..=120).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// The phone a report came from: the one a device token names, else the user's primary bound
/// phone. NOT_FOUND when the user has no bound phone: only a bound phone makes calls.
pub fn callers_phone(tx: &rusqlite::Connection, caller: &Caller) -> ApiResult<i64> {
    match caller.phone_id {
        Some(id) => Ok(id),
        None => db::phones::active_of_user(tx, &caller.user_id)?
            .first()
            .map(|p| p.id)
            .ok_or_else(ApiError::not_found),
    }
}

/// Creates the manual call `id` in the report's transaction, on the caller's phone (a device
/// token names it; a login token means the user's primary bound phone). NOT_FOUND when the
/// user has no bound phone: only a bound phone dials.
pub fn create(
    tx: &rusqlite::Transaction<'_>,
    tz: chrono_tz::Tz,
    caller: &Caller,
    source: Source,
    id: &str,
    started_at: Option<i64>,
    now: i64,
) -> ApiResult<Call> {
    let phone_id = callers_phone(tx, caller)?;
    let mut call = dial::new_call(caller, now, tz);
    call.id = id.to_string();
    call.phone_id = Some(phone_id);
    call.start_time = started_at.unwrap_or(now).min(now);
    store::insert(tx, tz, &call)?;
    db::call_events::insert(
        tx,
        &call.id,
        source,
        "manual",
        &json!({ "phoneId": phone_id }),
        now,
    )?;
    tracing::info!(call = %call.id, phone = phone_id, "manual call created from the phone's report");
    Ok(call)
}

/// The number in a recording's file name as the shipped app names it:
/// `Call_<number>_<date>…` (`Call_13800138000_20260102_101500.m4a`).
pub fn number_in_file_name(name: &str) -> Option<String> {
    let rest = name.strip_prefix("Call_")?;
    let raw = rest.split('_').next()?;
    phone::normalize(raw)
}

/// Gives a call with no number the one its recording's file name carries, and links the
/// customer who has it. A call that has a number keeps it.
pub fn learn_number(
    tx: &rusqlite::Transaction<'_>,
    tz: chrono_tz::Tz,
    call_id: &str,
    number: &str,
    now: i64,
) -> db::DbResult<()> {
    let call = db::calls::by_id(tx, call_id)?;
    if !call.customer_phone.is_empty() {
        return Ok(());
    }
    let mut next = call.clone();
    next.customer_phone = number.to_string();
    if call.customer_id.is_none()
        && let Some(c) = db::customers::by_phone(tx, number)?
    {
        next.customer_id = Some(c.id);
        next.customer_name = c.name;
    }
    next.updated_at = now;
    store::update(tx, tz, &call, &next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_ids_are_recognised_strictly() {
        assert!(is_manual_id("manual_1767323700000_ab12cd"));
        assert!(!is_manual_id("manual_"));
        assert!(!is_manual_id("call_20260102_0001"));
        assert!(!is_manual_id("manual_../../x"));
        assert!(!is_manual_id(&format!("manual_{}", "a".repeat(121))));
    }

    #[test]
    fn the_number_comes_from_the_apps_file_name() {
        assert_eq!(
            number_in_file_name("Call_13800138000_20260102_101500.m4a").as_deref(),
            Some("13800138000")
        );
        assert_eq!(number_in_file_name("recording.m4a"), None);
        assert_eq!(number_in_file_name("Call_abc_1.m4a"), None);
    }
}
