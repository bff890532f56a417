//! The transport: the accept loop (`server`), the route table (`routes`: every URL on one
//! screen), one module of handlers per resource that parse the request, call the domain and
//! build the view, the sockets (`ws`), the recording stream, and one `recover` that turns every
//! rejection into the contract's JSON error (§1).

pub mod audit;
pub mod auth;
pub mod body;
pub mod call_records;
pub mod call_reports;
pub mod call_stats;
pub mod call_views;
pub mod campaigns;
pub mod connections;
pub mod customer_imports;
pub mod customers;
pub mod customers_bulk;
pub mod dial;
pub mod dialer;
pub mod do_not_call;
pub mod exports;
pub mod follow_ups;
pub mod mobile_device;
pub mod openapi;
pub mod query;
pub mod recording_base64;
pub mod recording_stream;
pub mod recordings;
pub mod rejection;
pub mod reply;
pub mod routes;
pub mod server;
pub mod settings;
pub mod upload_form;
pub mod users;
pub mod web;
pub mod work_phones;
pub mod ws;

use std::net::SocketAddr;

use warp::reply::Response;

use crate::error::ApiResult;

/// The peer address of the connection, put on every request by the server loop (the per-address
/// login limit needs it).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// Turns a handler's result into the answer: its response, or the contract's JSON error.
pub fn finish(result: ApiResult<Response>) -> Response {
    result.unwrap_or_else(|err| reply::error(&err))
}
