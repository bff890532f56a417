//! Where recordings live: `recordings/YYYY/MM/DD/<name>` under the data folder, with uploads in
//! progress in `recordings/.tmp/`. Paths that come from a request are checked against a strict
//! pattern before any path is built, and resolved files must stay inside the folder.

use std::io;
use std::path::PathBuf;

use chrono::Datelike;
use chrono_tz::Tz;

use crate::config::Config;

/// Uploads in progress; emptied at every start (a kill mid-upload leaves only these behind).
pub const TMP_DIR: &str = ".tmp";

/// The `filePath` prefix of §4.4 (contract §8).
pub const PUBLIC_PREFIX: &str = "/recordings/";

/// The §4.5 stream route's prefix; what follows is `YYYY/MM/DD/<file>` (signed links use it).
pub const STREAM_PREFIX: &str = "/api/v1/calls/recordings/stream/";

/// A file name we generate: `rec_<random>.<ext>`. Never anything the client sent.
pub fn file_name(recording_id: &str, ext: &str) -> String {
    format!("{recording_id}.{ext}")
}

/// `YYYY/MM/DD/<name>` for a file stored at `now_ms`: the office day, so the folders match the
/// days people talk about.
pub fn rel_path(now_ms: i64, tz: Tz, name: &str) -> String {
    let day = crate::times::local_day(now_ms, tz);
    format!(
        "{:04}/{:02}/{:02}/{name}",
        day.year(),
        day.month(),
        day.day()
    )
}

/// Whether `rel` is exactly `YYYY/MM/DD/<name>` with a name of `[A-Za-z0-9_.-]` starting with a
/// letter or digit. Everything a traversal needs — `..`, `/` at the start, `\`, `%`, `//`, a
/// name of dots — fails here, before the string goes near the filesystem. So do the names
/// Windows reads as something else: a trailing dot (dropped there, so two names would be one
/// file) and the device names (`NUL`, `con.mp3`, `COM1`…), on every system alike.
pub fn is_valid_rel_path(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    let [year, month, day, name] = parts[..] else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let name_ok = !name.is_empty()
        && name.len() <= 128
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        && !name.ends_with('.')
        && !is_windows_device(name);
    digits(year, 4) && digits(month, 2) && digits(day, 2) && name_ok
}

/// `CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`, with or without an extension.
fn is_windows_device(name: &str) -> bool {
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit())
}

/// The recordings folder of a configuration.
pub fn root(config: &Config) -> PathBuf {
    config.recordings_dir()
}

pub fn tmp_dir(config: &Config) -> PathBuf {
    root(config).join(TMP_DIR)
}

/// Creates the folders and removes temporary files left by a previous run (a kill or a crash
/// mid-upload). Runs at start, before the server accepts uploads.
pub fn prepare(config: &Config) -> io::Result<usize> {
    let tmp = tmp_dir(config);
    std::fs::create_dir_all(&tmp)?;
    // proves the folder takes new files now, not at the first upload
    let probe = tmp.join(".write-test");
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(&probe)?;
    let mut removed = 0;
    for entry in std::fs::read_dir(&tmp)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "removed unfinished uploads left by the last run");
    }
    Ok(removed)
}

/// The real file behind a checked `rel` path: canonicalized, and refused (`None`) unless it is a
/// regular file inside the recordings folder — a symlink pointing out is not served.
pub fn resolve(config: &Config, rel: &str) -> Option<PathBuf> {
    if !is_valid_rel_path(rel) {
        return None;
    }
    let root = root(config).canonicalize().ok()?;
    let real = root.join(rel).canonicalize().ok()?;
    let inside = real.starts_with(&root) && !real.starts_with(root.join(TMP_DIR));
    (inside && real.metadata().ok()?.is_file()).then_some(real)
}

/// Removes a stored file; a file already gone is not an error (the row is what matters).
pub fn remove(config: &Config, rel: &str) -> io::Result<()> {
    if !is_valid_rel_path(rel) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad path"));
    }
    match std::fs::remove_file(root(config).join(rel)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Removes the files of rows already deleted, off the async threads. A file that cannot be
/// removed is logged and left: the rows are gone, so it costs only space, and the delete stands.
pub async fn remove_deleted(config: &Config, rels: Vec<String>) {
    let config = config.clone();
    let removed = tokio::task::spawn_blocking(move || {
        for rel in rels {
            if let Err(e) = remove(&config, &rel) {
                tracing::warn!(rel, error = %e, "row deleted, recording file not removed");
            }
        }
    })
    .await;
    if let Err(e) = removed {
        tracing::warn!(error = %e, "removing deleted recording files failed");
    }
}

/// STORAGE_FULL unless the recordings' disk keeps `config.storage_reserve_bytes` free after
/// `incoming` more bytes: uploads stop before the database runs out of room.
pub fn check_room(config: &Config, incoming: u64) -> Result<(), crate::error::ApiError> {
    let (free, _) = crate::platform::disk_space(&root(config))
        .map_err(|e| crate::error::ApiError::from_io(&e))?;
    if free < incoming.saturating_add(config.storage_reserve_bytes) {
        tracing::error!(
            free_bytes = free,
            incoming,
            reserve = config.storage_reserve_bytes,
            "the recordings' disk is too full for an upload"
        );
        return Err(crate::error::ErrorCode::StorageFull.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strict_pattern() {
        assert!(is_valid_rel_path("2025/12/25/rec_abc.mp3"));
        assert!(is_valid_rel_path("2025/12/25/a"));
        assert!(is_valid_rel_path("2025/12/25/console.mp3"));
        assert!(is_valid_rel_path("2025/12/25/COM10.mp3"));
        for bad in [
            "",
            "../etc/passwd",
            "2025/12/25/../../../etc/passwd",
            "/etc/passwd",
            "2025/12/25/..",
            "2025/12/25/.hidden",
            "2025/12/25/a%2e%2e",
            "2025/12/25\\rec.mp3",
            "2025//12/25/rec.mp3",
            "2025/12/25//rec.mp3",
            "2025/12/25/sub/rec.mp3",
            "25/12/25/rec.mp3",
            ".tmp/12/25/rec.mp3",
            "2025/12/25/rec.mp3/",
            "2025/12/25/rec mp3",
            // what Windows reads as a device or trims
            "2025/12/25/rec.mp3.",
            "2025/12/25/NUL",
            "2025/12/25/con.mp3",
            "2025/12/25/Com1.wav",
            "2025/12/25/lpt9",
        ] {
            assert!(!is_valid_rel_path(bad), "{bad:?} must be refused");
        }
    }

    #[test]
    fn day_folders_in_office_time() {
        // 2025-12-25T23:30:00Z is the 26th in Shanghai
        assert_eq!(
            rel_path(1_766_705_400_000, Tz::UTC, "x.mp3"),
            "2025/12/25/x.mp3"
        );
        assert_eq!(
            rel_path(1_766_705_400_000, Tz::Asia__Shanghai, "x.mp3"),
            "2025/12/26/x.mp3"
        );
    }
}
