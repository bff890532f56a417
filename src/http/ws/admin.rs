//! The PC page's live feed (contract §11): hub events — phone online/offline, bound, unbound,
//! call state — as `{type, messageId, timestamp, data}`, only those about users the watcher may
//! see. Login tokens only. The server pings every third of the idle timeout (browsers answer
//! pings by themselves) and re-checks the token then; a user disabled or given a new password on
//! the page has their feed closed at once (`Hub::end_sessions`).

use std::time::Duration;

use futures_util::StreamExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::{Socket, authorize, close, send, send_text};
use crate::auth::Caller;
use crate::auth::caller::{Accept, authenticate};
use crate::http::reply::Body;
use crate::hub::AdminEvent;
use crate::hub::socket_message;
use crate::state::State;

/// GET /ws/admin
pub async fn serve(state: State, req: Request<Incoming>) -> Response<Body> {
    match authorize(&state, &req, Accept::Login).await {
        Ok((caller, token)) => {
            let accept = match super::accept_key(&req) {
                Ok(accept) => accept,
                Err(refusal) => return refusal.into_response(),
            };
            // subscribed before the 101 goes out: nothing published after the client sees the
            // upgrade is missed
            let events = state.hub.subscribe();
            let ended = state.hub.ended_sessions();
            let closing = state.hub.closing();
            super::upgrade(req, accept, move |socket| {
                run(state, caller, token, (events, ended, closing), socket)
            })
        }
        Err(refusal) => refusal.into_response(),
    }
}

/// What a feed listens to besides its socket: the events, the ended sessions, the shutdown.
type Feeds = (
    broadcast::Receiver<AdminEvent>,
    broadcast::Receiver<String>,
    tokio::sync::watch::Receiver<bool>,
);

async fn run(
    state: State,
    mut caller: Caller,
    token: String,
    (mut events, mut ended, mut closing): Feeds,
    mut socket: Socket,
) {
    let idle: Duration = state.config.ws_idle_timeout;
    let mut pings = tokio::time::interval_at(Instant::now() + idle / 3, idle / 3);
    let silence = tokio::time::sleep(idle);
    tokio::pin!(silence);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) if caller.can_see(&event.owner_id, &event.owner_department) => {
                    let message = socket_message(&event.kind, Some(event.data));
                    if !send_text(&mut socket, message.to_string()).await {
                        break;
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, user = %caller.user_id, "admin feed fell behind");
                }
                Err(RecvError::Closed) => break,
            },
            who = ended.recv() => match who {
                Ok(user_id) if user_id == caller.user_id => {
                    close(&mut socket, "session ended").await;
                    break;
                }
                Ok(_) => {}
                // missed some: re-check this feed's own token at once
                Err(RecvError::Lagged(_)) => {
                    if authenticate(&state, &token, Accept::Login).await.is_err() {
                        close(&mut socket, "token no longer valid").await;
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            Ok(()) = closing.changed() => {
                close(&mut socket, "server shutting down").await;
                break;
            },
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(message)) => {
                    silence.as_mut().reset(Instant::now() + idle);
                    if is_heartbeat(&message) {
                        let ack = socket_message("HEARTBEAT_ACK", None).to_string();
                        if !send_text(&mut socket, ack).await {
                            break;
                        }
                    }
                }
            },
            _ = pings.tick() => {
                match authenticate(&state, &token, Accept::Login).await {
                    Ok(fresh) => caller = fresh,
                    Err(_) => {
                        close(&mut socket, "token no longer valid").await;
                        break;
                    }
                }
                if !send(&mut socket, Message::Ping(Default::default())).await {
                    break;
                }
            }
            () = &mut silence => {
                close(&mut socket, "idle timeout").await;
                break;
            }
        }
    }
}

fn is_heartbeat(message: &Message) -> bool {
    let Message::Text(text) = message else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(text.as_str()).is_ok_and(|v| v["type"] == "HEARTBEAT")
}
