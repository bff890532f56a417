//! The phone socket (§6, contract §5 and §13). One task per phone: it registers with the hub
//! (a newer socket of the same phone replaces this one), answers HEARTBEAT, ACKs every accepted
//! message that has a messageId (a resent one is acked again but applied once), answers a
//! malformed message with ERROR and stays open, forwards call reports to `calls::apply_report`,
//! delivers what the hub queues (DIAL_COMMAND, DEVICE_UNBIND …) and closes after
//! `ws_idle_timeout` of silence.

use std::time::Duration;

use futures_util::StreamExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::envelope::{Envelope, ack, error};
use super::{Socket, authorize, close, refuse, send_text};
use crate::auth::Caller;
use crate::auth::caller::Accept;
use crate::calls::reports;
use crate::calls::{self, Source};
use crate::db::{self, phones::Phone};
use crate::error::{ApiError, ErrorCode};
use crate::http::reply::Body;
use crate::hub::socket_message;
use crate::hub::{PhoneLink, ToPhone};
use crate::phones::{self, presence};
use crate::state::State;

/// How often `device_messages` is pruned (by the socket that happens to write after this long).
const PRUNE_EVERY_MS: i64 = 3_600_000;

/// GET /ws/mobile
pub async fn serve(state: State, req: Request<Incoming>) -> Response<Body> {
    let (caller, _) = match authorize(&state, &req, Accept::LoginOrDevice).await {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(phone_id) = caller.phone_id else {
        let err = ApiError::with_message(ErrorCode::AuthFailed, "请使用绑定手机时获得的wsToken");
        return refuse(&err, None);
    };
    let phone = match state
        .db
        .run(move |c| db::phones::active_by_id(c, phone_id))
        .await
    {
        Ok(phone) => phone,
        Err(err) => return refuse(&err.into(), None),
    };
    let accept = match super::accept_key(&req) {
        Ok(accept) => accept,
        Err(refusal) => return refusal.into_response(),
    };
    // registered before the 101 goes out, so a message for the phone sent as soon as the
    // phone sees the upgrade is queued, not lost; a newer socket replaces an older one here
    let (tx, rx) = mpsc::unbounded_channel();
    let link = state.hub.register(phone.id, &caller.user_id, tx);
    super::upgrade(req, accept, move |socket| {
        run(state, caller, phone, link, rx, socket)
    })
}

/// What handling one message asks of the socket.
struct Outcome {
    replies: Vec<String>,
    close: bool,
}

impl Outcome {
    fn reply(messages: Vec<Value>) -> Self {
        Self {
            replies: messages.iter().map(Value::to_string).collect(),
            close: false,
        }
    }
}

struct Session {
    state: State,
    caller: Caller,
    phone: Phone,
    link: PhoneLink,
    /// When `last_active_at` was last written to the database.
    stored_at: i64,
}

async fn run(
    state: State,
    caller: Caller,
    phone: Phone,
    link: PhoneLink,
    mut rx: mpsc::UnboundedReceiver<ToPhone>,
    mut socket: Socket,
) {
    phones::publish(
        &state.hub,
        "PHONE_ONLINE",
        &phone,
        json!({ "onlineStatus": "online" }),
    );
    tracing::info!(phone = phone.id, user = %caller.user_id, "phone connected");
    if let Err(err) = crate::campaigns::driver::phone_online(&state, caller.user_id.clone()).await {
        tracing::warn!(error = %err, "could not resume the dialing session");
    }
    let idle: Duration = state.config.ws_idle_timeout;
    let mut session = Session {
        state,
        caller,
        phone,
        link,
        stored_at: 0,
    };
    let silence = tokio::time::sleep(idle);
    tokio::pin!(silence);
    // why the socket ends, and the close frame's reason when the server closes it
    let (why, close_reason) = loop {
        tokio::select! {
            incoming = socket.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None => break ("closed by the phone", None),
                    Some(Err(_)) => break ("socket error", None),
                    // not JSON text: answered like any malformed message
                    Some(Ok(Message::Binary(_))) => "\u{0}".into(),
                    Some(Ok(_)) => {
                        // ping / pong frames count as activity (tungstenite answers pings)
                        silence.as_mut().reset(Instant::now() + idle);
                        Box::pin(session.touch()).await;
                        continue;
                    }
                };
                silence.as_mut().reset(Instant::now() + idle);
                Box::pin(session.touch()).await;
                // boxed: what handling awaits (the database, `apply_report`) stays out of the idle
                // task's own size, which every connected phone pays for
                let outcome = Box::pin(session.handle(text.as_str())).await;
                if !send_all(&mut socket, outcome.replies).await {
                    break ("send failed", None);
                }
                if outcome.close {
                    break ("DEVICE_OFFLINE from the phone", Some("device offline"));
                }
            }
            queued = rx.recv() => match queued {
                Some(ToPhone::Message(message)) => {
                    if !send_text(&mut socket, message.to_string()).await {
                        break ("send failed", None);
                    }
                }
                Some(ToPhone::Close) | None => {
                    break ("closed by the server (unbound or replaced)", Some("closed by the server"));
                }
            },
            () = &mut silence => break ("idle timeout", Some("idle timeout")),
        }
    };
    Box::pin(session.finish(why)).await;
    // the hub forgot the phone before the phone sees the close: offline is already true then
    if let Some(reason) = close_reason {
        close(&mut socket, reason).await;
    }
}

