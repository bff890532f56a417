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
        Some(_) if matches => Some(("账号已停用", "account disabled")),
        _ => Some(("用户名或密码错误", "wrong password or unknown user")),
    };
    if let Some((message, why)) = refused {
        tracing::info!(user = %username, why, "login failed");
        let detail = why.to_string();
        audit::record_alone(state, who, Action::LoginFailed, String::new(), detail).await?;
        return Err(ApiError::with_message(ErrorCode::AuthFailed, message));
    }
    let user = user.ok_or_else(ApiError::auth_failed)?;
    attempt.succeeded();
    audit::record_alone(state, who, Action::Login, String::new(), String::new()).await?;
    let now = chrono::Utc::now().timestamp();
    let token = state
        .keys
        .issue(&token::login_claims(&user.id, user.token_version, now));
    tracing::info!(user = %user.username, "login");
    Ok(LoggedIn { user, token })
}
