//! Every route of the server, on one screen: the raw routes (served on the hyper request before
//! warp sees it) and the API table (method, path, handler, what the handler takes). A newcomer
//! looking for a URL starts here; the handler's own doc comment repeats its route.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;

use hyper::body::Incoming;
use hyper::{Request, Response};
use serde::de::DeserializeOwned;
use warp::filters::BoxedFilter;
use warp::{Filter, Rejection};

use super::reply::Body;
use super::{
    audit, auth, body, call_records, call_reports, call_stats, campaigns, customer_imports,
    customers, customers_bulk, dial, dialer, do_not_call, exports, finish, follow_ups,
    mobile_device, openapi, query, recording_base64, recording_stream, recordings, rejection,
    settings, users, web, work_phones, ws,
};
use crate::auth::Caller;
use crate::auth::caller::{Accept, authenticate, bearer};
use crate::error::ApiError;
use crate::state::State;

/// The routes served on the raw request: the WebSockets (their upgrade needs tungstenite's
/// buffer settings, which warp 0.4 does not expose) and the streamed recording files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawRoute {
    /// `GET /ws/mobile?token=` — the phone socket (`ws::mobile`).
    MobileSocket,
    /// `GET /ws/admin?token=` — the PC page's live feed (`ws::admin`).
    AdminSocket,
    /// `GET /api/v1/calls/recordings/stream/{recordingPath}`, and the same under the document's
    /// `GET /recordings/{recordingPath}` (`recording_stream`).
    RecordingStream,
    /// `GET /api/v1/exports/download/{token}` — a finished export, streamed (`exports`).
    ExportDownload,
}

/// `(method, path)` of the raw routes, as `API_ROUTES` lists the others.
pub const RAW_ROUTES: &[(&str, &str)] = &[
    ("get", "/ws/mobile"),
    ("get", "/ws/admin"),
    ("get", "/api/v1/calls/recordings/stream/{}"),
    ("get", "/recordings/{}"),
    ("get", "/api/v1/exports/download/{}"),
];

/// The admin page's routes (`web::routes`): its index and its embedded files.
pub const PAGE_ROUTES: &[(&str, &str)] = &[("get", "/"), ("get", "/static/{}")];

pub type RawFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// Which raw route serves this request, if any. Matched on the path exactly as received (not
/// decoded), so the stream's own checks see what the client sent.
pub fn raw(req: &Request<Incoming>) -> Option<RawRoute> {
    let path = req.uri().path();
    if recording_stream::rel_of(path).is_some() {
        return Some(RawRoute::RecordingStream);
    }
    if path.starts_with(exports::DOWNLOAD_PREFIX) {
        return Some(RawRoute::ExportDownload);
    }
    match path.trim_end_matches('/') {
        "/ws/mobile" => Some(RawRoute::MobileSocket),
        "/ws/admin" => Some(RawRoute::AdminSocket),
        _ => None,
    }
}

/// Serves a request `raw` chose.
pub fn serve_raw(route: RawRoute, state: State, req: Request<Incoming>) -> RawFuture {
    match route {
        RawRoute::MobileSocket => Box::pin(ws::mobile::serve(state, req)),
        RawRoute::AdminSocket => Box::pin(ws::admin::serve(state, req)),
        RawRoute::RecordingStream => Box::pin(recording_stream::serve(state, req)),
        RawRoute::ExportDownload => Box::pin(exports::download(state, req)),
    }
}

/// One row: `METHOD ["path" / "segments" / String] => handler, what it takes…;` — the handler
/// gets the path's parameters first, then each extracted value in order. Emits the filters
/// (`api_filters`) and the same rows as data (`API_ROUTES`), so a test can hold the OpenAPI
/// document against the table itself.
macro_rules! route_table {
    ($n:ident; $( $method:ident [$($seg:tt)/+] => $handler:path $(, $arg:expr)* ; )+) => {
        fn api_filters(state: &State) -> Vec<BoxedFilter<(warp::reply::Response,)>> {
            let $n = Needs::new(state);
            vec![$(
                warp::path!($($seg)/+)
                    .and(warp::$method())
                    $(.and($arg))*
                    .then($handler)
                    .map(finish)
                    .boxed()
            ),+]
        }

        /// `(method, path)` of every API route, as written in the table (`api_routes` reads it).
        const API_ROUTES: &[(&str, &str)] =
            &[$( (stringify!($method), concat!($("/", stringify!($seg)),+)) ),+];
    };
}

