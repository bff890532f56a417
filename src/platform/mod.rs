//! What differs between the systems DialBox runs on — Linux (x86_64, ARM64) and Windows — kept
//! in one place so the rest of the code is the same everywhere: stopping on a signal or a closed
//! window, positional reads, free disk space, making a rename durable, private files, the open
//! file limit. `unix.rs` and `windows.rs` each implement every function here.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

#[cfg(windows)]
pub mod service;

/// glibc serves a large allocation with its own mapping and unmaps it on free, but after the first
/// such free it raises that threshold, so later ones (argon2id's 19 MiB per login) come from the
/// thread's arena and stay resident: a few logins on different threads left the server holding
/// ~350 MB. A fixed threshold keeps big blocks mapped and returned when freed. Fixing it also
/// stops glibc's matching rise of the trim threshold, so that is set too: left at 128 KiB, the
/// heap was given back and faulted in again for every 256 KiB chunk of a streamed recording
/// (a third less throughput measured). Other allocators (Windows' heap) need nothing.
pub fn return_big_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const MMAP_THRESHOLD: libc::c_int = 1 << 20;
        // SAFETY: mallopt only sets allocator parameters; it is called before any thread starts.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD);
        }
    }
}

/// Gives the memory a big transient job freed (an import's rows, a sheet's strings) back to the
/// system. Many small blocks freed on different threads stay in glibc's per-thread arenas and
/// in the server's RSS (three imports of 200,000 rows left ~300 MB resident though they ran one
/// at a time); `malloc_trim` returns every arena's free pages. Elsewhere, nothing to do.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Writes `len` bytes that no file system stores as a hole or compresses away (where a file's
/// blocks cannot be allocated otherwise).
#[cfg_attr(windows, allow(dead_code))]
fn write_filler(file: &mut std::fs::File, len: u64) -> std::io::Result<()> {
    use std::io::Write;
    let mut chunk = vec![0u8; 1024 * 1024];
    let mut left = len;
    while left > 0 {
        rand::fill(&mut chunk[..]);
        let n = left.min(chunk.len() as u64) as usize;
        file.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    Ok(())
}
