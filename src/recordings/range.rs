//! The `Range` header for one file (RFC 9110 §14): a single byte range — `bytes=a-b`, `a-` or
//! `-n` — is served; a range that starts past the end is unsatisfiable (416); anything we do not
//! serve (several ranges, another unit, a malformed value) is ignored and the whole file is sent,
//! as §14.2 allows.

/// What to send for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// 200 with the whole file.
    Full,
    /// 206 with bytes `start..=end` (inclusive, as Content-Range writes them).
    Partial { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Decides what to send for a file of `len` bytes and the request's Range header.
pub fn plan(header: Option<&str>, len: u64) -> Plan {
    let Some(header) = header else {
        return Plan::Full;
    };
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Plan::Full;
    };
    if spec.contains(',') {
        return Plan::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Plan::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.is_empty(), last.is_empty()) {
        // `-n`: the last n bytes
        (true, false) => match number(last) {
            None => Plan::Full,
            Some(0) => Plan::Unsatisfiable,
            Some(_) if len == 0 => Plan::Unsatisfiable,
            Some(n) => Plan::Partial {
                start: len.saturating_sub(n),
                end: len - 1,
            },
        },
        // `a-` or `a-b`
        (false, open) => {
            let Some(start) = number(first) else {
                return Plan::Full;
            };
            let end = if open {
                u64::MAX
            } else {
                match number(last) {
                    Some(end) if end >= start => end,
                    _ => return Plan::Full,
                }
            };
            if start >= len {
                Plan::Unsatisfiable
            } else {
                Plan::Partial {
                    start,
                    end: end.min(len - 1),
                }
            }
        }
        (true, true) => Plan::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(start: u64, end: u64) -> Plan {
        Plan::Partial { start, end }
    }

    #[test]
    fn single_ranges() {
        assert_eq!(plan(Some("bytes=0-99"), 1000), p(0, 99));
        assert_eq!(plan(Some("bytes=500-"), 1000), p(500, 999));
        assert_eq!(plan(Some("bytes=-100"), 1000), p(900, 999));
        assert_eq!(plan(Some("bytes=-5000"), 1000), p(0, 999));
        assert_eq!(plan(Some("bytes=990-5000"), 1000), p(990, 999));
        assert_eq!(plan(Some("bytes=999-999"), 1000), p(999, 999));
    }

    #[test]
    fn unsatisfiable() {
        assert_eq!(plan(Some("bytes=1000-"), 1000), Plan::Unsatisfiable);
        assert_eq!(plan(Some("bytes=2000-3000"), 1000), Plan::Unsatisfiable);
        assert_eq!(plan(Some("bytes=-0"), 1000), Plan::Unsatisfiable);
        assert_eq!(plan(Some("bytes=0-"), 0), Plan::Unsatisfiable);
    }

    #[test]
    fn ignored_means_whole_file() {
        for h in [
            "bytes=abc",
            "bytes=5-2",
            "bytes=0-1,5-9",
            "items=0-5",
            "bytes=-",
            "bytes=1-2-3",
            "bytes=+1-2",
            "bytes=99999999999999999999999-",
            "",
        ] {
            assert_eq!(plan(Some(h), 1000), Plan::Full, "{h:?}");
        }
        assert_eq!(plan(None, 1000), Plan::Full);
    }
}
