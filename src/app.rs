//! Opening a data folder: create and check it, migrate the database, load or create the JWT
//! secret, create the first admin, and assemble the shared state.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::auth::limiter::LoginLimiter;
use crate::auth::token::Keys;
use crate::auth::{Role, password};
use crate::config::Config;
use crate::db::{self, Db};
use crate::netaddr::PublicBase;
use crate::state::{AppState, State};

const SECRET_FILE: &str = "jwt.secret";
const SECRET_BYTES: usize = 32; // 256 bits, RFC 7518's minimum for HS256

/// Why the server or a command could not start. Each renders as one clear line.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the data folder {path} cannot be used: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Migrate(#[from] db::migrations::MigrateError),
    #[error("cannot open the database {path}: {detail}")]
    Database { path: PathBuf, detail: String },
    #[error("the JWT secret {path} cannot be read or written: {source}")]
    Secret {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

/// The admin account created on an empty data folder.
pub struct FirstAdmin {
    pub username: String,
    pub password: String,
}

/// Creates the data folder when missing and proves it is writable.
pub fn prepare_data_dir(dir: &Path) -> Result<(), StartError> {
    let fail = |source| StartError::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".write-test");
    fs::write(&probe, b"ok").map_err(fail)?;
    fs::remove_file(&probe).map_err(fail)?;
    Ok(())
}

/// Whether the database file holds anything (a missing or 0-byte file does not).
pub fn database_exists(config: &Config) -> bool {
    fs::metadata(config.db_path()).is_ok_and(|m| m.len() > 0)
}

/// A folder that was used (it has a secret or recordings) but lost its database must not
/// silently become a fresh install beside the old files: the office would lose its data
/// without a word, and a new admin password would appear.
fn refuse_lost_database(config: &Config) -> Result<(), StartError> {
    if database_exists(config) {
        return Ok(());
    }
    let dir = &config.data_dir;
    let has_secret = dir.join(SECRET_FILE).exists();
    let has_recordings = fs::read_dir(dir.join("recordings")).is_ok_and(|mut entries| {
        entries.any(|e| e.is_ok_and(|e| e.file_name() != crate::recordings::storage::TMP_DIR))
    });
    if has_secret || has_recordings {
        return Err(StartError::Other(format!(
            "the data folder {} was used before (it has {}) but its database {} is missing or empty: restore it from a backup, or move the folder away to start afresh",
            dir.display(),
            if has_secret {
                SECRET_FILE
            } else {
                "recordings"
            },
            config.db_path().display()
        )));
    }
    Ok(())
}

/// Opens and migrates the database for the CLI commands (SQLite checkpoints at commit).
pub fn open_database(config: &Config) -> Result<db::Pool, StartError> {
    open_database_with(config, db::Checkpoints::AtCommit)
}

/// Opens and migrates the database, checkpointed as `checkpoints` says.
fn open_database_with(
    config: &Config,
    checkpoints: db::Checkpoints,
) -> Result<db::Pool, StartError> {
    prepare_data_dir(&config.data_dir)?;
    refuse_lost_database(config)?;
    let path = config.db_path();
    let db_err = |detail: String| StartError::Database {
        path: path.clone(),
        detail,
    };
    let mut conn = db::open_connection(&path).map_err(|e| db_err(e.to_string()))?;
    // a damaged schema or table root is one clear line now, not 500s on every page later; the
    // rest of the file is the background check's (`integrity`): reading it all took seconds
    if let Err(found) = db::health::at_start(&conn) {
        let found = db::health::one_line(&found);
        return Err(db_err(format!(
            "it is damaged ({found}): restore it from a backup"
        )));
    }
    db::migrations::migrate(&mut conn)?;
    drop(conn);
    db::open_pool(&path, 8, checkpoints).map_err(|e| db_err(e.to_string()))
}

/// Writes `bytes` to `path` through a temporary file that is synced and renamed, so a crash
/// never leaves a half-written file under the real name.
pub fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut file = crate::platform::private_file(mode)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        crate::platform::sync_dir(parent)?;
    }
    Ok(())
}

/// The JWT secret of this data folder, generated on first start (never a constant).
pub fn load_or_create_secret(data_dir: &Path) -> Result<Vec<u8>, StartError> {
    let path = data_dir.join(SECRET_FILE);
    let fail = |source| StartError::Secret {
        path: path.clone(),
        source,
    };
    match fs::read(&path) {
        Ok(bytes) if bytes.len() >= SECRET_BYTES => Ok(bytes),
        Ok(_) => Err(fail(std::io::Error::other(
            "the file is shorter than 256 bits",
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = vec![0u8; SECRET_BYTES];
            rand::Rng::fill(&mut rand::rng(), &mut secret[..]);
            write_atomically(&path, &secret, 0o600).map_err(fail)?;
            Ok(secret)
        }
        Err(e) => Err(fail(e)),
    }
}

/// Creates user `admin` when the database has no users yet.
pub fn ensure_first_admin(
    pool: &db::Pool,
    initial_password: Option<&str>,
) -> Result<Option<FirstAdmin>, StartError> {
    let conn = pool.get().map_err(|e| StartError::Other(e.to_string()))?;
    let other = |e: db::DbError| StartError::Other(format!("cannot create the first admin: {e}"));
    if db::users::count(&conn).map_err(other)? > 0 {
        return Ok(None);
    }
    let password = initial_password
        .map(str::to_string)
        .unwrap_or_else(|| crate::ids::secret_hex(8));
    let hash = password::hash(&password).map_err(StartError::Other)?;
    db::users::insert(
        &conn,
        &db::users::NewUser {
            id: &crate::ids::user_id(),
            username: "admin",
            password_hash: &hash,
            real_name: "管理员",
            department: "",
            role: Role::Admin,
        },
        crate::times::now_ms(),
    )
    .map_err(other)?;
    Ok(Some(FirstAdmin {
        username: "admin".into(),
        password,
    }))
}

/// Everything `serve` needs, for a server listening on `local`.
pub fn open(config: Config, local: SocketAddr) -> Result<(State, Option<FirstAdmin>), StartError> {
    let pool = open_database_with(&config, db::Checkpoints::InBackground)?;
    // the statistics rollup's days must be in the office zone configured now
    let mut conn = pool.get().map_err(|e| StartError::Other(e.to_string()))?;
    crate::calls::rollup::ensure_timezone(&mut conn, config.timezone)
        .map_err(|e| StartError::Other(format!("cannot prepare the call statistics: {e}")))?;
    drop(conn);
    let secret = load_or_create_secret(&config.data_dir)?;
    let first = ensure_first_admin(&pool, config.initial_admin_password.as_deref())?;
    let public = PublicBase::choose(config.public_url.as_deref(), local);
    let limiter = LoginLimiter::new(config.login, config.clock.clone());
    let settings = {
        let conn = pool.get().map_err(|e| StartError::Other(e.to_string()))?;
        crate::settings::Live::load(&conn, &config)
            .map_err(|e| StartError::Other(format!("cannot read the settings: {e}")))?
    };
    let state = Arc::new(AppState {
        exports: Default::default(),
        settings,
        db: Db::with_checkpoints(pool, &config.db_path())
            .map_err(|e| StartError::Other(format!("cannot start the checkpoint thread: {e}")))?,
        keys: Keys::new(&secret),
        limiter,
        hashing: Semaphore::new(2),
        hub: Arc::new(crate::hub::Hub::new(config.clock.clone())),
        public,
        recordings: crate::recordings::Recordings::new(&secret),
        dialer_bell: Default::default(),
        clock: config.clock.clone(),
        config,
    });
    Ok((state, first))
}
