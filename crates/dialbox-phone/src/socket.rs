//! The phone socket (§6, contract §5): connecting with the device token, the message frame,
//! and the outbox of messages waiting for their ACK (resent with the same messageId).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::Dialect;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why a connection attempt failed.
#[derive(Debug)]
pub enum ConnectError {
    /// The server refused the upgrade with this status (401: token refused, the phone is unbound).
    Refused(u16, String),
    /// Anything else (server down, network): worth retrying.
    Other(String),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Refused(status, body) => write!(f, "refused with HTTP {status}: {body}"),
            ConnectError::Other(e) => write!(f, "{e}"),
        }
    }
}

/// The socket address to use: the bind answer's `wsUrl` with `/ws/mobile` appended when missing
/// (as the shipped app does), or moved onto `server`'s host when asked.
pub fn socket_url(ws_url: &str, server: &str, on_server: bool) -> String {
    let mut url = ws_url.trim_end_matches('/').to_string();
    if !url.ends_with("/ws/mobile") {
        url.push_str("/ws/mobile");
    }
    if on_server {
        let host = server
            .trim_end_matches('/')
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        return format!("{host}/ws/mobile");
    }
    url
}

/// Connects with `?token=`; small buffers so thousands of simulated phones fit in one process.
pub async fn connect(url: &str, token: &str) -> Result<Ws, ConnectError> {
    let full = format!("{url}?token={}", crate::api::query_value(token));
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(1 << 20);
    let connecting = tokio_tungstenite::connect_async_with_config(full, Some(config), true);
    match tokio::time::timeout(Duration::from_secs(15), connecting).await {
        Err(_) => Err(ConnectError::Other("no answer within 15 s".into())),
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(tungstenite::Error::Http(resp))) => {
            let body = resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            Err(ConnectError::Refused(resp.status().as_u16(), body))
        }
        Ok(Err(e)) => Err(ConnectError::Other(e.to_string())),
    }
}

/// A phone → server message with a fresh messageId. The shipped app writes CALL_STATUS
/// timestamps as ISO strings; everything else (and the document's app) uses epoch ms.
pub fn message(kind: &str, data: Option<Value>, dialect: Dialect) -> (String, Value) {
    let id = format!("msg_{}", crate::api::random_hex(8));
    let timestamp = if dialect.shipped() && kind == "CALL_STATUS" {
        json!(crate::api::iso_now())
    } else {
        json!(crate::api::now_ms())
    };
    let mut msg = json!({ "type": kind, "messageId": id, "timestamp": timestamp });
    if let Some(data) = data {
        msg["data"] = data;
    }
    (id, msg)
}

/// A heartbeat: the document's has no messageId; the shipped app's has one and no data.
pub fn heartbeat(dialect: Dialect) -> Value {
    match dialect {
        Dialect::Document => json!({ "type": "HEARTBEAT", "timestamp": crate::api::now_ms() }),
        Dialect::ShippedApp | Dialect::ShippedApp24 => message("HEARTBEAT", None, dialect).1,
    }
}

pub async fn send(ws: &mut Ws, msg: &Value) -> Result<(), String> {
    ws.send(Message::text(msg.to_string()))
        .await
        .map_err(|e| format!("socket send: {e}"))
}

/// The next JSON message from the server; `None` when the socket closed. Pings are answered by
/// tungstenite itself; frames that are not JSON are skipped with a note.
pub async fn receive(ws: &mut Ws) -> Option<Result<Value, String>> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(text)) => {
                return Some(
                    serde_json::from_str(text.as_str()).map_err(|_| format!("not JSON: {text}")),
                );
            }
            Ok(Message::Close(_)) => return None,
            Ok(_) => continue,
            Err(e) => return Some(Err(format!("socket: {e}"))),
        }
    }
}

/// Messages sent and not yet acknowledged, by messageId, kept across reconnects.
#[derive(Debug, Default)]
pub struct Outbox {
    waiting: HashMap<String, (Value, Instant)>,
}

impl Outbox {
    pub fn track(&mut self, id: String, msg: Value) {
        self.waiting.insert(id, (msg, Instant::now()));
    }

    /// An ACK arrived for `id`; true if it was waiting.
    pub fn acked(&mut self, id: &str) -> bool {
        self.waiting.remove(id).is_some()
    }

    /// Messages unacknowledged for longer than `timeout` (all of them with a zero timeout, as
    /// after a reconnect); their clocks restart.
    pub fn due(&mut self, timeout: Duration) -> Vec<Value> {
        let now = Instant::now();
        self.waiting
            .values_mut()
            .filter(|(_, sent)| now.duration_since(*sent) >= timeout)
            .map(|(msg, sent)| {
                *sent = now;
                msg.clone()
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_resends_until_acked() {
        let mut outbox = Outbox::default();
        let (id, msg) = message("CALL_END", Some(json!({"callId": "c"})), Dialect::Document);
        outbox.track(id.clone(), msg.clone());
        assert!(
            outbox.due(Duration::from_secs(60)).is_empty(),
            "not due yet"
        );
        let resent = outbox.due(Duration::ZERO);
        assert_eq!(resent, vec![msg], "resent as it was, same messageId");
        assert!(outbox.acked(&id));
        assert!(!outbox.acked(&id));
        assert_eq!(outbox.len(), 0);
    }

    #[test]
    fn shipped_app_status_times_are_iso() {
        let (_, doc) = message("CALL_STATUS", None, Dialect::Document);
        assert!(doc["timestamp"].is_i64());
        let (_, app) = message("CALL_STATUS", None, Dialect::ShippedApp);
        assert!(app["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(heartbeat(Dialect::Document).get("messageId").is_none());
        assert!(heartbeat(Dialect::ShippedApp)["messageId"].is_string());
    }

    #[test]
    fn socket_url_appends_the_path_or_moves_to_the_server() {
        assert_eq!(
            socket_url("ws://10.0.0.2:3000", "http://127.0.0.1:9", false),
            "ws://10.0.0.2:3000/ws/mobile"
        );
        assert_eq!(
            socket_url("ws://10.0.0.2:3000/ws/mobile", "http://127.0.0.1:9/", true),
            "ws://127.0.0.1:9/ws/mobile"
        );
    }
}
