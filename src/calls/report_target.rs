//! Which call a phone's report lands on. DialBox's own id, or an id DialBox knows as an alias,
//! names the call; the shipped app's `manual_…` makes a manual call (contract §13.1); and 2.4.0's
//! reports of an incoming call — a blank id with a number, or its own `IN-local-…` — land on the
//! phone's matching inbound call of the last ten minutes, whose alias the app's id becomes
//! (contract §14). An end report with nothing to land on makes the inbound call it describes; a
//! status report with nothing to land on changes nothing.

use serde_json::json;

use super::inbound::{self, REPORT_WINDOW_MS};
use super::{About, PhoneReport, Source, manual, store};
use crate::auth::Caller;
use crate::db::inbound::InboundMatch;
use crate::db::{self, DbError, calls::Call};
use crate::error::{ApiError, ApiResult};

/// The call a report lands on; `created` when the report made it.
pub struct Landed {
    pub call: Call,
    pub created: bool,
}

/// The report's context: the transaction's clock and zone, who sent it and how.
pub struct Sender<'a> {
    pub caller: &'a Caller,
    pub source: Source,
    pub tz: chrono_tz::Tz,
    pub now: i64,
}

/// Finds (or makes) the call `report` is about; `None`: nothing to apply it to (acknowledged,
/// nothing changes). Another user's call is NOT_FOUND, and so is an id DialBox never issued
/// unless the app made it (`manual_…`, `IN-…`, or any id of an inbound report).
pub fn find(
    tx: &rusqlite::Transaction<'_>,
    s: &Sender<'_>,
    report: &PhoneReport,
    about: &About,
) -> ApiResult<Option<Landed>> {
    let id = report.call_id().trim();
    if !id.is_empty() {
        if let Some(call) = by_id_or_alias(tx, &s.caller.user_id, id)? {
            if call.user_id != s.caller.user_id {
                return Err(ApiError::not_found());
            }
            let call = learn_number(tx, s, call, about)?;
            return Ok(Some(Landed {
                call,
                created: false,
            }));
        }
        if manual::is_manual_id(id) {
            let call =
                manual::create(tx, s.tz, s.caller, s.source, id, report.started_at(), s.now)?;
            return Ok(Some(Landed {
                call,
                created: true,
            }));
        }
        if !(inbound::is_app_id(id) || about.inbound) {
            return Err(ApiError::not_found());
        }
    }
    let phone_id = manual::callers_phone(tx, s.caller)?;
    let number = about.number.clone().unwrap_or_default();
    let matching = InboundMatch {
        phone_id,
        since: s.now - REPORT_WINDOW_MS,
        number: &number,
        ringing_only: false,
        alias: id,
    };
    let (call, created) = match db::inbound::latest_inbound(tx, &matching)? {
        Some(call) => (learn_number(tx, s, call, about)?, false),
        None if matches!(report, PhoneReport::Status { .. }) => return Ok(None),
        None => (from_end_report(tx, s, phone_id, report, about)?, true),
    };
    if !id.is_empty() {
        db::inbound::add_alias(tx, &s.caller.user_id, id, &call.id, s.now)?;
    }
    Ok(Some(Landed { call, created }))
}

/// The call with this id, or the one this user's app knows by it.
pub fn by_id_or_alias(
    conn: &rusqlite::Connection,
    user_id: &str,
    id: &str,
) -> db::DbResult<Option<Call>> {
    match db::calls::by_id(conn, id) {
        Ok(call) => Ok(Some(call)),
        Err(DbError::NotFound) => match db::inbound::alias_target(conn, user_id, id)? {
            Some(target) => Ok(Some(db::calls::by_id(conn, &target)?)),
            None => Ok(None),
        },
        Err(e) => Err(e),
    }
}

/// An inbound call whose number was unknown takes the one a later report gives (2.4.0 finds it
/// in the call log after the call: `endReason: number_updated`), and its customer.
fn learn_number(
    tx: &rusqlite::Transaction<'_>,
    s: &Sender<'_>,
    call: Call,
    about: &About,
) -> ApiResult<Call> {
    match &about.number {
        Some(number) if call.call_type == "inbound" && call.customer_phone.is_empty() => {
            let customer = db::customers::by_phone(tx, number)?;
            Ok(inbound::name_the_caller(
                tx, s.tz, &call, number, &customer, s.now,
            )?)
        }
        _ => Ok(call),
    }
}

/// The inbound call an end report describes when caller ID never made one (the socket was down
/// and the HTTP fallback failed): ringing from the report's start — `startTime`, else
/// `endTime − duration` — so the end report itself then ends it.
fn from_end_report(
    tx: &rusqlite::Transaction<'_>,
    s: &Sender<'_>,
    phone_id: i64,
    report: &PhoneReport,
    about: &About,
) -> ApiResult<Call> {
    let PhoneReport::End {
        start_ms,
        end_ms,
        duration,
        ..
    } = report
    else {
        return Err(ApiError::not_found());
    };
    let from_end = end_ms.map(|end| end - duration.unwrap_or(0) * 1000);
    let started = start_ms.or(from_end).unwrap_or(s.now).min(s.now);
    let number = about.number.as_deref().unwrap_or_default();
    let customer = match number {
        "" => None,
        n => db::customers::by_phone(tx, n)?,
    };
    let mut call = inbound::new_inbound_call(s.caller, phone_id, number, &customer, (s.now, s.tz));
    // a phone clock far off is not believed: the call then starts when the report came
    if s.now - started <= 24 * 3600 * 1000 {
        call.start_time = started;
    }
    store::insert(tx, s.tz, &call)?;
    let event = json!({ "phoneId": phone_id, "from": report.call_id() });
    db::call_events::insert(tx, &call.id, s.source, "inbound", &event, s.now)?;
    Ok(call)
}
