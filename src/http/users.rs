//! The users API for the admin page (contract §11). Admins manage users; a manager may list the
//! users of their department (the page's "person" filters need them); sales staff get 403.

use serde::{Deserialize, Serialize};
use warp::reply::Response;

use crate::audit::Actor;
use crate::auth::{Caller, Role, Scope};
use crate::db::users::User;
use crate::error::ApiResult;
use crate::http::reply;
use crate::state::State;
use crate::times::iso_ms;
use crate::users;

/// A user as the admin page sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    id: String,
    username: String,
    real_name: String,
    display_name: String,
    department: String,
    role: &'static str,
    disabled: bool,
    created_at: String,
    updated_at: String,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            real_name: u.real_name,
            display_name: u.display_name,
            department: u.department,
            role: u.role.as_str(),
            disabled: u.disabled,
            created_at: iso_ms(u.created_at),
            updated_at: iso_ms(u.updated_at),
        }
    }
}

/// GET /api/v1/users
pub async fn list(state: State, caller: Caller) -> ApiResult<Response> {
    caller.require_manager()?;
    let scope = caller.scope();
    let visible: Vec<UserView> = users::list(&state.db)
        .await?
        .into_iter()
        .filter(|u| match &scope {
            Scope::Department(d) => &u.department == d || u.id == caller.user_id,
            _ => true,
        })
        .map(UserView::from)
        .collect();
    Ok(reply::ok(visible))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateUser {
    username: String,
    password: String,
    #[serde(default)]
    real_name: String,
    #[serde(default)]
    department: String,
    #[serde(default = "default_role")]
    role: Role,
}

fn default_role() -> Role {
    Role::SalesStaff
}

/// POST /api/v1/users
pub async fn create(state: State, caller: Caller, req: CreateUser) -> ApiResult<Response> {
    caller.require_admin()?;
    let new = users::NewUser {
        username: req.username,
        password: req.password,
        real_name: req.real_name,
        department: req.department,
        role: req.role,
    };
    let user = users::create(
        &state.db,
        state.clock.now_ms(),
        &state.hashing,
        &Actor::of(&caller),
        new,
    )
    .await?;
    tracing::info!(by = %caller.username, user = %user.username, "user created");
    Ok(reply::ok_with("用户创建成功", UserView::from(user)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    real_name: Option<String>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    department: Option<String>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    role: Option<Role>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    disabled: Option<bool>,
}

/// PUT /api/v1/users/{id}
pub async fn update(
    id: String,
    state: State,
    caller: Caller,
    req: UpdateUser,
) -> ApiResult<Response> {
    caller.require_admin()?;
    let change = users::Change {
        real_name: req.real_name,
        department: req.department,
        role: req.role,
        disabled: req.disabled,
    };
    let user = users::update(
        &state.db,
        state.clock.now_ms(),
        &Actor::of(&caller),
        &id,
        change,
    )
    .await?;
    if user.disabled {
        // the phones' sockets and the page's live feed close now, not at the next re-check
        state.hub.end_sessions(&user.id);
    }
    tracing::info!(by = %caller.username, user = %user.username, "user updated");
    Ok(reply::ok_with("用户已更新", UserView::from(user)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    password: String,
}

/// PUT /api/v1/users/{id}/password
pub async fn reset_password(
    id: String,
    state: State,
    caller: Caller,
    req: ResetPassword,
) -> ApiResult<Response> {
    caller.require_admin()?;
    users::set_password(
        &state.db,
        state.clock.now_ms(),
        &state.hashing,
        &Actor::of(&caller),
        &id,
        req.password,
    )
    .await?;
    // the reset revoked every token of the user, the phones' device tokens too
    state.hub.end_sessions(&id);
    Ok(reply::ok_message("密码已重置"))
}
