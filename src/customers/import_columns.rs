//! A customer list's columns (contract §11, issue 30 item 1): the header's words as columns,
//! the keys the page's column-mapping step sends (`?columns=name,phone,-,level`), and the
//! mapping the page proposes for a list with no header, read from the cells themselves.

use super::{phone, words};
use crate::error::{ApiError, ApiResult};

/// What a list's column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Company,
    Phone,
    OtherPhones,
    Level,
    Tags,
    FollowStatus,
    Notes,
    Owner,
    Other,
}

/// The column a header word names (`Other` when none of ours).
pub fn column_of(header: &str) -> Column {
    match header.trim().to_lowercase().as_str() {
        "name" | "姓名" | "客户" | "客户名" | "客户名称" | "客户姓名" | "名称" => {
            Column::Name
        }
        "phone" | "mobile" | "电话" | "手机" | "手机号" | "手机号码" | "电话号码" | "联系电话"
        | "号码" => Column::Phone,
        "otherphones" | "其他号码" | "其他电话" | "备用号码" | "备用电话" | "座机" => {
            Column::OtherPhones
        }
        "level" | "级别" | "等级" | "客户等级" | "客户级别" => Column::Level,
        "tags" | "标签" => Column::Tags,
        "followstatus" | "follow_status" | "跟进状态" | "状态" => Column::FollowStatus,
        "notes" | "备注" | "说明" => Column::Notes,
        "company" | "公司" | "公司名称" | "单位" | "单位名称" | "企业" | "企业名称" => {
            Column::Company
        }
        "owner" | "ownername" | "负责人" | "业务员" | "销售" | "所属销售" | "跟进人" => {
            Column::Owner
        }
        _ => Column::Other,
    }
}

impl Column {
    /// Every column the mapping step offers, with its key and its word on the page.
    pub const CHOICES: [(Column, &'static str, &'static str); 10] = [
        (Column::Name, "name", "姓名"),
        (Column::Company, "company", "公司"),
        (Column::Phone, "phone", "电话"),
        (Column::OtherPhones, "otherPhones", "其他号码"),
        (Column::Level, "level", "等级"),
        (Column::Tags, "tags", "标签"),
        (Column::FollowStatus, "followStatus", "跟进状态"),
        (Column::Owner, "owner", "负责人"),
        (Column::Notes, "notes", "备注"),
        (Column::Other, "-", "不导入"),
    ];

    pub fn key(self) -> &'static str {
        Self::CHOICES
            .iter()
            .find(|(c, _, _)| *c == self)
            .map_or("-", |(_, key, _)| *key)
    }
}

/// `?columns=` as the mapping step sends it: one key per column, in the file's order, `-` for a
/// column not imported; a name and a phone column exactly once each.
pub fn parse_keys(text: &str) -> ApiResult<Vec<Column>> {
    let bad = |m: String| ApiError::invalid_field("columns", m);
    let keys: Vec<&str> = text.split(',').map(str::trim).collect();
    if keys.len() > 100 {
        return Err(bad("列数过多".into()));
    }
    let mut columns = Vec::with_capacity(keys.len());
    for key in keys {
        let (column, _, word) = Column::CHOICES
            .iter()
            .find(|(_, k, _)| *k == key)
            .ok_or_else(|| bad(format!("未知的列: {key}")))?;
        if *column != Column::Other && columns.contains(column) {
            return Err(bad(format!("“{word}”只能选一列")));
        }
        columns.push(*column);
    }
    for (must, word) in [(Column::Name, "姓名"), (Column::Phone, "电话")] {
        if !columns.contains(&must) {
            return Err(bad(format!("请指定哪一列是{word}")));
        }
    }
    Ok(columns)
}

/// How many rows the proposal reads.
const SAMPLE_ROWS: usize = 30;

/// For a list with no header: what each column most likely holds, read from its first cells —
/// the column most of whose cells are phone numbers is 电话 (a second one 其他号码), one of level
/// words 等级, of status words 跟进状态, of company names 公司, and the first column of short
/// text 姓名. The page shows it for the office to confirm or correct.
pub fn propose(records: &[csv::StringRecord]) -> Vec<Column> {
    let sample: Vec<&csv::StringRecord> = records
        .iter()
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .take(SAMPLE_ROWS)
        .collect();
    let width = sample.iter().map(|r| r.len()).max().unwrap_or(0);
    let share = |col: usize, test: &dyn Fn(&str) -> bool| {
        let cells: Vec<&str> = sample
            .iter()
            .filter_map(|r| r.get(col))
            .filter(|c| !c.is_empty())
            .collect();
        if cells.is_empty() {
            return 0.0;
        }
        cells.iter().filter(|c| test(c)).count() as f64 / cells.len() as f64
    };
    let mut columns = vec![Column::Other; width];
    let take = |want: Column, test: &dyn Fn(&str) -> bool, columns: &mut [Column]| {
        let best = (0..width)
            .filter(|&i| columns[i] == Column::Other)
            .map(|i| (i, share(i, test)))
            .filter(|(_, s)| *s >= 0.6)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((i, _)) = best {
            columns[i] = want;
        }
    };
    let is_phone = |c: &str| phone::normalize(c).is_some();
    take(Column::Phone, &is_phone, &mut columns);
    take(Column::OtherPhones, &is_phone, &mut columns);
    take(Column::Level, &|c| words::level(c).is_some(), &mut columns);
    take(
        Column::FollowStatus,
        &|c| words::follow_status(c).is_some(),
        &mut columns,
    );
    let company = |c: &str| {
        ["公司", "有限", "集团", "厂", "店", "中心", "事务所"]
            .iter()
            .any(|w| c.contains(w))
    };
    take(Column::Company, &company, &mut columns);
    // a person's name: short, and not a number
    let name = |c: &str| {
        let n = c.chars().count();
        (1..=10).contains(&n) && !c.chars().any(|ch| ch.is_ascii_digit())
    };
    if let Some(i) = (0..width).find(|&i| columns[i] == Column::Other && share(i, &name) >= 0.6) {
        columns[i] = Column::Name;
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::import::parse;

    #[test]
    fn a_list_without_a_header_is_read_from_its_cells() {
        let text = "华东贸易有限公司,张三,138 0013 8000,重要,有意向,展会\n\
                    江南机械厂,李四,13900139000,VIP,再联系,\n\
                    苏州电子有限公司,王五,+86 137-0013-7000,普通,新客户,老客户\n";
        let got = propose(&parse(text).unwrap());
        assert_eq!(
            got,
            [
                Column::Company,
                Column::Name,
                Column::Phone,
                Column::Level,
                Column::FollowStatus,
                Column::Other
            ]
        );
    }

    #[test]
    fn the_mapping_needs_a_name_and_a_phone_once_each() {
        assert_eq!(
            parse_keys("phone,-,name").unwrap(),
            [Column::Phone, Column::Other, Column::Name]
        );
        for bad in ["phone", "name", "name,phone,phone", "name,phone,wechat", ""] {
            assert!(parse_keys(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_keys("name,phone,-,-").unwrap().len(), 4);
    }
}
