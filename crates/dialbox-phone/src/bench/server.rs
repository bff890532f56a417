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
        let dialbox = dialbox_path(args)?;
        let password = format!("bench-{}", crate::api::random_hex(8));
        let admin = if prefilled {
            let add = ["user", "add", "--username", BENCH_ADMIN, "--role", "admin"];
            let mut add = add.to_vec();
            add.extend(["--password", &password]);
            dialbox_command(&dialbox, &data, &add)?;
            BENCH_ADMIN
        } else {
            "admin"
        };
        let log = std::fs::File::create(dir.path().join("server.log"))
            .map_err(|e| format!("cannot create the server log: {e}"))?;
        let mut child = Command::new(&dialbox)
            .arg("--data-dir")
            .arg(&data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            // every simulated phone comes from 127.0.0.1
            .args(["--max-connections-per-address", "1000000"])
            .args(extra)
            .env("DIALBOX_LOG", "warn")
            .env("DIALBOX_INITIAL_ADMIN_PASSWORD", &password)
            // the benches measure the server, not the carrier-safe pace (an office's 15 s
            // between calls): set by environment, which an older binary ignores
            .env("DIALBOX_DIAL_MIN_GAP", "0")
            .env("DIALBOX_DIAL_MAX_PER_HOUR", "0")
            .env("DIALBOX_DIAL_MAX_PER_DAY", "0")
            .env("DIALBOX_QUIET_HOURS", "none")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
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
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let log =
                    std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                return Err(format!(
                    "dialbox did not say where it listens; its log:\n{log}"
                ));
            }
        };
        let api = Api::new(&format!("http://{addr}"));
        let pid = child.id();
        let mut target = Self {
            api,
            admin_token: String::new(),
            pid: Some(pid),
            data_dir: Some(data),
            child: Some(child),
            _dir: Some(dir),
        };
        target.admin_token = target.api.login(admin, &password, None).await?;
        println!("started dialbox (pid {pid}) on http://{addr}");
        Ok(target)
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
