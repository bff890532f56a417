//! Customer lists as spreadsheets (issue 15): .xlsx, .xls (and .xlsb, .ods, which calamine reads
//! too) become the same rows a CSV gives, so one set of rules checks them. A file is told by its
//! first bytes, not its name. What a spreadsheet holds that a CSV does not is handled here:
//!
//! - a number typed into a number cell (13800138000 stored as 13800138000.0) is written back as
//!   the digits; a date cell becomes `日期 …`, which no number check accepts, so its row says why;
//! - a formula cell gives the value the spreadsheet computed and saved; one saved without a value
//!   is empty, and its row is skipped as such;
//! - a zip bomb (an .xlsx is a zip) is refused from its declared sizes before anything is
//!   unpacked, and a sheet with too many rows or cells before any row is imported.

use std::io::{Cursor, Seek};

use calamine::{Data, Reader};

use crate::error::{ApiError, ApiResult};

/// Most rows one import reads.
pub const MAX_ROWS: usize = 200_000;
/// Most cells (rows × columns of the used range) one import reads.
pub const MAX_CELLS: usize = 4_000_000;
/// Most bytes an .xlsx may unpack to: 200,000 rows of a few columns are ~60 MB of sheet XML.
pub const MAX_UNPACKED: u64 = 256 * 1024 * 1024;

/// What kind of file the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A zip: .xlsx, .xlsb or .ods.
    Zip,
    /// An OLE compound file: .xls (Excel 97–2003).
    Ole,
}

/// `Some` when the bytes start like a spreadsheet; `None` means text (CSV).
pub fn kind(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some(Kind::Zip)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(Kind::Ole)
    } else {
        None
    }
}

fn unreadable() -> ApiError {
    ApiError::invalid("文件无法读取：不是有效的 Excel 文件（支持 .xlsx、.xls 或 CSV）")
}

/// Refuses a zip that would unpack to more than `MAX_UNPACKED` bytes, from its central
/// directory (nothing is inflated here).
fn check_unpacked_size(bytes: &[u8]) -> ApiResult<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| unreadable())?;
        total = total.saturating_add(entry.size());
        if total > MAX_UNPACKED {
            return Err(ApiError::invalid(format!(
                "文件解压后过大（超过 {} MB），无法导入",
                MAX_UNPACKED / 1024 / 1024
            )));
        }
    }
    Ok(())
}

/// A cell as text, the way a person reads it in the sheet.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        // a phone number typed into a number cell comes back as a float: its digits
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        // (calamine's chrono conversion is a feature we do not need: the serial is enough to
        // say what the cell is)
        Data::DateTime(d) => format!("日期 {d}"),
        Data::DateTimeIso(s) | Data::DurationIso(s) => format!("日期 {s}"),
        Data::Error(e) => format!("单元格错误 {e}"),
    }
}

/// What a workbook gave: the rows of the sheet read, that sheet's name, and every sheet's name
/// (so the page can offer another).
pub struct Read {
    pub records: Vec<csv::StringRecord>,
    pub sheet: String,
    pub sheets: Vec<String>,
}

/// The rows of one sheet (`sheet`, else the first) as CSV records, the header row first.
pub fn records(bytes: &[u8], sheet: Option<&str>) -> ApiResult<Vec<csv::StringRecord>> {
    read(bytes, sheet).map(|r| r.records)
}

/// `records`, with the sheets' names.
pub fn read(bytes: &[u8], sheet: Option<&str>) -> ApiResult<Read> {
    if kind(bytes) == Some(Kind::Zip) {
        check_unpacked_size(bytes)?;
    }
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        tracing::info!(error = %e, "an import file calamine cannot read");
        unreadable()
    })?;
    let sheets = book.sheet_names();
    let (name, range) = read_sheet(&mut book, sheet)?;
    let (rows, cols) = range.get_size();
    if rows > MAX_ROWS + 1 {
        return Err(ApiError::invalid(format!(
            "行数过多（{rows} 行），一次最多导入 {MAX_ROWS} 行"
        )));
    }
    if rows.saturating_mul(cols) > MAX_CELLS {
        return Err(ApiError::invalid(format!(
            "表格过大（{rows} 行 × {cols} 列），请只保留客户资料的列"
        )));
    }
    let records = range
        .rows()
        .map(|row| csv::StringRecord::from(row.iter().map(cell_text).collect::<Vec<_>>()))
        .collect();
    Ok(Read {
        records,
        sheet: name,
        sheets,
    })
}

