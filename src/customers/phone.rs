//! Phone numbers: the ONE normalisation used everywhere a number comes in (customers, dials,
//! records, imports, keyword search), and the masking of contract §3.

use crate::auth::{Caller, Role};

/// Digits only, without the China country prefix: `+86 138-0013-8000`, `0086 13800138000` and
/// `(138) 0013 8000` all become `13800138000`. Spaces, dashes, dots and parentheses are dropped.
/// `None` when anything else is left or the number is not 3–20 digits long.
pub fn normalize(raw: &str) -> Option<String> {
    let mut digits = String::with_capacity(raw.len());
    let mut plus = false;
    for (i, c) in raw.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '-' | '.' | '(' | ')' | '\u{3000}' | '\u{2014}' | '\u{ff0d}' => {}
            _ => return None,
        }
    }
    let national = if plus {
        digits.strip_prefix("86").unwrap_or(&digits)
    } else if let Some(rest) = digits.strip_prefix("0086") {
        rest
    } else if digits.len() == 13 && digits.starts_with("861") {
        // 8613800138000: a mobile number with the country code and no plus
        &digits[2..]
    } else {
        &digits
    };
    // a mobile dialed with a trunk 0 (as some phones log incoming calls): 013800138000
    let national = match national.strip_prefix('0') {
        Some(rest) if is_mobile(rest) => rest,
        _ => national,
    };
    (3..=20)
        .contains(&national.len())
        .then(|| national.to_string())
}

/// A line typed in a number box, split into the number as written and the name beside it:
/// `139 0013 9002 周八` → (`139 0013 9002`, `周八`); `周八 13900139002` → (`13900139002`, `周八`).
/// The number is the run of digits, spaces, `+`, `-` and brackets at the line's start (else its
/// end); a line without one is all name (and no number).
pub fn split_line(line: &str) -> (&str, &str) {
    let line = line.trim();
    let numberish = |c: char| c.is_ascii_digit() || " +-()（）\u{3000}".contains(c);
    let head = line.find(|c: char| !numberish(c)).unwrap_or(line.len());
    if line[..head].chars().any(|c| c.is_ascii_digit()) {
        return (
            line[..head].trim(),
            line[head..].trim_matches(|c: char| c.is_whitespace() || c == ',' || c == '，'),
        );
    }
    let tail = line.rfind(|c: char| !numberish(c)).map_or(0, |i| {
        i + line[i..].chars().next().map_or(1, char::len_utf8)
    });
    if line[tail..].chars().any(|c| c.is_ascii_digit()) {
        return (
            line[tail..].trim(),
            line[..tail].trim_matches(|c: char| c.is_whitespace() || c == ',' || c == '，'),
        );
    }
    ("", line)
}

/// A number a salesperson can dial (normalised): a mainland mobile, a landline with its area
/// code (`0` and 9–11 more digits), a 400/800 number, or a 95xxx/96xxx service number. `12345`
/// or a number cut short is none of these (issue 30, item 5).
pub fn is_dialable(n: &str) -> bool {
    let len = n.len();
    is_mobile(n)
        || (n.starts_with('0') && (10..=12).contains(&len))
        || ((n.starts_with("400") || n.starts_with("800")) && len == 10)
        || ((n.starts_with("95") || n.starts_with("96")) && (5..=8).contains(&len))
}

/// A mainland mobile number: eleven digits, `1` then `3`–`9`.
fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// `138****5678`: the first 3 and last 4 digits; short numbers keep only their last 2.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() >= 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else if chars.len() > 2 {
        let tail: String = chars[chars.len() - 2..].iter().collect();
        format!("****{tail}")
    } else {
        "****".to_string()
    }
}

/// The number as `caller` may see it: whole for admins and managers, masked for sales staff.
pub fn shown_to(caller: &Caller, number: &str) -> String {
    if caller.role == Role::SalesStaff {
        mask(number)
    } else {
        number.to_string()
    }
}

/// The digits of a keyword when it looks like (part of) a phone number, for searching the
/// whole stored number: `138-0013` → `1380013`.
pub fn keyword_digits(keyword: &str) -> Option<String> {
    let k = keyword.trim();
    let looks_like = !k.is_empty()
        && k.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c))
        && k.chars().any(|c| c.is_ascii_digit());
    if !looks_like {
        return None;
    }
    Some(normalize(k).unwrap_or_else(|| k.chars().filter(char::is_ascii_digit).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_prefixes_and_separators() {
        for raw in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+8613800138000",
            "0086-13800138000",
            "8613800138000",
            " (138)00138000 ",
            "013800138000",
            "+86 013800138000",
        ] {
            assert_eq!(normalize(raw).as_deref(), Some("13800138000"), "{raw}");
        }
        assert_eq!(normalize("010-6552 9988").as_deref(), Some("01065529988"));
        // a landline's area code keeps its 0
        assert_eq!(normalize("0139-1234567").as_deref(), Some("01391234567"));
        assert_eq!(normalize("12"), None);
        assert_eq!(normalize("138abc"), None);
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("1+38"), None);
    }

    #[test]
    fn a_number_box_line_is_a_number_and_a_name() {
        assert_eq!(split_line("139 0013 9002 周八"), ("139 0013 9002", "周八"));
        assert_eq!(split_line("周八 13900139002"), ("13900139002", "周八"));
        assert_eq!(split_line("13900139002,周八"), ("13900139002", "周八"));
        assert_eq!(split_line("+86 139-0013-9002"), ("+86 139-0013-9002", ""));
        assert_eq!(split_line("周八"), ("", "周八"));
        for n in ["13900139002", "01065529988", "4008001234", "95588"] {
            assert!(is_dialable(n), "{n}");
        }
        for n in ["12345", "139", "1390013900", "123456789012"] {
            assert!(!is_dialable(n), "{n}");
        }
    }

    #[test]
    fn masks_like_the_document() {
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("95588"), "****88");
        assert_eq!(mask("1"), "****");
    }

    #[test]
    fn keyword_digits_only_for_numbers() {
        assert_eq!(keyword_digits("138-0013").as_deref(), Some("1380013"));
        assert_eq!(
            keyword_digits("+86 13800138000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(keyword_digits("张三"), None);
        assert_eq!(keyword_digits("-"), None);
    }
}
