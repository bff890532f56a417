//! Customers for the PC page (contract §11): list with search and paging, create, update,
//! delete and CSV import (admins and managers only for the last two). Numbers are normalised on
//! the way in and masked for sales staff on the way out (contract §3).

use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::reply::Response;

use super::query::{Query, paged};
use super::reply;
use crate::auth::Caller;
use crate::customers::{import, phone};
use crate::db::customers::{Customer, CustomerFields, CustomerFilter};
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult};
use crate::limits;
use crate::state::State;
use crate::times::{iso_ms, iso_opt, parse_time};

/// Largest CSV accepted by the import.
pub const IMPORT_LIMIT: u64 = 8 * 1024 * 1024;

pub const FOLLOW_STATUSES: [&str; 7] = [
    "new",
    "contacted",
    "interested",
    "considering",
    "hesitant",
    "not_interested",
    "deal",
];

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerView {
    id: String,
    name: String,
    phone: String,
    level: String,
    tags: Vec<String>,
    follow_status: String,
    last_contact_time: Option<String>,
    next_follow_time: Option<String>,
    owner_id: Option<String>,
    owner_name: Option<String>,
    notes: String,
    created_at: String,
    updated_at: String,
}

fn view(caller: &Caller, c: Customer) -> CustomerView {
    CustomerView {
        phone: phone::shown_to(caller, &c.phone),
        id: c.id,
        name: c.name,
        level: c.level,
        tags: c.tags,
        follow_status: c.follow_status,
        last_contact_time: iso_opt(c.last_contact_time),
        next_follow_time: iso_opt(c.next_follow_time),
        owner_id: c.owner_id,
        owner_name: c.owner_name,
        notes: c.notes,
        created_at: iso_ms(c.created_at),
        updated_at: iso_ms(c.updated_at),
    }
}

/// GET /api/v1/customers
pub async fn list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    let page = q.page()?;
    let keyword = q.text("keyword");
    let filter = CustomerFilter {
        keyword_digits: keyword.as_deref().and_then(phone::keyword_digits),
        keyword,
        level: q.text("level"),
        follow_status: q.one_of("followStatus", &FOLLOW_STATUSES)?,
        owner_id: q.text("ownerId"),
    };
    let (rows, total) = state
        .db
        .run(move |c| db::customers::list(c, &filter, page.page_size, page.offset()))
        .await?;
    let rows: Vec<_> = rows.into_iter().map(|c| view(&caller, c)).collect();
    Ok(reply::ok(paged(rows, total, page)))
}

/// Create and update take the same fields; create needs name and phone.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerBody {
    name: Option<String>,
    phone: Option<String>,
    level: Option<String>,
    tags: Option<Vec<String>>,
    follow_status: Option<String>,
    next_follow_time: Option<String>,
    owner_id: Option<String>,
    notes: Option<String>,
}

/// Merges a body into `f`, checking each given field.
fn merge(f: &mut CustomerFields, b: CustomerBody, tz: chrono_tz::Tz) -> ApiResult<()> {
    if let Some(name) = b.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::invalid("客户姓名不能为空"));
        }
        limits::name("客户姓名", name)?;
        f.name = name.to_string();
    }
    if let Some(raw) = b.phone {
        f.phone = phone::normalize(&raw).ok_or_else(|| ApiError::invalid("电话号码无效"))?;
    }
    if let Some(level) = b.level {
        limits::at_most("客户等级", level.trim(), limits::TAG_CHARS)?;
        f.level = level.trim().to_string();
    }
    if let Some(tags) = b.tags {
        let joined = tags.join("、");
        f.tags = import::split_tags(&joined);
        limits::at_most("标签", &joined, 500)?;
    }
    if let Some(s) = b.follow_status {
        if !FOLLOW_STATUSES.contains(&s.as_str()) {
            return Err(ApiError::invalid(format!("followStatus 无效: {s}")));
        }
        f.follow_status = s;
    }
    if let Some(t) = b.next_follow_time {
        f.next_follow_time = if t.trim().is_empty() {
            None
        } else {
            Some(
                parse_time(&t, tz)
                    .ok_or_else(|| ApiError::invalid("nextFollowTime 须为ISO时间"))?,
            )
        };
    }
    if let Some(owner) = b.owner_id {
        f.owner_id = Some(owner).filter(|o| !o.trim().is_empty());
    }
    if let Some(notes) = b.notes {
        limits::text("备注", &notes)?;
        f.notes = notes;
    }
    Ok(())
}

