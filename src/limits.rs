//! The one set of input limits, each with one message. Every route and socket message checks
//! its fields here, so a field has the same limit (and the same words) wherever it arrives.

use crate::error::{ApiError, ApiResult};

/// The words a person reads for an input field's key, so a message says 开始日期, not
/// `startDate` (issue 14). A key not listed is shown as it is.
pub fn label(field: &str) -> &str {
    match field {
        "startDate" => "开始日期",
        "endDate" => "结束日期",
        "startTime" => "开始时间",
        "endTime" => "结束时间",
        "customerPhone" | "phone" | "phoneNumber" => "电话",
        "customerName" => "客户姓名",
        "name" | "realName" => "姓名",
        "username" => "用户名",
        "password" | "newPassword" => "密码",
        "oldPassword" => "原密码",
        "department" => "部门",
        "company" => "公司",
        "notes" => "备注",
        "content" => "内容",
        "tags" | "callTags" | "tag" => "标签",
        "keyword" => "搜索词",
        "duration" => "时长",
        "nextFollowUpDate" | "nextFollowUp" | "nextFollowTime" => "下次跟进时间",
        "customerIntent" | "intention" => "客户意向",
        "priority" => "优先级",
        "status" => "状态",
        "callStatus" => "通话状态",
        "callType" => "通话类型",
        "followStatus" => "跟进状态",
        "level" => "客户等级",
        "orderId" => "订单号",
        "userId" => "人员",
        "ownerId" => "负责人",
        "customerId" => "客户",
        "type" => "方式",
        "sheet" => "工作表",
        _ => field,
    }
}

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
        let words = label(field);
        return Err(ApiError::invalid_field(
            field,
            format!("{words}过长（最多{max}字）"),
        ));
    }
    Ok(())
}

/// A name: at most `NAME_CHARS`, on one line and without control characters (a NUL byte in a
/// list's name was stored, issue 27).
pub fn name(field: &str, value: &str) -> ApiResult<()> {
    at_most(field, value, NAME_CHARS)?;
    printable(field, value, |_| false)
}

/// Free text: at most `TEXT_CHARS`; line breaks and tabs, but no other control character.
pub fn text(field: &str, value: &str) -> ApiResult<()> {
    at_most(field, value, TEXT_CHARS)?;
    printable(field, value, |c| matches!(c, '\n' | '\r' | '\t'))
}

fn printable(field: &str, value: &str, allowed: impl Fn(char) -> bool) -> ApiResult<()> {
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        let words = label(field);
        return Err(ApiError::invalid_field(
            field,
            format!("{words}含有不可见的控制字符"),
        ));
    }
    Ok(())
}

/// A client's identifier: at most `ID_CHARS`.
pub fn id(field: &str, value: &str) -> ApiResult<()> {
    at_most(field, value, ID_CHARS)
}

/// The longest search keyword: a name, a number or a few words (SQLite refuses LIKE patterns
/// past 50,000 bytes; nobody types a tenth of this).
pub const KEYWORD_CHARS: usize = 64;

/// A search keyword: at most `KEYWORD_CHARS`, and no control character (a NUL cut the call
/// search's quoted phrase short: a 500 that schemathesis found).
pub fn keyword(value: Option<&str>) -> ApiResult<()> {
    match value {
        Some(k) if k.chars().count() > KEYWORD_CHARS => Err(ApiError::invalid_field(
            "keyword",
            format!("搜索词过长（最多{KEYWORD_CHARS}个字）"),
        )),
        Some(k) => printable("keyword", k, |_| false),
        None => Ok(()),
    }
}

/// A duration in whole seconds, from 0 to `MAX_DURATION_SECS`.
pub fn duration_secs(field: &str, secs: i64) -> ApiResult<i64> {
    if (0..=MAX_DURATION_SECS).contains(&secs) {
        Ok(secs)
    } else {
        let words = label(field);
        Err(ApiError::invalid_field(
            field,
            format!("{words}须为0到7天之间的秒数"),
        ))
    }
}

/// At most this many tags on a call, a customer or a follow-up.
pub const MAX_TAGS: usize = 20;
/// A customer's numbers beside its main one (contract §14).
pub const MAX_OTHER_PHONES: usize = 5;

/// Tags as given: trimmed, non-empty, no duplicates, each at most `TAG_CHARS`, at most
/// `MAX_TAGS`. The count is checked before any other work, so a body of thousands of tags costs
/// nothing.
pub fn tags(field: &str, tags: Vec<String>) -> ApiResult<Vec<String>> {
    if tags.len() > MAX_TAGS {
        let words = label(field);
        return Err(ApiError::invalid_field(
            field,
            format!("{words}最多{MAX_TAGS}个"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = t.trim().to_string();
        if t.chars().count() > TAG_CHARS {
            let message = format!("每个{}最多{TAG_CHARS}字", label(field));
            return Err(ApiError::invalid_field(field, message));
        }
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// A body field that may be absent but not `null` where the document says boolean, integer or
/// string: serde reads both as `None`, so a `null` would pass for "unchanged" (issue 27, found by
/// schemathesis). Use with `#[serde(default, deserialize_with = "crate::limits::not_null")]`.
pub fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    match <Option<T> as serde::Deserialize>::deserialize(d)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom(
            "null is not a value here: leave the field out",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(name("realName", &"张".repeat(NAME_CHARS)).is_ok());
        let err = name("realName", &"张".repeat(NAME_CHARS + 1)).unwrap_err();
        assert_eq!(err.message, "姓名过长（最多64字）");
        assert_eq!(err.field.as_deref(), Some("realName"));
        assert!(text("notes", &"a".repeat(TEXT_CHARS + 1)).is_err());
        assert_eq!(
            duration_secs("duration", MAX_DURATION_SECS).unwrap(),
            MAX_DURATION_SECS
        );
        assert!(duration_secs("duration", -1).is_err());
        assert!(duration_secs("duration", MAX_DURATION_SECS + 1).is_err());
        let many: Vec<String> = (0..25_000).map(|i| i.to_string()).collect();
        assert!(tags("tags", many).is_err());
        let given = vec![" a ".to_string(), "a".into(), "".into(), "b".into()];
        assert_eq!(tags("tags", given).unwrap(), vec!["a", "b"]);
    }
}
