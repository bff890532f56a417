//! `bind`: log in, read the QR (image, JSON or bare connectionId), bind by the dialect's route
//! (contract §13) and save the device credentials.

use std::path::PathBuf;

use clap::Args;

use crate::Dialect;
use crate::api::{Api, Bound, DeviceInfo};
use crate::device::Device;
use crate::events::Log;
use crate::qr::{self, Target};

#[derive(Debug, Args)]
pub struct BindArgs {
    /// The DialBox address, e.g. http://192.168.1.20:3000 (default: the QR's serverUrl).
    #[arg(long)]
    pub server: Option<String>,
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub password: String,
    /// A PNG of the QR code (a screenshot of the PC page's dialog, or the app's own QR).
    #[arg(long, group = "qr_source")]
    pub qr: Option<PathBuf>,
    /// The QR's content as JSON (§3.1 or §3.1.1).
    #[arg(long, group = "qr_source")]
    pub qr_json: Option<String>,
    /// A §3.1 connectionId typed by hand.
    #[arg(long, group = "qr_source")]
    pub connection_id: Option<String>,
    #[arg(long, value_enum, default_value_t = Dialect::Document)]
    pub dialect: Dialect,
    /// The work phone's number (the shipped app sends none).
    #[arg(long)]
    pub phone_number: Option<String>,
    /// This device's id (default: a new random one).
    #[arg(long)]
    pub device_id: Option<String>,
    /// Where to save the device credentials.
    #[arg(long, default_value = "dialbox-phone.json")]
    pub state: PathBuf,
}

pub async fn run(args: BindArgs) -> Result<(), String> {
    let target = match (&args.qr, &args.qr_json, &args.connection_id) {
        (Some(file), _, _) => {
            let png =
                std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let content = qr::decode_png(&png)?;
            println!("QR decoded: {content}");
            qr::parse(&content)?
        }
        (_, Some(json), _) => qr::parse(json)?,
        (_, _, Some(id)) => Target::Connection {
            connection_id: id.clone(),
            server_url: None,
        },
        _ => return Err("give the QR: --qr FILE.png, --qr-json JSON or --connection-id ID".into()),
    };
    let server = args
        .server
        .clone()
        .or_else(|| target.server_url().map(str::to_string))
        .ok_or("give --server (the QR does not say where the server is)")?;
    let device = DeviceInfo {
        device_id: args
            .device_id
            .clone()
            .unwrap_or_else(|| format!("sim-{}", crate::api::random_hex(8))),
        device_name: "DialBox 模拟手机".into(),
        phone_number: args
            .phone_number
            .clone()
            .unwrap_or_else(random_phone_number),
    };
    let api = Api::new(&server);
    let saved = bind(
        &api,
        &args.username,
        &args.password,
        &target,
        args.dialect,
        &device,
        &Log::Print("bind".into()),
    )
    .await?;
    saved.save(&args.state)?;
    println!(
        "bound phone {} (device {}) to user {}; socket {}; saved to {}",
        saved.phone_id,
        saved.device_id,
        saved.user_id,
        saved.ws_url,
        args.state.display()
    );
    Ok(())
}

/// Logs in and binds as the dialect does; returns what a phone keeps.
pub async fn bind(
    api: &Api,
    username: &str,
    password: &str,
    target: &Target,
    dialect: Dialect,
    device: &DeviceInfo,
    log: &Log,
) -> Result<Device, String> {
    let login_token = api.login(username, password, Some(device)).await?;
    log.say(format!("logged in as {username}"));
    bind_as(api, login_token, target, dialect, device, log).await
}

/// Binds with a login token already in hand (way one of the document needs none: pass "").
pub async fn bind_as(
    api: &Api,
    login_token: String,
    target: &Target,
    dialect: Dialect,
    device: &DeviceInfo,
    log: &Log,
) -> Result<Device, String> {
    let bound: Bound = match (dialect, target) {
        (Dialect::Document, Target::Connection { connection_id, .. }) => {
            log.say("binding via POST /api/v1/call-config/work-phones/bind");
            api.bind_connection(connection_id, device).await?
        }
        (Dialect::Document, Target::Token { token, .. }) => {
            log.say("binding via POST /api/v1/mobile/bind");
            api.bind_mobile(&login_token, token, Some(&device.phone_number), device)
                .await?
        }
        (Dialect::ShippedApp | Dialect::ShippedApp24, target) => {
            log.say("binding via POST /api/v1/mobile/bind (shipped app's form)");
            api.bind_mobile(&login_token, target.credential(), None, device)
                .await?
        }
    };
    Ok(Device {
        server: api.base.clone(),
        ws_url: bound.ws_url,
        ws_token: bound.ws_token,
        login_token,
        device_id: device.device_id.clone(),
        dialect,
        phone_id: bound.phone_id,
        user_id: bound.user_id,
        phone_number: match dialect {
            Dialect::Document => device.phone_number.clone(),
            Dialect::ShippedApp | Dialect::ShippedApp24 => String::new(),
        },
    })
}

/// A mobile number nobody has: 139 and eight random digits.
pub fn random_phone_number() -> String {
    format!("139{:08}", rand::random_range(0..100_000_000u32))
}
