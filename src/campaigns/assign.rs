//! Who works which numbers: assignment (evenly, by count, by hand; the unassigned, all open
//! ones or what one person has left), a list's numbers page by page as the caller may see them,
//! and callbacks (再联系) on one number.

use std::collections::HashSet;

use crate::auth::Caller;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::State;
use crate::states::dialer::Queue;

use super::managed;

/// How to split a list's open numbers among salespeople.
#[derive(Debug, Clone)]
pub enum Assign {
    /// Round-robin in list order.
    Even(Vec<String>),
    /// `n` numbers each, in list order.
    Counts(Vec<(String, usize)>),
    /// These numbers to this person.
    Items(String, Vec<i64>),
}

/// Which open numbers an assignment takes: the unassigned (default), all open ones (a
/// reassignment), or one person's (`Some(id)`: what they have left).
#[derive(Debug, Clone, Default)]
pub enum From {
    #[default]
    Unassigned,
    AllOpen,
    Person(String),
}

/// Assigns open numbers (never one being dialed or done); returns how many. Each person must be
/// an active user the caller manages. The assignee becomes the 负责人 of a linked customer that
/// has none.
pub async fn assign(
    state: &State,
    caller: &Caller,
    id: String,
    how: Assign,
    from: From,
) -> ApiResult<usize> {
    let who = caller.clone();
    let actor = crate::audit::Actor::of(caller);
    let clock = state.clock.clone();
    state
        .db
        .write(move |tx| {
            let campaign = managed(tx, &who, &id)?;
            let people: Vec<&String> = match &how {
                Assign::Even(users) => users.iter().collect(),
                Assign::Counts(counts) => counts.iter().map(|(u, _)| u).collect(),
                Assign::Items(user, _) => vec![user],
            };
            if people.is_empty() {
                return Err(ApiError::invalid_field("userIds", "请选择销售人员"));
            }
            let mut names = Vec::with_capacity(people.len());
            for user in &people {
                let u = match db::users::by_id(tx, user) {
                    Ok(u) if who.can_see(&u.id, &u.department) => u,
                    Ok(_) | Err(DbError::NotFound) => {
                        return Err(ApiError::with_message(ErrorCode::NotFound, "用户不存在"));
                    }
                    Err(e) => return Err(e.into()),
                };
                if u.disabled {
                    return Err(ApiError::invalid(format!("用户 {} 已停用", u.username)));
                }
                names.push(u.display_name);
            }
            let now = clock.now_ms();
            let open = match &from {
                From::Unassigned => db::campaign_items::assignable(tx, &campaign.id, Some(None))?,
                From::AllOpen => db::campaign_items::assignable(tx, &campaign.id, None)?,
                From::Person(p) => db::campaign_items::assignable(tx, &campaign.id, Some(Some(p)))?,
            };
            let mut done = 0;
            match how {
                Assign::Even(users) => {
                    for (i, item) in open.iter().enumerate() {
                        db::campaign_items::assign(tx, *item, &users[i % users.len()], now)?;
                        done += 1;
                    }
                }
                Assign::Counts(counts) => {
                    let mut items = open.iter();
                    for (user, n) in counts {
                        for item in items.by_ref().take(n) {
                            db::campaign_items::assign(tx, *item, &user, now)?;
                            done += 1;
                        }
                    }
                }
                Assign::Items(user, ids) => {
                    let open: HashSet<i64> = open.into_iter().collect();
                    for item in ids {
                        if !open.contains(&item) {
                            return Err(ApiError::with_message(
                                ErrorCode::NotFound,
                                format!("号码 {item} 不存在或不可分配"),
                            ));
                        }
                        db::campaign_items::assign(tx, item, &user, now)?;
                        done += 1;
                    }
                }
            }
            let detail = format!("{}：{done} 个号码分给 {}", campaign.name, names.join("、"));
            let action = crate::audit::Action::CampaignAssign;
            crate::audit::record(tx, &actor, action, &campaign.id, &detail)?;
            Ok(done)
        })
        .await
}

/// One page of a list's numbers: a salesperson sees only theirs.
pub async fn page(
    state: &State,
    caller: &Caller,
    id: String,
    assignee: Option<String>,
    queue: Option<Queue>,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<db::campaign_items::Item>, i64)> {
    let who = caller.clone();
    state
        .db
        .run(move |c| {
            let campaign = super::visible(c, &who, &id)?;
            let assignee = if who.role == crate::auth::Role::SalesStaff {
                Some(who.user_id.clone())
            } else {
                assignee
            };
            Ok::<_, ApiError>(db::campaign_items::page(
                c,
                &campaign.id,
                assignee.as_deref(),
                queue,
                limit,
                offset,
            )?)
        })
        .await
}

/// 再联系: puts one of the caller's numbers (or, for admins and managers, one of their
/// people's) back in the queue as a callback due `at`.
pub async fn callback(state: &State, caller: &Caller, item_id: i64, at: i64) -> ApiResult<()> {
    let now = state.clock.now_ms();
    if at <= now {
        return Err(ApiError::invalid_field("at", "再联系时间须在将来"));
    }
    let who = caller.clone();
    state
        .db
        .write(move |tx| {
            let item = item_of(tx, &who, item_id)?;
            if item.queue == Queue::Dialing {
                return Err(ApiError::with_message(
                    ErrorCode::CallStateConflict,
                    "该号码正在拨打，通话结束后再设置",
                ));
            }
            db::campaign_items::set_queue(tx, item.id, Queue::Callback, item.outcome, at, now)?;
            Ok(())
        })
        .await?;
    state.dialer_bell.ring();
    Ok(())
}

/// A number the caller may act on: their own, or one of a person they see; else NOT_FOUND.
fn item_of(
    conn: &rusqlite::Connection,
    caller: &Caller,
    id: i64,
) -> ApiResult<db::campaign_items::Item> {
    let missing = || ApiError::with_message(ErrorCode::NotFound, "号码不存在");
    let item = match db::campaign_items::by_id(conn, id) {
        Err(DbError::NotFound) => return Err(missing()),
        other => other?,
    };
    let allowed = match item.assignee_id.as_deref() {
        Some(a) if a == caller.user_id => true,
        Some(a) => match db::users::by_id(conn, a) {
            Ok(u) => {
                caller.role != crate::auth::Role::SalesStaff && caller.can_see(&u.id, &u.department)
            }
            Err(_) => false,
        },
        None => caller.role != crate::auth::Role::SalesStaff,
    };
    if allowed && super::visible(conn, caller, &item.campaign_id).is_ok() {
        Ok(item)
    } else {
        Err(missing())
    }
}