fn read_sheet<RS: std::io::Read + Seek>(
    book: &mut calamine::Sheets<RS>,
    sheet: Option<&str>,
) -> ApiResult<(String, calamine::Range<Data>)> {
    let names = book.sheet_names();
    let name = match sheet.map(str::trim).filter(|s| !s.is_empty()) {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "sheet",
                    format!("没有名为“{wanted}”的工作表（有：{}）", names.join("、")),
                )
            })?,
        None => names.first().cloned().ok_or_else(unreadable)?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        tracing::info!(error = %e, sheet = %name, "a sheet calamine cannot read");
        unreadable()
    })?;
    Ok((name, range))
}

/// The import template (.xlsx): the columns by their Chinese names, one example row, the phone
/// column stored as text (so Excel keeps 138… as digits, not 1.38E+10), and a second sheet that
/// says what each column takes.
pub fn template() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let sheet = book.add_worksheet().set_name("客户")?;
    let columns = [
        ("姓名", 14.0),
        ("电话", 16.0),
        ("等级", 10.0),
        ("标签", 20.0),
        ("跟进状态", 12.0),
        ("备注", 30.0),
    ];
    for (col, (title, width)) in columns.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *title, &bold)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_column_format(1, &text)?;
    let example = [
        "张三",
        "13800138000",
        "重要",
        "华东；老客户",
        "有意向",
        "上周来电询价",
    ];
    for (col, value) in example.iter().enumerate() {
        sheet.write_string(1, col as u16, *value)?;
    }
    let help = book.add_worksheet().set_name("说明")?;
    let notes = [
        ("姓名", "必填"),
        ("电话", "必填；手机或座机，一个号码只能属于一位客户"),
        (
            "等级",
            "普通 / VIP / 重要（也认 一般、贵宾、重点、A/B/C）；认不出的记为普通并在结果中列出",
        ),
        ("标签", "多个标签用 ；、, 或 | 分隔"),
        (
            "跟进状态",
            "新客户 / 已联系 / 有意向 / 考虑中 / 犹豫 / 无意向 / 已成交",
        ),
        ("备注", "任意文字"),
    ];
    help.write_string_with_format(0, 0, "列", &bold)?;
    help.write_string_with_format(0, 1, "说明", &bold)?;
    help.set_column_width(1, 80.0)?;
    for (row, (col, note)) in notes.iter().enumerate() {
        help.write_string(row as u32 + 1, 0, *col)?;
        help.write_string(row as u32 + 1, 1, *note)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_a_person_reads_them() {
        assert_eq!(cell_text(&Data::Float(13800138000.0)), "13800138000");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::Int(42)), "42");
        assert_eq!(cell_text(&Data::String("  张三 ".into())), "张三");
        assert_eq!(cell_text(&Data::Empty), "");
        assert!(cell_text(&Data::DateTimeIso("2026-01-02".into())).starts_with("日期"));
    }

    #[test]
    fn the_template_reads_back_as_one_example_customer() {
        let bytes = template().unwrap();
        let rows = records(&bytes, None).unwrap();
        assert_eq!(
            rows[0].iter().collect::<Vec<_>>(),
            ["姓名", "电话", "等级", "标签", "跟进状态", "备注"]
        );
        assert_eq!(&rows[1][1], "13800138000");
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn files_are_told_by_their_first_bytes() {
        assert_eq!(kind(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(
            kind(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(Kind::Ole)
        );
        assert_eq!(kind("姓名,电话".as_bytes()), None);
    }
}
