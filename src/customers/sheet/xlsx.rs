//! .xlsx: the zip is checked part by part before calamine opens it (`parts`), then the chosen
//! sheet is read as a stream of cells (calamine's cell reader), never as a range sized by its
//! last cell.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use super::parts::check_parts;
use super::rows::RowBuilder;
use super::{Read as Sheet, pick_sheet, unreadable};
use crate::error::ApiResult;

/// A cell as text: a shared or inline string borrowed as it is (most cells), anything else as
/// `super::cell_text` reads calamine's owned value.
fn cell_text<'a>(cell: &'a DataRef<'_>) -> std::borrow::Cow<'a, str> {
    match cell {
        DataRef::SharedString(s) => std::borrow::Cow::Borrowed(s.trim()),
        DataRef::String(s) => std::borrow::Cow::Borrowed(s.trim()),
        other => std::borrow::Cow::Owned(super::cell_text(&other.clone().into()).into_owned()),
    }
}

/// The rows of one sheet (`sheet`, else the first).
pub fn read(bytes: &[u8], sheet: Option<&str>) -> ApiResult<Sheet> {
    check_parts(bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        tracing::info!(error = %e, "an .xlsx calamine cannot open");
        unreadable()
    })?;
    let sheets = book.sheet_names();
    let name = pick_sheet(&sheets, sheet)?;
    let mut cells = book.worksheet_cells_reader(&name).map_err(|e| {
        tracing::info!(error = %e, sheet = %name, "a sheet calamine cannot read");
        unreadable()
    })?;
    let mut rows = RowBuilder::new();
    loop {
        let cell = cells.next_cell().map_err(|e| {
            tracing::info!(error = %e, sheet = %name, "a cell calamine cannot read");
            unreadable()
        })?;
        let Some(cell) = cell else { break };
        let (row, col) = cell.get_position();
        rows.add(row, col, &cell_text(cell.get_value()))?;
    }
    Ok(Sheet {
        records: rows.finish(),
        sheet: name,
        sheets,
    })
}
