//! The §4.3 multipart form, read part by part (warp's multipart streams them): small fields
//! held to a size, the file part streamed to disk by `recordings::receive`, nothing else kept.

use bytes::Buf;
use futures_util::StreamExt;
use warp::multipart::{FormData, Part};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::recordings::upload::{self, Form};
use crate::recordings::{receive, storage};
use crate::state::State;

/// Room for the form's boundaries, headers and small fields on top of the file itself: a
/// declared Content-Length above `max_upload_bytes + FORM_OVERHEAD` is refused before reading.
pub const FORM_OVERHEAD: u64 = 64 * 1024;
/// The largest text field (`callId`, `duration`) and the most bytes of parts we do not know.
const FIELD_LIMIT: usize = 1024;
const OTHER_PARTS_LIMIT: u64 = 64 * 1024;
/// The app sends two or three parts; a form of many more is not an upload.
const MAX_PARTS: usize = 16;

/// Reads the §4.3 form part by part: the call is checked as soon as `callId` arrives (another
/// user's call is refused before a large file is read), the file streams to a temporary file.
pub async fn read(state: &State, caller: &Caller, mut form: FormData) -> ApiResult<Form> {
    // the app's id, and the call it names once known (DialBox's id and the call's duration)
    let mut theirs: Option<String> = None;
    let mut call: Option<(String, i64)> = None;
    let mut number = None;
    let mut duration = None;
    let mut file = None;
    let mut client_name = None;
    let mut other_bytes = 0u64;
    let mut parts = 0;
    while let Some(part) = form.next().await {
        let part = part.map_err(|_| ApiError::invalid("上传中断或表单格式错误"))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::invalid("表单字段过多"));
        }
        match part.name() {
            "callId" => {
                let id = text(part).await?.trim().to_string();
                if id.is_empty() {
                    return Err(ApiError::invalid("缺少 callId"));
                }
                // checked as soon as it arrives, so another user's call is refused before
                // a large file is read; an id of no call may still find it by its number
                call = upload::which_call(state, caller, &id, None).await?;
                theirs = Some(id);
            }
            "phoneNumber" => {
                number = crate::calls::inbound::caller_number(Some(&text(part).await?))
            }
            "duration" => duration = upload::parse_duration(&text(part).await?)?,
            "file" => {
                if file.is_some() {
                    return Err(ApiError::invalid("一次只能上传一个录音文件"));
                }
                client_name = part.filename().map(|n| n.chars().take(255).collect());
                let tmp = storage::tmp_dir(&state.config);
                let limit = state.config.max_upload_bytes;
                file = Some(receive::receive(&tmp, Box::pin(part.stream()), limit).await?);
            }
            _ => {
                other_bytes += drain(part).await?;
                if other_bytes > OTHER_PARTS_LIMIT {
                    return Err(ApiError::invalid("表单中多余的内容过多"));
                }
            }
        }
    }
    let theirs = theirs.ok_or_else(|| ApiError::invalid("缺少 callId"))?;
    let file = file.ok_or_else(|| ApiError::invalid("缺少录音文件 file"))?;
    // an id of no call was looked up when it came: only its number is left to try
    let call = match (call, number) {
        (Some(call), _) => Some(call),
        (None, Some(number)) => upload::which_call(state, caller, &theirs, Some(&number)).await?,
        (None, None) => None,
    };
    let (call_id, call_duration) = call.ok_or_else(upload::no_call)?;
    Ok(Form {
        call_id,
        call_duration,
        duration,
        file,
        client_name,
    })
}

/// A small text field, refused when longer than `FIELD_LIMIT`.
async fn text(part: Part) -> ApiResult<String> {
    let mut bytes = Vec::new();
    let mut stream = Box::pin(part.stream());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("上传中断或表单格式错误"))?;
        if bytes.len() + chunk.remaining() > FIELD_LIMIT {
            return Err(ApiError::invalid("表单字段过长"));
        }
        bytes.extend_from_slice(chunk.chunk());
    }
    String::from_utf8(bytes).map_err(|_| ApiError::invalid("表单字段不是 UTF-8 文本"))
}

/// Reads and discards a part we do not use; returns its size.
async fn drain(part: Part) -> ApiResult<u64> {
    let mut stream = Box::pin(part.stream());
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("上传中断或表单格式错误"))?;
        size += chunk.remaining() as u64;
        if size > OTHER_PARTS_LIMIT {
            break;
        }
    }
    Ok(size)
}

/// A refused upload the client is still sending: read it to the end (up to `REFUSED_READ_LIMIT`)
/// and throw it away, so the client gets to read the refusal. Answering before the body is in
/// makes the client's send fail with a broken pipe instead (seen in the full-disk test), and the
/// app then knows nothing of why. Larger bodies are not read: the answer closes the connection.
pub const REFUSED_READ_LIMIT: u64 = 16 * 1024 * 1024;

pub async fn discard(mut form: FormData) {
    let mut size = 0u64;
    while let Some(Ok(part)) = form.next().await {
        let mut stream = Box::pin(part.stream());
        while let Some(Ok(chunk)) = stream.next().await {
            size += chunk.remaining() as u64;
            if size > REFUSED_READ_LIMIT {
                return;
            }
        }
    }
}
