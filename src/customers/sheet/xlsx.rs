//! .xlsx: the zip is checked entry by entry before calamine opens it, then the chosen sheet is read
//! as a stream of cells (calamine's cell reader), never as a range sized by its last cell.
//!
//! What calamine would size from the file is checked first: the shared strings' `uniqueCount`
//! (it reserves that many strings when it opens the workbook) and every part's unpacked size,
//! counted while inflating (a zip's declared sizes may lie), since one XML event can be as long
//! as its part.

use std::io::{BufReader, Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};

use super::rows::{MAX_CELLS, RowBuilder};
use super::{Read as Sheet, pick_sheet, unreadable};
use crate::error::{ApiError, ApiResult};

/// Most bytes all parts of an .xlsx may unpack to.
pub const MAX_UNPACKED: u64 = 256 * 1024 * 1024;
/// Most bytes one worksheet part may unpack to: 200,000 rows of a few columns are ~50 MB.
const MAX_SHEET_PART: u64 = 64 * 1024 * 1024;
/// Most bytes of the shared strings part, and most strings it may hold (calamine keeps them all).
const MAX_STRINGS_PART: u64 = 32 * 1024 * 1024;
const MAX_SHARED_STRINGS: u64 = MAX_CELLS as u64 / 2;
/// Most bytes any other part (styles, workbook, relationships, pictures…) may unpack to.
const MAX_OTHER_PART: u64 = 8 * 1024 * 1024;

fn too_big() -> ApiError {
    ApiError::invalid(format!(
        "文件解压后过大（超过 {} MB），无法导入",
        MAX_UNPACKED / 1024 / 1024
    ))
}

/// What one part may unpack to, by its name.
fn part_limit(name: &str) -> u64 {
    let name = name.to_ascii_lowercase();
    if name.ends_with("sharedstrings.xml") {
        MAX_STRINGS_PART
    } else if name.contains("worksheets/") {
        MAX_SHEET_PART
    } else {
        MAX_OTHER_PART
    }
}

/// Inflates every part once, counting, and refuses the file when a part or the whole is larger
/// than its limit, or the shared strings say or hold more than we keep.
fn check_parts(bytes: &[u8]) -> ApiResult<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| unreadable())?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > MAX_UNPACKED {
        return Err(too_big());
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| unreadable())?;
        let name = entry.name().map_err(|_| unreadable())?.into_owned();
        let limit = part_limit(&name);
        let mut counted = CountingReader::new(entry.take(limit + 1));
        if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            check_shared_strings(&mut counted)?;
        }
        std::io::copy(&mut counted, &mut std::io::sink()).map_err(|_| unreadable())?;
        if counted.bytes > limit {
            return Err(ApiError::invalid(format!(
                "文件中的 {name} 解压后超过 {} MB，无法导入",
                limit / 1024 / 1024
            )));
        }
        total += counted.bytes;
        if total > MAX_UNPACKED {
            return Err(too_big());
        }
    }
    Ok(())
}

/// Refuses shared strings whose `uniqueCount` (which calamine reserves) or whose actual number of
/// strings is more than one import keeps.
fn check_shared_strings(part: &mut impl Read) -> ApiResult<()> {
    use quick_xml::events::Event;
    let too_many = || {
        ApiError::invalid(format!(
            "文件中的文字条目过多（超过 {MAX_SHARED_STRINGS} 条），无法导入"
        ))
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    let mut strings = 0u64;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(|_| unreadable())? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "sst" => {
                    for attr in e.attributes().with_checks(false) {
                        let attr = attr.map_err(|_| unreadable())?;
                        if attr.key.as_ref() != "uniqueCount" {
                            continue;
                        }
                        let count = attr.value.trim().parse::<u64>().map_err(|_| too_many())?;
                        if count > MAX_SHARED_STRINGS {
                            return Err(too_many());
                        }
                    }
                }
                "si" => {
                    strings += 1;
                    if strings > MAX_SHARED_STRINGS {
                        return Err(too_many());
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// A reader that counts what passes through it.
struct CountingReader<R> {
    inner: R,
    bytes: u64,
}

impl<R> CountingReader<R> {
    fn new(inner: R) -> Self {
        Self { inner, bytes: 0 }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A cell as text, the way a person reads it in the sheet.
fn cell_text<'a>(cell: &'a DataRef<'_>) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    match cell {
        DataRef::SharedString(s) => Cow::Borrowed(s.trim()),
        DataRef::String(s) => Cow::Borrowed(s.trim()),
        DataRef::Empty => Cow::Borrowed(""),
        DataRef::Int(i) => Cow::Owned(i.to_string()),
        DataRef::Float(f) => Cow::Owned(super::float_text(*f)),
        DataRef::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(d) => Cow::Owned(format!("日期 {d}")),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Owned(format!("日期 {s}")),
        DataRef::Error(e) => Cow::Owned(format!("单元格错误 {e}")),
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
