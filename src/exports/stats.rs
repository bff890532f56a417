//! 概览's statistics for a range as a file (issue 15): one table per day, per person and per
//! department — three sheets of an .xlsx, or three titled sections of a CSV. A year is at most a
//! few hundred rows, so this one is written in memory-light normal mode.

use std::io::Write;

use rust_xlsxwriter::{Format as CellFormat, Workbook};
use tempfile::{NamedTempFile, TempPath};

use super::{Format, hms};
use crate::calls::stats::{Report, percent, ratio};
use crate::db::stats::Totals;
use crate::error::{ApiError, ApiResult};

const HEADERS: [&str; 6] = [
    "通话数",
    "已接通",
    "接通率",
    "通话时长",
    "平均通话（已接通）",
    "呼入 / 呼出",
];

fn figures(t: &Totals) -> Vec<String> {
    vec![
        t.total.to_string(),
        t.connected.to_string(),
        format!("{}%", percent(t.connected, t.total)),
        hms(t.duration),
        hms(ratio(t.duration, t.connected)),
        format!("{} / {}", t.inbound, t.outbound),
    ]
}

/// One table: its title, its first column's header, its rows (label, figures).
type Table = (&'static str, &'static str, Vec<(String, Vec<String>)>);

/// The three tables.
fn tables(r: &Report) -> Vec<Table> {
    vec![
        (
            "每日",
            "日期",
            r.days
                .iter()
                .map(|(d, t)| (d.clone(), figures(t)))
                .collect(),
        ),
        (
            "人员",
            "姓名",
            r.users
                .iter()
                .map(|p| {
                    (
                        format!("{}（{}）", p.name, p.department),
                        figures(&p.totals),
                    )
                })
                .collect(),
        ),
        (
            "部门",
            "部门",
            r.departments
                .iter()
                .map(|(d, t)| (d.clone(), figures(t)))
                .collect(),
        ),
    ]
}

fn failed(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("statistics export: {e}"))
}

/// Writes the report into a temporary file under `tmp`, closed.
pub fn write(r: &Report, format: Format, tmp: &std::path::Path) -> ApiResult<TempPath> {
    let mut file = NamedTempFile::new_in(tmp).map_err(|e| ApiError::from_io(&e))?;
    match format {
        Format::Xlsx => {
            let mut book = Workbook::new();
            let bold = CellFormat::new().set_bold();
            for (title, first, rows) in tables(r) {
                let sheet = book.add_worksheet().set_name(title).map_err(failed)?;
                sheet
                    .write_string_with_format(0, 0, first, &bold)
                    .map_err(failed)?;
                sheet.set_column_width(0, 18.0).map_err(failed)?;
                for (col, h) in HEADERS.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, col as u16 + 1, *h, &bold)
                        .map_err(failed)?;
                }
                for (i, (label, cells)) in rows.iter().enumerate() {
                    let row = i as u32 + 1;
                    sheet.write_string(row, 0, label).map_err(failed)?;
                    for (col, cell) in cells.iter().enumerate() {
                        sheet
                            .write_string(row, col as u16 + 1, cell)
                            .map_err(failed)?;
                    }
                }
            }
            book.save_to_writer(&mut file).map_err(failed)?;
        }
        Format::Csv => {
            file.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| ApiError::from_io(&e))?;
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(&mut file);
            for (title, first, rows) in tables(r) {
                w.write_record([title]).map_err(failed)?;
                let mut head = vec![first];
                head.extend(HEADERS);
                w.write_record(&head).map_err(failed)?;
                for (label, cells) in rows {
                    // a person's or department's name is typed by people
                    let mut record = vec![super::csv_text(&label).into_owned()];
                    record.extend(cells);
                    w.write_record(&record).map_err(failed)?;
                }
                w.write_record([""]).map_err(failed)?;
            }
            w.flush().map_err(|e| ApiError::from_io(&e))?;
        }
    }
    Ok(file.into_temp_path())
}
