//! Retention: recordings older than `recording_max_age_days` go, and while the recordings take
//! more than `recording_max_bytes` the oldest go first. A sweep runs at start, every
//! `retention_interval`, and after an upload that took the folder over its budget; each sweep
//! writes one log line. Rows are deleted before files (a crash between leaves an unlisted file,
//! never a listed recording without its file).

use std::sync::Arc;
use std::time::Duration;

use super::storage;
use crate::db::{self, DbResult};
use crate::state::State;

/// How many rows a sweep looks at per round.
const BATCH: u32 = 200;

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub removed: u64,
    pub removed_bytes: u64,
    pub kept: u64,
    pub kept_bytes: u64,
}

/// Starts the periodic sweep (the first one at once). The task ends when the server drops it.
pub fn spawn(state: State) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // a zero interval would make tokio panic; a tiny one is only for tests
        let every = state
            .config
            .retention_interval
            .max(Duration::from_millis(10));
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            reconcile_logged(&state).await;
            sweep_logged(&state, "scheduled").await;
        }
    })
}

/// After an upload: sweeps in the background when a byte budget is set and exceeded.
pub fn after_upload(state: &State) {
    let Some(budget) = state.settings.get().recording_max_bytes else {
        return;
    };
    let state = Arc::clone(state);
    tokio::spawn(async move {
        match state.db.run(|c| db::recordings::totals(c)).await {
            Ok((_, bytes)) if bytes as u64 > budget => sweep_logged(&state, "over budget").await,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention check failed"),
        }
    });
}

/// The files-and-rows reconcile, logged when it changed something.
async fn reconcile_logged(state: &State) {
    let _one_at_a_time = state.recordings.sweeps.lock().await;
    let config = state.config.clone();
    let db = state.db.clone();
    let result = tokio::task::spawn_blocking(move || {
        super::reconcile::reconcile(&config, &db, std::time::SystemTime::now())
    })
    .await;
    match result {
        Ok(Ok(r)) if r == Default::default() => {}
        Ok(Ok(r)) => tracing::warn!(
            orphans_moved = r.orphans_moved,
            marked_missing = r.marked_missing,
            found_again = r.found_again,
            "recordings reconciled with their rows"
        ),
        Ok(Err(e)) => tracing::warn!(error = %e, "recordings reconcile failed"),
        Err(e) => tracing::warn!(error = %e, "recordings reconcile panicked"),
    }
}

async fn sweep_logged(state: &State, why: &'static str) {
    let _one_at_a_time = state.recordings.sweeps.lock().await;
    let sweeper = Arc::clone(state);
    let result = tokio::task::spawn_blocking(move || sweep(&sweeper)).await;
    match result {
        Ok(Ok(r)) => tracing::info!(
            why,
            removed = r.removed,
            removed_bytes = r.removed_bytes,
            kept = r.kept,
            kept_bytes = r.kept_bytes,
            "recording retention sweep"
        ),
        Ok(Err(e)) => tracing::warn!(why, error = %e, "recording retention sweep failed"),
        Err(e) => tracing::warn!(why, error = %e, "recording retention sweep panicked"),
    }
}

/// One sweep, on a blocking thread: the too old first, then the oldest while over budget.
pub fn sweep(state: &State) -> DbResult<SweepReport> {
    let limits = state.settings.get();
    let config = &state.config;
    let now = state.clock.now_ms();
    let cutoff = limits
        .recording_max_age_days
        .map(|days| now - i64::from(days) * 86_400_000);
    let (mut count, mut bytes) = state.db.run_blocking(|c| db::recordings::totals(c))?;
    let mut report = SweepReport::default();
    loop {
        let over_budget = |bytes: i64| limits.recording_max_bytes.is_some_and(|b| bytes as u64 > b);
        if !over_budget(bytes) && cutoff.is_none() {
            break;
        }
        let batch = state
            .db
            .run_blocking(|c| db::recordings::oldest(c, BATCH))?;
        let mut progressed = false;
        for (id, _, size, created_at) in &batch {
            let too_old = cutoff.is_some_and(|c| *created_at < c);
            if !too_old && !over_budget(bytes) {
                break;
            }
            let deleted = state
                .db
                .write_blocking(|tx| db::recordings::delete_if_present(tx, id, now))?;
            if let Some(rel) = deleted {
                if let Err(e) = storage::remove(config, &rel) {
                    tracing::warn!(recording = %id, error = %e, "cannot remove a recording file");
                }
                report.removed += 1;
                report.removed_bytes += *size as u64;
                count -= 1;
                bytes -= size;
                progressed = true;
            }
        }
        if !progressed || batch.len() < BATCH as usize {
            break;
        }
    }
    report.kept = count.max(0) as u64;
    report.kept_bytes = bytes.max(0) as u64;
    Ok(report)
}
