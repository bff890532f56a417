//! Calls: the state machine of contract §6, shared by every way a report arrives — HTTP §4.1 and
//! §4.2, the phone socket (CALL_STATUS, CALL_END, CALL_ENDED), the PC (cancel, end) and the dial
//! timeout. Phone reports (HTTP and socket) all go through `apply_report`; PC actions through
//! `dial` and `pc`; and every write of a call row through `store`, which keeps the statistics
//! rollup in the same transaction.

pub mod backfill;
pub mod cancel_and_end;
pub mod dial;
pub mod follow_up_edit;
pub mod follow_ups;
pub mod inbound;
pub mod list_outcome;
pub mod machine;
pub mod manual;
pub mod notify;
pub mod pacing;
pub mod records;
pub mod refusal;
pub mod reports;
pub mod rollup;
pub mod stats;
pub mod store;
pub mod timeout;
pub mod whose_phone;

use serde_json::{Value, json};

use crate::auth::Caller;
use crate::db;
pub use crate::db::call_events::Source;
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// A phone's report about one of its calls, in either dialect (contract §6, §13), already
/// parsed: times as epoch ms.
#[derive(Debug, Clone)]
pub enum PhoneReport {
    /// §4.1 / CALL_STATUS: `dialing`, `ringing`, `connected`, `ended`, and the shipped app's
    /// `rejected` / `missed` (which end the call), with its optional `reason`.
    Status {
        call_id: String,
        status: String,
        reason: Option<String>,
        at_ms: Option<i64>,
    },
    /// §4.2 / CALL_END / CALL_ENDED.
    End {
        call_id: String,
        status: String,
        start_ms: Option<i64>,
        end_ms: Option<i64>,
        duration: Option<i64>,
        has_recording: Option<bool>,
        end_reason: Option<String>,
    },
}

impl PhoneReport {
    pub fn call_id(&self) -> &str {
        match self {
            PhoneReport::Status { call_id, .. } | PhoneReport::End { call_id, .. } => call_id,
        }
    }

    /// When the report says the call started (a manual call begins there).
    fn started_at(&self) -> Option<i64> {
        match self {
            PhoneReport::Status { at_ms, .. } => *at_ms,
            PhoneReport::End { start_ms, .. } => *start_ms,
        }
    }

    /// The report as kept in the call's history.
    pub fn payload(&self) -> (&'static str, Value) {
        match self {
            PhoneReport::Status {
                status,
                reason,
                at_ms,
                ..
            } => (
                "status",
                json!({ "status": status, "reason": reason, "at": at_ms }),
            ),
            PhoneReport::End {
                status,
                start_ms,
                end_ms,
                duration,
                has_recording,
                end_reason,
                ..
            } => (
                "end",
                json!({
                    "status": status, "startTime": start_ms, "endTime": end_ms,
                    "duration": duration, "hasRecording": has_recording, "endReason": end_reason,
                }),
            ),
        }
    }
}

/// A socket message's identity, for applying it at most once: the phone and its `messageId`.
#[derive(Debug, Clone)]
pub struct Once {
    pub phone_id: i64,
    pub message_id: String,
    /// Also drop the ids old enough to be forgotten (done now and then, not on every report).
    pub prune: bool,
}

impl Once {
    /// In the report's transaction: true when this message was applied before. Otherwise it is
    /// recorded as applied, and commits (or rolls back) with the report itself, so a crash
    /// can neither apply a resend twice nor forget a report it acknowledged.
    pub fn seen_before(
        &self,
        tx: &rusqlite::Transaction<'_>,
        now: i64,
    ) -> Result<bool, db::DbError> {
        if db::device_messages::seen(tx, self.phone_id, &self.message_id)? {
            return Ok(true);
        }
        db::device_messages::record(tx, self.phone_id, &self.message_id, now)?;
        if self.prune {
            db::device_messages::prune(tx, now)?;
        }
        Ok(false)
    }
}

/// Applies a phone's report to its call: a state change, an end, a correction of an earlier end,
/// or an acknowledged no-op. Every report is kept in `call_events`. Another user's call is
/// `NOT_FOUND`. Safe to call concurrently: each report is one write transaction, which also
/// holds the socket message's once-only check (`once`).
pub async fn apply_report(
    state: &State,
    caller: &Caller,
    source: Source,
    report: PhoneReport,
    once: Option<Once>,
) -> ApiResult<()> {
    machine::validate(&report)?;
    let tz = state.config.timezone;
    let who = caller.clone();
    let clock = state.clock.clone();
    let changed = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            if let Some(once) = &once
                && once.seen_before(tx, now)?
            {
                return Ok(None);
            }
            let id = report.call_id().trim();
            let (call, created) = match db::calls::by_id(tx, id) {
                Err(db::DbError::NotFound) if manual::is_manual_id(id) => (
                    manual::create(tx, tz, &who, source, id, report.started_at(), now)?,
                    true,
                ),
                other => (other?, false),
            };
            if call.user_id != who.user_id {
                return Err(ApiError::not_found());
            }
            let (kind, payload) = report.payload();
            db::call_events::insert(tx, &call.id, source, kind, &payload, now)?;
            match machine::apply(&call, &report, now)? {
                Some(next) => {
                    store::update(tx, tz, &call, &next)?;
                    Ok(Some(next))
                }
                None => Ok(created.then_some(call)),
            }
        })
        .await?;
    if let Some(call) = changed {
        notify::call_state(state, &call);
    }
    Ok(())
}

/// Loads a call the caller may see, else NOT_FOUND.
pub fn visible_call(
    conn: &rusqlite::Connection,
    caller: &Caller,
    id: &str,
) -> db::DbResult<db::calls::Call> {
    let call = db::calls::by_id(conn, id)?;
    if caller.can_see(&call.user_id, &call.department) {
        Ok(call)
    } else {
        Err(db::DbError::NotFound)
    }
}
