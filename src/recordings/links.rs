//! The URLs and names handed out for a recording: `filePath`, the signed `fileUrl` / download
//! `url` (contract §8), and a download file name people can read, Chinese included (RFC 6266).

use chrono_tz::Tz;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::storage::{PUBLIC_PREFIX, STREAM_PREFIX};
use crate::auth::Caller;
use crate::db::recordings::Recording;
use crate::state::State;

/// RFC 8187 `attr-char`: everything else in `filename*` is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// §4.4 `filePath`: `/recordings/YYYY/MM/DD/<file>`.
pub fn file_path(rel: &str) -> String {
    format!("{PUBLIC_PREFIX}{rel}")
}

/// An absolute stream URL carrying a signed link token for `viewer` that expires after the
/// configured time.
pub fn signed_url(
    state: &State,
    viewer: &Caller,
    recording_id: &str,
    rel: &str,
    download: bool,
) -> String {
    let ttl = state.config.recording_link_ttl.as_secs() as i64;
    let exp = chrono::Utc::now().timestamp() + ttl;
    let who = (viewer.user_id.as_str(), viewer.token_version);
    let token = state.recordings.links.sign(recording_id, who, exp);
    let extra = if download { "&download=1" } else { "" };
    format!(
        "{}{STREAM_PREFIX}{rel}?token={token}{extra}",
        state.public.http
    )
}

/// A download name: `录音_<customer>_<YYYYMMDD_HHMMSS>.<ext>` (office time of the call), and
/// the ASCII fallback `recording_<YYYYMMDD_HHMMSS>.<ext>` for clients without `filename*`.
pub struct DownloadNames {
    pub utf8: String,
    pub ascii: String,
}

pub fn download_names(rec: &Recording, tz: Tz) -> DownloadNames {
    let when = chrono::DateTime::from_timestamp_millis(rec.call_start)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%Y%m%d_%H%M%S")
        .to_string();
    // keep letters (any script), digits and a few marks; drop what file systems refuse
    let customer: String = rec
        .customer_name
        .chars()
        .filter(|c| c.is_alphanumeric() || "-_()（）".contains(*c))
        .take(32)
        .collect();
    let ext = &rec.format;
    let utf8 = if customer.is_empty() {
        format!("录音_{when}.{ext}")
    } else {
        format!("录音_{customer}_{when}.{ext}")
    };
    DownloadNames {
        utf8,
        ascii: format!("recording_{when}.{ext}"),
    }
}

/// `Content-Disposition: attachment` with both names (RFC 6266 §4.3).
pub fn attachment(names: &DownloadNames) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        names.ascii,
        utf8_percent_encode(&names.utf8, ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_header_is_ascii_and_carries_the_chinese_name() {
        let names = DownloadNames {
            utf8: "录音_张三_20251225_103000.mp3".into(),
            ascii: "recording_20251225_103000.mp3".into(),
        };
        let h = attachment(&names);
        assert!(h.is_ascii());
        assert_eq!(
            h,
            "attachment; filename=\"recording_20251225_103000.mp3\"; \
             filename*=UTF-8''%E5%BD%95%E9%9F%B3_%E5%BC%A0%E4%B8%89_20251225_103000.mp3"
        );
    }
}
