//! `dialbox backup --out FILE`: a consistent copy of the live database, safe while the server
//! writes. `VACUUM INTO` copies one read snapshot: in WAL mode the server's writers go on
//! beside it, and unlike the online backup API it never restarts when they commit, so its time
//! depends on the database's size, not on how busy the office is. The copy is written under a
//! temporary name, checked, synced and renamed; leftovers of a killed run are removed first.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// What a backup wrote.
pub struct Copied {
    pub bytes: u64,
}

/// The temporary name of a copy in progress, and the files SQLite may put beside it.
/// What every backup's unfinished copy is called after: `.<out>.dialbox-partial`, in the folder
/// of `--out`.
const PARTIAL: &str = ".dialbox-partial";

/// Unfinished copies a killed backup left in `dir`, whatever `--out` they were for (issue 27:
/// a later backup under another name never removed them).
fn stale_partials(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with('.') && name.contains(PARTIAL)
        })
        .collect()
}

fn leftovers(tmp: &Path) -> Vec<PathBuf> {
    let mut files = vec![tmp.to_path_buf()];
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut name = tmp.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
}

fn remove_all(files: &[PathBuf]) {
    for f in files {
        let _ = std::fs::remove_file(f);
    }
}

/// Copies the database at `source` to `out`. An existing `out` is replaced only with `force`.
pub fn run(source: &Path, out: &Path, force: bool) -> Result<Copied, String> {
    if out.exists() && !force {
        return Err(format!(
            "{} exists: choose another --out, or add --force to replace it",
            out.display()
        ));
    }
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("backup");
    let tmp = out.with_file_name(format!(".{name}{PARTIAL}"));
    let leftover = leftovers(&tmp);
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
    remove_all(&stale_partials(dir.unwrap_or(Path::new("."))));
    let result = copy(source, &tmp, out);
    remove_all(&leftover);
    result
}

fn copy(source: &Path, tmp: &Path, out: &Path) -> Result<Copied, String> {
    let src = crate::db::open_connection(source)
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    let target = tmp
        .to_str()
        .ok_or_else(|| format!("{} is not a valid path", tmp.display()))?;
    src.execute("VACUUM INTO ?1", [target])
        .map_err(|e| format!("backup failed: {e}"))?;
    drop(src);
    let dst = Connection::open(tmp).map_err(|e| format!("cannot open the copy: {e}"))?;
    let check: String = dst
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check != "ok" {
        return Err(format!("the copy failed its integrity check: {check}"));
    }
    // the copy is a plain rollback-journal file: easy to move and open anywhere
    dst.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .map_err(|e| e.to_string())?;
    drop(dst);
    // opened for writing: Windows flushes only a handle that may write
    let bytes = std::fs::OpenOptions::new()
        .write(true)
        .open(tmp)
        .and_then(|f| {
            f.sync_all()?;
            f.metadata()
        })
        .map_err(|e| e.to_string())?
        .len();
    std::fs::rename(tmp, out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        // the new name must survive a crash too
        crate::platform::sync_dir(dir).map_err(|e| e.to_string())?;
    }
    Ok(Copied { bytes })
}
