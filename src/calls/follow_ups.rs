//! Follow-ups and contract §7: the phone's follow-up after a call (§5.1), synced in one
//! transaction to the call, a new follow-up and the customer; and a follow-up written by hand
//! (§5.12). The HTTP routes and the PC page's after-call form both come here.

use serde_json::json;

use super::store;
use super::visible_call;
use crate::auth::Caller;
use crate::db::call_events::Source;
use crate::db::calls::Call;
use crate::db::customers::Customer;
use crate::db::follow_ups::{FollowUp, FollowUpFilter};
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits;
use crate::state::State;

pub const INTENTIONS: [&str; 4] = ["high", "medium", "low", "none"];
pub const PRIORITIES: [&str; 3] = ["high", "medium", "low"];
pub const STATUSES: [&str; 2] = ["pending", "completed"];

/// §5.1: what the phone sends after a call, already parsed (times as epoch ms).
#[derive(Debug, Clone, Default)]
pub struct AfterCall {
    pub call_id: String,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
    pub intention: Option<String>,
    pub follow_up_required: Option<bool>,
    pub next_follow_up: Option<i64>,
    pub customer_id: Option<String>,
}

/// §5.12: a follow-up written by hand, already parsed.
#[derive(Debug, Clone, Default)]
pub struct NewFollowUp {
    pub call_id: Option<String>,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub kind: Option<String>,
    pub content: String,
    pub intention: Option<String>,
    pub tags: Vec<String>,
    pub next_follow_up: Option<i64>,
    pub priority: Option<String>,
    pub status: Option<String>,
}

/// The ids §5.1 answers with.
#[derive(Debug, Clone)]
pub struct Synced {
    pub call_id: String,
    pub customer_id: Option<String>,
}

fn one_of(name: &str, value: &Option<String>, allowed: &[&str]) -> ApiResult<()> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::invalid(format!(
            "{name} 无效: {v}（可选 {}）",
            allowed.join("/")
        ))),
        _ => Ok(()),
    }
}

/// Contract §7: the customer's follow status for an intention.
pub fn follow_status_for(intention: &str) -> &'static str {
    match intention {
        "high" => "interested",
        "medium" => "considering",
        "low" => "hesitant",
        _ => "not_interested",
    }
}

/// Contract §7: a follow-up's priority follows the intention (`none` is low); medium when the
/// phone sent none.
fn priority_for(intention: Option<&str>) -> &str {
    match intention {
        Some("none") => "low",
        Some(i) => i,
        None => "medium",
    }
}

/// Contract §7 (the §5.2 example): the notes, then `标签: a, b` when there are tags.
pub fn follow_up_content(notes: &str, tags: &[String]) -> String {
    let notes = notes.trim_end();
    match (notes.is_empty(), tags.is_empty()) {
        (_, true) => notes.to_string(),
        (true, false) => format!("标签: {}", tags.join(", ")),
        (false, false) => format!("{notes}\n标签: {}", tags.join(", ")),
    }
}

/// A follow-up always says something: with neither notes nor tags, the call's result.
fn content_or_result(content: String, call: &Call) -> String {
    if !content.is_empty() {
        return content;
    }
    format!(
        "通话结果：{}",
        crate::states::call::status_word(call.call_status())
    )
}

/// A customer id that must exist, else NOT_FOUND (contract §1: an unknown id is 404).
fn existing_customer(conn: &rusqlite::Connection, id: &str) -> ApiResult<Customer> {
    match db::customers::by_id(conn, id) {
        Err(DbError::NotFound) => Err(ApiError::with_message(ErrorCode::NotFound, "客户不存在")),
        other => Ok(other?),
    }
}

/// §5.1 and contract §7 in one transaction: the call gets the notes and tags (and the customer,
/// when it had none), a follow-up is written, and the customer gets the tags (a union), the
/// follow status for the intention, the last contact and the next follow-up time.
pub async fn after_call(state: &State, caller: &Caller, f: AfterCall) -> ApiResult<Synced> {
    one_of("intention", &f.intention, &INTENTIONS)?;
    limits::text("notes", f.notes.as_deref().unwrap_or_default())?;
    let tags = limits::tags("tags", f.tags.clone().unwrap_or_default())?;
    let tz = state.config.timezone;
    let who = caller.clone();
    let clock = state.clock.clone();
    let synced = state
        .db
        .write(move |tx| {
            let call = visible_call(tx, &who, f.call_id.trim())?;
            let customer = match f.customer_id.as_deref().or(call.customer_id.as_deref()) {
                Some(id) => Some(existing_customer(tx, id)?),
                None => None,
            };
            let now = clock.now_ms();
            let mut next_call = call.clone();
            if let Some(notes) = &f.notes {
                next_call.notes = notes.clone();
            }
            // tags are added, never replaced: the phone and the page each send what they saw,
            // and a stale copy must not drop a tag the other just added (issue 14)
            next_call.call_tags = merged(&call.call_tags, &tags);
            if let Some(required) = f.follow_up_required {
                next_call.follow_up_required = required;
            }
            if let (None, Some(c)) = (&call.customer_id, &customer) {
                next_call.customer_id = Some(c.id.clone());
                next_call.customer_name = c.name.clone();
            }
            next_call.updated_at = now;
            store::update(tx, tz, &call, &next_call)?;

            write_after_call_follow_up(tx, &f, &call, &next_call, customer.as_ref(), now)?;
            db::call_events::insert(tx, &call.id, Source::FollowUp, "followup", &json!({}), now)?;
            // the wrap-up is over: a dialing session may go on (a callback time re-queues)
            super::list_outcome::follow_up_submitted(tx, &call.id, f.next_follow_up, now)?;

            if let Some(c) = &customer {
                db::customers::record_follow_up(
                    tx,
                    &c.id,
                    &merged(&c.tags, &tags),
                    f.intention.as_deref().map(follow_status_for),
                    call.end_time.unwrap_or(now),
                    f.next_follow_up,
                    now,
                )?;
            }
            Ok::<_, ApiError>(Synced {
                call_id: call.id,
                customer_id: customer.map(|c| c.id),
            })
        })
        .await?;
    state.dialer_bell.ring_if_dialing();
    Ok(synced)
}

