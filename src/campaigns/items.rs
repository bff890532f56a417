//! A list's numbers: added by hand, from a customer filter or from a file (CSV or Excel, read
//! by the customer import's reader), normalised, with the numbers left out reported — a
//! duplicate, one on the do-not-call list, one that is not a number; then assigned to
//! salespeople (evenly, by count or by hand) and given callbacks.

use std::collections::HashSet;

use serde::Serialize;

use super::managed;
use crate::auth::Caller;
use crate::customers::import_rows::{Column, column_of};
use crate::customers::phone;
use crate::db::campaign_items::NewItem;
use crate::db::customer_lists::CustomerFilter;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult};
use crate::limits;
use crate::state::State;

/// Numbers written per transaction: other writers (a phone's report, a dial) wait at most one
/// batch for the write lock.
const BATCH: usize = 1000;

/// The most numbers one list holds.
pub const MAX_ITEMS: usize = 200_000;

/// One number to add, as it came (the row of its file, 1-based; 0 for the API's own list).
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub row: usize,
    pub phone: String,
    pub name: String,
    pub note: String,
    pub customer_id: Option<String>,
}

/// A number left out, and why.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOut {
    pub row: usize,
    pub phone: String,
    pub reason: String,
}

/// What an addition did: every line is added or in one of the lists left out.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Added {
    pub total: usize,
    pub added: usize,
    pub duplicates: Vec<LeftOut>,
    pub do_not_call: Vec<LeftOut>,
    pub invalid: Vec<LeftOut>,
    /// For a workbook: the sheet read, and all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sheets: Vec<String>,
}

fn left_out(line: &Line, number: &str, reason: &str) -> LeftOut {
    LeftOut {
        row: line.row,
        phone: if number.is_empty() {
            line.phone.clone()
        } else {
            number.to_string()
        },
        reason: reason.into(),
    }
}

/// One batch in one transaction, after the file's own duplicates are gone.
fn write_batch(
    tx: &rusqlite::Transaction<'_>,
    campaign_id: &str,
    lines: Vec<(Line, String)>,
    out: &mut Added,
    now: i64,
) -> ApiResult<()> {
    let mut position = db::campaign_items::last_position(tx, campaign_id)?;
    for (line, number) in lines {
        if db::do_not_call::contains(tx, &number)? {
            out.do_not_call.push(left_out(&line, &number, "在黑名单中"));
            continue;
        }
        let customer = match line.customer_id.as_deref() {
            Some(id) => match db::customers::by_id(tx, id) {
                Ok(c) => Some(c),
                Err(DbError::NotFound) => {
                    out.invalid.push(left_out(&line, &number, "客户不存在"));
                    continue;
                }
                Err(e) => return Err(e.into()),
            },
            None => db::customers::by_phone(tx, &number)?,
        };
        let name = match (&line.name, &customer) {
            (n, _) if !n.is_empty() => n.clone(),
            (_, Some(c)) => c.name.clone(),
            _ => String::new(),
        };
        let item = NewItem {
            phone: number.clone(),
            customer_id: customer.map(|c| c.id),
            name,
            note: line.note.clone(),
        };
        position += 1;
        if db::campaign_items::insert(tx, campaign_id, position, &item, now)? {
            out.added += 1;
        } else {
            out.duplicates
                .push(left_out(&line, &number, "任务中已有此号码"));
        }
    }
    Ok(())
}

/// Adds lines to a list the caller manages, `BATCH` per transaction.
pub async fn add(state: &State, caller: &Caller, id: String, lines: Vec<Line>) -> ApiResult<Added> {
    let who = caller.clone();
    let key = id.clone();
    let (campaign, present) = state
        .db
        .run(move |c| {
            let campaign = managed(c, &who, &key)?;
            let n = db::campaign_items::page(c, &campaign.id, None, None, 1, 0)?.1;
            Ok::<_, ApiError>((campaign, n as usize))
        })
        .await?;
    let mut out = Added {
        total: lines.len(),
        ..Default::default()
    };
    let mut seen = HashSet::new();
    let mut good = Vec::new();
    for mut line in lines {
        if line.name.trim().is_empty() {
            // a typed line says both: `139 0013 9002 周八`
            let (number, name) = phone::split_line(&line.phone);
            if !number.is_empty() {
                (line.phone, line.name) = (number.to_string(), name.to_string());
            }
        }
        limits::name("name", &line.name)?;
        limits::text("note", &line.note)?;
        match phone::normalize(&line.phone) {
            None => out.invalid.push(left_out(&line, "", "号码无效")),
            Some(n) if !phone::is_dialable(&n) => {
                out.invalid
                    .push(left_out(&line, &n, "不是可拨打的电话号码"))
            }
            Some(n) if !seen.insert(n.clone()) => {
                out.duplicates.push(left_out(&line, &n, "重复的号码"))
            }
            Some(n) => good.push((line, n)),
        }
    }
    if present + good.len() > MAX_ITEMS {
        return Err(ApiError::invalid(format!(
            "一个外呼任务最多{MAX_ITEMS}个号码（已有{present}个）"
        )));
    }
    let mut rows = good.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(BATCH).collect();
        let cid = campaign.id.clone();
        let now = state.clock.now_ms();
        let part = state
            .db
            .write(move |tx| {
                let mut part = Added::default();
                write_batch(tx, &cid, batch, &mut part, now)?;
                Ok::<_, ApiError>(part)
            })
            .await?;
        out.added += part.added;
        out.duplicates.extend(part.duplicates);
        out.do_not_call.extend(part.do_not_call);
        out.invalid.extend(part.invalid);
    }
    Ok(out)
}

