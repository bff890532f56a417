//! .xls (Excel 97–2003): the workbook stream is taken out of the compound file, sanitized and
//! costed (`biff`), and calamine reads a compound file we wrote around that stream alone, so it
//! parses exactly the bytes that were checked.

use std::io::{Cursor, Read, Write};

use calamine::{Reader, Xls};

use super::biff::{self, Refusal};
use super::rows::RowBuilder;
use super::{Read as Sheet, pick_sheet, unreadable};
use crate::error::{ApiError, ApiResult};

/// The workbook stream's names, in the order calamine looks for them (BIFF8, then BIFF5).
const STREAMS: [&str; 2] = ["/Workbook", "/Book"];

fn refused(why: Refusal) -> ApiError {
    match why {
        Refusal::Malformed => unreadable(),
        Refusal::TooBig(bytes) => {
            tracing::info!(bytes, "an .xls over the reading budget");
            ApiError::invalid(
                "这个 .xls 文件过大，无法直接导入：请在 Excel 或 WPS 中另存为 .xlsx 后再导入",
            )
        }
    }
}

/// The workbook stream of a compound file, and the name it had.
fn workbook_stream(bytes: &[u8]) -> ApiResult<(&'static str, Vec<u8>)> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let name = STREAMS
        .into_iter()
        .find(|name| file.is_stream(name))
        .ok_or_else(unreadable)?;
    let mut stream = Vec::new();
    file.open_stream(name)
        .map_err(|_| unreadable())?
        .take(bytes.len() as u64 * 2)
        .read_to_end(&mut stream)
        .map_err(|_| unreadable())?;
    Ok((name, stream))
}

/// A compound file holding `stream` alone, under `name`.
fn compound_file(name: &str, stream: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))?;
    file.create_stream(name)?.write_all(stream)?;
    file.flush()?;
    Ok(file.into_inner().into_inner())
}

/// The rows of one sheet (`sheet`, else the first).
pub fn read(bytes: &[u8], sheet: Option<&str>) -> ApiResult<Sheet> {
    let (name, mut stream) = workbook_stream(bytes)?;
    biff::sanitize(&mut stream).map_err(refused)?;
    biff::check(&stream).map_err(refused)?;
    let file = compound_file(name, &stream).map_err(ApiError::internal)?;
    drop(stream);
    let mut book = Xls::new(Cursor::new(file)).map_err(|e| {
        tracing::info!(error = %e, "an .xls calamine cannot open");
        unreadable()
    })?;
    let sheets = book.sheet_names();
    let name = pick_sheet(&sheets, sheet)?;
    let range = book.worksheet_range(&name).map_err(|e| {
        tracing::info!(error = %e, sheet = %name, "a sheet calamine cannot read");
        unreadable()
    })?;
    let mut rows = RowBuilder::new();
    let (top, left) = range.start().unwrap_or((0, 0));
    for (row, col, cell) in range.used_cells() {
        rows.add(top + row as u32, left + col as u32, &super::cell_text(cell))?;
    }
    Ok(Sheet {
        records: rows.finish(),
        sheet: name,
        sheets,
    })
}
