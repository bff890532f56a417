//! A phone socket message's envelope (contract §5: `{type, messageId, timestamp, data}`) as
//! read once for every type, and the ACK and ERROR that answer it.

use serde_json::{Map, Value, json};

use crate::error::ErrorCode;
use crate::hub::socket_message;

/// The parts of a phone message every type shares.
pub struct Envelope {
    pub kind: String,
    /// Theirs, as they sent it (string or number).
    pub message_id: Option<Value>,
    pub sent_at: Option<i64>,
    pub data: Map<String, Value>,
}

impl Envelope {
    pub fn parse(text: &str, tz: chrono_tz::Tz) -> Result<Self, (Option<Value>, String)> {
        let value: Value =
            serde_json::from_str(text).map_err(|_| (None, "消息不是有效的JSON".to_string()))?;
        let Value::Object(mut obj) = value else {
            return Err((None, "消息须为JSON对象".into()));
        };
        let message_id = match obj.remove("messageId") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() || s.len() > 128 => {
                return Err((None, "messageId 须为1到128字的字符串".into()));
            }
            Some(id @ (Value::String(_) | Value::Number(_))) => Some(id),
            Some(_) => return Err((None, "messageId 须为字符串".into())),
        };
        let fail = |msg: &str| (message_id.clone(), msg.to_string());
        let kind = match obj.remove("type") {
            Some(Value::String(k)) if !k.is_empty() => k,
            _ => return Err(fail("缺少 type")),
        };
        // the envelope's own time only stands in for a report's missing one: a form we cannot
        // read must not cost the phone its HEARTBEAT_ACK (contract §5), so it counts as absent
        let sent_at = obj
            .get("timestamp")
            .and_then(|v| crate::times::parse_json_time(v, tz));
        let data = match obj.remove("data") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(d)) => d,
            Some(_) => return Err(fail("data 须为JSON对象")),
        };
        Ok(Self {
            kind,
            message_id,
            sent_at,
            data,
        })
    }

    /// The messageId as the key `device_messages` stores.
    pub fn id_key(&self) -> Option<String> {
        self.message_id.as_ref().map(|id| match id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

pub fn ack(theirs: &Value) -> Value {
    socket_message("ACK", Some(json!({ "messageId": theirs })))
}

pub fn error(theirs: Option<&Value>, code: ErrorCode, message: &str) -> Value {
    let mut data = json!({ "code": code.as_str(), "message": message });
    if let Some(id) = theirs {
        data["messageId"] = id.clone();
    }
    socket_message("ERROR", Some(data))
}
