//! The JSON API: every route composed in one place, one `recover` for every rejection, CORS for
//! `/api/*` (contract §1).

pub mod auth;
pub mod body;
pub mod call_records;
pub mod call_reports;
pub mod call_stats;
pub mod call_views;
pub mod customers;
pub mod dial;
pub mod follow_ups;
pub mod mobile_device;
pub mod openapi;
pub mod query;
pub mod recordings;
pub mod rejection;
pub mod reply;
pub mod users;
pub mod web;
pub mod work_phones;

use std::net::SocketAddr;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::error::ApiResult;
use crate::state::State;

/// The peer address of the connection, put on every request by the server loop (the per-address
/// login limit needs it).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// Hands the shared state to a handler.
pub fn with_state(
    state: &State,
) -> impl Filter<Extract = (State,), Error = std::convert::Infallible> + Clone + use<> {
    let state = state.clone();
    warp::any().map(move || state.clone())
}

/// Turns a handler's result into the answer: its response, or the contract's JSON error.
pub fn finish(result: ApiResult<Response>) -> Response {
    result.unwrap_or_else(|err| reply::error(&err))
}

/// Every route of the server. Each route matches its path first and its method second, so an
/// unknown path is 404 and a known path with another method is 405.
pub fn routes(state: State) -> BoxedFilter<(Response,)> {
    let api = auth::routes(state.clone())
        .or(users::routes(state.clone()))
        .unify()
        .or(work_phones::routes(state.clone()))
        .unify()
        .or(mobile_device::routes(state.clone()))
        .unify()
        .or(customers::routes(state.clone()))
        .unify()
        .or(call_records::routes(state.clone()))
        .unify()
        .or(call_reports::routes(state.clone()))
        .unify()
        .or(dial::routes(state.clone()))
        .unify()
        .or(follow_ups::routes(state.clone()))
        .unify()
        .or(call_stats::routes(state.clone()))
        .unify()
        .or(recordings::routes(state.clone()))
        .unify()
        .or(openapi::routes())
        .unify()
        .or(web::routes())
        .unify();
    let cors = warp::cors()
        .allow_any_origin()
        .allow_headers(["authorization", "content-type"])
        .allow_methods(["GET", "POST", "PUT", "DELETE", "OPTIONS"])
        .max_age(600);
    api.recover(rejection::recover)
        .unify()
        .with(cors)
        .map(warp::Reply::into_response)
        // the CORS wrapper's own refusal (a preflight asking for another header or method)
        // comes after the first recover: it must be JSON too
        .recover(rejection::recover)
        .unify()
        .boxed()
}
