//! Calls: the state machine of contract §6, shared by every way a report arrives — HTTP §4.1 and
//! §4.2, the phone socket (CALL_STATUS, CALL_END, CALL_ENDED), the PC (cancel, end) and the dial
//! timeout. Every route and the socket call `apply_report`; none of them touches call rows.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// Where a report came from (kept in `call_events.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSource {
    Http,
    Socket,
}

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
}

/// Applies a phone's report to its call: a state change, an end, a correction of an earlier end,
/// or an acknowledged no-op. Another user's call is `NOT_FOUND`.
///
/// Not built yet: the calls issue implements it (the socket and the HTTP report routes call it).
pub async fn apply_report(
    _state: &State,
    _caller: &Caller,
    _source: ReportSource,
    _report: PhoneReport,
) -> ApiResult<()> {
    Err(ApiError::not_found())
}
