//! 客户 as a file: the list's filters and order, numbers masked for salespeople. Its columns are
//! the import's, in the import's words, so an exported file imports into another box as it is.

use tempfile::TempPath;

use super::write::{self, Table};
use super::{Cell, Format};
use crate::auth::Caller;
use crate::customers::{phone, words};
use crate::db::{self, customer_lists::CustomerFilter, customers::Customer};
use crate::error::ApiResult;
use crate::state::State;

const HEADERS: [&str; 12] = [
    "姓名",
    "公司",
    "电话",
    "其他号码",
    "等级",
    "标签",
    "跟进状态",
    "备注",
    "负责人",
    "最后联系",
    "下次跟进",
    "创建时间",
];

fn row(caller: &Caller, tz: chrono_tz::Tz, c: &Customer) -> Vec<Cell> {
    let time = |t: Option<i64>| Cell::at_opt(t, tz);
    vec![
        Cell::Text(c.name.clone()),
        Cell::Text(c.company.clone()),
        Cell::Text(phone::shown_to(caller, &c.phone)),
        Cell::Text(
            c.other_phones
                .iter()
                .map(|n| phone::shown_to(caller, n))
                .collect::<Vec<_>>()
                .join("、"),
        ),
        Cell::Text(words::level_word(&c.level).into()),
        Cell::Text(c.tags.join("、")),
        Cell::Text(words::status_word(&c.follow_status).into()),
        Cell::Text(c.notes.clone()),
        Cell::Text(c.owner_name.clone().unwrap_or_default()),
        time(c.last_contact_time),
        time(c.next_follow_time),
        Cell::at(c.created_at, tz),
    ]
}

/// Writes the customers matching `filter` (customers belong to the office: every user may list
/// them, contract §2); one audit line.
pub async fn export(
    state: &State,
    caller: &Caller,
    filter: CustomerFilter,
    format: Format,
) -> ApiResult<(TempPath, u64)> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let table = Table {
        sheet: "客户",
        label: "客户",
        target: "customers",
        headers: &HEADERS,
    };
    write::rows(state, caller, format, table, move |conn, sheet| {
        db::customer_lists::for_each(conn, &filter, |c| sheet.row(&row(&who, tz, &c)))
    })
    .await
}
