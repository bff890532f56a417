//! 录音's list as a file (the recordings themselves are downloaded one by one): §4.4's filters,
//! the caller's scope, numbers masked for salespeople.

use tempfile::TempPath;

use super::write::{self, Table};
use super::{Cell, Format, hms};
use crate::auth::Caller;
use crate::customers::phone;
use crate::db::{
    self,
    recordings::{Filter, Recording},
};
use crate::error::ApiResult;
use crate::state::State;

const HEADERS: [&str; 9] = [
    "录音时间",
    "通话时间",
    "客户",
    "电话",
    "人员",
    "时长",
    "大小（字节）",
    "格式",
    "文件",
];

fn row(caller: &Caller, tz: chrono_tz::Tz, r: &Recording) -> Vec<Cell> {
    vec![
        Cell::at(r.created_at, tz),
        Cell::at(r.call_start, tz),
        Cell::Text(r.customer_name.clone()),
        Cell::Text(phone::shown_to(caller, &r.customer_phone)),
        Cell::Text(r.user_name.clone()),
        Cell::Text(hms(r.duration)),
        Cell::Int(r.file_size),
        Cell::Text(r.format.clone()),
        Cell::Text(if r.file_missing {
            "文件丢失".into()
        } else {
            r.file_name.clone()
        }),
    ]
}

/// Writes the recordings the caller may see that match `filter`, newest first; one audit line.
pub async fn export(
    state: &State,
    caller: &Caller,
    filter: Filter,
    format: Format,
) -> ApiResult<(TempPath, u64)> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let scope = caller.scope();
    let table = Table {
        sheet: "录音",
        label: "录音列表",
        target: "recordings",
        headers: &HEADERS,
    };
    write::rows(state, caller, format, table, move |conn, sheet| {
        db::recordings::for_each(conn, &scope, &filter, |r| sheet.row(&row(&who, tz, &r)))
    })
    .await
}