async fn send_all(socket: &mut Socket, texts: Vec<String>) -> bool {
    for text in texts {
        if !send_text(socket, text).await {
            return false;
        }
    }
    true
}

impl Session {
    /// Notes activity: in the hub at once, in the database at most every `TOUCH_EVERY_MS`.
    async fn touch(&mut self) {
        let now = self.state.clock.now_ms();
        self.link.touch(now);
        if now - self.stored_at >= presence::TOUCH_EVERY_MS {
            self.store_activity(now).await;
        }
    }

    async fn store_activity(&mut self, at: i64) {
        self.stored_at = at;
        let id = self.phone.id;
        if let Err(err) = presence::store_activity(&self.state.db, id, at).await {
            tracing::warn!(phone = id, error = %err, "could not store last activity");
        }
    }

    async fn handle(&mut self, text: &str) -> Outcome {
        if text.trim() == "ping" {
            // some WebSocket libraries keep the line alive with a bare text ping
            return Outcome {
                replies: vec!["pong".into()],
                close: false,
            };
        }
        let msg = match Envelope::parse(text, self.state.config.timezone) {
            Ok(msg) => msg,
            Err((id, why)) => {
                return Outcome::reply(vec![error(id.as_ref(), ErrorCode::InvalidParams, &why)]);
            }
        };
        let applied = match msg.kind.as_str() {
            // 2.4.0 also keeps its line alive with `ping` (contract §14)
            "HEARTBEAT" | "PING" | "ping" => {
                let mut replies = vec![socket_message("HEARTBEAT_ACK", None)];
                replies.extend(msg.message_id.as_ref().map(ack));
                return Outcome::reply(replies);
            }
            "DEVICE_OFFLINE" => {
                let mut outcome = Outcome::reply(msg.message_id.iter().map(ack).collect());
                outcome.close = true;
                return outcome;
            }
            "DEVICE_ONLINE" => self.apply_once(&msg).await,
            "INCOMING_CALL_DETECTED" => return self.incoming_call(&msg).await,
            kind if reports::is_report(kind) => self.apply_once(&msg).await,
            other => Err(ApiError::invalid(format!("未知的消息类型: {other}"))),
        };
        let reply = match (applied, &msg.message_id) {
            (Ok(()), Some(id)) => ack(id),
            (Ok(()), None) => return Outcome::reply(Vec::new()),
            (Err(err), id) => error(id.as_ref(), err.code, &err.message),
        };
        Outcome::reply(vec![reply])
    }

