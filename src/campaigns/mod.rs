//! Call lists (外呼任务, issue 16): a list of numbers split among salespeople, each of whom works
//! theirs through the power dialer — DialBox pushes the next DIAL_COMMAND after each call's
//! wrap-up, within the pacing rules, with the protocol the phones already speak.
//!
//! - here: a list's settings, who sees and who manages it, its progress;
//! - `items`: adding numbers (by hand, from customers, from a file); `assign`: who works which;
//! - `outcome`: what a call's end and its follow-up do to the item and the session (inside
//!   the call's own transaction);
//! - `session`: one salesperson's dialing session and its commands; `workbench`: its view;
//! - `driver`: the background task that dials for the running sessions;
//! - `dnc`: the do-not-call list (黑名单), enforced on every dial path by `calls::dial`.

pub mod assign;
pub mod bell;
pub mod dnc;
pub mod driver;
pub mod items;
pub mod session;
pub mod step;
pub mod workbench;

use rusqlite::Connection;

use crate::auth::{Caller, Role};
use crate::calls::pacing::{Pacing, PacingForm};
use crate::db::campaigns::{Campaign, Progress};
use crate::db::dialer_sessions::Session;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult};
use crate::limits;
use crate::state::State;

/// A list's defaults: 30 s to wrap up after a call, a missed or busy number again after 2 h,
/// three attempts in all.
pub const DEFAULT_WRAP_UP_MS: i64 = 30_000;
pub const DEFAULT_RETRY_DELAY_MS: i64 = 2 * 3_600_000;
pub const DEFAULT_MAX_ATTEMPTS: i64 = 3;

/// A list's settings from a form; `None` keeps (or, creating, defaults) a value. `pacing`
/// `Some(None)` removes the list's own rules.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub name: Option<String>,
    pub description: Option<String>,
    pub wrap_up_secs: Option<i64>,
    pub retry_delay_secs: Option<i64>,
    pub max_attempts: Option<i64>,
    pub pacing: Option<Option<PacingForm>>,
}

fn in_range(field: &str, v: i64, lo: i64, hi: i64, words: &str) -> ApiResult<i64> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(ApiError::invalid_field(
            field,
            format!("{words}须在{lo}到{hi}之间"),
        ))
    }
}

/// `c` with the change over it, checked.
fn apply(mut c: Campaign, ch: Change) -> ApiResult<Campaign> {
    if let Some(name) = ch.name {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(ApiError::invalid_field("name", "任务名称不能为空"));
        }
        limits::name("name", &name)?;
        c.name = name;
    }
    if let Some(d) = ch.description {
        limits::text("description", &d)?;
        c.description = d;
    }
    if let Some(s) = ch.wrap_up_secs {
        c.wrap_up_ms = in_range("wrapUpSeconds", s, 0, 3600, "整理时间（秒）")? * 1000;
    }
    if let Some(secs) = ch.retry_delay_secs {
        // up to a week; the page offers minutes and hours
        c.retry_delay_ms =
            in_range("retryDelaySeconds", secs, 1, 604_800, "重拨间隔（秒）")? * 1000;
    }
    if let Some(n) = ch.max_attempts {
        c.max_attempts = in_range("maxAttempts", n, 1, 10, "最多拨打次数")?;
    }
    if let Some(pacing) = ch.pacing {
        c.pacing = match pacing {
            Some(form) => {
                // checked as the list's own rules over none
                form.apply(&Pacing::off())?;
                Some(serde_json::to_string(&form).map_err(ApiError::internal)?)
            }
            None => None,
        };
    }
    Ok(c)
}

/// The list's own pacing rules (none: `Pacing::off`, so the office's alone apply).
pub fn own_pacing(c: &Campaign) -> Pacing {
    c.pacing
        .as_deref()
        .and_then(|text| serde_json::from_str::<PacingForm>(text).ok())
        .and_then(|form| form.apply(&Pacing::off()).ok())
        .unwrap_or_else(Pacing::off)
}

pub fn own_pacing_form(c: &Campaign) -> Option<PacingForm> {
    c.pacing
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
}

/// Whether the caller sees a list: admins all; managers their department's lists and those
/// with numbers for their department; salespeople the lists with numbers for them.
fn sees(conn: &Connection, caller: &Caller, c: &Campaign) -> db::DbResult<bool> {
    Ok(match caller.role {
        Role::Admin => true,
        Role::Manager => {
            c.department == caller.department
                || db::campaign_items::any_for_department(conn, &c.id, &caller.department)?
        }
        Role::SalesStaff => db::campaign_items::any_for(conn, &c.id, &caller.user_id)?,
    })
}

/// A list the caller sees, else NOT_FOUND.
pub fn visible(conn: &Connection, caller: &Caller, id: &str) -> ApiResult<Campaign> {
    let c = match db::campaigns::by_id(conn, id.trim()) {
        Err(DbError::NotFound) => return Err(not_found()),
        other => other?,
    };
    if sees(conn, caller, &c)? {
        Ok(c)
    } else {
        Err(not_found())
    }
}

