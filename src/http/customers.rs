//! Customers over HTTP for the PC page (contract §11): list with search and paging, create, update,
//! delete and CSV import (admins and managers only for the last two). Numbers are normalised on
//! the way in and masked for sales staff on the way out (contract §3); the rules are in
//! `customers`.

use serde::{Deserialize, Serialize};
use warp::reply::Response;

use super::query::{Query, paged};
use super::reply;
use crate::auth::Caller;
use crate::customers::{self, Change, FOLLOW_STATUSES, phone};
use crate::db::customer_lists::{CustomerFilter, CustomerSort};
use crate::db::customers::Customer;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::times::{iso_ms, iso_opt, parse_time};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerView {
    id: String,
    name: String,
    company: String,
    phone: String,
    other_phones: Vec<String>,
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
        other_phones: c
            .other_phones
            .iter()
            .map(|n| phone::shown_to(caller, n))
            .collect(),
        id: c.id,
        name: c.name,
        company: c.company,
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
    let filter = customer_filter(&q)?;
    let keyword = filter.keyword.is_some();
    let (rows, total) = customers::list(&state, filter, page.page_size, page.offset()).await?;
    let rows: Vec<_> = rows.into_iter().map(|c| view(&caller, c)).collect();
    Ok(reply::ok(paged(rows, total, page).searched(keyword)))
}

/// 客户's filters and order (its export takes the same).
pub fn customer_filter(q: &Query) -> ApiResult<CustomerFilter> {
    let keyword = q.text("keyword");
    crate::limits::keyword(keyword.as_deref())?;
    crate::limits::name("tag", q.text("tag").as_deref().unwrap_or_default())?;
    Ok(CustomerFilter {
        keyword_digits: keyword.as_deref().and_then(phone::keyword_digits),
        keyword,
        level: q.text("level"),
        follow_status: q.one_of("followStatus", &FOLLOW_STATUSES)?,
        owner_id: q.text("ownerId"),
        tag: q.text("tag"),
        ids: Vec::new(),
        sort: match q.one_of("sort", &CustomerSort::NAMES)? {
            Some(name) => CustomerSort::parse(&name).unwrap_or_default(),
            None => CustomerSort::default(),
        },
    })
}

/// Create and update take the same fields; create needs name and phone.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerBody {
    name: Option<String>,
    company: Option<String>,
    phone: Option<String>,
    other_phones: Option<Vec<String>>,
    level: Option<String>,
    tags: Option<Vec<String>>,
    follow_status: Option<String>,
    next_follow_time: Option<String>,
    owner_id: Option<String>,
    notes: Option<String>,
    /// 新建客户 from a call (the 来电弹屏, 未接来电): its number, when `phone` is not given.
    from_call_id: Option<String>,
}

impl CustomerBody {
    /// The change it asks for; an empty `nextFollowTime` clears the time.
    fn change(self, tz: chrono_tz::Tz) -> ApiResult<Change> {
        let next_follow_time = match self.next_follow_time {
            None => None,
            Some(t) if t.trim().is_empty() => Some(None),
            Some(t) => {
                Some(Some(parse_time(&t, tz).ok_or_else(|| {
                    ApiError::invalid("nextFollowTime 须为ISO时间")
                })?))
            }
        };
        Ok(Change {
            name: self.name,
            company: self.company,
            phone: self.phone,
            other_phones: self.other_phones,
            level: self.level,
            tags: self.tags,
            follow_status: self.follow_status,
            next_follow_time,
            owner_id: self.owner_id,
            notes: self.notes,
        })
    }
}

/// POST /api/v1/customers
pub async fn create(state: State, caller: Caller, mut b: CustomerBody) -> ApiResult<Response> {
    let from_call = b.from_call_id.take();
    if let (None, Some(id)) = (&b.phone, &from_call) {
        crate::limits::name("fromCallId", id)?;
        b.phone = Some(crate::calls::inbound::number_of(&state, &caller, id).await?);
    }
    let change = b.change(state.config.timezone)?;
    let customer = customers::create(&state, &caller, change).await?;
    // the calls of that number so far are this customer's (the ring it was made from too)
    crate::calls::inbound::link_new_customer(&state, &customer).await?;
    Ok(reply::ok_with("客户创建成功", view(&caller, customer)))
}

/// GET /api/v1/customers/{id}
///
/// One customer, as the list shows it (the customer page, issue 14).
pub async fn detail(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    let customer = customers::get(&state, id).await?;
    Ok(reply::ok(view(&caller, customer)))
}

/// PUT /api/v1/customers/{id}
pub async fn update(
    id: String,
    state: State,
    caller: Caller,
    b: CustomerBody,
) -> ApiResult<Response> {
    if b.from_call_id.is_some() {
        return Err(ApiError::invalid_field(
            "fromCallId",
            "fromCallId 只用于新建客户",
        ));
    }
    let change = b.change(state.config.timezone)?;
    let customer = customers::update(&state, id, change).await?;
    Ok(reply::ok_with("客户已更新", view(&caller, customer)))
}

/// DELETE /api/v1/customers/{id}
pub async fn delete(id: String, state: State, caller: Caller) -> ApiResult<Response> {
    customers::delete(&state, &caller, id).await?;
    Ok(reply::ok_message("客户已删除"))
}
