//! Saving a change to the runtime settings: the rows and one audit line per changed setting in
//! one transaction, then the values in force.

use super::{AGE, BIND_TTL, BYTES, Change, DIAL_TIMEOUT, PACING, PHONES, Tunables, apply};
use crate::audit::{self, Action, Actor};
use crate::calls::pacing::{Pacing, PacingForm};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::State;

fn opt_text<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Saves a change: the rows and one audit line per changed setting in one transaction, then the
/// values in force. Returns the new values.
pub async fn save(state: &State, who: &Actor, c: Change) -> ApiResult<Tunables> {
    let before = state.settings.get();
    let after = apply(before, &c)?;
    let who = who.clone();
    state
        .db
        .write(move |tx| {
            let rows = [
                (
                    AGE,
                    opt_text(before.recording_max_age_days),
                    opt_text(after.recording_max_age_days),
                ),
                (
                    BYTES,
                    opt_text(before.recording_max_bytes),
                    opt_text(after.recording_max_bytes),
                ),
                (
                    BIND_TTL,
                    before.bind_ttl.as_secs().to_string(),
                    after.bind_ttl.as_secs().to_string(),
                ),
                (
                    DIAL_TIMEOUT,
                    before.dial_timeout.as_secs().to_string(),
                    after.dial_timeout.as_secs().to_string(),
                ),
                (
                    PHONES,
                    before.max_phones_per_user.to_string(),
                    after.max_phones_per_user.to_string(),
                ),
            ];
            for (key, old, new) in rows {
                if old != new {
                    db::settings::set(tx, key, &new)?;
                    let name = key.trim_start_matches("setting.");
                    let detail = format!("{name}: {} → {}", shown(&old), shown(&new));
                    audit::record(tx, &who, Action::SettingChange, name, &detail)?;
                }
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    state.settings.set(after);
    tracing::info!(?after, "settings changed");
    Ok(after)
}

fn shown(v: &str) -> &str {
    if v.is_empty() { "不限" } else { v }
}

/// Saves the office's dialing pace (issue 16): `form` over the rules in force, the row and one
/// audit line in one transaction, then the rules in force. Returns them.
pub async fn save_pacing(state: &State, who: &Actor, form: PacingForm) -> ApiResult<Pacing> {
    let before = state.settings.pacing();
    let after = form.apply(&before)?;
    let (old, new) = (PacingForm::of(&before), PacingForm::of(&after));
    if old == new {
        return Ok(after);
    }
    let who = who.clone();
    let text = serde_json::to_string(&new).map_err(ApiError::internal)?;
    let detail = format!(
        "pacing: {} → {text}",
        serde_json::to_string(&old).map_err(ApiError::internal)?
    );
    state
        .db
        .write(move |tx| {
            db::settings::set(tx, PACING, &text)?;
            audit::record(tx, &who, Action::SettingChange, "pacing", &detail)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    state.settings.set_pacing(after.clone());
    // sessions held back by the old rules look again under the new ones
    let now = state.clock.now_ms();
    state
        .db
        .write(move |tx| db::dialer_sessions::recheck_paced(tx, now))
        .await?;
    state.dialer_bell.ring();
    tracing::info!(?after, "dialing pace changed");
    Ok(after)
}

/// Saves the office's name (the app shows it as 租户; contract §14). Trimmed, 1–64 characters.
pub async fn save_office_name(state: &State, who: &Actor, name: String) -> ApiResult<String> {
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::invalid_field("name", "单位名称不能为空"));
    }
    crate::limits::name("name", &name)?;
    let who = who.clone();
    let saved = name.clone();
    state
        .db
        .write(move |tx| {
            let old = db::settings::get(tx, super::OFFICE_NAME)?.unwrap_or_default();
            db::settings::set(tx, super::OFFICE_NAME, &name)?;
            let detail = format!("单位名称: {old} → {name}");
            audit::record(tx, &who, Action::SettingChange, "officeName", &detail)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(saved)
}
