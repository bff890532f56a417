//! `dialbox backup --out FILE`: a consistent copy of the live database through SQLite's online
//! backup API (safe while the server writes), written under a temporary name, checked, renamed.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::Backup;

/// Copies the database at `source` to `out`; returns the number of pages copied.
pub fn run(source: &Path, out: &Path) -> Result<i32, String> {
    let src = crate::db::open_connection(source)
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    let tmp = out.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    let mut dst =
        Connection::open(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let pages = {
        let backup = Backup::new(&src, &mut dst).map_err(|e| e.to_string())?;
        // small steps with pauses, so a busy server keeps getting its turn at the database
        backup
            .run_to_completion(256, Duration::from_millis(5), None)
            .map_err(|e| format!("backup failed: {e}"))?;
        backup.progress().pagecount
    };
    let check: String = dst
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check != "ok" {
        return Err(format!("the copy failed its integrity check: {check}"));
    }
    // the copy is a plain rollback-journal file: easy to move and open anywhere
    dst.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(|e| e.to_string())?;
    drop(dst);
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(pages)
}
