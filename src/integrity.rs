//! The database's full check, in the background (issue 32, item 2): a start reads only the pages
//! it needs (`db::health::at_start`), and the whole-file `quick_check` — seconds at millions of
//! calls, which kept the phones waiting at every start — runs here instead: at once after an
//! unclean stop (the running marker was left behind; the check is owed until one finishes, even
//! across more starts), on the first start of a folder never checked, and then once a day. The
//! report goes to the settings table, the log and 设置.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::db::{self, health::Report};
use crate::state::State;

/// The file in the data folder that says a server is running; left behind, the last stop was
/// not clean (a crash, a kill, a power cut).
pub const RUNNING_MARKER: &str = "dialbox.running";

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// How often the task looks whether a check is due.
const LOOK_EVERY: Duration = Duration::from_secs(600);

/// A full check is running now (设置 says so).
static RUNNING: AtomicBool = AtomicBool::new(false);

pub fn running() -> bool {
    RUNNING.load(Ordering::Relaxed)
}

/// Starts the task; `unclean` when the last stop left the running marker behind.
pub fn spawn(state: State, unclean: bool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if unclean
            && let Err(e) = state
                .db
                .write(|tx| db::health::owe_check(tx, "unclean_stop"))
                .await
        {
            tracing::warn!(error = %e, "cannot note the database check owed");
        }
        loop {
            let read = state
                .db
                .run(|c| {
                    Ok::<_, db::DbError>((db::health::check_owed(c)?, db::health::last_report(c)?))
                })
                .await;
            let now = state.clock.now_ms();
            let why = match read {
                Ok((Some(why), _)) => Some(why),
                Ok((None, None)) => Some("first".to_string()),
                Ok((None, Some(r))) if now - r.at >= DAY_MS => Some("daily".to_string()),
                _ => None,
            };
            if let Some(why) = why {
                check(&state, &why).await;
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    })
}

/// One full check, its report kept and logged.
async fn check(state: &State, why: &str) {
    RUNNING.store(true, Ordering::Relaxed);
    let path = state.config.db_path();
    let started = Instant::now();
    tracing::info!(reason = why, "database check started");
    let found = tokio::task::spawn_blocking(move || db::health::full_check(&path)).await;
    RUNNING.store(false, Ordering::Relaxed);
    let found = match found {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => return tracing::warn!(error = %e, "database check could not run"),
        Err(e) => return tracing::warn!(error = %e, "database check could not run"),
    };
    let report = Report {
        at: state.clock.now_ms(),
        ok: found.is_none(),
        detail: found.clone().unwrap_or_default(),
        took_ms: started.elapsed().as_millis() as i64,
        reason: why.to_string(),
    };
    match &found {
        None => tracing::info!(
            took_ms = report.took_ms,
            "database check: the file is whole"
        ),
        Some(detail) => tracing::error!(
            detail,
            "database check found damage: stop the server and restore the newest backup (dialbox backup makes them)"
        ),
    }
    let saved = report.clone();
    if let Err(e) = state
        .db
        .write(move |tx| db::health::save_report(tx, &saved))
        .await
    {
        tracing::warn!(error = %e, "database check's report not saved");
    }
}
