//! The per office-day rollup `call_daily_stats` (contract §9): what one call counts for, the
//! one function every call write uses to move that contribution, and the rebuild when the
//! office time zone changes.

use std::collections::HashMap;

use chrono_tz::Tz;
use rusqlite::Connection;

use crate::db::calls::{Call, STATUS_SQL};
use crate::db::stats::{self, Totals};
use crate::db::{DbResult, settings};

/// The settings key holding the zone the rollup's days are in.
pub const TIMEZONE_KEY: &str = "stats_timezone";

/// What one call adds to the rollup: one call on its office day, connected when its
/// `callStatus` is `connected` (live or ended), its duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub day: String,
    pub user_id: String,
    pub connected: bool,
    pub inbound: bool,
    pub duration: i64,
}

pub fn office_day(ms: i64, tz: Tz) -> String {
    crate::times::local_day(ms, tz)
        .format("%Y-%m-%d")
        .to_string()
}

impl Contribution {
    pub fn of(call: &Call, tz: Tz) -> Self {
        Self::new(
            call.start_time,
            &call.user_id,
            call.call_status() == "connected",
            call.call_type == "inbound",
            call.duration,
            tz,
        )
    }

    pub fn new(
        start_ms: i64,
        user_id: &str,
        connected: bool,
        inbound: bool,
        duration: i64,
        tz: Tz,
    ) -> Self {
        Self {
            day: office_day(start_ms, tz),
            user_id: user_id.to_string(),
            connected,
            inbound,
            duration,
        }
    }

    fn apply(&self, conn: &Connection, sign: i64) -> DbResult<()> {
        stats::add(
            conn,
            &self.day,
            &self.user_id,
            sign,
            self.connected,
            self.inbound,
            self.duration,
        )
    }
}

/// THE rollup write: takes a call's old contribution away and adds its new one (`None` for a
/// call that did not exist before, or no longer exists). Call it in the transaction that
/// writes the call.
pub fn replace(
    conn: &Connection,
    tz: Tz,
    before: Option<&Call>,
    after: Option<&Call>,
) -> DbResult<()> {
    let old = before.map(|c| Contribution::of(c, tz));
    let new = after.map(|c| Contribution::of(c, tz));
    if old == new {
        return Ok(());
    }
    if let Some(old) = old {
        old.apply(conn, -1)?;
    }
    if let Some(new) = new {
        new.apply(conn, 1)?;
    }
    Ok(())
}

/// Adds one contribution to in-memory sums (rebuilds and generated data).
pub fn accumulate(sums: &mut HashMap<(String, String), Totals>, c: &Contribution) {
    let t = sums.entry((c.day.clone(), c.user_id.clone())).or_default();
    t.total += 1;
    t.connected += i64::from(c.connected);
    t.inbound += i64::from(c.inbound);
    t.outbound += i64::from(!c.inbound);
    t.duration += c.duration;
}

/// Recomputes the whole rollup in zone `tz` from the calls (streamed, summed in memory: a few
/// tens of thousands of day-user rows even for millions of calls).
pub fn rebuild(conn: &Connection, tz: Tz) -> DbResult<usize> {
    let mut sums: HashMap<(String, String), Totals> = HashMap::new();
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT c.start_time, c.user_id, {STATUS_SQL} = 'connected',
                    c.call_type = 'inbound', c.duration
             FROM call_records c"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let user: String = r.get(1)?;
            let c = Contribution::new(r.get(0)?, &user, r.get(2)?, r.get(3)?, r.get(4)?, tz);
            accumulate(&mut sums, &c);
        }
    }
    stats::clear(conn)?;
    for ((day, user), t) in &sums {
        stats::put(conn, day, user, t)?;
    }
    settings::set(conn, TIMEZONE_KEY, tz.name())?;
    Ok(sums.len())
}

/// At start: the rollup's days must be in the configured office zone. A data folder whose
/// rollup was built in another zone is rebuilt, in one transaction.
pub fn ensure_timezone(conn: &mut Connection, tz: Tz) -> DbResult<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    match settings::get(&tx, TIMEZONE_KEY)? {
        Some(stored) if stored == tz.name() => return Ok(()),
        stored => {
            let rows = rebuild(&tx, tz)?;
            tracing::info!(from = ?stored, to = tz.name(), rows, "rebuilt the daily call statistics");
        }
    }
    tx.commit()?;
    Ok(())
}
