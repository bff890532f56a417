//! 跟进记录 as a file: §5.11's filters (and `due`), the caller's scope.

use tempfile::TempPath;

use super::write::{self, Table};
use super::{Cell, Format};
use crate::auth::Caller;
use crate::db::{
    self,
    follow_ups::{FollowUp, FollowUpFilter},
};
use crate::error::ApiResult;
use crate::state::State;

const HEADERS: [&str; 10] = [
    "创建时间",
    "客户",
    "方式",
    "内容",
    "标签",
    "客户意向",
    "优先级",
    "下次跟进",
    "状态",
    "负责人",
];

fn word(code: Option<&str>) -> String {
    match code {
        Some("high") => "高",
        Some("medium") => "中",
        Some("low") => "低",
        Some("none") => "无",
        Some(other) => other,
        None => "",
    }
    .to_string()
}

fn kind_word(kind: &str) -> &str {
    match kind {
        "call" => "电话",
        "visit" => "拜访",
        "message" => "消息",
        "other" => "其他",
        other => other,
    }
}

fn row(tz: chrono_tz::Tz, f: &FollowUp) -> Vec<Cell> {
    vec![
        Cell::at(f.created_at, tz),
        Cell::Text(f.customer_name.clone()),
        Cell::Text(kind_word(&f.kind).into()),
        Cell::Text(crate::calls::follow_up_edit::text_of(&f.content).into()),
        Cell::Text(f.call_tags.join("、")),
        Cell::Text(word(f.intention.as_deref())),
        Cell::Text(word(Some(&f.priority))),
        Cell::at_opt(f.next_follow_up, tz),
        Cell::Text(
            if f.status == "pending" {
                "待跟进"
            } else {
                "已完成"
            }
            .into(),
        ),
        Cell::Text(f.user_name.clone()),
    ]
}

/// Writes the follow-ups the caller may see that match `filter`, newest first; one audit line.
pub async fn export(
    state: &State,
    caller: &Caller,
    filter: FollowUpFilter,
    format: Format,
) -> ApiResult<(TempPath, u64)> {
    let tz = state.config.timezone;
    let scope = caller.scope();
    let table = Table {
        sheet: "跟进记录",
        label: "跟进记录",
        target: "followups",
        headers: &HEADERS,
    };
    write::rows(state, caller, format, table, move |conn, sheet| {
        db::follow_ups::for_each(conn, &scope, &filter, |f| sheet.row(&row(tz, &f)))
    })
    .await
}
