//! SQLite storage: the pool, per-connection PRAGMAs, and running blocking work off the async
//! threads. Queries live in one module per table, one function per query.

pub mod audit;
pub mod bind_requests;
pub mod call_events;
pub mod call_lists;
pub mod calls;
pub mod campaign_items;
pub mod campaigns;
pub mod checkpoint;
pub mod customer_lists;
pub mod customers;
pub mod device_messages;
pub mod dialer_sessions;
pub mod do_not_call;
pub mod follow_ups;
pub mod health;
pub mod imports;
pub mod inbound;
pub mod migrations;
pub mod phones;
pub mod recordings;
pub mod room;
pub mod scope;
pub mod settings;
pub mod stats;
pub mod stats_range;
pub mod users;

use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// The database file inside the data folder.
pub use crate::config::DB_FILE;

/// What storage code can fail with. `NotFound` is rusqlite's "no rows" (the API answers 404).
/// A business rule refused inside a transaction is the caller's own error type: `run` and
/// `write` take any error that a `DbError` converts into, and roll back on it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("blocking task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl From<rusqlite::Error> for DbError {
    fn from(err: rusqlite::Error) -> Self {
        match err {
            rusqlite::Error::QueryReturnedNoRows => DbError::NotFound,
            other => DbError::Sqlite(other),
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Set on every connection the pool opens (and on the migration connection).
const CONNECTION_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA foreign_keys = ON;
     PRAGMA busy_timeout = 5000;
     PRAGMA synchronous = NORMAL;";

/// Opens one connection with the PRAGMAs every connection gets.
pub fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}

/// The PRAGMAs, and the query planner's stability guarantee: without it SQLite treats a bound
/// `LIMIT ?`/`OFFSET ?` (and a `LIKE ?` pattern) as part of the plan, so binding the next
/// page's numbers expires a cached statement and every list page parsed its query again, a
/// quarter of the page's CPU (issue 18's profile). Our plans never depend on those values: no
/// index serves a LIKE, and there are no `ANALYZE` samples to weigh them against.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(CONNECTION_PRAGMAS)?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

pub use checkpoint::Checkpoints;

/// Prepared statements each pooled connection keeps.
const STATEMENT_CACHE: usize = 128;

/// Opens the pool over an already migrated database.
pub fn open_pool(path: &Path, size: u32, checkpoints: Checkpoints) -> Result<Pool, r2d2::Error> {
    let manager = SqliteConnectionManager::file(path).with_init(move |c| {
        configure(c)?;
        // the server's queries are a few dozen statements; rusqlite keeps 16 by default, and
        // one parse costs more than most of its queries run
        c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        if checkpoints == Checkpoints::InBackground {
            c.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
        }
        Ok(())
    });
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
}

/// The database handle the server shares: a pool whose work runs on tokio's blocking threads,
/// because both `Pool::get` and every SQLite call block.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// Writers queue here, first come first served, before they ask SQLite for its write lock.
    /// Without it they meet inside SQLite's busy handler, which sleeps and retries: a writer
    /// that keeps committing (an import's batches) then starves the others for seconds. With
    /// it, a phone's end report waits at most for the one transaction ahead of it.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The checkpoint thread, told of every commit (the server's pool; `None` for the CLI's).
    checkpoints: Option<checkpoint::Signal>,
    /// Room kept on the disk for the writes (the server's pool; `None` for the CLI's).
    room: Option<std::sync::Arc<room::Room>>,
}

impl Db {
    /// A pool whose connections checkpoint at commit (`Checkpoints::AtCommit`).
    pub fn new(pool: Pool) -> Self {
        Self {
            pool,
            writer: Default::default(),
            checkpoints: None,
            room: None,
        }
    }

    /// A pool opened with `Checkpoints::InBackground`, with the thread that checkpoints
    /// `path` in its place.
    /// It also keeps room on the disk for the writes (`room`).
    pub fn with_checkpoints(pool: Pool, path: &Path) -> std::io::Result<Self> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let room = std::sync::Arc::new(room::Room::keep(dir)?);
        Ok(Self {
            checkpoints: Some(checkpoint::start(path.to_path_buf(), room.clone())?),
            room: Some(room),
            ..Self::new(pool)
        })
    }

    fn make_room(&self) {
        if let Some(room) = &self.room {
            room.before_write();
        }
    }

    fn committed(&self) {
        if let Some(signal) = &self.checkpoints {
            signal.committed();
        }
    }

    /// Runs `f` with a pooled connection on a blocking thread.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            f(&mut conn)
        })
        .await;
        joined.unwrap_or_else(|join| Err(DbError::Join(join).into()))
    }

    /// `run` for code already on a blocking thread (the retention sweep).
    pub fn run_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<DbError>,
        F: FnOnce(&mut Connection) -> Result<T, E>,
    {
        let mut conn = self.pool.get().map_err(DbError::from)?;
        f(&mut conn)
    }

    /// `write` for code already on a blocking thread (the upload's rename-and-row, the
    /// retention sweep).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<DbError>,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E>,
    {
        let _turn = self.writer.blocking_lock();
        self.make_room();
        let value = self.run_blocking(|conn| in_transaction(conn, f))?;
        self.committed();
        Ok(value)
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction: writes that belong together commit
    /// together or not at all, and the write lock is taken up front so SQLite never has to
    /// upgrade a reader (which is what "database is locked" comes from).
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let turn = std::sync::Arc::clone(&self.writer).lock_owned().await;
        let room = self.room.clone();
        let value = self
            .run(move |conn| {
                let _turn = turn;
                if let Some(room) = room {
                    room.before_write();
                }
                in_transaction(conn, f)
            })
            .await?;
        self.committed();
        Ok(value)
    }
}

