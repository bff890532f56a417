//! §4.5 `GET /api/v1/calls/recordings/stream/{recordingPath}`, served on the raw request (warp 0.4
//! has no public streaming body): the path checked against the strict pattern before anything
//! else, the caller authorised by a token header or a signed link, the file found through its
//! row and canonicalized inside the recordings folder, then streamed in chunks read on blocking
//! threads — never the whole file in memory — with single byte ranges.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::{BodyExt, Empty, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::reply::{Body, BoxError, raw_error};
use crate::auth::caller::{Accept, authenticate, bearer, link_viewer};
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::recordings::format::Format;
use crate::recordings::range::{self, Plan};
use crate::recordings::{links, storage};
use crate::state::State;

/// Bytes read per chunk: large enough for few syscalls and thread hops, small enough to hold.
const CHUNK: u64 = 256 * 1024;

/// GET /api/v1/calls/recordings/stream/{recordingPath}
/// GET /recordings/{recordingPath}
///
/// The second form is the `recordingUrl` that §4.3, §5.2 and §5.6 show (`/recordings/2025/12/25/…`):
/// an app written to the document plays it with its token, so it is the same route.
pub async fn serve(state: State, req: Request<Incoming>) -> Response<Body> {
    let mut resp = match *req.method() {
        Method::OPTIONS => preflight(),
        Method::GET | Method::HEAD => match answer(&state, &req).await {
            Ok(resp) => resp,
            Err(err) => raw_error(&err),
        },
        _ => raw_error(&ApiError::new(ErrorCode::MethodNotAllowed)),
    };
    let headers = resp.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(
            "content-range, accept-ranges, content-length, content-disposition",
        ),
    );
    resp
}

fn preflight() -> Response<Body> {
    let mut resp = Response::new(empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, range"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    resp
}

/// A query parameter's value, percent-decoded.
fn query_param(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// The `YYYY/MM/DD/<file>` part of a path under either of the route's prefixes (raw, not
/// decoded), or `None` for any other path.
pub fn rel_of(path: &str) -> Option<&str> {
    path.strip_prefix(storage::STREAM_PREFIX)
        .or_else(|| path.strip_prefix(storage::PUBLIC_PREFIX))
}

async fn answer(state: &State, req: &Request<Incoming>) -> ApiResult<Response<Body>> {
    let rel = rel_of(req.uri().path()).unwrap_or_default();
    if !storage::is_valid_rel_path(rel) {
        return Err(ApiError::not_found());
    }
    let header_token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let link = query_param(req, "token").or_else(|| query_param(req, "sig"));
    let dead_link = || ApiError::with_message(ErrorCode::AuthFailed, "链接无效或已过期");
    // who is asking: a token in the header, else the viewer a signed link was handed to (still
    // active, no password change since); a link opens only its own recording
    let (caller, link_for) = match (bearer(header_token), link) {
        (Some(token), _) => (
            authenticate(state, token, Accept::LoginOrDevice).await?,
            None,
        ),
        (None, Some(link)) => {
            let claims = state.recordings.links.verify(&link).ok_or_else(dead_link)?;
            let viewer = link_viewer(state, claims.sub, claims.ver).await?;
            (viewer, Some(claims.rid))
        }
        (None, None) => return Err(ApiError::auth_failed()),
    };
    let rel_owned = rel.to_string();
    let rec = match state
        .db
        .run(move |c| db::recordings::by_rel_path(c, &rel_owned))
        .await
    {
        Ok(found) => found,
        Err(DbError::NotFound) => return Err(ApiError::not_found()),
        Err(e) => return Err(e.into()),
    };
    if link_for.is_some_and(|id| id != rec.id) {
        return Err(dead_link());
    }
    if !caller.can_see(&rec.user_id, &rec.user_department) {
        return Err(ApiError::not_found());
    }
    let path = storage::resolve(&state.config, rel).ok_or_else(ApiError::not_found)?;
    let file = tokio::task::spawn_blocking(move || std::fs::File::open(path))
        .await
        .map_err(ApiError::internal)?
        .map_err(|_| ApiError::not_found())?;
    let len = file.metadata().map_err(ApiError::internal)?.len();
    let format = Format::parse(&rec.format).unwrap_or(Format::Mp3);
    let download = query_param(req, "download").is_some_and(|v| v == "1" || v == "true");
    let disposition = if download {
        links::attachment(&links::download_names(&rec, state.config.timezone))
    } else {
        format!("inline; filename=\"{}\"", rec.file_name)
    };
    // a conditional range (If-Range) is never satisfied: we send no validators
    let range_header = req
        .headers()
        .get(header::RANGE)
        .filter(|_| !req.headers().contains_key(header::IF_RANGE))
        .and_then(|v| v.to_str().ok());
    let plan = range::plan(range_header, len);
    let (status, start, end) = match plan {
        Plan::Full => (StatusCode::OK, 0, len),
        Plan::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, start, end + 1),
        Plan::Unsatisfiable => {
            let mut resp = raw_error(&ApiError::new(ErrorCode::RangeNotSatisfiable));
            resp.headers_mut()
                .insert(header::CONTENT_RANGE, value(&format!("bytes */{len}"))?);
            return Ok(resp);
        }
    };
    let body = if req.method() == Method::HEAD {
        empty()
    } else {
        file_body(file, start, end)
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.mime()),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, value(&(end - start).to_string())?);
    h.insert(header::CONTENT_DISPOSITION, value(&disposition)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    if status == StatusCode::PARTIAL_CONTENT {
        let range = format!("bytes {start}-{}/{len}", end - 1);
        h.insert(header::CONTENT_RANGE, value(&range)?);
    }
    Ok(resp)
}

fn value(text: &str) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(text).map_err(ApiError::internal)
}

fn empty() -> Body {
    Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed()
}

/// Bytes `start..end` of `file`, read a chunk at a time on blocking threads as the client takes
/// them (hyper pulls the next chunk only when it has written the last).
pub(crate) fn file_body(file: std::fs::File, start: u64, end: u64) -> Body {
    let file = Arc::new(file);
    let chunks = futures_util::stream::try_unfold(start, move |pos| {
        let file = Arc::clone(&file);
        async move {
            if pos >= end {
                return Ok(None);
            }
            let want = (end - pos).min(CHUNK) as usize;
            let buf = tokio::task::spawn_blocking(move || -> io::Result<Vec<u8>> {
                let mut buf = vec![0u8; want];
                let n = crate::platform::read_at(&file, &mut buf, pos)?;
                buf.truncate(n);
                Ok(buf)
            })
            .await
            .map_err(io::Error::other)??;
            if buf.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the recording became shorter while it was sent",
                ));
            }
            let next = pos + buf.len() as u64;
            Ok(Some((Frame::data(Bytes::from(buf)), next)))
        }
    });
    StreamBody::new(chunks.map_err(|e| Box::new(e) as BoxError)).boxed()
}
