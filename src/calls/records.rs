//! Call records written or read by hand on the PC (§5.2, §5.3, §5.6, §5.7, §5.8, §5.10): an
//! inbound call or one made off DialBox, its notes and tags, its deletion with its recordings.
//! Visibility per contract §2 (another person's call is NOT_FOUND).

use serde_json::json;

use super::{dial, notify, store};
use crate::auth::{Caller, Scope};
use crate::db::call_events::Source;
use crate::db::call_lists::CallFilter;
use crate::db::calls::Call;
use crate::db::customers::Customer;
use crate::db::follow_ups::FollowUp;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult};
use crate::limits;
use crate::state::State;
use crate::states::call::{CallState, EndStatus};

pub const CALL_TYPES: [&str; 2] = ["outbound", "inbound"];
pub use crate::states::call::CALL_STATUSES;

/// §5.7's body, already parsed (times as epoch ms).
#[derive(Debug, Clone, Default)]
pub struct NewRecord {
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub customer_phone: Option<String>,
    pub call_type: Option<String>,
    pub call_status: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub duration: Option<i64>,
    pub notes: Option<String>,
    pub call_tags: Vec<String>,
    pub follow_up_required: Option<bool>,
}

/// §5.8: what may change on a record; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub notes: Option<String>,
    pub call_tags: Option<Vec<String>>,
    pub follow_up_required: Option<bool>,
}

/// A call's duration in seconds is between 0 and a week.
pub fn check_duration(d: Option<i64>) -> ApiResult<()> {
    match d {
        Some(d) if !(0..=limits::MAX_DURATION_SECS).contains(&d) => {
            Err(ApiError::invalid("duration 超出范围"))
        }
        _ => Ok(()),
    }
}

pub fn check_notes(notes: &Option<String>) -> ApiResult<()> {
    limits::text("notes", notes.as_deref().unwrap_or_default())
}

/// §5.2: a call the caller may see, its customer and its follow-ups.
pub async fn detail(
    state: &State,
    caller: &Caller,
    id: String,
) -> ApiResult<(Call, Option<Customer>, Vec<FollowUp>)> {
    let who = caller.clone();
    state
        .db
        .run(move |c| {
            let call = super::visible_call(c, &who, &id)?;
            let customer = match &call.customer_id {
                Some(cid) => Some(db::customers::by_id(c, cid)?),
                None => None,
            };
            let follow_ups = db::follow_ups::by_call(c, &call.id)?;
            Ok::<_, ApiError>((call, customer, follow_ups))
        })
        .await
}

/// One page of the calls in `scope` that match, and the number of all matches.
pub async fn list(
    state: &State,
    scope: Scope,
    filter: CallFilter,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<Call>, i64)> {
    Ok(state
        .db
        .run(move |c| db::call_lists::list(c, &scope, &filter, limit, offset))
        .await?)
}

/// §5.7: with an end time, or a result other than `connected`, the call is recorded ended; a
/// connected call without an end time stays open until §5.9 ends it (contract §6).
pub async fn create(state: &State, caller: &Caller, r: NewRecord) -> ApiResult<Call> {
    let call_type = r.call_type.clone().unwrap_or_else(|| "outbound".into());
    if !CALL_TYPES.contains(&call_type.as_str()) {
        return Err(ApiError::invalid("callType 须为 outbound 或 inbound"));
    }
    let given = r.call_status.clone().unwrap_or_else(|| "connected".into());
    let status = EndStatus::parse(&given)
        .ok_or_else(|| ApiError::invalid(format!("callStatus 无效: {given}")))?;
    check_duration(r.duration)?;
    check_notes(&r.notes)?;
    let now = state.clock.now_ms();
    let start = r.start_time.unwrap_or(now);
    if r.end_time.is_some_and(|e| e < start) {
        return Err(ApiError::invalid("endTime 不能早于 startTime"));
    }
    let tz = state.config.timezone;
    let mut call = dial::new_call(caller, now, tz);
    call.call_type = call_type;
    call.start_time = start;
    call.notes = r.notes.clone().unwrap_or_default();
    call.call_tags = limits::tags("callTags", r.call_tags.clone())?;
    call.follow_up_required = r.follow_up_required.unwrap_or(false);
    if status == EndStatus::Connected && r.end_time.is_none() {
        call.state = CallState::Connected;
        call.connected_at = Some(start);
        call.duration = r.duration.unwrap_or(0);
    } else {
        let duration = r
            .duration
            .or(r
                .end_time
                .map(|e| (e - start) / 1000)
                .filter(|_| status == EndStatus::Connected))
            .unwrap_or(0);
        call.state = CallState::Ended;
        call.end_time = Some(r.end_time.unwrap_or(start + duration * 1000));
        call.duration = duration;
        if status == EndStatus::Connected {
            call.connected_at = Some(call.end_time.unwrap_or(start) - duration * 1000);
        }
        call.end_status = Some(status);
    }
    let call = state
        .db
        .write(move |tx| {
            let linked = dial::link_customer(
                tx,
                r.customer_id.as_deref(),
                r.customer_phone.as_deref(),
                r.customer_name.as_deref(),
            )?;
            call.customer_id = linked.customer_id;
            call.customer_name = linked.name;
            call.customer_phone = linked.number;
            store::insert(tx, tz, &call)?;
            db::call_events::insert(tx, &call.id, Source::Pc, "create", &json!({}), now)?;
            Ok::<_, ApiError>(db::calls::by_id(tx, &call.id)?)
        })
        .await?;
    notify::call_state(state, &call);
    Ok(call)
}

/// §5.8: changes a record's notes, tags and follow-up flag.
pub async fn edit(state: &State, caller: &Caller, id: String, e: Edit) -> ApiResult<Call> {
    check_notes(&e.notes)?;
    let tags = e
        .call_tags
        .map(|t| limits::tags("callTags", t))
        .transpose()?;
    let tz = state.config.timezone;
    let who = caller.clone();
    let clock = state.clock.clone();
    state
        .db
        .write(move |tx| {
            let call = super::visible_call(tx, &who, &id)?;
            let mut next = call.clone();
            if let Some(n) = e.notes {
                next.notes = n;
            }
            if let Some(t) = tags {
                next.call_tags = t;
            }
            if let Some(f) = e.follow_up_required {
                next.follow_up_required = f;
            }
            next.updated_at = clock.now_ms();
            store::update(tx, tz, &call, &next)?;
            Ok::<_, ApiError>(next)
        })
        .await
}

/// §5.10: the call's recordings go with it: rows by the foreign key's cascade, files after
/// commit.
pub async fn delete(state: &State, caller: &Caller, id: String) -> ApiResult<()> {
    let tz = state.config.timezone;
    let who = caller.clone();
    let actor = crate::audit::Actor::of(caller);
    let (call, files) = state
        .db
        .write(move |tx| {
            let call = super::visible_call(tx, &who, &id)?;
            let files = db::calls::recording_paths(tx, &call.id)?;
            store::delete(tx, tz, &call)?;
            let detail = format!("{} {}", call.customer_name, call.customer_phone);
            let action = crate::audit::Action::CallDelete;
            crate::audit::record(tx, &actor, action, &call.id, &detail)?;
            Ok::<_, DbError>((call, files))
        })
        .await?;
    crate::recordings::storage::remove_deleted(&state.config, files).await;
    tracing::info!(by = %caller.username, call = %call.id, "call deleted");
    Ok(())
}
