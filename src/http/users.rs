//! The users API for the admin page (contract §11). Admins manage users; a manager may list the
//! users of their department (the page's "person" filters need them); sales staff get 403.

use serde::{Deserialize, Serialize};
use warp::reply::Response;

use crate::auth::{Caller, Role, Scope, password};
use crate::db::{self, users::User};
use crate::error::{ApiError, ApiResult};
use crate::http::reply;
use crate::state::State;
use crate::times::iso_ms;

/// A user as the admin page sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    id: String,
    username: String,
    real_name: String,
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
    let users = state.db.run(|c| db::users::list(c)).await?;
    let visible: Vec<UserView> = users
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

/// Usernames: 2–32 of letters, digits and `_ . - @`, so they are easy to type on a phone.
pub fn check_username(username: &str) -> ApiResult<()> {
    let ok_len = (2..=32).contains(&username.chars().count());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-@".contains(c));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(ApiError::invalid("用户名须为2到32位字母、数字或 _ . - @"))
    }
}

pub fn check_password(password: &str) -> ApiResult<()> {
    let len = password.chars().count();
    if !(password::MIN_LENGTH..=128).contains(&len) {
        return Err(ApiError::invalid("密码长度须为6到128位"));
    }
    Ok(())
}

fn check_text(field: &str, value: &str) -> ApiResult<()> {
    if value.chars().count() > 64 {
        return Err(ApiError::invalid(format!("{field}过长（最多64字）")));
    }
    Ok(())
}

/// Hashes on a blocking thread, at most `hashing` at a time.
async fn hash_password(state: &State, plain: String) -> ApiResult<String> {
    let _permit = state.hashing.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || password::hash(&plain))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// POST /api/v1/users
pub async fn create(state: State, caller: Caller, req: CreateUser) -> ApiResult<Response> {
    caller.require_admin()?;
    let username = req.username.trim().to_string();
    check_username(&username)?;
    check_password(&req.password)?;
    check_text("姓名", &req.real_name)?;
    check_text("部门", &req.department)?;
    let hash = hash_password(&state, req.password).await?;
    let user = state
        .db
        .write(move |tx| {
            if db::users::username_taken(tx, &username)? {
                return Err(ApiError::invalid("用户名已存在"));
            }
            Ok(db::users::insert(
                tx,
                &db::users::NewUser {
                    id: &crate::ids::user_id(),
                    username: &username,
                    password_hash: &hash,
                    real_name: req.real_name.trim(),
                    department: req.department.trim(),
                    role: req.role,
                },
            )?)
        })
        .await?;
    tracing::info!(by = %caller.username, user = %user.username, "user created");
    Ok(reply::ok_with("用户创建成功", UserView::from(user)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUser {
    real_name: Option<String>,
    department: Option<String>,
    role: Option<Role>,
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
    for (field, value) in [("姓名", &req.real_name), ("部门", &req.department)] {
        if let Some(v) = value {
            check_text(field, v)?;
        }
    }
    let self_id = caller.user_id.clone();
    let user = state
        .db
        .write(move |tx| {
            let current = db::users::by_id(tx, &id)?;
            let loses_admin = current.role == Role::Admin
                && (req.role.is_some_and(|r| r != Role::Admin) || req.disabled == Some(true));
            if loses_admin && db::users::other_active_admins(tx, &id)? == 0 {
                return Err(ApiError::invalid("至少需要保留一个可用的管理员"));
            }
            if req.disabled == Some(true) && id == self_id {
                return Err(ApiError::invalid("不能停用自己的账号"));
            }
            let mut user = db::users::update_profile(
                tx,
                &id,
                req.real_name.as_deref().map(str::trim),
                req.department.as_deref().map(str::trim),
                req.role,
            )?;
            if let Some(disabled) = req.disabled {
                user = db::users::set_disabled(tx, &id, disabled)?;
            }
            Ok::<_, ApiError>(user)
        })
        .await?;
    if user.disabled {
        close_phone_sockets(&state, &user.id);
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
    check_password(&req.password)?;
    // 404 before spending a hash on a user that does not exist
    let lookup = id.clone();
    state.db.run(move |c| db::users::by_id(c, &lookup)).await?;
    let hash = hash_password(&state, req.password).await?;
    let user_id = id.clone();
    state
        .db
        .write(move |tx| db::users::set_password(tx, &id, &hash))
        .await?;
    // the reset revoked every token of the user, the phones' device tokens too
    close_phone_sockets(&state, &user_id);
    Ok(reply::ok_message("密码已重置"))
}

/// Closes the sockets of a user's phones whose tokens were just revoked: a socket checked its
/// token only when it connected, and would otherwise go on reporting calls for a disabled user.
fn close_phone_sockets(state: &State, user_id: &str) {
    for phone_id in state.hub.online_phones(user_id) {
        state.hub.close(phone_id);
    }
}
