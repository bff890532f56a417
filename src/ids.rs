//! Ids as the API document shows them (contract §3), each with an unguessable random part.

use rand::Rng;

const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// 13 base-36 characters: 67 bits of randomness, enough that ids cannot be probed.
pub fn random_part() -> String {
    let mut rng = rand::rng();
    (0..13)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn user_id() -> String {
    format!("user_{}", random_part())
}

pub fn customer_id() -> String {
    format!("cust_{}", random_part())
}

/// A customer import's batch (its undo).
pub fn import_id() -> String {
    format!("imp_{}", random_part())
}

pub fn campaign_id() -> String {
    format!("camp_{}", random_part())
}

pub fn follow_up_id() -> String {
    format!("followup_{}", random_part())
}

pub fn recording_id() -> String {
    format!("rec_{}", random_part())
}

/// `call_YYYYMMDD_<random>`; the date is the office day the call was created (what the office
/// reads in the id: a call at 06:00 in Beijing belongs to that day, not to the UTC one before).
pub fn call_id(now_ms: i64, tz: chrono_tz::Tz) -> String {
    let day = crate::times::local_day(now_ms, tz).format("%Y%m%d");
    format!("call_{day}_{}", random_part())
}

/// `bind_<userId>_<ms>_<random>` (§3.1).
pub fn connection_id(user_id: &str, now_ms: i64) -> String {
    format!("bind_{user_id}_{now_ms}_{}", random_part())
}

/// A message id for server → client socket messages.
pub fn message_id() -> String {
    format!("msg_{}", random_part())
}

/// A secret of `bytes` random bytes, hex encoded (passwords, token ids).
pub fn secret_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A §3.1.1 bind token: a random UUID (version 4 layout), 122 random bits.
pub fn bind_token() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill(&mut b[..]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_call_id_carries_the_office_day() {
        // 2025-12-25T22:30:00Z is already the 26th in Beijing, still the 25th in New York
        let ms = 1_766_701_800_000;
        let beijing = super::call_id(ms, "Asia/Shanghai".parse().unwrap());
        let new_york = super::call_id(ms, "America/New_York".parse().unwrap());
        assert!(beijing.starts_with("call_20251226_"), "{beijing}");
        assert!(new_york.starts_with("call_20251225_"), "{new_york}");
        assert!(
            beijing.len() > "call_20251226_".len() + 10,
            "a random part: {beijing}"
        );
    }
}