/// Tags in `old` then the new ones from `new`, each once.
pub fn merged(old: &[String], new: &[String]) -> Vec<String> {
    let mut all = old.to_vec();
    all.extend(new.iter().filter(|t| !old.contains(t)).cloned());
    all
}

/// The call's one after-call follow-up: written by the first §5.1 for the call, edited by the
/// next (the phone's form and the PC page's both submit one). It is the call owner's to follow
/// up, whoever filled the form; its content is the call's notes and all tags given so far.
fn write_after_call_follow_up(
    tx: &rusqlite::Connection,
    f: &AfterCall,
    call: &Call,
    next_call: &Call,
    customer: Option<&Customer>,
    now: i64,
) -> ApiResult<()> {
    let tags = next_call.call_tags.clone();
    let status = |required: bool| if required { "pending" } else { "completed" };
    if let Some(mut existing) = db::follow_ups::after_call_of(tx, &call.id)? {
        existing.call_tags = merged(&existing.call_tags, &tags);
        let content = follow_up_content(&next_call.notes, &existing.call_tags);
        existing.content = content_or_result(content, call);
        if f.intention.is_some() {
            existing.intention = f.intention.clone();
            existing.priority = priority_for(f.intention.as_deref()).into();
        }
        if f.next_follow_up.is_some() {
            existing.next_follow_up = f.next_follow_up;
        }
        if let Some(required) = f.follow_up_required {
            existing.status = status(required).into();
        }
        db::follow_ups::update(tx, &existing, now)?;
        return Ok(());
    }
    let content = follow_up_content(&next_call.notes, &tags);
    db::follow_ups::insert(
        tx,
        &FollowUp {
            id: crate::ids::follow_up_id(),
            call_id: Some(call.id.clone()),
            customer_id: customer.map(|c| c.id.clone()),
            customer_name: customer
                .map(|c| c.name.clone())
                .unwrap_or_else(|| call.customer_name.clone()),
            user_id: call.user_id.clone(),
            user_name: call.user_name.clone(),
            kind: "call".into(),
            content: content_or_result(content, call),
            priority: priority_for(f.intention.as_deref()).into(),
            intention: f.intention.clone(),
            call_tags: tags,
            next_follow_up: f.next_follow_up,
            status: status(f.follow_up_required.unwrap_or(false)).into(),
            created_at: now,
            after_call: true,
        },
        now,
    )?;
    Ok(())
}

/// §5.12: a follow-up written by hand, on a call the caller may see and/or a customer.
pub async fn create(state: &State, caller: &Caller, n: NewFollowUp) -> ApiResult<FollowUp> {
    one_of("customerIntent", &n.intention, &INTENTIONS)?;
    one_of("priority", &n.priority, &PRIORITIES)?;
    one_of("status", &n.status, &STATUSES)?;
    limits::text("content", &n.content)?;
    let kind = n.kind.clone().unwrap_or_else(|| "call".into());
    if kind.trim().is_empty() || kind.chars().count() > 32 {
        return Err(ApiError::invalid("type 无效"));
    }
    let tags = limits::tags("callTags", n.tags.clone())?;
    // the content a follow-up shows is contract §7's, whoever writes it: the text, then the tags
    let content = follow_up_content(&n.content, &tags);
    if content.trim().is_empty() {
        return Err(ApiError::invalid_field("content", "内容不能为空"));
    }
    let who = caller.clone();
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            let call = match &n.call_id {
                Some(id) => Some(visible_call(tx, &who, id)?),
                None => None,
            };
            let customer_id = n
                .customer_id
                .clone()
                .or_else(|| call.as_ref().and_then(|c| c.customer_id.clone()));
            let customer = match &customer_id {
                Some(id) => Some(existing_customer(tx, id)?),
                None => None,
            };
            let name = n
                .customer_name
                .clone()
                .or_else(|| customer.as_ref().map(|c| c.name.clone()))
                .or_else(|| call.as_ref().map(|c| c.customer_name.clone()))
                .unwrap_or_default();
            let f = FollowUp {
                id: crate::ids::follow_up_id(),
                call_id: call.map(|c| c.id),
                customer_id,
                customer_name: name,
                user_id: who.user_id.clone(),
                user_name: who.display_name.clone(),
                kind,
                content,
                intention: n.intention,
                call_tags: tags,
                next_follow_up: n.next_follow_up,
                priority: n.priority.unwrap_or_else(|| "medium".into()),
                status: n.status.unwrap_or_else(|| "pending".into()),
                created_at: now,
                after_call: false,
            };
            db::follow_ups::insert(tx, &f, now)?;
            Ok::<_, ApiError>(db::follow_ups::by_id(tx, &f.id)?)
        })
        .await
}

/// §5.11: the follow-ups the caller may see, newest first, with the total.
pub async fn list(
    state: &State,
    caller: &Caller,
    filter: FollowUpFilter,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<FollowUp>, i64)> {
    let scope = caller.scope();
    Ok(state
        .db
        .run(move |c| db::follow_ups::list(c, &scope, &filter, limit, offset))
        .await?)
}
