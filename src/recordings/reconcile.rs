//! Files and rows kept in step (issue 13, item 3). An upload renames its file into the day folder
//! and inserts its row in one transaction; a kill between the rename and the commit leaves a file
//! no row names. The reconcile, run at start and in every retention sweep, walks the recordings
//! folder against the rows:
//!
//! - a file with no row, older than `GRACE` (an upload in flight is younger), is moved into
//!   `recordings/orphaned/` — kept, not deleted, because it may be the only copy of a call, and
//!   counted in the admin's storage view so someone can look at it;
//! - a row whose file is gone is marked `file_missing` (the page says 文件丢失 instead of failing
//!   to play), and unmarked when the file is back.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::storage;
use crate::config::Config;
use crate::db::{self, Db, DbError};

/// A file this young may belong to an upload whose row is about to commit.
pub const GRACE: Duration = Duration::from_secs(10 * 60);

/// Where files without a row are moved, inside the recordings folder (never served: the strict
/// path pattern only matches `YYYY/MM/DD/<file>`).
pub const ORPHANED_DIR: &str = "orphaned";

/// What one reconcile did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// Files with no row moved into `orphaned/`.
    pub orphans_moved: u64,
    /// Rows newly marked as having no file.
    pub marked_missing: u64,
    /// Rows whose file came back.
    pub found_again: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("recordings folder: {0}")]
    Io(#[from] io::Error),
}

/// One reconcile, on a blocking thread. `now` decides which orphans are old enough.
pub fn reconcile(config: &Config, db: &Db, now: SystemTime) -> Result<Reconciled, ReconcileError> {
    // the rows first: a row committed after this snapshot has its file already renamed in, and
    // a file renamed in after the walk is not seen at all
    let mut rows: HashMap<String, bool> = db
        .run_blocking(|c| db::recordings::paths(c))?
        .into_iter()
        .collect();
    let root = storage::root(config);
    let mut done = Reconciled::default();
    for (rel, path) in day_files(&root)? {
        let Some(was_missing) = rows.remove(&rel) else {
            if older_than(&path, now, GRACE) {
                quarantine(&root, &rel, &path)?;
                tracing::warn!(file = %rel, "recording file without a row moved to {ORPHANED_DIR}/");
                done.orphans_moved += 1;
            }
            continue;
        };
        let unmark =
            |tx: &rusqlite::Transaction<'_>| db::recordings::set_file_missing(tx, &rel, false);
        if was_missing && db.write_blocking(unmark)? {
            done.found_again += 1;
        }
    }
    for (rel, was_missing) in rows {
        if !was_missing
            && db.write_blocking(|tx| db::recordings::set_file_missing(tx, &rel, true))?
        {
            tracing::warn!(file = %rel, "recording row without its file: marked missing");
            done.marked_missing += 1;
        }
    }
    Ok(done)
}

/// Count and bytes of the files in `orphaned/` (the admin's storage view).
pub fn orphaned(config: &Config) -> io::Result<(u64, u64)> {
    let dir = storage::root(config).join(ORPHANED_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(e),
    };
    let (mut count, mut bytes) = (0, 0);
    for entry in entries {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            count += 1;
            bytes += meta.len();
        }
    }
    Ok((count, bytes))
}

/// Every `YYYY/MM/DD/<file>` under `root` that passes the strict path pattern, with its path.
fn day_files(root: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    for year in subdirs(root, 4)? {
        for month in subdirs(&year, 2)? {
            for day in subdirs(&month, 2)? {
                for entry in std::fs::read_dir(&day)? {
                    let entry = entry?;
                    if !entry.file_type()?.is_file() {
                        continue;
                    }
                    let rel = format!(
                        "{}/{}/{}/{}",
                        name_of(&year),
                        name_of(&month),
                        name_of(&day),
                        entry.file_name().to_string_lossy()
                    );
                    if storage::is_valid_rel_path(&rel) {
                        found.push((rel, entry.path()));
                    }
                }
            }
        }
    }
    Ok(found)
}

/// The sub-folders of `dir` whose names are `digits` digits.
fn subdirs(dir: &Path, digits: usize) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir()
            && name.len() == digits
            && name.bytes().all(|b| b.is_ascii_digit())
        {
            out.push(entry.path());
        }
    }
    Ok(out)
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn older_than(path: &Path, now: SystemTime, age: Duration) -> bool {
    let modified = std::fs::metadata(path).and_then(|m| m.modified());
    modified.is_ok_and(|t| now.duration_since(t).is_ok_and(|d| d >= age))
}

/// Moves `path` to `orphaned/YYYY-MM-DD-<file>`, never over a file already there.
fn quarantine(root: &Path, rel: &str, path: &Path) -> io::Result<()> {
    let dir = root.join(ORPHANED_DIR);
    std::fs::create_dir_all(&dir)?;
    let flat = rel.replacen('/', "-", 3);
    let mut target = dir.join(&flat);
    let mut n = 1;
    while target.exists() {
        target = dir.join(format!("{n}-{flat}"));
        n += 1;
    }
    std::fs::rename(path, target)
}
