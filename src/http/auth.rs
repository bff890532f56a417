//! Ping, login and "who am I" (§2.0, §2.1, contract §2 and §11).

use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::reply::Response;

use super::ClientAddr;
use crate::auth::{Caller, token};
use crate::db::users::User;
use crate::error::ApiResult;
use crate::http::reply;
use crate::state::State;

/// GET /api/v1/mobile/ping
pub async fn ping() -> ApiResult<Response> {
    Ok(reply::ok_with(
        "pong",
        json!({
            "serverTime": crate::times::iso_ms(crate::times::now_ms()),
            "version": env!("CARGO_PKG_VERSION"),
            "serverName": "CRM外呼系统",
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    username: String,
    password: String,
    /// The app sends its device; a login does not need it (binding does).
    #[serde(default)]
    #[allow(dead_code)]
    device_info: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The user as §2.1 shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub real_name: String,
    /// The real name, or the username without one: what the page's header shows.
    pub display_name: String,
    pub department: String,
    pub role: &'static str,
}

impl From<&User> for UserSummary {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            username: u.username.clone(),
            real_name: u.real_name.clone(),
            display_name: u.display_name.clone(),
            department: u.department.clone(),
            role: u.role.as_str(),
        }
    }
}

/// POST /api/v1/mobile/login
/// POST /api/v1/auth/login
pub async fn login(
    state: State,
    addr: Option<ClientAddr>,
    req: LoginRequest,
) -> ApiResult<Response> {
    let addr = addr.map(|ClientAddr(a)| a.ip());
    let done = crate::auth::login::login(&state, &req.username, req.password, addr).await?;
    let office = state.db.run(|c| crate::settings::office_name(c)).await?;
    let summary = UserSummary::from(&done.user);
    let mut user = serde_json::to_value(summary).map_err(crate::error::ApiError::internal)?;
    // 2.4.0 shows these as 租户 (contract §14): one office per box
    user["tenantName"] = json!(office);
    // the page's "today" and times are the office's, not the PC's clock (issue 30, item 8)
    user["timezone"] = json!(state.config.timezone.name());
    // §2.1 shows no message: the contract's default (§1)
    Ok(reply::ok(json!({
        "token": done.token,
        "expiresIn": token::LOGIN_TTL_SECS,
        "user": user,
    })))
}

/// GET /api/v1/auth/me
pub async fn me(state: State, caller: Caller) -> ApiResult<Response> {
    Ok(reply::ok(json!({
        "id": caller.user_id,
        "username": caller.username,
        "realName": caller.real_name,
        "displayName": caller.display_name,
        "department": caller.department,
        "role": caller.role.as_str(),
        "phoneId": caller.phone_id,
        // 概览's first-run checklist (issue 30, item 9): a password change renews the user's
        // sessions, so a version still 0 means the password the user was given is still theirs
        "passwordChanged": caller.token_version > 0,
        // the office's zone: the page shows times and "today" in it, whatever the PC's clock
        "timezone": state.config.timezone.name(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnPassword {
    old_password: String,
    new_password: String,
}

/// PUT /api/v1/auth/password
///
/// 我的账号: change one's own password (issue 14). This session goes on with the new token in
/// the answer; every other one ends.
pub async fn change_password(
    state: State,
    caller: Caller,
    req: OwnPassword,
) -> ApiResult<Response> {
    let token = crate::auth::login::change_own_password(
        &state,
        &caller,
        req.old_password,
        req.new_password,
    )
    .await?;
    Ok(reply::ok_with(
        "密码已修改，其他登录需重新登录",
        json!({ "token": token, "expiresIn": token::LOGIN_TTL_SECS }),
    ))
}