/// Checks, inside the write, that the number is free and the owner exists.
fn check_refs(tx: &rusqlite::Transaction<'_>, id: &str, f: &CustomerFields) -> ApiResult<()> {
    if let Some(other) = db::customers::by_phone(tx, &f.phone)?
        && other.id != id
    {
        return Err(ApiError::invalid(format!(
            "该号码已属于客户 {}",
            other.name
        )));
    }
    if let Some(owner) = &f.owner_id {
        match db::users::by_id(tx, owner) {
            Err(DbError::NotFound) => return Err(ApiError::invalid("ownerId 用户不存在")),
            other => {
                other?;
            }
        }
    }
    Ok(())
}

/// POST /api/v1/customers
pub async fn create(state: State, caller: Caller, b: CustomerBody) -> ApiResult<Response> {
    if b.name.is_none() || b.phone.is_none() {
        return Err(ApiError::invalid("缺少客户姓名或电话"));
    }
    let mut fields = CustomerFields {
        level: "normal".into(),
        follow_status: "new".into(),
        owner_id: Some(caller.user_id.clone()),
        ..Default::default()
    };
    merge(&mut fields, b, state.config.timezone)?;
    let customer = state
        .db
        .write(move |tx| {
            let id = crate::ids::customer_id();
            check_refs(tx, &id, &fields)?;
            db::customers::insert(tx, &id, &fields)?;
            Ok::<_, ApiError>(db::customers::by_id(tx, &id)?)
        })
        .await?;
    Ok(reply::ok_with("客户创建成功", view(&caller, customer)))
}

/// PUT /api/v1/customers/{id}
pub async fn update(
    id: String,
    state: State,
    caller: Caller,
    b: CustomerBody,
) -> ApiResult<Response> {
    let tz = state.config.timezone;
    let customer = state
        .db
        .write(move |tx| {
            let c = db::customers::by_id(tx, &id)?;
            let mut fields = CustomerFields {
                name: c.name,
                phone: c.phone,
                level: c.level,
                tags: c.tags,
                follow_status: c.follow_status,
                next_follow_time: c.next_follow_time,
                owner_id: c.owner_id,
                notes: c.notes,
            };
            merge(&mut fields, b, tz)?;
            check_refs(tx, &id, &fields)?;
            db::customers::update(tx, &id, &fields)?;
            Ok::<_, ApiError>(db::customers::by_id(tx, &id)?)
        })
        .await?;
    Ok(reply::ok_with("客户已更新", view(&caller, customer)))
}

/// DELETE /api/v1/customers/{id}
pub async fn delete(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    caller.require_manager()?;
    state
        .db
        .write(move |tx| db::customers::delete(tx, &id))
        .await?;
    Ok(reply::ok_message("客户已删除"))
}

/// POST /api/v1/customers/import
pub async fn import_csv(
    state: State,
    caller: Caller,
    bytes: bytes::BytesMut,
) -> ApiResult<Response> {
    caller.require_manager()?;
    let (text, encoding) = import::decode(&bytes)
        .ok_or_else(|| ApiError::invalid("文件编码无法识别（支持UTF-8或GBK）"))?;
    let records =
        import::parse(&text).map_err(|e| ApiError::invalid(format!("CSV格式错误: {e}")))?;
    let (rows, mut skipped) = import::rows(&records);
    let total = rows.len() + skipped.len();
    let (imported, in_db) = state
        .db
        .write(move |tx| {
            let mut imported = 0usize;
            let mut in_db = Vec::new();
            for row in rows {
                if let Some(c) = db::customers::by_phone(tx, &row.phone)? {
                    in_db.push(import::Skipped {
                        row: row.line,
                        reason: format!("号码已存在（客户：{}）", c.name),
                    });
                    continue;
                }
                let status = row.follow_status.unwrap_or_else(|| "new".into());
                if !FOLLOW_STATUSES.contains(&status.as_str()) {
                    in_db.push(import::Skipped {
                        row: row.line,
                        reason: format!("跟进状态无效: {status}"),
                    });
                    continue;
                }
                let fields = CustomerFields {
                    name: row.name,
                    phone: row.phone,
                    level: row.level.unwrap_or_else(|| "normal".into()),
                    tags: row.tags,
                    follow_status: status,
                    next_follow_time: None,
                    owner_id: None,
                    notes: row.notes,
                };
                db::customers::insert(tx, &crate::ids::customer_id(), &fields)?;
                imported += 1;
            }
            Ok::<_, ApiError>((imported, in_db))
        })
        .await?;
    skipped.extend(in_db);
    skipped.sort_by_key(|s| s.row);
    tracing::info!(by = %caller.username, imported, skipped = skipped.len(), "customers imported");
    Ok(reply::ok_with(
        "导入完成",
        json!({
            "total": total,
            "imported": imported,
            "skipped": skipped.len(),
            "errors": skipped,
            "encoding": encoding,
        }),
    ))
}
