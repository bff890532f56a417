//! The dial timeout (contract §6): a dialed call the phone has said nothing about within
//! `config.dial_timeout` ends `failed`. And an incoming call still ringing after
//! `inbound::RING_GIVES_UP_MS` ends `missed`: no ring lasts that long, so the phone's app died
//! before it said how the ring ended, and a call left ringing would hold the phone's pacing and
//! its dialing session for ever. A background task started with the server sweeps the few live
//! calls (a partial index holds only those).

use std::time::Duration;

use serde_json::json;

use super::{machine, notify, store};
use crate::db;
use crate::db::call_events::Source;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::states::call::{CallState, EndStatus};

/// Starts the sweep; abort the handle when the server stops.
pub fn spawn(state: State) -> tokio::task::JoinHandle<()> {
    let every = (state.settings.get().dial_timeout / 4)
        .clamp(Duration::from_millis(50), Duration::from_secs(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = sweep(&state).await {
                tracing::warn!(error = %err, "dial timeout sweep failed");
            }
            if let Err(err) = sweep_rings(&state).await {
                tracing::warn!(error = %err, "incoming ring sweep failed");
            }
        }
    })
}

/// Fails every dial older than the timeout with no phone report, and every dial still
/// `calling` after `machine::NO_REPORT_MS` whatever the phone said; returns how many.
pub async fn sweep(state: &State) -> ApiResult<usize> {
    let tz = state.config.timezone;
    let timeout = state.settings.get().dial_timeout.as_millis() as i64;
    // a read first: most sweeps find nothing and should not take the write lock
    let now = state.clock.now_ms();
    let (cutoff, lost_cutoff) = (now - timeout, now - machine::NO_REPORT_MS);
    let due = state
        .db
        .run(move |c| {
            let mut due: Vec<(String, &'static str)> = db::calls::unanswered_dials(c, cutoff)?
                .into_iter()
                .map(|id| (id, machine::TIMEOUT_REASON))
                .collect();
            for id in db::calls::lost_dials(c, lost_cutoff)? {
                if !due.iter().any(|(d, _)| *d == id) {
                    due.push((id, machine::NO_REPORT_REASON));
                }
            }
            Ok::<_, db::DbError>(due)
        })
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let clock = state.clock.clone();
    let failed = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let mut failed = Vec::new();
            for (id, reason) in due {
                let call = db::calls::by_id(tx, &id)?;
                // a report may have arrived since the read
                let unanswered = reason == machine::TIMEOUT_REASON;
                if call.state != CallState::Calling
                    || (unanswered && db::call_events::phone_reported(tx, &id)?)
                {
                    continue;
                }
                let end = Ended {
                    status: EndStatus::Failed,
                    reason,
                    at: now,
                };
                failed.push(end.write(tx, tz, &call, now)?);
            }
            Ok::<_, ApiError>(failed)
        })
        .await?;
    for call in &failed {
        notify::call_state(state, call);
    }
    Ok(failed.len())
}

/// Ends `missed` every incoming call still ringing after `RING_GIVES_UP_MS`; returns how many.
pub async fn sweep_rings(state: &State) -> ApiResult<usize> {
    let tz = state.config.timezone;
    let cutoff = state.clock.now_ms() - super::inbound::RING_GIVES_UP_MS;
    let due = state
        .db
        .run(move |c| db::inbound::stale_rings(c, cutoff))
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let clock = state.clock.clone();
    let ended = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let mut ended = Vec::new();
            for id in due {
                let call = db::calls::by_id(tx, &id)?;
                if call.state != CallState::Ringing {
                    continue;
                }
                let end = Ended {
                    status: EndStatus::Missed,
                    reason: RING_TIMEOUT_REASON,
                    at: now.min(call.start_time + super::inbound::RING_GIVES_UP_MS),
                };
                ended.push(end.write(tx, tz, &call, now)?);
            }
            Ok::<_, ApiError>(ended)
        })
        .await?;
    for call in &ended {
        notify::call_state(state, call);
    }
    Ok(ended.len())
}

/// `end_reason` of an incoming call nobody reported on after its ring.
pub const RING_TIMEOUT_REASON: &str = "ring_timeout";

/// How a timeout ends a call.
struct Ended {
    status: EndStatus,
    reason: &'static str,
    at: i64,
}

impl Ended {
    /// Writes the end over `call` with its history line; returns the call as it is now.
    fn write(
        &self,
        tx: &rusqlite::Transaction<'_>,
        tz: chrono_tz::Tz,
        call: &crate::db::calls::Call,
        now: i64,
    ) -> ApiResult<crate::db::calls::Call> {
        let mut next = call.clone();
        next.state = CallState::Ended;
        next.end_status = Some(self.status);
        next.end_reason = Some(self.reason.into());
        next.end_time = Some(self.at);
        next.updated_at = now;
        store::update(tx, tz, call, &next)?;
        db::call_events::insert(tx, &call.id, Source::Timeout, "timeout", &json!({}), now)?;
        Ok(next)
    }
}
