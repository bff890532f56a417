//! Data folders full of calls for the benches that read them (stats, records-page, export):
//! written by the hidden `dialbox gen-calls`, or copied from `--from-data`, a folder generated
//! once, so that `compare` measures two builds on the very same rows.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::server::{dialbox_command, dialbox_path};
use super::{BenchArgs, Target};

/// A started server on a fresh folder of `records` generated calls (or a copy of
/// `--from-data`), with the bench's admin added.
pub async fn generated_target(
    args: &BenchArgs,
    what: &str,
    records: u64,
) -> Result<Target, String> {
    generated_target_with(args, what, records, &[]).await
}

/// As `generated_target`, with more `gen-calls` arguments (`--customers N`).
pub async fn generated_target_with(
    args: &BenchArgs,
    what: &str,
    records: u64,
    extra: &[&str],
) -> Result<Target, String> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("dialbox-bench-{what}-"))
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let data = dir.path().join("data");
    match &args.from_data {
        Some(template) => {
            copy_folder(template, &data)
                .map_err(|e| format!("cannot copy {}: {e}", template.display()))?;
            println!("{what}: the calls of {}", template.display());
        }
        None => generate(args, &data, records, extra)?,
    }
    Target::own(args, dir, data, &[], true).await
}

/// `dialbox gen-calls` into `data`: `records` calls of `--users` users over `--days` days.
pub fn generate(args: &BenchArgs, data: &Path, records: u64, extra: &[&str]) -> Result<(), String> {
    let dialbox = dialbox_path(args)?;
    println!(
        "generating {records} call records for {} users over {} days …",
        args.users, args.days
    );
    let started = Instant::now();
    let (count, users, days) = (
        records.to_string(),
        args.users.to_string(),
        args.days.to_string(),
    );
    let mut gen_args = vec![
        "gen-calls",
        "--count",
        &count,
        "--users",
        &users,
        "--days",
        &days,
    ];
    gen_args.extend_from_slice(extra);
    print!("{}", dialbox_command(&dialbox, data, &gen_args)?);
    println!("  generated in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Copies a data folder (files and subfolders; the database is closed, so a plain copy is a
/// consistent one).
pub(super) fn copy_folder(from: &Path, to: &PathBuf) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
