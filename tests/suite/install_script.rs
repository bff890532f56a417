//! `install.sh` (issue 17, its install part): `--help` is usage, not the script; every bad or
//! missing flag value is one clear line before anything is built or changed; `--dry-run` prints
//! the plan and changes nothing; `--binary` installs a prebuilt file without building.

use std::process::{Command, Output};

fn install(args: &[&str]) -> Output {
    Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/install.sh"))
        .args(args)
        .output()
        .expect("bash runs")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_is_usage() {
    let out = install(&["--help"]);
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    assert!(stdout.starts_with("Usage:"), "{stdout}");
    assert!(
        stdout.contains("--binary PATH") && stdout.contains("--dry-run"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("set -euo"),
        "not the script's source: {stdout}"
    );
}

#[test]
fn bad_flags_are_one_line_before_anything_happens() {
    for (args, says) in [
        (vec!["--listen"], "--listen needs a value"),
        (vec!["--listen", "--dry-run"], "--listen needs a value"),
        (vec!["--listen", "localhost:3000"], "must be IP:PORT"),
        (vec!["--listen", "0.0.0.0:70000"], "out of range"),
        (vec!["--public-url", "ftp://box"], "must start with http://"),
        (
            vec!["--binary", "/nonexistent/dialbox"],
            "not an executable file",
        ),
        (vec!["--frobnicate"], "unknown option"),
    ] {
        let out = install(&args);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stdout.is_empty(), "nothing done: {stdout}");
    }
}

#[test]
fn a_dry_run_with_a_prebuilt_binary_prints_the_plan_and_changes_nothing() {
    let binary = env!("CARGO_BIN_EXE_dialbox");
    let out = install(&[
        "--dry-run",
        "--binary",
        binary,
        "--public-url",
        "http://192.168.1.20:3000",
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("no build"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "would run: install -m 0755 {binary} /usr/local/bin/dialbox"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("Building"), "{stdout}");
    // a dry run never says it did what it only printed
    assert!(!stdout.contains("\nInstalled "), "{stdout}");
    assert!(
        stdout.contains("http://192.168.1.20:3000"),
        "the plan carries the flags: {stdout}"
    );
    let out = install(&["--dry-run", "--uninstall"]);
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    assert!(
        stdout.contains("would run: rm -f /usr/local/bin/dialbox") && stdout.contains("Kept:"),
        "{stdout}"
    );
    assert!(!stdout.contains("DialBox removed"), "{stdout}");
}
