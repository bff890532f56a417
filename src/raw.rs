//! Routes served on the raw hyper request rather than through warp: the WebSockets (their
//! upgrade needs tungstenite's buffer settings, which warp 0.4 does not expose) and streamed
//! files. `route` picks by path; everything else goes to warp.

use std::future::Future;
use std::pin::Pin;

use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::server::Body;
use crate::state::State;

pub type RawFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// The routes handled here.
#[derive(Debug, Clone, Copy)]
pub enum RawRoute {
    /// `GET /ws/mobile?token=` — the phone socket (`ws::mobile`).
    MobileSocket,
    /// `GET /ws/admin?token=` — the PC page's live feed (`ws::admin`).
    AdminSocket,
    /// §4.5 recording stream, also under the document's `/recordings/…` (`recordings::stream`).
    RecordingStream,
}

/// Which raw route serves this request, if any. Matched on the path exactly as received (not
/// decoded), so the stream's own checks see what the client sent.
pub fn route(req: &Request<Incoming>) -> Option<RawRoute> {
    let path = req.uri().path();
    if crate::recordings::stream::rel_of(path).is_some() {
        return Some(RawRoute::RecordingStream);
    }
    match path.trim_end_matches('/') {
        "/ws/mobile" => Some(RawRoute::MobileSocket),
        "/ws/admin" => Some(RawRoute::AdminSocket),
        _ => None,
    }
}

/// Serves a request `route` chose.
pub fn serve(route: RawRoute, state: State, req: Request<Incoming>) -> RawFuture {
    match route {
        RawRoute::MobileSocket => Box::pin(crate::ws::mobile::serve(state, req)),
        RawRoute::AdminSocket => Box::pin(crate::ws::admin::serve(state, req)),
        RawRoute::RecordingStream => Box::pin(crate::recordings::stream::serve(state, req)),
    }
}
