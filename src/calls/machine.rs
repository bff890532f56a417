//! The call state machine of contract §6 as a pure function: a call and a phone report in, the
//! call as it should be out (or nothing to change). No I/O, so every rule is unit-tested here.

use super::PhoneReport;
use crate::db::calls::Call;
use crate::error::{ApiError, ApiResult};
use crate::states::call::{CallState, EndStatus};

/// What §4.1 / CALL_STATUS may say, in both dialects (§13).
pub const STATUS_VALUES: [&str; 6] = [
    "dialing",
    "ringing",
    "connected",
    "ended",
    "rejected",
    "missed",
];
/// `end_reason` of a call the dial timeout failed.
pub const TIMEOUT_REASON: &str = "dial_timeout";
/// `end_reason` of a dialed call the phone took up (it said `dialing`) but never reported on
/// again within `NO_REPORT_MS` (the shipped app erased it, issue 29).
pub const NO_REPORT_REASON: &str = "no_report";
/// How long a dialed call may stay `calling` with no word beyond `dialing`: longer than any
/// ring, so only a call the phone lost ends here; a late end report still corrects it.
pub const NO_REPORT_MS: i64 = 10 * 60 * 1000;

/// Whether a call was ended by a timeout rather than by anyone's report.
pub fn ended_by_timeout(call: &Call) -> bool {
    call.state == CallState::Ended
        && matches!(
            call.end_reason.as_deref(),
            Some(TIMEOUT_REASON | NO_REPORT_REASON)
        )
}
/// The end reason of a call the PC canceled.
pub const CANCEL_REASON: &str = "pc_cancel";
/// How far a phone's clock may be off ours before its times are not believed at all.
const PHONE_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// A time the phone reported, if it can belong to this call: between the call's start and
/// now, give or take a phone clock that is a few minutes off (clamped into the call then).
/// Anything further out — a phone whose clock is years off, an end before the start — is
/// dropped, and the machine falls back on what the server saw; otherwise one bad clock would
/// put a call of years into the statistics.
fn plausible(at: Option<i64>, call: &Call, now: i64) -> Option<i64> {
    let latest = now.max(call.start_time);
    at.filter(|t| {
        (call.start_time - PHONE_CLOCK_SKEW_MS..=latest + PHONE_CLOCK_SKEW_MS).contains(t)
    })
    .map(|t| t.clamp(call.start_time, latest))
}

/// Checks a report's values before any lookup, so a bad report is INVALID_PARAMS.
pub fn validate(report: &PhoneReport) -> ApiResult<()> {
    match report {
        PhoneReport::Status { status, .. } if !STATUS_VALUES.contains(&status.as_str()) => {
            Err(ApiError::invalid(format!(
                "status 无效: {status}（可选 {}）",
                STATUS_VALUES.join("/")
            )))
        }
        PhoneReport::End { status, .. } if EndStatus::parse(status).is_none() => {
            let names: Vec<&str> = EndStatus::ALL.iter().map(|s| s.as_str()).collect();
            Err(ApiError::invalid(format!(
                "status 无效: {status}（可选 {}）",
                names.join("/")
            )))
        }
        PhoneReport::End {
            duration: Some(d), ..
        } if *d < 0 || *d > 7 * 24 * 3600 => Err(ApiError::invalid("duration 超出范围")),
        _ => Ok(()),
    }
}

/// The call after `report`, or `None` when the report changes nothing (a repeat, a status
/// after the end, `dialing`, `ended`): those are acknowledged all the same.
pub fn apply(call: &Call, report: &PhoneReport, now: i64) -> ApiResult<Option<Call>> {
    validate(report)?;
    let next = match report {
        PhoneReport::Status {
            status,
            reason,
            at_ms,
            ..
        } => status_report(
            call,
            status,
            reason.as_deref(),
            plausible(*at_ms, call, now).unwrap_or(now),
        ),
        PhoneReport::End {
            status,
            start_ms,
            end_ms,
            duration,
            has_recording,
            end_reason,
            ..
        } => Some(end_report(
            call,
            EndFacts {
                // checked by `validate` above
                status: EndStatus::parse(status)
                    .ok_or_else(|| ApiError::invalid(format!("status 无效: {status}")))?,
                start_ms: plausible(*start_ms, call, now),
                end_ms: plausible(*end_ms, call, now),
                duration: *duration,
                has_recording: *has_recording,
                reason: end_reason.clone(),
            },
            now,
        )),
    };
    Ok(next.filter(|n| !same_call(n, call)).map(|mut n| {
        n.updated_at = now;
        n
    }))
}

fn same_call(a: &Call, b: &Call) -> bool {
    let mut a = a.clone();
    a.updated_at = b.updated_at;
    &a == b
}

