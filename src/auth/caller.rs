//! The authenticated caller of a request and what they may see (contract §2).

use crate::access::Role;
pub use crate::access::Scope;
use crate::auth::token::TokenKind;
use crate::db::{self, DbError};
use crate::error::{ApiError, ErrorCode};
use crate::state::State;

/// Who is asking, loaded fresh from the database on every request, so a disabled user or a
/// revoked token stops working at once.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub username: String,
    pub real_name: String,
    /// The real name, or the username when there is none (`users_named`).
    pub display_name: String,
    pub department: String,
    pub role: Role,
    /// Set when the request came with a bound phone's wsToken.
    pub phone_id: Option<i64>,
    /// The user's token version (signed into the recording links handed to them).
    pub token_version: i64,
    /// The client's address, when the request came over the network (the audit log).
    pub address: Option<std::net::IpAddr>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin => Scope::All,
            Role::Manager => Scope::Department(self.department.clone()),
            Role::SalesStaff => Scope::Own(self.user_id.clone()),
        }
    }

    /// Whether a record owned by a user of `owner_department` with id `owner_id` is visible.
    pub fn can_see(&self, owner_id: &str, owner_department: &str) -> bool {
        match self.scope() {
            Scope::All => true,
            Scope::Department(d) => d == owner_department || owner_id == self.user_id,
            Scope::Own(id) => id == owner_id,
        }
    }

    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// 403 unless the caller is an admin or a manager.
    pub fn require_manager(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin | Role::Manager => Ok(()),
            Role::SalesStaff => Err(ApiError::forbidden()),
        }
    }
}

/// Which tokens a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Login tokens only (PC routes).
    Login,
    /// Login tokens or a bound phone's wsToken (mobile routes, contract §2).
    LoginOrDevice,
}

/// Checks a bearer token and loads the caller. Used by the HTTP filters and the sockets.
pub async fn authenticate(state: &State, token: &str, accept: Accept) -> Result<Caller, ApiError> {
    let claims = state.keys.verify(token).ok_or_else(ApiError::auth_failed)?;
    if claims.kind == TokenKind::Device && accept == Accept::Login {
        return Err(ApiError::auth_failed());
    }
    state
        .db
        .run(move |conn| {
            let user = match db::users::by_id(conn, &claims.sub) {
                Ok(user) => user,
                Err(DbError::NotFound) => return Err(ApiError::auth_failed()),
                Err(other) => return Err(other.into()),
            };
            if user.disabled || user.token_version != claims.ver {
                return Err(ApiError::auth_failed());
            }
            let phone_id = match (claims.kind, claims.phone) {
                (TokenKind::User, _) => None,
                (TokenKind::Device, Some(phone_id)) => {
                    match db::phones::active_token(conn, phone_id) {
                        Ok((owner, token_id)) if owner == user.id && token_id == claims.jti => {
                            Some(phone_id)
                        }
                        Ok(_) | Err(DbError::NotFound) => {
                            return Err(ApiError::new(ErrorCode::DeviceNotBound));
                        }
                        Err(other) => return Err(other.into()),
                    }
                }
                (TokenKind::Device, None) => return Err(ApiError::auth_failed()),
            };
            Ok(Caller::of(user, phone_id))
        })
        .await
}

/// The viewer a recording link was handed to, if they are still who they were: not disabled,
/// and no password change since (the same token version). Otherwise the link is dead.
pub async fn link_viewer(state: &State, user_id: String, version: i64) -> Result<Caller, ApiError> {
    let dead = || ApiError::with_message(ErrorCode::AuthFailed, "链接无效或已过期");
    let user = match state.db.run(move |c| db::users::by_id(c, &user_id)).await {
        Ok(user) => user,
        Err(DbError::NotFound) => return Err(dead()),
        Err(other) => return Err(other.into()),
    };
    if user.disabled || user.token_version != version {
        return Err(dead());
    }
    Ok(Caller::of(user, None))
}

impl Caller {
    pub(crate) fn of(user: db::users::User, phone_id: Option<i64>) -> Self {
        Caller {
            user_id: user.id,
            username: user.username,
            real_name: user.real_name,
            display_name: user.display_name,
            department: user.department,
            role: user.role,
            phone_id,
            token_version: user.token_version,
            address: None,
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_forms() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("abc")), None);
        assert_eq!(bearer(None), None);
    }
}
