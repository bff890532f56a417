//! DialBox: the one program a sales office runs to drive its salespeople's work phones —
//! click-to-dial from the PC page, live call state, records, follow-ups, recordings, statistics.
//!
//! `serve(config, listener, shutdown)` is the whole server; `main.rs` only parses the command
//! line. The layers, each importing only those below it (`.ci/layers` checks it):
//!
//! - `cli` — the command line: `serve`, `user …`, `backup`, the Windows service.
//! - `http` — the transport: accept loop, the route table (`http::routes`, every URL on one
//!   screen), handlers that parse, call the domain and build the view, the sockets, the
//!   recording stream, the JSON envelope. The only layer that knows warp and hyper.
//! - the domain — every business rule and every write transaction, shared by the HTTP routes,
//!   the sockets and the CLI: `users`, `phones`, `calls` (dialing and whose phone, the call
//!   state machine, reports, follow-ups, pacing, list outcomes, the rollup), `campaigns` (call
//!   lists, the do-not-call list, the power dialer: its sessions, step, driver and bell),
//!   `customers` (numbers, words, spreadsheets in and out), `recordings`, `exports` (the
//!   sheets the page downloads), `settings` (what 设置 changes at runtime), `audit`.
//! - `db` — one module per table, one function per query, the pool and its transactions; it
//!   knows SQLite and nothing of the API.
//! - the leaves, importing nothing of ours but each other: `states` (a call's, a session's and
//!   a list number's states as types, shared by `db` and the domain), `access` (roles and
//!   scopes), `times` (wire times, the office zone and the one `Clock`), `ids`, `netaddr`,
//!   `platform` (what differs between Linux and Windows).
//! - beside them: `auth` (passwords, tokens, login limits, the caller), `hub` (connected phones,
//!   the PC page's live events, the socket envelope), `error` (the one catalogue of error
//!   codes), `limits` (every input limit with its message), `state` (what handlers share),
//!   `config`, `app` (opening a data folder), `backup`, and `bench_data` (`gen-calls`, with the
//!   `bench` feature only).

pub mod access;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
#[cfg(feature = "bench")]
pub mod bench_data;
pub mod calls;
pub mod campaigns;
pub mod cli;
pub mod config;
pub mod customers;
pub mod db;
pub mod error;
pub mod exports;
pub mod http;
pub mod hub;
pub mod ids;
pub mod integrity;
pub mod limits;
pub mod netaddr;
pub mod phones;
pub mod platform;
pub mod recordings;
pub mod settings;
pub mod state;
pub mod states;
pub mod times;
pub mod users;

use std::future::Future;

use tokio::net::TcpListener;

pub use app::StartError;
pub use config::Config;

/// Runs the server on `listener` until `shutdown` resolves: opens (and on first start creates)
/// the data folder, prints where the office can open the page — and the first admin password,
/// once — then serves, and on shutdown drains requests in flight and closes the database.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    let local = listener
        .local_addr()
        .map_err(|e| StartError::Other(format!("the listener has no address: {e}")))?;
    let (state, first) = tokio::task::spawn_blocking(move || app::open(config, local))
        .await
        .map_err(|e| StartError::Other(e.to_string()))??;
    let recordings_config = state.config.clone();
    tokio::task::spawn_blocking(move || recordings::storage::prepare(&recordings_config))
        .await
        .map_err(|e| StartError::Other(e.to_string()))?
        .map_err(|source| StartError::DataDir {
            path: state.config.recordings_dir(),
            source,
        })?;
    announce(&state, local, first.as_ref());
    // the marker left by a stop that was not clean asks for the full check at once
    let marker = state.config.data_dir.join(integrity::RUNNING_MARKER);
    let unclean = marker.exists();
    if let Err(e) = std::fs::write(&marker, std::process::id().to_string()) {
        tracing::warn!(error = %e, "cannot write the running marker");
    }
    let checker = integrity::spawn(state.clone(), unclean);
    let dial_timeouts = calls::timeout::spawn(state.clone());
    let sweeper = recordings::retention::spawn(state.clone());
    let dialer = campaigns::driver::spawn(state.clone());
    http::server::run(state, listener, shutdown).await;
    dial_timeouts.abort();
    dialer.abort();
    sweeper.abort();
    checker.abort();
    // a clean stop: the next start need not check the whole file
    let _ = std::fs::remove_file(&marker);
    Ok(())
}

/// Prints where to open the page (and the first admin password, once). Written with `writeln!`
/// and errors ignored: a closed stdout (a service manager, a pipe) must not stop the server.
fn announce(state: &state::State, local: std::net::SocketAddr, first: Option<&app::FirstAdmin>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "DialBox {} listening on {local}",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "  data folder: {}", state.config.data_dir.display());
    let _ = writeln!(out, "  office time zone: {}", state.config.timezone);
    if let Some(first) = first {
        let _ = writeln!(
            out,
            "  First start: created user '{}' with password: {}",
            first.username, first.password
        );
        let _ = writeln!(
            out,
            "  This password is shown only once. Log in and change it."
        );
    }
    if local.ip().is_unspecified() {
        for (iface, ip) in netaddr::lan_ipv4_addresses() {
            let _ = writeln!(out, "  reachable on {iface}: http://{ip}:{}/", local.port());
        }
    }
    if local.ip().is_loopback() && state.config.public_url.is_none() {
        // The QR codes still carry the LAN address (phones never get localhost), but this box
        // only answers on loopback: say so rather than point the admin at an address we ignore.
        // (With --public-url, a reverse proxy in front of us is that address.)
        let _ = writeln!(
            out,
            "  note: listening on loopback only, phones on the office Wi-Fi cannot reach it \
             (use --listen 0.0.0.0:{})",
            local.port()
        );
        let _ = writeln!(out, "  open the admin page at: http://{local}/");
    } else {
        let _ = writeln!(out, "  open the admin page at: {}/", state.public.http);
    }
    let _ = out.flush();
}
