//! The only writes of call rows that can change statistics: each one moves the call's
//! contribution in `call_daily_stats` inside the same transaction (contract §9), and keeps
//! what else follows a call's end there too (the customer's last contact, a recording's length).

use chrono_tz::Tz;
use rusqlite::Connection;

use super::rollup;
use crate::db::DbResult;
use crate::db::calls::{self, Call};

pub fn insert(conn: &Connection, tz: Tz, call: &Call) -> DbResult<()> {
    calls::insert(conn, call)?;
    touch_customer(conn, call)?;
    rollup::replace(conn, tz, None, Some(call))
}

/// Saves `after` over `before` (the row as read in this transaction).
pub fn update(conn: &Connection, tz: Tz, before: &Call, after: &Call) -> DbResult<()> {
    calls::save(conn, before, after)?;
    if after.has_recording && after.duration > 0 && after.duration != before.duration {
        crate::db::recordings::fill_unknown_durations(conn, &after.id, after.duration)?;
    }
    if after.end_time != before.end_time || after.customer_id != before.customer_id {
        touch_customer(conn, after)?;
    }
    super::list_outcome::call_changed(conn, before, after)?;
    rollup::replace(conn, tz, Some(before), Some(after))
}

/// The customer's 最后联系 is the end of their latest call, however the call ended (phone
/// report, the PC, §5.7) — except a dial the phone never took up (the dial timeout): nobody
/// was called then.
fn touch_customer(conn: &Connection, call: &Call) -> DbResult<()> {
    match (&call.customer_id, call.end_time) {
        (Some(customer), Some(end))
            if call.state == crate::states::call::CallState::Ended
                && !super::machine::ended_by_timeout(call) =>
        {
            crate::db::customers::touch_last_contact(conn, customer, end)
        }
        _ => Ok(()),
    }
}

pub fn delete(conn: &Connection, tz: Tz, call: &Call) -> DbResult<()> {
    calls::delete(conn, &call.id)?;
    rollup::replace(conn, tz, Some(call), None)
}
