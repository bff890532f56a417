//! Request bodies: JSON read with a hard size limit, enforced while reading (a body without
//! Content-Length cannot sneak past it), and parsed into a typed request.

use bytes::{Buf, BytesMut};
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use warp::{Filter, Rejection};

use crate::error::{ApiError, ErrorCode};

/// Reads the whole body, refusing it with 413 as soon as it passes `limit` bytes.
pub async fn read_limited<S, B>(
    declared: Option<u64>,
    mut body: S,
    limit: u64,
) -> Result<BytesMut, ApiError>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge));
    }
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|_| ApiError::invalid("请求体读取失败"))?;
        if (buf.len() + chunk.remaining()) as u64 > limit {
            return Err(ApiError::new(ErrorCode::PayloadTooLarge));
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            buf.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    Ok(buf)
}

/// Parses JSON into `T`; a syntax error, a missing field or a wrong type is INVALID_PARAMS with
/// serde's description of what is wrong (it names the field), its Rust type names taken out.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid("缺少请求体"));
    }
    // Every route wants an object. Checked before serde, which would read a struct from an
    // array by position (`[null, null]` passed as settings that change nothing).
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(_) => ApiError::invalid("参数错误: 请求体必须是JSON对象"),
            Err(e) => ApiError::invalid(format!("参数错误: {e}")),
        });
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid(format!("参数错误: {}", without_type_names(&e.to_string()))))
}

/// serde's message without the names of our types: "expected struct LoginRequest" tells a
/// client nothing it can act on, and shows our internals.
fn without_type_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, word, plain)) = [
        ("struct ", "an object"),
        ("enum ", "one of the allowed values"),
    ]
    .iter()
    .filter_map(|(w, p)| rest.find(w).map(|at| (at, *w, *p)))
    .min_by_key(|(at, _, _)| *at)
    {
        out.push_str(&rest[..at]);
        let after = &rest[at + word.len()..];
        let name = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if name == 0 {
            out.push_str(word);
            rest = after;
            continue;
        }
        out.push_str(plain);
        rest = &after[name..];
        // serde's sequence form of a struct: " with 3 elements"
        if let Some(tail) = rest.strip_prefix(" with ")
            && let Some(end) = tail.find(" element")
            && tail[..end].chars().all(|c| c.is_ascii_digit())
        {
            rest = tail[end + " element".len()..].trim_start_matches('s');
        }
    }
    out.push_str(rest);
    out
}

/// A filter that extracts a JSON body of type `T`, at most `limit` bytes.
pub fn json<T>(limit: u64) -> impl Filter<Extract = (T,), Error = Rejection> + Clone
where
    T: DeserializeOwned + Send + 'static,
{
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |declared, body| async move {
            let bytes = read_limited(declared, Box::pin(body), limit).await?;
            parse_json::<T>(&bytes).map_err(warp::reject::custom)
        })
}

/// Like `json`, but an empty body (or none) is `T::default()`: for routes whose body is optional
/// (§3.1's `userId`, the phone's own unbind).
pub fn json_or_default<T>(limit: u64) -> impl Filter<Extract = (T,), Error = Rejection> + Clone
where
    T: DeserializeOwned + Default + Send + 'static,
{
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |declared, body| async move {
            let bytes = read_limited(declared, Box::pin(body), limit).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(T::default());
            }
            parse_json::<T>(&bytes).map_err(warp::reject::custom)
        })
}

/// A filter that extracts the raw body, at most `limit` bytes (CSV imports).
pub fn bytes(limit: u64) -> impl Filter<Extract = (BytesMut,), Error = Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |declared, body| async move {
            read_limited(declared, Box::pin(body), limit)
                .await
                .map_err(warp::reject::custom)
        })
}

/// A time field that may be an ISO string or epoch ms (contract §3, §13; a time without an
/// offset is office time); `null` or absent is `None`, anything else INVALID_PARAMS naming it.
pub fn time_field(
    name: &str,
    value: &Option<serde_json::Value>,
    tz: chrono_tz::Tz,
) -> Result<Option<i64>, ApiError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => crate::times::parse_json_time(v, tz)
            .map(Some)
            .ok_or_else(|| {
                let words = crate::limits::label(name);
                ApiError::invalid_field(name, format!("{words}须为ISO时间或毫秒时间戳"))
            }),
    }
}

/// A body field that may be absent (`None`) or null (`Some(None)`): null removes a value (a
/// limit, a list's own pacing). Use with `#[serde(default, deserialize_with = "…")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        a: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Option<Inner>,
    }

    fn message(body: &str) -> String {
        parse_json::<Outer>(body.as_bytes())
            .unwrap_err()
            .message
            .to_string()
    }

    #[test]
    fn messages_name_fields_but_never_our_types() {
        assert_eq!(message("[]"), "参数错误: 请求体必须是JSON对象");
        let nested = message(r#"{"name":"x","inner":"abc"}"#);
        assert!(nested.contains("expected an object"), "{nested}");
        let missing = message(r#"{"inner":null}"#);
        assert!(missing.contains("missing field `name`"), "{missing}");
        assert_eq!(message("123"), "参数错误: 请求体必须是JSON对象");
        for text in [
            message("[]"),
            nested,
            missing,
            message("null"),
            message("{"),
        ] {
            assert!(!text.contains("Outer") && !text.contains("Inner"), "{text}");
        }
        assert_eq!(
            without_type_names("expected struct A with 2 elements at line 1"),
            "expected an object at line 1"
        );
        assert_eq!(
            without_type_names("expected enum Role"),
            "expected one of the allowed values"
        );
    }
}
