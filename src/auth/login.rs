//! Logging in (§2.1, contract §2): the limiter's attempt first, then the password check on a
//! hashing permit, then a token. The same answer for an unknown user and a wrong password, with
//! the same work (a decoy hash), so neither is told apart.

use std::net::IpAddr;

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
    let user = match user {
        Some(user) if matches && !user.disabled => user,
        Some(user) if matches => {
            // right password, disabled account: say so (no guessing involved), count it anyway
            tracing::info!(user = %user.username, "login refused: account disabled");
            return Err(ApiError::with_message(ErrorCode::AuthFailed, "账号已停用"));
        }
        _ => {
            tracing::info!(user = %username, "login failed");
            return Err(ApiError::with_message(
                ErrorCode::AuthFailed,
                "用户名或密码错误",
            ));
        }
    };
    attempt.succeeded();
    let now = chrono::Utc::now().timestamp();
    let token = state
        .keys
        .issue(&token::login_claims(&user.id, user.token_version, now));
    tracing::info!(user = %user.username, "login");
    Ok(LoggedIn { user, token })
}