route_table! { n;
    // ---- the phone app's login and health (§2.1, §2.2) --------------------------------------
    get    ["api" / "v1" / "mobile" / "ping"] => auth::ping;
    post   ["api" / "v1" / "mobile" / "login"] => auth::login, n.state(), n.client_addr(), n.json();
    post   ["api" / "v1" / "auth" / "login"] => auth::login, n.state(), n.client_addr(), n.json();
    get    ["api" / "v1" / "auth" / "me"] => auth::me, n.state(), n.device();
    put    ["api" / "v1" / "auth" / "password"] => auth::change_password, n.state(), n.login(), n.json();
    // ---- users (contract §11) -------------------------------------------------------------
    get    ["api" / "v1" / "users"] => users::list, n.state(), n.login();
    post   ["api" / "v1" / "users"] => users::create, n.state(), n.login(), n.json();
    put    ["api" / "v1" / "users" / String] => users::update, n.state(), n.login(), n.json();
    put    ["api" / "v1" / "users" / String / "password"] => users::reset_password, n.state(), n.login(), n.json();
    // ---- binding from the PC page (§3.1–§3.6) ---------------------------------------------
    post   ["api" / "v1" / "call-config" / "work-phones" / "qrcode"] => work_phones::qrcode, n.state(), n.login(), n.json_or_default();
    get    ["api" / "v1" / "call-config" / "work-phones" / "bind-status" / String] => work_phones::bind_status, n.state(), n.login();
    post   ["api" / "v1" / "call-config" / "work-phones" / "bind"] => work_phones::bind_pc, n.state(), n.json();
    get    ["api" / "v1" / "call-config" / "work-phones"] => work_phones::list, n.state(), n.login();
    put    ["api" / "v1" / "call-config" / "work-phones" / String / "primary"] => work_phones::set_primary, n.state(), n.login();
    delete ["api" / "v1" / "call-config" / "work-phones" / String] => work_phones::unbind, n.state(), n.login();
    // ---- binding from the phone, the shipped app's device routes (§3.1.1, contract §13) ----
    post   ["api" / "v1" / "mobile" / "bindQRCode"] => mobile_device::bind_qrcode, n.state(), n.device();
    post   ["api" / "v1" / "mobile" / "bind"] => mobile_device::bind_mobile, n.state(), n.json();
    delete ["api" / "v1" / "mobile" / "unbind"] => mobile_device::unbind_self, n.state(), n.device(), n.json_or_default();
    get    ["api" / "v1" / "mobile" / "device" / "status"] => mobile_device::device_status, n.state(), n.device(), n.raw_query();
    // ---- customers --------------------------------------------------------------------------
    get    ["api" / "v1" / "customers"] => customers::list, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "customers"] => customers::create, n.state(), n.login(), n.json();
    get    ["api" / "v1" / "customers" / "import" / "template"] => customer_imports::import_template, n.login();
    post   ["api" / "v1" / "customers" / "import"] => customer_imports::import_csv, n.state(), n.login(), n.query(), body::bytes(crate::customers::import::IMPORT_LIMIT);
    post   ["api" / "v1" / "customers" / "bulk"] => customers_bulk::apply, n.state(), n.login(), n.json();
    get    ["api" / "v1" / "customers" / "imports"] => customer_imports::list, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "customers" / "imports" / String / "undo"] => customer_imports::undo, n.state(), n.login();
    // (before `customers/{id}`: the table tries its rows in order)
    get    ["api" / "v1" / "customers" / "export"] => exports::customers, n.state(), n.login(), n.query();
    get    ["api" / "v1" / "customers" / String] => customers::detail, n.state(), n.login();
    put    ["api" / "v1" / "customers" / String] => customers::update, n.state(), n.login(), n.json();
    delete ["api" / "v1" / "customers" / String] => customers::delete, n.state(), n.login();
    // ---- calls: the phone's view and reports (§4.1, §4.2, §5.2, §5.3) ------------------------
    get    ["api" / "v1" / "mobile" / "call" / String] => call_records::detail, n.state(), n.device();
    get    ["api" / "v1" / "mobile" / "calls"] => call_records::mobile_list, n.state(), n.device(), n.query();
    post   ["api" / "v1" / "mobile" / "call" / "status"] => call_reports::status, n.state(), n.device(), n.json();
    post   ["api" / "v1" / "mobile" / "call" / "end"] => call_reports::end, n.state(), n.device(), n.json();
    post   ["api" / "v1" / "mobile" / "call" / "missed-calls"] => call_reports::missed_calls, n.state(), n.device(), n.json();
    post   ["api" / "v1" / "mobile" / "call" / "incoming"] => call_reports::incoming, n.state(), n.device(), n.json();
    // ---- calls from the PC page (§5.0, §5.6–§5.10) --------------------------------------------
    post   ["api" / "v1" / "calls" / "outbound"] => dial::outbound, n.state(), n.login(), n.json();
    get    ["api" / "v1" / "calls" / "outbound" / "targets"] => dial::targets, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "calls" / String / "cancel"] => dial::cancel, n.state(), n.login();
    get    ["api" / "v1" / "calls" / "records"] => call_records::pc_list, n.state(), n.login(), n.query();
    get    ["api" / "v1" / "calls" / "records" / "export"] => exports::calls, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "calls" / "records"] => call_records::create, n.state(), n.login(), n.json();
    put    ["api" / "v1" / "calls" / "records" / String] => call_records::update, n.state(), n.login(), n.json();
    delete ["api" / "v1" / "calls" / "records" / String] => call_records::delete, n.state(), n.login();
    put    ["api" / "v1" / "calls" / "records" / String / "end"] => call_records::end, n.state(), n.login(), n.json();
    // ---- follow-ups (§5.1, §5.11, §5.12) -------------------------------------------------------
    post   ["api" / "v1" / "mobile" / "call" / "followup"] => follow_ups::call_follow_up, n.state(), n.device(), n.json();
    get    ["api" / "v1" / "calls" / "followups"] => follow_ups::list, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "calls" / "followups"] => follow_ups::create, n.state(), n.login(), n.json();
    get    ["api" / "v1" / "calls" / "followups" / "due"] => follow_ups::due, n.state(), n.login();
    get    ["api" / "v1" / "calls" / "followups" / "export"] => exports::follow_ups, n.state(), n.login(), n.query();
    put    ["api" / "v1" / "calls" / "followups" / String] => follow_ups::update, n.state(), n.login(), n.json();
    delete ["api" / "v1" / "calls" / "followups" / String] => follow_ups::delete, n.state(), n.login();
    // ---- statistics (§5.4, §5.5, contract §13) ---------------------------------------------
    get    ["api" / "v1" / "mobile" / "stats" / "today"] => call_stats::today, n.state(), n.device();
    get    ["api" / "v1" / "mobile" / "stats"] => call_stats::period, n.state(), n.device(), n.query();
    get    ["api" / "v1" / "calls" / "statistics"] => call_stats::statistics, n.state(), n.device(), n.query();
    get    ["api" / "v1" / "calls" / "statistics" / "export"] => exports::statistics, n.state(), n.login(), n.query();
    // ---- recordings (§4.3, §4.4, §4.6–§4.8); the stream (§4.5) is a raw route ------------------
    post   ["api" / "v1" / "mobile" / "recording" / "upload"] => recordings::upload_recording, n.state(), n.device(), n.content_length(), n.multipart();
    post   ["api" / "v1" / "mobile" / "recording" / "upload-base64"] => recording_base64::upload_base64, n.state(), n.device(), recording_base64::turn(), body::bytes(crate::recordings::base64_body::MAX_BODY_BYTES);
    get    ["api" / "v1" / "calls" / "recordings" / "stats"] => recordings::stats, n.state(), n.login();
    get    ["api" / "v1" / "calls" / "recordings" / "export"] => exports::recordings, n.state(), n.login(), n.query();
    get    ["api" / "v1" / "calls" / "recordings"] => recordings::list, n.state(), n.login(), n.query();
    get    ["api" / "v1" / "calls" / "recordings" / String / "download"] => recordings::download, n.state(), n.login();
    delete ["api" / "v1" / "calls" / "recordings" / String] => recordings::delete, n.state(), n.login();
    get    ["api" / "v1" / "system" / "storage"] => recordings::storage_view, n.state(), n.login();
    // ---- 外呼任务, the power dialer and 黑名单 (issue 16) -------------------------------------
    get    ["api" / "v1" / "campaigns"] => campaigns::list, n.state(), n.login();
    post   ["api" / "v1" / "campaigns"] => campaigns::create, n.state(), n.login(), n.json();
    post   ["api" / "v1" / "campaigns" / "items" / String / "callback"] => campaigns::callback, n.state(), n.login(), n.json();
    get    ["api" / "v1" / "campaigns" / String] => campaigns::detail, n.state(), n.login();
    put    ["api" / "v1" / "campaigns" / String] => campaigns::update, n.state(), n.login(), n.json();
    delete ["api" / "v1" / "campaigns" / String] => campaigns::delete, n.state(), n.login();
    get    ["api" / "v1" / "campaigns" / String / "items"] => campaigns::item_list, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "campaigns" / String / "items"] => campaigns::add_items, n.state(), n.login(), n.json();
    post   ["api" / "v1" / "campaigns" / String / "items" / "from-customers"] => campaigns::add_customers, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "campaigns" / String / "import"] => campaigns::import, n.state(), n.login(), n.query(), body::bytes(crate::customers::import::IMPORT_LIMIT);
    post   ["api" / "v1" / "campaigns" / String / "assign"] => campaigns::assign, n.state(), n.login(), n.json();
    get    ["api" / "v1" / "dialer" / "session"] => dialer::show, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "dialer" / "session"] => dialer::start, n.state(), n.login(), n.json();
    post   ["api" / "v1" / "dialer" / "session" / String] => dialer::command, n.state(), n.login(), n.json_or_default();
    get    ["api" / "v1" / "do-not-call"] => do_not_call::list, n.state(), n.login(), n.query();
    post   ["api" / "v1" / "do-not-call"] => do_not_call::add, n.state(), n.login(), n.json();
    post   ["api" / "v1" / "do-not-call" / "import"] => do_not_call::import, n.state(), n.login(), n.query(), body::bytes(crate::customers::import::IMPORT_LIMIT);
    delete ["api" / "v1" / "do-not-call" / String] => do_not_call::remove, n.state(), n.login();
    get    ["api" / "v1" / "system" / "office"] => settings::office, n.state(), n.login();
    put    ["api" / "v1" / "system" / "office"] => settings::update_office, n.state(), n.login(), n.json();
    get    ["api" / "v1" / "system" / "pacing"] => settings::pacing, n.state(), n.login();
    put    ["api" / "v1" / "system" / "pacing"] => settings::update_pacing, n.state(), n.login(), n.json();
    // ---- 设置 (issue 14): what the server believes, the settings it changes at runtime -------
    get    ["api" / "v1" / "system" / "settings"] => settings::show, n.state(), n.login();
    put    ["api" / "v1" / "system" / "settings"] => settings::update, n.state(), n.login(), n.json();
    // ---- the audit log (issue 13): admins read it, nothing writes it from outside -----------
    get    ["api" / "v1" / "audit"] => audit::list, n.state(), n.login(), n.query();
    // ---- this API's own description ------------------------------------------------------------
    get    ["api" / "openapi.json"] => openapi::document;
}