    /// Applies a message with effects once per messageId: a resent one is only acked again.
    /// The check, the effect and the record of the id are one transaction.
    async fn apply_once(&mut self, msg: &Envelope) -> Result<(), ApiError> {
        let once = msg.id_key().map(|message_id| calls::Once {
            phone_id: self.phone.id,
            message_id,
            prune: prune_due(),
        });
        if msg.kind == "DEVICE_ONLINE" {
            return self.device_online(&msg.data, once).await;
        }
        let report = reports::parse(
            &msg.kind,
            &msg.data,
            msg.sent_at,
            self.state.config.timezone,
        )
        .map_err(ApiError::invalid)?;
        let about = reports::about(&msg.data);
        let source = Source::PhoneSocket;
        calls::apply_report(&self.state, &self.caller, source, (report, about), once).await?;
        Ok(())
    }

    /// INCOMING_CALL_DETECTED: caller ID for a ringing phone, answered on this socket with
    /// INCOMING_CALL_CONFIRMED well inside the app's 3 s (then its HTTP fallback never fires;
    /// if it does, it is the same call). Not once-only: a resend is the same ring again.
    async fn incoming_call(&mut self, msg: &Envelope) -> Outcome {
        let number = match calls::inbound::caller_number_field(&msg.data) {
            Ok(number) => number,
            Err(why) => {
                let id = msg.message_id.as_ref();
                return Outcome::reply(vec![error(id, ErrorCode::InvalidParams, why)]);
            }
        };
        let ring = calls::inbound::ring(&self.state, &self.caller, Source::PhoneSocket, number);
        let confirmed = match ring.await {
            Ok(ring) => socket_message(
                "INCOMING_CALL_CONFIRMED",
                Some(json!({
                    "callId": ring.call.id,
                    "callerNumber": ring.call.customer_phone,
                    "customerName": ring.display_name(),
                    "customerId": ring.call.customer_id,
                    "isNewCustomer": ring.customer.is_none(),
                })),
            ),
            Err(err) => {
                let id = msg.message_id.as_ref();
                return Outcome::reply(vec![error(id, err.code, &err.message)]);
            }
        };
        let mut replies = vec![confirmed];
        replies.extend(msg.message_id.as_ref().map(ack));
        Outcome::reply(replies)
    }

    /// DEVICE_ONLINE: the app's version is kept when it reports one.
    async fn device_online(
        &mut self,
        data: &Map<String, Value>,
        once: Option<calls::Once>,
    ) -> Result<(), ApiError> {
        let version = match data.get("appVersion") {
            None | Some(Value::Null) => None,
            Some(Value::String(v)) => Some(v.trim().chars().take(64).collect::<String>()),
            Some(_) => return Err(ApiError::invalid("appVersion 须为字符串")),
        };
        let version = version.filter(|v| !v.is_empty() && *v != self.phone.app_version);
        let now = self.state.clock.now_ms();
        presence::device_online(&self.state.db, now, self.phone.id, version.clone(), once).await?;
        if let Some(version) = version {
            self.phone.app_version = version;
        }
        Ok(())
    }

    /// The socket is gone: store the last activity, leave the hub, and tell the PC page the
    /// phone is offline unless a newer socket of it is open.
    async fn finish(mut self, why: &str) {
        if let Some(at) = self.state.hub.last_active(self.phone.id) {
            self.store_activity(at).await;
        }
        let Session {
            state, phone, link, ..
        } = self;
        drop(link);
        if !state.hub.is_online(phone.id) {
            if let Err(err) = crate::campaigns::driver::phone_offline(&state, phone.id).await {
                tracing::warn!(error = %err, "could not pause the dialing sessions");
            }
            phones::publish(
                &state.hub,
                "PHONE_OFFLINE",
                &phone,
                json!({ "onlineStatus": "offline" }),
            );
        }
        tracing::info!(phone = phone.id, why, "phone disconnected");
    }
}

/// True about once per `PRUNE_EVERY_MS` across the process.
fn prune_due() -> bool {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    // a sampling rate over the process, not a rule: the system clock
    let now = crate::times::now_ms();
    let last = LAST.load(Ordering::Relaxed);
    now - last >= PRUNE_EVERY_MS
        && LAST
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}
