//! Linux (and any Unix): signals, `pread`, `statvfs`, a synced folder, mode 0600.

use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// A future that resolves on SIGINT (Ctrl-C) or SIGTERM (systemd's stop). The handlers are
/// installed when this is called, not when the future is first polled, so a stop sent during
/// start-up is not lost.
pub fn shutdown_signal() -> Result<impl Future<Output = ()>, String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
    let mut int =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle SIGINT: {e}"))?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
        }
    })
}

/// Reads into `buf` from `offset` without moving a shared cursor.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

/// Free (for us) and total bytes of the file system that holds `dir`.
pub fn disk_space(dir: &Path) -> io::Result<(u64, u64)> {
    let st = rustix::fs::statvfs(dir)?;
    let unit = st.f_frsize.max(1);
    Ok((st.f_bavail * unit, st.f_blocks * unit))
}

/// Gives `file` `len` bytes of real disk blocks without writing them (`fallocate`: instant, and
/// the space is the file's, not a hole). Elsewhere than Linux, or where the file system cannot,
/// the blocks are written.
pub fn allocate(file: &mut File, len: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if rustix::fs::fallocate(&*file, rustix::fs::FallocateFlags::empty(), 0, len).is_ok() {
        return Ok(());
    }
    super::write_filler(file, len)
}

/// Makes the names in `dir` durable: after a rename, the folder itself must reach the disk or a
/// crash can bring back the old name.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Options that create a file only its owner may read (`mode`, e.g. 0o600 for the secret).
pub fn private_file(mode: u32) -> OpenOptions {
    let mut options = OpenOptions::new();
    options.mode(mode);
    options
}

/// Every phone holds a socket: take all the open files the system allows this process (the
/// soft limit is often 1,024 while the hard one is far higher).
pub fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(open_files = n, "open file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open file limit"),
    }
}

/// Never on Unix: a terminal's program is started from a shell that stays.
pub fn started_by_double_click() -> bool {
    false
}

/// Nothing on a server without a desktop: the address is printed.
pub fn open_in_browser(_url: &str) {}
