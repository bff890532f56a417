//! One call, as a phone lives it after a DIAL_COMMAND: dial, ring, maybe talk, report the end
//! (both dialects' ways), upload the recording, submit the follow-up. Each step is printed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;

use crate::Dialect;
use crate::api::iso;
use crate::audio;
use crate::context::{Ctx, Signal};
use crate::scenario::Outcome;

/// How a ring or talk wait ended.
enum Waited {
    Elapsed,
    Signal(Signal),
}

async fn wait(secs: f64, signals: &mut mpsc::UnboundedReceiver<Signal>) -> Waited {
    let sleep = tokio::time::sleep(Duration::from_secs_f64(secs.max(0.0)));
    tokio::pin!(sleep);
    tokio::select! {
        () = &mut sleep => Waited::Elapsed,
        Some(signal) = signals.recv() => Waited::Signal(signal),
    }
}

/// Plays one call through; returns when the phone is done with it.
pub async fn play(ctx: Arc<Ctx>, call_id: String, mut signals: mpsc::UnboundedReceiver<Signal>) {
    let b = &ctx.behaviour;
    let mut outcome = b.answer.pick();
    let started = chrono::Utc::now();
    if ctx.device.dialect.shipped() {
        ctx.status(&call_id, "dialing");
    }
    ctx.status(&call_id, "ringing");
    match wait(b.ring_secs, &mut signals).await {
        Waited::Signal(Signal::Cancel) if ctx.device.dialect.shipped() => {
            // no page of the app listens for a cancel: the dial goes on unanswered and the
            // app reports what happened (contract §13.1)
            ctx.log.say(format!(
                "{call_id}: cancel ignored (as the shipped app), not answered"
            ));
            outcome = Outcome::Missed;
        }
        Waited::Signal(Signal::Cancel) => {
            ctx.log
                .say(format!("{call_id}: canceled by the PC, hanging up"));
            return;
        }
        Waited::Signal(Signal::PcEnded) => {
            ctx.log
                .say(format!("{call_id}: ended by the PC while ringing"));
            outcome = Outcome::Missed;
        }
        Waited::Elapsed => {}
    }
    let mut talked = Duration::ZERO;
    if outcome == Outcome::Connected {
        if b.never_connected {
            ctx.log
                .say(format!("{call_id}: talking, but never reports connected"));
        } else {
            ctx.status(&call_id, "connected");
        }
        let talk_start = Instant::now();
        if let Waited::Signal(signal) = wait(b.talk_secs, &mut signals).await {
            ctx.log
                .say(format!("{call_id}: {signal:?} from the server, hanging up"));
        }
        talked = talk_start.elapsed();
    }
    let ended = chrono::Utc::now();
    let duration = talked.as_secs_f64().round() as u64;
    let recording = outcome == Outcome::Connected && !b.no_recording;
    let end = EndReport {
        call_id: &call_id,
        start: iso(started),
        end: iso(ended),
        recording,
    };
    let reported = match ctx.device.dialect {
        Dialect::Document => end.send(&ctx, outcome.as_str(), duration, None).await,
        Dialect::ShippedApp | Dialect::ShippedApp24 => {
            // at hang-up the app guesses from the time off-hook, then the salesperson confirms
            let guess = if talked > Duration::ZERO {
                "connected"
            } else {
                "missed"
            };
            end.send(&ctx, guess, duration, Some("system_hangup")).await;
            let confirmed = if outcome == Outcome::Connected {
                duration
            } else {
                0
            };
            end.send(&ctx, outcome.as_str(), confirmed, Some("user_submit"))
                .await
        }
    };
    if recording {
        upload(&ctx, &call_id, duration, None).await;
    }
    if ctx.device.dialect.shipped() && reported {
        crate::screens::look_back(&ctx, &call_id, outcome, recording).await;
    }
    if reported && !b.no_followup {
        followup(&ctx, &call_id, outcome).await;
    }
    ctx.log
        .say(format!("{call_id}: done ({})", outcome.as_str()));
}

struct EndReport<'a> {
    call_id: &'a str,
    start: String,
    end: String,
    recording: bool,
}

