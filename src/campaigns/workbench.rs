//! What the 工作台 shows for one salesperson (issue 16): read in one go, no write.

use super::own_pacing;
use super::session::target;
use crate::auth::Caller;
use crate::db;
use crate::db::calls::Call;
use crate::db::dialer_sessions::Session;
use crate::db::users::User;
use crate::error::{ApiError, ApiResult};
use crate::state::State;

/// What the 工作台 shows: the session, the number on the line (or just done) and its call, the
/// number that comes next, the earlier calls with the number in view, the person's counts, and
/// the pace that applies.
pub struct Workbench {
    pub user: User,
    pub session: Option<Session>,
    pub campaign_name: Option<String>,
    pub current: Option<db::campaign_items::Item>,
    pub call: Option<Call>,
    pub next: Option<db::campaign_items::Item>,
    pub history: Vec<Call>,
    pub progress: Option<db::campaigns::Progress>,
    pub rules: crate::calls::pacing::Pacing,
    /// The server's time of this look (the page counts the waits from it).
    pub now: i64,
}

pub async fn workbench(
    state: &State,
    caller: &Caller,
    user_id: Option<String>,
) -> ApiResult<Workbench> {
    let who = caller.clone();
    let office = state.settings.pacing();
    let clock = state.clock.clone();
    state
        .db
        .run(move |c| {
            let user = target(c, &who, user_id.as_deref())?;
            let session = db::dialer_sessions::of_user(c, &user.id)?;
            let now = clock.now_ms();
            let mut bench = Workbench {
                user,
                session: None,
                campaign_name: None,
                current: None,
                call: None,
                next: None,
                history: Vec::new(),
                progress: None,
                rules: office.clone(),
                now,
            };
            let Some(s) = session else {
                return Ok(bench);
            };
            let campaign = db::campaigns::by_id(c, &s.campaign_id)?;
            bench.rules = office.stricter(&own_pacing(&campaign));
            bench.campaign_name = Some(campaign.name.clone());
            bench.current = match s.item_id {
                Some(id) => db::campaign_items::by_id(c, id).ok(),
                None => None,
            };
            bench.call = match &s.call_id {
                Some(id) => db::calls::by_id(c, id).ok(),
                None => None,
            };
            bench.next = match db::campaign_items::next_due(c, &campaign.id, &bench.user.id, now)? {
                Some(id) => db::campaign_items::by_id(c, id).ok(),
                None => None,
            };
            let number = bench
                .current
                .as_ref()
                .or(bench.next.as_ref())
                .map(|i| i.phone.clone());
            if let Some(number) = number {
                bench.history = db::calls::with_number(c, &number, 10)?;
            }
            bench.progress = db::campaigns::progress(c, &campaign.id)?
                .into_iter()
                .find(|p| p.assignee_id.as_deref() == Some(bench.user.id.as_str()));
            bench.session = Some(s);
            Ok::<_, ApiError>(bench)
        })
        .await
}
