//! Reading a customer list (contract §11): an Excel file (`sheet`, issue 15), or a CSV in UTF-8
//! (with or without BOM) or GBK, which is what Excel in China saves as CSV. Rows come out checked and normalised; a row that
//! cannot be used is reported with its line number and why, never silently dropped.

use std::collections::HashSet;

use serde::Serialize;

use super::{FOLLOW_STATUSES, phone};
use crate::auth::Caller;
use crate::db::{self, customers::CustomerFields};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// Largest file accepted by the import.
pub const IMPORT_LIMIT: u64 = 8 * 1024 * 1024;

/// Most skipped (and unmapped) rows an import's answer lists by row and reason; the counts are
/// always whole. 200,000 reasons made an answer of tens of MB that no one reads (issue 27).
pub const LISTED: usize = 1000;

/// What an import did: every row is imported or skipped; the first `LISTED` skipped rows are
/// listed with their reason.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub total: usize,
    pub imported: usize,
    pub skipped_count: usize,
    pub skipped: Vec<Skipped>,
    pub encoding: &'static str,
    /// How many transactions the rows were written in (`IMPORT_BATCH` rows each).
    pub batches: usize,
    /// Rows imported with a level no word matched (set to `normal`), and why.
    pub unmapped: Vec<Skipped>,
    /// For a workbook: the sheet read, and all of them (the page offers another).
    pub sheet: Option<String>,
    pub sheets: Vec<String>,
}

/// One batch of rows in one transaction: how many were written, and the rows skipped because
/// the database already has their number (or their status is not ours).
fn write_batch(
    tx: &rusqlite::Transaction<'_>,
    rows: Vec<ImportRow>,
) -> ApiResult<(usize, Vec<Skipped>)> {
    let mut imported = 0usize;
    let mut in_db = Vec::new();
    for row in rows {
        if let Some(c) = db::customers::by_phone(tx, &row.phone)? {
            in_db.push(Skipped {
                row: row.line,
                reason: format!("号码已存在（客户：{}）", c.name),
            });
            continue;
        }
        let status = row.follow_status.unwrap_or_else(|| "new".into());
        if !FOLLOW_STATUSES.contains(&status.as_str()) {
            in_db.push(Skipped {
                row: row.line,
                reason: format!("跟进状态无效: {status}"),
            });
            continue;
        }
        let fields = CustomerFields {
            name: row.name,
            phone: row.phone,
            level: row.level.unwrap_or_else(|| "normal".into()),
            tags: row.tags,
            follow_status: status,
            next_follow_time: None,
            owner_id: None,
            notes: row.notes,
        };
        db::customers::insert(tx, &crate::ids::customer_id(), &fields)?;
        imported += 1;
    }
    Ok((imported, in_db))
}

/// A file's rows as CSV records, whatever it was: a workbook (its sheet `sheet`, else the
/// first) or a CSV text in UTF-8 or GBK. The call lists read their files here too.
pub struct FileRows {
    pub records: Vec<csv::StringRecord>,
    pub encoding: &'static str,
    pub sheet: Option<String>,
    pub sheets: Vec<String>,
    /// This import's turn: held until its rows are written and dropped (`one_at_a_time`).
    _turn: Turn,
}

/// One list is read and imported at a time in the whole server, whichever route it came by:
/// what an import holds (the file, its rows, calamine's strings) is bounded per import, so
/// this keeps the server's total bounded too (issue 27: three at once took 2 GB). The others
/// wait their turn; each turn ends by giving the freed memory back (`Turn`).
async fn one_at_a_time() -> Turn {
    static TURN: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
        std::sync::LazyLock::new(|| std::sync::Arc::new(tokio::sync::Semaphore::new(1)));
    Turn(
        TURN.clone()
            .acquire_owned()
            .await
            .expect("the import semaphore is never closed"),
    )
}

/// An import's turn; when it ends, what the import freed goes back to the system.
pub struct Turn(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);

