//! The accept loop: hyper connections with graceful shutdown, a request id and a log line per
//! request, and the warp routes behind. Routes that need the raw connection (the phone and admin
//! sockets, streamed files) are dispatched here before warp.

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower_service::Service;
use tracing::Instrument;

use super::connections::Connections;
use super::reply::from_warp;
use super::{ClientAddr, routes};
use crate::error::ErrorCode;
use crate::state::State;

/// The longest request target answered: a longer one is 414 URI_TOO_LONG in the contract's JSON.
/// hyper itself refuses targets over 64 KiB with a bare 414 before any service sees them (and a
/// request line it cannot parse with a bare 400); below that, every refusal is ours.
const MAX_URI_BYTES: usize = 60 * 1024;

/// How long in-flight requests get to finish after the shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// The request id that ties a request's log lines together (also sent as `X-Request-Id`).
#[derive(Debug, Clone, Copy)]
pub struct RequestId(pub u64);

fn next_request_id() -> RequestId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    RequestId(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Serves until `shutdown` resolves, then stops accepting, lets in-flight requests finish (up to
/// `DRAIN_TIMEOUT`) and returns.
pub async fn run(state: State, listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let api = warp::service(routes::api(state.clone()));
    let graceful = GracefulShutdown::new();
    let connections = Connections::new(state.config.max_connections_per_address);
    let header_timeout = state.config.header_read_timeout;
    let mut builder = Builder::new(TokioExecutor::new());
    // a connection that sends no request head in time is closed (idle keep-alive included):
    // idle connections must not pile up until no file descriptor is left
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // out of file descriptors and the like: wait a little rather than spin
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = connections.admit(peer.ip()) else {
            tracing::debug!(peer = %peer, "too many connections from one address: closed");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let api = api.clone();
        let state = state.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            let mut api = api.clone();
            let state = state.clone();
            let id = next_request_id();
            req.extensions_mut().insert(ClientAddr(peer));
            req.extensions_mut().insert(id);
            let span = tracing::info_span!("request", id = id.0);
            async move {
                let started = Instant::now();
                let method = req.method().clone();
                let path = req.uri().path().to_string();
                // a refusal may leave a large body unread (413, a full disk): the connection then
                // cannot carry another request, so the client is told to open a new one rather
                // than finding out with a broken pipe on its next request
                let big_body = req
                    .headers()
                    .get(hyper::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                    .is_some_and(|n| n > 64 * 1024)
                    || req.headers().contains_key(hyper::header::TRANSFER_ENCODING);
                let too_long =
                    req.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI_BYTES;
                let mut resp = match routes::raw(&req) {
                    _ if too_long => super::reply::raw_error(&ErrorCode::UriTooLong.into()),
                    Some(raw) => routes::serve_raw(raw, state, req).await,
                    None => from_warp(api.call(req).await.unwrap_or_else(|e| match e {})),
                };
                let headers = resp.headers_mut();
                if let Ok(v) = id.0.to_string().parse() {
                    headers.insert("x-request-id", v);
                }
                // a recording or an upload is never run as a page because of what it contains
                headers.insert(
                    hyper::header::X_CONTENT_TYPE_OPTIONS,
                    hyper::header::HeaderValue::from_static("nosniff"),
                );
                let refused = resp.status().is_client_error() || resp.status().is_server_error();
                if big_body && refused {
                    resp.headers_mut().insert(
                        hyper::header::CONNECTION,
                        hyper::header::HeaderValue::from_static("close"),
                    );
                }
                if resp.status() == hyper::StatusCode::METHOD_NOT_ALLOWED {
                    let allow = routes::allowed_methods(&path).join(", ");
                    if let Ok(v) = allow.parse() {
                        resp.headers_mut().insert(hyper::header::ALLOW, v);
                    }
                }
                tracing::info!(
                    %method,
                    path,
                    status = resp.status().as_u16(),
                    ms = started.elapsed().as_millis() as u64,
                    peer = %peer,
                );
                Ok::<_, Infallible>(resp)
            }
            .instrument(span)
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // held for as long as the connection lives: its address's count
            let _slot = slot;
            // hyper's header timeout starts once it knows the protocol, which it learns from the
            // first bytes: a connection that sends none is closed here
            let mut first = [0u8; 1];
            match tokio::time::timeout(header_timeout, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let conn = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            if let Err(err) = watcher.watch(conn).await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections, finishing requests in flight");
    state.hub.shut_down();
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("gave up waiting for connections"),
    }
}
