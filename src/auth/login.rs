//! Logging in (§2.1, contract §2): the limiter's attempt first, then the password check on a
//! hashing permit, then a token. The same answer for an unknown user and a wrong password, with
//! the same work (a decoy hash), so neither is told apart.

use std::net::IpAddr;

use crate::audit::{self, Action, Actor};
use crate::auth::{password, token};
use crate::db::{self, users::User};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::State;

/// A successful login: the user and their new token.
pub struct LoggedIn {
    pub user: User,
    pub token: String,
}

/// Checks `username` and `password` from `addr`. Too many failures answer RATE_LIMITED with the
/// wait, even for the right password: the limit is checked before the password work.
pub async fn login(
    state: &State,
    username: &str,
    password: String,
    addr: Option<IpAddr>,
) -> ApiResult<LoggedIn> {
    let username = username.trim().to_string();
    if username.is_empty() || password.is_empty() {
        return Err(ApiError::invalid("缺少用户名或密码"));
    }
    // counted before the password work: parallel guesses cannot all pass this check
    let attempt = state
        .limiter
        .reserve(&username, addr)
        .map_err(ApiError::rate_limited)?;

    let lookup = username.clone();
    let user = state
        .db
        .run(move |conn| db::users::by_username(conn, &lookup))
        .await?;
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_string());
    let matches = {
        let _permit = state.hashing.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || password::verify(&stored, &password))
            .await
            .map_err(ApiError::internal)?
    };
    let who = Actor::login(user.as_ref().map(|u| u.id.clone()), &username, addr);
    let refused = match &user {
        Some(user) if matches && !user.disabled => None,
        // right password, disabled account: say so (no guessing involved), count it anyway
        Some(_) if matches => Some(("账号已停用", "account disabled", "账号已停用")),
        Some(_) => Some(("用户名或密码错误", "wrong password", "密码错误")),
        None => Some(("用户名或密码错误", "unknown user", "没有这个用户名")),
    };
    if let Some((message, why, words)) = refused {
        tracing::info!(user = %username, why, "login failed");
        let detail = words.to_string();
        audit::record_or_log(state, who, Action::LoginFailed, detail).await;
        return Err(ApiError::with_message(ErrorCode::AuthFailed, message));
    }
    let user = user.ok_or_else(ApiError::auth_failed)?;
    attempt.succeeded();
    audit::record_or_log(state, who, Action::Login, String::new()).await;
    let now = chrono::Utc::now().timestamp();
    let token = state
        .keys
        .issue(&token::login_claims(&user.id, user.token_version, now));
    tracing::info!(user = %user.username, "login");
    Ok(LoggedIn { user, token })
}

/// 我的账号 (issue 14): a user changes their own password, giving the old one. A wrong old
/// password counts against the same limiter as a login (a session is not a licence to guess)
/// and is 400, not 401: the session itself is fine. The change revokes every token the user
/// holds — their other logins and their bound phones' device tokens, as a reset does — and
/// returns a new login token for this session, which therefore goes on.
pub async fn change_own_password(
    state: &State,
    caller: &crate::auth::Caller,
    old: String,
    new: String,
) -> ApiResult<String> {
    if old.is_empty() {
        return Err(ApiError::invalid("请输入原密码"));
    }
    crate::users::check_password(&new)?;
    if old == new {
        return Err(ApiError::invalid("新密码不能与原密码相同"));
    }
    let attempt = state
        .limiter
        .reserve(&caller.username, caller.address)
        .map_err(ApiError::rate_limited)?;
    let id = caller.user_id.clone();
    let user = state.db.run(move |c| db::users::by_id(c, &id)).await?;
    let stored = user.password_hash.clone();
    let matches = {
        let _permit = state.hashing.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || password::verify(&stored, &old))
            .await
            .map_err(ApiError::internal)?
    };
    let who = Actor::of(caller);
    if !matches {
        let detail = "修改本人密码时原密码错误".to_string();
        audit::record_alone(state, who, Action::LoginFailed, user.id, detail).await?;
        return Err(ApiError::invalid("原密码错误"));
    }
    attempt.succeeded();
    let hash = crate::users::hash_password(&state.hashing, new).await?;
    let id = user.id.clone();
    let now = state.clock.now_ms();
    let version = state
        .db
        .write(move |tx| {
            db::users::set_password(tx, &id, &hash, now)?;
            audit::record(tx, &who, Action::UserPassword, &id, "本人修改")?;
            Ok::<_, ApiError>(db::users::by_id(tx, &id)?.token_version)
        })
        .await?;
    // the other pages' live feeds and the phones' sockets close now; this page reconnects with
    // the new token
    state.hub.end_sessions(&user.id);
    let now = chrono::Utc::now().timestamp();
    Ok(state
        .keys
        .issue(&token::login_claims(&user.id, version, now)))
}
