//! A test work phone: binds through the real bind routes (both QR ways and the shipped app's
//! form), decodes QR images with a real QR decoder, and talks over a real WebSocket.
//!
//! ```ignore
//! let user = server.create_user("li", "sales_staff", "销售一部").await;
//! let mut phone = TestPhone::bind_pc(&server, &user).await;
//! phone.connect_online().await;                 // socket + DEVICE_ONLINE, acked
//! let dial = phone.recv_type("DIAL_COMMAND").await;
//! phone.send(json!({"type": "CALL_STATUS", "messageId": "m1", "data": {...}})).await;
//! let reply = phone.recv_reply("m1").await;     // the ACK or ERROR for m1
//! ```
#![allow(dead_code)]

use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use super::{TestServer, TestUser};

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a test waits for a message before failing (generous: the machine is shared).
pub const WAIT: Duration = Duration::from_secs(15);

/// A fresh id for messages the test phone sends.
pub fn next_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("t_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A random mainland mobile number and device id, so tests never collide.
pub fn random_number() -> String {
    format!("139{:08}", rand::random_range(0..100_000_000u32))
}

pub fn random_device_id() -> String {
    format!("dev-{:016x}", rand::random::<u64>())
}

/// The JSON a QR PNG data URL decodes to, read with `png` + `rqrr` (a real QR decoder).
pub fn decode_qr(data_url: &str) -> Value {
    let b64 = data_url
        .strip_prefix("data:image/png;base64,")
        .unwrap_or_else(|| {
            panic!(
                "not a PNG data URL: {}",
                &data_url[..data_url.len().min(40)]
            )
        });
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    decode_qr_png(&bytes)
}

/// The JSON the one QR code in a PNG holds: a server image or a browser's screenshot of one
/// (grey or RGBA; the first channel is enough for black on white).
pub fn decode_qr_png(png_bytes: &[u8]) -> Value {
    try_decode_qr_png(png_bytes).expect("exactly one QR code in the image")
}

/// `decode_qr_png`, or `None` when the image holds no single readable QR code (a screenshot
/// taken while the dialog is still fading in).
pub fn try_decode_qr_png(png_bytes: &[u8]) -> Option<Value> {
    let mut reader = png::Decoder::new(Cursor::new(png_bytes))
        .read_info()
        .expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let step = info.line_size / w;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        buf[y * info.line_size + x * step]
    });
    let grids = image.detect_grids();
    if grids.len() != 1 {
        return None;
    }
    let (_, text) = grids[0].decode().ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|_| panic!("QR text is not JSON: {text}")))
}

/// Opens a WebSocket; a refused upgrade gives its HTTP status and JSON body.
pub async fn ws_connect(url: &str) -> Result<Client, (u16, Value)> {
    match tokio::time::timeout(WAIT, connect_async(url)).await {
        Err(_) => panic!("connecting {url} timed out"),
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => {
            let status = resp.status().as_u16();
            let body = resp.body().clone().unwrap_or_default();
            let json = serde_json::from_slice(&body).unwrap_or_else(|_| {
                panic!(
                    "refusal is not JSON ({status}): {}",
                    String::from_utf8_lossy(&body)
                )
            });
            Err((status, json))
        }
        Ok(Err(other)) => panic!("connecting {url}: {other}"),
    }
}

