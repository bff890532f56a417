//! 设置 (issue 14, admins): what the server believes about itself, and the settings it changes
//! at runtime (`crate::settings`).

use serde::Deserialize;
use serde_json::{Value, json};
use warp::reply::Response;

use super::reply;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::calls::pacing::PacingForm;
use crate::error::ApiResult;
use crate::settings::{self, Change, Tunables};
use crate::state::State;

fn tunables_view(t: &Tunables) -> Value {
    json!({
        "recordingMaxAgeDays": t.recording_max_age_days,
        "recordingMaxBytes": t.recording_max_bytes,
        "bindTtlSecs": t.bind_ttl.as_secs(),
        "dialTimeoutSecs": t.dial_timeout.as_secs(),
        "maxPhonesPerUser": t.max_phones_per_user,
    })
}

/// GET /api/v1/system/settings
pub async fn show(state: State, caller: Caller) -> ApiResult<Response> {
    // admins only (storage says so too)
    let storage = crate::recordings::manage::storage(&state, &caller).await?;
    let last_backup = state
        .db
        .run(|c| crate::db::settings::get(c, settings::LAST_BACKUP))
        .await?
        .and_then(|text| serde_json::from_str::<Value>(&text).ok());
    let check = state.db.run(|c| crate::db::health::last_report(c)).await?;
    Ok(reply::ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "publicUrl": state.public.http,
        "wsUrl": state.public.ws_mobile,
        "publicUrlIsLoopback": state.public.is_loopback(),
        "timezone": state.config.timezone.name(),
        "dataDir": state.config.data_dir.display().to_string(),
        "diskFree": storage.disk_free,
        "diskTotal": storage.disk_total,
        "recordingCount": storage.count,
        "recordingBytes": storage.bytes,
        "lastBackup": last_backup,
        "databaseCheck": database_check(check),
        "settings": tunables_view(&state.settings.get()),
        "defaults": tunables_view(&Tunables::from_config(&state.config)),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsBody {
    #[serde(default, deserialize_with = "super::body::nullable")]
    recording_max_age_days: Option<Option<u32>>,
    #[serde(default, deserialize_with = "super::body::nullable")]
    recording_max_bytes: Option<Option<u64>>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    bind_ttl_secs: Option<u64>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    dial_timeout_secs: Option<u64>,
    #[serde(default, deserialize_with = "crate::limits::not_null")]
    max_phones_per_user: Option<u32>,
}

/// PUT /api/v1/system/settings
pub async fn update(state: State, caller: Caller, b: SettingsBody) -> ApiResult<Response> {
    caller.require_admin()?;
    let change = Change {
        recording_max_age_days: b.recording_max_age_days,
        recording_max_bytes: b.recording_max_bytes,
        bind_ttl_secs: b.bind_ttl_secs,
        dial_timeout_secs: b.dial_timeout_secs,
        max_phones_per_user: b.max_phones_per_user,
    };
    let now = settings::change::save(&state, &Actor::of(&caller), change).await?;
    Ok(reply::ok_with("设置已保存", tunables_view(&now)))
}

/// GET /api/v1/system/pacing
/// Everyone who dials may read the rules that may refuse them; only admins change them.
pub async fn pacing(state: State, _caller: Caller) -> ApiResult<Response> {
    Ok(reply::ok(json!({
        "pacing": PacingForm::of(&state.settings.pacing()),
        "defaults": PacingForm::of(&state.config.pacing),
    })))
}

/// PUT /api/v1/system/pacing
pub async fn update_pacing(state: State, caller: Caller, b: PacingForm) -> ApiResult<Response> {
    caller.require_admin()?;
    let now = settings::change::save_pacing(&state, &Actor::of(&caller), b).await?;
    Ok(reply::ok_with(
        "外呼频率限制已保存",
        json!(PacingForm::of(&now)),
    ))
}

/// GET /api/v1/system/office
///
/// The office's name, which the phone app shows as 租户 (everyone logged in may read it).
pub async fn office(state: State, _caller: Caller) -> ApiResult<Response> {
    let name = state.db.run(|c| settings::office_name(c)).await?;
    Ok(reply::ok(json!({ "name": name })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeBody {
    name: String,
}

/// PUT /api/v1/system/office
pub async fn update_office(state: State, caller: Caller, b: OfficeBody) -> ApiResult<Response> {
    caller.require_admin()?;
    let name = settings::change::save_office_name(&state, &Actor::of(&caller), b.name).await?;
    Ok(reply::ok_with("单位名称已保存", json!({ "name": name })))
}

/// The database's health for 设置 (issue 32, item 2): the last full check, whether one runs
/// now, and the first damage a request met since the start.
fn database_check(last: Option<crate::db::health::Report>) -> Value {
    let met = crate::db::health::damage_met();
    json!({
        "running": crate::integrity::running(),
        "lastRunAt": last.as_ref().map(|r| crate::times::iso_ms(r.at)),
        "ok": last.as_ref().map(|r| r.ok),
        "detail": last.as_ref().map(|r| r.detail.clone()).filter(|d| !d.is_empty()),
        "tookMs": last.as_ref().map(|r| r.took_ms),
        "reason": last.as_ref().map(|r| r.reason.clone()),
        "damageMet": met.map(|(at, detail)| json!({"at": crate::times::iso_ms(at), "detail": detail})),
    })
}
