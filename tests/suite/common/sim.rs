//! Driving the `dialbox-phone` binary from tests: run a command to its end, or keep one
//! running while watching what it prints.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The simulator, a crate of its own (crates/dialbox-phone): its binary beside this test's in
/// the workspace's target folder, built by the README's test command. Without it these tests
/// fail saying so, rather than vanish from the run.
pub fn phone_bin() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        // target/<profile>/deps/suite-… → target/<profile>/dialbox-phone
        let exe = std::env::current_exe().expect("the test binary's path");
        let dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>");
        let phone = dir.join(format!("dialbox-phone{}", std::env::consts::EXE_SUFFIX));
        assert!(
            phone.is_file(),
            "{} is not built: build it first (the README's test command: cargo build -p dialbox-phone && cargo test …)",
            phone.display()
        );
        phone.display().to_string()
    })
}
pub const DIALBOX_BIN: &str = env!("CARGO_BIN_EXE_dialbox");

/// A finished command: exit status, stdout, stderr.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `dialbox-phone ARGS` to its end (off the async threads).
pub async fn phone(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(phone_bin())
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .expect("dialbox-phone runs");
        Output {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// A `dialbox-phone` left running; what it prints is collected as it comes.
pub struct Running {
    child: Child,
    out: Arc<Mutex<String>>,
}

impl Running {
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(phone_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dialbox-phone starts");
        let out = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let out = out.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut out = out.lock().unwrap();
                    out.push_str(&line);
                    out.push('\n');
                }
            });
        }
        Self { child, out }
    }

    pub fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Waits until the output holds `needle` (panics with the output after a minute).
    pub async fn wait_for(&self, needle: &str) {
        let start = Instant::now();
        while !self.output().contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "never printed {needle:?}; output:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the process to end by itself (panics, after killing it, past a minute).
    pub async fn finish(mut self) -> (ExitStatus, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // let the reader threads take the last lines
                tokio::time::sleep(Duration::from_millis(100)).await;
                return (status, self.output());
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                panic!("dialbox-phone did not stop; output:\n{}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
