//! What a call's end and its follow-up do to the list number it dialed and to the session
//! waiting on it. Both run inside the call's own transaction (`calls::store::update`, the §5.1
//! follow-up), so an item never says `dialing` about a call that has ended, and a crash
//! cannot keep one without the other.

use rusqlite::Connection;

use crate::db::calls::Call;
use crate::db::{self, DbResult};

/// Where an item goes after a call that ended with `status`, on its `attempts`-th dial.
fn next_queue(status: &str, attempts: i64, max_attempts: i64) -> &'static str {
    match status {
        // a person answered, or declined: the number is worked
        "connected" | "rejected" => "done",
        // nobody reached: again later, while attempts remain
        _ if attempts < max_attempts => "retry",
        _ => "done",
    }
}

/// A call row changed (`calls::store::update`). When it stopped being live — or a later end
/// report corrected its result — the item it dialed gets the outcome, and the session whose
/// call it was starts its wrap-up.
pub fn call_changed(conn: &Connection, before: &Call, after: &Call) -> DbResult<()> {
    if after.state.is_live()
        || (before.state == after.state && before.end_status == after.end_status)
    {
        return Ok(());
    }
    let Some(item) = db::campaign_items::by_call(conn, &after.id)? else {
        return Ok(());
    };
    let now = crate::times::now_ms();
    let ended = after.end_time.unwrap_or(now);
    let status = after.call_status();
    let campaign = db::campaigns::by_id(conn, &item.campaign_id)?;
    // a callback the salesperson asked for stands; only the outcome is news
    let (queue, due) = if item.queue == "callback" {
        ("callback", item.due_at)
    } else {
        match next_queue(status, item.attempts, campaign.max_attempts) {
            "retry" => ("retry", ended + campaign.retry_delay_ms),
            other => (other, 0),
        }
    };
    db::campaign_items::set_queue(conn, item.id, queue, Some(status), due, now)?;
    if let Some(mut s) = db::dialer_sessions::by_call(conn, &after.id)?
        && s.call_ended_at.is_none()
    {
        s.call_ended_at = Some(ended);
        s.next_at = Some(ended + campaign.wrap_up_ms);
        s.wait_reason = Some("wrap_up".into());
        s.updated_at = now;
        db::dialer_sessions::save(conn, &s)?;
    }
    Ok(())
}

/// A follow-up for a call was submitted (§5.1): the wrap-up is over, the session may dial the
/// next number now (pacing permitting); a next follow-up time puts the number back in the
/// queue as a callback (再联系) due then.
pub fn follow_up_submitted(
    conn: &Connection,
    call_id: &str,
    next_follow_up: Option<i64>,
    now: i64,
) -> DbResult<bool> {
    let mut changed = false;
    if let (Some(at), Some(item)) = (next_follow_up, db::campaign_items::by_call(conn, call_id)?)
        && at > now
        && item.queue != "dialing"
    {
        db::campaign_items::set_queue(conn, item.id, "callback", item.outcome.as_deref(), at, now)?;
        changed = true;
    }
    if let Some(mut s) = db::dialer_sessions::by_call(conn, call_id)?
        && s.call_ended_at.is_some()
        && s.wait_reason.as_deref() == Some("wrap_up")
    {
        s.next_at = Some(now);
        s.wait_reason = None;
        s.updated_at = now;
        db::dialer_sessions::save(conn, &s)?;
        changed = true;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::next_queue;

    #[test]
    fn unreached_numbers_come_back_until_the_attempts_run_out() {
        assert_eq!(next_queue("connected", 1, 3), "done");
        assert_eq!(next_queue("rejected", 1, 3), "done");
        for status in ["missed", "busy", "failed", "canceled"] {
            assert_eq!(next_queue(status, 1, 3), "retry", "{status}");
            assert_eq!(next_queue(status, 3, 3), "done", "{status}");
        }
    }
}
