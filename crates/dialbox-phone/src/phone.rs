//! A running phone: keeps its socket up (exponential backoff between attempts), says
//! DEVICE_ONLINE, heartbeats, resends unacknowledged messages, and plays each DIAL_COMMAND as a
//! call. Stops on DEVICE_UNBIND or a refused token, on its limits, or when told to.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::Behaviour;
use crate::api::Api;
use crate::call;
use crate::context::{Ctx, Signal};
use crate::device::Device;
use crate::events::{Event, Log, ToSocket};
use crate::socket::{self, ConnectError, Outbox, Ws};

const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// When a run stops by itself (none: until stopped or unbound).
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    pub calls: Option<u64>,
    pub seconds: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Told to stop.
    Stopped,
    /// A limit was reached.
    Limit,
    /// DEVICE_UNBIND arrived, or the server refused the token: the binding is gone.
    Unbound,
}

pub struct Phone {
    device: Device,
    behaviour: Behaviour,
    log: Log,
}

/// How one socket session ended.
enum SessionEnd {
    Dropped(String),
    Finished(End),
}

/// The run's state that outlives a socket.
struct Run {
    ctx: Arc<Ctx>,
    from_calls: mpsc::UnboundedReceiver<ToSocket>,
    outbox: Outbox,
    calls: HashMap<String, mpsc::UnboundedSender<Signal>>,
    calls_done: u64,
    limits: Limits,
    deadline: Option<tokio::time::Instant>,
    draining_since: Option<Instant>,
    events: Option<mpsc::UnboundedSender<Event>>,
    stop: watch::Receiver<bool>,
}

impl Phone {
    pub fn new(device: Device, behaviour: Behaviour, log: Log) -> Self {
        Self {
            device,
            behaviour,
            log,
        }
    }

    /// Runs until unbound, a limit, or `stop` turns true.
    pub async fn run(
        self,
        limits: Limits,
        events: Option<mpsc::UnboundedSender<Event>>,
        stop: watch::Receiver<bool>,
    ) -> Result<End, String> {
        let url = socket::socket_url(
            &self.device.ws_url,
            &self.device.server,
            self.behaviour.socket_on_server,
        );
        let (to_socket, from_calls) = mpsc::unbounded_channel();
        let log = self.log.clone();
        let mut run = Run {
            ctx: Arc::new(Ctx {
                api: Api::new(&self.device.server),
                device: self.device,
                behaviour: self.behaviour,
                log: self.log,
                to_socket,
                events: events.clone(),
            }),
            from_calls,
            outbox: Outbox::default(),
            calls: HashMap::new(),
            calls_done: 0,
            limits,
            deadline: limits
                .seconds
                .map(|s| tokio::time::Instant::now() + Duration::from_secs_f64(s)),
            draining_since: None,
            events,
            stop,
        };
        let mut backoff = Duration::from_secs(1);
        loop {
            log.say(format!("connecting to {url}"));
            let token = run.ctx.device.ws_token.clone();
            let wait = match socket::connect(&url, &token).await {
                Ok(ws) => {
                    backoff = Duration::from_secs(1);
                    match run.session(ws).await {
                        SessionEnd::Finished(end) => return Ok(end),
                        SessionEnd::Dropped(why) => {
                            run.event(Event::Disconnected);
                            log.say(format!("socket closed: {why}"));
                            backoff
                        }
                    }
                }
                Err(ConnectError::Refused(status @ (401 | 403), body)) => {
                    log.say(format!(
                        "the server refused this phone's token ({status}): {body}"
                    ));
                    return Ok(End::Unbound);
                }
                Err(e) => {
                    let wait = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    log.say(format!("cannot connect: {e}"));
                    wait
                }
            };
            log.say(format!("reconnecting in {} s", wait.as_secs_f64()));
            if let Some(end) = run.pause(wait).await {
                return Ok(end);
            }
        }
    }
}

