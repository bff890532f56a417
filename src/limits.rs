//! The one set of input limits, each with one message. Every route and socket message checks
//! its fields here, so a field has the same limit (and the same words) wherever it arrives.

use crate::error::{ApiError, ApiResult};

/// Names: a person, a department, a customer, a device's model.
pub const NAME_CHARS: usize = 64;
/// Free text: notes, follow-up content.
pub const TEXT_CHARS: usize = 2000;
/// One tag.
pub const TAG_CHARS: usize = 32;
/// Identifiers a client makes up (a device id, an order id).
pub const ID_CHARS: usize = 128;
/// A call or recording longer than a week is a clock or a unit gone wrong.
pub const MAX_DURATION_SECS: i64 = 7 * 86_400;

/// `field` holds at most `max` characters.
pub fn at_most(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!("{field}过长（最多{max}字）")));
    }
    Ok(())
}

/// A name: at most `NAME_CHARS`.
pub fn name(field: &str, value: &str) -> ApiResult<()> {
    at_most(field, value, NAME_CHARS)
}

/// Free text: at most `TEXT_CHARS`.
pub fn text(field: &str, value: &str) -> ApiResult<()> {
    at_most(field, value, TEXT_CHARS)
}

/// A client's identifier: at most `ID_CHARS`.
pub fn id(field: &str, value: &str) -> ApiResult<()> {
    at_most(field, value, ID_CHARS)
}

/// A duration in whole seconds, from 0 to `MAX_DURATION_SECS`.
pub fn duration_secs(field: &str, secs: i64) -> ApiResult<i64> {
    if (0..=MAX_DURATION_SECS).contains(&secs) {
        Ok(secs)
    } else {
        Err(ApiError::invalid(format!("{field} 须为0到7天之间的秒数")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(name("姓名", &"张".repeat(NAME_CHARS)).is_ok());
        let err = name("姓名", &"张".repeat(NAME_CHARS + 1)).unwrap_err();
        assert_eq!(err.message, "姓名过长（最多64字）");
        assert!(text("备注", &"a".repeat(TEXT_CHARS + 1)).is_err());
        assert_eq!(
            duration_secs("duration", MAX_DURATION_SECS).unwrap(),
            MAX_DURATION_SECS
        );
        assert!(duration_secs("duration", -1).is_err());
        assert!(duration_secs("duration", MAX_DURATION_SECS + 1).is_err());
    }
}
