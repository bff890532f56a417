//! The server's WAL checkpoints, on a thread of their own (issue 18).
//!
//! SQLite's default checkpoints inside the commit that brings the log to 1,000 pages: that
//! commit also copies the pages back and syncs both files (~20 ms on the development box), all
//! while the writer queue waits behind it. At a busy office's pace that was one write in
//! twenty, and it was the whole p95 of click → DIAL_COMMAND. The server's connections turn
//! that off (`Checkpoints::InBackground`); this thread checkpoints instead, PASSIVE (it never
//! waits for a writer and no writer waits for it), a moment after commits and at most every
//! `SPACING`, so the log stays about as short as it was. The command-line tools keep SQLite's
//! own checkpoints: they run alone and briefly.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use super::room::Room;

/// Who copies the write-ahead log back into the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoints {
    /// SQLite, inside the commit that fills the log (the command-line tools).
    AtCommit,
    /// The checkpoint thread (the server).
    InBackground,
}

/// The least time between two checkpoints: commits in between share one.
const SPACING: Duration = Duration::from_millis(250);
/// A checkpoint also runs this long after the last one without a signal (writes made outside
/// `Db::write`).
const IDLE: Duration = Duration::from_secs(5);

/// The handle a `Db` keeps: each commit signals it; dropping the last one ends the thread.
#[derive(Clone)]
pub struct Signal(SyncSender<()>);

impl Signal {
    /// Something was committed (never blocks: one pending signal is enough).
    pub fn committed(&self) {
        let _ = self.0.try_send(());
    }
}

/// Starts the checkpoint thread for the database at `path`; it also takes the disk's reserved
/// room back when there is space again.
pub fn start(path: PathBuf, room: Arc<Room>) -> std::io::Result<Signal> {
    let (tx, rx) = sync_channel(1);
    std::thread::Builder::new()
        .name("dialbox-checkpoint".into())
        .spawn(move || run(&path, &rx, &room))?;
    Ok(Signal(tx))
}

fn run(path: &std::path::Path, commits: &Receiver<()>, room: &Room) {
    let conn = match super::open_connection(path) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::error!(error = %e, "the checkpoint thread cannot open the database");
            return;
        }
    };
    loop {
        match commits.recv_timeout(IDLE) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            // the server is gone; closing the last connection checkpoints what is left
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // let the commits of the next moment join this checkpoint
        std::thread::sleep(SPACING);
        let outcome: rusqlite::Result<(i64, i64, i64)> =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            });
        match outcome {
            Ok((_, log, done)) => tracing::trace!(log, done, "checkpoint"),
            // a full disk or a damaged file: the log keeps everything, and the next try may pass
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
        room.take_back();
    }
}