/// What the table's handlers take, made once per server.
struct Needs {
    state: State,
    json_limit: u64,
}

impl Needs {
    fn new(state: &State) -> Self {
        Self {
            state: state.clone(),
            json_limit: state.config.json_body_limit,
        }
    }

    /// The shared state.
    fn state(&self) -> impl Filter<Extract = (State,), Error = Infallible> + Clone + use<> {
        let state = self.state.clone();
        warp::any().map(move || state.clone())
    }

    /// A logged-in user of the PC page (a phone's device token is refused).
    fn login(&self) -> impl Filter<Extract = (Caller,), Error = Rejection> + Clone + use<> {
        caller(self.state.clone(), Accept::Login)
    }

    /// A logged-in user or one of their bound phones (the mobile routes).
    fn device(&self) -> impl Filter<Extract = (Caller,), Error = Rejection> + Clone + use<> {
        caller(self.state.clone(), Accept::LoginOrDevice)
    }

    /// A JSON body, held to the configured limit.
    fn json<T>(&self) -> impl Filter<Extract = (T,), Error = Rejection> + Clone + use<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        body::json(self.json_limit)
    }

    /// A JSON body that may be absent.
    fn json_or_default<T>(&self) -> impl Filter<Extract = (T,), Error = Rejection> + Clone + use<T>
    where
        T: DeserializeOwned + Default + Send + 'static,
    {
        body::json_or_default(self.json_limit)
    }

    /// The query string, for the paged lists' filters.
    fn query(&self) -> impl Filter<Extract = (query::Query,), Error = Rejection> + Clone + use<> {
        query::query()
    }

    /// The query string as it came.
    fn raw_query(
        &self,
    ) -> impl Filter<Extract = (HashMap<String, String>,), Error = Rejection> + Clone + use<> {
        warp::query::<HashMap<String, String>>()
    }

    /// The peer's address (the per-address login limit).
    fn client_addr(
        &self,
    ) -> impl Filter<Extract = (Option<super::ClientAddr>,), Error = Infallible> + Clone + use<>
    {
        warp::ext::optional::<super::ClientAddr>()
    }

    /// A multipart form, streamed part by part. No Content-Length limit here: the file part is
    /// counted as it streams (`recordings::receive`), so a chunked upload is held to the same
    /// limit.
    fn multipart(
        &self,
    ) -> impl Filter<Extract = (warp::multipart::FormData,), Error = Rejection> + Clone + use<>
    {
        warp::multipart::form().max_length(None)
    }

    /// The declared Content-Length, checked before a large body is read.
    fn content_length(
        &self,
    ) -> impl Filter<Extract = (Option<u64>,), Error = Rejection> + Clone + use<> {
        warp::header::optional::<u64>("content-length")
    }
}

