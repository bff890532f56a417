//! The command line (contract §12): `serve` (the default), `user add|list|passwd|disable|enable`,
//! `backup`. Every serve flag also reads a `DIALBOX_*` variable.

mod serve;
#[cfg(windows)]
mod service;
mod user;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand};

use crate::auth::Role;
use crate::config::{self, Config};

#[derive(Debug, Parser)]
#[command(
    name = "dialbox",
    version,
    about = "DialBox: click-to-dial for a sales office's work phones"
)]
pub struct Cli {
    /// Folder holding the database, the JWT secret and recordings/.
    #[arg(long, global = true, env = "DIALBOX_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (what `dialbox` alone does).
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Copy the database consistently, even while the server runs.
    Backup {
        /// Where to write the copy.
        #[arg(long)]
        out: PathBuf,
        /// Replace `--out` if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Run DialBox as a Windows service: install, uninstall, start, stop.
    #[cfg(windows)]
    #[command(subcommand)]
    Service(service::ServiceCommand),
    /// Fill the data folder with generated calls for benchmarks (maintenance; hidden).
    #[cfg(feature = "bench")]
    #[command(hide = true)]
    GenCalls {
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 50)]
        users: u32,
        #[arg(long, default_value_t = 730)]
        days: u32,
        /// Customers the folder holds (calls go to the first thousand).
        #[arg(long, default_value_t = 1_000)]
        customers: usize,
        /// Office time zone for a data folder that has none stored yet.
        #[arg(long, env = "DIALBOX_TIMEZONE")]
        timezone: Option<Tz>,
        /// Make the data reproducible.
        #[arg(long)]
        seed: Option<u64>,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (an IP address, not a host name).
    #[arg(long, env = "DIALBOX_LISTEN", default_value = "0.0.0.0:3000")]
    pub listen: SocketAddr,
    /// URL phones use to reach this server, e.g. http://192.168.1.20:3000 (default: this box's LAN address).
    #[arg(long, env = "DIALBOX_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Office time zone, e.g. Asia/Shanghai (default: the machine's).
    #[arg(long, env = "DIALBOX_TIMEZONE")]
    pub timezone: Option<Tz>,
    /// Seconds a QR bind request stays valid.
    #[arg(long, env = "DIALBOX_BIND_TTL", default_value_t = 300)]
    pub bind_ttl: u64,
    /// Work phones one user may bind.
    #[arg(long, env = "DIALBOX_MAX_PHONES_PER_USER", default_value_t = 3)]
    pub max_phones_per_user: u32,
    /// Seconds without a report from the phone before a dialed call is failed.
    #[arg(long, env = "DIALBOX_DIAL_TIMEOUT", default_value_t = 60)]
    pub dial_timeout: u64,
    /// Seconds of silence after which a phone socket is closed.
    #[arg(long, env = "DIALBOX_WS_IDLE_TIMEOUT", default_value_t = 90)]
    pub ws_idle_timeout: u64,
    /// Largest recording upload, in MB.
    #[arg(long, env = "DIALBOX_MAX_UPLOAD_MB", default_value_t = 200)]
    pub max_upload_mb: u64,
    /// Delete recordings older than this many days (default: keep).
    #[arg(long, env = "DIALBOX_RECORDING_MAX_AGE_DAYS")]
    pub recording_max_age_days: Option<u32>,
    /// Keep the recordings under this many GB, deleting the oldest first (default: no budget).
    #[arg(long, env = "DIALBOX_RECORDING_MAX_GB")]
    pub recording_max_gb: Option<u64>,
    /// Free space (MB) an upload must leave on the data folder's disk, so the database always
    /// has room to write (deletes included).
    #[arg(long, env = "DIALBOX_STORAGE_RESERVE_MB", default_value_t = 256)]
    pub storage_reserve_mb: u64,
    /// Open connections allowed from one address (a reverse proxy on this box needs more).
    #[arg(
        long,
        env = "DIALBOX_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 256
    )]
    pub max_connections_per_address: usize,
    /// Least seconds between the end of a phone's call and its next dial (default 15; 0: none).
    /// 设置 on the page overrides the pacing flags once saved there.
    #[arg(long, env = "DIALBOX_DIAL_MIN_GAP")]
    pub dial_min_gap: Option<f64>,
    /// Most dials per phone in any hour (default 40; 0: no cap).
    #[arg(long, env = "DIALBOX_DIAL_MAX_PER_HOUR")]
    pub dial_max_per_hour: Option<u32>,
    /// Most dials per phone per office day (default 200; 0: no cap).
    #[arg(long, env = "DIALBOX_DIAL_MAX_PER_DAY")]
    pub dial_max_per_day: Option<u32>,
    /// Quiet hours, office time: HH:MM-HH:MM windows and `weekends`, comma-separated, or `none`
    /// (default: 12:00-13:30,20:00-09:00).
    #[arg(long, env = "DIALBOX_QUIET_HOURS", value_parser = parse_quiet_hours)]
    pub quiet_hours: Option<QuietHours>,
    /// Password for the first admin on an empty data folder (default: random, printed once).
    #[arg(long, env = "DIALBOX_INITIAL_ADMIN_PASSWORD", hide = true)]
    pub initial_admin_password: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "")]
        real_name: String,
        #[arg(long, default_value = "")]
        department: String,
        #[arg(long, default_value = "sales_staff", value_parser = parse_role)]
        role: Role,
    },
    /// List users.
    List,
    /// Set a user's password (their tokens stop working).
    Passwd {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
    },
    /// Disable a user (their tokens stop working); the last active admin cannot be disabled.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        username: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
        .map_err(|()| "expected admin, manager or sales_staff".to_string())
}

