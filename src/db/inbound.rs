//! Queries for incoming calls (contract §14): a phone's latest inbound call that a report by
//! number belongs to, the app-made ids (`IN-local-…`) that alias a call, and the rings nobody
//! reported on again.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbResult;
use super::calls::{Call, SELECT, from_row};

/// Where a phone's inbound call is looked for: its number (empty = unknown) and how far back.
pub struct InboundMatch<'a> {
    pub phone_id: i64,
    pub since: i64,
    /// The report's number, normalised; empty when the report has none.
    pub number: &'a str,
    /// Only a call still ringing (caller ID's reuse); else any state.
    pub ringing_only: bool,
    /// The app-made id the report carries ('' = none): a call another app id already names is
    /// another call, not this one.
    pub alias: &'a str,
}

/// The phone's latest inbound call since `m.since` whose number is the report's or unknown —
/// a report without a number matches only a call without one. Read through
/// `call_records_by_phone_start` (a few rows: one phone's last minutes).
pub fn latest_inbound(conn: &Connection, m: &InboundMatch<'_>) -> DbResult<Option<Call>> {
    let sql = format!(
        "{SELECT} WHERE c.phone_id = ?1 AND c.start_time >= ?2 AND c.call_type = 'inbound'
           AND (c.customer_phone = '' OR c.customer_phone = ?3)
           AND (?4 = 0 OR c.state = 'ringing')
           AND (?5 = '' OR NOT EXISTS (SELECT 1 FROM call_aliases a
                                       WHERE a.call_id = c.id AND a.alias <> ?5))
         ORDER BY c.start_time DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(
            params![m.phone_id, m.since, m.number, m.ringing_only, m.alias],
            from_row,
        )
        .optional()?)
}

/// The call `alias` names for `user_id`, if the user's phone made that alias.
pub fn alias_target(conn: &Connection, user_id: &str, alias: &str) -> DbResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT call_id FROM call_aliases WHERE user_id = ?1 AND alias = ?2")?
        .query_row([user_id, alias], |r| r.get(0))
        .optional()?)
}

/// Makes `alias` another name of `call_id` for `user_id` (kept if it already is one).
pub fn add_alias(
    conn: &Connection,
    user_id: &str,
    alias: &str,
    call_id: &str,
    now: i64,
) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO call_aliases (user_id, alias, call_id, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, alias) DO NOTHING",
    )?
    .execute(params![user_id, alias, call_id, now])?;
    Ok(())
}

const STALE_RINGS: &str = "SELECT id FROM call_records
     WHERE state IN ('calling', 'ringing', 'connected') AND state = 'ringing'
       AND call_type = 'inbound' AND start_time < ?1";

/// Inbound calls still ringing that started before `cutoff`: the phone never said how the ring
/// ended (the app was killed). The `state IN (…)` term lets SQLite use `call_records_live`.
pub fn stale_rings(conn: &Connection, cutoff: i64) -> DbResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(STALE_RINGS)?;
    let rows = stmt.query_map([cutoff], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod plan_tests {
    use rusqlite::types::Value;

    #[test]
    fn the_ring_sweep_reads_only_live_calls() {
        let p = crate::db::call_lists::plan_tests::plan(super::STALE_RINGS, &[Value::Integer(0)]);
        assert!(p.contains("USING INDEX call_records_live"), "{p}");
    }
}

/// What the 来电弹屏 shows of a customer's history besides the customer: when they were last
/// called or called in (other than by `except_call`, the ringing one), and the newest
/// follow-up's notes.
#[derive(Debug, Clone, Default)]
pub struct Trail {
    pub last_call_time: Option<i64>,
    pub last_follow_up: Option<String>,
}

pub fn trail(conn: &Connection, customer_id: &str, except_call: &str) -> DbResult<Trail> {
    let last_call_time = conn
        .prepare_cached(
            // newest first down the customer's index, stopping at the first other call: MAX()
            // with the `id <>` beside it read every call of the customer (thousands for a
            // customer an office has called for years)
            "SELECT start_time FROM call_records WHERE customer_id = ?1 AND id <> ?2
              ORDER BY start_time DESC LIMIT 1",
        )?
        .query_row([customer_id, except_call], |r| r.get(0))
        .optional()?;
    let last_follow_up = conn
        .prepare_cached(
            "SELECT content FROM follow_ups WHERE customer_id = ?1 AND content <> ''
              ORDER BY created_at DESC LIMIT 1",
        )?
        .query_row([customer_id], |r| r.get(0))
        .optional()?;
    Ok(Trail {
        last_call_time,
        last_follow_up,
    })
}
