//! Whether the database file is whole (issue 32, item 2). A start reads only what it needs: the
//! schema, each table's root and its newest rows (`at_start`, microseconds at any size). The full
//! `quick_check` reads the whole file (7 s at 4M calls), so it runs in the background after an
//! unclean stop and once a day (`integrity`), and its report is kept here. A damaged page met by
//! a query later is logged and remembered (`found_damage`), so the page can warn.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::DbResult;

/// The settings row holding the last full check's report.
pub const REPORT_KEY: &str = "health.last_check";
/// The settings row saying a full check is owed (an unclean stop was seen), kept until one has
/// finished: a server stopped again before its check ended still owes it.
pub const DUE_KEY: &str = "health.check_due";

/// What the last full check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// When it finished (epoch ms).
    pub at: i64,
    pub ok: bool,
    /// SQLite's first findings when not ok, in one line.
    pub detail: String,
    pub took_ms: i64,
    /// Why it ran: `unclean_stop`, `daily` or `first`.
    pub reason: String,
}

/// The start's checks: the schema reads, and every table's root page and right edge (the newest
/// rows, where a crash writes last) can be read. A damaged page elsewhere is the background
/// check's to find.
pub fn at_start(conn: &Connection) -> Result<(), String> {
    let tables: Vec<(String, bool)> = conn
        .prepare(
            "SELECT name, sql NOT LIKE '%WITHOUT ROWID%' FROM sqlite_master
              WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(|e| e.to_string())?;
    for (table, has_rowid) in tables {
        let quoted = table.replace('"', "\"\"");
        let mut probes = vec![format!("SELECT 1 FROM \"{quoted}\" LIMIT 1")];
        if has_rowid {
            probes.push(format!(
                "SELECT 1 FROM \"{quoted}\" ORDER BY rowid DESC LIMIT 1"
            ));
        }
        for sql in probes {
            let mut stmt = conn.prepare(&sql).map_err(|e| format!("{table}: {e}"))?;
            let mut rows = stmt.query([]).map_err(|e| format!("{table}: {e}"))?;
            rows.next().map_err(|e| format!("{table}: {e}"))?;
        }
    }
    Ok(())
}

/// The full check, on its own connection to the file (a read transaction: the server goes on
/// writing beside it). `Ok(None)`: the file is whole; `Ok(Some(findings))` otherwise.
pub fn full_check(path: &Path) -> DbResult<Option<String>> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mut stmt = conn.prepare("PRAGMA quick_check(20)")?;
    let findings: Vec<String> = match stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
    {
        Ok(findings) => findings,
        // SQLite may refuse to go on at a page it cannot read at all: that is a finding too
        Err(e) if is_damage(&e) => vec![e.to_string()],
        Err(e) => return Err(e.into()),
    };
    if findings.len() == 1 && findings[0] == "ok" {
        return Ok(None);
    }
    Ok(Some(one_line(&findings.join("; "))))
}

/// SQLite's words in one line, without its "in database main" preamble.
pub fn one_line(text: &str) -> String {
    let text = text.replace("*** in database main ***", "");
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(500).collect()
}

/// Whether an error says the file is damaged.
pub fn is_damage(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

pub fn last_report(conn: &Connection) -> DbResult<Option<Report>> {
    Ok(super::settings::get(conn, REPORT_KEY)?.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Keeps a finished check's report; the check owed, if any, is paid.
pub fn save_report(conn: &Connection, report: &Report) -> DbResult<()> {
    let text = serde_json::to_string(report).unwrap_or_default();
    super::settings::set(conn, REPORT_KEY, &text)?;
    super::settings::set(conn, DUE_KEY, "")
}

/// Notes that a full check is owed, and why.
pub fn owe_check(conn: &Connection, why: &str) -> DbResult<()> {
    super::settings::set(conn, DUE_KEY, why)
}

/// The full check owed, if any.
pub fn check_owed(conn: &Connection) -> DbResult<Option<String>> {
    Ok(super::settings::get(conn, DUE_KEY)?.filter(|w| !w.is_empty()))
}

/// The first damage a query met since the start (epoch ms, SQLite's words).
static MET: Mutex<Option<(i64, String)>> = Mutex::new(None);

/// A query met a damaged page: one clear log line each time, the first remembered for the page.
pub fn found_damage(detail: &str) {
    tracing::error!(
        detail,
        "the database file is damaged: requests that read the damaged part fail; stop the server and restore the newest backup (dialbox backup makes them)"
    );
    let mut met = MET.lock().unwrap_or_else(|e| e.into_inner());
    if met.is_none() {
        *met = Some((crate::times::now_ms(), one_line(detail)));
    }
}

/// The first damage a query met since the start, if any.
pub fn damage_met() -> Option<(i64, String)> {
    MET.lock().unwrap_or_else(|e| e.into_inner()).clone()
}