/// The caller of an `Authorization: Bearer` request, or a 401 rejection.
fn caller(
    state: State,
    accept: Accept,
) -> impl Filter<Extract = (Caller,), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and(warp::ext::optional::<super::ClientAddr>())
        .and_then(
            move |header: Option<String>, addr: Option<super::ClientAddr>| {
                let state = state.clone();
                async move {
                    let token = bearer(header.as_deref()).ok_or_else(ApiError::auth_failed)?;
                    let mut caller = authenticate(&state, token, accept)
                        .await
                        .map_err(warp::reject::custom)?;
                    caller.address = addr.map(|super::ClientAddr(a)| a.ip());
                    Ok::<_, Rejection>(caller)
                }
            },
        )
}

/// Every `(method, path)` the server answers, raw routes included, with path parameters as
/// `{}` (`/api/v1/users/{}/password`). The OpenAPI test holds the document against this.
pub fn api_routes() -> Vec<(String, String)> {
    let table = API_ROUTES.iter().map(|(method, path)| {
        let path: Vec<&str> = path
            .split('/')
            .skip(1)
            .map(|seg| match seg.strip_prefix('"') {
                Some(name) => name.trim_end_matches('"'),
                None => "{}",
            })
            .collect();
        (method.to_string(), format!("/{}", path.join("/")))
    });
    let others = RAW_ROUTES.iter().chain(PAGE_ROUTES);
    table
        .chain(others.map(|(m, p)| (m.to_string(), p.to_string())))
        .collect()
}

