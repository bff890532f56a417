//! argon2id password hashes, at the crate's defaults (OWASP: 19 MiB, 2 passes, 1 lane).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

/// Hashes a new password into a PHC string (`$argon2id$v=19$...`) with a fresh random salt.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored PHC string; an unreadable hash never matches.
pub fn verify(stored: &str, password: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// A real hash of a random password, checked when the username does not exist so an unknown
/// user costs the same time as a wrong password and usernames cannot be probed by timing.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash(&crate::ids::secret_hex(16)).expect("argon2 hashes a fresh password"))
}

/// The shortest password `user add`, the users API and resets accept.
pub const MIN_LENGTH: usize = 6;

#[cfg(test)]
mod tests {
    #[test]
    fn hash_and_verify() {
        let h = super::hash("s3cret!").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify(&h, "s3cret!"));
        assert!(!super::verify(&h, "s3cret"));
        assert!(!super::verify("not a hash", "s3cret!"));
    }
}
