//! §4.3 upload, once `http::upload_form` has read the form (the file part straight to disk
//! through `receive`): the call checked to be the caller's own, then the file renamed into
//! `recordings/YYYY/MM/DD/` and the row written in one transaction.

use std::path::Path;

use super::format::Format;
use super::receive::Received;
use super::storage;
use crate::auth::Caller;
use crate::calls;
use crate::db::{self, Db, DbError};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// What the form held once the file is on disk (still temporary).
pub struct Form {
    pub call_id: String,
    /// The call's own duration, the default for a missing `duration`.
    pub call_duration: i64,
    pub duration: Option<i64>,
    pub file: Received,
    /// The file name the phone gave the part (the shipped app's says the number).
    pub client_name: Option<String>,
}

/// A stored recording, as the upload answers it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub rel_path: String,
    pub file_name: String,
    pub size: u64,
    pub duration: i64,
    pub format: Format,
}

/// Stores the recording of a form read to the end. Any failure leaves neither file nor row.
pub async fn upload(state: &State, caller: &Caller, form: Form) -> ApiResult<Stored> {
    let stored = store(state, caller, form).await?;
    super::retention::after_upload(state);
    Ok(stored)
}

/// A recording this long after its call's start may still find the call by its number.
pub const BY_NUMBER_WINDOW_MS: i64 = 2 * 3600 * 1000;

/// The caller's call a recording is for (contract §14): the call with id `id` or the one the
/// caller's app knows by it; else, with `number`, the caller's latest call with that number
/// from the last two hours that has no recording yet. Answers DialBox's id and the call's
/// duration; `None` when nothing matches (yet). Another user's call is 404.
pub async fn which_call(
    state: &State,
    caller: &Caller,
    id: &str,
    number: Option<&str>,
) -> ApiResult<Option<(String, i64)>> {
    let (id, number) = (id.to_string(), number.map(str::to_string));
    let user_id = caller.user_id.clone();
    let since = state.clock.now_ms() - BY_NUMBER_WINDOW_MS;
    state
        .db
        .run(move |c| {
            if let Some(call) = calls::report_target::by_id_or_alias(c, &user_id, &id)? {
                return match call.user_id == user_id {
                    true => Ok(Some((call.id, call.duration))),
                    false => Err(no_call()),
                };
            }
            match number {
                Some(n) => Ok(db::recordings::latest_unrecorded_call(
                    c, &user_id, &n, since,
                )?),
                None => Ok(None),
            }
        })
        .await
}

/// The answer for a recording of no call the caller has.
pub fn no_call() -> ApiError {
    ApiError::with_message(crate::error::ErrorCode::NotFound, "通话记录不存在")
}

/// `duration` in seconds: a non-negative number (a fraction is rounded); empty means absent.
pub fn parse_duration(text: &str) -> ApiResult<Option<i64>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(d) if d.is_finite() && (0.0..=crate::limits::MAX_DURATION_SECS as f64).contains(&d) => {
            Ok(Some(d.round() as i64))
        }
        _ => Err(ApiError::invalid("duration 必须是不小于0的秒数")),
    }
}

/// Renames the synced temporary file into its day folder, syncs the folder, and writes the row
/// and `has_recording` in one transaction — all in one blocking job, so a dropped request cannot
/// stop it half way. A failed transaction removes the file again.
async fn store(state: &State, caller: &Caller, form: Form) -> ApiResult<Stored> {
    // the file is on the disk already (in .tmp): what is free now must still be the reserve
    // (a chunked upload declared no length up front); the temporary file goes on refusal
    storage::check_room(&state.config, 0)?;
    // the file's own length where its format says it, else what the phone sent, else the
    // call's (issue 14)
    let file_seconds = match form.file.format {
        Format::Wav | Format::Amr => {
            let (path, format) = (form.file.temp.path().to_path_buf(), form.file.format);
            tokio::task::spawn_blocking(move || super::length::seconds(&path, format))
                .await
                .map_err(ApiError::internal)?
        }
        _ => None,
    };
    let id = crate::ids::recording_id();
    let now = state.clock.now_ms();
    let file_name = storage::file_name(&id, form.file.format.as_str());
    let rel_path = storage::rel_path(now, state.config.timezone, &file_name);
    let stored = Stored {
        id,
        rel_path,
        file_name,
        size: form.file.size,
        duration: file_seconds.or(form.duration).unwrap_or(form.call_duration),
        format: form.file.format,
    };
    let temp = form.file.temp.into_path();
    let final_path = storage::root(&state.config).join(&stored.rel_path);
    let db = state.db.clone();
    let user_id = caller.user_id.clone();
    let record = stored.clone();
    let number = form
        .client_name
        .as_deref()
        .and_then(calls::manual::number_in_file_name);
    let tz = state.config.timezone;
    tokio::task::spawn_blocking(move || {
        let call = Owned {
            id: &form.call_id,
            user_id: &user_id,
            number: number.as_deref(),
        };
        place_and_record(&db, tz, &temp, &final_path, &record, call, now)
    })
    .await
    .map_err(ApiError::internal)??;
    tracing::info!(recording = %stored.id, bytes = stored.size, format = stored.format.as_str(), "recording stored");
    Ok(stored)
}

/// The call a recording is for, its owner and the number its file name carries.
struct Owned<'a> {
    id: &'a str,
    user_id: &'a str,
    number: Option<&'a str>,
}

/// The blocking half of `store`: rename, sync, then the transaction; undoes the file on failure.
fn place_and_record(
    db: &Db,
    tz: chrono_tz::Tz,
    temp: &Path,
    final_path: &Path,
    rec: &Stored,
    call: Owned<'_>,
    now: i64,
) -> ApiResult<()> {
    let (call_id, user_id) = (call.id, call.user_id);
    if let Err(e) = place(temp, final_path) {
        let _ = std::fs::remove_file(temp);
        return Err(ApiError::from_io(&e));
    }
    let written = db.write_blocking(|tx| {
        // the call may have been deleted or changed hands while the file streamed
        let (owner, _) = db::recordings::call_owner(tx, call_id)?;
        if owner != user_id {
            return Err(DbError::NotFound);
        }
        if let Some(number) = call.number {
            calls::manual::learn_number(tx, tz, call_id, number, now)?;
        }
        db::recordings::insert(
            tx,
            &db::recordings::NewRecording {
                id: &rec.id,
                call_id,
                user_id,
                file_name: &rec.file_name,
                rel_path: &rec.rel_path,
                file_size: rec.size as i64,
                duration: rec.duration,
                format: rec.format.as_str(),
                created_at: now,
            },
        )
    });
    if written.is_err() {
        let _ = std::fs::remove_file(final_path);
    }
    Ok(written?)
}

/// Moves the synced file into its folder and syncs the folders whose entries changed.
fn place(temp: &Path, final_path: &Path) -> std::io::Result<()> {
    let day_dir = final_path.parent().expect("a day folder");
    let created = !day_dir.exists();
    std::fs::create_dir_all(day_dir)?;
    std::fs::rename(temp, final_path)?;
    crate::platform::sync_dir(day_dir)?;
    if created {
        // the new day (and maybe month and year) folder entries must survive a crash too
        for dir in day_dir.ancestors().skip(1).take(3) {
            crate::platform::sync_dir(dir)?;
        }
    }
    Ok(())
}
