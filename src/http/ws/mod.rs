//! The WebSockets, upgraded by hand on the raw hyper request (see `raw`): the token is checked
//! before the upgrade (a refusal is the contract's JSON error, never a half-open socket), then
//! tokio-tungstenite runs the socket with small buffers.
//!
//! Why by hand: warp 0.4's `ws()` cannot set tungstenite's buffer sizes, and tungstenite ≥ 0.25
//! reserves a 128 KiB read buffer per socket by default (~136 KB per idle phone measured, see
//! `PITFALLS.md`). With the sizes below an idle phone's socket holds a 2 KiB read buffer and a
//! write buffer only as large as the largest message it was sent.

pub mod admin;
pub mod envelope;
pub mod mobile;

use std::future::Future;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::upgrade::Upgraded;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::auth::Caller;
use crate::auth::caller::{Accept, authenticate};
use crate::error::{ApiError, ErrorCode};
use crate::http::reply::{Body, raw_error};
use crate::state::State;

/// A server-side socket after the upgrade.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// Bytes read from the network at a time. Phone messages are a few hundred bytes; a bigger one
/// still arrives whole (the buffer grows for it), just in more reads.
pub const READ_BUFFER_BYTES: usize = 2 * 1024;
/// Frames are written out at once (no write batching): 0 keeps no write buffer target.
pub const WRITE_BUFFER_BYTES: usize = 0;
/// Unsent data allowed to pile up for a slow client before sends fail.
pub const MAX_WRITE_BUFFER_BYTES: usize = 256 * 1024;
/// The largest message accepted from a client: phone and PC messages are small JSON.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The tungstenite settings of every socket (see the module comment).
pub fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES))
}

/// The contract's JSON error as a raw response. `status` overrides the code's own status (a
/// revoked phone token is DEVICE_NOT_BOUND with 401 on the socket, contract §1).
pub fn refuse(err: &ApiError, status: Option<StatusCode>) -> Response<Body> {
    let mut resp = raw_error(err);
    if let Some(status) = status {
        *resp.status_mut() = status;
    }
    resp
}

/// Why a socket request is refused before the upgrade; `into_response` is the JSON answer.
#[derive(Debug)]
pub struct Refusal {
    err: ApiError,
    status: Option<StatusCode>,
}

impl Refusal {
    pub fn into_response(self) -> Response<Body> {
        refuse(&self.err, self.status)
    }
}

impl From<ApiError> for Refusal {
    fn from(err: ApiError) -> Self {
        Self { err, status: None }
    }
}

/// The `token` query parameter (JWTs are URL-safe, so no decoding is needed).
fn query_token(req: &Request<Incoming>) -> Option<&str> {
    req.uri()
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .filter(|t| !t.is_empty())
}

/// Checks the method and the `?token=` before any upgrade: 405, or 401 with AUTH_FAILED or
/// DEVICE_NOT_BOUND, as the contract's JSON.
pub async fn authorize(
    state: &State,
    req: &Request<Incoming>,
    accept: Accept,
) -> Result<(Caller, String), Refusal> {
    if req.method() != Method::GET {
        return Err(ApiError::new(ErrorCode::MethodNotAllowed).into());
    }
    let Some(token) = query_token(req) else {
        return Err(ApiError::auth_failed().into());
    };
    match authenticate(state, token, accept).await {
        Ok(caller) => Ok((caller, token.to_string())),
        Err(err) if err.code == ErrorCode::DeviceNotBound => Err(Refusal {
            err,
            status: Some(StatusCode::UNAUTHORIZED),
        }),
        Err(err) => Err(err.into()),
    }
}

fn header_has(req: &Request<Incoming>, name: header::HeaderName, token: &str) -> bool {
    req.headers().get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|s| s.split(',').any(|p| p.trim().eq_ignore_ascii_case(token)))
    })
}

/// The `Sec-WebSocket-Accept` value for a WebSocket upgrade request; a request that is not
/// one gets 400 INVALID_PARAMS.
pub fn accept_key(req: &Request<Incoming>) -> Result<String, Refusal> {
    let is_upgrade = header_has(req, header::CONNECTION, "upgrade")
        && header_has(req, header::UPGRADE, "websocket")
        && req
            .headers()
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_some_and(|v| v == "13");
    match req.headers().get(header::SEC_WEBSOCKET_KEY) {
        Some(key) if is_upgrade => Ok(derive_accept_key(key.as_bytes())),
        _ => Err(ApiError::invalid("需要 WebSocket 升级请求").into()),
    }
}

/// Answers `101 Switching Protocols` (with `accept` from `accept_key`) and runs `session` on
/// the socket once hyper hands the connection over. If the upgrade fails, `session` is dropped
/// without running.
pub fn upgrade<F, Fut>(mut req: Request<Incoming>, accept: String, session: F) -> Response<Body>
where
    F: FnOnce(Socket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let io = TokioIo::new(upgraded);
                let socket =
                    WebSocketStream::from_raw_socket(io, Role::Server, Some(socket_config())).await;
                session(socket).await;
            }
            Err(err) => tracing::debug!(error = %err, "websocket upgrade failed"),
        }
    });
    let mut resp = Response::new(Empty::<Bytes>::new().map_err(|e| match e {}).boxed());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = resp.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    resp
}

/// A peer that takes longer than this to accept a message (its TCP window stays full) is gone.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Sends one message; `false` when the socket failed or the peer stopped reading.
pub async fn send(socket: &mut Socket, message: Message) -> bool {
    use futures_util::SinkExt;
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

/// Sends a text message (see `send`).
pub async fn send_text(socket: &mut Socket, text: String) -> bool {
    send(socket, Message::text(text)).await
}

/// Closes a socket politely, without waiting long on a peer that has gone away.
pub async fn close(socket: &mut Socket, reason: &'static str) {
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: reason.into(),
    };
    let _ =
        tokio::time::timeout(std::time::Duration::from_secs(5), socket.close(Some(frame))).await;
}
