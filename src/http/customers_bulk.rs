//! 客户's bulk actions over HTTP (issue 30, item 2): the page's selection deleted, assigned,
//! tagged or added to a 外呼任务, each in one request.

use serde::Deserialize;
use serde_json::json;
use warp::reply::Response;

use super::reply;
use crate::auth::Caller;
use crate::customers::bulk::{self, Bulk};
use crate::db::customer_lists::CustomerFilter;
use crate::error::{ApiError, ApiResult};
use crate::state::State;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkBody {
    ids: Vec<String>,
    /// `delete`, `assign`, `tag`, `untag` or `campaign`.
    action: String,
    /// For `assign`: the 负责人; empty clears it.
    owner_id: Option<String>,
    /// For `tag` and `untag`.
    tags: Option<Vec<String>>,
    /// For `campaign`: the 外呼任务 the customers' numbers are added to.
    campaign_id: Option<String>,
}

/// POST /api/v1/customers/bulk
///
/// Admins and managers: one action on up to 1,000 selected customers, in one transaction.
pub async fn apply(state: State, caller: Caller, b: BulkBody) -> ApiResult<Response> {
    for id in &b.ids {
        crate::limits::name("ids", id)?;
    }
    let need = |field: &str, given: bool| {
        if given {
            Ok(())
        } else {
            Err(ApiError::invalid_field(field, format!("缺少 {field}")))
        }
    };
    let action = match b.action.as_str() {
        "delete" => Bulk::Delete,
        "assign" => {
            need("ownerId", b.owner_id.is_some())?;
            Bulk::Assign(b.owner_id.filter(|o| !o.trim().is_empty()))
        }
        "tag" | "untag" => {
            let tags = crate::limits::tags("tags", b.tags.unwrap_or_default())?;
            need("tags", !tags.is_empty())?;
            if b.action == "tag" {
                Bulk::Tag(tags)
            } else {
                Bulk::Untag(tags)
            }
        }
        "campaign" => {
            let campaign = b.campaign_id.unwrap_or_default();
            need("campaignId", !campaign.is_empty())?;
            return to_campaign(state, caller, b.ids, campaign).await;
        }
        _ => {
            return Err(ApiError::invalid_field(
                "action",
                "action 须为 delete、assign、tag、untag 或 campaign",
            ));
        }
    };
    let done = bulk::apply(&state, &caller, b.ids, action).await?;
    Ok(reply::ok_with("批量操作完成", done))
}

/// The selection's numbers into a 外呼任务 (its own rules: do-not-call, duplicates, limits).
async fn to_campaign(
    state: State,
    caller: Caller,
    ids: Vec<String>,
    campaign: String,
) -> ApiResult<Response> {
    bulk::check_selection(&ids)?;
    let filter = CustomerFilter {
        ids,
        ..CustomerFilter::default()
    };
    let added = crate::campaigns::items::from_customers(&state, &caller, campaign, filter).await?;
    Ok(reply::ok_with("号码已添加", json!(added)))
}
