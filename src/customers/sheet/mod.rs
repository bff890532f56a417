//! Customer lists as spreadsheets (issue 15): .xlsx and .xls become the same rows a CSV gives, so
//! one set of rules checks them. A file is told by its first bytes, not its name. What a
//! spreadsheet holds that a CSV does not is handled here:
//!
//! - a number typed into a number cell (13800138000 stored as 13800138000.0) is written back as
//!   the digits; a date cell becomes `日期 …`, which no number check accepts, so its row says why;
//! - a formula cell gives the value the spreadsheet computed and saved; one saved without a value
//!   is empty, and its row is skipped as such;
//! - nothing the file says (a cell reference, a row number, `<dimension>`, a string count, a zip
//!   entry's size) sizes an allocation before it is checked (issue 27): .xlsx is read as a stream
//!   of cells (`xlsx`), .xls is costed record by record before calamine reads it (`biff`, `xls`),
//!   and the rows are counted as they come (`rows`). A panic in a reader is a file we cannot read.

pub mod biff;
#[doc(hidden)]
mod parts;
mod rows;
mod xls;
mod xlsx;

use std::panic::{AssertUnwindSafe, catch_unwind};

pub use parts::MAX_UNPACKED;
pub use rows::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS};

use crate::error::{ApiError, ApiResult};

/// What kind of file the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A zip: .xlsx.
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

/// A number cell's digits: a phone number typed into a number cell comes back as a float.
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// A cell as text, the way a person reads it in the sheet.
fn cell_text(cell: &calamine::Data) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match cell {
        calamine::Data::Empty => Cow::Borrowed(""),
        calamine::Data::String(s) => Cow::Borrowed(s.trim()),
        calamine::Data::Float(f) => Cow::Owned(float_text(*f)),
        calamine::Data::Int(i) => Cow::Owned(i.to_string()),
        calamine::Data::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        calamine::Data::DateTime(d) => Cow::Owned(format!("日期 {d}")),
        calamine::Data::DateTimeIso(s) | calamine::Data::DurationIso(s) => {
            Cow::Owned(format!("日期 {s}"))
        }
        calamine::Data::Error(e) => Cow::Owned(format!("单元格错误 {e}")),
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
    let read = || match kind(bytes) {
        Some(Kind::Zip) => xlsx::read(bytes, sheet),
        Some(Kind::Ole) => xls::read(bytes, sheet),
        None => Err(unreadable()),
    };
    // the readers index into what the file says; a slip there is this file's, not the server's
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|_| {
        tracing::warn!("a spreadsheet reader panicked on an import file");
        Err(unreadable())
    })
}

/// The sheet to read: the one named, else the first.
fn pick_sheet(names: &[String], wanted: Option<&str>) -> ApiResult<String> {
    match wanted.map(str::trim).filter(|s| !s.is_empty()) {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "sheet",
                    format!("没有名为“{wanted}”的工作表（有：{}）", names.join("、")),
                )
            }),
        None => names.first().cloned().ok_or_else(unreadable),
    }
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
        ("公司", 22.0),
        ("电话", 16.0),
        ("其他号码", 16.0),
        ("等级", 10.0),
        ("标签", 20.0),
        ("跟进状态", 12.0),
        ("负责人", 12.0),
        ("备注", 30.0),
    ];
    for (col, (title, width)) in columns.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *title, &bold)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_column_format(2, &text)?;
    sheet.set_column_format(3, &text)?;
    let example = [
        "张三",
        "华东贸易有限公司",
        "13800138000",
        "010-65529988",
        "重要",
        "华东；老客户",
        "有意向",
        "",
        "上周来电询价",
    ];
    for (col, value) in example.iter().enumerate() {
        sheet.write_string(1, col as u16, *value)?;
    }
    let help = book.add_worksheet().set_name("说明")?;
    let statuses: Vec<&str> = crate::customers::words::status_words()
        .map(|(_, word)| word)
        .collect();
    let statuses = statuses.join(" / ");
    let notes = [
        ("姓名", "必填"),
        ("公司", "选填；客户所在的公司或单位"),
        ("电话", "必填；手机或座机，一个号码只能属于一位客户"),
        (
            "其他号码",
            "选填；座机、第二个手机等，最多5个，用 ；、, 或 | 分隔；来电按这些号码也能认出客户",
        ),
        (
            "等级",
            "普通 / VIP / 重要（也认 一般、贵宾、重点、A/B/C）；认不出的记为普通并在结果中列出",
        ),
        ("标签", "多个标签用 ；、, 或 | 分隔"),
        ("跟进状态", statuses.as_str()),
        (
            "负责人",
            "选填；填同事的姓名或用户名；认不出（或有同名）的不分配，并在结果中列出",
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
    fn number_cells_read_as_a_person_reads_them() {
        assert_eq!(float_text(13800138000.0), "13800138000");
        assert_eq!(float_text(1.5), "1.5");
    }

    #[test]
    fn the_template_reads_back_as_one_example_customer() {
        let bytes = template().unwrap();
        let rows = records(&bytes, None).unwrap();
        assert_eq!(
            rows[0].iter().collect::<Vec<_>>(),
            [
                "姓名",
                "公司",
                "电话",
                "其他号码",
                "等级",
                "标签",
                "跟进状态",
                "负责人",
                "备注"
            ]
        );
        assert_eq!(&rows[1][2], "13800138000");
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
