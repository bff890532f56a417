//! Bulk actions on 客户 (issue 30, item 2): the page's selection (up to `MAX_SELECTED`
//! customers) deleted, given a 负责人, or tagged, in one transaction with one audit line that
//! names them. Adding a selection to a 外呼任务 is the list's own `from_customers`.

use serde::Serialize;

use crate::auth::Caller;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// Most customers one bulk action takes (a page shows at most 100; 全选 of a search, 1,000).
pub const MAX_SELECTED: usize = 1000;

/// What to do with the selection.
#[derive(Debug, Clone)]
pub enum Bulk {
    Delete,
    /// A 负责人, or none.
    Assign(Option<String>),
    /// Tags added to each customer's own.
    Tag(Vec<String>),
    /// Tags taken off.
    Untag(Vec<String>),
}

impl Bulk {
    fn audit_words(&self) -> &'static str {
        match self {
            Bulk::Delete => "批量删除",
            Bulk::Assign(_) => "批量分配负责人",
            Bulk::Tag(_) => "批量打标签",
            Bulk::Untag(_) => "批量去掉标签",
        }
    }
}

/// What a bulk action did.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkDone {
    pub changed: usize,
    /// Selected, but already as asked (a tag they have, the owner they have).
    pub unchanged: usize,
    /// Ids that are no customer (deleted meanwhile).
    pub not_found: usize,
}

/// A selection is 1 to `MAX_SELECTED` customers.
pub fn check_selection(ids: &[String]) -> ApiResult<()> {
    if ids.is_empty() || ids.len() > MAX_SELECTED {
        let message = format!("请选择 1 至 {MAX_SELECTED} 位客户");
        return Err(ApiError::invalid_field("ids", message));
    }
    Ok(())
}

/// Applies `action` to the customers `ids` (admins and managers).
pub async fn apply(
    state: &State,
    caller: &Caller,
    ids: Vec<String>,
    action: Bulk,
) -> ApiResult<BulkDone> {
    caller.require_manager()?;
    check_selection(&ids)?;
    let (who, now) = (crate::audit::Actor::of(caller), state.clock.now_ms());
    state
        .db
        .write(move |tx| {
            let owner_name = match &action {
                Bulk::Assign(Some(owner)) => match db::users::by_id(tx, owner) {
                    Err(DbError::NotFound) => {
                        return Err(ApiError::invalid_field("ownerId", "负责人不存在"));
                    }
                    other => Some(other?.display_name),
                },
                _ => None,
            };
            let mut done = BulkDone::default();
            let mut names = Vec::new();
            for id in &ids {
                let c = match db::customers::by_id(tx, id) {
                    Err(DbError::NotFound) => {
                        done.not_found += 1;
                        continue;
                    }
                    other => other?,
                };
                if change_one(tx, &c, &action, now)? {
                    done.changed += 1;
                    names.push(format!("{}（{}）", c.name, c.phone));
                } else {
                    done.unchanged += 1;
                }
            }
            let detail = audit_detail(&action, owner_name.as_deref(), &names);
            let kind = crate::audit::Action::CustomerBulk;
            crate::audit::record(tx, &who, kind, "", &detail)?;
            Ok(done)
        })
        .await
}

/// One customer of the selection; whether it changed.
fn change_one(
    tx: &rusqlite::Transaction<'_>,
    c: &db::customers::Customer,
    action: &Bulk,
    now: i64,
) -> ApiResult<bool> {
    if let Bulk::Delete = action {
        db::customers::delete(tx, &c.id)?;
        return Ok(true);
    }
    let before = c.fields();
    let mut f = before.clone();
    match action {
        Bulk::Delete => unreachable!("handled above"),
        Bulk::Assign(owner) => f.owner_id = owner.clone(),
        Bulk::Tag(tags) => {
            for t in tags {
                if !f.tags.contains(t) {
                    f.tags.push(t.clone());
                }
            }
            // the customer's own tags first; what does not fit is not added
            f.tags.truncate(crate::limits::MAX_TAGS.max(c.tags.len()));
        }
        Bulk::Untag(tags) => f.tags.retain(|t| !tags.contains(t)),
    }
    if f == before {
        return Ok(false);
    }
    db::customers::update(tx, &c.id, &f, now)?;
    Ok(true)
}

/// The audit line: the act, how many, and the first customers by name and number (a deleted
/// customer is still named there).
fn audit_detail(action: &Bulk, owner: Option<&str>, names: &[String]) -> String {
    const NAMED: usize = 20;
    let mut detail = format!("{} {} 位客户", action.audit_words(), names.len());
    match action {
        Bulk::Assign(_) => match owner {
            Some(name) => detail.push_str(&format!("，负责人 {name}")),
            None => detail.push_str("，清除负责人"),
        },
        Bulk::Tag(tags) | Bulk::Untag(tags) => {
            detail.push_str(&format!("，标签 {}", tags.join("、")))
        }
        Bulk::Delete => {}
    }
    if !names.is_empty() {
        detail.push('：');
        detail.push_str(&names[..names.len().min(NAMED)].join("、"));
        if names.len() > NAMED {
            detail.push_str(&format!(" 等 {} 位", names.len()));
        }
    }
    detail
}
