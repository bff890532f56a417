//! `POST /api/v1/mobile/recording/upload-base64`: 2.4.0's fallback when its multipart upload
//! failed (contract §14) — §4.3 in a JSON wrapping, with the same content check and answer.
//! The body is bounded by the route; at most two are held at once across the server, so the
//! memory they take is bounded too (each is up to ~27 MiB of base64 text).

use std::sync::{Arc, LazyLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use warp::Filter;
use warp::reply::Response;

use super::recordings::stored_answer;
use crate::auth::Caller;
use crate::calls::inbound::caller_number;
use crate::error::ApiResult;
use crate::recordings::base64_body::{self, Base64Upload};
use crate::recordings::{receive, storage, upload};
use crate::state::State;

/// How many base64 bodies the server holds at once; the others wait their turn before their
/// body is read.
const AT_ONCE: usize = 2;

/// A base64 upload's turn, taken before its body is read and held until it is answered.
pub struct Turn(#[allow(dead_code)] OwnedSemaphorePermit);

/// The filter that waits for a turn.
pub fn turn() -> impl Filter<Extract = (Turn,), Error = std::convert::Infallible> + Clone {
    static TURNS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(AT_ONCE)));
    warp::any().then(|| async {
        let permit = TURNS.clone().acquire_owned().await;
        Turn(permit.expect("the base64 semaphore is never closed"))
    })
}

/// POST /api/v1/mobile/recording/upload-base64
pub async fn upload_base64(
    state: State,
    caller: Caller,
    _turn: Turn,
    body: bytes::BytesMut,
) -> ApiResult<Response> {
    let upload = Base64Upload::parse(&body)?;
    let theirs = upload.call_id.as_deref().unwrap_or_default().trim();
    let number = caller_number(upload.phone_number.as_deref());
    let (call_id, call_duration) = upload::which_call(&state, &caller, theirs, number.as_deref())
        .await?
        .ok_or_else(upload::no_call)?;
    storage::check_room(&state.config, 0)?;
    let limit = state
        .config
        .max_upload_bytes
        .min(base64_body::MAX_AUDIO_BYTES);
    let slices = futures_util::stream::iter(base64_body::decode_slices(upload.payload()));
    let tmp = storage::tmp_dir(&state.config);
    let file = receive::receive(&tmp, slices, limit).await?;
    let form = upload::Form {
        call_id: call_id.clone(),
        call_duration,
        duration: None,
        file,
        client_name: upload
            .file_name
            .as_deref()
            .map(|n| n.chars().take(255).collect()),
    };
    let stored = upload::upload(&state, &caller, form).await?;
    Ok(stored_answer(&state, &caller, &call_id, &stored))
}
