//! What the simulator asks of the system it runs on.

/// Raises this process's open-file limit to the hard limit (a child server inherits it).
#[cfg(unix)]
pub fn raise_open_files() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("cannot raise the open-file limit: {e}");
            0
        }
    }
}

/// Windows counts no open-file limit against sockets: nothing to raise (0: "not applicable").
#[cfg(not(unix))]
pub fn raise_open_files() -> u64 {
    0
}
