//! The `dialbox` binary spawned as a process (the CLI tests, the disk tests): a clean
//! environment, the banner read for the address, a SIGTERM stop that must exit 0.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn dialbox() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dialbox"));
    // nothing from the developer's environment leaks into the test
    for (key, _) in std::env::vars() {
        if key.starts_with("DIALBOX_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("DIALBOX_LOG", "warn");
    // no dialing pace: these tests dial back to back (the pace is tested on its own)
    for (key, value) in PACING_OFF {
        cmd.env(key, value);
    }
    cmd
}

/// The environment that turns the office's dialing pace off.
pub const PACING_OFF: [(&str, &str); 4] = [
    ("DIALBOX_DIAL_MIN_GAP", "0"),
    ("DIALBOX_DIAL_MAX_PER_HOUR", "0"),
    ("DIALBOX_DIAL_MAX_PER_DAY", "0"),
    ("DIALBOX_QUIET_HOURS", "none"),
];

/// Starts `dialbox serve` on a free port; returns the child, its base URL and stdout lines read
/// up to the "listening" line plus the first-start block.
pub fn start_serve(data: &std::path::Path) -> (Child, String, Vec<String>) {
    let mut cmd = dialbox();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data);
    start(cmd)
}

/// Spawns a serving `dialbox` command and reads its banner.
pub fn start(mut cmd: Command) -> (Child, String, Vec<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut addr = None;
    let prefix = format!("DialBox {} listening on ", env!("CARGO_PKG_VERSION"));
    // the banner ends with the admin page line
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let line = line.trim_end().to_string();
        if let Some(rest) = line.strip_prefix(&prefix) {
            addr = Some(rest.to_string());
        }
        let last = line.contains("open the admin page at:");
        lines.push(line);
        if last {
            break;
        }
    }
    // keep draining stdout so the server never writes into a closed pipe
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let Some(addr) = addr else {
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
        }
        let status = child.wait();
        panic!("no listening line in {lines:?} ({status:?}); stderr: {stderr}");
    };
    (child, format!("http://{addr}"), lines)
}

pub fn stop(mut child: Child) {
    // SIGTERM: the server drains and exits 0
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit after SIGTERM: {status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
    }
    let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
    panic!("server did not stop on SIGTERM; its last log lines, newest first: {tail:#?}");
}

/// Stops the server (SIGTERM, it must exit 0) and returns all it wrote to stderr (its log).
pub fn stop_and_read_log(mut child: Child) -> String {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("a child's pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        // the pipe ends when the process does
        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "exit after SIGTERM: {status}; {stderr}");
    stderr
}