/// A list the caller may change: admins any, managers their department's. A salesperson who
/// sees the list is FORBIDDEN; one who does not, NOT_FOUND.
pub fn managed(conn: &Connection, caller: &Caller, id: &str) -> ApiResult<Campaign> {
    let c = visible(conn, caller, id)?;
    match caller.role {
        Role::Admin => Ok(c),
        Role::Manager if c.department == caller.department => Ok(c),
        _ => Err(ApiError::with_message(
            crate::error::ErrorCode::Forbidden,
            "只有管理员或本部门经理可以修改外呼任务",
        )),
    }
}

pub fn not_found() -> ApiError {
    ApiError::with_message(crate::error::ErrorCode::NotFound, "外呼任务不存在")
}

/// Creates a list owned by the caller (admins and managers).
pub async fn create(state: &State, caller: &Caller, ch: Change) -> ApiResult<Campaign> {
    caller.require_manager()?;
    if ch
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .is_empty()
    {
        return Err(ApiError::invalid_field("name", "任务名称不能为空"));
    }
    let now = state.clock.now_ms();
    let blank = Campaign {
        id: crate::ids::campaign_id(),
        name: String::new(),
        description: String::new(),
        owner_id: caller.user_id.clone(),
        owner_name: caller.display_name.clone(),
        department: caller.department.clone(),
        wrap_up_ms: DEFAULT_WRAP_UP_MS,
        retry_delay_ms: DEFAULT_RETRY_DELAY_MS,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        pacing: None,
        created_at: now,
        updated_at: now,
    };
    let c = apply(blank, ch)?;
    let row = c.clone();
    let who = crate::audit::Actor::of(caller);
    state
        .db
        .write(move |tx| {
            db::campaigns::insert(tx, &row)?;
            let action = crate::audit::Action::CampaignCreate;
            crate::audit::record(tx, &who, action, &row.id, &row.name)
        })
        .await?;
    Ok(c)
}

pub async fn update(state: &State, caller: &Caller, id: String, ch: Change) -> ApiResult<Campaign> {
    let who = caller.clone();
    let clock = state.clock.clone();
    state
        .db
        .write(move |tx| {
            let before = managed(tx, &who, &id)?;
            let mut after = apply(before, ch)?;
            after.updated_at = clock.now_ms();
            db::campaigns::save(tx, &after)?;
            Ok::<_, ApiError>(after)
        })
        .await
}

/// Deletes a list with its numbers and sessions; a call in progress goes on (it is the
/// phone's), only the list forgets it.
pub async fn delete(state: &State, caller: &Caller, id: String) -> ApiResult<()> {
    let who = caller.clone();
    let actor = crate::audit::Actor::of(caller);
    state
        .db
        .write(move |tx| {
            let c = managed(tx, &who, &id)?;
            let numbers: usize = db::campaigns::progress(tx, &c.id)?
                .iter()
                .map(|p| p.total as usize)
                .sum();
            db::campaigns::delete(tx, &c.id)?;
            let detail = format!("{}（{numbers} 个号码）", c.name);
            let action = crate::audit::Action::CampaignDelete;
            Ok::<_, ApiError>(crate::audit::record(tx, &actor, action, &c.id, &detail)?)
        })
        .await
}

/// A list with its progress per person (a salesperson's own row only) and its sessions.
pub struct Overview {
    pub campaign: Campaign,
    pub progress: Vec<Progress>,
    pub sessions: Vec<Session>,
}

fn overview(conn: &Connection, caller: &Caller, c: Campaign) -> ApiResult<Overview> {
    let mine = |who: &Option<String>| who.as_deref() == Some(caller.user_id.as_str());
    let mut progress = db::campaigns::progress(conn, &c.id)?;
    let mut sessions = db::dialer_sessions::of_campaign(conn, &c.id)?;
    if caller.role == Role::SalesStaff {
        progress.retain(|p| mine(&p.assignee_id));
        sessions.retain(|s| s.user_id == caller.user_id);
    }
    Ok(Overview {
        campaign: c,
        progress,
        sessions,
    })
}

pub async fn list(state: &State, caller: &Caller) -> ApiResult<Vec<Overview>> {
    let who = caller.clone();
    state
        .db
        .run(move |conn| {
            db::campaigns::visible(conn, &who.scope())?
                .into_iter()
                .map(|c| overview(conn, &who, c))
                .collect()
        })
        .await
}

pub async fn detail(state: &State, caller: &Caller, id: String) -> ApiResult<Overview> {
    let who = caller.clone();
    state
        .db
        .run(move |conn| {
            let c = visible(conn, &who, &id)?;
            overview(conn, &who, c)
        })
        .await
}
