//! `dialbox serve`: the runtime, the listener and the stop signal around `crate::serve`.

use std::future::Future;

use crate::config::Config;
use crate::platform;

/// Threads for blocking work: SQLite calls (8 pooled connections), file I/O and password hashes.
/// Tokio's default of 512 lets a burst of phones (a thousand reconnecting after a restart) start
/// hundreds of threads that all wait for the same 8 connections, each costing a stack and an
/// allocator arena; queueing the work in tokio instead costs nothing.
const BLOCKING_THREADS: usize = 16;

/// Serves until Ctrl-C, SIGTERM or (on Windows) the window closing; with `open_page`, opens the
/// admin page in the browser once the port is taken.
pub fn run(config: Config, open_page: bool) -> Result<(), String> {
    until(config, open_page, platform::shutdown_signal)
}

/// Serves until the future `shutdown()` makes resolves. `shutdown` runs inside the runtime
/// (signal handlers need one) and before the port is taken, so a stop sent during start-up is
/// not lost.
pub fn until<F, S>(config: Config, open_page: bool, shutdown: F) -> Result<(), String>
where
    F: FnOnce() -> Result<S, String>,
    S: Future<Output = ()>,
{
    platform::return_big_blocks_to_the_system();
    platform::raise_open_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let shutdown = shutdown()?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        if open_page {
            let port = config.listen.port();
            platform::open_in_browser(&format!("http://localhost:{port}/"));
        }
        crate::serve(config, listener, shutdown)
            .await
            .map_err(|e| e.to_string())
    })
}
