//! The DialBox a bench measures: its own `dialbox serve` on 127.0.0.1:0 with a temporary data
//! folder (RSS read from /proc), or one already running at `--server` (RSS only with
//! `--server-pid`).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::api::Api;

use super::BenchArgs;

/// A server under measurement, logged in as an admin.
pub struct Target {
    pub api: Api,
    pub admin_token: String,
    pub pid: Option<u32>,
    /// The data folder, when the bench started the server itself.
    pub data_dir: Option<PathBuf>,
    child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
}

/// The admin the bench adds to a folder that already has users.
const BENCH_ADMIN: &str = "benchadmin";

/// The admin a bench logs in as, with a password of this run.
pub struct Admin {
    pub username: String,
    pub password: String,
}

impl Admin {
    /// The first admin of an empty folder.
    pub fn first() -> Self {
        Self {
            username: "admin".into(),
            password: format!("bench-{}", crate::api::random_hex(8)),
        }
    }

    /// The bench's admin added to a folder that has users (given this run's password when a
    /// run before added it).
    pub fn added(args: &BenchArgs, data: &Path) -> Result<Self, String> {
        let dialbox = dialbox_path(args)?;
        let admin = Self {
            username: BENCH_ADMIN.into(),
            ..Self::first()
        };
        let (name, password) = (admin.username.as_str(), admin.password.as_str());
        let add = ["user", "add", "--username", name, "--role", "admin"];
        let add = [&add[..], &["--password", password]].concat();
        if dialbox_command(&dialbox, data, &add).is_err() {
            let passwd = ["user", "passwd", "--username", name, "--password", password];
            dialbox_command(&dialbox, data, &passwd)?;
        }
        Ok(admin)
    }
}

impl Target {
    /// The server to measure: `--server` if given, else a fresh own one with `extra` flags.
    pub async fn open(args: &BenchArgs, extra: &[String]) -> Result<Self, String> {
        match &args.server {
            Some(url) => {
                let api = Api::new(url);
                let password = args
                    .admin_password
                    .as_deref()
                    .ok_or("--admin-password is needed with --server")?;
                let admin_token = api.login(&args.admin_user, password, None).await?;
                Ok(Self {
                    api,
                    admin_token,
                    pid: args.server_pid,
                    data_dir: None,
                    child: None,
                    _dir: None,
                })
            }
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("dialbox-bench-")
                    .tempdir()
                    .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
                let data = dir.path().join("data");
                Self::own(args, dir, data, extra, false).await
            }
        }
    }

    /// Starts `dialbox serve` on `data` inside `dir`. An empty folder gets its first admin
    /// from DIALBOX_INITIAL_ADMIN_PASSWORD; a `prefilled` one (with users) an admin of ours.
    pub async fn own(
        args: &BenchArgs,
        dir: tempfile::TempDir,
        data: PathBuf,
        extra: &[String],
        prefilled: bool,
    ) -> Result<Self, String> {
        let admin = if prefilled {
            Admin::added(args, &data)?
        } else {
            Admin::first()
        };
        let log = dir.path().join("server.log");
        let mut target = Self::spawn(args, data, &log, extra, &admin).await?;
        target._dir = Some(dir);
        target.log_in(&admin).await?;
        Ok(target)
    }

    /// Starts `dialbox serve` on `data`, logging to `log`, and returns once it answers (not
    /// yet logged in: `log_in`). The first admin of an empty folder is `admin`'s.
    pub async fn spawn(
        args: &BenchArgs,
        data: PathBuf,
        log: &Path,
        extra: &[String],
        admin: &Admin,
    ) -> Result<Self, String> {
        let dialbox = dialbox_path(args)?;
        let log_file =
            std::fs::File::create(log).map_err(|e| format!("cannot create the server log: {e}"))?;
        let mut child = Command::new(&dialbox)
            .arg("--data-dir")
            .arg(&data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            // every simulated phone comes from 127.0.0.1
            .args(["--max-connections-per-address", "1000000"])
            .args(extra)
            .env("DIALBOX_LOG", "warn")
            .env("DIALBOX_INITIAL_ADMIN_PASSWORD", &admin.password)
            // the benches measure the server, not the carrier-safe pace (an office's 15 s
            // between calls): set by environment, which an older binary ignores
            .env("DIALBOX_DIAL_MIN_GAP", "0")
            .env("DIALBOX_DIAL_MAX_PER_HOUR", "0")
            .env("DIALBOX_DIAL_MAX_PER_DAY", "0")
            .env("DIALBOX_QUIET_HOURS", "none")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", dialbox.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout from dialbox")?;
        let (tx, rx) = std::sync::mpsc::channel();
        // read the listening line, then keep draining stdout so the server never blocks on it
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some((_, addr)) = line.split_once(" listening on ") {
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(600)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let log = std::fs::read_to_string(log).unwrap_or_default();
                return Err(format!(
                    "dialbox did not say where it listens; its log:\n{log}"
                ));
            }
        };
        let api = Api::new(&format!("http://{addr}"));
        let pid = child.id();
        println!("started dialbox (pid {pid}) on http://{addr}");
        Ok(Self {
            api,
            admin_token: String::new(),
            pid: Some(pid),
            data_dir: Some(data),
            child: Some(child),
            _dir: None,
        })
    }

    pub async fn log_in(&mut self, admin: &Admin) -> Result<(), String> {
        self.admin_token = self
            .api
            .login(&admin.username, &admin.password, None)
            .await?;
        Ok(())
    }

    /// Stops the server as a service manager does (SIGTERM) and waits for it to exit, so that
    /// its next start is a clean one.
    pub fn stop(mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let term = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        if !term.is_ok_and(|s| s.success()) {
            let _ = child.kill();
        }
        child
            .wait()
            .map(drop)
            .map_err(|e| format!("waiting for dialbox to stop: {e}"))
    }

    /// The server's resident memory in KiB (None when unknown).
    pub fn rss_kib(&self) -> Option<u64> {
        self.pid.and_then(rss_kib)
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// VmRSS of a process, from /proc/<pid>/status.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU seconds a process has used (user + system), from /proc/<pid>/stat.
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name (field 2) may hold spaces: count the fields after its closing paren
    let after = &stat[stat.rfind(')')? + 2..];
    let mut fields = after.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    // /proc counts in USER_HZ, 100 on every Linux DialBox runs on
    Some((user + system) / 100.0)
}

/// `--dialbox`, else the `dialbox` binary beside this one.
pub fn dialbox_path(args: &BenchArgs) -> Result<PathBuf, String> {
    if let Some(path) = &args.dialbox {
        return Ok(path.clone());
    }
    let me = std::env::current_exe().map_err(|e| format!("where am I? {e}"))?;
    let beside = me.with_file_name(format!("dialbox{}", std::env::consts::EXE_SUFFIX));
    if beside.exists() {
        Ok(beside)
    } else {
        Err(format!(
            "no dialbox binary at {}: build it (cargo build --release --features simulator) or pass --dialbox PATH",
            beside.display()
        ))
    }
}

/// Runs a maintenance command of `dialbox` on a data folder; its output on failure.
pub fn dialbox_command(dialbox: &Path, data: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(dialbox)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("DIALBOX_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", dialbox.display()))?;
    if !out.status.success() {
        return Err(format!(
            "dialbox {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