/// `--quiet-hours` parsed: the windows and whether weekends are quiet.
#[derive(Debug, Clone)]
pub struct QuietHours(Vec<crate::calls::pacing::Quiet>, bool);

fn parse_quiet_hours(s: &str) -> Result<QuietHours, String> {
    let mut out = QuietHours(Vec::new(), false);
    if s.trim() == "none" {
        return Ok(out);
    }
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "weekends" {
            out.1 = true;
        } else {
            out.0
                .push(crate::calls::pacing::Quiet::parse(part).ok_or_else(|| {
                    format!("expected HH:MM-HH:MM, `weekends` or `none`, got {part}")
                })?);
        }
    }
    Ok(out)
}

impl ServeArgs {
    pub fn into_config(self, data_dir: PathBuf) -> Config {
        let mut c = Config::new(data_dir);
        c.listen = self.listen;
        c.public_url = self.public_url;
        c.timezone = self.timezone.unwrap_or_else(config::machine_timezone);
        c.bind_ttl = Duration::from_secs(self.bind_ttl);
        c.max_phones_per_user = self.max_phones_per_user;
        c.dial_timeout = Duration::from_secs(self.dial_timeout);
        c.ws_idle_timeout = Duration::from_secs(self.ws_idle_timeout);
        c.max_upload_bytes = self.max_upload_mb * 1024 * 1024;
        c.recording_max_age_days = self.recording_max_age_days;
        c.recording_max_bytes = self.recording_max_gb.map(|gb| gb * 1024 * 1024 * 1024);
        c.storage_reserve_bytes = self.storage_reserve_mb * 1024 * 1024;
        c.max_connections_per_address = self.max_connections_per_address;
        c.initial_admin_password = self.initial_admin_password;
        if let Some(secs) = self.dial_min_gap {
            c.pacing.min_gap_ms = (secs.clamp(0.0, 3600.0) * 1000.0).round() as i64;
        }
        if let Some(n) = self.dial_max_per_hour {
            c.pacing.max_per_hour = n;
        }
        if let Some(n) = self.dial_max_per_day {
            c.pacing.max_per_day = n;
        }
        if let Some(QuietHours(windows, weekends)) = self.quiet_hours {
            c.pacing.quiet = windows;
            c.pacing.quiet_weekends = weekends;
        }
        c
    }
}

