//! Dialing pace per work phone, i.e. per SIM (issue 16): carriers block a SIM that dials too
//! fast (封号), so every dial DialBox sends — a click on the page (§5.0) or the power dialer's
//! next number — passes `check` first: a minimum gap after the phone's last call, caps per hour
//! and per day, and quiet hours in the office zone. One rule set is the office's (设置); a call
//! list may only tighten it (`Pacing::stricter`).

use chrono::TimeZone;
use chrono_tz::Tz;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::db::{self, DbResult};
use crate::error::{ApiError, ErrorCode};
use crate::states::dialer::PaceRule;

pub mod rules;
use rules::HOUR_MS;
pub use rules::{Pacing, Quiet};

/// Why a phone may not dial at some instant, and from when it may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub rule: PaceRule,
    /// `None`: not known yet (the phone is on a call; the gap runs from its end).
    pub until: Option<i64>,
    pub message: String,
}

impl Blocked {
    /// The API's PACING_LIMITED, its `retryAfter` counted from `now`.
    pub fn into_error(self, now: i64) -> ApiError {
        let mut err = ApiError::with_message(ErrorCode::PacingLimited, self.message);
        err.rule = Some(self.rule.as_str());
        err.retry_at_ms = self.until;
        err.retry_after_secs = self
            .until
            .map(|u| ((u - now).max(0) as u64).div_ceil(1000).max(1));
        err
    }
}

impl Pacing {
    /// The first rule that refuses a dial on `phone_id` at `at`, if any.
    fn blocked_at(
        &self,
        conn: &Connection,
        phone_id: i64,
        at: i64,
        tz: Tz,
    ) -> DbResult<Option<Blocked>> {
        if let Some(until) = self.quiet_until(at, tz) {
            return Ok(Some(Blocked {
                rule: PaceRule::QuietHours,
                until: Some(until),
                message: format!("当前为免打扰时段，{}后可拨号", clock_text(until, at, tz)),
            }));
        }
        if self.max_per_day > 0 {
            let day = crate::times::local_day(at, tz);
            let since = crate::times::day_start_ms(day, tz);
            let dials = db::calls::phone_dials_since(conn, phone_id, since)?;
            if dials.len() >= self.max_per_day as usize {
                let until = crate::times::day_start_ms(day + chrono::Days::new(1), tz);
                return Ok(Some(Blocked {
                    rule: PaceRule::DailyCap,
                    until: Some(until),
                    message: format!(
                        "该工作手机今天已拨打{}通，达到每天{}通的上限，{}后可拨号",
                        dials.len(),
                        self.max_per_day,
                        clock_text(until, at, tz)
                    ),
                }));
            }
        }
        if self.max_per_hour > 0 {
            let dials = db::calls::phone_dials_since(conn, phone_id, at - HOUR_MS + 1)?;
            let cap = self.max_per_hour as usize;
            if dials.len() >= cap {
                // the hour is (at - 1 h, at]: it frees a dial when the oldest one that keeps it
                // full is exactly an hour old
                let until = dials[dials.len() - cap] + HOUR_MS;
                return Ok(Some(Blocked {
                    rule: PaceRule::HourlyCap,
                    until: Some(until),
                    message: format!(
                        "该工作手机一小时内已拨打{}通，达到每小时{}通的上限，{}后可拨号",
                        dials.len(),
                        self.max_per_hour,
                        clock_text(until, at, tz)
                    ),
                }));
            }
        }
        let latest = db::calls::phone_latest(conn, phone_id)?;
        match latest {
            // a phone on a call that came in is on a call whatever the gap (contract §14)
            Some(l) if l.state.is_live() && (l.inbound || self.min_gap_ms > 0) => {
                return Ok(Some(Blocked {
                    rule: PaceRule::OnCall,
                    until: None,
                    message: "该工作手机正在通话中，请在通话结束后再拨".into(),
                }));
            }
            Some(l) if self.min_gap_ms > 0 => {
                if let Some(end) = l.end_time
                    && end + self.min_gap_ms > at
                {
                    let until = end + self.min_gap_ms;
                    return Ok(Some(Blocked {
                        rule: PaceRule::MinGap,
                        until: Some(until),
                        message: format!(
                            "两通电话之间至少间隔{}秒，{}秒后可拨号",
                            (self.min_gap_ms as u64).div_ceil(1000),
                            ((until - at).max(0) as u64).div_ceil(1000)
                        ),
                    }));
                }
            }
            _ => {}
        }
        Ok(None)
    }

