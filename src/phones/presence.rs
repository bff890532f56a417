//! What a connected phone's socket writes about the phone itself: its last activity (at most
//! every `TOUCH_EVERY_MS`, the hub holds the live value in between) and the app version that
//! DEVICE_ONLINE reports.

use crate::calls::Once;
use crate::db::{self, Db};
use crate::error::{ApiError, ApiResult};

/// `last_active_at` is written to the database at most this often per phone (apps heartbeat
/// every 30 s: this halves those writes); the socket stores the live value when it closes, so
/// the API is never stale.
pub const TOUCH_EVERY_MS: i64 = 60_000;

/// Stores the phone's last activity.
pub async fn store_activity(db: &Db, phone_id: i64, at: i64) -> ApiResult<()> {
    Ok(db
        .write(move |tx| db::phones::touch(tx, phone_id, at))
        .await?)
}

/// DEVICE_ONLINE: keeps the app's new version (if any), once per messageId — the check, the
/// change and the record of the id are one transaction.
pub async fn device_online(
    db: &Db,
    now: i64,
    phone_id: i64,
    new_version: Option<String>,
    once: Option<Once>,
) -> ApiResult<()> {
    if new_version.is_none() && once.is_none() {
        return Ok(());
    }
    db.write(move |tx| {
        if let Some(once) = &once
            && once.seen_before(tx, now)?
        {
            return Ok(());
        }
        if let Some(version) = &new_version {
            db::phones::set_app_version(tx, phone_id, version)?;
        }
        Ok::<_, ApiError>(())
    })
    .await
}
