//! 黑名单: numbers DialBox never dials, whoever asks and however (`calls::dial::prepare`
//! refuses them with DO_NOT_CALL; the power dialer leaves them out). Anyone who sees a call can
//! add its number (客户要求不再来电); admins and managers import, list in full and remove.

use serde::Serialize;

use crate::auth::Caller;
use crate::customers::phone;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits;
use crate::state::State;

/// Adds a number, given as such or as the call it was dialed in (`call_id`). Returns the
/// normalised number and whether it is new to the list.
pub async fn add(
    state: &State,
    caller: &Caller,
    number: Option<String>,
    call_id: Option<String>,
    reason: String,
) -> ApiResult<(String, bool)> {
    limits::text("reason", &reason)?;
    let who = caller.clone();
    let actor = crate::audit::Actor::of(caller);
    let clock = state.clock.clone();
    state
        .db
        .write(move |tx| {
            let number = match (number.as_deref().map(str::trim), call_id.as_deref()) {
                (Some(n), _) if !n.is_empty() => phone::normalize(n)
                    .ok_or_else(|| ApiError::invalid_field("phone", "电话号码无效"))?,
                (_, Some(call)) => {
                    let call = crate::calls::visible_call(tx, &who, call.trim())?;
                    if call.customer_phone.is_empty() {
                        return Err(ApiError::invalid("该通话没有号码"));
                    }
                    call.customer_phone
                }
                _ => return Err(ApiError::invalid("缺少 phone 或 callId")),
            };
            let now = clock.now_ms();
            let added = db::do_not_call::add(tx, &number, &reason, Some(&who.user_id), now)?;
            if added {
                let detail = format!("{number}{}", words_of(&reason));
                let action = crate::audit::Action::DoNotCallAdd;
                crate::audit::record(tx, &actor, action, &number, &detail)?;
            }
            Ok::<_, ApiError>((number, added))
        })
        .await
}

pub async fn remove(state: &State, caller: &Caller, number: String) -> ApiResult<()> {
    caller.require_manager()?;
    let number = phone::normalize(&number)
        .ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "该号码不在黑名单中"))?;
    let actor = crate::audit::Actor::of(caller);
    state
        .db
        .write(move |tx| match db::do_not_call::remove(tx, &number) {
            Err(DbError::NotFound) => Err(ApiError::with_message(
                ErrorCode::NotFound,
                "该号码不在黑名单中",
            )),
            other => {
                other?;
                let action = crate::audit::Action::DoNotCallRemove;
                Ok(crate::audit::record(tx, &actor, action, &number, &number)?)
            }
        })
        .await
}

pub async fn page(
    state: &State,
    digits: Option<String>,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<db::do_not_call::Entry>, i64)> {
    Ok(state
        .db
        .run(move |c| db::do_not_call::page(c, digits.as_deref(), limit, offset))
        .await?)
}

/// What an import of numbers did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    pub total: usize,
    pub added: usize,
    pub already: usize,
    pub invalid: Vec<super::items::LeftOut>,
}

/// Imports numbers from a file (the call lists' reader; the note column is the reason).
pub async fn import(
    state: &State,
    caller: &Caller,
    bytes: bytes::Bytes,
    sheet: Option<String>,
) -> ApiResult<Imported> {
    caller.require_manager()?;
    let file = crate::customers::import::read_file(bytes, sheet).await?;
    let lines = super::items::lines_of(&file.records);
    if lines.is_empty() {
        return Err(ApiError::invalid("文件中没有号码"));
    }
    if lines.len() > super::items::MAX_ITEMS {
        return Err(ApiError::invalid("号码过多"));
    }
    let mut out = Imported {
        total: lines.len(),
        ..Default::default()
    };
    let mut good = Vec::new();
    for line in lines {
        limits::text("reason", &line.note)?;
        match phone::normalize(&line.phone) {
            Some(n) => good.push((n, line.note)),
            None => out.invalid.push(super::items::LeftOut {
                row: line.row,
                phone: line.phone,
                reason: "号码无效".into(),
            }),
        }
    }
    let by = caller.user_id.clone();
    let actor = crate::audit::Actor::of(caller);
    let clock = state.clock.clone();
    let (added, already) = state
        .db
        .write(move |tx| {
            let now = clock.now_ms();
            let mut added = Vec::new();
            for (number, reason) in &good {
                if db::do_not_call::add(tx, number, reason, Some(&by), now)? {
                    added.push(number.as_str());
                }
            }
            if !added.is_empty() {
                let mut detail = format!("导入 {} 个号码：", added.len());
                detail.push_str(&added[..added.len().min(20)].join("、"));
                if added.len() > 20 {
                    detail.push_str(" 等");
                }
                let action = crate::audit::Action::DoNotCallAdd;
                crate::audit::record(tx, &actor, action, "", &detail)?;
            }
            Ok::<_, ApiError>((added.len(), good.len() - added.len()))
        })
        .await?;
    out.added = added;
    out.already = already;
    Ok(out)
}

/// A reason as the audit line shows it after the number: `（客户要求不再来电）`, or nothing.
fn words_of(reason: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        String::new()
    } else {
        format!("（{reason}）")
    }
}
