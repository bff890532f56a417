//! `dialbox-phone`: a work phone simulator. It behaves towards a running DialBox exactly as a
//! phone app does — over HTTP and the phone socket only, never by reaching into the database —
//! so app developers can try the server without a phone in hand, tests can drive whole calls,
//! and the benches get their load from real phones.
//!
//! Modules: `api` (HTTP), `qr` (QR images and contents), `device` (the state file), `bind`,
//! `socket` (the phone socket), `phone` (the run loop), `call` (one call), `manual` (a call
//! from the dialpad), `screens` (what the shipped app's screens check), `scenario`, `audio`
//! (tiny recordings), `fleet`, `bench/` (the measurements).

mod api;
mod audio;
mod bench;
mod bind;
mod call;
mod context;
mod device;
mod events;
mod fleet;
mod incoming;
mod manual;
mod phone;
mod qr;
mod scenario;
mod screens;
mod socket;
mod system;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "dialbox-phone",
    version,
    about = "Simulated work phones for DialBox: bind, answer dials, report calls, upload recordings, measure"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Log in and bind this simulated phone from a QR code; saves the device credentials.
    Bind(bind::BindArgs),
    /// Connect the phone socket and answer dial commands until stopped (Ctrl-C).
    Run(RunArgs),
    /// Create N users through the users API, bind one phone each and run them all.
    Fleet(fleet::FleetArgs),
    /// Dial a number on the phone's own dialpad (the shipped app's `manual_…` call): report it,
    /// upload its recording named `Call_<number>_…` and submit a follow-up.
    Dial(manual::DialArgs),
    /// Make this bound phone ring with NUMBER (2.4.0's incoming call, contract §14): caller ID,
    /// answer or miss, hang up, the end under the app's own id, the recording and the form.
    Incoming(incoming::IncomingArgs),
    /// Measure a DialBox (its own, on loopback, unless --server is given).
    Bench(bench::BenchArgs),
}

/// The two ways of speaking to the server (contract §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    /// The API document to the letter.
    Document,
    /// The shipped CRM外呼助手 app: /mobile/bind for every QR, ISO timestamps, CALL_ENDED, two end
    /// reports; it ignores cancels, plays §5.2's recordingUrl with no header and checks its 未接 tab.
    ShippedApp,
    /// The app offices install today, 2.4.0 (contract §14): 1.0.0's outbound calls, and incoming
    /// calls — caller ID with its 3 s HTTP fallback, states by number with a blank `callId`,
    /// ends under its own `IN-local-…` id, `number_updated`, recordings multipart then base64,
    /// the call-log back-fill on every return to the foreground.
    #[value(name = "shipped-app-2.4")]
    #[serde(rename = "shipped-app-2.4")]
    ShippedApp24,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Document => "document",
            Dialect::ShippedApp => "shipped-app",
            Dialect::ShippedApp24 => "shipped-app-2.4",
        }
    }

    /// Either version of the shipped app (they dial out alike).
    pub fn shipped(self) -> bool {
        matches!(self, Dialect::ShippedApp | Dialect::ShippedApp24)
    }

    /// The version the app reports in DEVICE_ONLINE and at login.
    pub fn app_version(self) -> &'static str {
        match self {
            Dialect::ShippedApp24 => "2.4.0",
            _ => "1.0.0",
        }
    }
}

/// How a simulated phone behaves on calls (shared by `run`, `fleet` and the benches).
#[derive(Debug, Clone, Args)]
pub struct Behaviour {
    /// How dials end, as weights: connected, missed, busy, rejected, failed.
    #[arg(long, default_value = "connected:70,missed:20,busy:10", value_parser = scenario::Scenario::parse)]
    pub answer: scenario::Scenario,
    /// Seconds the far end rings before answering (or giving up).
    #[arg(long, default_value_t = 2.0)]
    pub ring_secs: f64,
    /// Seconds a connected call lasts.
    #[arg(long, default_value_t = 5.0)]
    pub talk_secs: f64,
    /// Format of the generated recording uploaded after a connected call.
    #[arg(long, value_parser = audio::parse_format, default_value = "mp3")]
    pub format: audio::Format,
    /// Do not upload a recording.
    #[arg(long)]
    pub no_recording: bool,
    /// Seconds the salesperson takes to fill in the follow-up after a call (a person's think
    /// time; the power dialer sends the next number once it is in).
    #[arg(long, default_value_t = 0.0)]
    pub think_secs: f64,
    /// Do not submit a follow-up (§5.1) after each call.
    #[arg(long)]
    pub no_followup: bool,
    /// Seconds between heartbeats.
    #[arg(long, default_value_t = 30.0)]
    pub heartbeat_secs: f64,
    /// Seconds to wait for an ACK before sending a message again (same messageId).
    #[arg(long, default_value_t = 5.0)]
    pub ack_timeout_secs: f64,
    /// Never report `connected` (as the shipped app on phones where its call-state polling
    /// does not run): the call stays `calling` until the end report.
    #[arg(long)]
    pub never_connected: bool,
    /// Connect the socket to --server's host and port instead of the wsUrl the server gave
    /// (for a server whose public URL is not reachable from here, e.g. one on loopback).
    #[arg(long)]
    pub socket_on_server: bool,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The state file `bind` wrote.
    #[arg(long, default_value = "dialbox-phone.json")]
    state: PathBuf,
    /// Stop after this many calls (default: run until Ctrl-C).
    #[arg(long)]
    calls: Option<u64>,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    seconds: Option<f64>,
    #[command(flatten)]
    behaviour: Behaviour,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dialbox-phone: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Bind(args) => bind::run(args).await,
            Command::Run(args) => run(args).await,
            Command::Fleet(args) => fleet::run(args).await,
            Command::Dial(args) => manual::dial_by_hand(args).await,
            Command::Incoming(args) => incoming::ring(args).await,
            Command::Bench(args) => bench::run(args).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dialbox-phone: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: RunArgs) -> Result<(), String> {
    let device = device::Device::load(&args.state)?;
    println!(
        "phone {} ({} dialect) of user {} on {}; answering {}",
        device.device_id,
        device.dialect.name(),
        device.user_id,
        device.server,
        args.behaviour.answer
    );
    let limits = phone::Limits {
        calls: args.calls,
        seconds: args.seconds,
    };
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(true);
        }
    });
    let phone = phone::Phone::new(device, args.behaviour, events::Log::Print("phone".into()));
    let end = phone.run(limits, None, stop).await?;
    if end == phone::End::Unbound {
        device::Device::clear(&args.state)?;
        println!("state file {} removed: bind again", args.state.display());
    }
    Ok(())
}
