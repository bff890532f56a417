//! 通话记录 as a file: the §5.6 filters, the caller's scope, numbers masked for salespeople.

use tempfile::TempPath;

use super::write::{self, Table};
use super::{Cell, Format, hms};
use crate::auth::Caller;
use crate::customers::phone;
use crate::db::{self, call_lists::CallFilter, calls::Call};
use crate::error::ApiResult;
use crate::state::State;
use crate::states::call;

const HEADERS: [&str; 12] = [
    "开始时间",
    "结束时间",
    "客户",
    "电话",
    "类型",
    "状态",
    "通话时长",
    "人员",
    "部门",
    "备注",
    "标签",
    "录音",
];

fn row(caller: &Caller, tz: chrono_tz::Tz, c: &Call) -> Vec<Cell> {
    vec![
        Cell::at(c.start_time, tz),
        Cell::at_opt(c.end_time, tz),
        Cell::Text(c.customer_name.clone()),
        Cell::Text(phone::shown_to(caller, &c.customer_phone)),
        Cell::Text(
            if c.call_type == "inbound" {
                "呼入"
            } else {
                "呼出"
            }
            .into(),
        ),
        Cell::Text(call::status_word(c.call_status()).into()),
        Cell::Text(hms(c.duration)),
        Cell::Text(c.user_name.clone()),
        Cell::Text(c.department.clone()),
        Cell::Text(c.notes.clone()),
        Cell::Text(c.call_tags.join("、")),
        Cell::Text(if c.has_recording { "有" } else { "" }.into()),
    ]
}

/// Writes the calls the caller may see that match `filter`, newest first; one audit line.
pub async fn export(
    state: &State,
    caller: &Caller,
    filter: CallFilter,
    format: Format,
) -> ApiResult<(TempPath, u64)> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let scope = caller.scope();
    let table = Table {
        sheet: "通话记录",
        label: "通话记录",
        target: "calls",
        headers: &HEADERS,
    };
    write::rows(state, caller, format, table, move |conn, sheet| {
        db::call_lists::for_each(conn, &scope, &filter, |c| sheet.row(&row(&who, tz, &c)))
    })
    .await
}
