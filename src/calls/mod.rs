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
pub mod report_target;
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

    /// A re-report whose only news is the number the app found after the call (2.4.0's
    /// `endReason: number_updated`): it names the caller and changes nothing else.
    fn only_names_the_number(&self) -> bool {
        matches!(self, PhoneReport::End { end_reason: Some(r), .. } if r == "number_updated")
    }

    /// When the report says the call started (a manual call begins there).
    pub(crate) fn started_at(&self) -> Option<i64> {
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

/// What a report says about its call besides the id (2.4.0, contract §14): the number the
/// phone saw (normalised; `None` when unknown) and whether the call came in.
#[derive(Debug, Clone, Default)]
pub struct About {
    pub number: Option<String>,
    pub inbound: bool,
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
/// holds the socket message's once-only check (`once`). Answers the id of the call the report
/// landed on (DialBox's own, whatever alias the app used), or the report's own id when it
/// landed on nothing.
pub async fn apply_report(
    state: &State,
    caller: &Caller,
    source: Source,
    (report, about): (PhoneReport, About),
    once: Option<Once>,
) -> ApiResult<String> {
    machine::validate(&report)?;
    let tz = state.config.timezone;
    let who = caller.clone();
    let clock = state.clock.clone();
    let (landed_on, changed) = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let theirs = report.call_id().to_string();
            if let Some(once) = &once
                && once.seen_before(tx, now)?
            {
                return Ok((theirs, None));
            }
            let sender = report_target::Sender {
                caller: &who,
                source,
                tz,
                now,
            };
            let Some(report_target::Landed { call, created }) =
                report_target::find(tx, &sender, &report, &about)?
            else {
                return Ok((theirs, None));
            };
            let (kind, payload) = report.payload();
            db::call_events::insert(tx, &call.id, source, kind, &payload, now)?;
            let before = db::calls::by_id(tx, &call.id)?;
            let next = if report.only_names_the_number() {
                None
            } else {
                machine::apply(&before, &report, now)?
            };
            let changed = match next {
                Some(next) => {
                    store::update(tx, tz, &before, &next)?;
                    Some(next)
                }
                // a call the report made, or an inbound one it may have named, is news too
                None => (created || (call.call_type == "inbound" && about.number.is_some()))
                    .then_some(before),
            };
            Ok::<_, ApiError>((call.id, changed))
        })
        .await?;
    if let Some(call) = changed {
        notify::call_state(state, &call);
    }
    Ok(landed_on)
}

/// `visible_call` off the async runtime: the call `id` the caller may see, else NOT_FOUND.
pub async fn load_visible(state: &State, caller: &Caller, id: &str) -> ApiResult<db::calls::Call> {
    let (id, who) = (id.to_string(), caller.clone());
    Ok(state.db.run(move |c| visible_call(c, &who, &id)).await?)
}

/// Loads a call the caller may see, else NOT_FOUND: by DialBox's id, or by an id the caller's
/// phone app made for it (2.4.0's `IN-local-…`, contract §14).
pub fn visible_call(
    conn: &rusqlite::Connection,
    caller: &Caller,
    id: &str,
) -> db::DbResult<db::calls::Call> {
    let call =
        report_target::by_id_or_alias(conn, &caller.user_id, id)?.ok_or(db::DbError::NotFound)?;
    if caller.can_see(&call.user_id, &call.department) {
        Ok(call)
    } else {
        Err(db::DbError::NotFound)
    }
}
