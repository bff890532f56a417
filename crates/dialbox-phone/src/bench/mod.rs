//! `bench SCENARIO`: the measurements behind every performance figure of DialBox. Each scenario
//! prints a table and ends with one JSON line. Without `--server` each starts its own
//! `dialbox serve` on 127.0.0.1:0 with a temporary data folder; loads stay on loopback, are
//! bounded in count and time, and stop by themselves.

mod callerid;
mod compare;
mod data;
mod dial;
mod export;
mod files;
mod growth;
mod hardening;
mod imports;
mod nginx;
mod pages;
mod power;
mod report;
mod server;
mod sockets;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::device::Device;
use crate::events::Event;
use crate::phone::Limits;
use crate::scenario::{Outcome, Scenario};
use crate::{Behaviour, Dialect, audio, fleet};

pub use server::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    IdleMemory,
    DialLatency,
    Stats,
    Upload,
    Range,
    Churn,
    /// Issue 13: a big import while writers write.
    ImportBesideWrites,
    /// Issue 13: many logins at once from one address.
    LoginBurst,
    /// Issue 13: idle connections that send nothing, and a ping beside them.
    IdleFlood,
    /// Issue 15: 通话记录 exported as .xlsx and CSV, with the server's RSS growth.
    Export,
    /// Issue 16: salespeople working a call list; follow-up → next DIAL_COMMAND.
    PowerDialer,
    /// Issue 16: 100,000 numbers imported into a call list.
    ListImport,
    /// Issue 18: §5.6 pages at 1 and 16 connections: req/s, latency, server CPU per request.
    RecordsPage,
    /// Issue 27: hostile spreadsheets (and the largest honest one) imported alone and three at
    /// once: the server's RSS growth.
    HostileImports,
    /// Issue 29: caller ID (HTTP and socket) at --customers customers: p50/p95/p99.
    CallerId,
    /// Issue 32: every user-facing answer, restart and RSS at each of --sizes calls; names
    /// what grows (with --compare: two binaries side by side).
    Growth,
    All,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    #[arg(value_enum)]
    pub scenario: Which,
    /// Measure this running DialBox instead of starting one (RSS needs --server-pid).
    #[arg(long)]
    pub server: Option<String>,
    /// The pid of the --server process, to read its memory from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    #[arg(long, default_value = "admin")]
    pub admin_user: String,
    /// The admin's password on --server.
    #[arg(long)]
    pub admin_password: Option<String>,
    /// The dialbox binary to start (default: the one beside dialbox-phone).
    #[arg(long)]
    pub dialbox: Option<PathBuf>,
    /// Phones (idle-memory: 1000, dial-latency: 100, churn: 10 sockets in parallel).
    #[arg(long)]
    pub count: Option<usize>,
    /// Users the phones belong to (at most; on --server each needs a free phone slot).
    #[arg(long, default_value_t = 50)]
    pub users: usize,
    /// dial-latency: how many dials.
    #[arg(long, default_value_t = 1000)]
    pub dials: usize,
    /// churn: connect/disconnect cycles.
    #[arg(long, default_value_t = 10_000)]
    pub cycles: usize,
    /// Call records to generate (stats, export: 2,000,000; records-page: 100,000;
    /// import-beside-writes: rows to import, at most 200,000).
    #[arg(long)]
    pub records: Option<u64>,
    /// stats, records-page, export: copy this data folder instead of generating calls (one
    /// that `dialbox gen-calls` filled; `compare` generates one and hands it to every round).
    #[arg(long)]
    pub from_data: Option<PathBuf>,
    /// records-page: clients asking at once, one run each (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    pub connections: Vec<usize>,
    /// records-page: seconds of load per view and connection count.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Compare: run the scenario on --dialbox (A) and on this binary (B) in turn, `--rounds`
    /// times each on fresh servers, and print every figure's medians and the ratio B / A.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// compare: rounds per binary (the order alternates, A B, B A, …).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// stats: days the records span.
    #[arg(long, default_value_t = 730)]
    pub days: u32,
    /// stats: requests per query.
    #[arg(long, default_value_t = 30)]
    pub repeat: usize,
    /// stats: the §5.6 keyword.
    #[arg(long, default_value = "138")]
    pub keyword: String,
    /// power-dialer: ring one of the phones with an incoming call this often (0: never).
    #[arg(long, default_value_t = 0)]
    pub incoming_every_ms: u64,
    /// caller-id: customers in the office (1,000,000); growth: 100,000.
    #[arg(long)]
    pub customers: Option<usize>,
    /// growth: the numbers of calls to measure at.
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000,10000000")]
    pub sizes: Vec<u64>,
    /// growth: keep the generated folders here and reuse them in a later run.
    #[arg(long)]
    pub data_cache: Option<PathBuf>,
    /// upload/range: file size in MB.
    #[arg(long, default_value_t = 200)]
    pub size_mb: u64,
}

