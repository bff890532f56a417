//! What the PC does with stored recordings (§4.4, §4.6–§4.8): list, find, delete and count the
//! recordings the caller may see. Visibility per contract §2: anyone else's is NOT_FOUND.

use crate::auth::Caller;
use crate::db::{self, recordings::Filter, recordings::Recording};
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// The counts §4.8 shows: all the caller may see, and today's.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub count: i64,
    pub bytes: i64,
    pub today_count: i64,
    pub today_bytes: i64,
}

/// One page of the recordings the caller may see, and the number of all matches.
pub async fn list(
    state: &State,
    caller: &Caller,
    filter: Filter,
    page: u32,
    page_size: u32,
) -> ApiResult<(Vec<Recording>, i64)> {
    let scope = caller.scope();
    Ok(state
        .db
        .run(move |c| db::recordings::list(c, &scope, &filter, page, page_size))
        .await?)
}

/// A recording the caller may see, else NOT_FOUND.
pub async fn visible(state: &State, caller: &Caller, id: String) -> ApiResult<Recording> {
    let rec = state.db.run(move |c| db::recordings::by_id(c, &id)).await?;
    if !caller.can_see(&rec.user_id, &rec.user_department) {
        return Err(ApiError::not_found());
    }
    Ok(rec)
}

/// §4.6: a recording the caller may download, with the download written to the audit log.
pub async fn download(state: &State, caller: &Caller, id: String) -> ApiResult<Recording> {
    let rec = visible(state, caller, id).await?;
    let who = crate::audit::Actor::of(caller);
    let action = crate::audit::Action::RecordingDownload;
    crate::audit::record_alone(state, who, action, rec.id.clone(), rec.file_name.clone()).await?;
    Ok(rec)
}

/// §4.7: deletes a recording the caller may see. The row goes first: once it is gone nothing
/// lists or serves the file; a file that cannot be removed (or is already gone) then costs
/// only space and never blocks the delete.
pub async fn delete(state: &State, caller: &Caller, id: String) -> ApiResult<()> {
    let rec = visible(state, caller, id).await?;
    let rec_id = rec.id.clone();
    let who = crate::audit::Actor::of(caller);
    let detail = format!("{} {}", rec.customer_name, rec.file_name);
    let now = state.clock.now_ms();
    let rel = state
        .db
        .write(move |tx| {
            let rel = db::recordings::delete(tx, &rec_id, now)?;
            let action = crate::audit::Action::RecordingDelete;
            crate::audit::record(tx, &who, action, &rec_id, &detail)?;
            Ok::<_, db::DbError>(rel)
        })
        .await?;
    super::storage::remove_deleted(&state.config, vec![rel]).await;
    tracing::info!(by = %caller.username, recording = %rec.id, "recording deleted");
    Ok(())
}

/// §4.8: what the caller may see, and what of it was stored today (the office's day).
pub async fn counts(state: &State, caller: &Caller) -> ApiResult<Counts> {
    let tz = state.config.timezone;
    let today = crate::times::local_day(state.clock.now_ms(), tz);
    let start = crate::times::day_start_ms(today, tz);
    let end = crate::times::day_start_ms(today.succ_opt().unwrap_or(today), tz);
    let scope = caller.scope();
    let (count, bytes, today_count, today_bytes) = state
        .db
        .run(move |c| db::recordings::stats(c, &scope, start, end))
        .await?;
    Ok(Counts {
        count,
        bytes,
        today_count,
        today_bytes,
    })
}

/// What the admin's storage view shows: the disk and what the recordings take of it.
#[derive(Debug, Clone, Copy)]
pub struct Storage {
    pub disk_free: u64,
    pub disk_total: u64,
    pub count: i64,
    pub bytes: i64,
    /// Rows whose file the reconcile did not find.
    pub missing: i64,
    /// Files with no row, moved to `recordings/orphaned/`: count and bytes.
    pub orphaned: (u64, u64),
}

/// The disk under the data folder and the recordings' share of it; admins only.
pub async fn storage(state: &State, caller: &Caller) -> ApiResult<Storage> {
    caller.require_admin()?;
    let (count, bytes, missing) = state
        .db
        .run(|c| {
            let (count, bytes) = db::recordings::totals(c)?;
            Ok::<_, db::DbError>((count, bytes, db::recordings::missing_count(c)?))
        })
        .await?;
    let config = state.config.clone();
    let ((disk_free, disk_total), orphaned) = tokio::task::spawn_blocking(move || {
        let disk = crate::platform::disk_space(&config.data_dir)?;
        Ok::<_, std::io::Error>((disk, super::reconcile::orphaned(&config)?))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok(Storage {
        disk_free,
        disk_total,
        count,
        bytes,
        missing,
        orphaned,
    })
}