impl Drop for Turn {
    fn drop(&mut self) {
        crate::platform::return_freed_memory();
    }
}

pub async fn read_file(bytes: bytes::Bytes, sheet: Option<String>) -> ApiResult<FileRows> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid("文件为空"));
    }
    let turn = one_at_a_time().await;
    if super::sheet::kind(&bytes).is_some() {
        // unpacking and parsing a workbook takes a while: off the async threads
        let read =
            tokio::task::spawn_blocking(move || super::sheet::read(&bytes, sheet.as_deref()))
                .await
                .map_err(ApiError::internal)??;
        return Ok(FileRows {
            records: read.records,
            encoding: "Excel",
            sheet: Some(read.sheet),
            sheets: read.sheets,
            _turn: turn,
        });
    }
    let (text, encoding) = decode(&bytes)
        .ok_or_else(|| ApiError::invalid("文件编码无法识别（支持 Excel、UTF-8 或 GBK 的 CSV）"))?;
    let records = parse(&text)?;
    Ok(FileRows {
        records,
        encoding,
        sheet: None,
        sheets: Vec::new(),
        _turn: turn,
    })
}

/// Rows written per transaction. A big file commits in batches so other writers (a phone's end
/// report, a dial) wait at most one batch for the write lock, never the whole file: 1,000 rows
/// hold it for tens of milliseconds.
pub const IMPORT_BATCH: usize = 1000;

/// Imports a CSV file (admins and managers only), `IMPORT_BATCH` rows per transaction: a number
/// that is already a customer's, or a follow status that is not one of ours, is skipped with its
/// row. A file cut short by a crash can simply be imported again: what was written is skipped as
/// "already a customer".
pub async fn import(
    state: &State,
    caller: &Caller,
    bytes: bytes::Bytes,
    sheet: Option<String>,
) -> ApiResult<Summary> {
    caller.require_manager()?;
    let FileRows {
        records,
        encoding,
        sheet,
        sheets,
        _turn,
    } = read_file(bytes, sheet).await?;
    let book = (sheet, sheets);
    let mut reader = RowReader::new(records.first());
    let (mut skipped, mut unmapped) = (Vec::new(), Vec::new());
    let (mut total, mut imported, mut batches) = (0usize, 0usize, 0usize);
    let mut index = 0usize;
    // read and written a batch at a time: the file's rows are never all held twice
    for chunk in records.chunks(IMPORT_BATCH) {
        let mut batch = Vec::with_capacity(chunk.len());
        for record in chunk {
            match reader.read(index, record) {
                Some(Ok(row)) => batch.push(row),
                Some(Err(skip)) => {
                    skipped.push(skip);
                    total += 1;
                }
                None => {}
            }
            index += 1;
        }
        unmapped.extend(map_words(&mut batch));
        total += batch.len();
        if batch.is_empty() {
            continue;
        }
        let (written, in_db) = state.db.write(move |tx| write_batch(tx, batch)).await?;
        imported += written;
        batches += 1;
        skipped.extend(in_db);
    }
    drop(records);
    if total == 0 {
        return Err(ApiError::invalid("文件中没有客户数据"));
    }
    skipped.sort_by_key(|s| s.row);
    let skipped_count = skipped.len();
    skipped.truncate(LISTED);
    unmapped.truncate(LISTED);
    let detail = format!("导入 {imported}，跳过 {skipped_count}，共 {total} 行");
    let who = crate::audit::Actor::of(caller);
    let action = crate::audit::Action::CustomerImport;
    crate::audit::record_alone(state, who, action, String::new(), detail).await?;
    tracing::info!(by = %caller.username, imported, batches, skipped = skipped_count, "customers imported");
    Ok(Summary {
        total,
        imported,
        skipped_count,
        skipped,
        encoding,
        batches,
        unmapped,
        sheet: book.0,
        sheets: book.1,
    })
}