impl EndReport<'_> {
    /// The end over the socket (CALL_END, or CALL_ENDED in the shipped app) and over HTTP §4.2;
    /// true when the HTTP report was accepted.
    async fn send(&self, ctx: &Ctx, status: &str, duration: u64, reason: Option<&str>) -> bool {
        let mut data = json!({
            "callId": self.call_id,
            "status": status,
            "duration": duration,
            "hasRecording": self.recording,
        });
        let mut http = json!({
            "callId": self.call_id,
            "status": status,
            "startTime": self.start,
            "endTime": self.end,
            "duration": duration,
            "hasRecording": self.recording,
        });
        let kind = match reason {
            Some(reason) => {
                data["endReason"] = json!(reason);
                data["startTime"] = json!(self.start);
                data["endTime"] = json!(self.end);
                http["endReason"] = json!(reason);
                "CALL_ENDED"
            }
            None => "CALL_END",
        };
        let why = reason.map(|r| format!(" ({r})")).unwrap_or_default();
        ctx.log.say(format!(
            "{}: {kind} {status} {duration}s{why} over the socket",
            self.call_id
        ));
        ctx.send(kind, data);
        let token = ctx.device.http_token();
        match ctx
            .api
            .post("/api/v1/mobile/call/end", Some(token), http)
            .await
        {
            Ok(answer) => {
                ctx.log.say(format!(
                    "{}: POST /api/v1/mobile/call/end {status}{why}: ok, upload to {}",
                    self.call_id,
                    answer["recordingUploadUrl"].as_str().unwrap_or("-")
                ));
                true
            }
            Err(e) => {
                ctx.log.say(format!("{}: {e}", self.call_id));
                false
            }
        }
    }
}

/// §4.3: a generated recording. The shipped app sends only `callId` and the file; `name` is
/// the file's name (the call id when `None`).
pub async fn upload(ctx: &Ctx, call_id: &str, duration: u64, name: Option<String>) {
    let format = ctx.behaviour.format;
    let bytes = audio::generate(format);
    let size = bytes.len();
    let name = name.unwrap_or_else(|| format!("{call_id}.{}", format.as_str()));
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name)
        .mime_str(format.mime())
        .expect("a valid MIME type");
    let mut form = reqwest::multipart::Form::new().text("callId", call_id.to_string());
    if ctx.device.dialect == Dialect::Document {
        form = form.text("duration", duration.to_string());
    }
    form = form.part("file", part);
    let path = "/api/v1/mobile/recording/upload";
    let sent = ctx
        .api
        .client()
        .post(ctx.api.url(path))
        .bearer_auth(ctx.device.http_token())
        .timeout(Duration::from_secs(60))
        .multipart(form)
        .send()
        .await;
    let result = match sent {
        Ok(resp) => crate::api::envelope(&format!("POST {path}"), resp).await,
        Err(e) => Err(format!("POST {path}: {e}")),
    };
    match result {
        Ok(data) => ctx.log.say(format!(
            "{call_id}: uploaded {} recording ({size} bytes): {}",
            format.as_str(),
            data["recordingUrl"].as_str().unwrap_or("-")
        )),
        Err(e) => ctx.log.say(format!("{call_id}: upload failed: {e}")),
    }
}

/// §5.1: the salesperson's notes, tags and intention for the call.
pub async fn followup(ctx: &Ctx, call_id: &str, outcome: Outcome) {
    let (notes, tags, intention) = match outcome {
        Outcome::Connected => (
            "客户对产品感兴趣，需要发送报价单",
            vec!["意向", "需报价"],
            "high",
        ),
        Outcome::Missed => ("未接听，稍后再联系", vec!["再联系"], "medium"),
        _ => ("对方忙，改天再打", vec!["再联系"], "low"),
    };
    let next = chrono::Utc::now() + chrono::Duration::days(3);
    let body = json!({
        "callId": call_id,
        "notes": notes,
        "tags": tags,
        "intention": intention,
        "followUpRequired": true,
        "nextFollowUpDate": iso(next),
    });
    let token = ctx.device.http_token();
    if ctx.behaviour.think_secs > 0.0 {
        // people differ: from half to one and a half times the think time
        let factor = 0.5 + rand::random::<f64>();
        tokio::time::sleep(Duration::from_secs_f64(ctx.behaviour.think_secs * factor)).await;
    }
    if let Some(events) = &ctx.events {
        let _ = events.send(crate::events::Event::FollowUp {
            device_id: ctx.device.device_id.clone(),
            at: Instant::now(),
        });
    }
    match ctx
        .api
        .post("/api/v1/mobile/call/followup", Some(token), body)
        .await
    {
        Ok(_) => ctx
            .log
            .say(format!("{call_id}: follow-up submitted ({intention})")),
        Err(e) => ctx.log.say(format!("{call_id}: follow-up failed: {e}")),
    }
}
