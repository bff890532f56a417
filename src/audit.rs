//! The audit log (issue 13, item 9): who did what, to which record, when and from where. Each
//! act writes its line in its own transaction (`record`), so a line exists exactly when the act
//! happened. Admins read it (`list`); nothing in the API changes or removes a line, and the
//! table's triggers refuse it outright.

use std::net::IpAddr;

use crate::auth::Caller;
use crate::db::{self, DbResult, audit::AuditEntry, audit::AuditFilter};
use crate::error::ApiResult;
use crate::state::State;

/// What is recorded. The wire names are `Action::as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Login,
    LoginFailed,
    UserCreate,
    UserUpdate,
    UserDisable,
    UserEnable,
    UserPassword,
    RecordingDelete,
    RecordingDownload,
    CallDelete,
    CustomerDelete,
    CustomerBulk,
    CustomerImport,
    CustomerImportUndo,
    FollowUpDelete,
    SettingChange,
    Export,
    CampaignCreate,
    CampaignAssign,
    CampaignDelete,
    DoNotCallAdd,
    DoNotCallRemove,
    DialForOther,
}

impl Action {
    pub const ALL: [Action; 23] = [
        Action::Login,
        Action::LoginFailed,
        Action::UserCreate,
        Action::UserUpdate,
        Action::UserDisable,
        Action::UserEnable,
        Action::UserPassword,
        Action::RecordingDelete,
        Action::RecordingDownload,
        Action::CallDelete,
        Action::CustomerDelete,
        Action::CustomerBulk,
        Action::CustomerImport,
        Action::CustomerImportUndo,
        Action::FollowUpDelete,
        Action::SettingChange,
        Action::Export,
        Action::CampaignCreate,
        Action::CampaignAssign,
        Action::CampaignDelete,
        Action::DoNotCallAdd,
        Action::DoNotCallRemove,
        Action::DialForOther,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::UserCreate => "user_create",
            Action::UserUpdate => "user_update",
            Action::UserDisable => "user_disable",
            Action::UserEnable => "user_enable",
            Action::UserPassword => "user_password",
            Action::RecordingDelete => "recording_delete",
            Action::RecordingDownload => "recording_download",
            Action::CallDelete => "call_delete",
            Action::CustomerDelete => "customer_delete",
            Action::CustomerBulk => "customer_bulk",
            Action::CustomerImport => "customer_import",
            Action::CustomerImportUndo => "customer_import_undo",
            Action::FollowUpDelete => "follow_up_delete",
            Action::SettingChange => "setting_change",
            Action::Export => "export",
            Action::CampaignCreate => "campaign_create",
            Action::CampaignAssign => "campaign_assign",
            Action::CampaignDelete => "campaign_delete",
            Action::DoNotCallAdd => "do_not_call_add",
            Action::DoNotCallRemove => "do_not_call_remove",
            Action::DialForOther => "dial_for_other",
        }
    }
}

/// Who acts: a logged-in user from an address, or the command line on the box itself.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    pub username: String,
    pub address: String,
}

impl Actor {
    pub fn of(caller: &Caller) -> Self {
        Self {
            user_id: Some(caller.user_id.clone()),
            username: caller.username.clone(),
            address: caller.address.map(|a| a.to_string()).unwrap_or_default(),
        }
    }

    /// `dialbox user …` on the box: no account, no address.
    pub fn command_line() -> Self {
        Self {
            user_id: None,
            username: "命令行".into(),
            address: String::new(),
        }
    }

    /// Someone logging in as `username` (a known user's id, or none).
    pub fn login(user_id: Option<String>, username: &str, addr: Option<IpAddr>) -> Self {
        Self {
            user_id,
            username: username.to_string(),
            address: addr.map(|a| a.to_string()).unwrap_or_default(),
        }
    }
}

/// Writes one line inside the act's transaction.
pub fn record(
    conn: &rusqlite::Connection,
    who: &Actor,
    action: Action,
    target: &str,
    detail: &str,
) -> DbResult<()> {
    db::audit::insert(
        conn,
        &AuditEntry {
            id: 0,
            at: crate::times::now_ms(),
            user_id: who.user_id.clone(),
            username: who.username.clone(),
            action: action.as_str().to_string(),
            target: target.to_string(),
            detail: detail.to_string(),
            address: who.address.clone(),
        },
    )
}

/// An act with no other write of its own (a download link, a login): its line alone.
pub async fn record_alone(
    state: &State,
    who: Actor,
    action: Action,
    target: String,
    detail: String,
) -> ApiResult<()> {
    Ok(state
        .db
        .write(move |tx| record(tx, &who, action, &target, &detail))
        .await?)
}

/// `record_alone` for acts that must go on when the disk cannot take the line (a login, right
/// or wrong, on a full disk or a read-only folder): the line goes to the log instead, and the
/// act is not refused for it (issue 27: a full disk locked everyone out).
pub async fn record_or_log(state: &State, who: Actor, action: Action, detail: String) {
    let (user, kind) = (who.username.clone(), action.as_str());
    if let Err(e) = record_alone(state, who, action, String::new(), detail.clone()).await {
        tracing::error!(user, action = kind, detail, error = %e, "audit line not written");
    }
}

/// One page of the log, newest first; admins only.
pub async fn list(
    state: &State,
    caller: &Caller,
    filter: AuditFilter,
    limit: i64,
    offset: i64,
) -> ApiResult<(Vec<AuditEntry>, i64)> {
    caller.require_admin()?;
    Ok(state
        .db
        .run(move |c| db::audit::list(c, &filter, limit, offset))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::Action;

    /// The OpenAPI document lists the `action` filter's values by hand: it must name exactly
    /// these (the page's words in `audit.js` follow the same list).
    #[test]
    fn the_documented_actions_are_these() {
        let doc = crate::http::openapi::merged();
        let params = doc["paths"]["/api/v1/audit"]["get"]["parameters"]
            .as_array()
            .expect("the audit route is documented");
        let action = params
            .iter()
            .find(|p| p["name"] == "action")
            .expect("an action parameter");
        let documented: Vec<&str> = action["schema"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let ours: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(documented, ours);
    }
}
