//! The admin page, embedded in the binary (no CDN, no build step): `assets/web/` served at `/`.

use rust_embed::RustEmbed;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::header;
use warp::path::Tail;
use warp::reply::Response;

#[derive(RustEmbed)]
#[folder = "assets/web/"]
struct WebAssets;

pub fn routes() -> BoxedFilter<(Response,)> {
    let index = warp::path::end()
        .and(warp::get())
        .map(|| serve("index.html"));
    let file = warp::path("static")
        .and(warp::path::tail())
        .and(warp::get())
        .map(|tail: Tail| serve(tail.as_str()));
    index.or(file).unify().boxed()
}

/// GET /
/// GET /static/{file}
fn serve(path: &str) -> Response {
    match WebAssets::get(path) {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            let mut resp = Response::new(file.data.into_owned().into());
            let headers = resp.headers_mut();
            if let Ok(v) = mime.as_ref().parse() {
                headers.insert(header::CONTENT_TYPE, v);
            }
            // the page is small and changes only with the binary: revalidate every load
            headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-cache"),
            );
            resp
        }
        None => crate::http::reply::error(&crate::error::ApiError::not_found()),
    }
}
