//! Server configuration: what `dialbox serve` flags and `DIALBOX_*` variables set. Tests build it
//! with `Config::new(data_dir)` and change the fields they need.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;

/// The database file inside the data folder.
pub const DB_FILE: &str = "dialbox.db";

#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the database, the JWT secret and `recordings/`.
    pub data_dir: PathBuf,
    /// Where `serve` listens (the CLI binds it; `serve()` takes a bound listener).
    pub listen: SocketAddr,
    /// The address phones use (`serverUrl`, `wsUrl`, upload and file links). `None`: the LAN
    /// IPv4 address of this box and the listening port.
    pub public_url: Option<String>,
    /// The office time zone: what "today" and a day are in statistics.
    pub timezone: Tz,
    /// How long a QR bind request lives (contract §4: 5 minutes).
    pub bind_ttl: Duration,
    /// Bound phones per user (DEVICE_BINDLIMIT).
    pub max_phones_per_user: u32,
    /// A dialed call with no report from the phone for this long is `failed` (contract §6).
    pub dial_timeout: Duration,
    /// A phone socket silent this long is closed and the phone is offline (contract §4, §5).
    pub ws_idle_timeout: Duration,
    /// The largest JSON request body.
    pub json_body_limit: u64,
    /// The largest recording upload (contract §8: 200 MB).
    pub max_upload_bytes: u64,
    /// How failed logins slow down further attempts (`auth::limiter`).
    pub login: crate::auth::limiter::LoginPolicy,
    /// Recordings older than this many days are deleted by the retention sweep (`None`: kept).
    pub recording_max_age_days: Option<u32>,
    /// The recordings folder is kept under this many bytes, oldest first (`None`: no budget).
    pub recording_max_bytes: Option<u64>,
    /// Free bytes an upload must leave on the disk: the database keeps room to write (a delete
    /// that frees space must itself be writable), so uploads stop first.
    pub storage_reserve_bytes: u64,
    /// Open connections allowed from one address; more are closed at once (a flood of idle
    /// connections from one machine cannot take every file descriptor).
    pub max_connections_per_address: usize,
    /// A connection that sends no complete request head for this long is closed.
    pub header_read_timeout: Duration,
    /// How long a signed recording link (`fileUrl`, §4.6 `url`) works.
    pub recording_link_ttl: Duration,
    /// How often the retention sweep runs (it also runs at start).
    pub retention_interval: Duration,
    /// The clock of the time-limited rules (a test moves it forward instead of sleeping).
    pub clock: std::sync::Arc<crate::times::Clock>,
    /// The password of the first `admin` created on an empty data folder; `None`: random.
    pub initial_admin_password: Option<String>,
    /// The office's dialing pace per phone (issue 16); 设置 overrides it at runtime.
    pub pacing: crate::calls::pacing::rules::Pacing,
}

impl Config {
    /// The embedded defaults, for a data folder.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([0, 0, 0, 0], 3000)),
            public_url: None,
            timezone: machine_timezone(),
            bind_ttl: Duration::from_secs(300),
            max_phones_per_user: 3,
            dial_timeout: Duration::from_secs(60),
            ws_idle_timeout: Duration::from_secs(90),
            json_body_limit: 256 * 1024,
            max_upload_bytes: 200 * 1024 * 1024,
            login: Default::default(),
            recording_max_age_days: None,
            recording_max_bytes: None,
            storage_reserve_bytes: 256 * 1024 * 1024,
            max_connections_per_address: 256,
            header_read_timeout: Duration::from_secs(10),
            recording_link_ttl: Duration::from_secs(2 * 3600),
            retention_interval: Duration::from_secs(3600),
            initial_admin_password: None,
            pacing: Default::default(),
            clock: Default::default(),
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    pub fn recordings_dir(&self) -> PathBuf {
        self.data_dir.join("recordings")
    }
}

/// The machine's IANA zone (`/etc/localtime`, `TZ`), or UTC when it cannot be told.
pub fn machine_timezone() -> Tz {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
        .unwrap_or(Tz::UTC)
}
