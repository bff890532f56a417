//! Users (contract §11): the rules for names and passwords, creating, changing, disabling and
//! re-enabling users, and the last-admin rule — the same operations for the HTTP routes and the
//! `dialbox user` commands, each one write transaction.

use tokio::sync::Semaphore;

use crate::audit::{self, Action, Actor};
use crate::auth::{Role, password};
use crate::db::{self, Db, users::User};
use crate::error::{ApiError, ApiResult};
use crate::limits;

/// A user to create, as typed by an admin.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub real_name: String,
    pub department: String,
    pub role: Role,
}

/// The fields an admin may change; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub real_name: Option<String>,
    pub department: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
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
        Err(ApiError::invalid_field(
            "username",
            "用户名须为2到32位字母、数字或 _ . - @",
        ))
    }
}

pub fn check_password(password: &str) -> ApiResult<()> {
    let len = password.chars().count();
    if !(password::MIN_LENGTH..=128).contains(&len) {
        return Err(ApiError::invalid_field("password", "密码长度须为6到128位"));
    }
    Ok(())
}

/// Hashes on a blocking thread, at most `hashing`'s permits at a time (argon2id holds 19 MiB
/// per hash).
pub async fn hash_password(hashing: &Semaphore, plain: String) -> ApiResult<String> {
    let _permit = hashing.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || password::hash(&plain))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

pub async fn list(db: &Db) -> ApiResult<Vec<User>> {
    Ok(db.run(|c| db::users::list(c)).await?)
}

/// The user called `username`, or NOT_FOUND.
pub async fn by_username(db: &Db, username: &str) -> ApiResult<User> {
    let username = username.to_string();
    let found = db
        .run(move |c| db::users::by_username(c, &username))
        .await?;
    found.ok_or_else(|| ApiError::with_message(crate::error::ErrorCode::NotFound, "用户不存在"))
}

/// Creates a user after checking every field; a taken username is refused.
pub async fn create(
    db: &Db,
    now: i64,
    hashing: &Semaphore,
    who: &Actor,
    new: NewUser,
) -> ApiResult<User> {
    let who = who.clone();
    let username = new.username.trim().to_string();
    check_username(&username)?;
    check_password(&new.password)?;
    limits::name("realName", &new.real_name)?;
    limits::name("department", &new.department)?;
    let hash = hash_password(hashing, new.password).await?;
    db.write(move |tx| {
        if db::users::username_taken(tx, &username)? {
            return Err(ApiError::invalid_field("username", "用户名已存在"));
        }
        let user = db::users::insert(
            tx,
            &db::users::NewUser {
                id: &crate::ids::user_id(),
                username: &username,
                password_hash: &hash,
                real_name: new.real_name.trim(),
                department: new.department.trim(),
                role: new.role,
            },
            now,
        )?;
        let detail = described(&user);
        audit::record(tx, &who, Action::UserCreate, &user.id, &detail)?;
        Ok(user)
    })
    .await
}

/// Changes a user. `who` is who asks (an admin on the page, or the command line).
/// The last active admin can neither be disabled nor lose the role, and nobody disables
/// themselves: either would lock the office out.
pub async fn update(db: &Db, now: i64, who: &Actor, id: &str, change: Change) -> ApiResult<User> {
    for (field, value) in [
        ("realName", &change.real_name),
        ("department", &change.department),
    ] {
        if let Some(v) = value {
            limits::name(field, v)?;
        }
    }
    let who = who.clone();
    let id = id.to_string();
    db.write(move |tx| {
        let current = db::users::by_id(tx, &id)?;
        let loses_admin = current.role == Role::Admin
            && (change.role.is_some_and(|r| r != Role::Admin) || change.disabled == Some(true));
        if loses_admin && db::users::other_active_admins(tx, &id)? == 0 {
            return Err(ApiError::invalid("至少需要保留一个可用的管理员"));
        }
        if change.disabled == Some(true) && who.user_id.as_deref() == Some(id.as_str()) {
            return Err(ApiError::invalid("不能停用自己的账号"));
        }
        let mut user = db::users::update_profile(
            tx,
            &id,
            change.real_name.as_deref().map(str::trim),
            change.department.as_deref().map(str::trim),
            change.role,
            now,
        )?;
        if let Some(disabled) = change.disabled {
            user = db::users::set_disabled(tx, &id, disabled, now)?;
        }
        let action = match change.disabled {
            Some(true) if !current.disabled => Action::UserDisable,
            Some(false) if current.disabled => Action::UserEnable,
            _ => Action::UserUpdate,
        };
        let detail = match changed(&current, &user) {
            changes if changes.is_empty() => described(&user),
            changes => format!("{}：{changes}", described(&user)),
        };
        audit::record(tx, &who, action, &user.id, &detail)?;
        Ok(user)
    })
    .await
}

/// Sets a new password; every token of the user (their phones' too) stops working. An unknown
/// user is NOT_FOUND before any hash is spent.
pub async fn set_password(
    db: &Db,
    now: i64,
    hashing: &Semaphore,
    who: &Actor,
    id: &str,
    plain: String,
) -> ApiResult<()> {
    // resetting one's own password here would end this very session without a word: one's own
    // goes through 我的账号, which asks for the old one and keeps the session (issue 14)
    if who.user_id.as_deref() == Some(id) {
        return Err(ApiError::invalid("请在“我的账号”中修改自己的密码"));
    }
    let who = who.clone();
    check_password(&plain)?;
    let lookup = id.to_string();
    db.run(move |c| db::users::by_id(c, &lookup)).await?;
    let hash = hash_password(hashing, plain).await?;
    let id = id.to_string();
    db.write(move |tx| {
        db::users::set_password(tx, &id, &hash, now)?;
        Ok::<_, ApiError>(audit::record(tx, &who, Action::UserPassword, &id, "")?)
    })
    .await
}

/// A user as the audit log names them: `zhangsan（张三，一部，销售）`.
fn described(u: &db::users::User) -> String {
    let mut about = vec![u.real_name.as_str()];
    if !u.department.is_empty() {
        about.push(&u.department);
    }
    about.push(u.role.word());
    format!("{}（{}）", u.username, about.join("，"))
}

/// What an update changed, in words: `部门 一部 → 二部；角色 销售 → 经理`.
fn changed(before: &db::users::User, after: &db::users::User) -> String {
    let blank = |v: &str| {
        if v.is_empty() {
            "（空）".to_string()
        } else {
            v.to_string()
        }
    };
    let mut out = Vec::new();
    for (word, old, new) in [
        ("姓名", &before.real_name, &after.real_name),
        ("部门", &before.department, &after.department),
    ] {
        if old != new {
            out.push(format!("{word} {} → {}", blank(old), blank(new)));
        }
    }
    if before.role != after.role {
        out.push(format!(
            "角色 {} → {}",
            before.role.word(),
            after.role.word()
        ));
    }
    if before.disabled != after.disabled {
        let word = |d: bool| if d { "停用" } else { "启用" };
        out.push(format!(
            "状态 {} → {}",
            word(before.disabled),
            word(after.disabled)
        ));
    }
    out.join("；")
}
