//! Whose phone rings (issue 14): an admin may make anyone's phone dial, a manager anyone's in
//! their department, a salesperson only their own. Asked for nothing, DialBox picks the
//! customer's 负责人 when that person has an online phone the caller may use, else the caller's
//! own phone. The call then belongs to the person whose phone dials.

use rusqlite::Connection;

use super::refusal::{Refusal, RefusalResult};
use crate::auth::Caller;
use crate::db::phones::Phone;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::hub::Hub;
use crate::state::State;

/// The salesperson whose phone dials, and that phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenPhone {
    pub user_id: String,
    pub user_name: String,
    pub department: String,
    pub phone_id: i64,
}

/// What the caller asked for in §5.0: a person (`userId`), a phone (`phoneId`), or neither.
#[derive(Debug, Clone, Copy, Default)]
pub struct Asked<'a> {
    pub user_id: Option<&'a str>,
    pub phone_id: Option<i64>,
}

fn phone_not_found() -> Refusal {
    Refusal::NoPhone(ApiError::with_message(
        ErrorCode::NotFound,
        "该工作手机不存在",
    ))
}

fn person_not_found() -> Refusal {
    Refusal::NoPhone(ApiError::with_message(ErrorCode::NotFound, "用户不存在"))
}

/// Chooses the dialer. A phone or a person the caller may not dial for is 404 (as any record
/// they cannot see); a known person without a bound phone is DEVICE_NOT_BOUND, with none online
/// DEVICE_OFFLINE.
pub fn choose(
    conn: &Connection,
    hub: &Hub,
    caller: &Caller,
    asked: Asked<'_>,
    customer_owner: Option<&str>,
) -> RefusalResult<ChosenPhone> {
    if let Some(id) = asked.phone_id {
        let phone = match db::phones::active_by_id(conn, id) {
            Ok(p) => p,
            Err(DbError::NotFound) => return Err(phone_not_found()),
            Err(e) => return Err(e.into()),
        };
        let other_person = asked.user_id.is_some_and(|u| u != phone.user_id);
        if other_person || !caller.can_see(&phone.user_id, &phone.owner_department) {
            return Err(phone_not_found());
        }
        if !hub.is_online(phone.id) {
            return Err(Refusal::NoPhone(ApiError::new(ErrorCode::DeviceOffline)));
        }
        return Ok(chosen(&phone));
    }
    if let Some(user_id) = asked.user_id {
        return person(conn, hub, caller, user_id);
    }
    let owner = customer_owner.filter(|o| *o != caller.user_id);
    if let Some(owner) = owner
        && let Ok(phone) = person(conn, hub, caller, owner)
    {
        return Ok(phone);
    }
    person(conn, hub, caller, &caller.user_id)
}

/// The phone of one person the caller may dial for.
fn person(
    conn: &Connection,
    hub: &Hub,
    caller: &Caller,
    user_id: &str,
) -> RefusalResult<ChosenPhone> {
    let user = match db::users::by_id(conn, user_id) {
        Ok(u) => u,
        Err(DbError::NotFound) => return Err(person_not_found()),
        Err(e) => return Err(e.into()),
    };
    if !caller.can_see(&user.id, &user.department) {
        return Err(person_not_found());
    }
    if user.disabled {
        return Err(Refusal::NoPhone(ApiError::invalid("该用户已停用")));
    }
    let bound = db::phones::active_of_user(conn, &user.id)?;
    if bound.is_empty() {
        return Err(Refusal::NoPhone(ApiError::new(ErrorCode::DeviceNotBound)));
    }
    let online: Vec<&Phone> = bound.iter().filter(|p| hub.is_online(p.id)).collect();
    // the primary if online, else the most recently active online phone (the hub holds the
    // live last activity; the row's value may be a minute old)
    online
        .iter()
        .find(|p| p.is_primary)
        .or_else(|| {
            online
                .iter()
                .max_by_key(|p| (hub.last_active(p.id).or(p.last_active_at), p.id))
        })
        .map(|p| chosen(p))
        .ok_or_else(|| Refusal::NoPhone(ApiError::new(ErrorCode::DeviceOffline)))
}

fn chosen(phone: &Phone) -> ChosenPhone {
    ChosenPhone {
        user_id: phone.user_id.clone(),
        user_name: phone.owner_name.clone(),
        department: phone.owner_department.clone(),
        phone_id: phone.id,
    }
}

/// The phones the caller may dial with right now (online, in their scope), and the one a dial
/// that asks for nothing would use: what the page shows before anything rings.
pub struct Choices {
    pub online: Vec<Phone>,
    pub default: Option<ChosenPhone>,
    /// Why nothing would ring by default (DEVICE_NOT_BOUND, DEVICE_OFFLINE), when nothing would.
    pub default_refusal: Option<ApiError>,
}

pub fn choices(
    conn: &Connection,
    hub: &Hub,
    caller: &Caller,
    customer_owner: Option<&str>,
) -> ApiResult<Choices> {
    let online = db::phones::active_in_scope(conn, &caller.scope())?
        .into_iter()
        .filter(|p| hub.is_online(p.id))
        .collect();
    let (default, default_refusal) =
        match choose(conn, hub, caller, Asked::default(), customer_owner) {
            Ok(d) => (Some(d), None),
            Err(Refusal::Failed(e)) => return Err(e),
            Err(refusal) => (None, Some(refusal.into())),
        };
    Ok(Choices {
        online,
        default,
        default_refusal,
    })
}

/// The choices for a dial of `customer_id` (or of a bare number): one read, no write.
pub async fn choices_for(
    state: &State,
    caller: &Caller,
    customer_id: Option<String>,
) -> ApiResult<Choices> {
    let hub = state.hub.clone();
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            let owner = match customer_id
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                Some(id) => match db::customers::by_id(conn, id) {
                    Ok(c) => c.owner_id,
                    Err(DbError::NotFound) => {
                        return Err(ApiError::with_message(ErrorCode::NotFound, "客户不存在"));
                    }
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            choices(conn, &hub, &caller, owner.as_deref())
        })
        .await
}
