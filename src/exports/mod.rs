//! Exports (issue 15): a list as the page shows it — the same filters, the same visibility, the
//! numbers masked for salespeople — written to an .xlsx (rust_xlsxwriter in constant-memory
//! mode: each row goes to a temporary file as it is written) or a CSV, in an unnamed temporary
//! file in the data folder, which the HTTP layer then streams. Memory stays bounded whatever the
//! number of rows; times are in the office's zone, durations 时:分:秒.

pub mod calls;
pub mod customers;
pub mod follow_ups;
pub mod recordings;
pub mod stats;
pub mod write;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use rust_xlsxwriter::{Format as CellFormat, Workbook};
use tempfile::{NamedTempFile, TempPath};

use crate::error::{ApiError, ApiResult};

/// What the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    pub const NAMES: [&str; 2] = ["xlsx", "csv"];

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "xlsx" => Some(Self::Xlsx),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// A text cell as a CSV file may carry it: Excel runs a cell that starts with `=`, `+`, `-`,
/// `@`, TAB or CR as a formula (`=HYPERLINK(…)` in a customer's name), so such text gets OWASP's
/// leading `'`, which Excel shows as text and does not display. Numbers are written as
/// `Cell::Int` and never pass here. (.xlsx cells are string cells: never formulas.)
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// One cell of a row.
pub enum Cell {
    Text(String),
    Int(i64),
    /// An office-local wall time (`Cell::at`): a real date cell in Excel (sorts and filters as
    /// a date, issue 30 item 8), `local_time`'s text in a CSV. `None`: no time.
    Time(Option<chrono::NaiveDateTime>),
}

impl Cell {
    /// The epoch-ms time `ms` in the office's zone.
    pub fn at(ms: i64, tz: chrono_tz::Tz) -> Self {
        Self::at_opt(Some(ms), tz)
    }

    /// As `at`, or an empty cell.
    pub fn at_opt(ms: Option<i64>, tz: chrono_tz::Tz) -> Self {
        let wall = ms
            .and_then(|ms| tz.timestamp_millis_opt(ms).single())
            .map(|t| t.naive_local());
        Self::Time(wall)
    }
}

/// A wall time as Excel's date value, built from its fields (no text to parse per cell).
fn excel_time(t: &chrono::NaiveDateTime) -> Result<rust_xlsxwriter::ExcelDateTime, ApiError> {
    use chrono::{Datelike, Timelike};
    rust_xlsxwriter::ExcelDateTime::from_ymd(t.year() as u16, t.month() as u8, t.day() as u8)
        .and_then(|d| d.and_hms(t.hour() as u16, t.minute() as u8, t.second()))
        .map_err(failed)
}

/// A file being written, one row at a time, header first.
pub struct Sheet {
    out: Out,
    rows: u64,
    /// The header's width (the filter spans it).
    width: u16,
}

enum Out {
    Xlsx {
        book: Box<Workbook>,
        bold: CellFormat,
        time: CellFormat,
    },
    Csv(csv::Writer<NamedTempFile>),
}

fn failed(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("export: {e}"))
}

impl Sheet {
    /// A new file with `headers`; temporary data goes under `tmp` (the data folder's, not a
    /// tmpfs that would hold it in memory).
    pub fn new(format: Format, tmp: &Path, title: &str, headers: &[&str]) -> ApiResult<Self> {
        let out = match format {
            Format::Xlsx => {
                let mut book = Box::new(Workbook::new());
                book.set_tempdir(tmp).map_err(failed)?;
                let sheet = book.add_worksheet_with_constant_memory().map_err(failed)?;
                sheet.set_name(title).map_err(failed)?;
                Out::Xlsx {
                    book,
                    bold: CellFormat::new().set_bold(),
                    time: CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
                }
            }
            Format::Csv => {
                let mut file = NamedTempFile::new_in(tmp).map_err(|e| ApiError::from_io(&e))?;
                // a BOM, so Excel opens the UTF-8 file with its Chinese intact
                file.write_all(b"\xEF\xBB\xBF")
                    .map_err(|e| ApiError::from_io(&e))?;
                Out::Csv(csv::Writer::from_writer(file))
            }
        };
        let width = u16::try_from(headers.len()).map_err(failed)?;
        let mut sheet = Self {
            out,
            rows: 0,
            width,
        };
        sheet.header(headers)?;
        Ok(sheet)
    }

