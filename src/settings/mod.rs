//! The settings an admin changes at runtime on 设置 (issue 14): recording retention, the bind QR
//! lifetime, the dial timeout and the phones per person. The command-line flags give the
//! defaults; a value saved from the page is kept in the database (`settings` table, one row per
//! key) and wins over the flag from then on, also after a restart. Every change is one audit
//! line, in the same transaction as the rows (`change`, apart so that the server state, which
//! holds the values in force, does not reach the audit log through them).

use std::sync::RwLock;
use std::time::Duration;

use crate::calls::pacing::{Pacing, PacingForm};
use crate::config::Config;
use crate::db::{self, DbResult};
use crate::error::{ApiError, ApiResult};

pub mod change;

/// The values in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tunables {
    /// Recordings older than this are removed; `None` keeps them.
    pub recording_max_age_days: Option<u32>,
    /// The oldest recordings go while all of them take more; `None`: no limit.
    pub recording_max_bytes: Option<u64>,
    pub bind_ttl: Duration,
    pub dial_timeout: Duration,
    pub max_phones_per_user: u32,
}

impl Tunables {
    pub fn from_config(c: &Config) -> Self {
        Self {
            recording_max_age_days: c.recording_max_age_days,
            recording_max_bytes: c.recording_max_bytes,
            bind_ttl: c.bind_ttl,
            dial_timeout: c.dial_timeout,
            max_phones_per_user: c.max_phones_per_user,
        }
    }
}

/// A change from the page; `None` leaves a value. For the two retention limits, `Some(None)`
/// removes the limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Change {
    pub recording_max_age_days: Option<Option<u32>>,
    pub recording_max_bytes: Option<Option<u64>>,
    pub bind_ttl_secs: Option<u64>,
    pub dial_timeout_secs: Option<u64>,
    pub max_phones_per_user: Option<u32>,
}

/// The rows' keys, one per setting.
pub(crate) const AGE: &str = "setting.recording_max_age_days";
pub(crate) const BYTES: &str = "setting.recording_max_bytes";
pub(crate) const BIND_TTL: &str = "setting.bind_ttl_secs";
pub(crate) const DIAL_TIMEOUT: &str = "setting.dial_timeout_secs";
pub(crate) const PHONES: &str = "setting.max_phones_per_user";
/// Written by `dialbox backup` after a backup completes: `{at, out, bytes}` as JSON.
pub const LAST_BACKUP: &str = "last_backup";

/// The office's name, as the page saved it (contract §14: the app's 租户 line).
pub(crate) const OFFICE_NAME: &str = "setting.office_name";
/// The office's name until an admin gives one.
pub const DEFAULT_OFFICE_NAME: &str = "DialBox";

/// The office's name (read where it is shown: at login, on 设置).
pub fn office_name(conn: &rusqlite::Connection) -> DbResult<String> {
    Ok(db::settings::get(conn, OFFICE_NAME)?
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_OFFICE_NAME.to_string()))
}

/// The office's dialing pace (issue 16), as `PacingForm` JSON.
pub(crate) const PACING: &str = "setting.pacing";

/// The settings in force, shared by every request.
#[derive(Debug)]
pub struct Live(RwLock<Tunables>, RwLock<Pacing>);

