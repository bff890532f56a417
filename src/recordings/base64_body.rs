//! 2.4.0's JSON fallback for a recording (contract §14): `{callId, fileName, base64,
//! phoneNumber}`. The body is read whole (bounded by the route), the base64 text borrowed from
//! it — never copied — and decoded a slice at a time into the same streaming receiver as the
//! multipart file, so the decoded file never sits in memory whole.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};

/// The most audio one upload may carry (the app itself sends at most 15 MB).
pub const MAX_AUDIO_BYTES: u64 = 20 * 1024 * 1024;
/// The most a body may be: the audio as base64 (4 characters per 3 bytes), a `data:` prefix,
/// the small fields and the JSON around them.
pub const MAX_BODY_BYTES: u64 = MAX_AUDIO_BYTES / 3 * 4 + 64 * 1024;
/// Base64 characters decoded at a time (a multiple of 4): 48 KiB of audio per slice.
const SLICE_CHARS: usize = 64 * 1024;

/// The body's fields; the base64 text borrowed from the body unless JSON escapes forced a copy.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Base64Upload<'a> {
    #[serde(default, borrow, deserialize_with = "text")]
    pub call_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub file_name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub base64: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub phone_number: Option<Cow<'a, str>>,
}

/// A string field borrowed from the body when it has no escapes (serde's own `Cow` always
/// copies), `null` as absent.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Text;
    impl<'de> serde::de::Visitor<'de> for Text {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_string())))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Text)
}

impl<'a> Base64Upload<'a> {
    /// Reads the body; missing `callId` or `base64` is INVALID_PARAMS.
    pub fn parse(body: &'a [u8]) -> ApiResult<Self> {
        let upload: Self = serde_json::from_slice(body).map_err(|e| {
            ApiError::invalid(format!("请求体无效: {}", e.to_string().replace("`", "")))
        })?;
        let blank = |v: &Option<Cow<'_, str>>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if blank(&upload.call_id) || blank(&upload.base64) {
            return Err(ApiError::invalid("参数不完整：需要 callId 和 base64"));
        }
        Ok(upload)
    }

    /// The base64 text without a `data:…;base64,` prefix.
    pub fn payload(&self) -> &str {
        let text = self.base64.as_deref().unwrap_or_default().trim();
        match text.strip_prefix("data:") {
            Some(rest) => rest.split_once(',').map_or(rest, |(_, data)| data),
            None => text,
        }
    }
}

/// The decoded file, a slice at a time; a character that is not base64 ends it with an error.
/// Line breaks and spaces inside the text are skipped, padding is optional.
pub fn decode_slices(text: &str) -> impl Iterator<Item = ApiResult<Bytes>> + '_ {
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let mut rest = text.as_bytes();
    let mut pending: Vec<u8> = Vec::with_capacity(SLICE_CHARS + 4);
    std::iter::from_fn(move || {
        while pending.len() < SLICE_CHARS && !rest.is_empty() {
            let take = rest.len().min(SLICE_CHARS - pending.len());
            let (now, later) = rest.split_at(take);
            pending.extend(now.iter().copied().filter(|b| !b.is_ascii_whitespace()));
            rest = later;
        }
        if pending.is_empty() {
            return None;
        }
        // decode whole quanta; the last slice takes what is left (with or without padding)
        let cut = if rest.is_empty() {
            pending.len()
        } else {
            pending.len() / 4 * 4
        };
        let slice: Vec<u8> = pending.drain(..cut).collect();
        Some(
            engine
                .decode(&slice)
                .map(Bytes::from)
                .map_err(|_| ApiError::invalid("base64 内容无效")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn decoded(text: &str) -> ApiResult<Vec<u8>> {
        let mut out = Vec::new();
        for slice in decode_slices(text) {
            out.extend_from_slice(&slice?);
        }
        Ok(out)
    }

    #[test]
    fn decodes_in_slices_what_one_call_decodes() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let text = STANDARD.encode(&data);
        assert_eq!(decoded(&text).unwrap(), data);
        // wrapped lines and no padding read the same
        let wrapped: String = text
            .trim_end_matches('=')
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
            .collect();
        assert_eq!(decoded(&wrapped).unwrap(), data);
        assert!(decoded("not base64!").is_err());
        assert_eq!(decoded("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn reads_the_body_and_its_data_url() {
        let body = br#"{"callId":"IN-local-1","fileName":"a.m4a","base64":"data:audio/mp4;base64,AAEC","phoneNumber":"138"}"#;
        let upload = Base64Upload::parse(body).unwrap();
        assert_eq!(upload.payload(), "AAEC");
        assert!(
            matches!(upload.base64, Some(Cow::Borrowed(_))),
            "not copied"
        );
        assert!(Base64Upload::parse(br#"{"callId":"x"}"#).is_err());
        assert!(Base64Upload::parse(br#"{"callId":"","base64":"AAEC"}"#).is_err());
        assert!(Base64Upload::parse(br#"{"callId":5,"base64":"AAEC"}"#).is_err());
        assert!(Base64Upload::parse(b"[1]").is_err());
    }
}