/// The methods the API answers on `path` (upper case, in table order): a 405's `Allow` header.
/// Where a route names a segment that another only matches as a parameter, the named one is the
/// resource (`/work-phones/bind` is not `/work-phones/{id}`); the raw and page routes' last
/// parameter takes the rest of the path (a recording's `YYYY/MM/DD/file`).
pub fn allowed_methods(path: &str) -> Vec<String> {
    let asked: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let tails: Vec<(String, String)> = RAW_ROUTES
        .iter()
        .chain(PAGE_ROUTES)
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let mut best: Option<usize> = None;
    let mut methods: Vec<String> = Vec::new();
    for (method, pattern) in api_routes() {
        let is_tail = tails.contains(&(method.clone(), pattern.clone()));
        let Some(named) = matching(&pattern, &asked, is_tail) else {
            continue;
        };
        let method = method.to_ascii_uppercase();
        match best {
            Some(b) if named < b => continue,
            Some(b) if named > b => methods.clear(),
            _ => {}
        }
        best = Some(named);
        if !methods.contains(&method) {
            methods.push(method);
        }
    }
    methods
}

/// How many named segments of `pattern` match `asked`; `None` when it does not match.
fn matching(pattern: &str, asked: &[&str], tail: bool) -> Option<usize> {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let fits = pattern.len() == asked.len() || (tail && asked.len() > pattern.len());
    if !fits {
        return None;
    }
    let mut named = 0;
    for (p, a) in pattern.iter().zip(asked) {
        match *p {
            "{}" if !a.is_empty() => {}
            _ if p == a => named += 1,
            _ => return None,
        }
    }
    Some(named)
}

/// The API behind one `recover` and CORS (contract §1): each route matches its path first and
/// its method second, so an unknown path is 404 and a known path with another method is 405.
pub fn api(state: State) -> BoxedFilter<(warp::reply::Response,)> {
    let api = any_of(api_filters(&state)).or(web::routes()).unify();
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

/// The filters tried in table order, as a balanced tree of `or`: a request for the last row
/// passes a few levels, not one per route.
fn any_of(
    mut filters: Vec<BoxedFilter<(warp::reply::Response,)>>,
) -> BoxedFilter<(warp::reply::Response,)> {
    while filters.len() > 1 {
        let mut paired = Vec::with_capacity(filters.len().div_ceil(2));
        let mut rest = filters.into_iter();
        while let Some(first) = rest.next() {
            paired.push(match rest.next() {
                Some(second) => first.or(second).unify().boxed(),
                None => first,
            });
        }
        filters = paired;
    }
    filters.pop().expect("the route table is not empty")
}
