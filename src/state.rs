//! What every request handler shares.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::auth::limiter::LoginLimiter;
use crate::auth::token::Keys;
use crate::config::Config;
use crate::db::Db;
use crate::hub::Hub;
use crate::netaddr::PublicBase;

pub type State = Arc<AppState>;

pub struct AppState {
    pub config: Config,
    /// The one clock every time rule reads (`config.clock`, which a test may move).
    pub clock: Arc<crate::times::Clock>,
    pub db: Db,
    pub keys: Keys,
    pub limiter: LoginLimiter,
    /// argon2id holds 19 MiB per hash: at most this many hashes run at once.
    pub hashing: Semaphore,
    /// Phone sockets and the PC page's live events.
    pub hub: Arc<Hub>,
    /// The address phones reach this server at.
    pub public: PublicBase,
    /// Exports written and waiting for their one-use download link.
    pub exports: crate::exports::Downloads,
    /// The settings an admin changes at runtime (retention, bind TTL, dial timeout, phones).
    pub settings: crate::settings::Live,
    /// Link signing and the retention sweep's lock.
    pub recordings: crate::recordings::Recordings,
    /// The power dialer's bell: rung when a dialing session may have something to do
    /// (`campaigns::driver` listens).
    pub dialer_bell: crate::campaigns::bell::Bell,
}