/// The next text message as JSON; `None` when the socket closed.
async fn next_json(socket: &mut Client) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("timed out waiting for a socket message");
        match msg {
            Some(Ok(Message::Text(t))) => {
                return Some(
                    serde_json::from_str(t.as_str())
                        .unwrap_or_else(|_| panic!("server sent non-JSON: {t}")),
                );
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// A bound work phone with its wsToken, and its socket once connected.
pub struct TestPhone {
    pub phone_id: i64,
    pub device_id: String,
    pub phone_number: Option<String>,
    pub user_id: String,
    pub ws_token: String,
    pub ws_url: String,
    /// The server's ws URL for this test server (the bind answer's `wsUrl`).
    socket: Option<Client>,
}

impl TestPhone {
    /// §3.1 way one: `owner` makes a QR on the PC, the phone scans it (the image is decoded)
    /// and binds with `POST /api/v1/call-config/work-phones/bind` and a phone number.
    pub async fn bind_pc(server: &TestServer, owner: &TestUser) -> Self {
        let qr = Self::pc_qr(server, &owner.token).await;
        Self::bind_connection(server, qr["connectionId"].as_str().expect("connectionId")).await
    }

    /// Way one with a connectionId read from a QR elsewhere (the page's image).
    pub async fn bind_connection(server: &TestServer, connection_id: &str) -> Self {
        let number = random_number();
        let device_id = random_device_id();
        let body = json!({
            "connectionId": connection_id,
            "deviceInfo": {
                "phoneNumber": number, "deviceName": "测试手机", "deviceModel": "TestPhone,1",
                "deviceId": device_id,
            }
        });
        Self::bind_with(server, "/api/v1/call-config/work-phones/bind", None, body).await
    }

    /// §3.1.1 way two: the QR is made on a phone logged in as `owner`, and the work phone binds
    /// with `POST /api/v1/mobile/bind`, its token and a phone number.
    pub async fn bind_mobile(server: &TestServer, owner: &TestUser) -> Self {
        let (status, body) = server
            .post("/api/v1/mobile/bindQRCode", &owner.token, json!({}))
            .await;
        assert_eq!(status, 200, "bindQRCode: {body}");
        let qr = decode_qr(body["data"]["qrCodeImage"].as_str().expect("qrCodeImage"));
        let body = json!({
            "bindToken": qr["token"],
            "phoneNumber": random_number(),
            "deviceInfo": {
                "deviceId": random_device_id(), "deviceName": "iPhone 15 Pro",
                "deviceModel": "iPhone15,3", "osType": "ios", "osVersion": "17.0",
                "appVersion": "1.0.0",
            }
        });
        Self::bind_with(server, "/api/v1/mobile/bind", None, body).await
    }

    /// The shipped app (contract §13): scans the PC's QR and sends its connectionId as
    /// `bindToken` to `/api/v1/mobile/bind` with its login token, without a phone number.
    pub async fn bind_shipped(server: &TestServer, owner: &TestUser) -> Self {
        let qr = Self::pc_qr(server, &owner.token).await;
        let body = json!({
            "bindToken": qr["connectionId"],
            "deviceInfo": {
                "deviceId": random_device_id(), "deviceName": "CRM外呼助手",
                "deviceModel": "Redmi K70", "osType": "android", "osVersion": "14",
                "appVersion": "1.0.0",
            }
        });
        Self::bind_with(server, "/api/v1/mobile/bind", Some(&owner.token), body).await
    }

    /// A PC QR for the token's user, decoded from its image.
    pub async fn pc_qr(server: &TestServer, token: &str) -> Value {
        let (status, body) = server
            .post("/api/v1/call-config/work-phones/qrcode", token, json!({}))
            .await;
        assert_eq!(status, 200, "qrcode: {body}");
        decode_qr(body["data"]["qrCodeUrl"].as_str().expect("qrCodeUrl"))
    }

    /// Posts a bind body to `path` and builds the phone from the answer (panics unless 200).
    pub async fn bind_with(
        server: &TestServer,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Self {
        let number = body["phoneNumber"]
            .as_str()
            .or(body["deviceInfo"]["phoneNumber"].as_str())
            .map(str::to_string);
        let (status, answer) = server
            .call(reqwest::Method::POST, path, token, Some(body))
            .await;
        assert_eq!(status, 200, "bind via {path}: {answer}");
        let data = &answer["data"];
        Self {
            phone_id: data["phoneId"].as_i64().expect("phoneId"),
            device_id: data["deviceId"].as_str().expect("deviceId").into(),
            phone_number: number,
            user_id: data["userId"].as_str().expect("userId").into(),
            ws_token: data["wsToken"].as_str().expect("wsToken").into(),
            ws_url: data["wsUrl"].as_str().expect("wsUrl").into(),
            socket: None,
        }
    }

    /// Another client of the same bound phone (same token), not connected: e.g. the app
    /// reconnecting while its old socket still looks open.
    pub fn another_client(&self) -> Self {
        Self {
            phone_id: self.phone_id,
            device_id: self.device_id.clone(),
            phone_number: self.phone_number.clone(),
            user_id: self.user_id.clone(),
            ws_token: self.ws_token.clone(),
            ws_url: self.ws_url.clone(),
            socket: None,
        }
    }

    /// The socket URL with this phone's token.
    pub fn url(&self) -> String {
        format!("{}?token={}", self.ws_url, self.ws_token)
    }

    /// Opens the phone socket (panics if refused).
    pub async fn connect(&mut self) {
        let socket = ws_connect(&self.url())
            .await
            .unwrap_or_else(|(status, body)| panic!("socket refused ({status}): {body}"));
        self.socket = Some(socket);
    }

    /// Opens the socket and announces the phone (DEVICE_ONLINE), waiting for its ACK: after
    /// this the server counts the phone online.
    pub async fn connect_online(&mut self) {
        self.connect().await;
        let device_id = self.device_id.clone();
        let data = json!({ "deviceId": device_id, "appVersion": "1.0.0" });
        self.report("DEVICE_ONLINE", data).await;
    }

    fn socket(&mut self) -> &mut Client {
        self.socket.as_mut().expect("connect() first")
    }

    /// Sends a report of `kind` in the §5 envelope and waits for its ACK (so the server has
    /// acted on it when this returns).
    pub async fn report(&mut self, kind: &str, data: Value) {
        let id = next_id();
        let message =
            json!({ "type": kind, "messageId": id, "timestamp": chrono_ms(), "data": data });
        self.send(message).await;
        let reply = self.recv_reply(&id).await;
        assert_eq!(reply["type"], "ACK", "{kind} answered {reply}");
    }

    pub async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket()
            .send(Message::text(text.to_string()))
            .await
            .expect("socket send");
    }

    /// The next message (panics if the socket closes or nothing comes in time).
    pub async fn recv(&mut self) -> Value {
        next_json(self.socket())
            .await
            .expect("socket closed while waiting for a message")
    }

    /// The next message of type `kind`, skipping others.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let msg = self.recv().await;
            if msg["type"] == kind {
                return msg;
            }
        }
    }

    /// The ACK or ERROR answering our message `id` (skipping other messages).
    pub async fn recv_reply(&mut self, id: &str) -> Value {
        loop {
            let msg = self.recv().await;
            let about = &msg["data"]["messageId"];
            if (msg["type"] == "ACK" || msg["type"] == "ERROR") && about == id {
                return msg;
            }
        }
    }

    /// Waits until the server closes the socket; returns the messages received before.
    pub async fn expect_closed(&mut self) -> Vec<Value> {
        let mut seen = Vec::new();
        while let Some(msg) = next_json(self.socket()).await {
            seen.push(msg);
        }
        self.socket = None;
        seen
    }

    /// Closes the socket from the phone's side.
    pub async fn disconnect(&mut self) {
        if let Some(mut socket) = self.socket.take() {
            let _ = socket.close(None).await;
        }
    }
}

