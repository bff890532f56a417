//! Windows: console events, `seek_read`, `GetDiskFreeSpaceExW`, and what a double-clicked
//! `dialbox.exe` does differently.

use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::FileExt;
use std::path::Path;

/// A future that resolves on Ctrl-C or Ctrl-Break, or when the console window is closed, the user
/// logs off or Windows shuts down. For the last three Windows waits for the process to exit
/// (tokio holds its handler until then) for a few seconds: enough to drain requests and close
/// the database, which is crash-safe in any case.
pub fn shutdown_signal() -> Result<impl Future<Output = ()>, String> {
    use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, ctrl_logoff, ctrl_shutdown};
    let err = |what: &str, e: io::Error| format!("cannot handle {what}: {e}");
    let mut c = ctrl_c().map_err(|e| err("Ctrl-C", e))?;
    let mut brk = ctrl_break().map_err(|e| err("Ctrl-Break", e))?;
    let mut close = ctrl_close().map_err(|e| err("the window closing", e))?;
    let mut logoff = ctrl_logoff().map_err(|e| err("log-off", e))?;
    let mut shutdown = ctrl_shutdown().map_err(|e| err("shutdown", e))?;
    Ok(async move {
        tokio::select! {
            _ = c.recv() => tracing::info!("Ctrl-C received"),
            _ = brk.recv() => tracing::info!("Ctrl-Break received"),
            _ = close.recv() => tracing::info!("the window was closed"),
            _ = logoff.recv() => tracing::info!("the user logged off"),
            _ = shutdown.recv() => tracing::info!("Windows is shutting down"),
        }
    })
}

/// Reads into `buf` from `offset`. (`seek_read` also moves the handle's cursor; every reader
/// here opens its own handle and always passes the offset, so that is harmless.)
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek_read(buf, offset)
}

/// Free (for this user) and total bytes of the volume that holds `dir`.
pub fn disk_space(dir: &Path) -> io::Result<(u64, u64)> {
    use windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW;
    let wide: Vec<u16> = dir.as_os_str().encode_wide().chain([0]).collect();
    let (mut free, mut total) = (0u64, 0u64);
    // SAFETY: `wide` is NUL-terminated and outlives the call; the out pointers are valid u64s
    // (the third, total free bytes, may be null).
    let ok =
        unsafe { GetDiskFreeSpaceExW(wide.as_ptr(), &mut free, &mut total, std::ptr::null_mut()) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((free, total))
}

/// Gives `file` `len` bytes of real disk blocks: NTFS allocates the clusters of a file extended
/// by `set_len` (reading them gives zeros until written), so nothing is written.
pub fn allocate(file: &mut File, len: u64) -> io::Result<()> {
    file.set_len(len)
}

/// Nothing to do: NTFS journals its folder entries, and Windows offers no flush of a folder
/// opened the ordinary way. The renamed file's own bytes were synced before the rename.
pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Plain options: on Windows a new file takes its folder's permissions (the data folder's: the
/// user's own profile, or `%ProgramData%\DialBox` for the service, writable by administrators).
pub fn private_file(_mode: u32) -> OpenOptions {
    OpenOptions::new()
}

/// Nothing to raise: Windows sockets are not counted against a per-process file limit.
pub fn raise_open_file_limit() {}

/// Whether this process has its console window to itself: started by a double-click in
/// Explorer rather than from a command prompt. Then it opens the page in the browser, and
/// waits for Enter after an error so the window does not vanish before it can be read.
pub fn started_by_double_click() -> bool {
    use windows_sys::Win32::System::Console::GetConsoleProcessList;
    let mut pids = [0u32; 2];
    // SAFETY: the buffer holds 2 ids and its length is passed.
    let n = unsafe { GetConsoleProcessList(pids.as_mut_ptr(), pids.len() as u32) };
    n == 1
}

/// Opens `url` in the default browser (the shell's own `start`).
pub fn open_in_browser(url: &str) {
    let opened = std::process::Command::new("cmd")
        .args(["/C", "start", "", url])
        .spawn();
    if let Err(e) = opened {
        tracing::warn!(error = %e, url, "cannot open the browser");
    }
}
