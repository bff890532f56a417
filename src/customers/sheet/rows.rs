//! A sheet's cells become rows as they are read, and the limits are checked on every cell, so a
//! file pays for the cells it has, never for the area its references or its `<dimension>` name:
//! one value at `XFD1048576` is refused by its row before anything is sized by it (issue 27).

use crate::error::{ApiError, ApiResult};

/// Most rows one import reads (after the header).
pub const MAX_ROWS: usize = 200_000;
/// Most cells one import holds, the empty ones inside a row counted (a row is as wide as its
/// last value).
pub const MAX_CELLS: usize = 2_000_000;
/// Columns a list may use: nothing we import lives past them, and a value beyond is refused by
/// its cell rather than widening every row.
pub const MAX_COLUMNS: u32 = 256;
/// Most bytes of cell text one import holds.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;

/// `A1`-style name of a cell (0-based row and column), for messages.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col as u64 + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row as u64 + 1)
}

/// Collects a sheet's non-empty cells, in the order a sheet stores them (rows ascending), into
/// CSV records: the first record is the first row that has a value, the first field the
/// leftmost column that has one (as a person sees the used part of the sheet).
#[derive(Default)]
pub struct RowBuilder {
    records: Vec<csv::StringRecord>,
    /// The sheet row of `records[0]`.
    first_row: Option<u32>,
    /// The row being gathered and its cells (column, text).
    row: Option<u32>,
    cells: Vec<(u32, String)>,
    row_width: u32,
    min_col: u32,
    held_cells: usize,
    held_bytes: usize,
}

impl RowBuilder {
    pub fn new() -> Self {
        Self {
            min_col: u32::MAX,
            ..Self::default()
        }
    }

    /// Adds one cell (0-based row and column); empty text is no cell. Each limit is checked
    /// before the cell is held.
    pub fn add(&mut self, row: u32, col: u32, text: &str) -> ApiResult<()> {
        if text.is_empty() {
            return Ok(());
        }
        if col >= MAX_COLUMNS {
            return Err(ApiError::invalid(format!(
                "单元格 {} 超出导入范围（最多 {MAX_COLUMNS} 列），请删除多余的列后再导入",
                cell_name(row, col)
            )));
        }
        let first = *self.first_row.get_or_insert(row);
        if row < first || self.row.is_some_and(|r| row < r) {
            return Err(ApiError::invalid(
                "表格的行顺序异常，无法导入：请在 Excel 或 WPS 中打开并另存后再导入",
            ));
        }
        if (row - first) as usize > MAX_ROWS {
            return Err(ApiError::invalid(format!(
                "行数过多（第 {} 行有内容），一次最多导入 {MAX_ROWS} 行",
                row as u64 + 1
            )));
        }
        if self.row != Some(row) {
            self.finish_row();
            self.row = Some(row);
            self.row_width = 0;
        }
        // the row's record will hold every field up to its widest value
        self.held_cells += (col + 1).saturating_sub(self.row_width) as usize;
        self.row_width = self.row_width.max(col + 1);
        if self.held_cells > MAX_CELLS {
            return Err(ApiError::invalid(format!(
                "表格过大（超过 {MAX_CELLS} 个单元格），请只保留客户资料的列"
            )));
        }
        self.held_bytes += text.len();
        if self.held_bytes > MAX_TEXT_BYTES {
            return Err(ApiError::invalid(format!(
                "表格内容过多（超过 {} MB 文字），请只保留客户资料的列",
                MAX_TEXT_BYTES / 1024 / 1024
            )));
        }
        self.min_col = self.min_col.min(col);
        self.cells.push((col, text.to_string()));
        Ok(())
    }

    /// Closes the row being gathered: empty records for the rows skipped before it (line numbers
    /// stay the sheet's), then its fields up to its last value.
    fn finish_row(&mut self) {
        let (Some(row), Some(first)) = (self.row, self.first_row) else {
            return;
        };
        let at = (row - first) as usize;
        while self.records.len() < at {
            self.records.push(csv::StringRecord::new());
        }
        // a crafted file may name one cell twice or out of order: the last value wins
        self.cells.sort_by_key(|(col, _)| *col);
        self.cells.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                std::mem::swap(later, earlier);
                true
            } else {
                false
            }
        });
        // sized once: 200,000 records grown by doubling held a third more than their text
        let width = self.cells.last().map_or(0, |(col, _)| *col as usize + 1);
        let text: usize = self.cells.iter().map(|(_, t)| t.len()).sum();
        let mut record = csv::StringRecord::with_capacity(text, width);
        for (col, text) in self.cells.drain(..) {
            while (record.len() as u32) < col {
                record.push_field("");
            }
            record.push_field(&text);
        }
        self.records.push(record);
    }

    /// The records, the leftmost used column first.
    pub fn finish(mut self) -> Vec<csv::StringRecord> {
        self.finish_row();
        if self.min_col == 0 || self.min_col == u32::MAX {
            return self.records;
        }
        let skip = self.min_col as usize;
        self.records
            .into_iter()
            .map(|r| r.iter().skip(skip).collect())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[(u32, u32, &str)]) -> ApiResult<Vec<Vec<String>>> {
        let mut b = RowBuilder::new();
        for (r, c, t) in cells {
            b.add(*r, *c, t)?;
        }
        Ok(b.finish()
            .iter()
            .map(|r| r.iter().map(str::to_string).collect())
            .collect())
    }

    #[test]
    fn cells_become_rows_from_the_used_corner() {
        let got = rows(&[
            (2, 1, "姓名"),
            (2, 2, "电话"),
            (4, 2, "138"),
            (4, 1, "张三"),
        ])
        .unwrap();
        assert_eq!(got, vec![vec!["姓名", "电话"], vec![], vec!["张三", "138"]]);
    }

    #[test]
    fn a_far_cell_is_refused_by_its_row_or_column_not_sized() {
        let e = rows(&[(0, 0, "姓名"), (1_048_575, 16_383, "x")]).unwrap_err();
        assert!(e.to_string().contains("XFD1048576"), "{e}");
        let e = rows(&[(0, 0, "姓名"), (2_147_483_646, 0, "x")]).unwrap_err();
        assert!(e.to_string().contains("2147483647"), "{e}");
        assert!(rows(&[(0, 0, "a"), (MAX_ROWS as u32, 0, "b")]).is_ok());
    }

    #[test]
    fn rows_that_go_back_are_refused_and_empty_cells_cost_nothing() {
        assert!(rows(&[(5, 0, "a"), (3, 0, "b")]).is_err());
        assert_eq!(rows(&[(0, 0, ""), (0, 200, "")]).unwrap().len(), 0);
    }

    #[test]
    fn cells_are_counted_as_rows_widen() {
        let mut b = RowBuilder::new();
        let mut refused = None;
        for r in 0..(MAX_CELLS as u32 / 100 + 2) {
            if let Err(e) = b.add(r, 99, "1") {
                refused = Some(r);
                assert!(e.to_string().contains("单元格"), "{e}");
                break;
            }
        }
        assert_eq!(refused, Some(MAX_CELLS as u32 / 100));
    }

    #[test]
    fn cell_names_read_like_excel() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}
