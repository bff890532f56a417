//! Short-lived signed links to one recording, so a browser `<audio>` (which cannot send a header)
//! can play and download it (contract §8). A link is `?token=<JWT>`: HS256 over the recording id
//! and an expiry, with a key of its own derived from the server's JWT secret — a login token is
//! never a link and a link is never a login token.

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

    /// A link token for `recording_id` that expires at `exp_secs`.
    pub fn sign(&self, recording_id: &str, exp_secs: i64) -> String {
        let claims = LinkClaims {
            rid: recording_id.to_string(),
            aud: AUDIENCE.to_string(),
            exp: exp_secs,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an in-memory key cannot fail")
    }

    /// The recording id of a valid, unexpired link token; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<String> {
        jsonwebtoken::decode::<LinkClaims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims.rid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn signs_and_verifies() {
        let signer = LinkSigner::new(&[7u8; 32]);
        let token = signer.sign("rec_1", now() + 60);
        assert_eq!(signer.verify(&token).as_deref(), Some("rec_1"));
    }

    #[test]
    fn refuses_expired_altered_and_foreign() {
        let signer = LinkSigner::new(&[7u8; 32]);
        assert_eq!(signer.verify(&signer.sign("rec_1", now() - 1)), None);
        let token = signer.sign("rec_1", now() + 60);
        let mut altered = token.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(signer.verify(&String::from_utf8(altered).unwrap()), None);
        let other = LinkSigner::new(&[8u8; 32]);
        assert_eq!(other.verify(&token), None);
        // a login token signed with the raw secret is not a link
        let raw = EncodingKey::from_secret(&[7u8; 32]);
        let login = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &LinkClaims {
                rid: "rec_1".into(),
                aud: AUDIENCE.into(),
                exp: now() + 60,
            },
            &raw,
        )
        .unwrap();
        assert_eq!(signer.verify(&login), None);
    }
}