fn status_report(call: &Call, status: &str, reason: Option<&str>, at: i64) -> Option<Call> {
    let mut next = call.clone();
    match (status, call.state) {
        ("ringing", CallState::Calling) => next.state = CallState::Ringing,
        ("connected", CallState::Calling | CallState::Ringing) => {
            next.state = CallState::Connected;
            next.connected_at = Some(at);
        }
        // 2.4.0's hang-up of an incoming call (contract §14): the line is down now, so the call
        // ends here — answered or not — and the end report that follows corrects it
        ("ended", CallState::Ringing | CallState::Connected) if call.call_type == "inbound" => {
            let answered = call.state == CallState::Connected;
            return Some(end_report(
                call,
                EndFacts {
                    status: if answered {
                        EndStatus::Connected
                    } else {
                        EndStatus::Missed
                    },
                    start_ms: None,
                    end_ms: Some(at),
                    duration: None,
                    has_recording: None,
                    reason: None,
                },
                at,
            ));
        }
        // the shipped app ends a call with these; after a real end they are only history
        ("rejected" | "missed", _) if call.is_live() || ends_again(call) => {
            return Some(end_report(
                call,
                EndFacts {
                    status: EndStatus::parse(status)?,
                    start_ms: None,
                    end_ms: Some(at),
                    duration: Some(0),
                    has_recording: None,
                    reason: reason.map(str::to_string),
                },
                at,
            ));
        }
        _ => return None,
    }
    Some(next)
}

/// A canceled or timed-out call still takes the phone's end: the phone may have dialed anyway.
fn ends_again(call: &Call) -> bool {
    call.state == CallState::Canceled || ended_by_timeout(call)
}

struct EndFacts {
    status: EndStatus,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    duration: Option<i64>,
    has_recording: Option<bool>,
    reason: Option<String>,
}

