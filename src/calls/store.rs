//! The only writes of call rows that can change statistics: each one moves the call's
//! contribution in `call_daily_stats` inside the same transaction (contract §9).

use chrono_tz::Tz;
use rusqlite::Connection;

use super::rollup;
use crate::db::DbResult;
use crate::db::calls::{self, Call};

pub fn insert(conn: &Connection, tz: Tz, call: &Call) -> DbResult<()> {
    calls::insert(conn, call)?;
    rollup::replace(conn, tz, None, Some(call))
}

/// Saves `after` over `before` (the row as read in this transaction).
pub fn update(conn: &Connection, tz: Tz, before: &Call, after: &Call) -> DbResult<()> {
    calls::save(conn, after)?;
    if after.has_recording && after.duration > 0 && after.duration != before.duration {
        crate::db::recordings::fill_unknown_durations(conn, &after.id, after.duration)?;
    }
    rollup::replace(conn, tz, Some(before), Some(after))
}

pub fn delete(conn: &Connection, tz: Tz, call: &Call) -> DbResult<()> {
    calls::delete(conn, &call.id)?;
    rollup::replace(conn, tz, Some(call), None)
}
