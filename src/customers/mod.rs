//! Customers belong to the office (contract §2, §11): phone numbers are kept normalised so a
//! dial, a report and an import all find the same customer, and shown masked to sales staff.
//! Creating, changing, deleting and importing customers happen here, each one transaction.

pub mod bulk;
pub mod import;
pub mod import_columns;
pub mod import_rows;
pub mod import_undo;
pub mod import_write;
pub mod phone;
pub mod sheet;
pub mod words;

use crate::auth::Caller;
use crate::db::customer_lists::CustomerFilter;
use crate::db::customers::{Customer, CustomerFields};
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits;
use crate::state::State;

pub const FOLLOW_STATUSES: [&str; 7] = [
    "new",
    "contacted",
    "interested",
    "considering",
    "hesitant",
    "not_interested",
    "deal",
];

/// Longest 公司 kept (a registered company name is at most 50 characters in China).
pub const COMPANY_CHARS: usize = 100;

/// The fields a create or update gives, already parsed; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub name: Option<String>,
    pub company: Option<String>,
    pub phone: Option<String>,
    /// The whole list of other numbers; an empty list clears them.
    pub other_phones: Option<Vec<String>>,
    pub level: Option<String>,
    pub tags: Option<Vec<String>>,
    pub follow_status: Option<String>,
    /// `Some(None)` clears the time.
    pub next_follow_time: Option<Option<i64>>,
    /// An empty id clears the owner.
    pub owner_id: Option<String>,
    pub notes: Option<String>,
}

/// Merges a change into `f`, checking each given field.
fn merge(f: &mut CustomerFields, c: Change) -> ApiResult<()> {
    if let Some(name) = c.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::invalid_field("name", "客户姓名不能为空"));
        }
        limits::name("name", name)?;
        f.name = name.to_string();
    }
    if let Some(company) = c.company {
        limits::at_most("company", company.trim(), COMPANY_CHARS)?;
        f.company = company.trim().to_string();
    }
    if let Some(raw) = c.phone {
        f.phone = phone::normalize(&raw)
            .ok_or_else(|| ApiError::invalid_field("phone", "电话号码无效"))?;
    }
    if let Some(raw) = c.other_phones {
        f.other_phones = other_phones(&raw)?;
    }
    // a number promoted to the main one leaves the others
    f.other_phones.retain(|n| *n != f.phone);
    if let Some(level) = c.level {
        limits::at_most("level", level.trim(), limits::TAG_CHARS)?;
        f.level = level.trim().to_string();
    }
    if let Some(tags) = c.tags {
        // counted before any work on them (issue 13, item 11)
        if tags.len() > limits::MAX_TAGS {
            return Err(ApiError::invalid_field(
                "tags",
                format!("标签最多{}个", limits::MAX_TAGS),
            ));
        }
        let joined = tags.join("、");
        f.tags = import_rows::split_tags(&joined);
        limits::at_most("tags", &joined, 500)?;
    }
    if let Some(s) = c.follow_status {
        if !FOLLOW_STATUSES.contains(&s.as_str()) {
            return Err(ApiError::invalid_field(
                "followStatus",
                format!("跟进状态无效: {s}"),
            ));
        }
        f.follow_status = s;
    }
    if let Some(t) = c.next_follow_time {
        f.next_follow_time = t;
    }
    if let Some(owner) = c.owner_id {
        f.owner_id = Some(owner).filter(|o| !o.trim().is_empty());
    }
    if let Some(notes) = c.notes {
        limits::text("notes", &notes)?;
        f.notes = notes;
    }
    Ok(())
}

