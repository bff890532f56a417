//! Ping, login and "who am I" (§2.0, §2.1, contract §2 and §11).

use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::reply::Response;

use super::ClientAddr;
use crate::auth::{Caller, password, token};
use crate::db::{self, users::User};
use crate::error::{ApiError, ApiResult, ErrorCode};
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
    pub department: String,
    pub role: &'static str,
}

impl From<&User> for UserSummary {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            username: u.username.clone(),
            real_name: u.real_name.clone(),
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
    let username = req.username.trim().to_string();
    if username.is_empty() || req.password.is_empty() {
        return Err(ApiError::invalid("缺少用户名或密码"));
    }
    let mut keys = vec![format!("user:{username}")];
    if let Some(ClientAddr(addr)) = addr {
        keys.push(format!("ip:{}", addr.ip()));
    }
    // counted before the password work: parallel guesses cannot all pass this check
    let Some(attempt) = state.limiter.reserve(&keys) else {
        return Err(ApiError::new(ErrorCode::RateLimited));
    };

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
        let given = req.password;
        tokio::task::spawn_blocking(move || password::verify(&stored, &given))
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
    state.limiter.clear(&keys[0]);

    let now = chrono::Utc::now().timestamp();
    let jwt = state
        .keys
        .issue(&token::login_claims(&user.id, user.token_version, now));
    tracing::info!(user = %user.username, "login");
    // §2.1 shows no message: the contract's default (§1)
    Ok(reply::ok(json!({
        "token": jwt,
        "expiresIn": token::LOGIN_TTL_SECS,
        "user": UserSummary::from(&user),
    })))
}

/// GET /api/v1/auth/me
pub async fn me(caller: Caller) -> ApiResult<Response> {
    Ok(reply::ok(json!({
        "id": caller.user_id,
        "username": caller.username,
        "realName": caller.real_name,
        "department": caller.department,
        "role": caller.role.as_str(),
        "phoneId": caller.phone_id,
    })))
}