/// A PC page's `/ws/admin` feed.
pub struct AdminFeed {
    socket: Client,
}

impl AdminFeed {
    pub async fn connect(server: &TestServer, login_token: &str) -> Self {
        let url = format!("ws://{}/ws/admin?token={login_token}", server.addr);
        let socket = ws_connect(&url)
            .await
            .unwrap_or_else(|(status, body)| panic!("admin feed refused ({status}): {body}"));
        Self { socket }
    }

    /// The next event (panics on close or timeout).
    pub async fn recv(&mut self) -> Value {
        next_json(&mut self.socket)
            .await
            .expect("admin feed closed")
    }

    /// The next event of type `kind` whose `data.phoneId` is `phone_id`.
    pub async fn recv_phone_event(&mut self, kind: &str, phone_id: i64) -> Value {
        loop {
            let event = self.recv().await;
            if event["type"] == kind && event["data"]["phoneId"] == phone_id {
                return event;
            }
        }
    }

    /// Waits until the server closes the feed (panics after the usual wait).
    pub async fn expect_closed(&mut self) {
        while next_json(&mut self.socket).await.is_some() {}
    }

    /// Events received within `wait` (for "this feed saw nothing about X": used after an event
    /// that the same feed must see, so the wait is bounded by something observable).
    pub async fn drain_until(&mut self, kind: &str, phone_id: i64) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let event = self.recv().await;
            let done = event["type"] == kind && event["data"]["phoneId"] == phone_id;
            seen.push(event);
            if done {
                return seen;
            }
        }
    }
}

/// Now in epoch ms.
pub fn chrono_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