    fn header(&mut self, headers: &[&str]) -> ApiResult<()> {
        match &mut self.out {
            Out::Xlsx { book, bold, .. } => {
                let sheet = book.worksheet_from_index(0).map_err(failed)?;
                for (col, h) in headers.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, col as u16, *h, bold)
                        .map_err(failed)?;
                }
                // the header stays in view while scrolling
                sheet.set_freeze_panes(1, 0).map_err(failed)?;
            }
            Out::Csv(w) => w.write_record(headers).map_err(failed)?,
        }
        Ok(())
    }

    /// Appends one row.
    pub fn row(&mut self, cells: &[Cell]) -> ApiResult<()> {
        self.rows += 1;
        match &mut self.out {
            Out::Xlsx { book, time, .. } => {
                let sheet = book.worksheet_from_index(0).map_err(failed)?;
                let row = u32::try_from(self.rows).map_err(failed)?;
                for (col, cell) in cells.iter().enumerate() {
                    let col = col as u16;
                    match cell {
                        Cell::Text(t) if t.is_empty() => {}
                        Cell::Text(t) => {
                            sheet.write_string(row, col, t).map_err(failed)?;
                        }
                        Cell::Int(n) => {
                            sheet.write_number(row, col, *n as f64).map_err(failed)?;
                        }
                        Cell::Time(None) => {}
                        Cell::Time(Some(t)) => {
                            let at = excel_time(t)?;
                            sheet
                                .write_datetime_with_format(row, col, &at, time)
                                .map_err(failed)?;
                        }
                    }
                }
            }
            Out::Csv(w) => {
                let texts: Vec<String> = cells
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => csv_text(t).into_owned(),
                        Cell::Int(n) => n.to_string(),
                        Cell::Time(t) => t
                            .map(|t| t.format(LOCAL_TIME).to_string())
                            .unwrap_or_default(),
                    })
                    .collect();
                w.write_record(&texts).map_err(failed)?;
            }
        }
        Ok(())
    }

    /// The finished file, closed, and the number of rows under the header.
    pub fn finish(self, tmp: &Path) -> ApiResult<(TempPath, u64)> {
        let file = match self.out {
            Out::Xlsx { mut book, .. } => {
                // a filter on every column of the header, as an office sets one by hand
                let last = u32::try_from(self.rows).map_err(failed)?;
                let sheet = book.worksheet_from_index(0).map_err(failed)?;
                sheet
                    .autofilter(0, 0, last, self.width.saturating_sub(1))
                    .map_err(failed)?;
                let mut file = NamedTempFile::new_in(tmp).map_err(|e| ApiError::from_io(&e))?;
                book.save_to_writer(&mut file).map_err(failed)?;
                file
            }
            Out::Csv(w) => w.into_inner().map_err(failed)?,
        };
        Ok((file.into_temp_path(), self.rows))
    }
}

/// A written export waiting to be downloaded: its one-use link holds for this long.
pub const DOWNLOAD_TTL: Duration = Duration::from_secs(300);
/// Exports one user may have waiting; a newer one lets their oldest go.
pub const WAITING_PER_USER: usize = 3;
/// Exports the server keeps waiting in all; a newer one lets the oldest go.
pub const WAITING_IN_ALL: usize = 64;

