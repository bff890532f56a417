//! `incoming NUMBER`: the bound phone rings, and the app 2.4.0 does what it does (contract §14,
//! the inventory's §1.4): caller ID on the socket with its HTTP fallback after 3 s, the answer
//! and the hang-up reported by number with a blank `callId`, the end under the app's own
//! `IN-local-<ms>` id (keeping the id the server answers), a `number_updated` re-report when the
//! number was read only after the call, the recording multipart and then base64, the form.
//! `--while-closed` is a ring the app never saw: the call-log back-fill on its return.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use clap::Args;
use serde_json::{Value, json};

use crate::api::{Api, iso};
use crate::device::Device;
use crate::events::Log;
use crate::socket::{self, Ws};
use crate::{Behaviour, audio};

/// How long 2.4.0 waits for INCOMING_CALL_CONFIRMED before its HTTP fallback.
const CONFIRM_WAIT: Duration = Duration::from_secs(3);
/// The app's word for a number it could not read.
const NO_NUMBER: &str = "未知来电";

#[derive(Debug, Args)]
pub struct IncomingArgs {
    /// The caller's number.
    pub number: String,
    /// The state file `bind` wrote.
    #[arg(long, default_value = "dialbox-phone.json")]
    state: PathBuf,
    /// Nobody answers: the ring ends missed.
    #[arg(long)]
    missed: bool,
    /// The app reads the number only after the call: it rings as 未知来电, then re-reports the
    /// end with `endReason: number_updated`.
    #[arg(long)]
    number_later: bool,
    /// No socket: caller ID goes straight to the HTTP fallback.
    #[arg(long)]
    no_socket: bool,
    /// The app was closed while it rang: nothing is reported until it comes back to the
    /// foreground and sends its call log (twice: the second must create nothing).
    #[arg(long)]
    while_closed: bool,
    /// Send the recording as base64 (the app's fallback when its multipart upload failed).
    #[arg(long)]
    base64: bool,
    #[command(flatten)]
    behaviour: Behaviour,
}

/// One incoming call as the app reports it.
struct Ring {
    api: Api,
    token: String,
    log: Log,
    ws: Option<Ws>,
    device_id: String,
}

pub async fn ring(args: IncomingArgs) -> Result<(), String> {
    let device = Device::load(&args.state)?;
    let b = &args.behaviour;
    let mut r = Ring {
        api: Api::new(&device.server),
        token: device.http_token().to_string(),
        log: Log::Print("phone".into()),
        ws: None,
        device_id: device.device_id.clone(),
    };
    if args.while_closed {
        return r.back_fill(&args.number, b).await;
    }
    if !args.no_socket {
        let url = socket::socket_url(&device.ws_url, &device.server, b.socket_on_server);
        let mut ws = socket::connect(&url, &device.ws_token)
            .await
            .map_err(|e| format!("socket: {e}"))?;
        let online = json!({ "deviceId": device.device_id, "appVersion": "2.4.0" });
        socket::send(
            &mut ws,
            &socket::message("DEVICE_ONLINE", Some(online), device.dialect).1,
        )
        .await?;
        r.ws = Some(ws);
    }
    let seen = if args.number_later {
        NO_NUMBER
    } else {
        args.number.as_str()
    };
    let started = chrono::Utc::now();
    let call_id = r.caller_id(seen).await?;
    tokio::time::sleep(Duration::from_secs_f64(b.ring_secs.max(0.0))).await;
    if !args.missed {
        r.status("connected", seen).await?;
        tokio::time::sleep(Duration::from_secs_f64(b.talk_secs.max(0.0))).await;
    }
    r.status("ended", seen).await?;
    let app_id = format!("IN-local-{}", crate::api::now_ms());
    let ended = chrono::Utc::now();
    let duration = if args.missed {
        0
    } else {
        (ended - started).num_seconds().max(0)
    };
    let recorded = !args.missed && !b.no_recording;
    let end = json!({
        "callId": app_id, "status": if args.missed { "missed" } else { "connected" },
        "startTime": iso(started), "endTime": iso(ended), "duration": duration,
        "hasRecording": recorded, "phoneNumber": seen, "callType": "inbound",
        "endReason": "system_hangup",
    });
    let kept = r.end(end.clone()).await?;
    r.log.say(format!(
        "{app_id}: end kept on {kept} (caller ID said {call_id})"
    ));
    if args.number_later {
        let mut update = end;
        update["phoneNumber"] = json!(args.number);
        update["endReason"] = json!("number_updated");
        r.end(update).await?;
        r.log.say(format!(
            "{app_id}: number {} found after the call",
            args.number
        ));
    }
    if recorded {
        r.upload(&app_id, &args.number, b, args.base64).await?;
    }
    if !b.no_followup {
        let form = json!({"callId": kept, "notes": "客户来电咨询", "tags": ["来电"], "intention": "medium"});
        r.api
            .post("/api/v1/mobile/call/followup", Some(&r.token), form)
            .await?;
        r.log.say(format!("{kept}: follow-up submitted"));
    }
    let detail = r
        .api
        .get(&format!("/api/v1/mobile/call/{kept}"), &r.token)
        .await?;
    r.log.say(format!(
        "{kept}: kept as {} {} {}s, number {}, customer {}",
        detail["callType"].as_str().unwrap_or("-"),
        detail["callStatus"].as_str().unwrap_or("-"),
        detail["duration"],
        detail["customerPhone"].as_str().unwrap_or("-"),
        detail["customerName"]
            .as_str()
            .filter(|n| !n.is_empty())
            .unwrap_or("-"),
    ));
    Ok(())
}

