//! Short-lived signed links to one recording, so a browser `<audio>` (which cannot send a header)
//! can play and download it (contract §8). A link is `?token=<JWT>`: HS256 over the recording id,
//! the user it was handed to (and their token version) and an expiry, with a key of its own
//! derived from the server's JWT secret — a login token is never a link and a link is never a
//! login token. Because the link names its viewer, disabling the viewer or changing their
//! password ends every link they hold, as it ends their tokens (issue 13, 8).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The label the link key is derived under (HMAC-SHA256 of the label, keyed by the secret).
const KEY_LABEL: &[u8] = b"dialbox/recording-link/v1";
/// `aud` of every link: a token meant for something else fails validation.
const AUDIENCE: &str = "recording";

#[derive(Debug, Serialize, Deserialize)]
pub struct LinkClaims {
    /// The recording id the link opens.
    pub rid: String,
    /// The user the link was handed to.
    pub sub: String,
    /// That user's token version when it was signed: a password change or a disable moves it.
    pub ver: i64,
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

pub struct LinkSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl LinkSigner {
    /// A signer for the server whose JWT secret is `secret`.
    pub fn new(secret: &[u8]) -> Self {
        let derived = jsonwebtoken::crypto::sign(
            KEY_LABEL,
            &EncodingKey::from_secret(secret),
            Algorithm::HS256,
        )
        .expect("HMAC with an in-memory key cannot fail");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        Self {
            encoding: EncodingKey::from_secret(derived.as_bytes()),
            decoding: DecodingKey::from_secret(derived.as_bytes()),
            validation,
        }
    }

    /// A link token for `recording_id`, handed to `viewer` (id, token version), that expires
    /// at `exp_secs`.
    pub fn sign(&self, recording_id: &str, viewer: (&str, i64), exp_secs: i64) -> String {
        let claims = LinkClaims {
            rid: recording_id.to_string(),
            sub: viewer.0.to_string(),
            ver: viewer.1,
            aud: AUDIENCE.to_string(),
            exp: exp_secs,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an in-memory key cannot fail")
    }

    /// The claims of a valid, unexpired link token; `None` for anything else. The caller
    /// still checks the viewer (active, same token version, allowed to see the recording).
    pub fn verify(&self, token: &str) -> Option<LinkClaims> {
        jsonwebtoken::decode::<LinkClaims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEWER: (&str, i64) = ("user_1", 0);

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn signs_and_verifies() {
        let signer = LinkSigner::new(&[7u8; 32]);
        let token = signer.sign("rec_1", ("user_1", 3), now() + 60);
        let claims = signer.verify(&token).unwrap();
        assert_eq!(
            (claims.rid.as_str(), claims.sub.as_str(), claims.ver),
            ("rec_1", "user_1", 3)
        );
    }

    #[test]
    fn refuses_expired_altered_and_foreign() {
        let signer = LinkSigner::new(&[7u8; 32]);
        assert!(
            signer
                .verify(&signer.sign("rec_1", VIEWER, now() - 1))
                .is_none()
        );
        let token = signer.sign("rec_1", VIEWER, now() + 60);
        let mut altered = token.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            signer
                .verify(&String::from_utf8(altered).unwrap())
                .is_none()
        );
        let other = LinkSigner::new(&[8u8; 32]);
        assert!(other.verify(&token).is_none());
        // a login token signed with the raw secret is not a link
        let raw = EncodingKey::from_secret(&[7u8; 32]);
        let login = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &LinkClaims {
                rid: "rec_1".into(),
                sub: VIEWER.0.into(),
                ver: VIEWER.1,
                aud: AUDIENCE.into(),
                exp: now() + 60,
            },
            &raw,
        )
        .unwrap();
        assert!(signer.verify(&login).is_none());
    }
}
