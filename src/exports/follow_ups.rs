//! 跟进记录 as a file: §5.11's filters (and `due`), the caller's scope.

use std::fs::File;

use super::{Cell, Format, Sheet, local_time};
use crate::audit::{self, Action, Actor};
use crate::auth::Caller;
use crate::db::{
    self,
    follow_ups::{FollowUp, FollowUpFilter},
};
use crate::error::{ApiError, ApiResult};
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
        Cell::Text(local_time(f.created_at, tz)),
        Cell::Text(f.customer_name.clone()),
        Cell::Text(kind_word(&f.kind).into()),
        Cell::Text(crate::calls::follow_up_edit::text_of(&f.content).into()),
        Cell::Text(f.call_tags.join("、")),
        Cell::Text(word(f.intention.as_deref())),
        Cell::Text(word(Some(&f.priority))),
        Cell::Text(
            f.next_follow_up
                .map(|t| local_time(t, tz))
                .unwrap_or_default(),
        ),
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
) -> ApiResult<(File, u64)> {
    let tz = state.config.timezone;
    let tmp = crate::recordings::storage::tmp_dir(&state.config);
    let scope = caller.scope();
    let (file, rows) = state
        .db
        .run(move |conn| {
            std::fs::create_dir_all(&tmp).map_err(|e| ApiError::from_io(&e))?;
            let mut sheet = Sheet::new(format, &tmp, "跟进记录", &HEADERS)?;
            db::follow_ups::for_each(conn, &scope, &filter, |f| sheet.row(&row(tz, &f)))?;
            sheet.finish(&tmp)
        })
        .await?;
    let detail = format!("跟进记录 {rows} 行（{}）", format.extension());
    audit::record_alone(
        state,
        Actor::of(caller),
        Action::Export,
        "followups".into(),
        detail,
    )
    .await?;
    Ok((file, rows))
}