/// A customer's other numbers, normalised and without repeats: at most
/// [`limits::MAX_OTHER_PHONES`], each a number (contract §14).
pub fn other_phones(raw: &[String]) -> ApiResult<Vec<String>> {
    let mut numbers: Vec<String> = Vec::with_capacity(raw.len());
    for text in raw.iter().filter(|t| !t.trim().is_empty()) {
        let number = phone::normalize(text).ok_or_else(|| {
            ApiError::invalid_field("otherPhones", format!("其他号码无效: {}", text.trim()))
        })?;
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    if numbers.len() > limits::MAX_OTHER_PHONES {
        return Err(ApiError::invalid_field(
            "otherPhones",
            format!("其他号码最多{}个", limits::MAX_OTHER_PHONES),
        ));
    }
    Ok(numbers)
}

/// Checks, inside the write, that the numbers are free and the owner exists.
fn check_refs(tx: &rusqlite::Transaction<'_>, id: &str, f: &CustomerFields) -> ApiResult<()> {
    let main = std::iter::once(("phone", &f.phone));
    for (field, number) in main.chain(f.other_phones.iter().map(|n| ("otherPhones", n))) {
        if let Some(other) = db::customers::by_phone(tx, number)?
            && other.id != id
        {
            return Err(ApiError::invalid_field(
                field,
                format!("号码 {number} 已属于客户 {}", other.name),
            ));
        }
    }
    if let Some(owner) = &f.owner_id {
        match db::users::by_id(tx, owner) {
            Err(DbError::NotFound) => {
                return Err(ApiError::invalid_field("ownerId", "负责人不存在"));
            }
            other => {
                other?;
            }
        }
    }
    Ok(())
}

/// One page of customers and the number of all matches.
pub async fn list(
    state: &State,
    filter: CustomerFilter,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<Customer>, i64)> {
    Ok(state
        .db
        .run(move |c| db::customer_lists::list(c, &filter, limit, offset))
        .await?)
}

/// A new customer: name and phone are required; the creator owns it unless told otherwise.
/// One customer (customers belong to the office: every user may see them, contract §2).
pub async fn get(state: &State, id: String) -> ApiResult<Customer> {
    state
        .db
        .run(move |c| match db::customers::by_id(c, &id) {
            Err(DbError::NotFound) => {
                Err(ApiError::with_message(ErrorCode::NotFound, "客户不存在"))
            }
            other => Ok(other?),
        })
        .await
}

pub async fn create(state: &State, caller: &Caller, change: Change) -> ApiResult<Customer> {
    if change.name.is_none() || change.phone.is_none() {
        return Err(ApiError::invalid("缺少客户姓名或电话"));
    }
    let mut fields = CustomerFields {
        level: "normal".into(),
        follow_status: "new".into(),
        owner_id: Some(caller.user_id.clone()),
        ..Default::default()
    };
    merge(&mut fields, change)?;
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            let id = crate::ids::customer_id();
            check_refs(tx, &id, &fields)?;
            db::customers::insert(tx, &id, &fields, now)?;
            Ok::<_, ApiError>(db::customers::by_id(tx, &id)?)
        })
        .await
}

/// Changes the given fields of customer `id` (NOT_FOUND when there is none).
pub async fn update(state: &State, id: String, change: Change) -> ApiResult<Customer> {
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| {
            let mut fields = db::customers::by_id(tx, &id)?.fields();
            merge(&mut fields, change)?;
            check_refs(tx, &id, &fields)?;
            db::customers::update(tx, &id, &fields, now)?;
            Ok::<_, ApiError>(db::customers::by_id(tx, &id)?)
        })
        .await
}

/// Deletes a customer; admins and managers only. Its calls keep the name they were made with.
pub async fn delete(state: &State, caller: &Caller, id: String) -> ApiResult<()> {
    caller.require_manager()?;
    let who = crate::audit::Actor::of(caller);
    Ok(state
        .db
        .write(move |tx| {
            // named in the line: once deleted, the id alone says nothing (issue 30, item 7)
            let c = db::customers::by_id(tx, &id)?;
            db::customers::delete(tx, &id)?;
            let detail = format!("{}（{}）", c.name, c.phone);
            let action = crate::audit::Action::CustomerDelete;
            crate::audit::record(tx, &who, action, &id, &detail)
        })
        .await?)
}
