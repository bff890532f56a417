//! What the shipped app's screens do with the server's answers after a call (contract §13.1),
//! so a run shows whether each screen works: the call-detail page plays §5.2 `recordingUrl` as
//! is (no header, no base URL), the 未接 tab is `GET /api/v1/mobile/calls?callStatus=missed`, and
//! the 通话 tab's 📞 dials `customerPhone` as shown. A screen that would break says `BROKEN`.

use std::time::Duration;

use crate::context::Ctx;
use crate::scenario::Outcome;

/// Looks at the call the way the app's screens do; each step is printed.
pub async fn look_back(ctx: &Ctx, call_id: &str, outcome: Outcome, recorded: bool) {
    let token = ctx.device.http_token();
    if recorded {
        match ctx
            .api
            .get(&format!("/api/v1/mobile/call/{call_id}"), token)
            .await
        {
            Ok(detail) => play(ctx, call_id, detail["recordingUrl"].as_str()).await,
            Err(e) => ctx.log.say(format!("{call_id}: BROKEN call detail: {e}")),
        }
    }
    if outcome == Outcome::Connected {
        return;
    }
    let path = "/api/v1/mobile/calls?callStatus=missed&pageSize=100";
    let listed = match ctx.api.get(path, token).await {
        Ok(page) => page["records"].as_array().cloned().unwrap_or_default(),
        Err(e) => {
            ctx.log.say(format!("{call_id}: BROKEN 未接 tab: {e}"));
            return;
        }
    };
    let mine = listed.iter().find(|c| c["id"] == call_id);
    let wrong = listed
        .iter()
        .filter(|c| c["callStatus"] != "missed")
        .count();
    match (outcome, mine) {
        (Outcome::Missed, Some(call)) if wrong == 0 => {
            let number = call["customerPhone"].as_str().unwrap_or_default();
            if number.contains('*') {
                ctx.log.say(format!(
                    "{call_id}: BROKEN 通话 tab would dial masked {number}"
                ));
            } else {
                ctx.log
                    .say(format!("{call_id}: 未接 tab lists it ({number})"));
            }
        }
        (Outcome::Missed, _) => ctx.log.say(format!(
            "{call_id}: BROKEN 未接 tab (listed: {}, not missed: {wrong})",
            mine.is_some()
        )),
        (_, Some(_)) => ctx.log.say(format!(
            "{call_id}: BROKEN 未接 tab lists a call that was not missed"
        )),
        (_, None) => {}
    }
}

/// Plays the recording from the URL as given, with no header (an audio element).
async fn play(ctx: &Ctx, call_id: &str, url: Option<&str>) {
    let Some(url) = url.filter(|u| u.starts_with("http://") || u.starts_with("https://")) else {
        ctx.log.say(format!(
            "{call_id}: BROKEN 播放录音: recordingUrl {url:?} is not an absolute URL"
        ));
        return;
    };
    let plain = reqwest::Client::new();
    let sent = plain
        .get(url)
        .header("Range", "bytes=0-")
        .timeout(Duration::from_secs(30))
        .send()
        .await;
    match sent {
        Ok(resp) if resp.status().is_success() => {
            let bytes = resp.bytes().await.map(|b| b.len()).unwrap_or(0);
            ctx.log.say(format!(
                "{call_id}: played the recording with no header ({bytes} bytes)"
            ));
        }
        Ok(resp) => ctx.log.say(format!(
            "{call_id}: BROKEN 播放录音: HTTP {}",
            resp.status().as_u16()
        )),
        Err(e) => ctx.log.say(format!("{call_id}: BROKEN 播放录音: {e}")),
    }
}
