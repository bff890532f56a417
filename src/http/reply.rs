//! The contract §1 envelope for every JSON answer, and the body type every response has.

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use serde::Serialize;
use serde_json::json;
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;

use crate::error::ApiError;

/// `{"code":200,"success":true,"message":"操作成功","data":…}`
pub fn ok<T: Serialize>(data: T) -> Response {
    ok_with(crate::http::reply::DEFAULT_MESSAGE, data)
}

pub const DEFAULT_MESSAGE: &str = "操作成功";

/// The success envelope, serialized straight to the body: a `json!` here would first copy the
/// whole answer into a `serde_json::Value` (issue 18: a list page was serialized three times).
#[derive(Serialize)]
struct Success<'a, T> {
    code: u16,
    success: bool,
    message: &'a str,
    data: T,
}

/// Success with a message of the document's.
pub fn ok_with<T: Serialize>(message: &str, data: T) -> Response {
    warp::reply::json(&Success {
        code: 200,
        success: true,
        message,
        data,
    })
    .into_response()
}

/// Success that carries only a message. §3.4, §3.6 and §4.7 show no `data`, but the shipped
/// app throws on a success without it (contract §13.1), so it is `null`.
pub fn ok_message(message: &str) -> Response {
    ok_with(message, serde_json::Value::Null)
}

/// `{"success":false,"message":"…","code":"ERROR_CODE"}` with the code's status.
pub fn error(err: &ApiError) -> Response {
    let mut body = json!({
        "success": false,
        "message": err.message,
        "code": err.code.as_str(),
    });
    if let Some(field) = &err.field {
        body["field"] = json!(field);
    }
    if let Some(rule) = err.rule {
        body["rule"] = json!(rule);
    }
    if let Some(at) = err.retry_at_ms {
        body["retryAt"] = json!(crate::times::iso_ms(at));
    }
    if err.confirm {
        body["confirm"] = json!(true);
    }
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = warp::reply::with_status(warp::reply::json(&body), status).into_response();
    if let Some(secs) = err.retry_after_secs {
        resp.headers_mut()
            .insert(warp::http::header::RETRY_AFTER, secs.into());
    }
    resp
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// The body of every response the server writes (warp's, the sockets' and the stream's).
pub type Body = BoxBody<Bytes, BoxError>;

/// Converts a warp response into the server's body type.
pub fn from_warp(resp: Response) -> hyper::Response<Body> {
    resp.map(|b| b.map_err(|e| Box::new(e) as BoxError).boxed())
}

/// The contract's JSON error as a response of the server's body type (the raw routes' errors).
pub fn raw_error(err: &ApiError) -> hyper::Response<Body> {
    from_warp(error(err))
}
