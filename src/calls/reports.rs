//! A phone's call reports, in both dialects and over both channels: the socket's `CALL_STATUS`
//! and `CALL_END` / the shipped app's `CALL_ENDED` (§6 5.4.3/5.4.4, contract §13), and the same
//! fields as the body of HTTP §4.1 / §4.2 — one parser, so the two channels cannot drift apart
//! (contract §5: the socket's reports do exactly what the HTTP ones do). Parsed into the
//! `PhoneReport` that `calls::apply_report` takes. Times are ISO strings or epoch ms.

use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::calls::{About, PhoneReport, inbound};
use crate::times::parse_json_time;

type Fields = Map<String, Value>;

/// Whether a message type is a call report.
pub fn is_report(kind: &str) -> bool {
    matches!(kind, "CALL_STATUS" | "CALL_END" | "CALL_ENDED")
}

/// The message type whose fields a §4.1 status body carries.
pub const HTTP_STATUS: &str = "CALL_STATUS";
/// The message type whose fields a §4.2 end body carries.
pub const HTTP_END: &str = "CALL_END";

/// Parses a call report's `data`; `sent_at` is the message's own `timestamp`. The error says
/// which field is wrong.
pub fn parse(
    kind: &str,
    data: &Fields,
    sent_at: Option<i64>,
    tz: Tz,
) -> Result<PhoneReport, String> {
    // 2.4.0 reports an incoming call by its number, with a blank id (contract §14)
    let call_id = if inbound::names_a_number(data) {
        optional_text(data, "callId")?.unwrap_or_default()
    } else {
        required_text(data, "callId")?
    };
    let mut status = required_text(data, "status")?;
    if status == "offhook" {
        // Android's word for a line picked up, which 2.4.0 passes on for incoming calls
        status = "connected".into();
    }
    if kind == "CALL_STATUS" {
        return Ok(PhoneReport::Status {
            call_id,
            status,
            reason: optional_text(data, "reason")?,
            at_ms: optional_time(data, "timestamp", tz)?.or(sent_at),
        });
    }
    let end_reason = match optional_text(data, "endReason")? {
        Some(r) => Some(r),
        None => optional_text(data, "reason")?,
    };
    Ok(PhoneReport::End {
        call_id,
        status,
        start_ms: optional_time(data, "startTime", tz)?,
        end_ms: optional_time(data, "endTime", tz)?,
        duration: optional_duration(data)?,
        has_recording: optional_bool(data, "hasRecording")?,
        end_reason,
    })
}

/// The number and direction a report gives besides its id (2.4.0 adds `phoneNumber` and
/// `callType` to its reports). Read leniently: they only help find the call.
pub fn about(data: &Fields) -> About {
    About {
        number: inbound::caller_number(data.get("phoneNumber").and_then(Value::as_str)),
        inbound: data.get("callType").and_then(Value::as_str) == Some("inbound"),
    }
}

fn present<'a>(data: &'a Fields, field: &str) -> Option<&'a Value> {
    data.get(field).filter(|v| !v.is_null())
}

fn required_text(data: &Fields, field: &str) -> Result<String, String> {
    optional_text(data, field)?.ok_or_else(|| format!("缺少 {field}"))
}

fn optional_text(data: &Fields, field: &str) -> Result<Option<String>, String> {
    match present(data, field) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= 256 => Ok(Some(s.trim().to_string())),
        Some(_) => Err(format!("{field} 须为不超过256字的字符串")),
    }
}

fn optional_time(data: &Fields, field: &str, tz: Tz) -> Result<Option<i64>, String> {
    match present(data, field) {
        None => Ok(None),
        Some(v) => parse_json_time(v, tz)
            .map(Some)
            .ok_or_else(|| format!("{field} 须为ISO时间或毫秒时间戳")),
    }
}

/// Seconds, as a whole number (the app may send `180` or `180.0`); never negative.
fn optional_duration(data: &Fields) -> Result<Option<i64>, String> {
    match present(data, "duration") {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64))
        {
            Some(secs) if (0..=crate::limits::MAX_DURATION_SECS).contains(&secs) => Ok(Some(secs)),
            _ => Err("duration 须为非负的秒数".into()),
        },
        Some(_) => Err("duration 须为数字".into()),
    }
}

fn optional_bool(data: &Fields, field: &str) -> Result<Option<bool>, String> {
    match present(data, field) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{field} 须为布尔值")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn status_with_iso_time_and_reason() {
        let data = fields(
            json!({"callId": "call_1", "status": "rejected", "reason": "busy",
            "timestamp": "2025-12-25T10:30:00.000Z"}),
        );
        match parse("CALL_STATUS", &data, Some(1), chrono_tz::Tz::UTC).unwrap() {
            PhoneReport::Status {
                call_id,
                status,
                reason,
                at_ms,
            } => {
                assert_eq!((call_id.as_str(), status.as_str()), ("call_1", "rejected"));
                assert_eq!(reason.as_deref(), Some("busy"));
                assert_eq!(at_ms, Some(1_766_658_600_000));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn end_in_both_dialects() {
        let data = fields(
            json!({"callId": "c", "status": "connected", "duration": 180.0,
            "hasRecording": true, "endTime": 1_766_658_600_000_i64, "endReason": "user_submit"}),
        );
        for kind in ["CALL_END", "CALL_ENDED"] {
            match parse(kind, &data, None, chrono_tz::Tz::UTC).unwrap() {
                PhoneReport::End {
                    duration,
                    has_recording,
                    end_ms,
                    end_reason,
                    ..
                } => {
                    assert_eq!(duration, Some(180));
                    assert_eq!(has_recording, Some(true));
                    assert_eq!(end_ms, Some(1_766_658_600_000));
                    assert_eq!(end_reason.as_deref(), Some("user_submit"));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let no_id = fields(json!({"status": "ringing"}));
        assert!(
            parse("CALL_STATUS", &no_id, None, chrono_tz::Tz::UTC)
                .unwrap_err()
                .contains("callId")
        );
        let bad = fields(json!({"callId": "c", "status": "connected", "duration": -1}));
        assert!(
            parse("CALL_END", &bad, None, chrono_tz::Tz::UTC)
                .unwrap_err()
                .contains("duration")
        );
        let bad_time = fields(json!({"callId": "c", "status": "x", "timestamp": "soon"}));
        assert!(parse("CALL_STATUS", &bad_time, None, chrono_tz::Tz::UTC).is_err());
    }
}
