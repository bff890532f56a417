//! The HTTP side of a phone (and of the admin steps `fleet` and the benches need): one client,
//! the contract §1 envelope unwrapped, errors as one readable line.

use std::time::Duration;

use serde_json::{Value, json};

/// A DialBox at `base` (e.g. `http://127.0.0.1:3000`, no trailing slash).
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    client: reqwest::Client,
}

/// What a phone says about itself when it logs in and binds.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub device_id: String,
    pub device_name: String,
    pub phone_number: String,
}

impl DeviceInfo {
    pub fn json(&self) -> Value {
        json!({
            "deviceId": self.device_id,
            "deviceName": self.device_name,
            "deviceModel": "DialBox Simulator",
            "osType": "android",
            "osVersion": "14",
            "appVersion": "1.0.0",
        })
    }
}

/// The bind answer (§3.3).
#[derive(Debug, Clone)]
pub struct Bound {
    pub phone_id: Value,
    pub user_id: String,
    pub ws_token: String,
    pub ws_url: String,
}

impl Api {
    pub fn new(base: &str) -> Self {
        // one client (one connection pool) for every phone of the process
        static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
        let client = CLIENT.get_or_init(|| {
            reqwest::Client::builder()
                // the shipped app gives up after 15 s (contract §13)
                .connect_timeout(Duration::from_secs(15))
                .pool_max_idle_per_host(64)
                .build()
                .unwrap_or_default()
        });
        Self {
            base: base.trim_end_matches('/').to_string(),
            client: client.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends a JSON request; `Ok(data)` for a contract success, else one line saying what failed.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let mut req = self
            .client
            .request(method.clone(), self.url(path))
            .timeout(Duration::from_secs(60));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        envelope(&format!("{method} {path}"), resp).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Result<Value, String> {
        self.call(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Result<Value, String> {
        self.call(reqwest::Method::POST, path, token, Some(&body))
            .await
    }

    /// §2.1: returns the login token.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        device: Option<&DeviceInfo>,
    ) -> Result<String, String> {
        let mut body = json!({ "username": username, "password": password });
        if let Some(device) = device {
            body["deviceInfo"] = device.json();
        }
        let data = self.post("/api/v1/mobile/login", None, body).await?;
        text(&data, "token")
    }

    /// §3.3 way one: the connectionId is the credential, no token.
    pub async fn bind_connection(
        &self,
        connection_id: &str,
        device: &DeviceInfo,
    ) -> Result<Bound, String> {
        let mut info = device.json();
        info["phoneNumber"] = json!(device.phone_number);
        let body = json!({ "connectionId": connection_id, "deviceInfo": info });
        let data = self
            .post("/api/v1/call-config/work-phones/bind", None, body)
            .await?;
        bound(&data)
    }

    /// §3.3 way two, with the login token; `phone_number` is absent in the shipped app's form.
    pub async fn bind_mobile(
        &self,
        login_token: &str,
        bind_token: &str,
        phone_number: Option<&str>,
        device: &DeviceInfo,
    ) -> Result<Bound, String> {
        let mut body = json!({ "bindToken": bind_token, "deviceInfo": device.json() });
        if let Some(number) = phone_number {
            body["phoneNumber"] = json!(number);
        }
        let data = self
            .post("/api/v1/mobile/bind", Some(login_token), body)
            .await?;
        bound(&data)
    }

    /// §3.1 as the PC page asks it (optionally for another user): the QR image's data URL.
    pub async fn qrcode(&self, token: &str, user_id: Option<&str>) -> Result<String, String> {
        let body = match user_id {
            Some(id) => json!({ "userId": id }),
            None => json!({}),
        };
        let data = self
            .post("/api/v1/call-config/work-phones/qrcode", Some(token), body)
            .await?;
        text(&data, "qrCodeUrl")
    }

    /// Users API (contract §11, admin): creates a sales_staff user, returns its id.
    pub async fn create_user(
        &self,
        admin_token: &str,
        username: &str,
        password: &str,
        department: &str,
    ) -> Result<String, String> {
        let body = json!({
            "username": username,
            "password": password,
            "realName": format!("模拟{username}"),
            "department": department,
            "role": "sales_staff",
        });
        let data = self.post("/api/v1/users", Some(admin_token), body).await?;
        text(&data, "id")
    }

    /// The users API list: (id, username) of every user.
    pub async fn users(&self, admin_token: &str) -> Result<Vec<(String, String)>, String> {
        let data = self.get("/api/v1/users", admin_token).await?;
        let list = data.as_array().ok_or("the users list is not an array")?;
        Ok(list
            .iter()
            .filter_map(|u| Some((u["id"].as_str()?.into(), u["username"].as_str()?.into())))
            .collect())
    }

    /// §5.0 click-to-dial; returns the callId.
    pub async fn dial(&self, token: &str, phone: &str, name: &str) -> Result<String, String> {
        let body = json!({ "customerPhone": phone, "customerName": name, "notes": "模拟外呼" });
        let data = self
            .post("/api/v1/calls/outbound", Some(token), body)
            .await?;
        text(&data, "callId")
    }
}

/// Unwraps the contract §1 envelope: HTTP 200 and `success` true (or `code` 200, as the shipped
/// app accepts) gives `data` (null when absent); anything else is an error line.
pub async fn envelope(what: &str, resp: reqwest::Response) -> Result<Value, String> {
    let status = resp.status().as_u16();
    let body = resp
        .text()
        .await
        .map_err(|e| format!("{what}: reading the answer: {e}"))?;
    let value: Value = serde_json::from_str(&body)
        .map_err(|_| format!("{what}: HTTP {status}, not JSON: {}", clip(&body)))?;
    let ok = value["success"] == json!(true) || value["code"] == json!(200);
    if status == 200 && ok {
        // the shipped app throws on a success without `data` and never finishes what it was
        // doing (contract §13.1): fail as loudly
        return value.get("data").cloned().ok_or_else(|| {
            format!("{what}: a success without `data` (the shipped app hangs on it)")
        });
    }
    Err(format!(
        "{what}: HTTP {status} {} {}",
        value["code"].as_str().unwrap_or("-"),
        value["message"].as_str().unwrap_or("")
    ))
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(200) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A string field of an answer, or an error naming it.
pub fn text(data: &Value, field: &str) -> Result<String, String> {
    data[field]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("the answer has no {field}: {data}"))
}

fn bound(data: &Value) -> Result<Bound, String> {
    Ok(Bound {
        phone_id: data["phoneId"].clone(),
        user_id: data["userId"].as_str().unwrap_or_default().to_string(),
        ws_token: text(data, "wsToken")?,
        ws_url: text(data, "wsUrl")?,
    })
}

/// Percent-encodes a query value (keywords may be Chinese).
pub fn query_value(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A fresh random id part (hex).
pub fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// The time now as the contract writes it: ISO 8601 UTC with milliseconds.
pub fn iso_now() -> String {
    iso(chrono::Utc::now())
}

pub fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