/// An end report: the phone's word on what happened, correcting any earlier end.
fn end_report(call: &Call, f: EndFacts, now: i64) -> Call {
    let was_ended = call.state == CallState::Ended;
    let end_time = f
        .end_ms
        .or_else(|| Some(f.start_ms? + f.duration? * 1000))
        .or(if was_ended { call.end_time } else { None })
        .unwrap_or(now)
        // start + duration may still overshoot: a call ends after it starts and before its report
        .clamp(call.start_time, now.max(call.start_time));
    let duration = f
        .duration
        .or_else(|| Some(((end_time - f.start_ms?) / 1000).max(0)))
        .or((f.status != EndStatus::Connected).then_some(0))
        .or(if was_ended { Some(call.duration) } else { None })
        .or_else(|| call.connected_at.map(|at| ((end_time - at) / 1000).max(0)))
        .unwrap_or(0);
    let mut next = call.clone();
    next.state = CallState::Ended;
    next.end_status = Some(f.status);
    // a PC cancel the phone ignored stays a fact of the call (contract §13.1: 已取消 → the
    // phone's outcome); the phone's own reason is in the report history
    next.end_reason = match call.end_reason.as_deref() {
        Some(CANCEL_REASON) => call.end_reason.clone(),
        _ => f.reason,
    };
    next.end_time = Some(end_time);
    next.duration = duration;
    next.has_recording = call.has_recording || f.has_recording.unwrap_or(false);
    if f.status == EndStatus::Connected && next.connected_at.is_none() {
        next.connected_at = Some(end_time - duration * 1000);
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    /// When the reports arrive: after the call's start (1_000_000) and its reported end.
    const NOW: i64 = 3_000_000;

    fn call(state: &str) -> Call {
        Call {
            id: "call_1".into(),
            user_id: "u".into(),
            phone_id: Some(1),
            customer_id: None,
            customer_name: String::new(),
            customer_phone: "13800138000".into(),
            call_type: "outbound".into(),
            state: CallState::parse(state).expect("a call state"),
            end_status: None,
            end_reason: None,
            start_time: 1_000_000,
            connected_at: None,
            end_time: None,
            duration: 0,
            has_recording: false,
            notes: String::new(),
            call_tags: vec![],
            follow_up_required: false,
            order_id: None,
            created_at: 1_000_000,
            updated_at: 1_000_000,
            user_name: String::new(),
            department: String::new(),
            recording_path: None,
            recording_id: None,
        }
    }

    fn status(s: &str) -> PhoneReport {
        PhoneReport::Status {
            call_id: "call_1".into(),
            status: s.into(),
            reason: Some("busy".into()),
            at_ms: Some(1_005_000),
        }
    }

    fn end(s: &str, duration: i64, rec: Option<bool>) -> PhoneReport {
        PhoneReport::End {
            call_id: "call_1".into(),
            status: s.into(),
            start_ms: None,
            end_ms: Some(2_000_000),
            duration: Some(duration),
            has_recording: rec,
            end_reason: None,
        }
    }

    #[test]
    fn forward_only_and_dialing_is_a_no_op() {
        let c = call("calling");
        assert!(apply(&c, &status("dialing"), NOW).unwrap().is_none());
        let r = apply(&c, &status("ringing"), NOW).unwrap().unwrap();
        assert_eq!(r.state, CallState::Ringing);
        let k = apply(&r, &status("connected"), NOW).unwrap().unwrap();
        assert_eq!(
            (k.state.as_str(), k.connected_at),
            ("connected", Some(1_005_000))
        );
        assert!(apply(&k, &status("ringing"), NOW).unwrap().is_none());
        assert!(apply(&k, &status("ended"), NOW).unwrap().is_none());
    }

    #[test]
    fn an_inbound_hang_up_ends_the_call_answered_or_not() {
        let mut ringing = call("ringing");
        ringing.call_type = "inbound".into();
        let missed = apply(&ringing, &status("ended"), NOW).unwrap().unwrap();
        assert_eq!(
            (missed.call_status(), missed.duration, missed.end_time),
            ("missed", 0, Some(1_005_000))
        );
        let mut talking = ringing.clone();
        talking.state = CallState::Connected;
        talking.connected_at = Some(1_001_000);
        let talked = apply(&talking, &status("ended"), NOW).unwrap().unwrap();
        assert_eq!((talked.call_status(), talked.duration), ("connected", 4));
        // the end report that follows corrects it
        let reported = apply(&talked, &end("connected", 7, Some(true)), NOW)
            .unwrap()
            .unwrap();
        assert_eq!((reported.duration, reported.has_recording), (7, true));
    }

    #[test]
    fn end_then_repeat_then_correction_keeps_recording() {
        let c = call("connected");
        let e = apply(&c, &end("connected", 180, Some(true)), NOW)
            .unwrap()
            .unwrap();
        assert_eq!(e.call_status(), "connected");
        assert!(
            apply(&e, &end("connected", 180, Some(true)), NOW)
                .unwrap()
                .is_none()
        );
        let fixed = apply(&e, &end("missed", 0, Some(false)), NOW)
            .unwrap()
            .unwrap();
        assert_eq!((fixed.call_status(), fixed.duration), ("missed", 0));
        assert!(fixed.has_recording, "hasRecording never goes back to false");
        assert!(apply(&fixed, &status("connected"), NOW).unwrap().is_none());
    }

    #[test]
    fn rejected_status_ends_with_reason_and_cancel_still_takes_an_end() {
        let r = apply(&call("calling"), &status("rejected"), NOW)
            .unwrap()
            .unwrap();
        assert_eq!(r.call_status(), "rejected");
        assert_eq!(r.end_reason.as_deref(), Some("busy"));
        let after_cancel = apply(&call("canceled"), &end("connected", 30, None), NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            (after_cancel.call_status(), after_cancel.duration),
            ("connected", 30)
        );
    }

    #[test]
    fn bad_values_are_invalid() {
        assert!(apply(&call("calling"), &status("talking"), NOW).is_err());
        assert!(apply(&call("calling"), &end("ended", 0, None), NOW).is_err());
        assert!(apply(&call("calling"), &end("connected", -1, None), NOW).is_err());
    }

    #[test]
    fn a_phone_clock_far_off_is_not_believed() {
        let years_ago = PhoneReport::Status {
            call_id: "call_1".into(),
            status: "connected".into(),
            reason: None,
            at_ms: Some(1_000_000 - 3 * 365 * 86_400_000),
        };
        let k = apply(&call("ringing"), &years_ago, NOW).unwrap().unwrap();
        assert_eq!(k.connected_at, Some(NOW), "the server's own time instead");

        // a minute off is a clock, not nonsense: kept, clamped into the call
        let early = PhoneReport::Status {
            call_id: "call_1".into(),
            status: "connected".into(),
            reason: None,
            at_ms: Some(1_000_000 - 60_000),
        };
        let k = apply(&call("ringing"), &early, NOW).unwrap().unwrap();
        assert_eq!(k.connected_at, Some(1_000_000));

        // an end before the call began, or far in the future, falls back as if absent
        for end_ms in [1_000_000 - 86_400_000, NOW + 86_400_000] {
            let report = PhoneReport::End {
                call_id: "call_1".into(),
                status: "connected".into(),
                start_ms: None,
                end_ms: Some(end_ms),
                duration: Some(60),
                has_recording: None,
                end_reason: None,
            };
            let e = apply(&call("connected"), &report, NOW).unwrap().unwrap();
            assert_eq!((e.end_time, e.duration), (Some(NOW), 60));
        }
    }
}