pub async fn run(args: BenchArgs) -> Result<(), String> {
    let files = crate::system::raise_open_files();
    println!("open-file limit: {files} (a server started here inherits it)");
    // growth compares its own way: both binaries on each size's folder before the next size
    if let Some(b) = args
        .compare
        .clone()
        .filter(|_| args.scenario != Which::Growth)
    {
        let result = compare::run(&args, b).await?;
        report::json_line(&result);
        return Ok(());
    }
    let scenarios = match args.scenario {
        Which::All => vec![
            Which::IdleMemory,
            Which::DialLatency,
            Which::Churn,
            Which::Upload,
            Which::Range,
            Which::Stats,
        ],
        one => vec![one],
    };
    let mut results = serde_json::Map::new();
    for scenario in &scenarios {
        let result = one(*scenario, &args).await?;
        if scenarios.len() == 1 {
            report::json_line(&result);
            return Ok(());
        }
        report::json_line(&result);
        results.insert(
            result["bench"].as_str().unwrap_or("?").to_string(),
            result.clone(),
        );
    }
    report::json_line(&json!({ "bench": "all", "results": results }));
    Ok(())
}

/// Runs one scenario (not `All`).
pub async fn one(scenario: Which, args: &BenchArgs) -> Result<Value, String> {
    match scenario {
        Which::IdleMemory => sockets::idle_memory(args).await,
        Which::DialLatency => dial::latency(args).await,
        Which::Churn => sockets::churn(args).await,
        Which::Upload => files::upload(args).await,
        Which::Range => files::range(args).await,
        Which::Stats => stats::run(args).await,
        Which::ImportBesideWrites => hardening::import_beside_writes(args).await,
        Which::LoginBurst => hardening::login_burst(args).await,
        Which::IdleFlood => hardening::idle_flood(args).await,
        Which::Export => export::run(args).await,
        Which::PowerDialer => power::power_dialer(args).await,
        Which::ListImport => power::list_import(args).await,
        Which::RecordsPage => pages::run(args).await,
        Which::HostileImports => imports::run(args).await,
        Which::CallerId => callerid::run(args).await,
        Which::Growth => growth::run(args).await,
        Which::All => Err("`all` runs each scenario; name one".into()),
    }
}

/// Bench phones: quiet, answering at once with `outcome`, socket on the bench's server address.
pub fn behaviour(outcome: Outcome) -> Behaviour {
    Behaviour {
        answer: Scenario::always(outcome),
        ring_secs: 0.0,
        talk_secs: 0.0,
        format: audio::Format::Mp3,
        no_recording: true,
        no_followup: true,
        think_secs: 0.0,
        heartbeat_secs: 30.0,
        ack_timeout_secs: 5.0,
        never_connected: false,
        socket_on_server: true,
    }
}

/// Provisions `phones` phones over at most `users` users of a bench prefix.
pub async fn provision(
    target: &Target,
    phones: usize,
    users: usize,
    prefix: &str,
) -> Result<(Vec<fleet::User>, Vec<Device>), String> {
    let plan = fleet::Plan {
        phones,
        users: users.clamp(1, phones.max(1)),
        prefix,
        user_password: USER_PASSWORD,
        dialect: Dialect::Document,
    };
    fleet::provision(&target.api, &target.admin_token, &plan).await
}

pub const USER_PASSWORD: &str = "bench-user-pw";

/// Running phones and their events.
pub struct Running {
    pub events: mpsc::UnboundedReceiver<Event>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<Result<crate::phone::End, String>>>,
}

impl Running {
    pub fn start(devices: Vec<Device>, behaviour: &Behaviour) -> Self {
        let (events_tx, events) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let limits = Limits {
            calls: None,
            // a bench never runs forever, whatever happens to it
            seconds: Some(3600.0),
        };
        let tasks = fleet::start(devices, behaviour, false, limits, &events_tx, &stop_rx);
        Self {
            events,
            stop,
            tasks,
        }
    }

    /// Waits until `n` phones said they are online (bounded by `timeout`); returns how many did.
    /// Starts the phones and waits (a minute, plus a second per 50 phones) until every one is
    /// online; an error, the phones stopped, when some are not.
    pub async fn start_all_online(
        devices: Vec<Device>,
        behaviour: &Behaviour,
    ) -> Result<Self, String> {
        let n = devices.len();
        let mut phones = Self::start(devices, behaviour);
        let online = phones
            .wait_online(n, Duration::from_secs(60 + n as u64 / 50))
            .await;
        if online < n {
            phones.stop().await;
            return Err(format!("only {online} of {n} phones came online"));
        }
        Ok(phones)
    }

    pub async fn wait_online(&mut self, n: usize, timeout: Duration) -> usize {
        let mut online = 0;
        let deadline = tokio::time::Instant::now() + timeout;
        while online < n {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Event::Online)) => online += 1,
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        online
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// "12.3 MB" style for KiB counts.
pub fn kib_text(kib: Option<u64>) -> String {
    match kib {
        Some(k) => format!("{:.1} MB", k as f64 / 1024.0),
        None if cfg!(target_os = "linux") => "n/a (give --server-pid)".into(),
        // read from /proc: Linux only
        None => "n/a (Linux only)".into(),
    }
}

pub fn opt(v: Option<u64>) -> Value {
    v.map_or(Value::Null, |v| json!(v))
}