impl Run {
    fn event(&self, event: Event) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }

    /// Sleeps between connection attempts unless stopped or out of time first.
    async fn pause(&mut self, wait: Duration) -> Option<End> {
        let deadline = self.deadline;
        tokio::select! {
            () = tokio::time::sleep(wait) => None,
            Ok(()) = self.stop.changed() => Some(End::Stopped),
            () = sleep_until(deadline) => Some(End::Limit),
        }
    }

    async fn session(&mut self, mut ws: Ws) -> SessionEnd {
        let log = self.ctx.log.clone();
        let dialect = self.ctx.device.dialect;
        let b = &self.ctx.behaviour;
        let (hb_every, ack_timeout) = (
            Duration::from_secs_f64(b.heartbeat_secs.max(0.1)),
            Duration::from_secs_f64(b.ack_timeout_secs.max(0.1)),
        );
        let online =
            json!({ "deviceId": self.ctx.device.device_id, "appVersion": dialect.app_version() });
        let (online_id, msg) = socket::message("DEVICE_ONLINE", Some(online), dialect);
        if let Err(e) = socket::send(&mut ws, &msg).await {
            return SessionEnd::Dropped(e);
        }
        log.say("connected, DEVICE_ONLINE sent");
        if dialect == crate::Dialect::ShippedApp24 {
            // 2.4.0 sends its call log's missed calls on every return to the foreground; a
            // simulated phone's log holds none the server has not heard of
            let (api, token) = (
                self.ctx.api.clone(),
                self.ctx.device.http_token().to_string(),
            );
            let log = log.clone();
            tokio::spawn(async move {
                let body = json!({ "calls": [] });
                match api
                    .post("/api/v1/mobile/call/missed-calls", Some(&token), body)
                    .await
                {
                    Ok(d) => log.say(format!("call log back-filled: created {}", d["created"])),
                    Err(e) => log.say(format!("call log back-fill failed: {e}")),
                }
            });
        }
        for msg in self.outbox.due(Duration::ZERO) {
            log.say(format!("resending {} after reconnecting", msg["messageId"]));
            if let Err(e) = socket::send(&mut ws, &msg).await {
                return SessionEnd::Dropped(e);
            }
        }
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + hb_every, hb_every);
        let mut resend = tokio::time::interval(Duration::from_millis(500));
        loop {
            let deadline = self.deadline;
            let step = tokio::select! {
                incoming = socket::receive(&mut ws) => match incoming {
                    None => return SessionEnd::Dropped("closed by the server".into()),
                    Some(Err(e)) => return SessionEnd::Dropped(e),
                    Some(Ok(msg)) => self.handle(&msg, &online_id),
                },
                Some(out) = self.from_calls.recv() => match out {
                    ToSocket::Tracked(id, msg) => {
                        self.outbox.track(id, msg.clone());
                        socket::send(&mut ws, &msg).await.err().map(SessionEnd::Dropped)
                    }
                    ToSocket::Done(call_id) => {
                        self.calls.remove(&call_id);
                        self.calls_done += 1;
                        if self.limits.calls.is_some_and(|n| self.calls_done >= n) {
                            self.draining_since.get_or_insert_with(Instant::now);
                        }
                        None
                    }
                },
                _ = heartbeat.tick() => socket::send(&mut ws, &socket::heartbeat(dialect)).await.err().map(SessionEnd::Dropped),
                _ = resend.tick() => {
                    let mut failed = None;
                    for msg in self.outbox.due(ack_timeout) {
                        log.say(format!("no ACK yet, resending {} {}", msg["type"], msg["messageId"]));
                        failed = failed.or(socket::send(&mut ws, &msg).await.err());
                    }
                    failed.map(SessionEnd::Dropped)
                }
                Ok(()) = self.stop.changed() => Some(SessionEnd::Finished(End::Stopped)),
                () = sleep_until(deadline) => Some(SessionEnd::Finished(End::Limit)),
            };
            // after the last call, wait (a little) for the server to acknowledge everything
            let drained = self.draining_since.is_some_and(|since| {
                self.outbox.len() == 0 || since.elapsed() > Duration::from_secs(10)
            });
            let step = step.or(drained.then_some(SessionEnd::Finished(End::Limit)));
            if let Some(end) = step {
                if let SessionEnd::Finished(how) = &end {
                    log.say(format!("stopping ({how:?})"));
                    let _ = ws.close(None).await;
                }
                return end;
            }
        }
    }

    /// Acts on one server message; `Some` ends the session.
    fn handle(&mut self, msg: &Value, online_id: &str) -> Option<SessionEnd> {
        let log = &self.ctx.log;
        let kind = msg["type"].as_str().unwrap_or("");
        let call_id = msg["data"]["callId"].as_str().unwrap_or("").to_string();
        match kind {
            "HEARTBEAT_ACK" | "pong" => {}
            "ACK" => {
                let acked = msg["data"]["messageId"].as_str().unwrap_or("");
                if acked == online_id {
                    log.say("online (DEVICE_ONLINE acknowledged)");
                    self.event(Event::Online);
                } else {
                    self.outbox.acked(acked);
                }
            }
            "DIAL_COMMAND" => {
                let at = Instant::now();
                // the shipped app dials phoneNumber; the document names it customerPhone
                let data = &msg["data"];
                let number = data["phoneNumber"]
                    .as_str()
                    .or(data["customerPhone"].as_str());
                log.say(format!(
                    "{call_id}: DIAL_COMMAND to {} ({})",
                    number.unwrap_or("?"),
                    data["customerName"].as_str().unwrap_or("")
                ));
                self.event(Event::Dial {
                    call_id: call_id.clone(),
                    device_id: self.ctx.device.device_id.clone(),
                    at,
                });
                if self.calls.contains_key(&call_id) || call_id.is_empty() {
                    log.say(format!("{call_id}: already dialing, ignored"));
                    return None;
                }
                let (tx, rx) = mpsc::unbounded_channel();
                self.calls.insert(call_id.clone(), tx);
                let ctx = self.ctx.clone();
                tokio::spawn(async move {
                    call::play(ctx.clone(), call_id.clone(), rx).await;
                    let _ = ctx.to_socket.send(ToSocket::Done(call_id));
                });
            }
            "CANCEL_DIAL" | "DIAL_CANCEL" => self.signal(kind, &call_id, Signal::Cancel),
            "CALL_END" | "END_CALL" => self.signal(kind, &call_id, Signal::PcEnded),
            "DEVICE_UNBIND" => {
                log.say(format!(
                    "DEVICE_UNBIND ({}): forgetting this binding",
                    msg["data"]["reason"].as_str().unwrap_or("")
                ));
                return Some(SessionEnd::Finished(End::Unbound));
            }
            "ERROR" => log.say(format!("server ERROR: {}", msg["data"])),
            other => log.say(format!("unexpected message {other}: {msg}")),
        }
        None
    }

    fn signal(&self, kind: &str, call_id: &str, signal: Signal) {
        let log = &self.ctx.log;
        match self.calls.get(call_id) {
            Some(call) => {
                log.say(format!("{call_id}: {kind}"));
                let _ = call.send(signal);
            }
            None => log.say(format!(
                "{call_id}: {kind} for no call in progress, ignored"
            )),
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
