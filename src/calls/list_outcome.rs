//! What a call's end and its follow-up do to the list number it dialed and to the session
//! waiting on it. Both run inside the call's own transaction (`calls::store::update`, the §5.1
//! follow-up), so an item never says `dialing` about a call that has ended, and a crash
//! cannot keep one without the other. It lives in `calls/`, not `campaigns/`, because it is a
//! part of the call's single write: the call's writer calls it, and it needs only the
//! database below it (the power dialer above reads what it wrote).

use rusqlite::Connection;

use crate::db::calls::Call;
use crate::db::{self, DbResult};
use crate::states::dialer::{Outcome, PaceRule, Queue, WaitReason};

/// The least time between a call's end report (or its follow-up) and the session's next dial,
/// whatever the office's gap and wrap-up: the shipped app sends both from its 保存并返回 handler,
/// and a DIAL_COMMAND that arrived inside it (37–116 ms after the end report, at a 0 s gap) was
/// erased from the app's storage with the form it was closing (issue 29).
pub const SETTLE_MS: i64 = 3_000;

/// Where an item goes after a call that ended with `outcome`, on its `attempts`-th dial.
fn next_queue(outcome: Outcome, attempts: i64, max_attempts: i64) -> Queue {
    match outcome {
        // a person answered, or declined: the number is worked
        Outcome::Connected | Outcome::Rejected => Queue::Done,
        // nobody reached: again later, while attempts remain
        _ if attempts < max_attempts => Queue::Retry,
        _ => Queue::Done,
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
    if before.state.is_live() && after.call_type == "inbound" {
        return inbound_call_ended(conn, after);
    }
    let Some(item) = db::campaign_items::by_call(conn, &after.id)? else {
        return Ok(());
    };
    // the time of this write: the writer stamped the row with it
    let now = after.updated_at;
    let ended = after.end_time.unwrap_or(now);
    let outcome = Outcome::of_call_status(after.call_status());
    let campaign = db::campaigns::by_id(conn, &item.campaign_id)?;
    // a callback the salesperson asked for stands; only the outcome is news
    let (queue, due) = if item.queue == Queue::Callback {
        (Queue::Callback, item.due_at)
    } else {
        match next_queue(outcome, item.attempts, campaign.max_attempts) {
            Queue::Retry => (Queue::Retry, ended + campaign.retry_delay_ms),
            other => (other, 0),
        }
    };
    db::campaign_items::set_queue(conn, item.id, queue, Some(outcome), due, now)?;
    if let Some(mut s) = db::dialer_sessions::by_call(conn, &after.id)?
        && s.call_ended_at.is_none()
    {
        s.call_ended_at = Some(ended);
        s.next_at = Some((ended + campaign.wrap_up_ms).max(now + SETTLE_MS));
        s.wait_reason = Some(WaitReason::WrapUp);
        s.updated_at = now;
        db::dialer_sessions::save(conn, &s)?;
    }
    Ok(())
}

/// An incoming call ended: the session its salesperson's phone held back (`on_call`) looks
/// again now instead of at its next 5 s check; the pace (the gap from this end) still applies.
fn inbound_call_ended(conn: &Connection, call: &Call) -> DbResult<()> {
    if let Some(mut s) = db::dialer_sessions::of_user(conn, &call.user_id)?
        && s.wait_reason == Some(WaitReason::Paced(PaceRule::OnCall))
        && s.next_at.is_some_and(|at| at > call.updated_at)
    {
        s.next_at = Some(call.updated_at);
        s.updated_at = call.updated_at;
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
        && item.queue != Queue::Dialing
    {
        db::campaign_items::set_queue(conn, item.id, Queue::Callback, item.outcome, at, now)?;
        changed = true;
    }
    if let Some(mut s) = db::dialer_sessions::by_call(conn, call_id)?
        && s.call_ended_at.is_some()
        && s.wait_reason == Some(WaitReason::WrapUp)
    {
        // the wrap-up is over, but the app is still inside the handler that sent this
        // still a wrap-up: the settling seconds the page counts down
        s.next_at = Some(now + SETTLE_MS);
        s.updated_at = now;
        db::dialer_sessions::save(conn, &s)?;
        changed = true;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::next_queue;
    use crate::states::dialer::{Outcome, Queue};

    #[test]
    fn unreached_numbers_come_back_until_the_attempts_run_out() {
        assert_eq!(next_queue(Outcome::Connected, 1, 3), Queue::Done);
        assert_eq!(next_queue(Outcome::Rejected, 1, 3), Queue::Done);
        for outcome in [
            Outcome::Missed,
            Outcome::Busy,
            Outcome::Failed,
            Outcome::Canceled,
        ] {
            assert_eq!(next_queue(outcome, 1, 3), Queue::Retry, "{outcome:?}");
            assert_eq!(next_queue(outcome, 3, 3), Queue::Done, "{outcome:?}");
        }
    }
}
