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

/// The routes handled here. None yet: the sockets and file streams arrive with their issues.
#[derive(Debug, Clone, Copy)]
pub enum RawRoute {}

/// Which raw route serves this request, if any.
pub fn route(_req: &Request<Incoming>) -> Option<RawRoute> {
    None
}

/// Serves a request `route` chose.
pub fn serve(route: RawRoute, _state: State, _req: Request<Incoming>) -> RawFuture {
    match route {}
}
