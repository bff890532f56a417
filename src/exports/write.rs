//! The steps every list export shares: the data folder's temporary folder, one pooled
//! connection for the walk over the rows, the sheet, and the audit line. Apart from `exports`'
//! own module so that the server state, which holds the waiting downloads, does not reach the
//! audit log through them.

use std::path::PathBuf;

use tempfile::TempPath;

use super::{Format, Sheet};
use crate::audit::{self, Action, Actor};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// One list's file: its sheet's name, the words of its audit line, its audit target, its columns.
pub struct Table {
    pub sheet: &'static str,
    pub label: &'static str,
    pub target: &'static str,
    pub headers: &'static [&'static str],
}

/// The data folder's temporary folder, made if need be (not a tmpfs that would hold the file
/// in memory). An export is refused while the disk has less than the storage reserve free:
/// its file counts against the room the database and the phones' uploads need.
pub fn tmp_dir(state: &State) -> ApiResult<PathBuf> {
    crate::recordings::storage::check_room(&state.config, 0)?;
    let tmp = crate::recordings::storage::tmp_dir(&state.config);
    std::fs::create_dir_all(&tmp).map_err(|e| ApiError::from_io(&e))?;
    Ok(tmp)
}

/// The export's audit line.
pub async fn audited(
    state: &State,
    caller: &Caller,
    target: &str,
    detail: String,
) -> ApiResult<()> {
    audit::record_alone(
        state,
        Actor::of(caller),
        Action::Export,
        target.into(),
        detail,
    )
    .await
}

/// Writes `table` with the rows `fill` puts into the sheet (on a blocking thread, one pooled
/// connection), then its audit line; the finished file and its number of rows.
pub async fn rows<F>(
    state: &State,
    caller: &Caller,
    format: Format,
    table: Table,
    fill: F,
) -> ApiResult<(TempPath, u64)>
where
    F: FnOnce(&rusqlite::Connection, &mut Sheet) -> ApiResult<()> + Send + 'static,
{
    let tmp = tmp_dir(state)?;
    let (file, rows) = state
        .db
        .run(move |conn| {
            let mut sheet = Sheet::new(format, &tmp, table.sheet, table.headers)?;
            fill(conn, &mut sheet)?;
            sheet.finish(&tmp)
        })
        .await?;
    let detail = format!("{} {rows} 行（{}）", table.label, format.extension());
    audited(state, caller, table.target, detail).await?;
    Ok((file, rows))
}
