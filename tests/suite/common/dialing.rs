//! End-to-end call helpers over the real phone socket: a bound, online test phone, dials from the
//! PC (`POST /api/v1/calls/outbound`), the phone's reports in either channel (HTTP §4.1/§4.2 or
//! socket CALL_STATUS/CALL_END) and either dialect (the document's or the shipped app's, §13).
#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};

use super::calls::detail;
use super::phone::{AdminFeed, TestPhone, chrono_ms, next_id};
use super::{TestServer, TestUser};

/// The document's dialect (epoch-ms times, CALL_END, wsToken on HTTP) or the shipped app's
/// (ISO times, `dialing`, CALL_ENDED, HEARTBEAT with a messageId, login token on HTTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Document,
    Shipped,
}

/// How a report travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Http,
    Socket,
}

/// A time as the dialect writes it.
pub fn time(dialect: Dialect, ms: i64) -> Value {
    match dialect {
        Dialect::Document => json!(ms),
        Dialect::Shipped => json!(dialbox::times::iso_ms(ms)),
    }
}

/// A user's phone, bound the dialect's way and online on its socket.
pub async fn online_phone(server: &TestServer, user: &TestUser, dialect: Dialect) -> TestPhone {
    let mut phone = match dialect {
        Dialect::Document => TestPhone::bind_pc(server, user).await,
        Dialect::Shipped => TestPhone::bind_shipped(server, user).await,
    };
    phone.connect_online().await;
    phone
}

/// `POST /api/v1/calls/outbound` as `token`; status and body.
pub async fn dial(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    server.post("/api/v1/calls/outbound", token, body).await
}

/// Dials `number` and waits for the phone's DIAL_COMMAND; returns the call id and the command.
pub async fn dial_to(
    server: &TestServer,
    user: &TestUser,
    phone: &mut TestPhone,
    body: Value,
) -> (String, Value) {
    let (status, answer) = dial(server, &user.token, body).await;
    assert_eq!(status, 200, "dial: {answer}");
    assert_eq!(answer["data"]["status"], "calling", "{answer}");
    let id = answer["data"]["callId"]
        .as_str()
        .expect("callId")
        .to_string();
    let command = phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(command["data"]["callId"], id.as_str(), "{command}");
    (id, command)
}

/// A call dialed from the PC to the user's online `phone`, with a fixed customer: the phone has
/// had its DIAL_COMMAND and the call is `calling`. Returns the call id.
pub async fn dialed_call(server: &TestServer, user: &TestUser, phone: &mut TestPhone) -> String {
    let body = json!({"customerPhone": "13800138000", "customerName": "测试客户"});
    dial_to(server, user, phone, body).await.0
}

/// `dial_to` with nothing but the customer's number.
pub async fn dial_number(
    server: &TestServer,
    user: &TestUser,
    phone: &mut TestPhone,
    number: &str,
) -> (String, Value) {
    dial_to(server, user, phone, json!({ "customerPhone": number })).await
}

/// The token a phone of `dialect` puts on its HTTP reports.
fn http_token<'a>(dialect: Dialect, user: &'a TestUser, phone: &'a TestPhone) -> &'a str {
    match dialect {
        Dialect::Document => &phone.ws_token,
        Dialect::Shipped => &user.token,
    }
}

/// A phone reporting in one channel and dialect.
pub struct Reporter<'a> {
    pub server: &'a TestServer,
    pub user: &'a TestUser,
    pub phone: &'a mut TestPhone,
    pub channel: Channel,
    pub dialect: Dialect,
}

impl<'a> Reporter<'a> {
    pub fn new(
        server: &'a TestServer,
        user: &'a TestUser,
        phone: &'a mut TestPhone,
        channel: Channel,
        dialect: Dialect,
    ) -> Self {
        Self {
            server,
            user,
            phone,
            channel,
            dialect,
        }
    }

    /// The phone reporting on its socket.
    pub fn socket(
        server: &'a TestServer,
        user: &'a TestUser,
        phone: &'a mut TestPhone,
        dialect: Dialect,
    ) -> Self {
        Self::new(server, user, phone, Channel::Socket, dialect)
    }

    /// A §4.1 / CALL_STATUS report; returns the HTTP answer or the socket's ACK / ERROR.
    pub async fn status(&mut self, call_id: &str, status: &str, extra: Value) -> (u16, Value) {
        let mut data = json!({ "callId": call_id, "status": status });
        merge(&mut data, extra);
        match self.channel {
            Channel::Http => {
                data["timestamp"] = time(self.dialect, chrono_ms());
                let token = http_token(self.dialect, self.user, self.phone).to_string();
                self.server
                    .post("/api/v1/mobile/call/status", &token, data)
                    .await
            }
            Channel::Socket => self.message("CALL_STATUS", &next_id(), data).await,
        }
    }

    /// A §4.2 / CALL_END (CALL_ENDED in the shipped dialect) report, with `messageId` `id` on
    /// the socket.
    pub async fn end(&mut self, id: &str, data: Value) -> (u16, Value) {
        match self.channel {
            Channel::Http => {
                let token = http_token(self.dialect, self.user, self.phone).to_string();
                self.server
                    .post("/api/v1/mobile/call/end", &token, data)
                    .await
            }
            Channel::Socket => {
                let kind = match self.dialect {
                    Dialect::Document => "CALL_END",
                    Dialect::Shipped => "CALL_ENDED",
                };
                self.message(kind, id, data).await
            }
        }
    }

    /// Sends a socket message in the dialect's envelope; the reply as (200 for ACK, 400 else).
    pub async fn message(&mut self, kind: &str, id: &str, data: Value) -> (u16, Value) {
        self.phone
            .send(json!({
                "type": kind, "messageId": id, "timestamp": time(self.dialect, chrono_ms()),
                "data": data,
            }))
            .await;
        let reply = self.phone.recv_reply(id).await;
        let status = if reply["type"] == "ACK" { 200 } else { 400 };
        (status, reply)
    }
}

fn merge(into: &mut Value, extra: Value) {
    if let (Some(into), Value::Object(extra)) = (into.as_object_mut(), extra) {
        into.extend(extra);
    }
}

/// Polls the call's detail until its `callStatus` is `want` (no timing assertion: the loop is
/// long, and fails only when the status never comes).
pub async fn wait_status(server: &TestServer, token: &str, id: &str, want: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        last = detail(server, token, id).await;
        if last["callStatus"] == want {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("call {id} never reached {want}: {last}");
}

/// The `state` of each CALL_STATE event for `call_id`, up to and including one in `last`.
pub async fn call_states(feed: &mut AdminFeed, call_id: &str, last: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let event = feed.recv().await;
        if event["type"] != "CALL_STATE" || event["data"]["callId"] != call_id {
            continue;
        }
        let done = event["data"]["state"] == last;
        seen.push(event["data"].clone());
        if done {
            return seen;
        }
    }
}

/// How many call records exist.
pub fn call_count(server: &TestServer) -> i64 {
    server
        .db()
        .query_row("SELECT COUNT(*) FROM call_records", [], |r| r.get(0))
        .unwrap()
}

/// The stored end reason of a call.
pub fn end_reason(server: &TestServer, id: &str) -> Option<String> {
    server
        .db()
        .query_row(
            "SELECT end_reason FROM call_records WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}
