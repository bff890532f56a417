//! The audit log for admins (issue 13, item 9): read-only; no route changes a line.

use serde_json::json;
use warp::reply::Response;

use super::query::{Query, paged};
use crate::audit::{self, Action};
use crate::auth::Caller;
use crate::db::audit::AuditFilter;
use crate::error::ApiResult;
use crate::http::reply;
use crate::state::State;
use crate::times::iso_ms;

/// GET /api/v1/audit
pub async fn list(state: State, caller: Caller, q: Query) -> ApiResult<Response> {
    caller.require_admin()?;
    let page = q.page()?;
    let (from, to) = q.time_range(state.config.timezone)?;
    let actions: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    let filter = AuditFilter {
        action: q.one_of("action", &actions)?,
        user_id: q.text("userId"),
        from,
        to,
    };
    let (rows, total) = audit::list(&state, &caller, filter, page.page_size, page.offset()).await?;
    let rows: Vec<_> = rows
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id,
                "time": iso_ms(e.at),
                "userId": e.user_id,
                "username": e.username,
                "action": e.action,
                "target": e.target,
                "detail": e.detail,
                "address": e.address,
            })
        })
        .collect();
    Ok(reply::ok(paged(rows, total, page)))
}