/// `f` inside one `BEGIN IMMEDIATE` transaction, committed when it returns `Ok`.
fn in_transaction<T, E, F>(conn: &mut Connection, f: F) -> Result<T, E>
where
    E: From<DbError>,
    F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E>,
{
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(DbError::from)?;
    let value = f(&tx)?;
    tx.commit().map_err(DbError::from)?;
    Ok(value)
}

/// A trigram index's query for a keyword: its text in any of `text_columns` (space-separated),
/// or its digits in `number_column`. `None` when a part is under 3 characters, which trigrams
/// cannot find (those keywords are matched with LIKE).
pub fn trigram_query(
    text_columns: &str,
    number_column: &str,
    keyword: &str,
    digits: Option<&str>,
) -> Option<String> {
    let phrase = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    if keyword.chars().count() < 3 || digits.is_some_and(|d| d.len() < 3) {
        return None;
    }
    // a keyword that is its own digits ("138") is one phrase in any column: half the cost of
    // reading its matches twice, once per side of an OR
    if digits == Some(keyword) {
        return Some(phrase(keyword));
    }
    let mut query = format!("{{{text_columns}}} : {}", phrase(keyword));
    if let Some(d) = digits {
        query.push_str(&format!(" OR {number_column} : {}", phrase(d)));
    }
    Some(query)
}

/// Above this many keyword matches a list's page is found by walking its rows in order with
/// LIKE (the first page's matches come within a few rows); below, by fetching the index's
/// matches and sorting them.
pub const MANY_MATCHES: i64 = 2_000;

/// A keyword search stops counting here (contract §10): its list says `total: 10000,
/// totalCapped: true`, so a search costs the same at ten million calls as at a hundred thousand.
pub const KEYWORD_COUNT_CAP: i64 = 10_000;

/// The count of a list's rows `FROM … WHERE …`: every one, or for a keyword search at most
/// `KEYWORD_COUNT_CAP + 1` (one more than the cap says "more than"; `capped_total` reads it).
pub fn count_sql(from_where: &str, keyword: bool) -> String {
    if keyword {
        let most = KEYWORD_COUNT_CAP + 1;
        format!("SELECT COUNT(*) FROM (SELECT 1 {from_where} LIMIT {most})")
    } else {
        format!("SELECT COUNT(*) {from_where}")
    }
}

/// A count from `count_sql` as the list answers it: the total, and whether counting stopped.
pub fn capped_total(count: i64, keyword: bool) -> (i64, bool) {
    if keyword && count > KEYWORD_COUNT_CAP {
        (KEYWORD_COUNT_CAP, true)
    } else {
        (count, false)
    }
}

/// One page of a list and the number of all its rows: `count_sql` counts what `args` match;
/// `page_sql` ends in `LIMIT ? OFFSET ?`, bound after `args`.
pub fn page<T>(
    conn: &Connection,
    count_sql: &str,
    page_sql: &str,
    mut args: Vec<Value>,
    limit: i64,
    offset: i64,
    from_row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> DbResult<(Vec<T>, i64)> {
    let total: i64 = conn.query_row(count_sql, params_from_iter(args.iter()), |r| r.get(0))?;
    args.push(Value::Integer(limit));
    args.push(Value::Integer(offset));
    let mut stmt = conn.prepare(page_sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), from_row)?;
    Ok((rows.collect::<rusqlite::Result<_>>()?, total))
}

/// Every row of `sql`, handed to `each` one by one as SQLite reads them (the exports: nothing
/// is collected, so memory stays flat whatever the count).
pub fn for_each_row<T, E: From<DbError>>(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    from_row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    mut each: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    let mut stmt = conn.prepare(sql).map_err(DbError::from)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), from_row)
        .map_err(DbError::from)?;
    for row in rows {
        each(row.map_err(DbError::from)?)?;
    }
    Ok(())
}

/// `%text%` for `LIKE … ESCAPE '\\'`, with the wildcards in `text` taken literally.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    #[test]
    fn the_next_page_reuses_the_cached_statement() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::open_connection(&dir.path().join("t.db")).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (x INTEGER, s TEXT);
             INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');",
        )
        .unwrap();
        for (limit, offset, pattern) in [(1, 0, "%a%"), (2, 1, "%b%"), (1, 2, "%c%")] {
            let mut stmt = conn
                .prepare_cached("SELECT x FROM t WHERE s LIKE ?1 ORDER BY x LIMIT ?2 OFFSET ?3")
                .unwrap();
            let _: Vec<i64> = stmt
                .query_map(rusqlite::params![pattern, limit, offset], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0);
        }
    }
}
