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
    // HEAD answers as GET does; hyper sends no body with it
    let read = || warp::get().or(warp::head()).unify();
    let index = warp::path::end().and(read()).map(|| serve("index.html"));
    let file = warp::path("static")
        .and(warp::path::tail())
        .and(read())
        .map(|tail: Tail| serve(tail.as_str()));
    index.or(file).unify().boxed()
}

/// GET /
/// GET /static/{file}
fn serve(path: &str) -> Response {
    match WebAssets::get(path) {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            // the page's text is UTF-8, and says so: a client that defaults to Latin-1 for a
            // text type without a charset (Python's requests) misreads its Chinese
            let kind = match mime.type_() {
                mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
                _ => mime.to_string(),
            };
            let length = file.data.len();
            let mut resp = Response::new(file.data.into_owned().into());
            let headers = resp.headers_mut();
            // said outright, so a HEAD (whose body hyper drops) tells the length GET would send
            headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(length));
            if let Ok(v) = kind.parse() {
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