impl Ring {
    /// INCOMING_CALL_DETECTED, then INCOMING_CALL_CONFIRMED within 3 s; else (or without a
    /// socket) `POST /mobile/call/incoming`. Returns the call id the server gave.
    async fn caller_id(&mut self, number: &str) -> Result<String, String> {
        let asked = Instant::now();
        if let Some(ws) = &mut self.ws {
            let data = json!({ "callerNumber": number, "deviceId": self.device_id });
            let (_, msg) = socket::message(
                "INCOMING_CALL_DETECTED",
                Some(data),
                crate::Dialect::ShippedApp24,
            );
            socket::send(ws, &msg).await?;
            if let Ok(Some(confirmed)) = tokio::time::timeout(CONFIRM_WAIT, confirmation(ws)).await
            {
                self.log.say(format!(
                    "caller ID on the socket in {} ms: {} ({})",
                    asked.elapsed().as_millis(),
                    confirmed["customerName"].as_str().unwrap_or("-"),
                    confirmed["callId"].as_str().unwrap_or("-")
                ));
                return Ok(confirmed["callId"].as_str().unwrap_or_default().to_string());
            }
            self.log
                .say("no INCOMING_CALL_CONFIRMED within 3 s: the HTTP fallback");
        }
        let body = json!({ "callerNumber": number, "timestamp": crate::api::iso_now() });
        let data = self
            .api
            .post("/api/v1/mobile/call/incoming", Some(&self.token), body)
            .await?;
        self.log.say(format!(
            "caller ID over HTTP in {} ms: {} ({})",
            asked.elapsed().as_millis(),
            data["customerName"].as_str().unwrap_or("-"),
            data["callId"].as_str().unwrap_or("-")
        ));
        Ok(data["callId"].as_str().unwrap_or_default().to_string())
    }

    /// A state by number with a blank id: on the socket when it is up, and over HTTP.
    async fn status(&mut self, status: &str, number: &str) -> Result<(), String> {
        let data =
            json!({"callId": "", "status": status, "callType": "inbound", "phoneNumber": number});
        if let Some(ws) = &mut self.ws {
            let (_, msg) = socket::message(
                "CALL_STATUS",
                Some(data.clone()),
                crate::Dialect::ShippedApp24,
            );
            socket::send(ws, &msg).await?;
        }
        let mut body = data;
        body["timestamp"] = json!(crate::api::iso_now());
        self.api
            .post("/api/v1/mobile/call/status", Some(&self.token), body)
            .await?;
        self.log.say(format!("CALL_STATUS {status} by number"));
        Ok(())
    }

    /// CALL_ENDED on the socket and §4.2; the id §4.2 answers is the one the app keeps.
    async fn end(&mut self, end: Value) -> Result<String, String> {
        if let Some(ws) = &mut self.ws {
            let (_, msg) = socket::message(
                "CALL_ENDED",
                Some(end.clone()),
                crate::Dialect::ShippedApp24,
            );
            socket::send(ws, &msg).await?;
        }
        let data = self
            .api
            .post("/api/v1/mobile/call/end", Some(&self.token), end.clone())
            .await?;
        Ok(data["callId"]
            .as_str()
            .or(end["callId"].as_str())
            .unwrap_or_default()
            .to_string())
    }

    /// The recording under the app's own id with the number: multipart, or base64 when told
    /// (the app's fallback after a failed multipart upload).
    async fn upload(
        &self,
        app_id: &str,
        number: &str,
        b: &Behaviour,
        as_base64: bool,
    ) -> Result<(), String> {
        let bytes = audio::generate(b.format);
        let name = format!("{app_id}.{}", b.format.as_str());
        let data = if as_base64 {
            let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let body =
                json!({"callId": app_id, "fileName": name, "base64": text, "phoneNumber": number});
            self.api
                .post(
                    "/api/v1/mobile/recording/upload-base64",
                    Some(&self.token),
                    body,
                )
                .await?
        } else {
            let form = reqwest::multipart::Form::new()
                .text("callId", app_id.to_string())
                .text("phoneNumber", number.to_string())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            let resp = self
                .api
                .client()
                .post(self.api.url("/api/v1/mobile/recording/upload"))
                .bearer_auth(&self.token)
                .multipart(form)
                .send()
                .await
                .map_err(|e| format!("upload: {e}"))?;
            crate::api::envelope("POST /api/v1/mobile/recording/upload", resp).await?
        };
        self.log.say(format!(
            "{app_id}: recording uploaded{} onto {}",
            if as_base64 { " as base64" } else { "" },
            data["callId"].as_str().unwrap_or("-")
        ));
        Ok(())
    }

    /// The app comes back to the foreground: its call log's ring, sent twice.
    async fn back_fill(&self, number: &str, b: &Behaviour) -> Result<(), String> {
        let at = chrono::Utc::now() - chrono::Duration::milliseconds((b.ring_secs * 1000.0) as i64);
        let list = json!({"calls": [{"callerNumber": number, "callTime": iso(at), "duration": 0, "callStatus": "missed"}]});
        for round in ["back-filled", "replayed"] {
            let data = self
                .api
                .post(
                    "/api/v1/mobile/call/missed-calls",
                    Some(&self.token),
                    list.clone(),
                )
                .await?;
            self.log.say(format!(
                "{round}: created {}, skipped {}",
                data["created"], data["skipped"]
            ));
        }
        Ok(())
    }
}

/// The next INCOMING_CALL_CONFIRMED's data (other messages skipped); `None` when the socket
/// closed.
async fn confirmation(ws: &mut Ws) -> Option<Value> {
    while let Some(msg) = socket::receive(ws).await {
        if let Ok(msg) = msg
            && msg["type"] == "INCOMING_CALL_CONFIRMED"
        {
            return Some(msg["data"].clone());
        }
    }
    None
}