    /// Whether `phone_id` may dial at `now`. Refused, the answer names the first rule that
    /// refuses now and the first instant every rule allows (one rule's end can fall into
    /// another's: the daily cap frees at midnight, inside the night's quiet hours).
    pub fn check(
        &self,
        conn: &Connection,
        phone_id: i64,
        now: i64,
        tz: Tz,
    ) -> DbResult<Result<(), Blocked>> {
        let Some(mut first) = self.blocked_at(conn, phone_id, now, tz)? else {
            return Ok(Ok(()));
        };
        let mut at = now;
        let mut current = Some(first.clone());
        // each step moves past one rule's end; a handful covers any mix of the four
        for _ in 0..16 {
            match current {
                None => break,
                Some(Blocked { until: None, .. }) => {
                    first.until = None;
                    return Ok(Err(first));
                }
                Some(Blocked {
                    until: Some(until), ..
                }) => at = until.max(at + 1),
            }
            current = self.blocked_at(conn, phone_id, at, tz)?;
        }
        first.until = Some(at);
        if !matches!(first.rule, PaceRule::MinGap | PaceRule::OnCall) {
            // the message names the rule's own end; the answer's `retryAt` is when all allow
            first.message = replace_time(&first.message, at, now, tz);
        }
        Ok(Err(first))
    }
}

/// `14:05`, or `12月4日 09:00` when not today.
fn clock_text(at: i64, now: i64, tz: Tz) -> String {
    let now = crate::times::local_day(now, tz);
    let local = tz
        .timestamp_millis_opt(at)
        .single()
        .unwrap_or_else(|| tz.timestamp_millis_opt(0).unwrap());
    if local.date_naive() == now {
        local.format("%H:%M").to_string()
    } else {
        local.format("%-m月%-d日 %H:%M").to_string()
    }
}

fn replace_time(message: &str, at: i64, now: i64, tz: Tz) -> String {
    match message.rfind('，') {
        Some(i) => format!("{}，{}后可拨号", &message[..i], clock_text(at, now, tz)),
        None => message.to_string(),
    }
}

/// The rules as the API and the database write them (设置, a list's own rules, the
/// `setting.pacing` row): every field optional, an absent one keeps the base value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PacingForm {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::limits::not_null"
    )]
    pub min_gap_seconds: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::limits::not_null"
    )]
    pub max_per_hour: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::limits::not_null"
    )]
    pub max_per_day: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::limits::not_null"
    )]
    pub quiet_hours: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::limits::not_null"
    )]
    pub quiet_weekends: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::limits::not_null"
    )]
    pub quiet_hours_all_dials: Option<bool>,
}

impl PacingForm {
    /// Every field of `p`.
    pub fn of(p: &Pacing) -> Self {
        Self {
            min_gap_seconds: Some(p.min_gap_ms as f64 / 1000.0),
            max_per_hour: Some(p.max_per_hour),
            max_per_day: Some(p.max_per_day),
            quiet_hours: Some(p.quiet.iter().map(|q| q.label()).collect()),
            quiet_weekends: Some(p.quiet_weekends),
            quiet_hours_all_dials: Some(p.quiet_all_dials),
        }
    }