impl Live {
    /// The flags' values, overridden by what the page saved.
    pub fn load(conn: &rusqlite::Connection, config: &Config) -> DbResult<Self> {
        let mut t = Tunables::from_config(config);
        let read = |key: &str| db::settings::get(conn, key);
        // "" is a removed limit; a row that does not parse (edited by hand) is ignored
        if let Some(v) = read(AGE)? {
            t.recording_max_age_days = if v.is_empty() {
                None
            } else {
                v.parse().ok().or(t.recording_max_age_days)
            };
        }
        if let Some(v) = read(BYTES)? {
            t.recording_max_bytes = if v.is_empty() {
                None
            } else {
                v.parse().ok().or(t.recording_max_bytes)
            };
        }
        if let Some(secs) = read(BIND_TTL)?.and_then(|v| v.parse().ok()) {
            t.bind_ttl = Duration::from_secs(secs);
        }
        if let Some(secs) = read(DIAL_TIMEOUT)?.and_then(|v| v.parse().ok()) {
            t.dial_timeout = Duration::from_secs(secs);
        }
        if let Some(n) = read(PHONES)?.and_then(|v| v.parse().ok()) {
            t.max_phones_per_user = n;
        }
        let pacing = read(PACING)?
            .and_then(|v| serde_json::from_str::<PacingForm>(&v).ok())
            .and_then(|form| form.apply(&config.pacing).ok())
            .unwrap_or_else(|| config.pacing.clone());
        Ok(Self(RwLock::new(t), RwLock::new(pacing)))
    }

    pub fn get(&self) -> Tunables {
        *self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set(&self, t: Tunables) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = t;
    }

    /// The office's dialing pace in force.
    pub fn pacing(&self) -> Pacing {
        self.1.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_pacing(&self, p: Pacing) {
        *self.1.write().unwrap_or_else(|p| p.into_inner()) = p;
    }
}

fn in_range(name: &str, v: u64, lo: u64, hi: u64, unit: &str) -> ApiResult<()> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("{name}须在{lo}到{hi}{unit}之间")))
    }
}

/// Checks a change and applies it to `t`; what an admin may set, with a message each.
pub(crate) fn apply(mut t: Tunables, c: &Change) -> ApiResult<Tunables> {
    if let Some(age) = c.recording_max_age_days {
        if let Some(days) = age {
            in_range("录音保留天数", u64::from(days), 1, 3650, "天")?;
        }
        t.recording_max_age_days = age;
    }
    if let Some(bytes) = c.recording_max_bytes {
        if let Some(b) = bytes {
            // at least one recording's worth; at most a petabyte
            in_range("录音总量上限", b, 1 << 20, 1 << 50, "字节")?;
        }
        t.recording_max_bytes = bytes;
    }
    if let Some(secs) = c.bind_ttl_secs {
        in_range("二维码有效期", secs, 30, 3600, "秒")?;
        t.bind_ttl = Duration::from_secs(secs);
    }
    if let Some(secs) = c.dial_timeout_secs {
        in_range("拨号超时", secs, 10, 600, "秒")?;
        t.dial_timeout = Duration::from_secs(secs);
    }
    if let Some(n) = c.max_phones_per_user {
        in_range("每人手机数", u64::from(n), 1, 20, "台")?;
        t.max_phones_per_user = n;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Tunables {
        Tunables {
            recording_max_age_days: None,
            recording_max_bytes: Some(1 << 30),
            bind_ttl: Duration::from_secs(300),
            dial_timeout: Duration::from_secs(60),
            max_phones_per_user: 3,
        }
    }

    #[test]
    fn changes_are_checked_and_limits_can_be_removed() {
        let c = Change {
            recording_max_age_days: Some(Some(90)),
            recording_max_bytes: Some(None),
            dial_timeout_secs: Some(45),
            ..Default::default()
        };
        let t = apply(base(), &c).unwrap();
        assert_eq!(t.recording_max_age_days, Some(90));
        assert_eq!(t.recording_max_bytes, None);
        assert_eq!(t.dial_timeout, Duration::from_secs(45));
        assert_eq!(t.bind_ttl, Duration::from_secs(300), "untouched");
        for bad in [
            Change {
                bind_ttl_secs: Some(5),
                ..Default::default()
            },
            Change {
                dial_timeout_secs: Some(601),
                ..Default::default()
            },
            Change {
                max_phones_per_user: Some(0),
                ..Default::default()
            },
            Change {
                recording_max_age_days: Some(Some(0)),
                ..Default::default()
            },
            Change {
                recording_max_bytes: Some(Some(10)),
                ..Default::default()
            },
        ] {
            assert!(apply(base(), &bad).is_err(), "{bad:?}");
        }
    }
}
