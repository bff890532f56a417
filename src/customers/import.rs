//! Reading a customer list (contract §11): an Excel file (`sheet`, issue 15), or a CSV in UTF-8
//! (with or without BOM) or GBK, which is what Excel in China saves as CSV. Rows come out checked and normalised; a row that
//! cannot be used is reported with its line number and why, never silently dropped.

use serde::Serialize;

use super::import_columns::{Column, propose};
use super::import_rows::{ImportRow, RowReader, Skipped};
use super::import_write::{Mode, Owners, Written, write_rows};
use crate::auth::Caller;
use crate::db;
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
    /// The import's batch (its undo); `None` when no row was written.
    pub import_id: Option<String>,
    pub total: usize,
    /// Customers created.
    pub imported: usize,
    /// Customers found by number and updated (按电话更新).
    pub updated: usize,
    /// Customers found by number whose row said nothing new.
    pub unchanged: usize,
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
    /// The header's columns that were not imported.
    pub ignored_columns: Vec<String>,
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

/// How an import is asked for: the file, its sheet, what to do with known numbers, its name.
pub struct Request {
    pub bytes: bytes::Bytes,
    pub sheet: Option<String>,
    pub mode: Mode,
    pub file_name: String,
    /// The columns the office chose in the mapping step; `None`: read from the header.
    pub columns: Option<Vec<Column>>,
}

/// What an import answers: done, or — a list with no header and no columns chosen — the first
/// rows and a proposed mapping for the office to confirm (nothing is written).
pub enum Outcome {
    Done(Summary),
    NeedsMapping(Mapping),
}

/// The mapping step's material (issue 30, item 1).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    /// The first rows, as the file has them.
    pub preview: Vec<Vec<String>>,
    /// A column key per column (`import_columns::Column::key`).
    pub proposed: Vec<&'static str>,
    pub encoding: &'static str,
    pub sheet: Option<String>,
    pub sheets: Vec<String>,
}

/// Rows the mapping step shows.
const PREVIEW_ROWS: usize = 5;

fn mapping(
    records: &[csv::StringRecord],
    file: (&'static str, Option<String>, Vec<String>),
) -> Mapping {
    let cell = |c: &str| c.chars().take(40).collect::<String>();
    Mapping {
        preview: records
            .iter()
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .take(PREVIEW_ROWS)
            .map(|r| r.iter().map(cell).collect())
            .collect(),
        proposed: propose(records).into_iter().map(Column::key).collect(),
        encoding: file.0,
        sheet: file.1,
        sheets: file.2,
    }
}

/// Imports a customer list (admins and managers only), `IMPORT_BATCH` rows per transaction, as
/// one import the page can undo. A number that is already a customer's is skipped, or updates
/// that customer (`Mode::Update`). A file cut short by a crash can simply be imported again:
/// what was written is found by its number.
pub async fn import(state: &State, caller: &Caller, req: Request) -> ApiResult<Outcome> {
    caller.require_manager()?;
    let FileRows {
        records,
        encoding,
        sheet,
        sheets,
        _turn,
    } = read_file(req.bytes, req.sheet).await?;
    let mut reader = RowReader::with_columns(&records, req.columns.clone());
    if req.columns.is_none() && !reader.header_found() {
        return Ok(Outcome::NeedsMapping(mapping(
            &records,
            (encoding, sheet, sheets),
        )));
    }
    let owners = std::sync::Arc::new(Owners::of(state.db.run(|c| db::users::list(c)).await?));
    let batch_id = crate::ids::import_id();
    let mut s = Summary {
        import_id: None,
        total: 0,
        imported: 0,
        updated: 0,
        unchanged: 0,
        skipped_count: 0,
        skipped: Vec::new(),
        encoding,
        batches: 0,
        unmapped: Vec::new(),
        sheet,
        sheets,
        ignored_columns: reader.ignored_columns().to_vec(),
    };
    // read and written a batch at a time: the file's rows are never all held twice
    for (n, chunk) in records.chunks(IMPORT_BATCH).enumerate() {
        let mut batch = Vec::with_capacity(chunk.len());
        for (i, record) in chunk.iter().enumerate() {
            match reader.read(n * IMPORT_BATCH + i, record) {
                Some(Ok(row)) => batch.push(row),
                Some(Err(skip)) => {
                    s.skipped.push(skip);
                    s.total += 1;
                }
                None => {}
            }
        }
        s.unmapped.extend(map_words(&mut batch));
        s.total += batch.len();
        if batch.is_empty() {
            continue;
        }
        let now = state.clock.now_ms();
        let first = s.import_id.is_none();
        let (id, by, owners) = (batch_id.clone(), caller.user_id.clone(), owners.clone());
        let (mode, file_name) = (req.mode, req.file_name.clone());
        let w: Written = state
            .db
            .write(move |tx| {
                if first {
                    db::imports::start(tx, &id, &by, &file_name, mode.word(), now)?;
                }
                write_rows(tx, &id, mode, &owners, batch, now)
            })
            .await?;
        s.import_id = Some(batch_id.clone());
        s.imported += w.created;
        s.updated += w.updated;
        s.unchanged += w.unchanged;
        s.batches += 1;
        s.skipped.extend(w.skipped);
        s.unmapped.extend(w.unmapped);
    }
    drop(records);
    if s.total == 0 {
        return Err(ApiError::invalid("文件中没有客户数据"));
    }
    s.skipped.sort_by_key(|s| s.row);
    s.unmapped.sort_by_key(|s| s.row);
    s.skipped_count = s.skipped.len();
    s.skipped.truncate(LISTED);
    s.unmapped.truncate(LISTED);
    let detail = format!(
        "导入 {}：新建 {}，更新 {}，跳过 {}，共 {} 行",
        req.file_name, s.imported, s.updated, s.skipped_count, s.total
    );
    let who = crate::audit::Actor::of(caller);
    let action = crate::audit::Action::CustomerImport;
    let target = s.import_id.clone().unwrap_or_default();
    crate::audit::record_alone(state, who, action, target, detail).await?;
    tracing::info!(by = %caller.username, imported = s.imported, updated = s.updated,
        batches = s.batches, skipped = s.skipped_count, "customers imported");
    Ok(Outcome::Done(s))
}

/// Level and follow-status words as codes (`words`): 重要 → important, 已成交 → deal. A level no
/// word matches is imported as `normal`, a status no word matches as `new`, and both are
/// reported: a word must not cost the office its customer (issue 30, item 4).
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
        if let Some(text) = row.follow_status.take() {
            row.follow_status = super::words::follow_status(&text).map(str::to_string);
            if row.follow_status.is_none() {
                unmapped.push(Skipped {
                    row: row.line,
                    reason: format!("跟进状态无法识别: {text}（已记为新客户）"),
                });
            }
        }
    }
    unmapped
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
}
