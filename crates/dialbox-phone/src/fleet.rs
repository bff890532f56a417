//! `fleet`: many phones in one process. Users are created through the users API with an admin
//! login; each phone is bound from a §3.1 QR image the admin asks for on the user's behalf
//! (decoded like a camera would), then all run together. The benches provision the same way.

use std::time::Duration;

use clap::Args;
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

use crate::api::{Api, DeviceInfo};
use crate::device::Device;
use crate::events::{Event, Log};
use crate::phone::{End, Limits, Phone};
use crate::{Behaviour, Dialect, bind, qr};

/// Requests in flight while provisioning (user creation hashes passwords: keep the server usable).
const PARALLEL: usize = 8;

#[derive(Debug, Args)]
pub struct FleetArgs {
    /// How many phones (one user each).
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    #[arg(long)]
    pub server: String,
    #[arg(long, default_value = "admin")]
    pub admin_user: String,
    #[arg(long)]
    pub admin_password: String,
    /// Usernames are PREFIX0001, PREFIX0002 …; existing ones are reused.
    #[arg(long, default_value = "sim")]
    pub prefix: String,
    /// Password of the created users.
    #[arg(long, default_value = "sim-password")]
    pub user_password: String,
    #[arg(long, value_enum, default_value_t = Dialect::Document)]
    pub dialect: Dialect,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Print every phone's steps (default: a summary every 10 s).
    #[arg(long)]
    pub verbose: bool,
    #[command(flatten)]
    pub behaviour: Behaviour,
}

/// Who the phones belong to.
pub struct Plan<'a> {
    pub phones: usize,
    pub users: usize,
    pub prefix: &'a str,
    pub user_password: &'a str,
    pub dialect: Dialect,
}

/// A provisioned user: id, username, login token (empty unless the plan needed one).
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
}

/// How many numbers follow the `139` of a simulated phone's number.
const NUMBERS: u64 = 100_000_000;

/// Creates (or reuses) the plan's users and binds its phones, spread over the users in turn.
pub async fn provision(
    api: &Api,
    admin_token: &str,
    plan: &Plan<'_>,
) -> Result<(Vec<User>, Vec<Device>), String> {
    let existing = api.users(admin_token).await?;
    let names: Vec<String> = (1..=plan.users)
        .map(|i| format!("{}{i:04}", plan.prefix))
        .collect();
    let users: Vec<User> = futures_util::stream::iter(names)
        .map(|username| {
            let found = existing.iter().find(|(_, u)| *u == username).cloned();
            async move {
                let id = match found {
                    Some((id, _)) => id,
                    None => {
                        api.create_user(admin_token, &username, plan.user_password, "模拟部")
                            .await?
                    }
                };
                Ok::<_, String>(User { id, username })
            }
        })
        .buffered(PARALLEL)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    // the shipped app binds with its login token: one login per user
    let mut logins = vec![String::new(); users.len()];
    if plan.dialect.shipped() {
        for (user, login) in users.iter().zip(logins.iter_mut()) {
            *login = api.login(&user.username, plan.user_password, None).await?;
        }
    }
    // consecutive numbers from a random start: random ones collide (ten thousand phones drawn
    // from 10^8 numbers share one about half the time) and the server refuses a bound number
    let first_number = rand::random_range(0..NUMBERS);
    let devices = futures_util::stream::iter(0..plan.phones)
        .map(|i| {
            let user = &users[i % users.len()];
            let login = logins[i % users.len()].clone();
            let number = format!("139{:08}", (first_number + i as u64) % NUMBERS);
            async move { bind_one(api, admin_token, user, login, plan.dialect, number).await }
        })
        .buffered(PARALLEL)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    Ok((users, devices))
}

/// The admin asks for the user's QR (§3.1), the phone decodes the image and binds.
async fn bind_one(
    api: &Api,
    admin_token: &str,
    user: &User,
    login_token: String,
    dialect: Dialect,
    phone_number: String,
) -> Result<Device, String> {
    let image = api.qrcode(admin_token, Some(&user.id)).await?;
    let target = qr::parse(&qr::decode_data_url(&image)?)?;
    let device = DeviceInfo {
        device_id: format!("sim-{}", crate::api::random_hex(8)),
        device_name: format!("模拟手机 {}", user.username),
        phone_number,
    };
    bind::bind_as(api, login_token, &target, dialect, &device, &Log::Quiet).await
}

/// Starts one task per phone; they stop when `stop` turns true.
pub fn start(
    devices: Vec<Device>,
    behaviour: &Behaviour,
    verbose: bool,
    limits: Limits,
    events: &mpsc::UnboundedSender<Event>,
    stop: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<Result<End, String>>> {
    devices
        .into_iter()
        .enumerate()
        .map(|(i, device)| {
            let log = if verbose {
                Log::Print(format!("phone{:04}", i + 1))
            } else {
                Log::Quiet
            };
            let phone = Phone::new(device, behaviour.clone(), log);
            tokio::spawn(phone.run(limits, Some(events.clone()), stop.clone()))
        })
        .collect()
}

pub async fn run(args: FleetArgs) -> Result<(), String> {
    crate::system::raise_open_files();
    let api = Api::new(&args.server);
    let admin_token = api
        .login(&args.admin_user, &args.admin_password, None)
        .await?;
    let plan = Plan {
        phones: args.count,
        users: args.count,
        prefix: &args.prefix,
        user_password: &args.user_password,
        dialect: args.dialect,
    };
    println!(
        "provisioning {} users and phones on {}",
        args.count, args.server
    );
    let (users, devices) = provision(&api, &admin_token, &plan).await?;
    for (user, device) in users.iter().zip(&devices) {
        println!(
            "  {} ({}): phone {} device {}",
            user.username, user.id, device.phone_id, device.device_id
        );
    }
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (stop_tx, stop) = watch::channel(false);
    let limits = Limits {
        calls: None,
        seconds: args.seconds,
    };
    let tasks = start(
        devices,
        &args.behaviour,
        args.verbose,
        limits,
        &events_tx,
        &stop,
    );
    drop(events_tx);
    let ctrl_c = tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop_tx.send(true);
    });
    let (mut online, mut dials, mut drops) = (0u64, 0u64, 0u64);
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(Event::Online) => online += 1,
                Some(Event::Dial { .. }) => dials += 1,
                Some(Event::Disconnected) => drops += 1,
                Some(Event::FollowUp { .. }) => {}
                None => break,
            },
            _ = tick.tick() => println!("fleet: {online} online acks, {dials} dial commands, {drops} disconnections"),
        }
    }
    ctrl_c.abort();
    let mut unbound = 0;
    for task in tasks {
        if let Ok(Ok(End::Unbound)) = task.await {
            unbound += 1;
        }
    }
    println!(
        "fleet stopped: {online} online acks, {dials} dial commands, {drops} disconnections, {unbound} phones unbound"
    );
    Ok(())
}
