//! Room kept for the database on a disk that something else fills (issue 27).
//!
//! Uploads stop while less than the storage reserve is free, but a disk filled by anything else
//! on the box reaches 0 bytes with our reserve already gone, and then SQLite cannot append to
//! its log: a delete — the one act that frees space — answered STORAGE_FULL. So the server holds
//! a file of real blocks in the data folder (`room.reserve`, 1/20 of the disk, at most 32 MiB, allocated without being written),
//! and before each write transaction, if less than that is free, it lets the file go: the write
//! goes through, and so do the next ones for a while. The file is taken back once the disk has
//! room again (four times its size free), from the checkpoint thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The file's name in the data folder.
pub const FILE: &str = "room.reserve";
const MOST: u64 = 32 * 1024 * 1024;

pub struct Room {
    file: PathBuf,
    size: u64,
    held: AtomicBool,
}

impl Room {
    /// Takes the room in `data_dir`, if the disk has it.
    pub fn keep(data_dir: &Path) -> std::io::Result<Self> {
        let (_, total) = crate::platform::disk_space(data_dir)?;
        let room = Self {
            file: data_dir.join(FILE),
            size: (total / 20).min(MOST),
            held: AtomicBool::new(false),
        };
        room.take_back();
        Ok(room)
    }

    fn free(&self) -> Option<u64> {
        let dir = self.file.parent()?;
        crate::platform::disk_space(dir).ok().map(|(free, _)| free)
    }

    /// Before a write: lets the room go when the disk has less than it free.
    pub fn before_write(&self) {
        if !self.held.load(Ordering::Relaxed) {
            return;
        }
        match self.free() {
            Some(free) if free < self.size => {}
            _ => return,
        }
        if self.held.swap(false, Ordering::AcqRel) {
            match std::fs::remove_file(&self.file) {
                Ok(()) => tracing::error!(
                    bytes = self.size,
                    "the disk is full: the database's reserved room is in use; free space on the disk"
                ),
                Err(e) => {
                    tracing::error!(error = %e, "the disk is full and the reserved room could not be let go")
                }
            }
        }
    }

    /// Takes the room (back) when the disk has four times it free.
    pub fn take_back(&self) {
        if self.held.load(Ordering::Relaxed) || self.size == 0 {
            return;
        }
        if self.free().is_none_or(|free| free < 4 * self.size) {
            return;
        }
        match write_filler(&self.file, self.size) {
            Ok(()) => self.held.store(true, Ordering::Release),
            Err(e) => {
                let _ = std::fs::remove_file(&self.file);
                tracing::warn!(error = %e, "the database's reserved room could not be taken");
            }
        }
    }
}

/// A file of `size` bytes of the disk's blocks (allocated, not written, where the system can).
fn write_filler(path: &Path, size: u64) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    crate::platform::allocate(&mut file, size)?;
    file.sync_all()
}
