//! The words people write in a customer list for a level or a follow status, as our codes
//! (issue 14, item 1): an Excel sheet says 重要 or VIP or 已成交, the database keeps `important`,
//! `vip`, `deal`. The codes themselves and the page's own words are accepted too.

/// Customer levels: the code, the page's word, and the other words an office's sheet uses.
const LEVEL_WORDS: &[(&str, &str, &[&str])] = &[
    ("normal", "普通", &["一般", "普通客户", "c", "c类"]),
    ("vip", "VIP", &["vip客户", "贵宾", "b", "b类"]),
    (
        "important",
        "重要",
        &["重点", "重要客户", "重点客户", "a", "a类"],
    ),
];

/// Follow statuses (`super::FOLLOW_STATUSES`): the code, the page's word, and other words.
const STATUS_WORDS: &[(&str, &str, &[&str])] = &[
    ("new", "新客户", &["新建", "新", "未联系", "待联系"]),
    // 再联系 is one of the page's quick tags; a sheet that says it means "reached, call again"
    ("contacted", "已联系", &["联系过", "再联系"]),
    ("interested", "有意向", &["感兴趣", "意向"]),
    ("considering", "考虑中", &["考虑"]),
    ("hesitant", "犹豫", &["犹豫中"]),
    ("not_interested", "无意向", &["不感兴趣", "没兴趣", "拒绝"]),
    ("deal", "已成交", &["成交", "签单"]),
];

/// The code `text` means: the code itself, the page's word or another word (any case).
fn lookup(table: &[(&'static str, &str, &[&str])], text: &str) -> Option<&'static str> {
    let text = text.trim().to_lowercase();
    table
        .iter()
        .find(|(code, word, others)| {
            *code == text || word.to_lowercase() == text || others.contains(&text.as_str())
        })
        .map(|(code, _, _)| *code)
}

/// The page's word for `code` in `table`; an unknown code is shown as it is.
fn word<'a>(table: &[(&str, &'static str, &[&str])], code: &'a str) -> &'a str {
    table
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code, |(_, word, _)| *word)
}

/// The level code `text` means, if any.
pub fn level(text: &str) -> Option<&'static str> {
    lookup(LEVEL_WORDS, text)
}

/// The follow status code `text` means, if any.
pub fn follow_status(text: &str) -> Option<&'static str> {
    lookup(STATUS_WORDS, text)
}

/// The page's word for a level code (an export writes what the page shows; an import of the
/// file reads it back as the code).
pub fn level_word(code: &str) -> &str {
    word(LEVEL_WORDS, code)
}

/// The page's word for a follow status code.
pub fn status_word(code: &str) -> &str {
    word(STATUS_WORDS, code)
}

/// Every level code with the page's word, in the page's order (the test that holds the page's
/// words to these, the import template's notes).
pub fn level_words() -> impl Iterator<Item = (&'static str, &'static str)> {
    LEVEL_WORDS.iter().map(|(code, word, _)| (*code, *word))
}

/// Every follow status code with the page's word, in the pipeline's order.
pub fn status_words() -> impl Iterator<Item = (&'static str, &'static str)> {
    STATUS_WORDS.iter().map(|(code, word, _)| (*code, *word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_words_map_to_codes() {
        assert_eq!(level("重要"), Some("important"));
        assert_eq!(level(" VIP "), Some("vip"));
        assert_eq!(level("普通"), Some("normal"));
        assert_eq!(level("normal"), Some("normal"));
        assert_eq!(level("金牌"), None);
        assert_eq!(follow_status("已成交"), Some("deal"));
        assert_eq!(follow_status("有意向"), Some("interested"));
        assert_eq!(follow_status("not_interested"), Some("not_interested"));
        assert_eq!(follow_status("随便"), None);
        // every status code is reachable
        for code in super::super::FOLLOW_STATUSES {
            assert_eq!(follow_status(code), Some(code));
        }
    }
}
