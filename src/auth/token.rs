//! JWTs (HS256) for logins and for bound phones. The key is 256 random bits generated into the
//! data folder on first start; tokens carry an expiry and are revocable (see `caller`).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Login tokens live a week (§2.1 `expiresIn`).
pub const LOGIN_TTL_SECS: i64 = 604_800;
/// A phone's wsToken lives as long as its binding: a year, and revoked at unbind.
pub const DEVICE_TTL_SECS: i64 = 365 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A user's login (§2.1).
    User,
    /// A bound work phone's wsToken (§3.3).
    Device,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub kind: TokenKind,
    /// The user's token_version when issued; a newer version in the database revokes it.
    pub ver: i64,
    /// For device tokens: the work phone's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<i64>,
    /// Unique token id; for device tokens, matched against the phone's current token_id.
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // HS256 only: `alg: none` and every other algorithm are refused
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing with an in-memory key cannot fail")
    }

    /// The claims of a token signed by us and not expired; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// Builds the claims of a login token for `user_id` issued at `now_secs`.
pub fn login_claims(user_id: &str, token_version: i64, now_secs: i64) -> Claims {
    Claims {
        sub: user_id.to_string(),
        kind: TokenKind::User,
        ver: token_version,
        phone: None,
        jti: crate::ids::secret_hex(12),
        iat: now_secs,
        exp: now_secs + LOGIN_TTL_SECS,
    }
}
