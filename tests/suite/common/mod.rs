//! The test harness: a real DialBox server in-process on 127.0.0.1:0 with a temporary data
//! folder, spoken to over real HTTP. Shared by every integration test file.
#![allow(dead_code)]

pub mod audio;
pub mod browser;
pub mod calls;
pub mod dialing;
pub mod office;
pub mod phone;
pub mod raw_http;
pub mod sim;
pub mod spawned;

use std::net::SocketAddr;
use std::time::Duration;

use dialbox::Config;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const ADMIN_PASSWORD: &str = "admin-test-pw";
pub const USER_PASSWORD: &str = "user-test-pw";

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub client: reqwest::Client,
    pub admin_token: String,
    /// The server's clock: a test of a time rule moves it forward instead of sleeping.
    pub clock: std::sync::Arc<dialbox::times::Clock>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

/// A user made through the users API, with a login token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub token: String,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server; `tune` may change the configuration (short lifetimes and the like).
    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Self {
        Self::start_in(tempfile::tempdir().expect("temp dir"), tune).await
    }

    /// Stops this server gracefully and starts a new one on the same data folder, as an office
    /// restarting DialBox with a changed configuration would (`tune` as in `start_with`).
    pub async fn restart_with(mut self, tune: impl FnOnce(&mut Config)) -> Self {
        // the folder moves to the new server; the old one gets an empty stand-in to drop
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        let clock = self.clock.clone();
        self.stop().await;
        Self::start_in(dir, |c| {
            c.clock = clock;
            tune(c)
        })
        .await
    }

    /// Stops this server and keeps its data folder and address, for a test of what clients do
    /// while the server is away; `Paused::resume` starts it again where it was.
    pub async fn pause(mut self) -> Paused {
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        let (addr, clock) = (self.addr, self.clock.clone());
        self.stop().await;
        Paused { dir, addr, clock }
    }

    async fn start_in(dir: tempfile::TempDir, tune: impl FnOnce(&mut Config)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        Self::start_on(dir, listener, tune).await
    }

    async fn start_on(
        dir: tempfile::TempDir,
        listener: tokio::net::TcpListener,
        tune: impl FnOnce(&mut Config),
    ) -> Self {
        let addr = listener.local_addr().unwrap();
        let mut config = Config::new(dir.path());
        config.initial_admin_password = Some(ADMIN_PASSWORD.into());
        config.public_url = Some(format!("http://{addr}"));
        config.timezone = "Asia/Shanghai".parse().unwrap();
        // the default 256 MB reserve would fail every upload on a nearly full CI disk; the disk
        // tests (tests/disk.rs) run the real reserve on a real full disk
        config.storage_reserve_bytes = 16 * 1024 * 1024;
        // the office's safe pace (15 s between calls, quiet hours) would stop most tests that
        // dial twice; the pacing tests (tests/suite/campaigns_pacing.rs) set their own rules
        config.pacing = dialbox::calls::pacing::Pacing::off();
        tune(&mut config);
        let clock = config.clock.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            dialbox::serve(config, listener, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let base = format!("http://{addr}");
        let mut server = Self {
            addr,
            base,
            dir,
            client,
            admin_token: String::new(),
            clock,
            shutdown: Some(tx),
            handle: Some(handle),
        };
        server.wait_ready().await;
        server.admin_token = server.login("admin", ADMIN_PASSWORD).await;
        server
    }

    async fn wait_ready(&self) {
        for _ in 0..200 {
            let ping = self
                .client
                .get(self.url("/api/v1/mobile/ping"))
                .send()
                .await;
            if ping.is_ok_and(|resp| resp.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("server did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request with an optional bearer token and JSON body; returns status and JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{path} answered non-JSON ({status}): {text:?}"));
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Logs in through the PC route and returns the token (panics on failure).
    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "username": username, "password": password })),
            )
            .await;
        assert_eq!(status, 200, "login {username}: {body}");
        body["data"]["token"].as_str().unwrap().to_string()
    }

    /// Creates a user through the users API (as admin) and logs them in.
    pub async fn create_user(&self, username: &str, role: &str, department: &str) -> TestUser {
        let (status, body) = self
            .post(
                "/api/v1/users",
                &self.admin_token,
                json!({
                    "username": username,
                    "password": USER_PASSWORD,
                    "realName": format!("{username}的名字"),
                    "department": department,
                    "role": role,
                }),
            )
            .await;
        assert_eq!(status, 200, "create {username}: {body}");
        let id = body["data"]["id"].as_str().unwrap().to_string();
        let token = self.login(username, USER_PASSWORD).await;
        TestUser {
            id,
            username: username.into(),
            token,
        }
    }

    /// The initial admin as a `TestUser` (its id read from `/api/v1/auth/me`).
    pub async fn admin_user(&self) -> TestUser {
        let (status, me) = self.get("/api/v1/auth/me", &self.admin_token).await;
        assert_eq!(status, 200, "{me}");
        TestUser {
            id: me["data"]["id"].as_str().expect("id").to_string(),
            username: "admin".into(),
            token: self.admin_token.clone(),
        }
    }

    /// Opens the server's SQLite file directly — for assertions only, never to set up state.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("dialbox.db")).unwrap()
    }

    /// Graceful stop: waits for the server task to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task");
        }
    }
}

/// A stopped server's data folder and address (`TestServer::pause`).
pub struct Paused {
    dir: tempfile::TempDir,
    addr: std::net::SocketAddr,
    /// Kept over the restart, so the server's time does not go back.
    clock: std::sync::Arc<dialbox::times::Clock>,
}

impl Paused {
    /// Starts the server again on the same address and data folder (the address is retried for a
    /// moment: the old listener's port may take an instant to be free).
    pub async fn resume(self) -> TestServer {
        for _ in 0..100 {
            if let Ok(listener) = tokio::net::TcpListener::bind(self.addr).await {
                let clock = self.clock.clone();
                return TestServer::start_on(self.dir, listener, |c| c.clock = clock).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} did not come free", self.addr);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Asserts the contract's error shape and code; returns the message.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) -> String {
    assert_eq!(status, want_status, "status for {body}");
    assert_eq!(body["success"], json!(false), "{body}");
    assert_eq!(body["code"], json!(want_code), "{body}");
    let message = body["message"].as_str().expect("message").to_string();
    assert!(!message.is_empty());
    message
}

/// Waits (bounded) for `cond`; the bound only keeps a broken server from hanging the test.
pub async fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..400 {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    cond()
}

/// `eventually` for a condition that asks the server (bounded the same way).
pub async fn eventually_async<F, Fut>(mut cond: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if cond().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    cond().await
}

/// Waits until the wall clock's millisecond has moved on. The server stores times in ms: what
/// it stores after this is strictly later than anything it stored before the call.
pub async fn next_millisecond() {
    let ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis()
    };
    let start = ms();
    while ms() <= start {
        tokio::task::yield_now().await;
    }
}

/// A GET with a token to the server at `base` (a spawned binary, not a `TestServer`).
pub async fn get_json(base: &str, path: &str, token: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON"))
}

/// A login token from the server at `base` (a spawned binary, not a `TestServer`).
pub async fn login_token(base: &str, username: &str, password: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login sent")
        .json()
        .await
        .expect("login answered JSON");
    answer["data"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {answer}"))
        .to_string()
}