/// Level and follow-status words as codes (`words`): 重要 → important, 已成交 → deal. A level no
/// word matches is imported as `normal` and reported; a status no word matches is left as
/// written, so the row is skipped with its reason.
fn map_words(rows: &mut [ImportRow]) -> Vec<Skipped> {
    let mut unmapped = Vec::new();
    for row in rows {
        if let Some(text) = row.level.take() {
            row.level = super::words::level(&text).map(str::to_string);
            if row.level.is_none() {
                unmapped.push(Skipped {
                    row: row.line,
                    reason: format!("等级无法识别: {text}（已记为普通）"),
                });
            }
        }
        if let Some(code) = row
            .follow_status
            .as_deref()
            .and_then(super::words::follow_status)
        {
            row.follow_status = Some(code.to_string());
        }
    }
    unmapped
}

/// One usable row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub phone: String,
    pub level: Option<String>,
    pub tags: Vec<String>,
    pub follow_status: Option<String>,
    pub notes: String,
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub row: usize,
    pub reason: String,
}

/// The file's text: valid UTF-8 (a BOM is dropped), else GBK. `None` when it is neither.
pub fn decode(bytes: &[u8]) -> Option<(String, &'static str)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        return Some((text.to_string(), "UTF-8"));
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| (text.into_owned(), "GBK"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Name,
    Phone,
    Level,
    Tags,
    FollowStatus,
    Notes,
    Other,
}

pub(crate) fn column_of(header: &str) -> Column {
    match header.trim().to_lowercase().as_str() {
        "name" | "姓名" | "客户" | "客户名" | "客户名称" | "客户姓名" | "名称" => {
            Column::Name
        }
        "phone" | "mobile" | "电话" | "手机" | "手机号" | "手机号码" | "电话号码" | "联系电话"
        | "号码" => Column::Phone,
        "level" | "级别" | "等级" | "客户等级" | "客户级别" => Column::Level,
        "tags" | "标签" => Column::Tags,
        "followstatus" | "follow_status" | "跟进状态" | "状态" => Column::FollowStatus,
        "notes" | "备注" | "说明" => Column::Notes,
        _ => Column::Other,
    }
}

/// Without a header we can read, the columns are name, phone, level, tags, notes.
const DEFAULT_COLUMNS: [Column; 5] = [
    Column::Name,
    Column::Phone,
    Column::Level,
    Column::Tags,
    Column::Notes,
];

/// Tags in one cell, separated by any of the separators people type.
pub fn split_tags(cell: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    cell.split([';', '；', '|', ',', '，', '、'])
        .map(str::trim)
        .filter(|t| !t.is_empty() && seen.insert(t.to_string()))
        .map(str::to_string)
        .collect()
}

/// Parses decoded CSV text, refusing it at the limits a workbook has (rows, cells) as the
/// records come, not after holding them all: 8 MB of one-character lines are 4 million records.
pub fn parse(text: &str) -> ApiResult<Vec<csv::StringRecord>> {
    use super::sheet::{MAX_CELLS, MAX_ROWS};
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let (mut records, mut cells) = (Vec::new(), 0usize);
    for record in reader.records() {
        let record = record.map_err(|e| ApiError::invalid(format!("CSV格式错误: {e}")))?;
        cells += record.len();
        if records.len() > MAX_ROWS {
            return Err(ApiError::invalid(format!(
                "行数过多（超过 {MAX_ROWS} 行），一次最多导入 {MAX_ROWS} 行"
            )));
        }
        if cells > MAX_CELLS {
            return Err(ApiError::invalid(format!(
                "表格过大（超过 {MAX_CELLS} 个单元格），请只保留客户资料的列"
            )));
        }
        records.push(record);
    }
    Ok(records)
}

/// Turns CSV records into usable rows and skipped ones.
pub fn rows(records: &[csv::StringRecord]) -> (Vec<ImportRow>, Vec<Skipped>) {
    let mut reader = RowReader::new(records.first());
    let (mut out, mut skipped) = (Vec::new(), Vec::new());
    for (index, record) in records.iter().enumerate() {
        match reader.read(index, record) {
            Some(Ok(row)) => out.push(row),
            Some(Err(skip)) => skipped.push(skip),
            None => {}
        }
    }
    (out, skipped)
}

/// Reads records one at a time, so an import can write its rows in batches as it reads them
/// rather than hold every row of the file twice (issue 27): the columns from the first record,
/// and the numbers seen so far (a number repeated in the file is skipped after the first).
pub struct RowReader {
    columns: Vec<Column>,
    has_header: bool,
    numbers: HashSet<String>,
}

impl RowReader {
    pub fn new(first: Option<&csv::StringRecord>) -> Self {
        let header: Vec<Column> = first
            .map(|r| r.iter().map(column_of).collect())
            .unwrap_or_default();
        let has_header = header.contains(&Column::Name) && header.contains(&Column::Phone);
        Self {
            columns: if has_header {
                header
            } else {
                DEFAULT_COLUMNS.to_vec()
            },
            has_header,
            numbers: HashSet::new(),
        }
    }

    /// The record at `index` (0-based): a row, a skipped row, or nothing (the header, an empty
    /// line).
    pub fn read(
        &mut self,
        index: usize,
        record: &csv::StringRecord,
    ) -> Option<Result<ImportRow, Skipped>> {
        if index == 0 && self.has_header {
            return None;
        }
        let line = index + 1;
        if record.iter().all(str::is_empty) {
            return None;
        }
        let cell = |want: Column| {
            self.columns
                .iter()
                .position(|c| *c == want)
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let skip = |reason: String| Some(Err(Skipped { row: line, reason }));
        let name = cell(Column::Name);
        if name.is_empty() {
            return skip("缺少客户姓名".into());
        }
        if name.chars().count() > 64 {
            return skip("客户姓名过长".into());
        }
        let raw_phone = cell(Column::Phone);
        let Some(number) = phone::normalize(raw_phone) else {
            return skip(if raw_phone.is_empty() {
                "缺少电话号码".to_string()
            } else {
                format!("电话号码无效: {raw_phone}")
            });
        };
        let optional = |c: Column| Some(cell(c)).filter(|v| !v.is_empty()).map(str::to_string);
        let row = ImportRow {
            line,
            name: name.to_string(),
            phone: number.clone(),
            level: optional(Column::Level),
            tags: split_tags(cell(Column::Tags)),
            follow_status: optional(Column::FollowStatus),
            notes: cell(Column::Notes).to_string(),
        };
        if !self.numbers.insert(number) {
            return skip("文件中号码重复".into());
        }
        Some(Ok(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_and_utf8_with_bom_decode() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,电话\n张三,13800138000\n");
        let (text, enc) = decode(&gbk).unwrap();
        assert_eq!(enc, "GBK");
        assert!(text.starts_with("姓名"));
        let (text, enc) = decode("\u{feff}姓名,电话".as_bytes()).unwrap();
        assert_eq!((text.as_str(), enc), ("姓名,电话", "UTF-8"));
    }

    #[test]
    fn header_mapping_and_skips() {
        let text =
            "电话,姓名,标签\n138 0013 8000,张三,VIP;意向\n,李四,\n13800138000,王五,\nabc,赵六,\n";
        let (rows, skipped) = rows(&parse(text).unwrap());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "张三");
        assert_eq!(rows[0].phone, "13800138000");
        assert_eq!(rows[0].tags, vec!["VIP", "意向"]);
        let lines: Vec<usize> = skipped.iter().map(|s| s.row).collect();
        assert_eq!(lines, vec![3, 4, 5]);
    }

    #[test]
    fn no_header_uses_default_columns() {
        let (rows, skipped) = rows(&parse("张三,13800138000,vip\n").unwrap());
        assert!(skipped.is_empty());
        assert_eq!(rows[0].level.as_deref(), Some("vip"));
        assert_eq!(rows[0].line, 1);
    }
}
