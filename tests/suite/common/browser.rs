//! A real headless Chromium driven over WebDriver (chromedriver) for the admin page's tests.
//!
//! We start Chromium ourselves (so we own its process group and can kill it, helpers included,
//! on drop) with the flags that keep it off the network (PITFALLS.md) and a fresh profile, and
//! attach chromedriver to it through its DevTools port. The browser tests are
//! `#[ignore = "needs chromium"]`; run with `--include-ignored` (as `.ci/run` does), a machine
//! without chromium/chromedriver fails them rather than passing them unseen.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
/// Generous: the machine is small and shared; waits end as soon as the page is ready.
const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);

/// At most two browsers at once on a 2-core machine (test threads run in parallel).
static SLOTS: Semaphore = Semaphore::const_new(2);

pub struct Browser {
    pub client: Client,
    pub base: String,
    scenario: String,
    chromium: Child,
    driver: Child,
    _profile: tempfile::TempDir,
    _slot: SemaphorePermit<'static>,
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Path::new(name).is_file().then(|| PathBuf::from(name));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// chromedriver's path; panics (failing the test) when the browser is not installed.
fn browser_driver() -> PathBuf {
    let driver = find_in_path(CHROMEDRIVER);
    match driver {
        Some(driver) if Path::new(CHROMIUM).is_file() => driver,
        _ => panic!(
            "the browser tests need {CHROMIUM} and {CHROMEDRIVER} \
             (apt-get install chromium chromium-driver)"
        ),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// Kills a child we spawned in its own process group: the whole group (Chromium's helpers too).
fn kill_group(child: &mut Child) {
    if let Some(group) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Browser {
    /// Opens a browser for `scenario` (names its screenshots) on the page at `base`.
    pub async fn open(base: &str, scenario: &str) -> Self {
        let driver_bin = browser_driver();
        let slot = SLOTS.acquire().await.expect("semaphore open");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut chromium = spawn_chromium(profile.path());
        let devtools = match devtools_port(profile.path(), &mut chromium).await {
            Ok(port) => port,
            Err(e) => {
                kill_group(&mut chromium);
                panic!("{e}");
            }
        };
        let port = free_port();
        let mut driver = spawn_group(
            Command::new(driver_bin)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "debuggerAddress": format!("127.0.0.1:{devtools}") }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut client = None;
        for _ in 0..150 {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&url)
                    .await;
            if let Ok(c) = attempt {
                client = Some(c);
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        let Some(client) = client else {
            kill_group(&mut driver);
            kill_group(&mut chromium);
            panic!("chromedriver did not accept a session on {url}");
        };
        Self {
            client,
            base: base.trim_end_matches('/').to_string(),
            scenario: scenario.to_string(),
            chromium,
            driver,
            _profile: profile,
            _slot: slot,
        }
    }

    /// Resizes the window (the 390 px test: a manager on a phone).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("window resized");
    }

    pub async fn goto(&self, path: &str) {
        let url = format!("{}{}", self.base, path);
        self.client.goto(&url).await.expect("navigate");
    }

    /// Waits for a displayed element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && el.is_displayed().await.unwrap_or(false)
            {
                return el;
            }
            if tokio::time::Instant::now() > deadline {
                self.shot("timeout").await;
                panic!("no visible element {css:?} within {WAIT:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Replaces the value of the input at `css` by typing `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.expect("clear input");
        el.send_keys(text).await.expect("type");
    }

    /// Clicks the visible button (or link) whose text is `label`, inside `scope_css`.
    pub async fn click_text(&self, scope_css: &str, label: &str) {
        let script = r#"
            const [scope, label] = arguments;
            const hits = [...document.querySelectorAll(scope + ' button, ' + scope + ' a')]
              .filter((b) => b.textContent.trim() === label && b.offsetParent !== null && !b.disabled);
            if (hits.length) { hits[hits.length - 1].click(); return true; }
            return false;"#;
        self.wait_true(
            script,
            vec![json!(scope_css), json!(label)],
            &format!("button {label:?} in {scope_css}"),
        )
        .await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) until it returns true.
    pub async fn wait_true(&self, script: &str, args: Vec<Value>, what: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(Value::Bool(true)) = self.client.execute(script, args.clone()).await {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                self.shot("timeout").await;
                panic!("waited {WAIT:?} for {what}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the text of the element at `css` contains `needle`; returns the whole text.
    /// The text is read by the same script that matched it: the page re-renders lists on live
    /// events, so an element found again afterwards may already be a stale one.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let script = r#"
            const el = document.querySelector(arguments[0]);
            const ok = !!el && el.offsetParent !== null && el.textContent.includes(arguments[1]);
            return ok ? el.innerText : null;"#;
        let args = vec![json!(css), json!(needle)];
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(Value::String(text)) = self.client.execute(script, args.clone()).await {
                return text;
            }
            if tokio::time::Instant::now() > deadline {
                self.shot("timeout").await;
                panic!("waited {WAIT:?} for {css} to show {needle:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs a script and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .expect("script runs")
    }

    /// Saves `target/screenshots/<scenario>-<step>.png`.
    pub async fn shot(&self, step: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join(format!("{}-{step}.png", self.scenario)), png);
        }
    }

    /// Logs in through the page's form and waits for the menu.
    pub async fn login(&self, username: &str, password: &str) {
        self.goto("/").await;
        self.fill("#login-username", username).await;
        self.fill("#login-password", password).await;
        self.click("#login-submit").await;
        // the menu is built (at phone width it is folded, so not necessarily visible)
        self.wait_true(
            "return !document.getElementById('app-view').hidden && !!document.querySelector('#nav a');",
            vec![],
            "the app after login",
        )
        .await;
    }

    /// The texts of the side menu's entries.
    pub async fn menu(&self) -> Vec<String> {
        let v = self
            .js(
                "return [...document.querySelectorAll('#nav a')].map((a) => a.textContent.trim());",
                vec![],
            )
            .await;
        serde_json::from_value(v).expect("menu texts")
    }
}

fn spawn_group(cmd: &mut Command) -> Child {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0).spawn().expect("spawn browser process")
}

fn spawn_chromium(profile: &Path) -> Child {
    spawn_group(
        Command::new(CHROMIUM)
            // the page reads "today" on the PC's clock, which in an office is the office's:
            // the browser runs in the test servers' office zone, or between 16:00 and 24:00
            // UTC its today would be the day before the servers' (the 概览 test failed then)
            .env("TZ", crate::common::calls::TZ)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1366,768",
                "--lang=zh-CN",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--autoplay-policy=no-user-gesture-required",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
}

/// Chromium writes the DevTools port it picked into `DevToolsActivePort` in the profile.
async fn devtools_port(profile: &Path, chromium: &mut Child) -> Result<u16, String> {
    let file = profile.join("DevToolsActivePort");
    for _ in 0..300 {
        if let Ok(text) = std::fs::read_to_string(&file)
            && let Some(port) = text.lines().next().and_then(|l| l.trim().parse().ok())
        {
            return Ok(port);
        }
        if let Ok(Some(status)) = chromium.try_wait() {
            return Err(format!("chromium exited at start: {status}"));
        }
        tokio::time::sleep(POLL).await;
    }
    Err("chromium did not open its DevTools port".into())
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
        kill_group(&mut self.chromium);
    }
}
