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
                    let detail = format!(
                        "{}：{} → {}",
                        label(key),
                        in_words(key, &old),
                        in_words(key, &new)
                    );
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

/// A setting's name on 设置 (the audit line says it so, issue 30 item 7).
fn label(key: &str) -> &'static str {
    match key {
        AGE => "录音保留天数",
        BYTES => "录音占用空间上限",
        BIND_TTL => "绑定二维码有效期",
        DIAL_TIMEOUT => "拨号无应答超时",
        PHONES => "每人最多绑定手机",
        _ => "设置",
    }
}

/// A setting's value with its unit; empty is 不限.
fn in_words(key: &str, v: &str) -> String {
    if v.is_empty() {
        return "不限".into();
    }
    match key {
        AGE => format!("{v} 天"),
        BYTES => v
            .parse::<u64>()
            .map(|b| format!("{:.1} GB", b as f64 / 1e9))
            .unwrap_or_else(|_| v.to_string()),
        BIND_TTL | DIAL_TIMEOUT => format!("{v} 秒"),
        PHONES => format!("{v} 台"),
        _ => v.to_string(),
    }
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
    let detail = format!("外呼频率：{}", pacing_changes(&old, &new));
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

/// What a pacing change changed, in the words of 设置 → 外呼频率: `最小间隔 0 秒 → 30 秒；…`.
fn pacing_changes(old: &PacingForm, new: &PacingForm) -> String {
    let num = |v: Option<String>, unit: &str| match v {
        Some(v) if v != "0" => format!("{v}{unit}"),
        _ => "不限".to_string(),
    };
    let hours = |v: &Option<Vec<String>>| match v.as_deref() {
        Some([]) | None => "无".to_string(),
        Some(spans) => spans.join("、"),
    };
    let yes = |v: Option<bool>| if v == Some(true) { "是" } else { "否" };
    let rows = [
        (
            "最小间隔",
            num(old.min_gap_seconds.map(|v| v.to_string()), " 秒"),
            num(new.min_gap_seconds.map(|v| v.to_string()), " 秒"),
        ),
        (
            "每小时上限",
            num(old.max_per_hour.map(|v| v.to_string()), " 通"),
            num(new.max_per_hour.map(|v| v.to_string()), " 通"),
        ),
        (
            "每天上限",
            num(old.max_per_day.map(|v| v.to_string()), " 通"),
            num(new.max_per_day.map(|v| v.to_string()), " 通"),
        ),
        (
            "免打扰时段",
            hours(&old.quiet_hours),
            hours(&new.quiet_hours),
        ),
        (
            "周末免打扰",
            yes(old.quiet_weekends).to_string(),
            yes(new.quiet_weekends).to_string(),
        ),
    ];
    let changed: Vec<String> = rows
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(word, a, b)| format!("{word} {a} → {b}"))
        .collect();
    changed.join("；")
}