    /// `base` with this form's fields over it, checked.
    pub fn apply(&self, base: &Pacing) -> Result<Pacing, ApiError> {
        let mut p = base.clone();
        if let Some(secs) = self.min_gap_seconds {
            if !secs.is_finite() || !(0.0..=3600.0).contains(&secs) {
                return Err(ApiError::invalid_field(
                    "minGapSeconds",
                    "两通电话最小间隔须在0到3600秒之间",
                ));
            }
            p.min_gap_ms = (secs * 1000.0).round() as i64;
        }
        if let Some(n) = self.max_per_hour {
            p.max_per_hour = n;
        }
        if let Some(n) = self.max_per_day {
            p.max_per_day = n;
        }
        if let Some(windows) = &self.quiet_hours {
            p.quiet = windows
                .iter()
                .map(|w| {
                    Quiet::parse(w).ok_or_else(|| {
                        ApiError::invalid_field(
                            "quietHours",
                            format!("免打扰时段格式应为 HH:MM-HH:MM：{w}"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(w) = self.quiet_weekends {
            p.quiet_weekends = w;
        }
        if let Some(all) = self.quiet_hours_all_dials {
            p.quiet_all_dials = all;
        }
        validate(&p)?;
        Ok(p)
    }
}

/// Checks a rule set from a form or the command line; the message names the bad value.
pub fn validate(p: &Pacing) -> Result<(), ApiError> {
    if !(0..=3_600_000).contains(&p.min_gap_ms) {
        return Err(ApiError::invalid_field(
            "minGapSeconds",
            "两通电话最小间隔须在0到3600秒之间",
        ));
    }
    if p.max_per_hour > 1000 {
        return Err(ApiError::invalid_field(
            "maxPerHour",
            "每小时上限须在0到1000之间",
        ));
    }
    if p.max_per_day > 10_000 {
        return Err(ApiError::invalid_field(
            "maxPerDay",
            "每天上限须在0到10000之间",
        ));
    }
    if p.quiet.len() > 8 {
        return Err(ApiError::invalid_field("quietHours", "免打扰时段最多8段"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn quiet_windows_parse_and_wrap_midnight() {
        let night = Quiet::parse("20:00-09:00").unwrap();
        assert!(night.contains(20 * 60) && night.contains(0) && night.contains(8 * 60 + 59));
        assert!(!night.contains(9 * 60) && !night.contains(19 * 60 + 59));
        assert_eq!(night.label(), "20:00-09:00");
        for bad in [
            "",
            "20:00",
            "25:00-09:00",
            "12:00-12:00",
            "1200-1300",
            "12:60-13:00",
        ] {
            assert_eq!(Quiet::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn quiet_hours_end_where_the_window_ends() {
        let tz = chrono_tz::Asia::Shanghai;
        let p = Pacing::default();
        // Thursday 2026-12-03
        assert_eq!(p.quiet_until(shanghai(2026, 12, 3, 10, 0), tz), None);
        assert_eq!(
            p.quiet_until(shanghai(2026, 12, 3, 12, 10), tz),
            Some(shanghai(2026, 12, 3, 13, 30))
        );
        assert_eq!(
            p.quiet_until(shanghai(2026, 12, 3, 21, 0), tz),
            Some(shanghai(2026, 12, 4, 9, 0))
        );
        assert_eq!(
            p.quiet_until(shanghai(2026, 12, 4, 6, 0), tz),
            Some(shanghai(2026, 12, 4, 9, 0))
        );
        let weekends = Pacing {
            quiet_weekends: true,
            ..Pacing::off()
        };
        assert_eq!(
            weekends.quiet_until(shanghai(2026, 12, 5, 10, 0), tz),
            Some(shanghai(2026, 12, 7, 0, 0))
        );
    }

    #[test]
    fn a_list_only_tightens_the_office() {
        let office = Pacing::default();
        let list = Pacing {
            min_gap_ms: 60_000,
            max_per_hour: 0,
            max_per_day: 500,
            quiet: vec![Quiet::parse("18:00-19:00").unwrap()],
            quiet_weekends: true,
            quiet_all_dials: true,
        };
        let both = office.stricter(&list);
        assert_eq!(both.min_gap_ms, 60_000);
        assert_eq!(both.max_per_hour, 40);
        assert_eq!(both.max_per_day, 200);
        assert_eq!(both.quiet.len(), 3);
        assert!(both.quiet_weekends);
        assert!(both.quiet_all_dials);
    }
}
