//! `dialbox service install | uninstall | start | stop` (Windows): DialBox as a Windows service
//! on `%ProgramData%\DialBox`, with the firewall rule for its port.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::{Cli, Command, ServeArgs};
use crate::config::Config;
use crate::platform::service;

/// The firewall rule's name (`netsh advfirewall firewall show rule name=DialBox`).
const FIREWALL_RULE: &str = "DialBox";

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Register the service (starts with Windows), create its data folder and first admin, and
    /// open the port in the firewall. Any serve flags given here are the service's.
    Install {
        /// Serve flags for the service, e.g. --listen 0.0.0.0:3000 --public-url http://…
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        serve_args: Vec<OsString>,
    },
    /// Stop and remove the service and its firewall rule (the data folder is kept).
    Uninstall,
    /// Start the installed service.
    Start,
    /// Stop the running service.
    Stop,
    /// What Windows runs for the installed service (not for people).
    #[command(hide = true)]
    Run {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        serve_args: Vec<OsString>,
    },
}

/// The serve flags given to `service install` or `run`, checked as `dialbox serve` would.
fn serve_args(args: &[OsString]) -> Result<ServeArgs, String> {
    let argv = ["dialbox".into(), "serve".into()]
        .into_iter()
        .chain(args.iter().cloned());
    match Cli::try_parse_from::<_, OsString>(argv) {
        Ok(Cli {
            command: Some(Command::Serve(serve)),
            ..
        }) => Ok(serve),
        Ok(_) => Err("expected serve flags".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// The service's log file, for `service run` (a service has no console).
pub fn log_file(cli: &Cli) -> Option<PathBuf> {
    match cli.command {
        Some(Command::Service(ServiceCommand::Run { .. })) => {
            let dir = cli.data_dir.clone().unwrap_or_else(service::data_dir);
            std::fs::create_dir_all(&dir).ok()?;
            Some(dir.join("dialbox.log"))
        }
        _ => None,
    }
}

pub fn run(command: ServiceCommand, data_dir: Option<PathBuf>) -> Result<(), String> {
    let data_dir = data_dir.unwrap_or_else(service::data_dir);
    match command {
        ServiceCommand::Install { serve_args: raw } => install(&raw, data_dir),
        ServiceCommand::Uninstall => {
            service::uninstall()?;
            firewall(&["delete", "rule", &format!("name={FIREWALL_RULE}")]);
            println!(
                "service {} removed; its data folder {} is kept",
                service::NAME,
                data_dir.display()
            );
            Ok(())
        }
        ServiceCommand::Start => {
            service::start()?;
            println!("service {} running", service::NAME);
            Ok(())
        }
        ServiceCommand::Stop => {
            service::stop()?;
            println!("service {} stopped", service::NAME);
            Ok(())
        }
        ServiceCommand::Run { serve_args: raw } => {
            let config = serve_args(&raw)?.into_config(data_dir);
            service::run(move |shutdown| super::serve::until(config, false, move || Ok(shutdown)))
        }
    }
}

fn install(raw: &[OsString], data_dir: PathBuf) -> Result<(), String> {
    let args = serve_args(raw)?;
    let port = args.listen.port();
    let config = args.into_config(data_dir.clone());
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    restrict_to_administrators(&data_dir);
    // the first admin is made here, at a console, so its password can be shown: the service
    // itself prints to no one
    let first = first_start(&config)?;
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find this program's path: {e}"))?;
    service::install(&exe, &data_dir, raw)?;
    println!(
        "service {} installed: starts with Windows, data in {}",
        service::NAME,
        data_dir.display()
    );
    println!("  log: {}", data_dir.join("dialbox.log").display());
    if let Some((user, password)) = first {
        println!("  First start: created user '{user}' with password: {password}");
        println!("  This password is shown only once. Log in and change it.");
    }
    let rule = [
        "add".to_string(),
        "rule".into(),
        format!("name={FIREWALL_RULE}"),
        "dir=in".into(),
        "action=allow".into(),
        "protocol=TCP".into(),
        format!("localport={port}"),
    ];
    let rule: Vec<&str> = rule.iter().map(String::as_str).collect();
    if !firewall(&rule) {
        println!("  open the port for the phones by running, as administrator:");
        println!("    netsh advfirewall firewall {}", rule.join(" "));
    }
    println!("  start it now with: dialbox service start");
    Ok(())
}

/// Creates the data folder, database, secret and first admin, as the server's first start does.
fn first_start(config: &Config) -> Result<Option<(String, String)>, String> {
    let pool = crate::app::open_database(config).map_err(|e| e.to_string())?;
    crate::app::load_or_create_secret(&config.data_dir).map_err(|e| e.to_string())?;
    let first = crate::app::ensure_first_admin(&pool, config.initial_admin_password.as_deref())
        .map_err(|e| e.to_string())?;
    Ok(first.map(|f| (f.username, f.password)))
}

/// `%ProgramData%` lets every local user read what is made in it: the JWT secret and the
/// recordings must not be. The folder keeps only SYSTEM's (the service's) and administrators'
/// access, for everything made in it later too.
fn restrict_to_administrators(dir: &std::path::Path) {
    // well-known SIDs: *S-1-5-18 is SYSTEM, *S-1-5-32-544 the Administrators group (names
    // differ by the system's language)
    let outcome = std::process::Command::new("icacls")
        .arg(dir)
        .args([
            "/inheritance:r",
            "/grant:r",
            "*S-1-5-18:(OI)(CI)F",
            "*S-1-5-32-544:(OI)(CI)F",
        ])
        .output();
    if !outcome.is_ok_and(|out| out.status.success()) {
        println!(
            "  warning: could not limit {} to administrators; run: icacls \"{}\" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F",
            dir.display(),
            dir.display()
        );
    }
}

/// Runs `netsh advfirewall firewall ARGS`; whether it worked (it needs administrator rights).
fn firewall(args: &[&str]) -> bool {
    let outcome = std::process::Command::new("netsh")
        .args(["advfirewall", "firewall"])
        .args(args)
        .output();
    match outcome {
        Ok(out) if out.status.success() => {
            println!(
                "  firewall: netsh advfirewall firewall {}: done",
                args.join(" ")
            );
            true
        }
        Ok(out) => {
            tracing::debug!(stdout = %String::from_utf8_lossy(&out.stdout), "netsh failed");
            false
        }
        Err(e) => {
            tracing::debug!(error = %e, "netsh not run");
            false
        }
    }
}
