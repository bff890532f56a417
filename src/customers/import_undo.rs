//! 撤销本次导入 (issue 30, item 2): the customers an import created go, the ones it updated
//! return to what they were — unless someone worked on them since (a call, a follow-up, an
//! edit, a later import): those are kept as they are and named, because undoing a list must
//! not take back a salesperson's work. The undo runs `UNDO_CHUNK` customers per transaction,
//! forgetting each line as it undoes it, so an undo cut short (a crash, a stop) simply goes on
//! where it stopped when it is asked again.

use serde::Serialize;

use crate::auth::Caller;
use crate::db::customers::CustomerFields;
use crate::db::imports::Change;
use crate::db::{self, DbError};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::State;

/// Customers undone per transaction: other writers wait at most this many for the lock.
const UNDO_CHUNK: i64 = 500;

/// A customer the undo left as it is, and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kept {
    pub customer_id: String,
    pub name: String,
    pub reason: String,
}

/// What an undo did.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Undone {
    /// Customers the import created, deleted.
    pub removed: usize,
    /// Customers the import updated, back as they were.
    pub restored: usize,
    pub kept_count: usize,
    /// The first `import::LISTED` kept customers.
    pub kept: Vec<Kept>,
    /// The import had been undone before: nothing more to do.
    pub already: bool,
}

/// Undoes import `id` (admins and managers). Undoing it again answers `already`.
pub async fn undo(state: &State, caller: &Caller, id: String) -> ApiResult<Undone> {
    caller.require_manager()?;
    let batch = {
        let id = id.clone();
        state
            .db
            .run(move |c| match db::imports::by_id(c, &id) {
                Err(DbError::NotFound) => Err(ApiError::with_message(
                    ErrorCode::NotFound,
                    "导入记录不存在",
                )),
                other => Ok(other?),
            })
            .await?
    };
    let mut undone = Undone {
        already: batch.undone_at.is_some(),
        ..Undone::default()
    };
    if undone.already {
        return Ok(undone);
    }
    loop {
        let (id, now) = (id.clone(), state.clock.now_ms());
        let (chunk, finished) = state
            .db
            .write(move |tx| {
                let mut chunk = Undone::default();
                let changes = db::imports::pending_changes(tx, &id, UNDO_CHUNK)?;
                for change in &changes {
                    undo_one(tx, change, now, &mut chunk)?;
                    db::imports::forget_change(tx, &id, &change.customer_id)?;
                }
                let finished = (changes.len() as i64) < UNDO_CHUNK;
                if finished {
                    db::imports::mark_undone(tx, &id, now)?;
                }
                Ok::<_, ApiError>((chunk, finished))
            })
            .await?;
        undone.removed += chunk.removed;
        undone.restored += chunk.restored;
        undone.kept_count += chunk.kept.len();
        let room = super::import::LISTED.saturating_sub(undone.kept.len());
        undone.kept.extend(chunk.kept.into_iter().take(room));
        if finished {
            break;
        }
    }
    let detail = format!(
        "撤销导入 {}：删除 {}，恢复 {}，保留 {}",
        batch.file_name, undone.removed, undone.restored, undone.kept_count
    );
    let who = crate::audit::Actor::of(caller);
    let action = crate::audit::Action::CustomerImportUndo;
    crate::audit::record_alone(state, who, action, batch.id, detail).await?;
    Ok(undone)
}

/// Undoes one customer's line, or says why it is kept.
fn undo_one(
    tx: &rusqlite::Transaction<'_>,
    change: &Change,
    now: i64,
    out: &mut Undone,
) -> ApiResult<()> {
    let c = match db::customers::by_id(tx, &change.customer_id) {
        // deleted since: nothing left to undo
        Err(DbError::NotFound) => return Ok(()),
        other => other?,
    };
    let mut keep = |reason: &str| {
        out.kept.push(Kept {
            customer_id: c.id.clone(),
            name: c.name.clone(),
            reason: reason.to_string(),
        })
    };
    if c.updated_at != change.left_at {
        keep("导入后已被修改（跟进、编辑或再次导入），保留现状");
        return Ok(());
    }
    let Some(before) = &change.before else {
        if c.last_contact_time.is_some() {
            keep("导入后已有通话，保留");
            return Ok(());
        }
        db::customers::delete(tx, &c.id)?;
        out.removed += 1;
        return Ok(());
    };
    let mut before: CustomerFields = serde_json::from_str(before).map_err(ApiError::internal)?;
    for number in std::iter::once(&before.phone).chain(&before.other_phones) {
        if let Some(other) = db::customers::by_phone(tx, number)?
            && other.id != c.id
        {
            keep(&format!(
                "原号码 {number} 现属于客户 {}，保留现状",
                other.name
            ));
            return Ok(());
        }
    }
    // a person deleted since cannot own it again
    if let Some(owner) = &before.owner_id
        && matches!(db::users::by_id(tx, owner), Err(DbError::NotFound))
    {
        before.owner_id = None;
    }
    db::customers::update(tx, &c.id, &before, now)?;
    out.restored += 1;
    Ok(())
}
