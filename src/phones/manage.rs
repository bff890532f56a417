//! What the PC does with work phones (§3.1, §3.2, §3.4–§3.6): a QR code for a person, the bind
//! status, the phones the caller may see, the primary phone. Visibility per contract §2: a
//! phone or bind request the caller may not see is NOT_FOUND.

use super::bind::{self, NewRequest, RequestKind};
use crate::auth::Caller;
use crate::db::{self, phones::Phone, users::User};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// Where a PC bind request stands (§3.2).
#[derive(Debug, Clone)]
pub enum BindStatus {
    Pending,
    Expired,
    Connected(Box<Phone>),
}

/// A bind request for `user_id` (the caller when `None` or empty), who must be visible to the
/// caller and not disabled. Returns the request and the person it binds to.
pub async fn qr_request(
    state: &State,
    caller: &Caller,
    user_id: Option<&str>,
) -> ApiResult<(NewRequest, User)> {
    let target = match user_id.map(str::trim) {
        None | Some("") => caller.user_id.clone(),
        Some(id) => id.to_string(),
    };
    let user = state.db.run(move |c| db::users::by_id(c, &target)).await?;
    if !caller.can_see(&user.id, &user.department) {
        return Err(ApiError::not_found());
    }
    if user.disabled {
        return Err(ApiError::invalid("该用户已停用，不能绑定手机"));
    }
    let request = bind::create_request(state, RequestKind::Pc, &user.id, &caller.user_id).await?;
    Ok((request, user))
}

/// §3.2: a request the caller made, or one for a person they may see.
pub async fn bind_status(state: &State, caller: &Caller, id: String) -> ApiResult<BindStatus> {
    let (request, phone) = state
        .db
        .run(move |c| {
            let request = db::bind_requests::by_id(c, &id)?;
            let phone = match request.phone_id {
                Some(pid) => Some(db::phones::by_id(c, pid)?),
                None => None,
            };
            Ok::<_, ApiError>((request, phone))
        })
        .await?;
    let visible = request.created_by == caller.user_id
        || caller.can_see(&request.user_id, &request.user_department);
    if !visible {
        return Err(ApiError::not_found());
    }
    Ok(match phone {
        Some(phone) if request.bound_at.is_some() => BindStatus::Connected(Box::new(phone)),
        _ if state.clock.now_ms() >= request.expires_at => BindStatus::Expired,
        _ => BindStatus::Pending,
    })
}

/// The bound phones the caller may see, by owner, primary first.
pub async fn visible_phones(state: &State, caller: &Caller) -> ApiResult<Vec<Phone>> {
    let scope = caller.scope();
    Ok(state
        .db
        .run(move |c| db::phones::active_in_scope(c, &scope))
        .await?)
}

/// Each phone's calls since today's start in the office zone, and that start (the phones
/// list's health columns).
pub async fn calls_today(state: &State) -> ApiResult<(std::collections::HashMap<i64, i64>, i64)> {
    let tz = state.config.timezone;
    let today = crate::times::local_day(state.clock.now_ms(), tz);
    let start = crate::times::day_start_ms(today, tz);
    let counts = state
        .db
        .run(move |c| db::calls::count_by_phone_since(c, start))
        .await?;
    Ok((counts, start))
}

/// A bound phone the caller may see, by the id in the path; NOT_FOUND otherwise.
pub async fn visible_phone(state: &State, caller: &Caller, id: &str) -> ApiResult<Phone> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let phone = state
        .db
        .run(move |c| db::phones::active_by_id(c, id))
        .await?;
    if caller.can_see(&phone.user_id, &phone.owner_department) {
        Ok(phone)
    } else {
        Err(ApiError::not_found())
    }
}

/// §3.5: makes a phone its owner's primary one (the others lose the flag).
pub async fn set_primary(state: &State, caller: &Caller, id: &str) -> ApiResult<()> {
    let phone = visible_phone(state, caller, id).await?;
    state
        .db
        .write(move |tx| {
            // still bound inside the transaction (an unbind may have raced)
            db::phones::active_by_id(tx, phone.id)?;
            db::phones::set_primary(tx, &phone.user_id, phone.id)?;
            Ok::<_, ApiError>(())
        })
        .await
}

/// §3.6: unbinds a phone the caller may see.
pub async fn unbind(state: &State, caller: &Caller, id: &str) -> ApiResult<()> {
    let phone = visible_phone(state, caller, id).await?;
    super::unbind(state, phone.id, super::REASON_ADMIN).await
}
