//! A customer list's records as rows (contract §11): the columns from a header we can read (or
//! the default order), each record checked and normalised into a row or a reason it is left out.
//! `RowReader` reads one record at a time, so an import writes batches as it reads.

use std::collections::HashSet;

use serde::Serialize;

pub(crate) use super::import_columns::{Column, column_of};
use super::phone;

/// One usable row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub company: Option<String>,
    pub phone: String,
    /// Normalised, distinct, none of them the main number.
    pub other_phones: Vec<String>,
    pub level: Option<String>,
    pub tags: Vec<String>,
    pub follow_status: Option<String>,
    pub notes: String,
    /// 负责人 as the file says it: a person's name or username (`import_write` finds them).
    pub owner: Option<String>,
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub row: usize,
    pub reason: String,
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

/// How many rows at a list's top may come before its header: a title (华东区客户名单（2026年12月
/// 更新）), a second title, a note, a blank line (issue 30, item 1).
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Turns CSV records into usable rows and skipped ones.
pub fn rows(records: &[csv::StringRecord]) -> (Vec<ImportRow>, Vec<Skipped>) {
    let mut reader = RowReader::new(records);
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
    /// The header's index among the records: it and the titles above it are not rows.
    header_at: Option<usize>,
    /// The header's words that name no column of ours (their cells are not imported).
    ignored: Vec<String>,
    numbers: HashSet<String>,
}

impl RowReader {
    /// Reads the columns from the header: the first of the file's top `HEADER_SEARCH_ROWS`
    /// rows that names a name column and a phone column (a title above it is skipped, not read
    /// as customers shifted by a column). No such row: the default order.
    pub fn new(records: &[csv::StringRecord]) -> Self {
        Self::with_columns(records, None)
    }

    /// As `new`, with the columns the office chose in the mapping step (`import_columns`): they
    /// are used whatever the header says; a header found is still not a row.
    pub fn with_columns(records: &[csv::StringRecord], chosen: Option<Vec<Column>>) -> Self {
        let top = &records[..records.len().min(HEADER_SEARCH_ROWS)];
        let found = top.iter().enumerate().find_map(|(i, r)| {
            let header: Vec<Column> = r.iter().map(column_of).collect();
            (header.contains(&Column::Name) && header.contains(&Column::Phone))
                .then_some((i, header))
        });
        if let Some(columns) = chosen {
            return Self {
                columns,
                header_at: found.map(|(at, _)| at),
                ignored: Vec::new(),
                numbers: HashSet::new(),
            };
        }
        match found {
            Some((at, columns)) => Self {
                ignored: records[at]
                    .iter()
                    .filter(|w| !w.trim().is_empty() && column_of(w) == Column::Other)
                    .map(|w| w.trim().to_string())
                    .collect(),
                columns,
                header_at: Some(at),
                numbers: HashSet::new(),
            },
            None => Self {
                columns: DEFAULT_COLUMNS.to_vec(),
                header_at: None,
                ignored: Vec::new(),
                numbers: HashSet::new(),
            },
        }
    }

    /// Whether a header was found (without one, the page asks the office which column is what).
    pub fn header_found(&self) -> bool {
        self.header_at.is_some()
    }

    /// The header's words that name no column we import (the summary lists them).
    pub fn ignored_columns(&self) -> &[String] {
        &self.ignored
    }

    /// The record at `index` (0-based): a row, a skipped row, or nothing (the header, an empty
    /// line).
    pub fn read(
        &mut self,
        index: usize,
        record: &csv::StringRecord,
    ) -> Option<Result<ImportRow, Skipped>> {
        if self.header_at.is_some_and(|at| index <= at) {
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
        let others: Vec<String> = split_tags(cell(Column::OtherPhones));
        let other_phones = match super::other_phones(&others) {
            Ok(mut numbers) => {
                numbers.retain(|n| *n != number);
                numbers
            }
            Err(e) => return skip(e.message.into_owned()),
        };
        let optional = |c: Column| Some(cell(c)).filter(|v| !v.is_empty()).map(str::to_string);
        if cell(Column::Company).chars().count() > super::COMPANY_CHARS {
            return skip("公司名称过长".into());
        }
        let row = ImportRow {
            line,
            name: name.to_string(),
            company: optional(Column::Company),
            phone: number.clone(),
            other_phones,
            level: optional(Column::Level),
            tags: split_tags(cell(Column::Tags)),
            follow_status: optional(Column::FollowStatus),
            notes: cell(Column::Notes).to_string(),
            owner: optional(Column::Owner),
        };
        let mut numbers = std::iter::once(&row.phone).chain(&row.other_phones);
        if numbers.any(|n| self.numbers.contains(n)) {
            return skip("文件中号码重复".into());
        }
        self.numbers.insert(number);
        self.numbers.extend(row.other_phones.iter().cloned());
        Some(Ok(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::import::parse;

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
    fn a_title_above_the_header_is_skipped_and_the_unknown_columns_named() {
        let text = "华东区客户名单（2026年12月更新）,,,,\n\
                    ,,,,\n\
                    公司,姓名,电话,等级,微信\n\
                    华东贸易,张三,13800138000,重要,zs01\n";
        let records = parse(text).unwrap();
        let mut reader = RowReader::new(&records);
        assert_eq!(reader.ignored_columns(), ["微信"]);
        let got: Vec<_> = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| reader.read(i, r))
            .collect();
        assert_eq!(got.len(), 1, "{got:?}");
        let row = got[0].clone().unwrap();
        assert_eq!(
            (row.line, row.name.as_str(), row.phone.as_str()),
            (4, "张三", "13800138000")
        );
        assert_eq!(row.level.as_deref(), Some("重要"));
        assert_eq!(row.company.as_deref(), Some("华东贸易"));
    }

    #[test]
    fn no_header_uses_default_columns() {
        let (rows, skipped) = rows(&parse("张三,13800138000,vip\n").unwrap());
        assert!(skipped.is_empty());
        assert_eq!(rows[0].level.as_deref(), Some("vip"));
        assert_eq!(rows[0].line, 1);
    }
}
