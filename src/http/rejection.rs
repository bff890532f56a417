//! The one `recover`: every rejection — ours, unknown routes, wrong methods, bad bodies and
//! queries — becomes the contract's JSON error. Nothing else ever reaches the client.

use std::convert::Infallible;

use warp::Rejection;
use warp::reply::Response;

use crate::error::{ApiError, ErrorCode};
use crate::http::reply;

/// A handler's `ApiError` travels through warp as a rejection (the auth filters reject with it).
impl warp::reject::Reject for ApiError {}

pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    Ok(reply::error(&classify(&rejection)))
}

fn classify(r: &Rejection) -> ApiError {
    if let Some(err) = r.find::<ApiError>() {
        return err.clone();
    }
    if r.find::<warp::reject::MethodNotAllowed>().is_some() {
        return ApiError::new(ErrorCode::MethodNotAllowed);
    }
    if r.is_not_found() {
        return ApiError::with_message(ErrorCode::NotFound, "接口不存在");
    }
    if let Some(e) = r.find::<warp::filters::body::BodyDeserializeError>() {
        return ApiError::invalid(format!("参数错误: {e}"));
    }
    if r.find::<warp::reject::InvalidQuery>().is_some() {
        return ApiError::invalid("查询参数错误");
    }
    if r.find::<warp::reject::PayloadTooLarge>().is_some() {
        return ApiError::new(ErrorCode::PayloadTooLarge);
    }
    if r.find::<warp::reject::LengthRequired>().is_some() {
        return ApiError::invalid("缺少 Content-Length");
    }
    if r.find::<warp::reject::UnsupportedMediaType>().is_some() {
        return ApiError::new(ErrorCode::UnsupportedMediaType);
    }
    if let Some(e) = r.find::<warp::reject::InvalidHeader>() {
        return ApiError::invalid(format!("请求头错误: {}", e.name()));
    }
    if let Some(e) = r.find::<warp::reject::MissingHeader>() {
        return ApiError::invalid(format!("缺少请求头: {}", e.name()));
    }
    if r.find::<warp::filters::cors::CorsForbidden>().is_some() {
        return ApiError::with_message(ErrorCode::Forbidden, "不允许的跨域请求方法或请求头");
    }
    ApiError::internal(format!("unhandled rejection: {r:?}"))
}