/// The customers a filter finds, as lines (at most `MAX_ITEMS`).
pub async fn from_customers(
    state: &State,
    caller: &Caller,
    id: String,
    filter: CustomerFilter,
) -> ApiResult<Added> {
    caller.require_manager()?;
    let (who, key) = (caller.clone(), id.clone());
    let lines = state
        .db
        .run(move |c| {
            // an unknown or unseen list is 404 before its customers are looked at
            managed(c, &who, &key)?;
            let mut lines = Vec::new();
            db::customer_lists::for_each(c, &filter, |cust| {
                if lines.len() <= MAX_ITEMS {
                    lines.push(Line {
                        row: 0,
                        phone: cust.phone,
                        name: cust.name,
                        note: String::new(),
                        customer_id: Some(cust.id),
                    });
                }
                Ok::<_, ApiError>(())
            })?;
            Ok::<_, ApiError>(lines)
        })
        .await?;
    if lines.is_empty() {
        return Err(ApiError::invalid("没有符合条件的客户"));
    }
    add(state, caller, id, lines).await
}

/// A file's rows as lines: with a header (电话/手机/phone…, 姓名, 备注), else the first cell
/// that is a number is the number, the next cells the name and the note.
pub fn lines_of(records: &[csv::StringRecord]) -> Vec<Line> {
    let Some(first) = records.first() else {
        return Vec::new();
    };
    let header: Vec<Column> = first.iter().map(column_of).collect();
    let has_header = header.contains(&Column::Phone);
    let col = |want: Column| header.iter().position(|c| *c == want);
    let mut out = Vec::new();
    for (index, record) in records.iter().enumerate() {
        if index == 0 && has_header {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_string();
        let line = if has_header {
            Line {
                row: index + 1,
                phone: cell(col(Column::Phone)),
                name: cell(col(Column::Name)),
                note: cell(col(Column::Notes)),
                customer_id: None,
            }
        } else {
            let at = record
                .iter()
                .position(|c| phone::normalize(c).is_some())
                .unwrap_or(0);
            let others: Vec<&str> = record
                .iter()
                .enumerate()
                .filter(|(i, c)| *i != at && !c.is_empty())
                .map(|(_, c)| c)
                .collect();
            Line {
                row: index + 1,
                phone: record.get(at).unwrap_or("").to_string(),
                name: others.first().unwrap_or(&"").to_string(),
                note: others.get(1).unwrap_or(&"").to_string(),
                customer_id: None,
            }
        };
        out.push(line);
    }
    out
}

/// Adds the numbers of a file.
pub async fn import(
    state: &State,
    caller: &Caller,
    id: String,
    bytes: bytes::Bytes,
    sheet: Option<String>,
) -> ApiResult<Added> {
    caller.require_manager()?;
    let file = crate::customers::import::read_file(bytes, sheet).await?;
    let lines = lines_of(&file.records);
    if lines.is_empty() {
        return Err(ApiError::invalid("文件中没有号码"));
    }
    if lines.len() > MAX_ITEMS {
        return Err(ApiError::invalid(format!(
            "一个外呼任务最多{MAX_ITEMS}个号码"
        )));
    }
    let mut out = add(state, caller, id, lines).await?;
    out.sheet = file.sheet;
    out.sheets = file.sheets;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<csv::StringRecord> {
        crate::customers::import::parse(text).unwrap()
    }

    #[test]
    fn a_file_with_a_header_or_only_numbers() {
        let with = lines_of(&records("姓名,手机号,备注\n张三,138 0013 8000,老客户\n"));
        assert_eq!(with.len(), 1);
        assert_eq!(
            (
                with[0].name.as_str(),
                with[0].phone.as_str(),
                with[0].note.as_str()
            ),
            ("张三", "138 0013 8000", "老客户")
        );
        assert_eq!(with[0].row, 2);
        let bare = lines_of(&records("13800138000\n李四,13900139000\n\n"));
        assert_eq!(bare.len(), 2);
        assert_eq!(bare[0].phone, "13800138000");
        assert_eq!(
            (bare[1].phone.as_str(), bare[1].name.as_str()),
            ("13900139000", "李四")
        );
    }
}