/// A finished file and what the download says about it. The file is named in the data folder's
/// temporary folder and closed (issue 27: 1,100 open exports filled the server's descriptors);
/// it is removed when the export is fetched, expires or is let go.
pub struct Ready {
    pub path: TempPath,
    /// The name the browser saves it under, e.g. `通话记录-20261203.xlsx`.
    pub name: String,
    pub format: Format,
    pub bytes: u64,
    /// The user it was made for, and their token version then: the link stops when they are
    /// disabled or their tokens are revoked, as a recording's link does.
    pub owner: (String, i64),
    made: Instant,
}

impl Ready {
    /// The export written at `made` (the server clock's instant).
    pub fn new(
        path: TempPath,
        name: String,
        format: Format,
        owner: (String, i64),
        made: Instant,
    ) -> ApiResult<Self> {
        let bytes = std::fs::metadata(&path)
            .map_err(|e| ApiError::from_io(&e))?
            .len();
        Ok(Self {
            path,
            name,
            format,
            bytes,
            owner,
            made,
        })
    }

    fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.made) >= DOWNLOAD_TTL
    }
}

/// Exports written and not yet fetched, by their one-use token. The export is made by an
/// authenticated request; the browser then fetches it by a plain link, so it downloads to disk
/// as any file does (the token and its owner's standing are the credential: random, single use,
/// minutes long).
#[derive(Default)]
pub struct Downloads(Mutex<HashMap<String, Ready>>);

impl Downloads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Ready>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `ready` and returns its token; forgets the expired ones, and the oldest of the
    /// owner's or of all past `WAITING_PER_USER` / `WAITING_IN_ALL` (their files go with them).
    pub fn put(&self, ready: Ready, now: Instant) -> String {
        let token = crate::ids::secret_hex(16);
        let mut map = self.lock();
        map.retain(|_, r| !r.expired(now));
        let owner = ready.owner.0.clone();
        while map.values().filter(|r| r.owner.0 == owner).count() >= WAITING_PER_USER {
            remove_oldest(&mut map, |r| r.owner.0 == owner);
        }
        while map.len() >= WAITING_IN_ALL {
            remove_oldest(&mut map, |_| true);
        }
        map.insert(token.clone(), ready);
        token
    }

    /// The export for `token`, once; `None` when unknown, used or expired at `now`.
    pub fn take(&self, token: &str, now: Instant) -> Option<Ready> {
        self.lock().remove(token).filter(|r| !r.expired(now))
    }
}

fn remove_oldest(map: &mut HashMap<String, Ready>, which: impl Fn(&Ready) -> bool) {
    let oldest = map
        .iter()
        .filter(|(_, r)| which(r))
        .min_by_key(|(_, r)| r.made)
        .map(|(token, _)| token.clone());
    if let Some(token) = oldest {
        map.remove(&token);
    }
}

/// A token's shape (hex), checked before it is looked up.
pub fn is_token(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// How a sheet writes a time as text.
const LOCAL_TIME: &str = "%Y-%m-%d %H:%M:%S";

/// An epoch-ms time in the office's zone, as a sheet shows it.
pub fn local_time(ms: i64, tz: chrono_tz::Tz) -> String {
    match tz.timestamp_millis_opt(ms).single() {
        Some(t) => t.format(LOCAL_TIME).to_string(),
        None => String::new(),
    }
}

/// Seconds as 时:分:秒 (1:02:05), hours unbounded.
pub fn hms(secs: i64) -> String {
    let s = secs.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_that_excel_would_run_is_kept_as_text() {
        for formula in [
            "=1+1",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(1+1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(csv_text(formula), format!("'{formula}"));
        }
        for plain in ["张三", "13800138000", "0:01:05", "", "a=b"] {
            assert_eq!(csv_text(plain), plain);
        }
    }

    #[test]
    fn durations_and_times_read_as_an_office_reads_them() {
        assert_eq!(hms(0), "0:00:00");
        assert_eq!(hms(65), "0:01:05");
        assert_eq!(hms(3725), "1:02:05");
        assert_eq!(hms(90_000), "25:00:00");
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(local_time(0, tz), "1970-01-01 08:00:00");
    }
}
