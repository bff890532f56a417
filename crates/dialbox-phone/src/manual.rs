//! `dial NUMBER`: a call from the phone's own dialpad, as the shipped app makes it (contract
//! §13.1): a made-up `manual_<ms>_<random>` id the server has never seen, reports that name no
//! number, a recording named `Call_<number>_<time>`, then the follow-up — the server must keep
//! it all on one call.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use crate::api::{Api, iso};
use crate::call::{followup, upload};
use crate::context::Ctx;
use crate::device::Device;
use crate::events::Log;
use crate::scenario::Outcome;
use crate::{Behaviour, screens};

#[derive(Debug, Args)]
pub struct DialArgs {
    /// The number typed on the dialpad.
    pub number: String,
    /// The state file `bind` wrote.
    #[arg(long, default_value = "dialbox-phone.json")]
    state: PathBuf,
    #[command(flatten)]
    behaviour: Behaviour,
}

pub async fn dial_by_hand(args: DialArgs) -> Result<(), String> {
    let device = Device::load(&args.state)?;
    let api = Api::new(&device.server);
    let token = device.http_token().to_string();
    let id = format!(
        "manual_{}_{:06x}",
        crate::api::now_ms(),
        rand::random_range(0..0xFF_FFFF)
    );
    let log = Log::Print("phone".into());
    let b = args.behaviour;
    log.say(format!("{id}: dialing {} on the dialpad", args.number));
    let started = chrono::Utc::now();
    let status = |status: &'static str| {
        let body = json!({ "callId": id, "status": status, "timestamp": iso(chrono::Utc::now()) });
        let api = api.clone();
        let token = token.clone();
        async move {
            api.post("/api/v1/mobile/call/status", Some(&token), body)
                .await
        }
    };
    status("dialing").await?;
    tokio::time::sleep(Duration::from_secs_f64(b.ring_secs.max(0.0))).await;
    if !b.never_connected {
        status("connected").await?;
    }
    tokio::time::sleep(Duration::from_secs_f64(b.talk_secs.max(0.0))).await;
    let ended = chrono::Utc::now();
    let duration = (ended - started).num_seconds().max(0);
    let end = json!({
        "callId": id, "status": "connected", "startTime": iso(started), "endTime": iso(ended),
        "duration": duration, "hasRecording": !b.no_recording, "endReason": "user_submit",
    });
    api.post("/api/v1/mobile/call/end", Some(&token), end)
        .await?;
    log.say(format!("{id}: ended after {duration}s"));
    // the calls below need what every call of a phone shares; this one has no socket
    let (to_socket, _) = tokio::sync::mpsc::unbounded_channel();
    let ctx = Arc::new(Ctx {
        api: api.clone(),
        device,
        behaviour: b.clone(),
        log,
        to_socket,
        events: None,
    });
    if !b.no_recording {
        let name = format!(
            "Call_{}_{}.{}",
            args.number,
            started.format("%Y%m%d_%H%M%S"),
            b.format.as_str()
        );
        upload(&ctx, &id, duration as u64, Some(name)).await;
    }
    screens::look_back(&ctx, &id, Outcome::Connected, !b.no_recording).await;
    if !b.no_followup {
        followup(&ctx, &id, Outcome::Connected).await;
    }
    let detail = api
        .get(&format!("/api/v1/mobile/call/{id}"), &token)
        .await?;
    ctx.log.say(format!(
        "{id}: kept as {} {}s, number {}",
        detail["callStatus"].as_str().unwrap_or("-"),
        detail["duration"],
        detail["customerPhone"].as_str().unwrap_or("-"),
    ));
    Ok(())
}