/// The platform's data folder for the app (`~/.local/share/dialbox` on Linux,
/// `%APPDATA%\dialbox\data` on Windows; the Windows service uses `%ProgramData%\DialBox`).
fn default_data_dir() -> Result<PathBuf, String> {
    directories::ProjectDirs::from("", "", "dialbox")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| {
            "no home folder to put the data in: pass --data-dir or set DIALBOX_DATA_DIR".into()
        })
}

/// Runs the parsed command line; the exit code is 1 with one line on stderr for any failure.
pub fn run(cli: Cli) -> ExitCode {
    let double_clicked = crate::platform::started_by_double_click();
    match execute(cli, double_clicked) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dialbox: {message}");
            if double_clicked {
                // the window closes with the process: keep the reason on screen until read
                eprintln!("按回车键关闭窗口 (press Enter to close this window)");
                let _ = std::io::stdin().read_line(&mut String::new());
            }
            ExitCode::FAILURE
        }
    }
}

/// Where `dialbox` logs: stderr, or for the Windows service (which has no console)
/// `dialbox.log` in its data folder.
pub fn init_logging(cli: &Cli) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("DIALBOX_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    #[cfg(windows)]
    if let Some(path) = service::log_file(cli)
        && let Ok(file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .init();
        return;
    }
    #[cfg(not(windows))]
    let _ = cli;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // colour codes only for a person at a terminal, not in a journal or a log file
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn execute(cli: Cli, double_clicked: bool) -> Result<(), String> {
    #[cfg(windows)]
    let cli_data_dir = cli.data_dir.clone();
    let data_dir = match cli.data_dir {
        Some(dir) => dir,
        None => default_data_dir()?,
    };
    // `dialbox.exe` double-clicked in Explorer: open the page once the server listens
    let open_page = cli.command.is_none() && double_clicked;
    let command = match cli.command {
        Some(command) => command,
        // `dialbox` alone serves with every default (and every DIALBOX_* variable)
        None => match Cli::parse_from(["dialbox", "serve"]).command {
            Some(serve) => serve,
            None => unreachable!("parsing `serve` yields the serve command"),
        },
    };
    match command {
        Command::Serve(args) => serve::run(args.into_config(data_dir), open_page),
        #[cfg(windows)]
        Command::Service(command) => service::run(command, cli_data_dir),
        Command::User(user) => user::run(&Config::new(data_dir), user),
        Command::Backup { out, force } => {
            let config = Config::new(data_dir);
            // a mistyped --data-dir must not back up a database made up on the spot
            if !crate::app::database_exists(&config) {
                return Err(format!(
                    "no database at {}: is --data-dir right?",
                    config.db_path().display()
                ));
            }
            // migrate first: a copy is only worth having from a database this binary understands
            let pool = crate::app::open_database(&config).map_err(|e| e.to_string())?;
            let copied = crate::backup::run(&config.db_path(), &out, force)?;
            let mb = copied.bytes as f64 / 1_048_576.0;
            println!("backed up {mb:.1} MB to {}", out.display());
            // 设置 shows when the last backup was made (a failure to note it fails nothing)
            let note = serde_json::json!({
                "at": crate::times::iso_ms(crate::times::now_ms()),
                "out": out.display().to_string(),
                "bytes": copied.bytes,
            });
            let noted = pool.get().map_err(|e| e.to_string()).and_then(|conn| {
                crate::db::settings::set(&conn, crate::settings::LAST_BACKUP, &note.to_string())
                    .map_err(|e| e.to_string())
            });
            if let Err(e) = noted {
                eprintln!("(could not note the backup in the database: {e})");
            }
            Ok(())
        }
        #[cfg(feature = "bench")]
        Command::GenCalls {
            count,
            users,
            days,
            customers,
            timezone,
            seed,
        } => {
            let mut config = Config::new(data_dir);
            config.timezone = timezone.unwrap_or_else(config::machine_timezone);
            let args = crate::bench_data::GenArgs {
                count,
                users,
                days,
                customers,
                seed,
            };
            let r = crate::bench_data::generate(&config, &args)?;
            println!(
                "generated {} calls for {} users in {:.1} s (statistics in {})",
                r.calls, r.users, r.seconds, r.timezone
            );
            Ok(())
        }
    }
}
