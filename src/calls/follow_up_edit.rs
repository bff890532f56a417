//! Follow-ups that close (issue 14): edit, complete and delete one, and what is due — today's
//! pending follow-ups and the overdue ones, counted for the menu and 概览. Whoever may see a
//! follow-up may change it (contract §2: a salesperson their own, a manager their department's,
//! an admin all); another's is 404.

use chrono::Days;

use super::follow_ups::{INTENTIONS, PRIORITIES, STATUSES, follow_up_content};
use crate::access::Scope;
use crate::audit::{self, Action, Actor};
use crate::auth::Caller;
use crate::db::follow_ups::FollowUp;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits;
use crate::state::State;

/// What an edit changes; `None` leaves a field as it is. `next_follow_up: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    /// The text, without the `标签:` line: the server writes that line from the tags.
    pub text: Option<String>,
    pub intention: Option<String>,
    pub tags: Option<Vec<String>>,
    pub next_follow_up: Option<Option<i64>>,
    pub priority: Option<String>,
    pub status: Option<String>,
}

/// Due today or overdue, for a pending follow-up with a next time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Today,
    Overdue,
}

impl Due {
    pub fn as_str(self) -> &'static str {
        match self {
            Due::Today => "today",
            Due::Overdue => "overdue",
        }
    }

    pub fn parse(text: &str) -> Option<Due> {
        match text {
            "today" => Some(Due::Today),
            "overdue" => Some(Due::Overdue),
            _ => None,
        }
    }
}

/// Today in the office's zone: `[start, end)` in epoch ms.
#[derive(Debug, Clone, Copy)]
pub struct Today {
    pub start: i64,
    pub end: i64,
}

impl Today {
    /// The office day holding `now`.
    pub fn at(now: i64, tz: chrono_tz::Tz) -> Self {
        let day = crate::times::local_day(now, tz);
        let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
        Self {
            start: crate::times::day_start_ms(day, tz),
            end: crate::times::day_start_ms(next, tz),
        }
    }

    /// Whether a follow-up is due: pending, its next time today (at any hour) or on an earlier day.
    pub fn due(&self, f: &FollowUp) -> Option<Due> {
        let next = f.next_follow_up?;
        if f.status != "pending" || next >= self.end {
            return None;
        }
        Some(if next >= self.start {
            Due::Today
        } else {
            Due::Overdue
        })
    }

    /// The §5.11 filter bounds on the next time for `due`.
    pub fn bounds(&self, due: Due) -> (Option<i64>, i64) {
        match due {
            Due::Today => (Some(self.start), self.end),
            Due::Overdue => (None, self.start),
        }
    }
}

/// The text of a follow-up's content: the content without the `标签:` line the server wrote.
pub fn text_of(content: &str) -> &str {
    if content.starts_with("标签: ") {
        return "";
    }
    match content.rfind("\n标签: ") {
        Some(at) => &content[..at],
        None => content,
    }
}

fn check_one_of(name: &str, value: &Option<String>, allowed: &[&str]) -> ApiResult<()> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::invalid(format!(
            "{name} 无效: {v}（可选 {}）",
            allowed.join("/")
        ))),
        _ => Ok(()),
    }
}

fn visible(conn: &rusqlite::Connection, scope: &Scope, id: &str) -> ApiResult<FollowUp> {
    match db::follow_ups::by_id_in_scope(conn, scope, id) {
        Err(DbError::NotFound) => Err(ApiError::with_message(
            ErrorCode::NotFound,
            "跟进记录不存在",
        )),
        other => Ok(other?),
    }
}

/// Edits (or completes: `status: completed`) a follow-up the caller may see.
pub async fn edit(state: &State, caller: &Caller, id: String, e: Edit) -> ApiResult<FollowUp> {
    check_one_of("customerIntent", &e.intention, &INTENTIONS)?;
    check_one_of("priority", &e.priority, &PRIORITIES)?;
    check_one_of("status", &e.status, &STATUSES)?;
    if let Some(text) = &e.text {
        limits::text("content", text)?;
    }
    let tags = match e.tags.clone() {
        Some(t) => Some(limits::tags("callTags", t)?),
        None => None,
    };
    let scope = caller.scope();
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            let mut f = visible(tx, &scope, &id)?;
            let text = e
                .text
                .clone()
                .unwrap_or_else(|| text_of(&f.content).to_string());
            if let Some(tags) = tags {
                f.call_tags = tags;
            }
            let content = follow_up_content(&text, &f.call_tags);
            if content.trim().is_empty() {
                return Err(ApiError::invalid_field("content", "内容不能为空"));
            }
            f.content = content;
            if e.intention.is_some() {
                f.intention = e.intention;
            }
            if let Some(next) = e.next_follow_up {
                f.next_follow_up = next;
            }
            if let Some(p) = e.priority {
                f.priority = p;
            }
            if let Some(s) = e.status {
                f.status = s;
            }
            db::follow_ups::update(tx, &f, now)?;
            Ok(db::follow_ups::by_id(tx, &f.id)?)
        })
        .await
}

/// Deletes a follow-up the caller may see; one line in the audit log.
pub async fn delete(state: &State, caller: &Caller, id: String) -> ApiResult<()> {
    let scope = caller.scope();
    let actor = Actor::of(caller);
    state
        .db
        .write(move |tx| {
            let f = visible(tx, &scope, &id)?;
            db::follow_ups::delete(tx, &f.id)?;
            let head: String = text_of(&f.content).chars().take(40).collect();
            let detail = format!("{} {head}", f.customer_name);
            audit::record(tx, &actor, Action::FollowUpDelete, &f.id, detail.trim())?;
            Ok(())
        })
        .await
}

/// `(due today, overdue)` among the follow-ups the caller may see.
pub async fn due_counts(state: &State, caller: &Caller) -> ApiResult<(i64, i64)> {
    let today = Today::at(state.clock.now_ms(), state.config.timezone);
    let scope = caller.scope();
    Ok(state
        .db
        .run(move |c| db::follow_ups::due_counts(c, &scope, today.start, today.end))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_line_is_not_part_of_the_text() {
        assert_eq!(text_of("客户要报价单\n标签: 意向, 成交"), "客户要报价单");
        assert_eq!(text_of("标签: 意向"), "");
        assert_eq!(text_of("两行\n备注"), "两行\n备注");
        assert_eq!(text_of(""), "");
    }
}
